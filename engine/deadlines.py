"""Reminders before a step's due date and escalation when it is overdue ("rõ thời gian, rõ trách nhiệm").

Each ready task with a due date carries ``next_reminder_at``: the next moment the monitor must act.
Stages: a reminder N working days before the due day (per process/step policy, default 2), one on
the due day, and at the due time itself the task and its petition are marked overdue, the head of
unit is notified and an escalation is opened for supervisors. Every stage is recorded once
(``task_reminders`` unique per task and kind) and audited on the instance's chain.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from engine import audit, runtime
from engine.audit import PendingEvent
from engine.errors import InvalidInput
from engine.models import Escalation, HumanTask, ProcessInstance, ReminderPolicy, TaskReminder, User
from engine.notifications import notify, users_with_role
from engine.working_days import VN_TZ, WorkingDayCalendar

if TYPE_CHECKING:
    from engine.context import EngineContext
    from engine.unit_of_work import UnitOfWork

DEFAULT_DAYS_BEFORE = 2
WORKDAY_START = time(7, 30)  # reminders arrive at the start of the office day, Vietnam time
MONITOR_ACTOR = "system:deadlines"


def policy_days(session, process_key: str, bpmn_id: str) -> int | None:
    """Working days before the due date to remind; None when reminders are switched off."""
    rows = {row.bpmn_id: row for row in session.scalars(select(ReminderPolicy).where(
        ReminderPolicy.process_key == process_key, ReminderPolicy.bpmn_id.in_([bpmn_id, "*"])))}
    row = rows.get(bpmn_id) or rows.get("*")
    if row is None:
        return DEFAULT_DAYS_BEFORE
    return row.days_before if row.enabled else None


def _morning(day: date) -> datetime:
    return datetime.combine(day, WORKDAY_START, tzinfo=VN_TZ)


def _working_days_back(calendar: WorkingDayCalendar, day: date, count: int) -> date:
    while count > 0:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            count -= 1
    return day


def stages(calendar: WorkingDayCalendar, due_at: datetime, days_before: int | None) -> list[tuple[str, datetime]]:
    """The (kind, moment) stages of a task due at ``due_at``, in order."""
    due_day = due_at.astimezone(VN_TZ).date()
    result = []
    if days_before:
        result.append(("before", _morning(_working_days_back(calendar, due_day, days_before))))
    if days_before is not None:
        result.append(("due_day", min(_morning(due_day), due_at)))
    result.append(("overdue", due_at))
    return result


def next_moment(calendar, due_at, days_before, done: set[str]) -> datetime | None:
    pending = [moment for kind, moment in stages(calendar, due_at, days_before) if kind not in done]
    return min(pending) if pending else None


def plan_task(ctx: "EngineContext", session, task: HumanTask, process_key: str) -> None:
    """Set the task's first monitor moment (called when a task appears or its due date moves)."""
    if task.due_at is None:
        task.next_reminder_at = None
        return
    task.next_reminder_at = next_moment(ctx.calendar(), task.due_at,
                                        policy_days(session, process_key, task.bpmn_id), set())


def _recipients(session, task: HumanTask) -> list[User]:
    if task.assignee:
        user = session.scalars(select(User).where(User.username == task.assignee)).first()
        if user is not None:
            return [user]
    if not task.candidate_role:
        return []
    return users_with_role(session, task.candidate_role, task.candidate_unit)


def _vn(moment: datetime) -> str:
    return moment.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")


def _process_task(ctx: "EngineContext", task_id: int, now: datetime) -> list[str]:
    """Send whatever stages of one task are due; one unit of work under the instance lock."""
    with ctx.uow() as uow:
        session = uow.session
        instance_id = session.scalar(select(HumanTask.instance_id).where(HumanTask.id == task_id))
        instance = runtime.lock_instance(uow, instance_id)
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
            events.append(_escalate(ctx, session, instance, task, now))
        elif sent:
            events.append(_remind(session, instance, task, sent[-1], now))
        task.next_reminder_at = next_moment(ctx.calendar(), task.due_at, days, done | set(sent))
        audit.append_instance_events(session, instance, events, now)
        uow.commit()
        return sent


def _remind(session, instance, task: HumanTask, kind: str, now: datetime) -> PendingEvent:
    when = "hôm nay" if kind == "due_day" else f"vào {_vn(task.due_at)}"
    names = notify(session, _recipients(session, task), kind="reminder",
                   title=f"Nhắc hạn: {task.name} — hết hạn {when}",
                   body=(f"Hồ sơ {instance.business_key or '#' + str(instance.id)}: bước "
                         f"“{task.name}” hết hạn {_vn(task.due_at)}."),
                   now=now, instance_id=instance.id, task_id=task.id)
    return PendingEvent("reminder_sent", MONITOR_ACTOR, {"task_id": task.id, "bpmn_id": task.bpmn_id,
                                                         "kind": kind, "recipients": names})


def _escalate(ctx, session, instance: ProcessInstance, task: HumanTask, now: datetime) -> PendingEvent:
    task.overdue_since = now
    if instance.overdue_since is None:
        instance.overdue_since = now
    heads = users_with_role(session, "head_of_unit", task.candidate_unit)
    ref = instance.business_key or f"#{instance.id}"
    notified = notify(session, heads, kind="escalation",
                      title=f"Quá hạn: {task.name} (hồ sơ {ref})",
                      body=(f"Bước “{task.name}” của hồ sơ {ref} đã quá hạn từ {_vn(task.due_at)}; "
                            f"người xử lý: {task.assignee or 'chưa nhận'}."),
                      now=now, instance_id=instance.id, task_id=task.id)
    notified += notify(session, _recipients(session, task), kind="overdue",
                       title=f"Đã quá hạn: {task.name}", body=f"Hồ sơ {ref} đã quá hạn.",
                       now=now, instance_id=instance.id, task_id=task.id)
    session.add(Escalation(instance_id=instance.id, task_id=task.id, bpmn_id=task.bpmn_id,
                           task_name=task.name, due_at=task.due_at, created_at=now,
                           notified=notified))
    return PendingEvent("task_overdue", MONITOR_ACTOR, {
        "task_id": task.id, "bpmn_id": task.bpmn_id, "due_at": task.due_at.isoformat(),
        "notified": notified})


def resolve_escalations(session, task_ids: list[int], now: datetime) -> None:
    """A step that left the ready state closes its escalation (the history stays)."""
    if task_ids:
        session.execute(update(Escalation).where(Escalation.task_id.in_(task_ids),
                                                 Escalation.resolved_at.is_(None))
                        .values(resolved_at=now))


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
