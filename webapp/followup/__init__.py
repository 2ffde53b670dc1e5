"""Follow-up files of decisions in force and conclusions (issue 19 §1): one page listing, per
letter, the responsible units, what each must do and by when, the urgings and the implementation
reports (petitions.followup.files). The work itself is done in the task pages."""
from flask import Blueprint

bp = Blueprint("followup", __name__, url_prefix="/followups")

from webapp.followup import views  # noqa: E402,F401  (registers the routes on bp)
