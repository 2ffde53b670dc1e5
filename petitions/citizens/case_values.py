"""What the officers recorded at earlier steps of a case (a decision's number, date, content),
read back from the case's audit chain: each completed form's values as the workflow received
them, with protected texts as their redacted copies (never the originals)."""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import select

from engine.persistence.models import AuditEvent
from petitions.identity import protection


def recorded(session, instance_id: int, bpmn_ids: Iterable[str] | None = None) -> dict:
    """The latest value of every field the steps ``bpmn_ids`` (all steps: None) recorded."""
    wanted = set(bpmn_ids) if bpmn_ids is not None else None
    rows = session.scalars(select(AuditEvent.payload).where(
        AuditEvent.chain == f"instance:{instance_id}",
        AuditEvent.event_type == "task_completed_by_user").order_by(AuditEvent.seq))
    payloads = [p for p in rows if p and (wanted is None or p.get("bpmn_id") in wanted)]
    texts = protection.resolve_payloads(session, [p.get("after") for p in payloads])
    values: dict = {}
    for payload in payloads:
        values.update(protection.resolve(payload.get("after") or {}, texts))
    return values
