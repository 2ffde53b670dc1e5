"""Reminders before a step's due date and escalation when it is overdue ("rõ thời gian, rõ trách nhiệm").

Each ready task with a due date carries ``next_reminder_at``: the next moment the monitor must act.
Stages: a reminder N working days before the due day (per process/step policy, default 2), one on
the due day, and at the due time itself the task and its instance are marked overdue and an
escalation is opened for supervisors. Every stage is recorded once (``task_reminders`` unique per
task and kind) and audited on the instance's chain. Who is told, and in which words, is the
application's: it subscribes to ``ReminderDue`` and ``DeadlineMissed`` and returns the names it
told, which the audit lines record.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.audit import chain as audit
from engine.audit.chain import PendingEvent
from engine.errors import InvalidInput
from engine.events import DeadlineMissed, ReminderDue
from engine.persistence.models import (Escalation, HumanTask, ProcessInstance, ReminderPolicy,
                                       TaskReminder)
from engine.running import locks
from engine.running.task_deadlines import next_moment, policy_days, stages

if TYPE_CHECKING:
    from engine.context import EngineContext


MONITOR_ACTOR = "system:deadlines"


def _process_task(ctx: "EngineContext", task_id: int, now: datetime) -> list[str]:
    """Send whatever stages of one task are due; one unit of work under the instance lock."""
    with ctx.uow() as uow:
        session = uow.session
        instance_id = session.scalar(select(HumanTask.instance_id).where(HumanTask.id == task_id))
        instance = locks.lock_instance(uow, instance_id)
        task = session.scalars(select(HumanTask).where(HumanTask.id == task_id)
                               .execution_options(populate_existing=True)).one()
        if task.status != "ready" or task.due_at is None or task.next_reminder_at is None \
                or task.next_reminder_at > now or instance.status in ("suspended", "terminated"):
            return []
        done = set(session.scalars(select(TaskReminder.kind).where(TaskReminder.task_id == task_id)))
        days = policy_days(session, instance.process_key, task.bpmn_id)
        due_now = [kind for kind, moment in stages(ctx.calendar(), task.due_at, days)
                   if kind not in done and moment <= now]
        sent = []
        events = []
        for kind in due_now:
            session.add(TaskReminder(task_id=task.id, kind=kind, sent_at=now))
            sent.append(kind)
        # Only the latest due stage speaks: a task created the day before its deadline gets one
        # message, not a burst; the earlier stages are recorded as passed.
        if "overdue" in sent:
            events.append(_escalate(ctx, uow, instance, task, now))
        elif sent:
            events.append(_remind(ctx, uow, instance, task, sent[-1], now))
        task.next_reminder_at = next_moment(ctx.calendar(), task.due_at, days, done | set(sent))
        audit.append_instance_events(session, instance, events, now)
        uow.commit()
        return sent


def _told(results: list) -> list[str]:
    """The names the subscribers told, in their order."""
    return [name for names in results for name in (names or ())]


def _remind(ctx, uow, instance: ProcessInstance, task: HumanTask, kind: str,
            now: datetime) -> PendingEvent:
    names = _told(ctx.events.publish(uow, ReminderDue(instance, task, kind, now)))
    return PendingEvent("reminder_sent", MONITOR_ACTOR, {"task_id": task.id, "bpmn_id": task.bpmn_id,
                                                         "kind": kind, "recipients": names})


def _escalate(ctx, uow, instance: ProcessInstance, task: HumanTask, now: datetime) -> PendingEvent:
    task.overdue_since = now
    if instance.overdue_since is None:
        instance.overdue_since = now
    notified = _told(ctx.events.publish(uow, DeadlineMissed(instance, task, now)))
    uow.session.add(Escalation(instance_id=instance.id, task_id=task.id, bpmn_id=task.bpmn_id,
                               task_name=task.name, due_at=task.due_at, created_at=now,
                               notified=notified))
    return PendingEvent("task_overdue", MONITOR_ACTOR, {
        "task_id": task.id, "bpmn_id": task.bpmn_id, "due_at": task.due_at.isoformat(),
        "notified": notified})


def check_deadlines(ctx: "EngineContext", now: datetime | None = None, *, limit: int = 500) -> dict:
    """Send due reminders and escalate overdue steps; safe to run from several workers at once."""
    now = now or ctx.clock.now()
    with ctx.uow(write=False) as uow:
        task_ids = list(uow.session.scalars(
            select(HumanTask.id).where(HumanTask.status == "ready",
                                       HumanTask.next_reminder_at <= now)
            .order_by(HumanTask.next_reminder_at).limit(limit)))
    counts = {"before": 0, "due_day": 0, "overdue": 0}
    for task_id in task_ids:
        for kind in _process_task(ctx, task_id, now):
            counts[kind] += 1
    return {"tasks": len(task_ids), **counts}


def set_policy(ctx: "EngineContext", process_key: str, days_before: int, *,
               bpmn_id: str = "*", enabled: bool = True) -> dict:
    """Configure reminders for a process (``*``) or one of its steps."""
    if not 0 <= days_before <= 20:
        raise InvalidInput("Số ngày làm việc nhắc trước phải từ 0 đến 20")
    with ctx.uow() as uow:
        row = uow.session.scalars(select(ReminderPolicy).where(
            ReminderPolicy.process_key == process_key, ReminderPolicy.bpmn_id == bpmn_id)).first()
        if row is None:
            row = ReminderPolicy(process_key=process_key, bpmn_id=bpmn_id)
            uow.session.add(row)
        row.days_before, row.enabled = days_before, enabled
        uow.commit()
    return {"process_key": process_key, "bpmn_id": bpmn_id, "days_before": days_before,
            "enabled": enabled}


def list_escalations(ctx: "EngineContext", *, open_only: bool = True, limit: int = 200) -> list[dict]:
    with ctx.uow(write=False) as uow:
        query = select(Escalation, ProcessInstance.business_key, ProcessInstance.process_key).join(
            ProcessInstance, ProcessInstance.id == Escalation.instance_id)
        if open_only:
            query = query.where(Escalation.resolved_at.is_(None))
        rows = uow.session.execute(query.order_by(Escalation.created_at.desc()).limit(limit)).all()
        return [{"id": e.id, "instance_id": e.instance_id, "business_key": key,
                 "process_key": process, "task_id": e.task_id, "bpmn_id": e.bpmn_id,
                 "task_name": e.task_name, "due_at": e.due_at.isoformat(),
                 "created_at": e.created_at.isoformat(), "notified": e.notified,
                 "resolved_at": e.resolved_at.isoformat() if e.resolved_at else None}
                for e, key, process in rows]
