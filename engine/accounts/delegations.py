"""Acting heads: a head delegates their role in their unit for a recorded period."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.accounts.models import HeadDelegation, Unit, User
from engine.accounts.roles import HEAD_OF_UNIT
from engine.audit import chain as audit
from engine.audit.chain import PendingEvent
from engine.errors import Forbidden, InvalidInput

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.context import EngineContext


MAX_DELEGATION_DAYS = 180


def _unit_of(session, username: str) -> str | None:
    return session.scalar(select(Unit.code).join(User, User.unit_id == Unit.id)
                          .where(User.username == username, User.active.is_(True)))


def delegate(ctx: "EngineContext", acting: str, actor: "Actor", starts_at: datetime,
             ends_at: datetime, reason: str) -> dict:
    """Record ``acting`` as acting head of ``actor``'s unit for a period (the head delegates;
    an administrator may record it for the unit's head). Audited on the ``users`` chain."""
    now = ctx.clock.now()
    if not (reason or "").strip():
        raise InvalidInput("Phải nêu lý do (quyết định giao quyền)")
    if not starts_at < ends_at <= starts_at + timedelta(days=MAX_DELEGATION_DAYS) or ends_at <= now:
        raise InvalidInput(f"Thời gian giao quyền phải hợp lệ, chưa kết thúc, tối đa "
                           f"{MAX_DELEGATION_DAYS} ngày")
    if HEAD_OF_UNIT not in actor.roles or not actor.unit:
        raise Forbidden("Chỉ thủ trưởng đơn vị mới giao quyền thủ trưởng")
    with ctx.uow() as uow:
        if acting == actor.username or _unit_of(uow.session, acting) != actor.unit:
            raise InvalidInput("Người được giao quyền phải là cán bộ khác của cùng đơn vị")
        row = HeadDelegation(unit_code=actor.unit, head_username=actor.username,
                             acting_username=acting, starts_at=starts_at, ends_at=ends_at,
                             reason=reason.strip(), created_by=actor.username, created_at=now)
        uow.session.add(row)
        uow.session.flush()
        audit.append_chain_event(uow.session, "users", PendingEvent(
            "head_delegated", actor.username, {
                "delegation_id": row.id, "unit": actor.unit, "acting": acting,
                "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()}), now,
            lock=uow.dialect == "postgresql")
        uow.commit()
        return {"id": row.id, "unit": row.unit_code, "acting": acting,
                "starts_at": starts_at, "ends_at": ends_at}


def is_acting_head(session, username: str, unit: str | None, now: datetime) -> bool:
    """Does ``username`` act as the head of their own ``unit`` at ``now``?"""
    if not unit:
        return False
    return session.scalar(select(HeadDelegation.id).where(
        HeadDelegation.acting_username == username, HeadDelegation.unit_code == unit,
        HeadDelegation.revoked_at.is_(None), HeadDelegation.starts_at <= now,
        HeadDelegation.ends_at > now).limit(1)) is not None
