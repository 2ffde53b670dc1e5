"""Between units of one system (issue 20 §5): the transfer step moves the case.

A subscriber of the kernel's ``TaskCompleted``, so the move happens in the step's own unit of
work: when ``Task_intake_transfer`` or ``Task_den_transfer`` is completed naming a unit of this
system (``receiving_unit``), the letter goes through ``receive_case``; any error refuses the whole
completion. Whichever unit receives, a letter already transferred is not transferred again.
"""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.audit import chain as audit
from engine.audit.chain import PendingEvent
from engine.events import TaskCompleted
from engine.persistence.models import AuditEvent, HumanTask
from petitions.identity.guard import INTAKE_PROCESS
from petitions.identity.protection import petition_of_instance
from petitions.labels import EVENT_LABELS
from petitions.persistence.models import PetitionDocument
from petitions.transfers.receiving import CasePackage, receive_case, refuse_if_transferred

if TYPE_CHECKING:
    from engine.context import EngineContext
    from engine.persistence.unit_of_work import UnitOfWork

# The transfer steps and the names of their slip number and date fields.
TRANSFER_STEPS = {"Task_intake_transfer": ("transfer_number", "transferred_on"),
                  "Task_den_transfer": ("transfer_slip_number", "transfer_slip_on")}
RECEIVING_UNIT = "receiving_unit"
# The register line as it travels: already cut of the senders' identities at registration.
# The events worth carrying: what was done and when (not every internal state change).
_HISTORY = ("instance_started", "petition_registered", "task_completed_by_user", "task_overdue",
            "instance_suspended", "instance_resumed", "identity_unsealed", "case_received")
_REGISTER = ("number", "tracking_code", "received_on", "channel", "petition_type", "field",
             "summary", "location", "signers", "identity_sealed", "forwarder_kind")


def history_of(session, instance_id: int) -> list[dict]:
    """The steps a letter went through: event, step name and time only (payloads may quote a
    protected person and stay on the sending unit's chain)."""
    rows = session.execute(select(AuditEvent.event_type, AuditEvent.occurred_at,
                                  AuditEvent.payload).where(AuditEvent.instance_id == instance_id,
                                                            AuditEvent.event_type.in_(_HISTORY))
                           .order_by(AuditEvent.seq)).all()
    names = dict(session.execute(select(HumanTask.id, HumanTask.name).where(
        HumanTask.instance_id == instance_id)).all())
    history = []
    for kind, at, payload in rows:
        payload = payload if isinstance(payload, dict) else {}
        history.append({"kind": kind, "label": EVENT_LABELS.get(kind, kind), "at": at.isoformat(),
                        "step": payload.get("bpmn_id"), "step_name": names.get(payload.get("task_id"))})
    return history


def _as_date(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def make_subscriber(ctx: "EngineContext"):
    def on_transfer(uow: "UnitOfWork", event: TaskCompleted) -> None:
        transfer_step(ctx, uow, event)
    return on_transfer


def transfer_step(ctx: "EngineContext", uow: "UnitOfWork", event: TaskCompleted) -> None:
    fields = TRANSFER_STEPS.get(event.task.bpmn_id)
    if fields is None or event.instance.process_key != INTAKE_PROCESS:
        return
    session = uow.session
    petition = petition_of_instance(session, event.instance.id)
    if petition is None:
        return
    # Transferred only once (LTC Điều 24.2, LTCD Điều 26.2), to a unit here or a body outside.
    refuse_if_transferred(session, petition)
    to_unit = event.data.get(RECEIVING_UNIT)
    if not to_unit:
        return
    slip_field, date_field = fields
    origin = petition.unit_code or ""
    documents = list(session.scalars(select(PetitionDocument.file_name).where(
        PetitionDocument.petition_id == petition.id).order_by(PetitionDocument.id)))
    register = {name: getattr(petition, name) for name in _REGISTER}
    register["received_on"] = petition.received_on.isoformat()
    package = CasePackage(
        origin_agency=origin, origin_number=petition.number, tracking_code=petition.tracking_code,
        to_unit=to_unit, slip_number=str(event.data.get(slip_field) or ""),
        slip_on=_as_date(event.data.get(date_field)), step=event.task.bpmn_id,
        sent_by=event.actor.username, register=register,
        history=history_of(session, event.instance.id), documents=documents,
        petition_id=petition.id, from_instance_id=event.instance.id)
    transfer = receive_case(ctx, uow, package)
    audit.append_instance_events(session, event.instance, [PendingEvent(
        "case_transferred", event.actor.username, {
            "petition_id": petition.id, "transfer_id": transfer.id, "to_unit": to_unit,
            "slip_number": package.slip_number})], event.now)
