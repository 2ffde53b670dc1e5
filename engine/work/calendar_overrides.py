"""Per-year changes to the working-day calendar (government day swaps), kept in the database."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from engine.audit import chain as audit
from engine.audit.chain import PendingEvent
from engine.errors import InvalidInput
from engine.persistence.models import CalendarOverride

if TYPE_CHECKING:
    from engine.context import EngineContext

CALENDAR_CHAIN = "calendar"


def set_override(ctx: "EngineContext", day: date, kind: str, *, actor: str,
                 note: str | None = None) -> dict:
    """Mark ``day`` as an extra day off (``off``) or a make-up working day (``work``)."""
    if kind not in ("off", "work"):
        raise InvalidInput("Loại điều chỉnh phải là 'off' (nghỉ) hoặc 'work' (làm bù)")
    with ctx.uow() as uow:
        row = uow.session.get(CalendarOverride, day)
        before = row.kind if row else None
        if row is None:
            row = CalendarOverride(day=day, kind=kind, note=note)
            uow.session.add(row)
        else:
            row.kind, row.note = kind, note
        audit.append_chain_event(uow.session, CALENDAR_CHAIN, PendingEvent(
            "calendar_override_set", actor, {"day": day.isoformat(), "before": before,
                                             "after": kind, "note": note}),
            ctx.clock.now(), lock=uow.dialect == "postgresql")
        uow.commit()
    ctx.invalidate_calendar()
    return {"day": day.isoformat(), "kind": kind, "note": note}
