"""How views reach the engine: the app's EngineContext and the current user as an engine Actor."""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app
from flask_login import UserMixin, current_user

from engine.accounts.actor import Actor
from engine.context import EngineContext
from petitions.roles import ROLES


def engine_ctx() -> EngineContext:
    return current_app.extensions["petitions"]


class WebUser(UserMixin):
    """The logged-in user; roles and unit are re-read from the database on every request."""

    def __init__(self, actor: Actor, display_name: str):
        self.actor = actor
        self.display_name = display_name

    def get_id(self) -> str:
        return self.actor.username

    @property
    def roles(self) -> frozenset[str]:
        return self.actor.roles

    @property
    def role_labels(self) -> list[str]:
        return [ROLES[r] for r in sorted(self.actor.roles) if r in ROLES]

    def has_any(self, *roles: str) -> bool:
        return bool(set(roles) & self.actor.roles) or self.actor.is_admin


def current_actor() -> Actor:
    return current_user.actor


def roles_required(*roles: str):
    """403 unless the user holds one of ``roles`` (administrators pass everywhere)."""
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not current_user.has_any(*roles):
                abort(403)
            return view(*args, **kwargs)
        return wrapper
    return decorator
