"""The units tree and supervision scopes: which units exist, under which, and who oversees what.

A supervisor oversees the units below their own and, for each unit in their supervision scope,
that unit and the units below it (``supervised_units``: the one place this is computed, read by
``users.actor_for``). Unit codes never change once created: cases, tasks and audit events name
them. Every change is audited on the ``users`` chain with its actor and what changed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from engine.accounts.models import SupervisionScope, Unit, User, UserRole
from engine.accounts.roles import SUPERVISOR
from engine.audit import chain as audit
from engine.audit.chain import PendingEvent
from engine.errors import Conflict, InvalidInput, NotFound

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.context import EngineContext

USERS_CHAIN = "users"
CODE = re.compile(r"[a-z0-9][a-z0-9_.-]{0,99}")
MAX_NAME = 500


@dataclass(frozen=True)
class UnitNode:
    """One row of the units tree, in display order (``depth`` 0 = a top unit)."""

    code: str
    name: str
    parent: str | None
    depth: int


def _children(session: "Session") -> dict[int | None, list[tuple[int, str]]]:
    children: dict[int | None, list[tuple[int, str]]] = {}
    for row_id, code, parent in session.execute(select(Unit.id, Unit.code, Unit.parent_id)):
        children.setdefault(parent, []).append((row_id, code))
    return children


def units_below(session: "Session", unit_id: int) -> frozenset[str]:
    """Codes of every unit under ``unit_id`` in the units tree (not the unit itself)."""
    children = _children(session)
    found, stack = set(), [unit_id]
    while stack:
        for child_id, code in children.get(stack.pop(), []):
            if code not in found:
                found.add(code)
                stack.append(child_id)
    return frozenset(found)


def supervised_units(session: "Session", user: User) -> frozenset[str]:
    """The units a supervisor oversees besides their own: the subtree below their unit ∪ every
    scope unit with its subtree. Empty for anyone without the supervisor role."""
    roles = set(session.scalars(select(UserRole.role).where(UserRole.user_id == user.id)))
    if SUPERVISOR not in roles:
        return frozenset()
    found = set(units_below(session, user.unit_id)) if user.unit_id else set()
    for unit_id, code in session.execute(select(Unit.id, Unit.code).join(
            SupervisionScope, SupervisionScope.unit_id == Unit.id)
            .where(SupervisionScope.user_id == user.id)):
        found |= {code} | units_below(session, unit_id)
    return frozenset(found)


def tree(session: "Session") -> list[UnitNode]:
    """Every unit, each under its parent, siblings by name (a cycle cannot be stored)."""
    rows = session.execute(select(Unit.id, Unit.code, Unit.name, Unit.parent_id)).all()
    by_id = {r.id: r for r in rows}
    kids: dict[int | None, list] = {}
    for r in rows:
        kids.setdefault(r.parent_id if r.parent_id in by_id else None, []).append(r)
    out: list[UnitNode] = []
    stack = [(r, 0) for r in sorted(kids.get(None, []), key=lambda r: (r.name, r.code),
                                    reverse=True)]
    while stack:
        row, depth = stack.pop()
        parent = by_id.get(row.parent_id)
        out.append(UnitNode(row.code, row.name, parent.code if parent else None, depth))
        stack += [(k, depth + 1) for k in sorted(kids.get(row.id, []),
                                                 key=lambda r: (r.name, r.code), reverse=True)]
    return out


def _unit(session: "Session", code: str) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.code == code)) if code else None
    if unit is None:
        raise NotFound(f"Không có đơn vị '{code}'")
    return unit


def _clean_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(f"Tên đơn vị phải có 1–{MAX_NAME} ký tự")
    return name


def _parent_id(session: "Session", parent: str | None, unit_id: int | None) -> int | None:
    """The parent's id; refused when the parent is the unit itself or one of its units below."""
    if not parent:
        return None
    row = _unit(session, parent)
    if unit_id is not None and (row.id == unit_id or parent in units_below(session, unit_id)):
        raise InvalidInput("Đơn vị cấp trên không được là chính đơn vị này hoặc đơn vị trực "
                           "thuộc nó")
    return row.id


def create(session: "Session", code: str, name: str, parent: str | None, *, actor: str,
           now: datetime, lock: bool) -> Unit:
    """Add a unit (in the caller's unit of work, which commits). Audited ``unit_created``."""
    code = (code or "").strip()
    if not CODE.fullmatch(code):
        raise InvalidInput("Mã đơn vị gồm 1–100 ký tự: chữ thường không dấu, số, '.', '_', '-' "
                           "(không đổi được sau khi tạo)")
    name = _clean_name(name)
    if session.scalar(select(Unit.id).where(Unit.code == code)) is not None:
        raise Conflict(f"Mã đơn vị '{code}' đã có")
    unit = Unit(code=code, name=name, parent_id=_parent_id(session, parent, None))
    session.add(unit)
    session.flush()
    audit.append_chain_event(session, USERS_CHAIN, PendingEvent(
        "unit_created", actor, {"unit": code, "name": name, "parent": parent or None}), now,
        lock=lock)
    return unit


def update(session: "Session", code: str, name: str, parent: str | None, *, actor: str,
           now: datetime, lock: bool) -> dict:
    """Rename a unit or move it under another parent (never change its code). Audited
    ``unit_updated`` with each changed field's value before and after; nothing when unchanged."""
    unit = _unit(session, code)
    name = _clean_name(name)
    parent_id = _parent_id(session, parent, unit.id)
    old_parent = session.scalar(select(Unit.code).where(Unit.id == unit.parent_id)) \
        if unit.parent_id else None
    changes = {}
    if name != unit.name:
        changes["name"] = [unit.name, name]
    if (parent or None) != old_parent:
        changes["parent"] = [old_parent, parent or None]
    if changes:
        unit.name, unit.parent_id = name, parent_id
        audit.append_chain_event(session, USERS_CHAIN, PendingEvent(
            "unit_updated", actor, {"unit": code, "changes": changes}), now, lock=lock)
    return changes


def scopes_of(session: "Session", username: str) -> list[tuple[str, str]]:
    """``(code, name)`` of the units in a user's supervision scope, by name."""
    return [tuple(r) for r in session.execute(
        select(Unit.code, Unit.name).join(SupervisionScope, SupervisionScope.unit_id == Unit.id)
        .join(User, User.id == SupervisionScope.user_id).where(User.username == username)
        .order_by(Unit.name, Unit.code))]


def _user(session: "Session", username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"Không tìm thấy người dùng '{username}'")
    return user


def add_scope(ctx: "EngineContext", username: str, unit_code: str, *, actor: str) -> None:
    """Let a supervisor oversee ``unit_code`` and the units below it. Audited."""
    with ctx.uow() as uow:
        session = uow.session
        user, unit = _user(session, username), _unit(session, unit_code)
        if SUPERVISOR not in set(session.scalars(select(UserRole.role)
                                                 .where(UserRole.user_id == user.id))):
            raise InvalidInput("Chỉ giao phạm vi giám sát cho người có vai trò cán bộ giám sát")
        if session.get(SupervisionScope, (user.id, unit.id)) is not None:
            raise Conflict(f"Đơn vị '{unit_code}' đã thuộc phạm vi giám sát của '{username}'")
        session.add(SupervisionScope(user_id=user.id, unit_id=unit.id, created_by=actor,
                                     created_at=ctx.clock.now()))
        audit.append_chain_event(session, USERS_CHAIN, PendingEvent(
            "supervision_scope_added", actor, {"username": username, "unit": unit_code}),
            ctx.clock.now(), lock=uow.dialect == "postgresql")
        uow.commit()


def remove_scope(ctx: "EngineContext", username: str, unit_code: str, *, actor: str) -> None:
    """Take ``unit_code`` out of a supervisor's scope (their next request no longer sees it)."""
    with ctx.uow() as uow:
        session = uow.session
        user, unit = _user(session, username), _unit(session, unit_code)
        removed = session.execute(delete(SupervisionScope).where(
            SupervisionScope.user_id == user.id, SupervisionScope.unit_id == unit.id)).rowcount
        if not removed:
            raise NotFound(f"Đơn vị '{unit_code}' không thuộc phạm vi giám sát của '{username}'")
        audit.append_chain_event(session, USERS_CHAIN, PendingEvent(
            "supervision_scope_removed", actor, {"username": username, "unit": unit_code}),
            ctx.clock.now(), lock=uow.dialect == "postgresql")
        uow.commit()
