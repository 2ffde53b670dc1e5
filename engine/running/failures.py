"""Putting an instance in error, in the caller's unit of work or in one of its own."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from engine.audit import chain as audit
from engine.audit.chain import PendingEvent
from engine.persistence.models import ProcessInstance
from engine.running.locks import lock_instances

if TYPE_CHECKING:
    from engine.context import EngineContext
    from engine.persistence.unit_of_work import UnitOfWork


def record_failure(ctx: "EngineContext", instance_id: int, message: str, bpmn_id: str | None,
                   actor: str, now: datetime | None = None) -> bool:
    """Put a live instance in error with ``message``, in a unit of work of its own."""
    with ctx.uow() as uow:
        found = lock_instances(uow, [instance_id])
        if not found or found[0].status not in ("waiting", "running", "error"):
            return False
        mark_failed(uow, found[0], message, bpmn_id, actor, now or ctx.clock.now())
        uow.commit()
    return True


def mark_failed(uow: "UnitOfWork", instance: ProcessInstance, message: str,
                bpmn_id: str | None, actor: str, now: datetime) -> None:
    """Status ``error`` with its message, and the audit line saying so (caller commits)."""
    instance.status = "error"
    instance.error_message, instance.error_task, instance.error_line = message, bpmn_id, None
    instance.updated_at = now
    audit.append_instance_events(uow.session, instance, [PendingEvent("instance_error", actor, {
        "message": message, "bpmn_id": bpmn_id, "line": None})], now)
