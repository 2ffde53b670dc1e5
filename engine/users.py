"""Minimal users, roles and units (the web app adds login and passwords)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

import logging
import os

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from engine import audit
from engine.audit import PendingEvent
from engine.errors import Conflict, InvalidInput, NotFound
from engine.human_tasks import Actor
from engine.models import Unit, User, UserRole
from engine.roles import ROLES

if TYPE_CHECKING:
    from engine.context import EngineContext

USERS_CHAIN = "users"
MIN_PASSWORD = 8
log = logging.getLogger(__name__)


def _hasher() -> PasswordHasher:
    # The test suite hashes hundreds of passwords; it alone sets this. Verification always uses the
    # parameters stored in each hash, so a strong hash stays strong whatever this says.
    if os.environ.get("PETITIONS_INSECURE_FAST_HASHING") == "1":
        log.warning("PETITIONS_INSECURE_FAST_HASHING=1: new password hashes are weak (tests only)")
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher()


_HASHER = _hasher()
# Verifying against this when the user does not exist keeps the response time the same, so the
# login page does not reveal which user names exist.
_DUMMY_HASH = _HASHER.hash("not-a-real-password")


def _clean_roles(roles: Iterable[str]) -> list[str]:
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise InvalidInput(f"Vai trò không tồn tại: {', '.join(unknown)} "
                           f"(có: {', '.join(ROLES)})")
    if not roles:
        raise InvalidInput("Phải có ít nhất một vai trò")
    return roles


def add_user(ctx: "EngineContext", username: str, roles: Iterable[str], *, actor: str,
             unit: str | None = None, display_name: str | None = None,
             password_hash: str | None = None, email: str | None = None) -> dict:
    """Create a user with roles; a unit code that does not exist yet is created with it."""
    username = (username or "").strip()
    if not username or len(username) > 200 or any(c.isspace() for c in username):
        raise InvalidInput("Tên đăng nhập phải có 1–200 ký tự, không có khoảng trắng")
    role_codes = _clean_roles(roles)
    if email is not None and ("@" not in email or len(email) > 320 or any(c.isspace() for c in email)):
        raise InvalidInput(f"Địa chỉ thư không hợp lệ: {email!r}")
    with ctx.uow() as uow:
        session = uow.session
        if session.scalars(select(User).where(User.username == username)).first():
            raise Conflict(f"Người dùng '{username}' đã tồn tại")
        unit_row = None
        if unit:
            unit_row = session.scalars(select(Unit).where(Unit.code == unit)).first()
            if unit_row is None:
                unit_row = Unit(code=unit, name=unit)
                session.add(unit_row)
                session.flush()
        user = User(username=username, display_name=display_name or username,
                    unit_id=unit_row.id if unit_row else None, password_hash=password_hash,
                    email=email,
                    active=True, created_at=ctx.clock.now())
        session.add(user)
        session.flush()
        session.add_all([UserRole(user_id=user.id, role=r) for r in role_codes])
        audit.append_chain_event(session, USERS_CHAIN, PendingEvent(
            "user_added", actor, {"username": username, "roles": role_codes, "unit": unit}),
            ctx.clock.now(), lock=uow.dialect == "postgresql")
        uow.commit()
    return {"username": username, "roles": role_codes, "unit": unit}


def actor_for(ctx: "EngineContext", username: str) -> Actor:
    """The acting user's roles and unit, read from the database (never trusted from the caller)."""
    with ctx.uow(write=False) as uow:
        user = uow.session.scalars(select(User).where(User.username == username)).first()
        if user is None or not user.active:
            raise NotFound(f"Không tìm thấy người dùng '{username}'")
        roles = frozenset(uow.session.scalars(select(UserRole.role)
                                              .where(UserRole.user_id == user.id)))
        unit = uow.session.get(Unit, user.unit_id).code if user.unit_id else None
        return Actor(username=user.username, roles=roles, unit=unit)


def hash_password(password: str) -> str:
    if not password or len(password) < MIN_PASSWORD:
        raise InvalidInput(f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự")
    return _HASHER.hash(password)


def set_password(ctx: "EngineContext", username: str, password: str, *, actor: str,
                 password_hash: str | None = None) -> None:
    """Store an argon2 hash of a new password (audited, the password itself never)."""
    password_hash = password_hash or hash_password(password)
    with ctx.uow() as uow:
        user = uow.session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFound(f"Không tìm thấy người dùng '{username}'")
        user.password_hash = password_hash
        audit.append_chain_event(uow.session, USERS_CHAIN, PendingEvent(
            "password_set", actor, {"username": username}), ctx.clock.now(),
            lock=uow.dialect == "postgresql")
        uow.commit()


def authenticate(ctx: "EngineContext", username: str, password: str) -> Actor | None:
    """The actor for correct credentials of an active user; None otherwise (no detail why)."""
    with ctx.uow(write=False) as uow:
        user = uow.session.scalars(select(User).where(User.username == (username or "").strip())).first()
        stored = user.password_hash if user is not None and user.active else None
    try:
        _HASHER.verify(stored or _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if stored is None:
        return None
    return actor_for(ctx, user.username)


def display_names(ctx: "EngineContext", usernames: Iterable[str]) -> dict[str, str]:
    with ctx.uow(write=False) as uow:
        rows = uow.session.execute(select(User.username, User.display_name)
                                   .where(User.username.in_(sorted(set(usernames))))).all()
        return dict(rows)
