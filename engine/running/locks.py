"""Locking instance rows for writing, one actor per instance at a time (``SELECT … FOR UPDATE``)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select

from engine.errors import NotFound
from engine.persistence.models import HumanTask, ProcessInstance

if TYPE_CHECKING:
    from engine.persistence.unit_of_work import UnitOfWork


# Built once: constructing a statement costs about as much as running it (bench/README.md).
_MANY = select(ProcessInstance).where(
    ProcessInstance.id.in_(bindparam("instance_ids", expanding=True))) \
    .order_by(ProcessInstance.id).execution_options(populate_existing=True)
_LOCK_MANY = {"plain": _MANY, "update": _MANY.with_for_update(),
              "skip_locked": _MANY.with_for_update(skip_locked=True)}
_OF_TASK = select(ProcessInstance).where(ProcessInstance.id == select(HumanTask.instance_id).where(
    HumanTask.id == bindparam("task_id")).scalar_subquery()) \
    .execution_options(populate_existing=True)
_LOCK_OF_TASK = {"plain": _OF_TASK, "update": _OF_TASK.with_for_update()}


def _lock_mode(uow: "UnitOfWork", skip_locked: bool = False) -> str:
    if uow.dialect != "postgresql":
        return "plain"  # SQLite: the write transaction (BEGIN IMMEDIATE) is the lock
    return "skip_locked" if skip_locked else "update"


def lock_instances(uow: "UnitOfWork", instance_ids: list[int], *,
                   skip_locked: bool = False) -> list[ProcessInstance]:
    """Several instance rows for writing (``FOR UPDATE`` on PostgreSQL; the version column
    everywhere), in id order so two lockers never wait on each other in a cycle. Missing ones,
    and with ``skip_locked`` ones another worker holds, are left out."""
    if not instance_ids:
        return []
    return list(uow.session.scalars(_LOCK_MANY[_lock_mode(uow, skip_locked)],
                                    {"instance_ids": list(instance_ids)}))


def lock_instance(uow: "UnitOfWork", instance_id: int, *,
                  skip_locked: bool = False) -> ProcessInstance | None:
    """One instance row for writing. With ``skip_locked`` (background sweeps) a row another
    worker holds returns None at once on PostgreSQL: that worker is already handling it."""
    found = lock_instances(uow, [instance_id], skip_locked=skip_locked)
    if found:
        return found[0]
    if skip_locked and _lock_mode(uow, skip_locked) == "skip_locked":
        return None
    raise NotFound(f"Không tìm thấy hồ sơ quy trình #{instance_id}")


def lock_instance_of_task(uow: "UnitOfWork", task_id: int) -> ProcessInstance:
    """The instance of a human task, locked for writing, in one statement (a task never moves
    to another instance, so the sub-select needs no lock of its own)."""
    instance = uow.session.scalars(_LOCK_OF_TASK[_lock_mode(uow)], {"task_id": task_id}).first()
    if instance is None:
        raise NotFound(f"Không tìm thấy công việc #{task_id}")
    return instance
