"""A citizen's answer after a decision or closure: satisfied or not, with a reason.

One answer per letter, given with the code and PIN. "Not satisfied" on a first complaint
decision comes with the way forward: a second complaint, or a lawsuit, within 30 days of
receiving the decision (45 in remote areas; LKN Điều 33). The answers are counted on the
supervisors' dashboard (``counts``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select

from engine.accounts.access import unit_condition
from engine.errors import InvalidInput, InvalidState
from petitions.citizens import pins, tracking
from petitions.citizens.models import SatisfactionAnswer
from petitions.identity.protection import matcher_for

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.context import EngineContext

MAX_REASON = 2000


def answer(ctx: "EngineContext", code: str | None, pin: str | None, *, satisfied: bool,
           reason: str | None) -> dict:
    """Record the answer; the tracking view afterwards (with the second-complaint advice)."""
    reason = (reason or "").strip()
    if not satisfied and not reason:
        raise InvalidInput("Xin cho biết lý do ông/bà chưa hài lòng")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"Lý do tối đa {MAX_REASON} ký tự")
    with ctx.uow() as uow:
        session = uow.session
        petition = pins.find(session, code, pin)
        notice_due = tracking.notice_due_of(ctx, petition)
        view = tracking.describe(session, petition, notice_due)
        if not view["decided"]:
            raise InvalidState("Đơn chưa có quyết định hoặc kết quả; chưa thể đánh giá")
        if view["answered"] is not None:
            raise InvalidState("Ông/bà đã gửi ý kiến đánh giá cho đơn này")
        session.add(SatisfactionAnswer(
            petition_id=petition.id, unit_code=petition.unit_code or "", satisfied=satisfied,
            # Write-time redaction: a reason may name other senders.
            reason=matcher_for(session, petition.id).redact(reason) or None,
            stage="closed" if view["closed"] else "decision", answered_at=ctx.clock.now()))
        session.flush()
        view = tracking.describe(session, petition, notice_due)
        uow.commit()
        return view


def counts(session, actor: "Actor | None" = None) -> dict:
    """``{"satisfied": n, "not_satisfied": m}`` over the actor's units (None: all units)."""
    query = select(SatisfactionAnswer.satisfied, func.count()).group_by(
        SatisfactionAnswer.satisfied)
    if actor is not None:
        query = query.where(unit_condition(SatisfactionAnswer.unit_code, actor))
    found = dict(session.execute(query).all())
    return {"satisfied": found.get(True, 0), "not_satisfied": found.get(False, 0)}


def counts_for(ctx: "EngineContext", actor: "Actor") -> dict:
    """The dashboard's figure (``petitions.supervision.dashboard``): answers over the actor's units."""
    with ctx.uow(write=False) as uow:
        return counts(uow.session, actor)
