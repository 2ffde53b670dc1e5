"""The one receiving handler: a transferred letter enters the receiving unit once.

Within one system the letter is moved, not copied: its register row, senders (sealed as before),
documents, number and tracking code stay the same row, so the citizen's tracking code keeps
working and the tracking page names the new agency. The receiving unit gets a new intake
instance waiting at its reception check (``Task_register``, as for a letter sent online), whose
first audit line carries the origin, the transfer slip and the history summary. The
``case_transfers`` row is the sending unit's read-only trace and makes the transfer happen once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from engine.audit import chain as audit
from engine.audit.chain import PendingEvent
from engine.errors import FormInvalid, InvalidInput
from engine.working_days import VN_TZ
from engine.accounts.models import Unit
from engine.running import instances
from petitions.persistence.models import IdentityGrant, Petition
from petitions.persistence.transfer_models import CaseTransfer
from petitions.register.registration import (INTAKE_KEY, Registration, Sender, StoredDocument,
                                             store_letter, validate)

if TYPE_CHECKING:
    from engine.context import EngineContext

ALREADY_TRANSFERRED = ("Đơn {number} đã được chuyển một lần (phiếu chuyển {slip}); theo Luật Tố "
                       "cáo Điều 24 và Luật Tiếp công dân Điều 26, không chuyển lại")


@dataclass
class CasePackage:
    """What travels with a transferred letter (the register line is already cut of identities)."""
    origin_agency: str
    origin_number: str
    tracking_code: str
    to_unit: str
    slip_number: str
    slip_on: date | None
    step: str
    sent_by: str
    register: dict[str, Any] = field(default_factory=dict)
    history: list[dict] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    petition_id: int | None = None       # within one system: the row that moves
    from_instance_id: int | None = None
    # From another agency (an opened, verified package): the senders and the stored documents.
    senders: list[dict] = field(default_factory=list)
    stored_documents: list[StoredDocument] = field(default_factory=list)
    from_agency_name: str | None = None


def refuse_if_transferred(session, petition: Petition) -> None:
    """A letter is transferred only once, whichever path carried it (one clear line, nothing
    written)."""
    earlier = session.scalars(select(CaseTransfer).where(
        (CaseTransfer.petition_id == petition.id)
        | (CaseTransfer.tracking_code == petition.tracking_code))).first()
    if earlier is not None:
        raise InvalidInput(ALREADY_TRANSFERRED.format(number=petition.number,
                                                      slip=earlier.slip_number))


def receive_case(ctx: "EngineContext", uow, package: CasePackage) -> CaseTransfer:
    """Register ``package`` in its receiving unit once, in the caller's unit of work. A repeat of
    the same origin (agency, number) returns the first transfer and changes nothing."""
    session = uow.session
    earlier = session.scalars(select(CaseTransfer).where(
        CaseTransfer.origin_agency == package.origin_agency,
        CaseTransfer.origin_number == package.origin_number)).first()
    if earlier is not None:
        return earlier
    if session.scalar(select(Unit.id).where(Unit.code == package.to_unit)) is None:
        raise InvalidInput("Đơn vị nhận đơn không có trong danh mục đơn vị")
    if package.to_unit == package.origin_agency:
        raise InvalidInput("Không chuyển đơn cho chính đơn vị đang giữ đơn")
    if package.petition_id is None:
        return _register_from_agency(ctx, uow, package)
    petition = session.get(Petition, package.petition_id, with_for_update=True)
    if petition is None or petition.tracking_code != package.tracking_code:
        raise InvalidInput("Không tìm thấy đơn được chuyển")
    refuse_if_transferred(session, petition)
    now = ctx.clock.now()
    instance = instances.start_in(ctx, uow, INTAKE_KEY, actor=package.sent_by,
                                  business_key=petition.number, unit=package.to_unit,
                                  data={"petition_id": petition.id,
                                        "petition_number": petition.number})
    # The letter now belongs to the receiving unit: its officers see it, the sending unit's
    # do not (they keep the trace below); a resolver named for the old unit no longer applies.
    petition.unit_code, petition.resolver_unit_code = package.to_unit, None
    # Rights to read a sealed identity granted in the sending unit end with the move.
    for grant in session.scalars(select(IdentityGrant).where(
            IdentityGrant.petition_id == petition.id, IdentityGrant.revoked_at.is_(None))):
        grant.revoked_at, grant.revoked_by = now, package.sent_by
    petition.instance_id = instance.id
    transfer = CaseTransfer(
        origin_agency=package.origin_agency, origin_number=package.origin_number,
        tracking_code=package.tracking_code, petition_id=petition.id, to_unit=package.to_unit,
        from_instance_id=package.from_instance_id, to_instance_id=instance.id,
        slip_number=package.slip_number, slip_on=package.slip_on, step=package.step,
        register=package.register, history=package.history, documents=package.documents,
        sent_by=package.sent_by, sent_at=now)
    session.add(transfer)
    session.flush()
    audit.append_instance_events(session, instance, [PendingEvent("case_received", package.sent_by, {
        "petition_id": petition.id, "transfer_id": transfer.id,
        "origin_agency": package.origin_agency, "origin_number": package.origin_number,
        "slip_number": package.slip_number,
        "slip_on": package.slip_on.isoformat() if package.slip_on else None,
        "history": package.history, "documents": package.documents})], now)
    return transfer


def _register_from_agency(ctx: "EngineContext", uow, package: CasePackage) -> CaseTransfer:
    """A verified package from another agency: a new letter of the receiving unit, with the
    origin's tracking code when it is free here, waiting at the reception check."""
    session = uow.session
    data = package.register
    try:
        reg = Registration(
            received_on=date.fromisoformat(str(data.get("received_on"))), channel="forwarded",
            petition_type=str(data.get("petition_type")), field=str(data.get("field") or "other"),
            summary=str(data.get("summary") or ""), signers=int(data.get("signers") or 1),
            senders=[Sender(**{k: v for k, v in s.items() if k in Sender.__dataclass_fields__})
                     for s in package.senders],
            anonymous=not package.senders, forwarder_kind="body",
            forwarded_by=package.from_agency_name or package.origin_agency,
            location=data.get("location"))
        validate(reg, ctx.clock.now().astimezone(VN_TZ).date())
    except FormInvalid as err:
        raise InvalidInput("Gói hồ sơ chuyển bị từ chối: thông tin vào sổ không hợp lệ ("
                           + "; ".join(f"{k}: {v}" for k, v in err.errors.items()) + ")") from None
    except (TypeError, ValueError):
        raise InvalidInput("Gói hồ sơ chuyển bị từ chối: thông tin vào sổ không hợp lệ") from None
    petition, instance, _ = store_letter(ctx, uow, reg, unit=package.to_unit,
                                         created_by=package.sent_by,
                                         documents=package.stored_documents)
    if session.scalar(select(Petition.id).where(
            Petition.tracking_code == package.tracking_code)) is None:
        petition.tracking_code = package.tracking_code   # the citizen's code keeps working
    now = ctx.clock.now()
    transfer = CaseTransfer(
        origin_agency=package.origin_agency, origin_number=package.origin_number,
        tracking_code=package.tracking_code, petition_id=petition.id, to_unit=package.to_unit,
        from_instance_id=None, to_instance_id=instance.id, slip_number=package.slip_number,
        slip_on=package.slip_on, step=package.step, register=package.register,
        history=package.history, documents=list(petition.registered_documents),  # cut of names
        sent_by=package.sent_by, sent_at=now)
    session.add(transfer)
    session.flush()
    audit.append_instance_events(session, instance, [PendingEvent("case_received", package.sent_by, {
        "petition_id": petition.id, "transfer_id": transfer.id,
        "origin_agency": package.origin_agency, "origin_number": package.origin_number,
        "slip_number": package.slip_number, "history": package.history,
        "documents": petition.registered_documents})], now)
    return transfer
