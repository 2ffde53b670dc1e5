"""What a unit sent, and where a letter it holds came from (read-only).

The sending unit no longer sees a moved letter (it belongs to the receiving unit now); it keeps
this trace: the number, the tracking code, the register line as sent (already cut of the
senders' identities), the slip, to whom and when. Nothing here can be edited. The receiving unit
reads the origin and the history summary on the letter it now holds.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.accounts.access import unit_condition
from engine.accounts.actor import Actor
from engine.working_days import VN_TZ
from petitions.agencies.profiles import agency_for
from petitions.persistence.transfer_models import CaseTransfer
from petitions.register.access import visible_petition

if TYPE_CHECKING:
    from engine.context import EngineContext


def _as_dict(session, row: CaseTransfer) -> dict:
    return {"id": row.id, "number": row.origin_number, "tracking_code": row.tracking_code,
            "from_unit": row.origin_agency, "to_unit": row.to_unit,
            "from_agency": agency_for(session, row.origin_agency).full_name,
            "to_agency": agency_for(session, row.to_unit).full_name,
            "slip_number": row.slip_number, "slip_on": row.slip_on, "step": row.step,
            "register": dict(row.register), "documents": list(row.documents),
            "history": [{**h, "at": _local(h.get("at"))} for h in row.history],
            "sent_by": row.sent_by, "sent_at": row.sent_at.astimezone(VN_TZ)}


def _local(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(VN_TZ) if value else None


def sent(ctx: "EngineContext", actor: Actor, limit: int = 200) -> list[dict]:
    """The transfers the actor's units sent, newest first (the sending unit's trace)."""
    with ctx.uow(write=False) as uow:
        rows = uow.session.scalars(select(CaseTransfer).where(
            unit_condition(CaseTransfer.origin_agency, actor))
            .order_by(CaseTransfer.sent_at.desc(), CaseTransfer.id.desc()).limit(limit))
        return [_as_dict(uow.session, row) for row in rows]


def received(ctx: "EngineContext", petition_id: int, actor: Actor) -> list[dict]:
    """Where a letter the actor sees came from, oldest transfer first (empty: never moved)."""
    with ctx.uow(write=False) as uow:
        visible_petition(uow.session, petition_id, actor)
        rows = uow.session.scalars(select(CaseTransfer).where(
            CaseTransfer.petition_id == petition_id).order_by(CaseTransfer.id))
        return [_as_dict(uow.session, row) for row in rows]


def sent_of(ctx: "EngineContext", petition_id: int, actor: Actor) -> dict | None:
    """The actor's units' latest transfer of a letter (what its petition file shows them once
    the letter has moved away), or None."""
    with ctx.uow(write=False) as uow:
        row = uow.session.scalars(select(CaseTransfer).where(
            CaseTransfer.petition_id == petition_id,
            unit_condition(CaseTransfer.origin_agency, actor))
            .order_by(CaseTransfer.id.desc()).limit(1)).first()
        return None if row is None else _as_dict(uow.session, row)
