"""Starting instances and the life-cycle commands: suspend, resume, terminate, retry."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine.audit.chain import PendingEvent
from engine.definitions.deployment import definition_id
from engine.definitions.start_data import check_start_data
from engine.errors import InvalidInput, InvalidState, NotFound
from engine.persistence.models import AuditEvent, HumanTask, ProcessInstance, Timer
from engine.persistence.serialization import to_jsonable
from engine.running import loading, locks, saving, stepping
from engine.running.task_mirror import task_to_dict
from engine.running.timer_mirror import clear_failures, timer_to_dict

if TYPE_CHECKING:
    from engine.context import EngineContext

MAX_BUSINESS_KEY = 200


def _check_data(data: Any) -> dict:
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise InvalidInput("Dữ liệu khởi tạo phải là một đối tượng JSON")
    bad = [key for key in data if not isinstance(key, str) or not key.isidentifier()
           or key.startswith("_")]
    if bad:
        raise InvalidInput(f"Tên biến không hợp lệ: {', '.join(map(str, bad))}")
    return dict(data)


def start(ctx: "EngineContext", process_key: str, *, actor: str, version: int | None = None,
          business_key: str | None = None, data: Mapping[str, Any] | None = None,
          unit: str | None = None) -> dict:
    """Start an instance on the latest (or given) version and run it until it waits; ``unit``
    owns the case (its tasks default to it and only its people see it)."""
    with ctx.uow() as uow:
        instance = start_in(ctx, uow, process_key, actor=actor, version=version,
                            business_key=business_key, data=data, unit=unit)
        uow.commit()
        instance_id = instance.id
    return summary(ctx, instance_id)


def start_in(ctx: "EngineContext", uow, process_key: str, *, actor: str,
             version: int | None = None, business_key: str | None = None,
             data: Mapping[str, Any] | None = None, unit: str | None = None,
             event=None, events: tuple = ()) -> ProcessInstance:
    """``start`` inside the caller's unit of work (for commands that do more in one transaction).
    ``event`` (a message for its message start event) is delivered before the first save."""
    initial = _check_data(data)
    if business_key is not None and not (0 < len(business_key) <= MAX_BUSINESS_KEY):
        raise InvalidInput(f"Mã nghiệp vụ phải có 1–{MAX_BUSINESS_KEY} ký tự")
    definition = loading.load_definition(ctx, uow, definition_id(uow, process_key, version))
    if event is None:  # a message start gets its data from the message
        check_start_data(definition.spec, definition.process_key, initial)
    workflow = loading.new_workflow(ctx, definition)
    workflow.task_tree.data.update(initial)
    error = stepping.advance(workflow)
    if event is not None and error is None:
        workflow.send_event(event)
        error = stepping.advance(workflow)
    now = ctx.clock.now()
    instance = ProcessInstance(
        definition_id=definition.id, process_key=definition.process_key,
        business_key=business_key, unit_code=unit, status="running", state="", started_by=actor,
        created_at=now, updated_at=now, audit_seq=0, audit_head="")
    started = PendingEvent("instance_started", actor, {
        "process_key": definition.process_key, "version": definition.version,
        "business_key": business_key, "data": to_jsonable(initial)})
    saving.save(ctx, uow, instance, definition, workflow, before={}, actor=actor,
                error=error, events=[started, *events], now=now)
    return instance


def _change_status(ctx: "EngineContext", instance_id: int, *, actor: str, reason: str,
                   allowed: tuple[str, ...], event_type: str, new_status) -> dict:
    if not (reason or "").strip():
        raise InvalidInput("Phải nêu lý do")
    with ctx.uow() as uow:
        instance = locks.lock_instance(uow, instance_id)
        if instance.status not in allowed:
            raise InvalidState(f"Hồ sơ #{instance_id} đang '{instance.status}'; thao tác này chỉ "
                               f"áp dụng khi {' / '.join(allowed)}")
        definition = loading.load_definition(ctx, uow, instance.definition_id)
        workflow = loading.load_workflow(ctx, definition, instance)
        before = stepping.snapshot(workflow)
        previous = instance.status
        status = new_status(workflow)
        event = PendingEvent(event_type, actor, {"reason": reason.strip(), "before": previous,
                                                 "after": status})
        saving.save(ctx, uow, instance, definition, workflow, before=before, actor=actor,
                     error=None, events=[event], status=status)
        instance.status_reason = reason.strip()
        uow.commit()
    return summary(ctx, instance_id)


def suspend(ctx: "EngineContext", instance_id: int, *, actor: str, reason: str) -> dict:
    """Hold an instance: no task can be completed and no timer fires until it is resumed."""
    return _change_status(ctx, instance_id, actor=actor, reason=reason,
                          allowed=("waiting", "running", "error"), event_type="instance_suspended",
                          new_status=lambda wf: "suspended")


def resume(ctx: "EngineContext", instance_id: int, *, actor: str, reason: str) -> dict:
    """Release a suspended instance; timers that fell due meanwhile fire on the next sweep."""
    return _change_status(ctx, instance_id, actor=actor, reason=reason, allowed=("suspended",),
                          event_type="instance_resumed",
                          new_status=lambda wf: stepping.derive_status(wf, None))


def terminate(ctx: "EngineContext", instance_id: int, *, actor: str, reason: str) -> dict:
    """End an instance for good: open tasks and timers are cancelled."""
    def cancel(workflow):
        workflow.cancel()
        return "terminated"
    return _change_status(ctx, instance_id, actor=actor, reason=reason,
                          allowed=("waiting", "running", "error", "suspended"),
                          event_type="instance_terminated", new_status=cancel)


def retry(ctx: "EngineContext", instance_id: int, *, actor: str,
          data: Mapping[str, Any] | None = None) -> dict:
    """Re-run the failed task of an instance in error, after merging corrected data into it."""
    patch = _check_data(data)
    with ctx.uow() as uow:
        instance = locks.lock_instance(uow, instance_id)
        if instance.status != "error":
            raise InvalidState(f"Hồ sơ #{instance_id} không ở trạng thái lỗi")
        clear_failures(uow, instance_id)
        definition = loading.load_definition(ctx, uow, instance.definition_id)
        workflow = loading.load_workflow(ctx, definition, instance)
        before = stepping.snapshot(workflow)
        failed = workflow.get_tasks(state=TaskState.ERROR)
        error = None
        for task in failed:
            previous = {key: task.data.get(key) for key in patch}
            task.data.update(patch)
            try:
                task.run()
            except Exception as err:
                error = stepping.step_error(err)
                break
        if error is None:
            error = stepping.advance(workflow)
        event = PendingEvent("instance_retried", actor, {
            "tasks": [t.task_spec.bpmn_id for t in failed],
            "before": to_jsonable(previous if failed else {}), "after": to_jsonable(patch)})
        saving.save(ctx, uow, instance, definition, workflow, before=before, actor=actor,
                     error=error, events=[event])
        uow.commit()
    return summary(ctx, instance_id)


def summary(ctx: "EngineContext", instance_id: int) -> dict:
    """``{instance_id, status, tasks, timers}``: what a caller needs after a command."""
    with ctx.uow(write=False) as uow:
        instance = uow.session.get(ProcessInstance, instance_id)
        if instance is None:
            raise NotFound(f"Không tìm thấy hồ sơ quy trình #{instance_id}")
        return {"instance_id": instance.id, "status": instance.status,
                "business_key": instance.business_key,
                "error": _error_of(instance),
                "tasks": _open_tasks(uow, instance_id), "timers": _pending_timers(uow, instance_id)}


def _error_of(instance: ProcessInstance) -> dict | None:
    if instance.status != "error":
        return None
    return {"message": instance.error_message, "task": instance.error_task,
            "line": instance.error_line}


def _open_tasks(uow, instance_id: int) -> list[dict]:
    rows = uow.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.status == "ready").order_by(HumanTask.id))
    return [task_to_dict(row) for row in rows]


def _pending_timers(uow, instance_id: int) -> list[dict]:
    rows = uow.session.scalars(select(Timer).where(
        Timer.instance_id == instance_id, Timer.status == "pending").order_by(Timer.due_at))
    return [timer_to_dict(row) for row in rows]


def details(ctx: "EngineContext", instance_id: int) -> dict:
    """Everything about one instance: status, version, data, open tasks, timers and its events."""
    base = summary(ctx, instance_id)
    with ctx.uow(write=False) as uow:
        instance = uow.session.get(ProcessInstance, instance_id)
        definition = loading.load_definition(ctx, uow, instance.definition_id)
        workflow = loading.load_workflow(ctx, definition, instance)
        events = uow.session.scalars(select(AuditEvent).where(
            AuditEvent.chain == f"instance:{instance_id}").order_by(AuditEvent.seq))
        return {**base, "process_key": instance.process_key, "version": definition.version,
                "status_reason": instance.status_reason,
                "data": to_jsonable(stepping.workflow_data(workflow)),
                "events": [{"seq": e.seq, "type": e.event_type, "actor": e.actor,
                            "at": e.occurred_at.isoformat(), "payload": e.payload}
                           for e in events]}
