"""Petition files: the recent-petitions list, one petition's file, identity unsealing, documents."""
from flask import Blueprint

bp = Blueprint("petitions", __name__, url_prefix="/petitions")

from webapp.petitions import views  # noqa: E402,F401  (registers the routes on bp)
