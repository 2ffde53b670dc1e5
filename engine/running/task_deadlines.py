"""A mirrored task's deadline fields: its reminder stages on the working-day calendar, and
closing its escalation when it leaves the ready state.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from engine.persistence.models import Escalation, HumanTask, ReminderPolicy
from engine.working_days import VN_TZ, WorkingDayCalendar

if TYPE_CHECKING:
    from engine.context import EngineContext


DEFAULT_DAYS_BEFORE = 2
WORKDAY_START = time(7, 30)  # reminders arrive at the start of the office day, Vietnam time


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


def resolve_escalations(session, task_ids: list[int], now: datetime) -> None:
    """A step that left the ready state closes its escalation (the history stays)."""
    if task_ids:
        session.execute(update(Escalation).where(Escalation.task_id.in_(task_ids),
                                                 Escalation.resolved_at.is_(None))
                        .values(resolved_at=now))
