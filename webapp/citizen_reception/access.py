"""Who reaches the reception pages, and the one way their errors are shown."""
from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect
from flask_login import current_user
from sqlalchemy import select

from engine.errors import FormInvalid
from webapp.engine_access import current_actor, engine_ctx

READERS = ("reception_officer", "head_of_unit", "supervisor", "handling_officer")
WRITERS = ("reception_officer", "head_of_unit")


def require(*roles: str):
    """Login, then one of ``roles`` (administrators pass), else 403."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.has_any(*roles):
        abort(403)
    return None


def require_row(model, row_id: int, *roles: str):
    """A row of another unit (or none) is 404 for everyone, before any role check."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    with engine_ctx().uow(write=False) as uow:
        unit = uow.session.scalar(select(model.unit_code).where(model.id == row_id))
    if unit is None or unit not in current_actor().units:
        abort(404)
    return require(*roles)


def message_of(err) -> str:
    if isinstance(err, FormInvalid):
        return "; ".join(dict.fromkeys(err.errors.values()))
    return err.message


def back_with_error(err, url: str):
    flash(message_of(err), "error")
    return redirect(url, code=303)


def parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip()) if value and value.strip() else None
    except ValueError:
        return None
