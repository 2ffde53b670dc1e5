"""Who is told when a step's deadline nears or passes, and what the message says.

Subscribers of the kernel's ``ReminderDue`` and ``DeadlineMissed`` events (``petitions.wiring``).
They run in the deadline monitor's unit of work and return the names told, which the kernel
records in its audit lines and on the escalation.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.accounts.models import User
from engine.accounts.roles import HEAD_OF_UNIT
from engine.accounts.users import users_with_role
from engine.events import DeadlineMissed, ReminderDue
from engine.persistence.models import HumanTask
from engine.working_days import VN_TZ
from petitions.notifications.service import notify

if TYPE_CHECKING:
    from engine.persistence.unit_of_work import UnitOfWork


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


def remind(uow: "UnitOfWork", event: ReminderDue) -> list[str]:
    """Tell the task's holder (or its role's queue) that its deadline nears."""
    session, instance, task = uow.session, event.instance, event.task
    when = "hôm nay" if event.kind == "due_day" else f"vào {_vn(task.due_at)}"
    return notify(session, _recipients(session, task), kind="reminder",
                  title=f"Nhắc hạn: {task.name} — hết hạn {when}",
                  body=(f"Hồ sơ {instance.business_key or '#' + str(instance.id)}: bước "
                        f"“{task.name}” hết hạn {_vn(task.due_at)}."),
                  now=event.now, instance_id=instance.id, task_id=task.id)


def escalate(uow: "UnitOfWork", event: DeadlineMissed) -> list[str]:
    """Tell the unit's head (or the body above), then the task's holder, that it is overdue."""
    session, instance, task, now = uow.session, event.instance, event.task, event.now
    heads = users_with_role(session, HEAD_OF_UNIT, task.candidate_unit)
    ref = instance.business_key or f"#{instance.id}"
    notified = notify(session, heads, kind="escalation",
                      title=f"Quá hạn: {task.name} (hồ sơ {ref})",
                      body=(f"Bước “{task.name}” của hồ sơ {ref} đã quá hạn từ {_vn(task.due_at)}; "
                            f"người xử lý: {task.assignee or 'chưa nhận'}."),
                      now=now, instance_id=instance.id, task_id=task.id)
    notified += notify(session, _recipients(session, task), kind="overdue",
                       title=f"Đã quá hạn: {task.name}", body=f"Hồ sơ {ref} đã quá hạn.",
                       now=now, instance_id=instance.id, task_id=task.id)
    return notified
