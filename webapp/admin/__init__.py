"""Process administration for administrators: versions, the BPMN modeler, upload/download,
comparing versions and migrating running instances. Every route is for administrators only.

One module per resource, all registering on ``bp``: ``versions`` (the process list and what the
pages share), ``files`` (download, upload), ``modeler`` (edit, validate, deploy, drafts),
``compare`` and ``migrate``.
"""
from flask import Blueprint, abort, current_app
from flask_login import current_user

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def administrators_only():
    """Every route of this blueprint: log in first, then administrators only (403 otherwise)."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if "administrator" not in current_user.roles:
        abort(403)
    return None


@bp.after_request
def no_store(response):
    response.headers.setdefault("Cache-Control", "no-store")
    return response


# Imported last, after bp exists: each module registers its routes on bp.
from webapp.admin import compare, files, migrate, modeler, versions  # noqa: E402,F401
