"""Who may read a denouncer's identity, step by step as the law says (issue 12 §3).

- the competent resolver: the head of the owning unit, or of the unit above when the denounced
  person is that head (LTC Điều 12–13; ``petitions.resolver_unit_code``);
- an acting head, for a recorded period of delegation, as the head (``head_delegations``: the
  acting user holds the head's role in their unit for the period, see ``users.actor_for``);
- the officer holding the open classification step, who must check name and address (Điều 24);
- people the resolver grants it to, case by case, with a reason and an expiry (``identity_grants``);
- supervisors over the owning unit, by unsealing with a reason;
- never administrators, nor anyone else. Every read is audited by the caller.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine import audit, petition_identity, runtime
from engine.audit import PendingEvent
from engine.errors import Forbidden, InvalidInput, NotFound
from engine.models import (HeadDelegation, HumanTask, IdentityGrant, Petition, Unit, User,
                           UserRole)
from engine.petition_labels import vn_time

if TYPE_CHECKING:
    from engine.context import EngineContext
    from engine.human_tasks import Actor

# The classification step, where the officer must check the sender's name and address.
CLASSIFY_STEPS = frozenset({"Task_classify"})
MAX_GRANT_DAYS = 90
MAX_DELEGATION_DAYS = 180
IDENTITY_ROLES = frozenset({"head_of_unit", "supervisor"})


def resolver_unit(petition: Petition) -> str | None:
    return petition.resolver_unit_code or petition.unit_code


def can_read_identity(actor: "Actor", petition: Petition | None = None) -> bool:
    """By role alone: the resolver's head and supervisors over the owning unit. Without a
    petition: whether the actor's roles could ever allow it. Administrators never."""
    if actor.is_admin or not (IDENTITY_ROLES & actor.roles):
        return False
    if petition is None:
        return True
    if "head_of_unit" in actor.roles and actor.unit and actor.unit == resolver_unit(petition):
        return True
    return "supervisor" in actor.roles and petition.unit_code in actor.units


def may_unseal(session, actor: "Actor", petition: Petition, now: datetime) -> bool:
    """``can_read_identity``, the officer holding the open classification step, or a grantee."""
    if can_read_identity(actor, petition):
        return True
    if actor.is_admin:
        return False
    if petition.instance_id is not None and session.scalar(select(HumanTask.id).where(
            HumanTask.instance_id == petition.instance_id, HumanTask.status == "ready",
            HumanTask.bpmn_id.in_(sorted(CLASSIFY_STEPS)),
            HumanTask.assignee == actor.username).limit(1)) is not None:
        return True
    return session.scalar(select(IdentityGrant.id).where(
        IdentityGrant.petition_id == petition.id, IdentityGrant.grantee == actor.username,
        IdentityGrant.revoked_at.is_(None), IdentityGrant.expires_at > now).limit(1)) is not None


def is_resolver(actor: "Actor", petition: Petition) -> bool:
    """The head (or acting head) of the unit that resolves the case: may grant the right."""
    return not actor.is_admin and "head_of_unit" in actor.roles and bool(actor.unit) \
        and actor.unit == resolver_unit(petition)


def sees_as_resolver(actor: "Actor", petition: Petition) -> bool:
    """The head of the unit above resolving a denunciation against the owning unit's head sees
    that case although it belongs to another unit."""
    return bool(petition.resolver_unit_code and "head_of_unit" in actor.roles
                and actor.unit == petition.resolver_unit_code)


def set_resolver_above(session, petition: Petition) -> None:
    """The denounced person is the owning unit's head: the unit above resolves (Điều 12–13)."""
    parent = session.scalar(select(Unit.parent_id).where(Unit.code == petition.unit_code))
    code = session.scalar(select(Unit.code).where(Unit.id == parent)) if parent else None
    petition.resolver_unit_code = code


# ---- grants --------------------------------------------------------------------------------------

def _unit_of(session, username: str) -> str | None:
    return session.scalar(select(Unit.code).join(User, User.unit_id == Unit.id)
                          .where(User.username == username, User.active.is_(True)))


def grant(ctx: "EngineContext", petition_id: int, grantee: str, actor: "Actor", reason: str,
          expires_at: datetime) -> dict:
    """The resolver lets ``grantee`` (of the owning unit) read this case's identity until
    ``expires_at`` (at most ``MAX_GRANT_DAYS``); audited on the case's chain."""
    from engine.petitions import visible_petition
    now = ctx.clock.now()
    if not (reason or "").strip() or len(reason.strip()) < 5:
        raise InvalidInput("Phải nêu lý do cho phép xem danh tính (ít nhất 5 ký tự)")
    if not now < expires_at <= now + timedelta(days=MAX_GRANT_DAYS):
        raise InvalidInput(f"Thời hạn cho phép phải sau hiện tại và tối đa {MAX_GRANT_DAYS} ngày")
    with ctx.uow() as uow:
        session = uow.session
        petition = visible_petition(session, petition_id, actor)
        if not petition.identity_sealed:
            raise InvalidInput("Đơn không niêm phong danh tính; không cần cho phép")
        if not is_resolver(actor, petition):
            raise Forbidden("Chỉ người có thẩm quyền giải quyết tố cáo mới cho phép người khác "
                            "xem danh tính người tố cáo")
        if grantee not in {u["username"] for u in grantees(ctx, petition_id, actor)}:
            raise InvalidInput("Chỉ cho phép một cán bộ khác của đơn vị đang giải quyết đơn "
                               "(không phải quản trị hệ thống)")
        shown, audited = petition_identity.PetitionDataGuard().protect_text(
            uow, petition.instance_id, "grant_reason", reason.strip(), now)
        row = IdentityGrant(petition_id=petition.id, grantee=grantee, granted_by=actor.username,
                            reason=shown, expires_at=expires_at, created_at=now)
        session.add(row)
        session.flush()
        _record(uow, petition, "identity_granted", actor, now, grant_id=row.id, grantee=grantee,
                expires_at=expires_at.isoformat(), reason=audited)
        uow.commit()
        return _grant_dict(row)


def grantees(ctx: "EngineContext", petition_id: int, actor: "Actor") -> list[dict]:
    """The people the resolver may grant the right to: the owning unit's active officers other
    than themselves, never an administrator. ``[{username, display_name}]``."""
    from engine.petitions import visible_petition
    with ctx.uow(write=False) as uow:
        petition = visible_petition(uow.session, petition_id, actor)
        admins = select(UserRole.user_id).where(UserRole.role == "administrator")
        rows = uow.session.execute(
            select(User.username, User.display_name).join(Unit, Unit.id == User.unit_id)
            .where(Unit.code == petition.unit_code, User.active.is_(True),
                   User.username != actor.username, User.id.not_in(admins))
            .order_by(User.display_name, User.username)).all()
    return [{"username": u, "display_name": d} for u, d in rows]


def revoke_grant(ctx: "EngineContext", petition_id: int, grant_id: int, actor: "Actor") -> dict:
    """End a grant before its expiry (the resolver who may grant)."""
    from engine.petitions import visible_petition
    now = ctx.clock.now()
    with ctx.uow() as uow:
        petition = visible_petition(uow.session, petition_id, actor)
        row = uow.session.get(IdentityGrant, grant_id)
        if row is None or row.petition_id != petition.id:
            raise NotFound(f"Không tìm thấy quyền xem #{grant_id} của đơn #{petition_id}")
        if not is_resolver(actor, petition):
            raise Forbidden("Chỉ người có thẩm quyền giải quyết tố cáo mới thu hồi được")
        if row.revoked_at is None:
            row.revoked_at, row.revoked_by = now, actor.username
            _record(uow, petition, "identity_grant_revoked", actor, now, grant_id=row.id,
                    grantee=row.grantee)
        uow.commit()
        return _grant_dict(row)


def grants(session, petition_id: int, now: datetime) -> list[dict]:
    rows = session.scalars(select(IdentityGrant).where(IdentityGrant.petition_id == petition_id)
                           .order_by(IdentityGrant.id))
    return [{**_grant_dict(r), "active": r.revoked_at is None and r.expires_at > now}
            for r in rows]


def _grant_dict(row: IdentityGrant) -> dict:
    return {"id": row.id, "grantee": row.grantee, "granted_by": row.granted_by,
            "reason": row.reason, "expires_at": row.expires_at, "until": f"{vn_time(row.expires_at):%d/%m/%Y}",
            "revoked_at": row.revoked_at}


def _record(uow, petition: Petition, kind: str, actor: "Actor", now, **payload) -> None:
    instance = runtime.lock_instance(uow, petition.instance_id)
    audit.append_instance_events(uow.session, instance, [PendingEvent(
        kind, actor.username, {"petition_id": petition.id, **payload})], now)


# ---- acting heads --------------------------------------------------------------------------------

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
    if "head_of_unit" not in actor.roles or not actor.unit:
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
