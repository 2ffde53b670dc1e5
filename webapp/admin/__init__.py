"""Process administration for administrators: versions, the BPMN modeler, upload/download,
comparing versions and migrating running instances. Every route is for administrators only."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from webapp.admin import views  # noqa: E402,F401  (registers the routes on bp)
