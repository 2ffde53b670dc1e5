"""Who is told of new work: a step that became ready, a step a head gave to someone.

Subscribers of the kernel's ``TaskReady`` and ``TaskAssigned`` (``petitions.wiring``), so every
path that opens a step (the web, the worker firing a timer, a message, the command line) tells
the same people. A ready step is told at the commit of the unit of work that opened it, not when
it opens: a step its own starter finishes in the same command (the reception desk's "Vào sổ")
is nobody's new work, and a step that rolls back was never there. The people told are the
step's holder, else the active holders of its role in its unit (or, where nobody there holds it,
the unit above: ``users_with_role``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import event as sa_event, select

from engine.accounts.models import User
from engine.accounts.users import users_with_role
from engine.events import TaskAssigned, TaskReady
from engine.working_days import VN_TZ
from petitions.notifications.service import notify

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.persistence.models import HumanTask, ProcessInstance
    from engine.persistence.unit_of_work import UnitOfWork

_PENDING = "petitions.new_work"


def _ref(instance: "ProcessInstance") -> str:
    return instance.business_key or f"#{instance.id}"


def _holders(session: "Session", task: "HumanTask") -> list[User]:
    if task.assignee:
        return list(session.scalars(select(User).where(User.username == task.assignee,
                                                       User.active.is_(True))))
    if not task.candidate_role:
        return []
    return users_with_role(session, task.candidate_role, task.candidate_unit)


def note_ready(uow: "UnitOfWork", event: TaskReady) -> list[str]:
    """Remember the new step; ``_tell_new_work`` tells its people just before the commit."""
    session = uow.session
    pending = session.info.setdefault(_PENDING, [])
    if not pending:
        sa_event.listen(session, "before_commit", _tell_new_work, once=True)
    pending.append(event)
    return []


def _tell_new_work(session: "Session") -> None:
    events = session.info.pop(_PENDING, [])
    still_ready = [e for e in events if e.task.status == "ready"]
    if not still_ready:
        return
    session.flush()  # the new steps' ids, for the links of the notifications
    for e in still_ready:
        task, instance = e.task, e.instance
        notify(session, _holders(session, task), kind="new_task",
               title=f"Việc mới: {task.name} (hồ sơ {_ref(instance)})",
               body=(f"Bước “{task.name}” của hồ sơ {_ref(instance)} đang chờ xử lý"
                     + (f"; hạn {_vn(task.due_at)}." if task.due_at else ".")),
               now=e.now, instance_id=instance.id, task_id=task.id)


def assigned(uow: "UnitOfWork", event: TaskAssigned) -> list[str]:
    """Tell the person a head gave the step to (not someone who gave it to themselves)."""
    task, instance = event.task, event.instance
    if task.assignee == event.actor.username:
        return []
    session = uow.session
    giver = session.scalar(select(User.display_name).where(
        User.username == event.actor.username)) or event.actor.username
    return notify(session, _holders(session, task), kind="assigned",
                  title=f"Được giao việc: {task.name} (hồ sơ {_ref(instance)})",
                  body=(f"{giver} giao cho bạn bước "
                        f"“{task.name}” của hồ sơ {_ref(instance)}"
                        + (f"; hạn {_vn(task.due_at)}." if task.due_at else ".")),
                  now=event.now, instance_id=instance.id, task_id=task.id)


def _vn(moment) -> str:
    return moment.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")
