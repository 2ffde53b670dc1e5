"""Supervision: search, an instance's history (diagram, events, "as of" state, audit verification),
the case file for inspectors, the dashboard and periodic reports.

Supervisors read everything and change nothing: no route here calls an engine command. The one
POST, unsealing a denouncer's identity, only reads, with a reason, and is audited by the engine.
Only supervisors (and administrators) reach these pages.
"""
from flask import Blueprint

bp = Blueprint("supervision", __name__, url_prefix="/supervision")

from webapp.supervision import views  # noqa: E402,F401  (registers the routes on bp)
