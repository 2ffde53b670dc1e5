"""What a migration to another version would break: removed or retyped tasks, timers to
restore, structure warnings, orphaned tasks. Pure functions over the workflow and the diff.
"""
from __future__ import annotations

from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.util.diff import WorkflowDiff
from SpiffWorkflow.util.task import TaskState

from engine.running import stepping

ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
_STATE_VI = {"READY": "đang chờ xử lý", "WAITING": "đang chờ sự kiện", "STARTED": "đang chạy",
             "ERROR": "đang lỗi", "COMPLETED": "đã thực hiện", "CANCELLED": "đã hủy"}


def label(task) -> str:
    spec = task.task_spec
    name = getattr(spec, "bpmn_name", None)
    bpmn_id = getattr(spec, "bpmn_id", None) or spec.name
    return f"'{name}' ({bpmn_id})" if name else f"'{bpmn_id}'"


def active_tasks(workflow) -> list[dict]:
    return [{"bpmn_id": t.task_spec.bpmn_id, "name": t.task_spec.bpmn_name,
             "state": TaskState.get_name(t.state), "process": t.workflow.spec.name}
            for t in stepping.all_tasks(workflow)
            if t.has_state(ACTIVE) and getattr(t.task_spec, "bpmn_id", None)]


def removed_problems(diff: WorkflowDiff, process: str) -> list[str]:
    problems = []
    for task in diff.removed:
        if task.has_state(ACTIVE | TaskState.COMPLETED | TaskState.CANCELLED) and \
                getattr(task.task_spec, "bpmn_id", None):
            state = _STATE_VI.get(TaskState.get_name(task.state), TaskState.get_name(task.state))
            problems.append(f"bước {state} {label(task)} của {process} không còn trong phiên "
                            "bản đích")
    return problems


def retyped_problems(diff: WorkflowDiff) -> list[str]:
    return [f"bước {label(task)} đổi loại ({type(task.task_spec).__name__} → "
            f"{type(diff.alignment[task]).__name__})"
            for task in diff.changed
            if task.has_state(ACTIVE) and diff.alignment.get(task) is not None
            and type(diff.alignment[task]) is not type(task.task_spec)]


def waiting_timers(workflow) -> dict:
    """Waiting catch events with their computed due value and the expression it came from."""
    kept = {}
    for task in stepping.all_tasks(workflow):
        spec = task.task_spec
        if task.state == TaskState.WAITING and isinstance(spec, CatchingEvent) and \
                "event_value" in task.internal_data:
            definition = spec.event_definition
            kept[task.id] = (type(definition), getattr(definition, "expression", None),
                             dict(task.internal_data))
    return kept


def restore_timers(workflow, before: dict) -> list[str]:
    restored = []
    for task in stepping.all_tasks(workflow):
        if task.id not in before or task.state != TaskState.WAITING:
            continue
        kind, expression, internal = before[task.id]
        definition = getattr(task.task_spec, "event_definition", None)
        if type(definition) is kind and getattr(definition, "expression", None) == expression:
            task.internal_data.update({k: v for k, v in internal.items()
                                       if k in ("event_value", "event_fired")})
            restored.append(task.task_spec.bpmn_id)
    return restored


def structure_warnings(workflow) -> list[str]:
    """Active steps whose incoming structure differs in the target (e.g. a new boundary timer)."""
    warnings = []
    for task in stepping.all_tasks(workflow):
        if not task.has_state(TaskState.READY | TaskState.WAITING) or task.parent is None or \
                not getattr(task.task_spec, "bpmn_id", None):
            continue
        if task.parent.task_spec not in task.task_spec.inputs and task.task_spec.inputs:
            warnings.append(f"Bước {label(task)} có luồng vào khác ở phiên bản đích (bước mới "
                            "chèn trước nó hoặc sự kiện biên mới): hồ sơ này không đi qua phần "
                            "thay đổi đó")
    return warnings


def orphans(workflow) -> list[str]:
    """Tasks still pointing at a spec that is not the one of their (migrated) workflow."""
    found = []
    for task in stepping.all_tasks(workflow):
        spec = task.workflow.spec.task_specs.get(task.task_spec.name)
        if spec is not task.task_spec:
            found.append(label(task))
    return found
