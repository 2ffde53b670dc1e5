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
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.exc import OperationalError

from engine import runtime
from engine.audit import PendingEvent
from engine.errors import Conflict
from engine.models import ProcessInstance, Timer
from engine.script_budget import Budget, StepAborted

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
    for task in runtime.all_tasks(workflow):
        if task.state == TaskState.WAITING and _waits_on_a_timer(task):
            yield task


_PENDING_OF = select(Timer).where(Timer.instance_id.in_(bindparam("ids", expanding=True)),
                                  Timer.status == "pending")


def _read_pending(uow: "UnitOfWork", instance_ids: list[int]) -> None:
    """The pending timer rows of several instances in one query, into the per-instance cache."""
    by_instance: dict[int, list[Timer]] = {instance_id: [] for instance_id in instance_ids}
    for row in uow.session.scalars(_PENDING_OF, {"ids": instance_ids}):
        by_instance[row.instance_id].append(row)
    for instance_id, rows in by_instance.items():
        uow.session.info[("pending_timers", instance_id)] = rows


def _pending_rows(uow: "UnitOfWork", instance_id: int) -> list[Timer]:
    """The instance's pending timer rows, read once per unit of work (firing and syncing share it)."""
    key = ("pending_timers", instance_id)
    if key not in uow.session.info:
        _read_pending(uow, [instance_id])
    return uow.session.info[key]


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


# A timer whose firing failed is retried after FIRE_RETRY_BASE_S, then twice as long each time;
# after MAX_FIRE_ATTEMPTS its instance is put in error: no path retries in a hot loop.
FIRE_RETRY_BASE_S = 30
MAX_FIRE_ATTEMPTS = 5


def _ripe(row: Timer, now: datetime) -> bool:
    """Due, and not waiting out a back-off after a failed firing."""
    return row.due_at <= now and (row.retry_at is None or row.retry_at <= now)


def due_instance_ids(uow: "UnitOfWork", now: datetime, limit: int) -> list[int]:
    rows = uow.session.execute(
        select(Timer.instance_id).join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
        .where(Timer.status == "pending", Timer.due_at <= now, ProcessInstance.status.in_(_LIVE),
               or_(Timer.retry_at.is_(None), Timer.retry_at <= now))
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


# Instances fired per unit of work by a sweep: one lock statement, one read of their timers and
# one commit for the lot, instead of one of each per instance (bench/README.md, timer benchmark).
FIRE_BATCH = 20


def _fire_locked(ctx: "EngineContext", uow: "UnitOfWork", instance: ProcessInstance,
                 now: datetime, budget: Budget | None) -> int:
    if not any(_ripe(row, now) for row in _pending_rows(uow, instance.id)):
        return 0  # fired by another worker meanwhile (read under the lock), or backing off
    definition = runtime.load_definition(ctx, uow, instance.definition_id)
    workflow = runtime.load_workflow(ctx, definition, instance, budget=budget)
    before = runtime.snapshot(workflow)
    events, error, due_rows = fire_due_in(uow, instance, workflow, now)
    runtime.save(ctx, uow, instance, definition, workflow, before=before,
                 actor=SYSTEM_ACTOR, error=error, events=events, now=now)
    return sum(1 for row in due_rows if row.status == "fired")


def fire_instances(ctx: "EngineContext", instance_ids: list[int], now: datetime, *,
                   skip_locked: bool = False, lock_first: bool = True) -> int:
    """Fire the due timers of these instances in one unit of work; returns how many fired.

    Idempotent. With ``skip_locked`` (PostgreSQL) instances another worker holds are left to it.
    Suspended, failed and closed instances keep their rows pending until they resume.

    The scripts of a batch share one CPU budget, so the batch holds its locks for at most one
    budget. Without ``lock_first`` a SQLite transaction takes the write lock only when it writes,
    after the scripts ran (the version column refuses the write if the instance changed).
    """
    budget = runtime.new_budget(ctx, shared=True) if len(instance_ids) > 1 else None
    with ctx.uow(write=lock_first) as uow:
        instances = [instance for instance in
                     runtime.lock_instances(uow, instance_ids, skip_locked=skip_locked)
                     if instance.status in _LIVE]
        if not instances:
            return 0
        _read_pending(uow, [instance.id for instance in instances])
        fired = sum(_fire_locked(ctx, uow, instance, now, budget) for instance in instances)
        uow.commit()
        return fired


def fire_instance_timers(ctx: "EngineContext", instance_id: int, now: datetime, *,
                         skip_locked: bool = False) -> int:
    """Fire one instance's due timers in one unit of work; returns how many fired. Idempotent."""
    return fire_instances(ctx, [instance_id], now, skip_locked=skip_locked)


def fire_due_timers(ctx: "EngineContext", now: datetime | None = None, *,
                    limit: int = 1000, live_clock: bool = False) -> dict:
    """Fire every pending timer due at ``now``, ``FIRE_BATCH`` instances per unit of work; safe
    to repeat and to run from several workers at once.

    With ``live_clock`` (the workers) each batch fires at the clock's time when it is reached,
    not at the round's ``now``: under a backlog the recorded ``fired_at`` stays true. A batch
    that fails (or overruns its shared script budget) is retried one instance per unit of work,
    so an instance that cannot be fired (listed in ``failed``) holds back no other deadline.
    Such an instance is not retried at once: a script over budget or a state that cannot be
    saved puts it in error; any other failure backs off (``_back_off``).
    """
    now = now or ctx.clock.now()
    with ctx.uow(write=False) as uow:
        instance_ids = due_instance_ids(uow, now, limit)
    fired, failed = 0, []
    for start in range(0, len(instance_ids), FIRE_BATCH):
        batch = instance_ids[start:start + FIRE_BATCH]
        moment = max(now, ctx.clock.now()) if live_clock else now
        stopped = None
        try:
            fired += fire_instances(ctx, batch, moment, skip_locked=True)
            continue
        except StepAborted as err:  # one instance's state cannot be saved: recorded in error
            if err.recorded:
                stopped = err.instance_id
                failed.append({"instance_id": stopped, "error": err.message[:500],
                               "stopped": True})
        except Exception:  # which instance failed is found below, one unit of work each
            pass
        for instance_id in batch:
            if instance_id == stopped:
                continue
            try:
                # One by one, scripts run before the write lock is taken: a hostile instance
                # holds no SQLite writer back while its budget runs out.
                fired += fire_instances(ctx, [instance_id], moment, skip_locked=True,
                                        lock_first=False)
            except (Conflict, OperationalError):
                # Another actor changed it meanwhile (on SQLite, a write after our read), or the
                # database is busy: not the instance's fault; the next sweep sees it afresh.
                continue
            except StepAborted as err:  # its error is recorded: the instance is no longer live
                failed.append({"instance_id": instance_id, "error": err.message[:500],
                               "stopped": True})
            except Exception as err:
                message = f"{type(err).__name__}: {err}"[:500]
                failed.append({"instance_id": instance_id, "error": message,
                               "stopped": _back_off(ctx, instance_id, moment, message)})
    return {"instances": len(instance_ids), "fired": fired, "failed": failed,
            "now": now.isoformat()}


def _back_off(ctx: "EngineContext", instance_id: int, now: datetime, message: str) -> bool:
    """Count a failed firing on the instance's due timers and push their next attempt back;
    after MAX_FIRE_ATTEMPTS put the instance in error. Returns True when it was stopped."""
    with ctx.uow() as uow:
        rows = [row for row in uow.session.scalars(select(Timer).where(
            Timer.instance_id == instance_id, Timer.status == "pending", Timer.due_at <= now))]
        if not rows:
            return False
        attempts = max(row.failures or 0 for row in rows) + 1
        retry_at = now + timedelta(seconds=FIRE_RETRY_BASE_S * 2 ** (attempts - 1))
        for row in rows:
            row.failures, row.retry_at, row.updated_at = attempts, retry_at, now
        stopped = attempts >= MAX_FIRE_ATTEMPTS
        if stopped:
            instance = runtime.lock_instance(uow, instance_id)
            if instance.status in _LIVE:
                runtime.mark_failed(uow, instance, f"Không kích hoạt được hẹn giờ sau {attempts} "
                                    f"lần thử; đã dừng thử lại. Lỗi cuối: {message}",
                                    rows[0].bpmn_id, SYSTEM_ACTOR, now)
        uow.commit()
    return stopped


def clear_failures(uow: "UnitOfWork", instance_id: int) -> None:
    """Forget failed firings (an administrator retried the instance): the next sweep tries at
    once and the full number of attempts is available again."""
    for row in uow.session.scalars(select(Timer).where(
            Timer.instance_id == instance_id, Timer.status == "pending", Timer.failures > 0)):
        row.failures, row.retry_at = 0, None


def next_due(ctx: "EngineContext") -> datetime | None:
    """When the earliest pending timer is due (lets a sweeper sleep exactly until then)."""
    with ctx.uow(write=False) as uow:
        # A timer backing off is next tried at retry_at, not at its (past) due time.
        return uow.session.scalar(
            select(func.min(func.coalesce(Timer.retry_at, Timer.due_at)))
            .join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
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
