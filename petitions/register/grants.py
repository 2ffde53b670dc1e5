"""Grants of the identity right: the resolver lets a colleague read a case's identity, with a
reason and a last day; revocable. Audited on the case's chain.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.accounts.models import Unit, User, UserRole
from engine.audit import chain as audit
from engine.audit.chain import PendingEvent
from engine.errors import Forbidden, InvalidInput, NotFound
from engine.running import locks
from petitions.identity import guard
from petitions.identity.rights import is_resolver
from petitions.labels import vn_time
from petitions.persistence.models import IdentityGrant, Petition

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.context import EngineContext


MAX_GRANT_DAYS = 90


def grant(ctx: "EngineContext", petition_id: int, grantee: str, actor: "Actor", reason: str,
          expires_at: datetime) -> dict:
    """The resolver lets ``grantee`` (of the owning unit) read this case's identity until
    ``expires_at`` (at most ``MAX_GRANT_DAYS``); audited on the case's chain."""
    from petitions.register.access import visible_petition
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
        shown, audited = guard.PetitionDataGuard().protect_text(
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
    from petitions.register.access import visible_petition
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
    from petitions.register.access import visible_petition
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
    instance = locks.lock_instance(uow, petition.instance_id)
    audit.append_instance_events(uow.session, instance, [PendingEvent(
        kind, actor.username, {"petition_id": petition.id, **payload})], now)
