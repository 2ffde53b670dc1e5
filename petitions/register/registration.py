"""Registering a petition (the reception desk) and reading its file.

Registration is one command in one transaction: number the letter, store the register fields,
the senders and the documents' metadata, start the intake process with the petition number as its
business key and complete its first task (``Task_register``) with the register fields. The
senders' identity stays in ``petition_senders``; denunciations are sealed (LTC Điều 8.3, 56.2) and
reading a sealed identity needs a reason and is audited on the instance's chain.
"""
from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Sequence

from argon2 import PasswordHasher, profiles
from sqlalchemy import select

from engine.accounts.access import unit_condition
from engine.accounts.actor import Actor
from engine.audit import chain as audit
from engine.audit.chain import PendingEvent
from engine.errors import Forbidden, FormInvalid, InvalidInput
from engine.persistence.models import HumanTask
from engine.running import instances, locks
from engine.text_search import fold
from engine.work.human_tasks import complete_in
from engine.working_days import VN_TZ
from petitions.identity import protection, rights
from petitions.identity.guard import INTAKE_PROCESS
from petitions.identity.matching import Identity, IdentityMatcher
from petitions.persistence.citizens_models import TrackingPin
from petitions.persistence.models import (Petition, PetitionCounter, PetitionDocument, PetitionLink,
                                          PetitionSender)
from petitions.register import addresses, contacts
from petitions.register.access import visible_petition

if TYPE_CHECKING:
    from engine.context import EngineContext


# Letters run in the intake process; the identity guard, below the register, owns the name.
INTAKE_KEY = INTAKE_PROCESS
REGISTER_TASK = "Task_register"
TYPES = ("complaint", "denunciation", "recommendation", "feedback", "mixed")
_TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_ID_NUMBER = re.compile(r"^(\d{9}|\d{12})$")
_PHONE = re.compile(r"^(\+84|0)\d{8,10}$")
PIN_DIGITS = 8
# The tests make hundreds of PINs; they alone set this (as for passwords, engine/accounts/users.py).
# Verification reads the parameters stored in each hash.
_PIN_HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST) \
    if os.environ.get("PETITIONS_INSECURE_FAST_HASHING") == "1" else PasswordHasher()


# No register kept by this system is older; an earlier date is a typing error (0001-01-01 once
# produced petition number 1-000001).
EARLIEST_RECEIVED_ON = date(1990, 1, 1)


@dataclass
class Sender:
    name: str
    id_number: str | None = None
    phone: str | None = None
    ethnicity: str | None = None
    province_code: str | None = None
    ward_code: str | None = None
    address_detail: str | None = None
    is_representative: bool = False


@dataclass
class Registration:
    received_on: date
    channel: str
    petition_type: str
    field: str
    summary: str
    senders: list[Sender] = field(default_factory=list)
    signers: int = 1
    anonymous: bool = False
    forwarder_kind: str = "none"
    forwarded_by: str | None = None
    location: str | None = None
    priority_markers: list[str] = field(default_factory=list)
    remote_area: bool = False
    unit_code: str | None = None
    link_ids: list[int] = field(default_factory=list)        # earlier petitions confirmed as duplicates
    dismissed_ids: list[int] = field(default_factory=list)   # suggestions the officer rejected
    link_reasons: dict[int, tuple[float, str]] = field(default_factory=dict)  # id → (score, why)
    # Progress notices the citizen asked for at the desk (the officer records the consent).
    notify_email: str | None = None
    notify_sms: bool = False


@dataclass
class StoredDocument:
    file_name: str
    stored_name: str
    content_type: str
    size: int
    sha256: str


def validate(reg: Registration, today: date) -> None:
    """All field errors at once (FormInvalid), in Vietnamese; nothing is written."""
    errors: dict[str, str] = {}
    if reg.petition_type not in TYPES:
        errors["petition_type"] = "Loại đơn không hợp lệ"
    if not reg.summary or not reg.summary.strip():
        errors["summary"] = "Bắt buộc nhập"
    elif len(reg.summary) > 20000:
        errors["summary"] = "Tối đa 20000 ký tự"
    if reg.signers < 1 or reg.signers > 10000:
        errors["signers"] = "Số người đứng tên phải từ 1 đến 10000"
    if not reg.anonymous and not reg.senders:
        errors["senders"] = "Phải có ít nhất một người gửi (hoặc đánh dấu đơn nặc danh)"
    if len(reg.senders) > max(reg.signers, 1):
        errors["signers"] = "Số người đứng tên nhỏ hơn số người gửi đã nhập"
    for i, sender in enumerate(reg.senders):
        prefix = f"senders.{i}."
        if not sender.name.strip():
            errors[prefix + "name"] = "Bắt buộc nhập họ và tên"
        if sender.id_number and not _ID_NUMBER.match(sender.id_number):
            errors[prefix + "id_number"] = "Số định danh gồm 12 chữ số (hoặc CMND 9 chữ số)"
        if sender.phone and not _PHONE.match(sender.phone.replace(" ", "")):
            errors[prefix + "phone"] = "Số điện thoại không hợp lệ"
        if not addresses.is_valid(sender.province_code, sender.ward_code):
            errors[prefix + "ward_code"] = "Địa chỉ hành chính không hợp lệ"
    representatives = sum(1 for s in reg.senders if s.is_representative)
    # Groups: 5–10 people choose 1–2 representatives, more than 10 up to 5 (LTCD Điều 29).
    if reg.signers >= 5:
        allowed = 2 if reg.signers <= 10 else 5
        if not 1 <= representatives <= allowed:
            errors["representatives"] = (f"Đơn {reg.signers} người đứng tên cần 1–{allowed} "
                                         "người đại diện (Luật Tiếp công dân, Điều 29)")
    errors.update(contacts.errors(reg))
    if reg.received_on > today:
        errors["received_on"] = "Ngày nhận đơn không được sau ngày hôm nay"
    elif reg.received_on < EARLIEST_RECEIVED_ON:
        errors["received_on"] = "Ngày nhận đơn không được trước ngày 01/01/1990"
    if errors:
        raise FormInvalid(errors)


def _next_number(uow, year: int) -> str:
    query = select(PetitionCounter).where(PetitionCounter.year == year)
    if uow.dialect == "postgresql":
        # Two processes numbering a year's first letters at once: the row is made only once.
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        uow.session.execute(pg_insert(PetitionCounter).values(year=year, last=0)
                            .on_conflict_do_nothing(index_elements=["year"]))
        query = query.with_for_update()
    counter = uow.session.scalars(query).first()
    if counter is None:
        counter = PetitionCounter(year=year, last=0)
        uow.session.add(counter)
    counter.last += 1
    uow.session.flush()
    return f"{year}-{counter.last:06d}"


def _tracking_code() -> str:
    raw = "".join(secrets.choice(_TRACKING_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _register_form(reg: Registration, representatives: Sequence[Sender]) -> dict:
    return {
        "received_on": reg.received_on.isoformat(), "channel": reg.channel,
        "forwarder_kind": reg.forwarder_kind, "forwarded_by": reg.forwarded_by or "",
        "signers": reg.signers, "representatives": str(len(representatives)),
        "summary": reg.summary, "field": reg.field, "priority_markers": list(reg.priority_markers),
        "remote_area": reg.remote_area,
    }


def new_pin() -> str:
    """A secret PIN of 8 digits: typed on a phone keypad, told over the counter."""
    return f"{secrets.randbelow(10 ** PIN_DIGITS):0{PIN_DIGITS}d}"


def hash_pin(pin: str) -> str:
    return _PIN_HASHER.hash(pin)


def issue_pin(session, petition_id: int, issued_by: str, now) -> str:
    """A new PIN for a letter (its hash replaces any earlier one); the PIN itself is returned
    once and stored nowhere."""
    pin = new_pin()
    row = session.get(TrackingPin, petition_id)
    if row is None:
        session.add(TrackingPin(petition_id=petition_id, pin_hash=hash_pin(pin), issued_at=now,
                                issued_by=issued_by))
    else:
        row.pin_hash, row.issued_at, row.issued_by = hash_pin(pin), now, issued_by
    return pin


def store_letter(ctx: "EngineContext", uow, reg: Registration, *, unit: str, created_by: str,
                 documents: Sequence[StoredDocument] = ()) -> tuple[Petition, Any, str]:
    """Number and store a letter, its senders and documents, and start its intake (its first
    step, ``Task_register``, left ready); ``(petition, instance, shown summary)``."""
    # Every sender's identity is protected from registration on, whatever the type: a letter is
    # often known to be a denunciation only at classification (issue 12 §1).
    matcher = IdentityMatcher([Identity(s.name, s.id_number, s.phone, s.address_detail)
                               for s in reg.senders])
    summary = reg.summary.strip()
    session = uow.session
    now = ctx.clock.now()
    number = _next_number(uow, reg.received_on.year)
    shown_summary = matcher.redact(summary)
    petition = Petition(
        number=number, tracking_code=_tracking_code(), received_on=reg.received_on,
        channel=reg.channel, forwarder_kind=reg.forwarder_kind,
        forwarded_by=matcher.redact(reg.forwarded_by), petition_type=reg.petition_type,
        field=reg.field, summary=shown_summary, location=matcher.redact(reg.location),
        priority_markers=list(reg.priority_markers),
        signers=reg.signers, remote_area=reg.remote_area,
        identity_sealed=reg.petition_type == "denunciation", unit_code=unit,
        search_text=fold(shown_summary), created_by=created_by, created_at=now)
    session.add(petition)
    session.flush()
    session.add_all([PetitionSender(petition_id=petition.id, position=i, **vars(sender))
                     for i, sender in enumerate(reg.senders)])
    protection.protect(session, petition.id, "summary", summary, matcher, now, ref="summary")
    shown_names = []
    for doc in documents:
        row = PetitionDocument(petition_id=petition.id, uploaded_by=created_by,
                               uploaded_at=now, **vars(doc))
        session.add(row)
        session.flush()
        row.file_name, _ = protection.protect(session, petition.id, "document", doc.file_name,
                                              matcher, now, ref=f"doc:{row.id}")
        shown_names.append(row.file_name)
    instance = instances.start_in(ctx, uow, INTAKE_KEY, actor=created_by, business_key=number,
                                  unit=unit,
                                  data={"petition_id": petition.id, "petition_number": number})
    petition.instance_id = instance.id
    session.flush()
    petition.registered_documents = shown_names  # read by record_registered, not a column
    return petition, instance, shown_summary


def record_registered(session, petition: Petition, instance, reg: Registration,
                      created_by: str, now) -> None:
    """The register line of the instance's audit chain (after the first step's own lines)."""
    audit.append_instance_events(session, instance, [PendingEvent(
        "petition_registered", created_by, {
            "petition_id": petition.id, "number": petition.number, "type": reg.petition_type,
            "senders": len(reg.senders), "documents": petition.registered_documents,
            "linked": reg.link_ids, "dismissed": reg.dismissed_ids,
            # Whether the citizen consented to notices (never the address or number itself).
            "notices": [c for c, asked in (("email", reg.notify_email), ("sms", reg.notify_sms))
                        if asked and not reg.anonymous]})], now)


def register(ctx: "EngineContext", actor: Actor, reg: Registration,
             documents: Sequence[StoredDocument] = ()) -> dict:
    """Register a letter and start its intake; returns ``{petition_id, number, tracking_code,
    pin, instance_id}`` (the PIN is shown on the receipt once and stored only as a hash)."""
    if not ({"reception_officer", "administrator"} & actor.roles):
        raise Forbidden("Chỉ cán bộ tiếp công dân mới vào sổ đơn được")
    unit = _registering_unit(reg, actor)
    validate(reg, ctx.clock.now().astimezone(VN_TZ).date())
    with ctx.uow() as uow:
        session = uow.session
        petition, instance, shown_summary = store_letter(
            ctx, uow, reg, unit=unit, created_by=actor.username, documents=documents)
        _record_links(session, petition.id, reg, actor, ctx.clock.now())
        task_id = session.scalar(select(HumanTask.id).where(
            HumanTask.instance_id == instance.id, HumanTask.bpmn_id == REGISTER_TASK,
            HumanTask.status == "ready"))
        if task_id is None:
            raise InvalidInput(f"Quy trình {INTAKE_KEY} không bắt đầu bằng bước {REGISTER_TASK}")
        representatives = [s for s in reg.senders if s.is_representative]
        form = {**_register_form(reg, representatives), "summary": shown_summary,
                "forwarded_by": petition.forwarded_by or ""}
        complete_in(ctx, uow, task_id, actor, form)
        record_registered(session, petition, instance, reg, actor.username, ctx.clock.now())
        pin = issue_pin(session, petition.id, actor.username, ctx.clock.now())
        contacts.record(session, petition.id, reg, actor.username, ctx.clock.now())
        uow.commit()
        return {"petition_id": petition.id, "number": petition.number,
                "tracking_code": petition.tracking_code, "pin": pin, "instance_id": instance.id}


def _registering_unit(reg: Registration, actor: Actor) -> str:
    """A letter belongs to the unit of the officer who registers it (administrators may name one)."""
    unit = reg.unit_code if actor.is_admin and reg.unit_code else actor.unit
    if not unit:
        raise InvalidInput("Tài khoản của bạn chưa thuộc đơn vị nào nên không vào sổ đơn được; "
                           "đề nghị quản trị hệ thống gán đơn vị")
    if reg.unit_code and reg.unit_code != unit:
        raise Forbidden("Chỉ vào sổ đơn cho đơn vị của mình")
    return unit


def _record_links(session, petition_id: int, reg: Registration, actor: Actor, now) -> None:
    username = actor.username
    # Another unit's petition does not exist for this officer: linking to it is "not found".
    known = set(session.scalars(select(Petition.id).where(
        Petition.id.in_(reg.link_ids + reg.dismissed_ids), unit_condition(Petition.unit_code, actor))))
    missing = set(reg.link_ids + reg.dismissed_ids) - known
    if missing:
        raise InvalidInput(f"Không tìm thấy đơn được liên kết: {sorted(missing)}")
    for other_id, status in [(i, "linked") for i in reg.link_ids] + \
                            [(i, "dismissed") for i in reg.dismissed_ids]:
        score, reason = reg.link_reasons.get(other_id, (None, None))
        session.add(PetitionLink(petition_id=petition_id, other_id=other_id, kind="duplicate",
                                 score=score, reason=reason, status=status,
                                 decided_by=username, decided_at=now))


def check_may_unseal(ctx: "EngineContext", petition_id: int, actor: Actor) -> Petition:
    """The petition if ``actor`` may unseal it; NotFound for another unit, Forbidden otherwise."""
    with ctx.uow(write=False) as uow:
        petition = visible_petition(uow.session, petition_id, actor)
        if petition.identity_sealed and not rights.may_unseal(
                uow.session, actor, petition, ctx.clock.now()):
            raise Forbidden("Bạn không được xem danh tính người tố cáo của đơn này "
                            "(Luật Tố cáo, Điều 8, 47, 48)")
        return petition


def get_petition(ctx: "EngineContext", petition_id: int, actor: Actor) -> Petition:
    with ctx.uow(write=False) as uow:
        return visible_petition(uow.session, petition_id, actor)


def senders(ctx: "EngineContext", petition_id: int, actor: Actor, *, reason: str | None = None) -> list[dict]:
    """The senders, masked when sealed; an unmasking needs a reason and is audited."""
    with ctx.uow(write=reason is not None) as uow:
        petition = visible_petition(uow.session, petition_id, actor)
        rows = list(uow.session.scalars(select(PetitionSender).where(
            PetitionSender.petition_id == petition_id).order_by(PetitionSender.position)))
        if not petition.identity_sealed:
            return [_sender_dict(row) for row in rows]
        if reason is None:
            return [_masked(row, i) for i, row in enumerate(rows)]
        if not rights.may_unseal(uow.session, actor, petition, ctx.clock.now()):
            raise Forbidden("Bạn không được xem danh tính người tố cáo của đơn này "
                            "(Luật Tố cáo, Điều 8, 47, 48)")
        if len(reason.strip()) < 5:
            raise InvalidInput("Phải nêu lý do xem danh tính (ít nhất 5 ký tự)")
        now = ctx.clock.now()
        shown_reason, reason_ref = protection.protect(
            uow.session, petition.id, "reason", reason.strip(),
            protection.matcher_for(uow.session, petition.id), now, ref="identity_read")
        instance = locks.lock_instance(uow, petition.instance_id)
        audit.append_instance_events(uow.session, instance, [PendingEvent(
            "identity_unsealed", actor.username, {
                "petition_id": petition_id, "source": "page",
                "reason": {protection.PROTECTED: reason_ref} if reason_ref else shown_reason,
            })], now)
        result = [_sender_dict(row) for row in rows]
        uow.commit()
        return result


def _sender_dict(row: PetitionSender) -> dict:
    return {"name": row.name, "id_number": row.id_number, "phone": row.phone,
            "ethnicity": row.ethnicity, "is_representative": row.is_representative,
            "address": addresses.describe(row.province_code, row.ward_code, row.address_detail),
            "masked": False}


def _masked(row: PetitionSender, index: int) -> dict:
    return {"name": f"Người tố cáo {index + 1} (đã niêm phong)", "id_number": None, "phone": None,
            "ethnicity": None, "is_representative": row.is_representative, "address": None,
            "masked": True}
