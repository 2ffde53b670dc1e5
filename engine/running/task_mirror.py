"""READY user/manual tasks mirrored into ``human_tasks`` rows at every save."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, select

from engine.accounts.models import Unit
from engine.events import TaskReady
from engine.persistence.models import HumanTask, ProcessDefinition, ProcessInstance
from engine.running import loading, stepping, task_deadlines

if TYPE_CHECKING:
    from engine.context import EngineContext
    from engine.persistence.unit_of_work import UnitOfWork


def _candidate_unit(session, definition: ProcessDefinition | loading.DefinitionView, task,
                    instance: ProcessInstance) -> str | None:
    """The unit a task belongs to: the case's own unit, unless the diagram names another unit
    (a delegated resolution) and the value is a code from the units list, never free text."""
    expression = (definition.task_units or {}).get(task.task_spec.bpmn_id)
    if not expression:
        return instance.unit_code
    try:
        value = task.workflow.script_engine.evaluate(task, expression)
    except Exception:  # an unset unit leaves the task with the case's unit
        return instance.unit_code
    code = str(value).strip() if value not in (None, "") else ""
    if code and session.scalar(select(Unit.id).where(Unit.code == code)) is not None:
        return code
    return instance.unit_code


def _priority(task) -> int:
    value = task.data.get("priority", 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def sync_human_tasks(ctx: "EngineContext", uow: "UnitOfWork", instance: ProcessInstance,
                     definition: ProcessDefinition | loading.DefinitionView, workflow,
                     now: datetime, *,
                     active: bool = True, none_before: bool = False) -> None:
    """Mirror the READY user/manual tasks into ``human_tasks``. ``none_before``: the caller knows
    the instance had no READY task before this step, so it has no ready row (rows are written
    only here, from READY tasks) and, if none is READY now either, nothing needs reading."""
    session = uow.session
    ready = {}
    if active:
        ready = {str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    if none_before and not ready:
        return
    rows = {row.task_guid: row for row in ([] if none_before else ready_rows(uow, instance.id))}
    left_ready = []
    for guid, row in rows.items():
        if guid not in ready:
            task = stepping.find_task(workflow, guid)
            done = task is not None and task.state == TaskState.COMPLETED
            row.status = "completed" if done else "cancelled"
            row.next_reminder_at = None
            if done and row.completed_at is None:
                row.completed_at = now
            if row.overdue_since is not None:
                left_ready.append(row.id)
    task_deadlines.resolve_escalations(session, left_ready, now)
    lane_roles = definition.lane_roles or {}
    due_by_task = {guid: _due_from_boundaries(task) for guid, task in ready.items()}
    for guid, task in ready.items():
        if guid in rows:
            row = rows[guid]
            due = due_by_task.get(guid, row.due_at)
            if due != row.due_at:  # a resumed case gets a new deadline: plan its reminders again
                row.due_at = due
                task_deadlines.plan_task(ctx, session, row, instance.process_key)
            continue
        spec = task.task_spec
        row = HumanTask(
            instance_id=instance.id, task_guid=guid, bpmn_id=spec.bpmn_id,
            name=spec.bpmn_name or spec.bpmn_id, lane=spec.lane,
            candidate_role=lane_roles.get(spec.lane) if spec.lane else None,
            candidate_unit=_candidate_unit(session, definition, task, instance), assignee=None,
            priority=_priority(task), status="ready", created_at=now,
            due_at=due_by_task.get(guid))
        task_deadlines.plan_task(ctx, session, row, instance.process_key)
        session.add(row)
        rows[guid] = row
        if ctx.events.wants(TaskReady):
            ctx.events.publish(uow, TaskReady(instance, row, now))
    session.info[("ready_tasks", instance.id)] = [row for row in rows.values()
                                                  if row.status == "ready"]


_READY_ROWS = select(HumanTask).where(
    HumanTask.instance_id == bindparam("instance_id"), HumanTask.status == "ready") \
    .execution_options(populate_existing=True)


def ready_rows(uow: "UnitOfWork", instance_id: int, *, fresh: bool = False) -> list[HumanTask]:
    """The instance's ready task rows, read once per unit of work (``fresh`` re-reads them, as
    the first read under the instance lock must)."""
    key = ("ready_tasks", instance_id)
    rows = None if fresh else uow.session.info.get(key)
    if rows is None:
        rows = list(uow.session.scalars(_READY_ROWS, {"instance_id": instance_id}))
        uow.session.info[key] = rows
    return rows


def _due_from_boundaries(task) -> datetime | None:
    """The earliest boundary timer on the task, pending or already fired: a deadline that passed
    before the task opened still dates it (and makes it overdue)."""
    dues = []
    for sibling in task.parent.children if task.parent is not None else ():
        if sibling is not task and type(sibling.task_spec).__name__ == "BoundaryEvent":
            due = stepping.due_of(sibling)
            if due is not None:
                dues.append(due)
    return min(dues) if dues else None


def task_to_dict(task: HumanTask) -> dict:
    return {
        "id": task.id, "instance_id": task.instance_id, "bpmn_id": task.bpmn_id,
        "name": task.name, "lane": task.lane, "candidate_role": task.candidate_role,
        "candidate_unit": task.candidate_unit, "assignee": task.assignee,
        "priority": task.priority, "status": task.status,
        "created_at": task.created_at.isoformat() if task.created_at else None,
        "due_at": task.due_at.isoformat() if task.due_at else None,
        "completed_by": task.completed_by,
        "completed_at": task.completed_at.isoformat() if task.completed_at else None,
    }
