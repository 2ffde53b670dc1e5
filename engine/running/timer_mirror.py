"""Waiting timer events mirrored into ``timers`` rows at every save."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, select

from engine.persistence.models import ProcessInstance, Timer
from engine.running import stepping
from engine.running.stepping import due_of

if TYPE_CHECKING:
    from engine.context import EngineContext
    from engine.persistence.unit_of_work import UnitOfWork


def _kind(task) -> str:
    spec_type = type(task.task_spec).__name__
    if spec_type == "BoundaryEvent":
        return "boundary"
    if spec_type == "EventBasedGateway":
        return "event_gateway"
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


def _waits_on_a_timer(task) -> bool:
    """A timer event, or a task whose combined event definition holds one: in SpiffWorkflow
    3.2.0 an event-based gateway waits itself, on a MultipleEventDefinition of its events."""
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, TimerEventDefinition):
        return True
    return any(isinstance(child, TimerEventDefinition)
               for child in getattr(definition, "event_definitions", ()))


def waiting_timer_tasks(workflow):
    for task in stepping.all_tasks(workflow):
        if task.state == TaskState.WAITING and _waits_on_a_timer(task):
            yield task


_PENDING_OF = select(Timer).where(Timer.instance_id.in_(bindparam("ids", expanding=True)),
                                  Timer.status == "pending")


def read_pending(uow: "UnitOfWork", instance_ids: list[int]) -> None:
    """The pending timer rows of several instances in one query, into the per-instance cache."""
    by_instance: dict[int, list[Timer]] = {instance_id: [] for instance_id in instance_ids}
    for row in uow.session.scalars(_PENDING_OF, {"ids": instance_ids}):
        by_instance[row.instance_id].append(row)
    for instance_id, rows in by_instance.items():
        uow.session.info[("pending_timers", instance_id)] = rows


def pending_rows(uow: "UnitOfWork", instance_id: int) -> list[Timer]:
    """The instance's pending timer rows, read once per unit of work (firing and syncing share it)."""
    key = ("pending_timers", instance_id)
    if key not in uow.session.info:
        read_pending(uow, [instance_id])
    return uow.session.info[key]


def sync_timers(ctx: "EngineContext", uow: "UnitOfWork", instance: ProcessInstance, workflow,
                now: datetime, *, active: bool = True) -> tuple[dict[str, Timer], list[Timer]]:
    """Upsert a row per waiting timer; mark vanished ones fired or cancelled. Returns the pending
    rows and the finished ones."""
    session = uow.session
    existing = {row.task_guid: row for row in pending_rows(uow, instance.id)
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
        task = stepping.find_task(workflow, guid)
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
    return pending, finished


def clear_failures(uow: "UnitOfWork", instance_id: int) -> None:
    """Forget failed firings (an administrator retried the instance): the next sweep tries at
    once and the full number of attempts is available again."""
    for row in uow.session.scalars(select(Timer).where(
            Timer.instance_id == instance_id, Timer.status == "pending", Timer.failures > 0)):
        row.failures, row.retry_at = 0, None


def timer_to_dict(row: Timer) -> dict:
    return {"id": row.id, "instance_id": row.instance_id, "bpmn_id": row.bpmn_id,
            "name": row.name, "kind": row.kind, "attached_to": row.attached_to,
            "due_at": row.due_at.isoformat(), "status": row.status,
            "fired_at": row.fired_at.isoformat() if row.fired_at else None}
