"""Stepping a workflow and reading it: run until it waits, find tasks, step errors, status.

Pure functions over a SpiffWorkflow ``BpmnWorkflow``: nothing here reads or writes a row.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from engine.errors import EngineError
from engine.scripting.budget import Budget, ScriptSizeExceeded
from engine.scripting.sandbox import ScriptLimitExceeded, budget_of


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
