"""Messages and signals from outside an instance (BPMN message and signal events).

A message names a BPMN message (its ``name``) and is correlated to the live instances carrying a
business key (the case number), or, without one, to the instance whose correlation key values its
payload carries (correlation properties in the diagram: engine/running/correlation.py); it reaches a waiting catch anywhere in their workflows,
intermediate or boundary, in call activities too (SpiffWorkflow routes it through its
subprocesses). A signal is broadcast to every live instance waiting for it. Each instance is
changed in a unit of work of its own (lock → load → deliver → advance → save), audited as
``message_received``. With a ``message_id`` a delivery happens once: the ``inbound_messages`` row
(unique id) is written in the same unit of work as the first instance's change. A message that
reaches nothing is stored as ``unmatched`` and reported (``MessageUnmatched``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import (MessageEventDefinition,
                                                         SignalEventDefinition)
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine.definitions import deployment
from engine.running import correlation, instances
from engine.running import loading, locks, saving, stepping
from engine.audit.chain import PendingEvent
from engine.errors import EngineError, InvalidInput
from engine.persistence.models import InboundMessage, ProcessInstance
from engine.persistence.serialization import to_jsonable

if TYPE_CHECKING:
    from engine.context import EngineContext

_LIVE = ("waiting", "running")
MAX_NAME = 200


class MessageUnmatched(EngineError):
    """No live instance waits for the message: it was stored, not delivered."""

    code = "message_unmatched"


def _check(name: str, data: Any, message_id: str | None) -> dict:
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise InvalidInput(f"Tên thông điệp phải là chuỗi khác rỗng, tối đa {MAX_NAME} ký tự")
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise InvalidInput("Dữ liệu kèm thông điệp phải là một đối tượng JSON")
    if message_id is not None and (not str(message_id).strip() or len(str(message_id)) > 200):
        raise InvalidInput("Mã thông điệp (message id) phải khác rỗng, tối đa 200 ký tự")
    return dict(data)


def _already(ctx: "EngineContext", message_id: str | None) -> dict | None:
    if message_id is None:
        return None
    with ctx.uow(write=False) as uow:
        row = uow.session.scalar(select(InboundMessage).where(InboundMessage.message_id == message_id))
        return _result(row, duplicate=True) if row is not None else None


def _result(row: InboundMessage, *, duplicate: bool = False) -> dict:
    return {"id": row.id, "message_id": row.message_id, "kind": row.kind, "name": row.name,
            "business_key": row.business_key, "status": row.status,
            "instance_ids": list(row.instance_ids or []), "duplicate": duplicate}


def _open_nested_event_subprocesses(workflow, event: BpmnEvent) -> None:
    """Start the event sub-processes of called processes whose start event catches ``event``.

    SpiffWorkflow 3.2.0 starts an event sub-process on an event only for the top process
    (``EventManager.update_collaboration``); one inside a call activity (a called process
    under its caller) would never hear it. The same is done here for every running subprocess,
    after which the library's own ``send_event`` delivers the event to the sub-process's waiting
    start.
    """
    for sub in list(workflow.subprocesses.values()):
        start = sub.spec.start
        if sub.is_completed() or sub.task_tree is None:
            continue
        for name in getattr(start, "trigger_specs", ()):
            spec = workflow.subprocess_specs.get(name)
            if spec is None or not any(ts.event_definition == event.event_definition
                                       for ts in spec.bpmn_start_events):
                continue
            waiting = any(other.spec.name == name and other.get_next_task(
                state=TaskState.WAITING) is not None for other in workflow.subprocesses.values())
            if not waiting:
                start.trigger_wf(sub.task_tree, name)


def _deliver_to(ctx: "EngineContext", instance_id: int, kind: str, name: str, data: dict,
                actor: str, record: InboundMessage | None, record_ids: list[int]) -> bool:
    """One instance, one unit of work; False when it does not (or no longer) wait for it."""
    definition_cls = MessageEventDefinition if kind == "message" else SignalEventDefinition
    with ctx.uow() as uow:
        instance = locks.lock_instance(uow, instance_id)
        if instance.status not in _LIVE:
            return False
        definition = loading.load_definition(ctx, uow, instance.definition_id)
        workflow = loading.load_workflow(ctx, definition, instance)
        before = stepping.snapshot(workflow)
        # The values the message carries, compared by the library with the instance's own; a
        # payload lacking a property is refused here (InvalidInput: nothing written).
        carried = (correlation.message_correlations(ctx, definition, name, data)
                   if kind == "message" else {})
        event = BpmnEvent(definition_cls(name), payload=data, correlations=carried)
        _open_nested_event_subprocesses(workflow, event)
        try:
            # Waiting catches, boundary events and event sub-process starts, in subprocesses too;
            # the library raises when nothing catches it (nothing is written: no commit).
            workflow.send_event(event)
        except WorkflowException:
            return False
        error = stepping.advance(workflow)
        received = PendingEvent("message_received", actor, {
            "kind": kind, "name": name, "data": to_jsonable(data),
            "message_id": record.message_id if record is not None else None})
        if record is not None:
            record.instance_ids = [instance_id]
            uow.session.add(record)
        saving.save(ctx, uow, instance, definition, workflow, before=before, actor=actor,
                     error=error, events=[received])
        if record is not None:
            uow.session.flush()
            record_ids.append(record.id)
        uow.commit()
        return True


def _message_start_keys(ctx: "EngineContext", name: str) -> list[str]:
    """The processes (latest versions) whose own start event is a message start for ``name``."""
    keys = []
    with ctx.uow(write=False) as uow:
        for key in sorted(deployment.latest_versions(uow)):
            definition = loading.load_definition(ctx, uow, deployment.definition_id(uow, key))
            if any(type(spec).__name__ == "StartEvent"
                   and isinstance(getattr(spec, "event_definition", None), MessageEventDefinition)
                   and spec.event_definition.name == name
                   for spec in definition.spec.task_specs.values()):
                keys.append(key)
    return keys


def _start_by_message(ctx: "EngineContext", name: str, business_key: str, data: dict, actor: str,
                      record: InboundMessage, record_ids: list[int]) -> list[int]:
    """A message no instance waits for starts the process whose message start event catches it
    (one, else it is ambiguous and stays unmatched), with the business key, in one unit of work."""
    keys = _message_start_keys(ctx, name)
    if len(keys) != 1:
        return []
    received = PendingEvent("message_received", actor, {
        "kind": "message", "name": name, "data": to_jsonable(data),
        "message_id": record.message_id})
    with ctx.uow() as uow:
        instance = instances.start_in(ctx, uow, keys[0], actor=actor, business_key=business_key,
                                      event=BpmnEvent(MessageEventDefinition(name), payload=data),
                                      events=(received,))
        record.instance_ids = [instance.id]
        uow.session.add(record)
        uow.session.flush()
        record_ids.append(record.id)
        uow.commit()
        return [instance.id]


def _store(ctx: "EngineContext", record: InboundMessage) -> None:
    with ctx.uow() as uow:
        uow.session.add(record)
        uow.commit()


def _candidates(ctx: "EngineContext", kind: str, name: str, business_key: str | None,
                data: dict) -> list[int]:
    """The live instances a delivery tries, in order: those of the business key; for a message
    without one, those whose correlation values the payload carries; for a signal, all."""
    query = select(ProcessInstance.id).where(ProcessInstance.status.in_(_LIVE))
    if business_key is not None:
        query = query.where(ProcessInstance.business_key == business_key)
    elif kind == "message":
        return _correlated(ctx, name, data)
    with ctx.uow(write=False) as uow:
        return list(uow.session.scalars(query.order_by(ProcessInstance.id)))


def _correlated(ctx: "EngineContext", name: str, data: dict) -> list[int]:
    query = (select(ProcessInstance.id, ProcessInstance.definition_id,
                    ProcessInstance.correlations)
             .where(ProcessInstance.status.in_(_LIVE), ProcessInstance.correlations.is_not(None))
             .order_by(ProcessInstance.id))
    carried_by: dict[int, dict] = {}
    found = []
    with ctx.uow(write=False) as uow:
        for instance_id, definition_id, held in uow.session.execute(query):
            if definition_id not in carried_by:
                definition = loading.load_definition(ctx, uow, definition_id)
                carried_by[definition_id] = correlation.message_correlations(ctx, definition,
                                                                             name, data)
            if correlation.matches(held, carried_by[definition_id]):
                found.append(instance_id)
    return found


def _send(ctx: "EngineContext", kind: str, name: str, business_key: str | None, data: Any,
          message_id: str | None, actor: str) -> dict:
    data = _check(name, data, message_id)
    done = _already(ctx, message_id)
    if done is not None:
        return done
    now = ctx.clock.now()
    record = InboundMessage(message_id=message_id, kind=kind, name=name, business_key=business_key,
                            payload=to_jsonable(data), status="delivered", instance_ids=[],
                            received_by=actor, received_at=now)
    reached: list[int] = []
    record_ids: list[int] = []
    for instance_id in _candidates(ctx, kind, name, business_key, data):
        try:
            delivered = _deliver_to(ctx, instance_id, kind, name, data, actor,
                                    None if reached else _copy(record), record_ids)
        except IntegrityError:  # the same message id delivered meanwhile by another caller
            return _already(ctx, message_id) or {}
        if delivered:
            reached.append(instance_id)
            if kind == "message":
                break  # a message goes to one instance (BPMN: one receiver)
    if not reached and kind == "message":
        reached = _start_by_message(ctx, name, business_key, data, actor, _copy(record),
                                    record_ids)
    if not reached:
        record.status = "unmatched"
        try:
            _store(ctx, _copy(record))
        except IntegrityError:
            return _already(ctx, message_id) or {}
        whom = (f"với mã nghiệp vụ '{business_key}' " if business_key is not None
                else "có giá trị tương quan khớp " if kind == "message" else "")
        what = "thông điệp" if kind == "message" else "tín hiệu"
        raise MessageUnmatched(f"Không có hồ sơ nào {whom}đang chờ {what} '{name}'; {what} đã "
                               "được lưu lại, chưa chuyển đến đâu")
    if len(reached) > 1:
        with ctx.uow() as uow:
            row = uow.session.get(InboundMessage, record_ids[0])
            row.instance_ids = reached
            uow.commit()
    result = {"id": record_ids[0], "message_id": message_id, "kind": kind, "name": name,
              "business_key": business_key, "status": "delivered", "instance_ids": reached,
              "duplicate": False}
    return result


def _copy(record: InboundMessage) -> InboundMessage:
    """A fresh row from a detached one (its first unit of work did not keep it)."""
    return InboundMessage(message_id=record.message_id, kind=record.kind, name=record.name,
                          business_key=record.business_key, payload=record.payload,
                          status=record.status, instance_ids=[], received_by=record.received_by,
                          received_at=record.received_at)


def deliver_message(ctx: "EngineContext", name: str, *, actor: str, business_key: str | None = None,
                    data: Mapping[str, Any] | None = None, message_id: str | None = None) -> dict:
    """Deliver the BPMN message ``name`` to the live instance that waits for it: the one of
    ``business_key``, or without it the one whose correlation values the payload carries; else
    start the process whose message start event catches it. Raises ``MessageUnmatched`` (after
    storing it) when nothing does."""
    if business_key is not None and (not isinstance(business_key, str) or not business_key.strip()):
        raise InvalidInput("Mã nghiệp vụ (business key) phải là chuỗi khác rỗng")
    return _send(ctx, "message", name, business_key, data, message_id, actor)


def broadcast_signal(ctx: "EngineContext", name: str, *, actor: str,
                     data: Mapping[str, Any] | None = None, message_id: str | None = None) -> dict:
    """Broadcast the BPMN signal ``name`` to every live instance waiting for it."""
    return _send(ctx, "signal", name, None, data, message_id, actor)
