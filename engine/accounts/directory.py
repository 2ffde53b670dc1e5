"""The users directory for administrators: who exists, with which roles and unit, and edits.

Creating, deactivating and setting passwords stay in ``users``; this module lists users and
changes a user's name, e-mail, unit and roles, audited with each field's value before and after.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from sqlalchemy import select

from engine.accounts.models import Unit, User, UserRole
from engine.accounts.roles import ADMINISTRATOR
from engine.accounts.users import USERS_CHAIN, _clean_roles, keep_an_administrator
from engine.audit import chain as audit
from engine.audit.chain import PendingEvent
from engine.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from engine.context import EngineContext

MAX_DISPLAY_NAME = 500


@dataclass(frozen=True)
class UserRow:
    username: str
    display_name: str
    email: str
    unit: str | None
    unit_name: str
    roles: tuple[str, ...]
    active: bool


def check_email(email: str | None) -> str | None:
    email = (email or "").strip()
    if email and ("@" not in email or len(email) > 320 or any(c.isspace() for c in email)):
        raise InvalidInput(f"Địa chỉ thư không hợp lệ: {email!r}")
    return email or None


def list_users(ctx: "EngineContext", *, unit: str | None = None, role: str | None = None,
               active: bool | None = None) -> list[UserRow]:
    """Users by user name, filtered by unit code, role and active state (None: any)."""
    with ctx.uow(write=False) as uow:
        session = uow.session
        query = (select(User, Unit.code, Unit.name).outerjoin(Unit, Unit.id == User.unit_id)
                 .order_by(User.username))
        if unit:
            query = query.where(Unit.code == unit)
        if active is not None:
            query = query.where(User.active.is_(active))
        if role:
            query = query.where(User.id.in_(select(UserRole.user_id)
                                             .where(UserRole.role == role)))
        rows = session.execute(query).all()
        roles: dict[int, list[str]] = {}
        for user_id, code in session.execute(select(UserRole.user_id, UserRole.role)
                                             .order_by(UserRole.role)):
            roles.setdefault(user_id, []).append(code)
        return [UserRow(u.username, u.display_name, u.email or "", code, name or "",
                        tuple(roles.get(u.id, [])), bool(u.active)) for u, code, name in rows]


def get_user(ctx: "EngineContext", username: str) -> UserRow:
    found = [u for u in list_users(ctx) if u.username == username]
    if not found:
        raise NotFound(f"Không tìm thấy người dùng '{username}'")
    return found[0]


def update_user(ctx: "EngineContext", username: str, *, display_name: str, email: str | None,
                unit: str | None, roles: Iterable[str], actor: str) -> dict:
    """Change a user's display name, e-mail, unit and roles in one audited step (``user_updated``
    with ``changes``: field → [before, after]). Rights take effect on the user's next request
    (roles and unit are re-read on every one). An administrator keeps their
    own administrator role, and the last active administrator keeps it too."""
    display_name = (display_name or "").strip()
    if not display_name or len(display_name) > MAX_DISPLAY_NAME:
        raise InvalidInput(f"Họ tên phải có 1–{MAX_DISPLAY_NAME} ký tự")
    email = check_email(email)
    role_codes = _clean_roles(roles, ctx.roles)
    if username == actor and ADMINISTRATOR not in role_codes:
        raise InvalidInput("Không thể tự bỏ vai trò quản trị hệ thống của mình")
    now = ctx.clock.now()
    with ctx.uow() as uow:
        session = uow.session
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"Không tìm thấy người dùng '{username}'")
        unit_row = session.scalar(select(Unit).where(Unit.code == unit)) if unit else None
        if unit and unit_row is None:
            raise InvalidInput(f"Không có đơn vị '{unit}'")
        old_roles = sorted(session.scalars(select(UserRole.role)
                                           .where(UserRole.user_id == user.id)))
        if ADMINISTRATOR in old_roles and ADMINISTRATOR not in role_codes and user.active:
            keep_an_administrator(session, user, lock=uow.dialect == "postgresql")
        old_unit = session.scalar(select(Unit.code).where(Unit.id == user.unit_id)) \
            if user.unit_id else None
        changes = {}
        for name, before, after in (("display_name", user.display_name, display_name),
                                    ("email", user.email, email), ("unit", old_unit, unit or None),
                                    ("roles", old_roles, role_codes)):
            if before != after:
                changes[name] = [before, after]
        if not changes:
            return {}
        user.display_name, user.email = display_name, email
        user.unit_id = unit_row.id if unit_row else None
        for row in session.scalars(select(UserRole).where(UserRole.user_id == user.id)):
            if row.role not in role_codes:
                session.delete(row)
        session.add_all([UserRole(user_id=user.id, role=r) for r in role_codes
                         if r not in old_roles])
        audit.append_chain_event(session, USERS_CHAIN, PendingEvent(
            "user_updated", actor, {"username": username, "changes": changes}), now,
            lock=uow.dialect == "postgresql")
        uow.commit()
    return changes
