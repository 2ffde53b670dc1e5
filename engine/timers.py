"""Timer rows mirrored from waiting timer events, and firing them.

The row is the source of truth (workers schedule wake-ups from it, a sweep heals lost ones). The
library compares timers with the real ``datetime.now``; to honour the injected clock, a timer that
is due by our clock but not yet by the library's gets its stored due value moved into the past
before ``refresh_timers`` (``_force_due``).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, func, select

from engine import runtime
from engine.audit import PendingEvent
from engine.models import ProcessInstance, Timer

if TYPE_CHECKING:
    from engine.context import EngineContext
    from engine.unit_of_work import UnitOfWork

SYSTEM_ACTOR = "system:timer"


def due_of(task) -> datetime | None:
    value = task.internal_data.get("event_value")
    if isinstance(value, dict):  # cycles keep {'cycles', 'next', 'duration'}
        value = value.get("next") if value.get("cycles", 0) != 0 else None
    if not value:
        return None
    try:
        due = TimerEventDefinition.get_datetime(value) if isinstance(value, str) else value
    except Exception:
        return None
    return due if due.tzinfo else due.replace(tzinfo=timezone.utc)


def _kind(task) -> str:
    spec_type = type(task.task_spec).__name__
    if spec_type == "BoundaryEvent":
        return "boundary"
    if task.parent is not None and type(task.parent.task_spec).__name__ == "EventBasedGateway":
        return "event_gateway"
    if spec_type == "StartEvent":
        return "start"
    return "intermediate"


def _attached_to(task) -> str | None:
    if type(task.task_spec).__name__ != "BoundaryEvent" or task.parent is None:
        return None
    for sibling in task.parent.children:
        if sibling is not task and sibling.task_spec.bpmn_id and sibling.task_spec.manual:
            return sibling.task_spec.bpmn_id
    return None


def waiting_timer_tasks(workflow):
    for task in runtime.all_tasks(workflow):
        if task.state == TaskState.WAITING and isinstance(
                getattr(task.task_spec, "event_definition", None), TimerEventDefinition):
            yield task


_PENDING_ROWS = select(Timer).where(Timer.instance_id == bindparam("instance_id"),
                                    Timer.status == "pending")


def _pending_rows(uow: "UnitOfWork", instance_id: int) -> list[Timer]:
    """The instance's pending timer rows, read once per unit of work (firing and syncing share it)."""
    key = ("pending_timers", instance_id)
    rows = uow.session.info.get(key)
    if rows is None:
        rows = list(uow.session.scalars(_PENDING_ROWS, {"instance_id": instance_id}))
        uow.session.info[key] = rows
    return rows


def sync_timers(ctx: "EngineContext", uow: "UnitOfWork", instance: ProcessInstance, workflow,
                now: datetime, *, active: bool = True) -> dict[str, Timer]:
    """Upsert a row per waiting timer; mark vanished ones fired or cancelled. Returns pending rows."""
    session = uow.session
    existing = {row.task_guid: row for row in _pending_rows(uow, instance.id)
                if row.status == "pending"}
    waiting = {str(task.id): task for task in waiting_timer_tasks(workflow)} if active else {}
    pending: dict[str, Timer] = {}
    changed: list[Timer] = []
    for guid, task in waiting.items():
        due = due_of(task)
        if due is None:
            continue
        row = existing.pop(guid, None)
        if row is None:
            row = Timer(instance_id=instance.id, task_guid=guid, bpmn_id=task.task_spec.bpmn_id,
                        name=task.task_spec.bpmn_name, kind=_kind(task),
                        attached_to=_attached_to(task), due_at=due, status="pending",
                        created_at=now, updated_at=now)
            session.add(row)
            changed.append(row)
        elif row.due_at != due:
            row.due_at, row.updated_at = due, now
            changed.append(row)
        pending[guid] = row
    finished: list[Timer] = []
    for guid, row in existing.items():
        task = runtime.find_task(workflow, guid)
        fired = task is not None and task.state == TaskState.COMPLETED
        row.status = "fired" if fired else "cancelled"
        row.updated_at = now
        row.fired_at = now if fired else None
        finished.append(row)
    session.info[("pending_timers", instance.id)] = list(pending.values())
    if changed or finished:
        scheduler = ctx.scheduler
        # New rows get their id at the commit's flush; the callbacks run after it.
        for row in changed:
            uow.after_commit(lambda r=row: scheduler.schedule(r.id, r.due_at))
        # A fired timer's wake-up is left alone: it re-reads the rows and finds nothing to do,
        # cheaper than a Redis round trip per fire. A cancelled one is offered to the scheduler
        # (the RQ one shares a wake-up per due second, so it keeps it for the other timers).
        for row in finished:
            if row.status == "cancelled":
                uow.after_commit(lambda i=row.id: scheduler.cancel(i))
    return pending


def _force_due(task, real_now: datetime) -> None:
    past = (real_now - timedelta(seconds=1)).isoformat()
    value = task.internal_data.get("event_value")
    if isinstance(value, dict):
        value = dict(value, next=past)
    else:
        value = past
    task.internal_data["event_value"] = value


# Timers of suspended, failed or closed instances stay pending but are not fired (nor waited for).
_LIVE = ("waiting", "running")


def due_instance_ids(uow: "UnitOfWork", now: datetime, limit: int) -> list[int]:
    rows = uow.session.execute(
        select(Timer.instance_id).join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
        .where(Timer.status == "pending", Timer.due_at <= now, ProcessInstance.status.in_(_LIVE))
        .group_by(Timer.instance_id).order_by(func.min(Timer.due_at)).limit(limit)).all()
    return [row[0] for row in rows]


def fire_due_in(uow: "UnitOfWork", instance: ProcessInstance, workflow, now: datetime):
    """Fire, inside the caller's unit of work, the instance's timers due at ``now`` by our clock.

    Returns (audit events, step error). Used by the sweep and before a completion, so a deadline
    that passed but was not swept yet fires before the task it guards completes.
    """
    due_rows = [row for row in _pending_rows(uow, instance.id) if row.due_at <= now]
    if not due_rows:
        return [], None, []
    real_now = datetime.now(timezone.utc)
    for row in due_rows:
        task = runtime.find_task(workflow, row.task_guid)
        if task is not None and task.state == TaskState.WAITING:
            _force_due(task, real_now)
    error = runtime.advance(workflow, refresh_timers=True)
    events = [PendingEvent("timer_fired", SYSTEM_ACTOR, {
        "timer_id": row.id, "bpmn_id": row.bpmn_id, "due_at": row.due_at.isoformat()})
        for row in due_rows]
    return events, error, due_rows


def fire_instance_timers(ctx: "EngineContext", instance_id: int, now: datetime, *,
                         skip_locked: bool = False) -> int:
    """Fire this instance's due timers in one unit of work; returns how many fired. Idempotent."""
    with ctx.uow() as uow:
        instance = runtime.lock_instance(uow, instance_id, skip_locked=skip_locked)
        if instance is None or instance.status not in _LIVE:
            return 0  # suspended, in error or closed: the rows stay pending until it resumes
        # Read under the lock (and kept for the sync after the step): another worker may have
        # fired them meanwhile.
        if not any(row.due_at <= now for row in _pending_rows(uow, instance_id)):
            return 0
        definition = runtime.load_definition(ctx, uow, instance.definition_id)
        workflow = runtime.load_workflow(ctx, definition, instance)
        before = runtime.snapshot(workflow)
        events, error, due_rows = fire_due_in(uow, instance, workflow, now)
        runtime.save(ctx, uow, instance, definition, workflow, before=before,
                     actor=SYSTEM_ACTOR, error=error, events=events, now=now)
        fired = sum(1 for row in due_rows if row.status == "fired")
        uow.commit()
        return fired


def fire_due_timers(ctx: "EngineContext", now: datetime | None = None, *,
                    limit: int = 1000, live_clock: bool = False) -> dict:
    """Fire every pending timer due at ``now``: one unit of work per instance, safe to repeat.

    With ``live_clock`` (the workers) each instance fires at the clock's time when it is reached,
    not at the round's ``now``: under a backlog the recorded ``fired_at`` stays true.
    """
    now = now or ctx.clock.now()
    with ctx.uow(write=False) as uow:
        instance_ids = due_instance_ids(uow, now, limit)
    fired = 0
    for instance_id in instance_ids:
        moment = max(now, ctx.clock.now()) if live_clock else now
        fired += fire_instance_timers(ctx, instance_id, moment, skip_locked=True)
    return {"instances": len(instance_ids), "fired": fired, "now": now.isoformat()}


def next_due(ctx: "EngineContext") -> datetime | None:
    """When the earliest pending timer is due (lets a sweeper sleep exactly until then)."""
    with ctx.uow(write=False) as uow:
        return uow.session.scalar(
            select(func.min(Timer.due_at)).join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
            .where(Timer.status == "pending", ProcessInstance.status.in_(_LIVE)))


def timer_to_dict(row: Timer) -> dict:
    return {"id": row.id, "instance_id": row.instance_id, "bpmn_id": row.bpmn_id,
            "name": row.name, "kind": row.kind, "attached_to": row.attached_to,
            "due_at": row.due_at.isoformat(), "status": row.status,
            "fired_at": row.fired_at.isoformat() if row.fired_at else None}


def list_timers(ctx: "EngineContext", status: str | None = "pending", limit: int = 500) -> list[dict]:
    with ctx.uow(write=False) as uow:
        query = select(Timer).order_by(Timer.due_at, Timer.id).limit(limit)
        if status:
            query = query.where(Timer.status == status)
        return [timer_to_dict(row) for row in uow.session.scalars(query)]
