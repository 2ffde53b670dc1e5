"""Saving one step of a workflow: the end of this engine's ``run_until_user_input_required``.

Every command that changes an instance goes: lock the row → ``load`` → change → ``advance`` →
``save``; ``save`` writes the state and every row derived from it (human tasks, timers, audit
events, status) in the caller's unit of work, so they commit together or not at all.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.audit import chain as audit
from engine.audit.chain import PendingEvent
from engine.events import InstanceCompleted, TimerFired
from engine.persistence.models import ProcessDefinition, ProcessInstance
from engine.persistence.serialization import dump_state
from engine.running import task_mirror, timer_mirror
from engine.running.correlation import workflow_correlations
from engine.running.failures import record_failure
from engine.running.loading import DefinitionView
from engine.running.pruning import prune_finished
from engine.running.stepping import StepError, all_tasks, derive_status
from engine.scripting.budget import Budget, StateNotSaveable, StepAborted
from engine.scripting.sandbox import budget_of

if TYPE_CHECKING:
    from engine.context import EngineContext
    from engine.persistence.unit_of_work import UnitOfWork


# States worth an audit line; MAYBE/LIKELY/FUTURE churn is the library's lookahead, not history.
_AUDITED_STATES = {TaskState.READY, TaskState.WAITING, TaskState.COMPLETED, TaskState.CANCELLED,
                   TaskState.ERROR, TaskState.STARTED}


def _state_events(workflow: BpmnWorkflow, before: dict[UUID, int], actor: str) -> list[PendingEvent]:
    events = []
    for task in all_tasks(workflow):
        spec = task.task_spec
        if spec.bpmn_id is None or task.state not in _AUDITED_STATES:
            continue
        previous = before.get(task.id)
        if previous == task.state:
            continue
        events.append(PendingEvent("task_state", actor, {
            "task_guid": str(task.id), "bpmn_id": spec.bpmn_id, "name": spec.bpmn_name,
            "from": TaskState.get_name(previous) if previous is not None else None,
            "to": TaskState.get_name(task.state),
        }))
    return events


def save(ctx: "EngineContext", uow: "UnitOfWork", instance: ProcessInstance,
         definition: ProcessDefinition | DefinitionView, workflow: BpmnWorkflow, *,
         before: dict[UUID, int], actor: str, error: StepError | None,
         events: list[PendingEvent] = (), now: datetime | None = None,
         status: str | None = None) -> None:
    """Write state, status, human tasks, timers and audit events into the unit of work.

    Nothing is flushed here for an existing instance: the rows are written at the commit, with a
    single UPDATE of the instance row (state, status, audit head and version together).

    A step whose scripts exceeded their budget, or whose state cannot be stored, is not saved:
    the transaction is rolled back at once (releasing the lock), the instance's error recorded
    in a second, short one, and ``StepAborted`` raised (see ``_abort``).
    """
    now = now or ctx.clock.now()
    existing_id = instance.id
    budget = budget_of(workflow)
    _abort_if_exceeded(ctx, uow, existing_id, budget, actor, now)
    status = status if status is not None else derive_status(workflow, error)
    none_ready_before = instance.id is None or TaskState.READY not in before.values()
    status_before = instance.status
    if instance.id is None:  # a new instance needs its id before rows can point at it
        instance.state, instance.status = _dump(ctx, uow, existing_id, workflow, actor, now), status
        uow.session.add(instance)
        uow.session.flush()
    active = status not in ("terminated",)
    _, finished_timers = timer_mirror.sync_timers(ctx, uow, instance, workflow, now, active=active)
    task_mirror.sync_human_tasks(ctx, uow, instance, definition, workflow, now, active=active,
                                 none_before=none_ready_before)
    all_events = list(events) + _state_events(workflow, before, actor)
    if error is not None:
        all_events.append(PendingEvent("instance_error", actor, {
            "message": error.message, "bpmn_id": error.bpmn_id, "line": error.line}))
    _abort_if_exceeded(ctx, uow, existing_id, budget, actor, now)  # unit expressions ran above
    # After the rows above were matched against the tree: they may name tasks this step finished.
    prune_finished(workflow)
    instance.state = _dump(ctx, uow, existing_id, workflow, actor, now)
    instance.status = status
    if status == "error" and error is not None:
        instance.error_message, instance.error_task, instance.error_line = \
            error.message, error.bpmn_id, error.line
    elif status != "error":
        instance.error_message = instance.error_task = instance.error_line = None
    instance.updated_at = now
    correlations = workflow_correlations(workflow)
    if instance.correlations != correlations:
        instance.correlations = correlations
    audit.append_instance_events(uow.session, instance, all_events, now)
    # What the step did, for the application's subscribers (none: nothing is built).
    if ctx.events.wants(TimerFired):
        for row in finished_timers:
            if row.status == "fired":
                ctx.events.publish(uow, TimerFired(instance, row, now))
    if status == "completed" and status_before != "completed":
        ctx.events.publish(uow, InstanceCompleted(instance, now))


def check_budget(ctx, uow, instance: ProcessInstance, workflow: BpmnWorkflow, actor: str,
                 now: datetime) -> None:
    """Abort the step now (rollback, error recorded) if its scripts went over their budget."""
    _abort_if_exceeded(ctx, uow, instance.id, budget_of(workflow), actor, now)


def _abort_if_exceeded(ctx, uow, instance_id, budget: Budget | None, actor: str, now) -> None:
    if budget is not None and budget.exceeded:
        # A batch's shared budget cannot blame one instance: the sweep retries them one by one.
        _abort(ctx, uow, None if budget.shared else instance_id,
               budget.error(), actor, now)


def _dump(ctx, uow, instance_id, workflow: BpmnWorkflow, actor: str, now) -> str:
    try:
        return dump_state(workflow)
    except (TypeError, ValueError, RecursionError) as err:  # a value the serializer refuses
        _abort(ctx, uow, instance_id, StateNotSaveable(
            f"Dữ liệu của hồ sơ không lưu được ({type(err).__name__}: {str(err)[:200]}); "
            "bước xử lý đã bị huỷ"), actor, now)


def _abort(ctx, uow, instance_id: int | None, err: StepAborted, actor: str, now) -> None:
    """Discard the step (rollback: the instance lock is released at once), then record the
    instance's error in a second, short transaction, and raise ``err`` to the caller."""
    uow.session.rollback()
    err.instance_id = instance_id
    if instance_id is not None:
        err.recorded = record_failure(ctx, instance_id, err.message, err.element, actor, now)
    raise err
