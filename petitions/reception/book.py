"""The reception book (sổ tiếp công dân, LTCD Điều 25.2): one row per visit, whatever came of it.

Recording a visit checks everything first (the session is the writer's unit's and not cancelled,
the visit is on the session's date, the group's representatives per LTCD Điều 29, the outcome's
details), then numbers it in the unit's book for the year. A visit whose outcome is a letter
registers it through the reception desk (``registration.register``, channel ``direct``) and links
it. The citizens' identities are kept like a letter's senders: encrypted, the ID number also as a
keyed hash; a visit bringing a denunciation is sealed (LTC Điều 8.3, 47, 48), so the book masks
its citizens on every page and export (reading a denouncer needs a reason: the letter's flow).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.errors import FormInvalid, InvalidInput
from engine.text_search import fold
from petitions.identity.matching import Identity, IdentityMatcher
from petitions.reception import trail
from petitions.reception.models import (ReceptionBookCounter, ReceptionCitizen, ReceptionSession,
                                        ReceptionVisit)
from petitions.reception.schedule import check_group
from petitions.register import addresses, registration
from petitions.register.registration import Registration, Sender

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.context import EngineContext

OUTCOMES = {"guided": "Hướng dẫn, giải thích", "letter": "Tiếp nhận đơn",
            "transferred": "Chuyển đơn, chuyển cơ quan có thẩm quyền",
            "refused": "Từ chối tiếp"}
# LTCD Điều 9: the only grounds on which a citizen may be refused.
REFUSAL_GROUNDS = {
    "incapacitated": "Người trong tình trạng say do dùng chất kích thích, người mắc bệnh tâm thần "
                     "hoặc bệnh khác làm mất khả năng nhận thức hoặc khả năng điều khiển hành vi "
                     "của mình (Điều 9 khoản 1)",
    "threatening": "Người có hành vi đe dọa, xúc phạm cơ quan, người tiếp công dân, người thi "
                   "hành công vụ hoặc vi phạm nội quy nơi tiếp công dân (Điều 9 khoản 2)",
    "already_resolved": "Vụ việc đã được giải quyết đúng chính sách, pháp luật, đã được kiểm tra, "
                        "rà soát, thông báo bằng văn bản và đã được tiếp, giải thích, hướng dẫn "
                        "nhưng vẫn cố tình khiếu nại, tố cáo kéo dài (Điều 9 khoản 3)",
    "other_by_law": "Trường hợp khác theo quy định của pháp luật (Điều 9 khoản 4)",
}
PETITION_TYPES = {"complaint": "Khiếu nại", "denunciation": "Tố cáo",
                  "recommendation": "Kiến nghị", "feedback": "Phản ánh", "mixed": "Nhiều nội dung"}
_ID_NUMBER = re.compile(r"^([0-9]{9}|[0-9]{12})$")   # ASCII digits only


@dataclass
class Citizen:
    name: str
    id_number: str | None = None
    province_code: str | None = None
    ward_code: str | None = None
    address_detail: str | None = None
    is_representative: bool = False


@dataclass
class Visit:
    visited_on: date
    content: str
    petition_type: str = "recommendation"
    session_id: int | None = None
    citizens: list[Citizen] = field(default_factory=list)
    people: int = 1
    prior_handling: str | None = None
    request: str | None = None
    outcome: str = "guided"
    outcome_note: str | None = None
    transferred_to: str | None = None
    refusal_ground: str | None = None
    field: str = "other"                 # the letter's field, when the outcome is a letter


def _errors(visit: Visit, today: date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if visit.petition_type not in PETITION_TYPES:
        errors["petition_type"] = "Loại nội dung không hợp lệ"
    if not (visit.content or "").strip():
        errors["content"] = "Bắt buộc nhập nội dung"
    elif len(visit.content) > 20000:
        errors["content"] = "Tối đa 20000 ký tự"
    if not visit.citizens:
        errors["citizens"] = "Phải có ít nhất một công dân (hoặc người đại diện)"
    for i, person in enumerate(visit.citizens):
        if not person.name.strip():
            errors[f"citizens.{i}.name"] = "Bắt buộc nhập họ và tên"
        if person.id_number and not _ID_NUMBER.match(person.id_number):
            errors[f"citizens.{i}.id_number"] = "Số định danh gồm 12 chữ số (hoặc CMND 9 chữ số)"
        if not addresses.is_valid(person.province_code, person.ward_code):
            errors[f"citizens.{i}.ward_code"] = "Địa chỉ hành chính không hợp lệ"
    representatives = sum(1 for p in visit.citizens if p.is_representative)
    try:
        check_group(visit.people, representatives)
    except InvalidInput as err:
        errors["people"] = err.message
    if visit.people < 5 and len(visit.citizens) > visit.people:
        errors["people"] = "Số công dân đã nhập nhiều hơn số người đến"
    if visit.outcome not in OUTCOMES:
        errors["outcome"] = "Chọn cách xử lý"
    elif visit.outcome == "transferred" and not (visit.transferred_to or "").strip():
        errors["transferred_to"] = "Ghi cơ quan được chuyển đến"
    elif visit.outcome == "refused" and visit.refusal_ground not in REFUSAL_GROUNDS:
        errors["refusal_ground"] = "Từ chối tiếp phải nêu một căn cứ của Luật Tiếp công dân Điều 9"
    if visit.visited_on > today:
        errors["visited_on"] = "Ngày tiếp không được sau ngày hôm nay"
    return errors


def _session_for(uow, actor: "Actor", visit: Visit) -> ReceptionSession | None:
    if visit.session_id is None:
        return None
    row = trail.own(uow.session.get(ReceptionSession, visit.session_id), actor, "phiên tiếp")
    if row.status == "cancelled":
        raise InvalidInput(f"Phiên tiếp ngày {row.held_on:%d/%m/%Y} đã bị hủy: không ghi lượt "
                           "tiếp vào phiên này được")
    if row.held_on != visit.visited_on:
        raise InvalidInput(f"Ngày tiếp {visit.visited_on:%d/%m/%Y} khác ngày của phiên tiếp "
                           f"({row.held_on:%d/%m/%Y})")
    return row


def _next_seq(uow, unit: str, year: int) -> int:
    query = select(ReceptionBookCounter).where(ReceptionBookCounter.unit_code == unit,
                                               ReceptionBookCounter.year == year)
    if uow.dialect == "postgresql":
        query = query.with_for_update()
    counter = uow.session.scalars(query).first()
    if counter is None:
        counter = ReceptionBookCounter(unit_code=unit, year=year, last=0)
        uow.session.add(counter)
    counter.last += 1
    uow.session.flush()
    return counter.last


def _check(ctx: "EngineContext", actor: "Actor", visit: Visit) -> None:
    """Every check that needs no write: a bad visit changes nothing, not even a letter."""
    trail.writing_unit(actor)
    errors = _errors(visit, trail.today(ctx.clock.now()))
    if errors:
        raise FormInvalid(errors)
    with ctx.uow(write=False) as uow:
        _session_for(uow, actor, visit)


def record(ctx: "EngineContext", actor: "Actor", visit: Visit) -> dict:
    """Write the visit in the book; returns ``{"id", "seq", "year", "petition"}``."""
    _check(ctx, actor, visit)
    petition = _register_letter(ctx, actor, visit) if visit.outcome == "letter" else None
    unit = trail.writing_unit(actor)
    matcher = IdentityMatcher([Identity(p.name, p.id_number, None, p.address_detail)
                               for p in visit.citizens])
    content = matcher.redact(visit.content.strip())
    with ctx.uow() as uow:
        session_row = _session_for(uow, actor, visit)
        now = ctx.clock.now()
        year = visit.visited_on.year
        row = ReceptionVisit(
            unit_code=unit, year=year, seq=_next_seq(uow, unit, year),
            visited_on=visit.visited_on, session_id=session_row.id if session_row else None,
            kind=session_row.kind if session_row else "regular",
            leader_name=session_row.leader_name if session_row else None,
            people=visit.people, representatives=sum(p.is_representative for p in visit.citizens),
            petition_type=visit.petition_type, content=content,
            prior_handling=matcher.redact(trail.clean(visit.prior_handling, "quá trình giải quyết")),
            request=matcher.redact(trail.clean(visit.request, "yêu cầu của công dân")),
            outcome=visit.outcome, outcome_note=matcher.redact(trail.clean(visit.outcome_note,
                                                                           "ghi chú")),
            transferred_to=trail.clean(visit.transferred_to, "cơ quan được chuyển", limit=500)
            if visit.outcome == "transferred" else None,
            refusal_ground=visit.refusal_ground if visit.outcome == "refused" else None,
            petition_id=petition["petition_id"] if petition else None,
            identity_sealed=visit.petition_type == "denunciation",
            search_text=fold(content), created_by=actor.username, created_at=now)
        uow.session.add(row)
        uow.session.flush()
        uow.session.add_all([ReceptionCitizen(visit_id=row.id, position=i, **vars(person))
                             for i, person in enumerate(visit.citizens)])
        # The audit line names no citizen: counts, kinds and links only.
        trail.audit(uow.session, unit, actor, "reception_visit_recorded", {
            "visit_id": row.id, "book": f"{year}/{row.seq}", "session_id": row.session_id,
            "people": row.people, "representatives": row.representatives,
            "outcome": row.outcome, "refusal_ground": row.refusal_ground,
            "petition_id": row.petition_id, "sealed": row.identity_sealed}, now)
        uow.commit()
        return {"id": row.id, "seq": row.seq, "year": year, "petition": petition}


def _register_letter(ctx: "EngineContext", actor: "Actor", visit: Visit) -> dict:
    """The letter the citizen hands in (or dictates) at the visit, registered at the desk."""
    senders = [Sender(name=p.name, id_number=p.id_number, province_code=p.province_code,
                      ward_code=p.ward_code, address_detail=p.address_detail,
                      is_representative=p.is_representative) for p in visit.citizens]
    return registration.register(ctx, actor, Registration(
        received_on=visit.visited_on, channel="direct", petition_type=visit.petition_type,
        field=visit.field, summary=visit.content.strip(), senders=senders,
        signers=max(visit.people, len(senders))))


def citizen_dict(person: ReceptionCitizen, masked: bool, index: int) -> dict:
    if masked:
        return {"name": f"Người tố cáo {index + 1} (đã niêm phong)", "id_number": None,
                "address": None, "is_representative": person.is_representative, "masked": True}
    return {"name": person.name, "id_number": person.id_number,
            "address": addresses.describe(person.province_code, person.ward_code,
                                          person.address_detail),
            "is_representative": person.is_representative, "masked": False}
