"""The user's in-app notifications: list (unread first) and mark as read."""
from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

from webapp.notifications import views  # noqa: E402,F401  (registers the routes on bp)
