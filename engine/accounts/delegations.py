"""Acting heads: a head delegates their role in their unit for a recorded period."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.accounts.models import HeadDelegation, Unit, User, UserRole
from engine.accounts.roles import HEAD_OF_UNIT
from engine.audit import chain as audit
from engine.audit.chain import PendingEvent
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound

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
    an administrator records it for the head with ``delegate_for_head``). Audited on the
    ``users`` chain."""
    if HEAD_OF_UNIT not in actor.roles or not actor.unit:
        raise Forbidden("Chỉ thủ trưởng đơn vị mới giao quyền thủ trưởng")
    return _record(ctx, actor.unit, actor.username, acting, starts_at, ends_at, reason,
                   by=actor.username)


def delegate_for_head(ctx: "EngineContext", unit: str, head: str, acting: str,
                      starts_at: datetime, ends_at: datetime, reason: str, *,
                      actor: "Actor") -> dict:
    """An administrator records the delegation a unit's head decided (the written decision is
    the ``reason``): ``head`` must be an active user of ``unit`` holding the head role itself,
    not as an acting head. Audited with the administrator as actor."""
    if not actor.is_admin:
        raise Forbidden("Chỉ quản trị hệ thống mới ghi nhận giao quyền thay thủ trưởng")
    with ctx.uow(write=False) as uow:
        is_head = uow.session.scalar(select(UserRole.role).join(User, User.id == UserRole.user_id)
                                     .where(User.username == head,
                                            UserRole.role == HEAD_OF_UNIT).limit(1))
        if not is_head or _unit_of(uow.session, head) != unit:
            raise InvalidInput("Người giao quyền phải là thủ trưởng (đang hoạt động) của đơn vị")
    return _record(ctx, unit, head, acting, starts_at, ends_at, reason, by=actor.username)


def _record(ctx: "EngineContext", unit: str, head: str, acting: str, starts_at: datetime,
            ends_at: datetime, reason: str, *, by: str) -> dict:
    now = ctx.clock.now()
    if not (reason or "").strip():
        raise InvalidInput("Phải nêu lý do (quyết định giao quyền)")
    if not starts_at < ends_at <= starts_at + timedelta(days=MAX_DELEGATION_DAYS) or ends_at <= now:
        raise InvalidInput(f"Thời gian giao quyền phải hợp lệ, chưa kết thúc, tối đa "
                           f"{MAX_DELEGATION_DAYS} ngày")
    with ctx.uow() as uow:
        if acting == head or _unit_of(uow.session, acting) != unit:
            raise InvalidInput("Người được giao quyền phải là cán bộ khác của cùng đơn vị")
        row = HeadDelegation(unit_code=unit, head_username=head,
                             acting_username=acting, starts_at=starts_at, ends_at=ends_at,
                             reason=reason.strip(), created_by=by, created_at=now)
        uow.session.add(row)
        uow.session.flush()
        audit.append_chain_event(uow.session, "users", PendingEvent(
            "head_delegated", by, {
                "delegation_id": row.id, "unit": unit, "head": head, "acting": acting,
                "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()}), now,
            lock=uow.dialect == "postgresql")
        uow.commit()
        return {"id": row.id, "unit": row.unit_code, "acting": acting,
                "starts_at": starts_at, "ends_at": ends_at}


def revoke(ctx: "EngineContext", delegation_id: int, unit: str, *, actor: "Actor") -> None:
    """End a delegation of ``unit`` now (an administrator, or the head of that unit). Audited."""
    if not (actor.is_admin or (HEAD_OF_UNIT in actor.roles and actor.unit == unit)):
        raise Forbidden("Chỉ thủ trưởng đơn vị hoặc quản trị hệ thống mới thu hồi giao quyền")
    now = ctx.clock.now()
    with ctx.uow() as uow:
        row = uow.session.get(HeadDelegation, delegation_id)
        if row is None or row.unit_code != unit:
            raise NotFound("Không tìm thấy lần giao quyền này")
        if row.revoked_at is not None or row.ends_at <= now:
            raise Conflict("Lần giao quyền này đã kết thúc hoặc đã bị thu hồi")
        row.revoked_at = now
        audit.append_chain_event(uow.session, "users", PendingEvent(
            "head_delegation_revoked", actor.username, {
                "delegation_id": row.id, "unit": unit, "acting": row.acting_username}), now,
            lock=uow.dialect == "postgresql")
        uow.commit()


def delegations_of(session, unit: str) -> list[HeadDelegation]:
    """A unit's delegations, latest first (ended and revoked ones too: they are its history)."""
    return list(session.scalars(select(HeadDelegation).where(HeadDelegation.unit_code == unit)
                                .order_by(HeadDelegation.starts_at.desc(),
                                          HeadDelegation.id.desc())))


def is_acting_head(session, username: str, unit: str | None, now: datetime) -> bool:
    """Does ``username`` act as the head of their own ``unit`` at ``now``?"""
    if not unit:
        return False
    return session.scalar(select(HeadDelegation.id).where(
        HeadDelegation.acting_username == username, HeadDelegation.unit_code == unit,
        HeadDelegation.revoked_at.is_(None), HeadDelegation.starts_at <= now,
        HeadDelegation.ends_at > now).limit(1)) is not None
