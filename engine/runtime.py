"""Loading, advancing and saving one workflow: the ``run_until_user_input_required`` of this engine.

Every command that changes an instance goes: lock the row → ``load`` → change → ``advance`` →
``save``; ``save`` writes the state and every row derived from it (human tasks, timers, audit
events, status) in the caller's unit of work, so they commit together or not at all.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, select
from sqlalchemy.orm import defer

from engine import audit, human_tasks, timers
from engine.audit import PendingEvent
from engine.errors import EngineError, NotFound
from engine.models import HumanTask, ProcessDefinition, ProcessInstance
from engine.pruning import prune_finished
from engine.script_budget import (Budget, ScriptSizeExceeded, StateNotSaveable, StepAborted)
from engine.scripting import ScriptLimitExceeded, budget_of, with_budget
from engine.serialization import dump_state, load_spec, load_state

if TYPE_CHECKING:
    from engine.context import EngineContext
    from engine.unit_of_work import UnitOfWork

# States worth an audit line; MAYBE/LIKELY/FUTURE churn is the library's lookahead, not history.
_AUDITED_STATES = {TaskState.READY, TaskState.WAITING, TaskState.COMPLETED, TaskState.CANCELLED,
                   TaskState.ERROR, TaskState.STARTED}


@dataclass
class StepError:
    message: str
    bpmn_id: str | None
    line: int | None


def all_tasks(workflow: BpmnWorkflow):
    yield from workflow.tasks.values()
    for sub in workflow.subprocesses.values():
        yield from sub.tasks.values()


def snapshot(workflow: BpmnWorkflow) -> dict[UUID, int]:
    return {task.id: task.state for task in all_tasks(workflow)}


def find_task(workflow: BpmnWorkflow, guid: str):
    try:
        return workflow.get_task_from_id(UUID(guid))
    except (ValueError, KeyError, SpiffWorkflowException):
        return None


@dataclass(frozen=True)
class DefinitionView:
    """What running an instance needs of its (immutable) definition, cached per context: the
    restored spec and the declarations, without the stored BPMN files."""

    id: int
    process_key: str
    version: int
    name: str
    forms: dict
    lane_roles: dict
    task_units: dict
    spec: object
    subprocess_specs: dict


def load_definition(ctx: "EngineContext", uow: "UnitOfWork", definition_id: int) -> DefinitionView:
    """The definition of an instance, from the context's cache after its first use.

    Deployed versions never change, so a cached entry never goes stale; reading it once per
    process saves a query (and the large spec column) on every workflow step.
    """
    def build() -> DefinitionView:
        definition = uow.session.get(ProcessDefinition, definition_id, options=[
            defer(ProcessDefinition.files)])
        if definition is None:
            raise NotFound(f"Không tìm thấy định nghĩa quy trình #{definition_id}")
        spec, subs = spec_of(ctx, definition)
        return DefinitionView(definition.id, definition.process_key, definition.version,
                              definition.name, definition.forms or {},
                              definition.lane_roles or {}, definition.task_units or {}, spec, subs)
    return ctx.definitions.get(definition_id, build)


def spec_of(ctx: "EngineContext", definition) -> tuple:
    """(spec, subprocess specs) of a DefinitionView or a ProcessDefinition row."""
    if isinstance(definition, DefinitionView):
        return definition.spec, definition.subprocess_specs
    return ctx.specs.get(definition.id, lambda: load_spec(definition.spec_json))


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


def new_budget(ctx: "EngineContext", *, shared: bool = False) -> Budget:
    """The CPU budget of one unit of work (``shared``: one batch of several instances)."""
    return Budget(ctx.script_cpu_budget_s, shared=shared, max_steps=ctx.step_budget)


def new_workflow(ctx: "EngineContext", definition, *, budget: Budget | None = None) -> BpmnWorkflow:
    spec, subs = spec_of(ctx, definition)
    return BpmnWorkflow(spec, subs, script_engine=with_budget(ctx.script_engine(),
                                                              budget or new_budget(ctx)))


def load_workflow(ctx: "EngineContext", definition, instance: ProcessInstance, *,
                  budget: Budget | None = None) -> BpmnWorkflow:
    """Restore an instance's workflow; its scripts run under ``budget`` (a fresh one per command
    unless the caller shares one across a batch)."""
    spec, subs = spec_of(ctx, definition)
    workflow = load_state(instance.state, spec, subs)
    # The script engine is not serialized: without this the library's unrestricted default runs.
    workflow.script_engine = with_budget(ctx.script_engine(), budget or new_budget(ctx))
    return workflow


def _budget_step(budget: Budget | None):
    """Counted and checked before each engine step: a process that loops without scripts (one
    that calls itself) is bounded by the step count and the same CPU budget. Steps are counted
    per workflow advanced, so a sweep batch sharing one CPU budget does not add them up."""
    if budget is None:
        return None
    budget.steps = 0

    def check(task) -> None:
        budget.element = task.task_spec.bpmn_id or budget.element
        budget.step()
    return check


def advance(workflow: BpmnWorkflow, *, refresh_timers: bool = False) -> StepError | None:
    """Run the engine until it waits; a failing script leaves its task in ERROR and is reported.
    An exceeded budget is reported too; ``save`` then refuses to store the step."""
    try:
        if refresh_timers:
            workflow.refresh_timers()
        workflow.do_engine_steps(will_complete_task=_budget_step(budget_of(workflow)))
        return None
    except SpiffWorkflowException as err:
        return step_error(err)
    except Exception as err:  # the library raises plain errors from some specs; record, never lose
        return step_error(err)


# Errors of our own making inside a script: their message is already the clear one.
_OWN_ERRORS = (EngineError, ScriptSizeExceeded, ScriptLimitExceeded)


def _root_cause(err: BaseException) -> BaseException:
    """The error a script raised, under the library's wrapping (it raises its own exception
    while handling the script's, so the script's is the wrapper's ``__context__``)."""
    current = err
    for _ in range(5):
        if isinstance(current, (MemoryError,) + _OWN_ERRORS):
            return current
        current = current.__cause__ or current.__context__
        if current is None:
            break
    return err


def step_error(err: Exception) -> StepError:
    task = getattr(err, "task", None)
    bpmn_id = getattr(getattr(task, "task_spec", None), "bpmn_id", None) if task else None
    line = getattr(err, "line_number", None) or None
    cause = _root_cause(err)
    if isinstance(cause, MemoryError):
        message = "Kịch bản dùng quá nhiều bộ nhớ và đã bị dừng"
    elif isinstance(cause, _OWN_ERRORS):
        message = str(cause)
    elif isinstance(err, SpiffWorkflowException):
        message = str(err).strip()
    else:
        message = f"{type(err).__name__}: {err}"
    # The library sometimes names a task spec by its repr ("<…SubWorkflowTask object at 0x…>").
    message = _OBJECT_REPR.sub(f"phần tử '{bpmn_id}'" if bpmn_id else "một phần tử của sơ đồ",
                               message or "")
    return StepError(message or type(err).__name__, bpmn_id, line)


_OBJECT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>")


def workflow_data(workflow: BpmnWorkflow) -> dict:
    if workflow.is_completed() and workflow.last_task is not None:
        return dict(workflow.last_task.data)
    ready = workflow.get_tasks(state=TaskState.READY | TaskState.ERROR)
    if ready:
        return dict(ready[0].data)
    return dict(workflow.last_task.data) if workflow.last_task else dict(workflow.data)


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


def derive_status(workflow: BpmnWorkflow, error: StepError | None) -> str:
    if error is not None:
        return "error"
    running = False
    for task in all_tasks(workflow):  # one pass over the task dicts, no tree walk
        if task.state == TaskState.ERROR:
            return "error"
        if task.state == TaskState.READY and not task.task_spec.manual:
            running = True
    if workflow.is_completed():
        return "completed"
    return "running" if running else "waiting"


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
    if instance.id is None:  # a new instance needs its id before rows can point at it
        instance.state, instance.status = _dump(ctx, uow, existing_id, workflow, actor, now), status
        uow.session.add(instance)
        uow.session.flush()
    active = status not in ("terminated",)
    timers.sync_timers(ctx, uow, instance, workflow, now, active=active)
    human_tasks.sync_human_tasks(ctx, uow, instance, definition, workflow, now, active=active,
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
    audit.append_instance_events(uow.session, instance, all_events, now)


def check_budget(ctx, uow, instance: ProcessInstance, workflow: BpmnWorkflow, actor: str,
                 now: datetime) -> None:
    """Abort the step now (rollback, error recorded) if its scripts went over their budget."""
    _abort_if_exceeded(ctx, uow, instance.id, budget_of(workflow), actor, now)


def _abort_if_exceeded(ctx, uow, instance_id, budget: Budget | None, actor: str, now) -> None:
    if budget is not None and budget.exceeded:
        # A batch's shared budget cannot blame one instance: the sweep retries them one by one.
        _abort(ctx, uow, None if budget.shared else instance_id, budget.error(), actor, now)


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


def record_failure(ctx: "EngineContext", instance_id: int, message: str, bpmn_id: str | None,
                   actor: str, now: datetime | None = None) -> bool:
    """Put a live instance in error with ``message``, in a unit of work of its own."""
    with ctx.uow() as uow:
        found = lock_instances(uow, [instance_id])
        if not found or found[0].status not in ("waiting", "running", "error"):
            return False
        mark_failed(uow, found[0], message, bpmn_id, actor, now or ctx.clock.now())
        uow.commit()
    return True


def mark_failed(uow: "UnitOfWork", instance: ProcessInstance, message: str,
                bpmn_id: str | None, actor: str, now: datetime) -> None:
    """Status ``error`` with its message, and the audit line saying so (caller commits)."""
    instance.status = "error"
    instance.error_message, instance.error_task, instance.error_line = message, bpmn_id, None
    instance.updated_at = now
    audit.append_instance_events(uow.session, instance, [PendingEvent("instance_error", actor, {
        "message": message, "bpmn_id": bpmn_id, "line": None})], now)
