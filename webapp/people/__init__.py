"""Administrators' pages for units, users and supervision scopes (issue 15).

Every route is for administrators only (403 for any other role). ``units`` holds the units tree,
a unit's form with its agency profile and its acting heads; ``accounts`` the users list, a user's
form, deactivation, password resets and supervision scopes. Every change goes through an audited
engine or domain command; no page shows anything about a case.
"""
from flask import Blueprint, abort, current_app
from flask_login import current_user

from engine.accounts.roles import ADMINISTRATOR

bp = Blueprint("people", __name__, url_prefix="/people")


@bp.before_request
def administrators_only():
    """Log in first, then administrators only (403 otherwise)."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if ADMINISTRATOR not in current_user.roles:
        abort(403)
    return None


@bp.after_request
def no_store(response):
    response.headers.setdefault("Cache-Control", "no-store")
    return response


# Imported last, after bp exists: each module registers its routes on bp.
from webapp.people import accounts, units  # noqa: E402,F401
