"""Reading the reception book: its rows (searchable by content, date, kind, outcome), one visit,
and the lookup of a citizen's earlier visits and letters by ID number.

The lookup follows the identity-read rules of the register (docs/security.md): the number comes
by POST only, is compared through its keyed hash, never stored or logged in clear; the reader
needs a reception, head or supervisor role (administrators never); a sealed visit or letter (a
denunciation) is never found by it (a sealed letter only by who may read its identity); and each
lookup is audited with its counts, not the number.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.errors import Forbidden, InvalidInput
from engine.text_search import fold
from petitions.identity import rights
from petitions.persistence import vault
from petitions.persistence.models import Petition, PetitionSender
from petitions.reception import trail
from petitions.reception.book import OUTCOMES, PETITION_TYPES, REFUSAL_GROUNDS, citizen_dict
from petitions.reception.models import ReceptionCitizen, ReceptionSession, ReceptionVisit
from petitions.reception.sessions import KINDS

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.context import EngineContext

LOOKUP_ROLES = frozenset({"reception_officer", "head_of_unit", "supervisor"})
MAX_ROWS = 2000
_ID_NUMBER = re.compile(r"^([0-9]{9}|[0-9]{12})$")   # ASCII digits only


@dataclass
class BookFilter:
    year: int | None = None
    start: date | None = None
    end: date | None = None
    q: str | None = None
    kind: str | None = None
    outcome: str | None = None
    session_id: int | None = None


def rows(ctx: "EngineContext", actor: "Actor", filters: BookFilter) -> list[dict]:
    """The book's rows of the actor's units, in book order (year, sequence)."""
    trail.check_reader(actor)
    query = select(ReceptionVisit).where(ReceptionVisit.unit_code.in_(sorted(actor.units)))
    if filters.year:
        query = query.where(ReceptionVisit.year == filters.year)
    if filters.start:
        query = query.where(ReceptionVisit.visited_on >= filters.start)
    if filters.end:
        query = query.where(ReceptionVisit.visited_on <= filters.end)
    if filters.kind:
        query = query.where(ReceptionVisit.kind == filters.kind)
    if filters.outcome:
        query = query.where(ReceptionVisit.outcome == filters.outcome)
    if filters.session_id:
        query = query.where(ReceptionVisit.session_id == filters.session_id)
    if filters.q and filters.q.strip():
        for word in fold(filters.q).split()[:8]:
            query = query.where(ReceptionVisit.search_text.contains(word, autoescape=True))
    query = query.order_by(ReceptionVisit.year, ReceptionVisit.unit_code, ReceptionVisit.seq)
    with ctx.uow(write=False) as uow:
        visits = uow.session.scalars(query.limit(MAX_ROWS)).all()
        people = _citizens(uow.session, [v.id for v in visits])
        numbers = _petition_numbers(uow.session, [v.petition_id for v in visits if v.petition_id])
        return [describe(v, people.get(v.id, []), actor, numbers.get(v.petition_id))
                for v in visits]


def _citizens(session, visit_ids: list[int]) -> dict[int, list[ReceptionCitizen]]:
    found: dict[int, list[ReceptionCitizen]] = {}
    if visit_ids:
        for person in session.scalars(select(ReceptionCitizen).where(
                ReceptionCitizen.visit_id.in_(visit_ids)).order_by(ReceptionCitizen.position)):
            found.setdefault(person.visit_id, []).append(person)
    return found


def _petition_numbers(session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Petition.id, Petition.number).where(Petition.id.in_(ids))).all())


def describe(visit: ReceptionVisit, people: list[ReceptionCitizen], actor: "Actor",
             petition_number: str | None = None) -> dict:
    # A sealed visit's citizens are never shown by the reception pages or exports: reading a
    # denouncer's identity needs a reason and an audit line (the letter's unseal flow).
    masked = visit.identity_sealed
    outcome = OUTCOMES[visit.outcome]
    if visit.outcome == "transferred" and visit.transferred_to:
        outcome += f": {visit.transferred_to}"
    if visit.outcome == "refused" and visit.refusal_ground:
        outcome += f": {REFUSAL_GROUNDS[visit.refusal_ground]}"
    if visit.outcome == "letter" and petition_number:
        outcome += f" (đơn số {petition_number})"
    return {"id": visit.id, "unit_code": visit.unit_code, "year": visit.year, "seq": visit.seq,
            "visited_on": visit.visited_on, "session_id": visit.session_id, "kind": visit.kind,
            "kind_label": KINDS[visit.kind], "leader_name": visit.leader_name or "",
            "people": visit.people, "representatives": visit.representatives,
            "petition_type": visit.petition_type,
            "petition_type_label": PETITION_TYPES[visit.petition_type],
            "citizens": [citizen_dict(p, masked, i) for i, p in enumerate(people)],
            "content": visit.content, "prior_handling": visit.prior_handling or "",
            "request": visit.request or "", "outcome": visit.outcome, "outcome_label": outcome,
            "refusal_ground": visit.refusal_ground, "transferred_to": visit.transferred_to,
            "outcome_note": visit.outcome_note or "", "petition_id": visit.petition_id,
            "petition_number": petition_number, "sealed": visit.identity_sealed,
            "masked": masked}


def get(ctx: "EngineContext", actor: "Actor", visit_id: int) -> dict:
    with ctx.uow(write=False) as uow:
        visit = trail.visible(uow.session.get(ReceptionVisit, visit_id), actor, "lượt tiếp")
        trail.check_reader(actor)
        numbers = _petition_numbers(uow.session, [visit.petition_id] if visit.petition_id else [])
        return describe(visit, _citizens(uow.session, [visit.id]).get(visit.id, []), actor,
                        numbers.get(visit.petition_id))


def lookup(ctx: "EngineContext", actor: "Actor", id_number: str) -> dict:
    """A citizen's earlier visits and letters in the actor's units, by exact ID number."""
    if actor.is_admin and not (LOOKUP_ROLES & actor.roles) or not (LOOKUP_ROLES & actor.roles):
        raise Forbidden("Bạn không có quyền tra cứu theo số định danh")
    if not actor.unit:
        raise Forbidden("Tài khoản của bạn chưa thuộc đơn vị nào")
    try:
        normal = vault.normalise("id_number", id_number or "")
    except ValueError:   # nothing a number could be made of
        normal = ""
    if not _ID_NUMBER.match(normal):
        raise InvalidInput("Số định danh gồm 12 chữ số (hoặc CMND 9 chữ số)")
    hashes = vault.blind_indexes("id_number", normal)
    units = sorted(actor.units)
    with ctx.uow() as uow:
        session = uow.session
        visits = session.scalars(select(ReceptionVisit).join(
            ReceptionCitizen, ReceptionCitizen.visit_id == ReceptionVisit.id).where(
            ReceptionCitizen.id_number_hash.in_(hashes), ReceptionVisit.unit_code.in_(units))
            .order_by(ReceptionVisit.visited_on.desc(), ReceptionVisit.id.desc())).unique().all()
        visits = [v for v in visits if not v.identity_sealed]   # never ties a number to one
        letters = session.scalars(select(Petition).join(
            PetitionSender, PetitionSender.petition_id == Petition.id).where(
            PetitionSender.id_number_hash.in_(hashes), Petition.unit_code.in_(units))
            .order_by(Petition.received_on.desc(), Petition.id.desc())).unique().all()
        letters = [p for p in letters if not p.identity_sealed or rights.can_read_identity(actor, p)]
        sessions = {s.id: s for s in session.scalars(select(ReceptionSession).where(
            ReceptionSession.id.in_([v.session_id for v in visits if v.session_id])))}
        result = {
            "visits": [{"id": v.id, "book": f"{v.seq}/{v.year}", "visited_on": v.visited_on,
                        "kind_label": KINDS[v.kind],
                        "leader_name": sessions[v.session_id].leader_name
                        if v.session_id in sessions else "",
                        "content": v.content, "outcome_label": OUTCOMES[v.outcome]}
                       for v in visits],
            "letters": [{"id": p.id, "number": p.number, "received_on": p.received_on,
                         "petition_type_label": PETITION_TYPES.get(p.petition_type,
                                                                   p.petition_type),
                         "summary": p.summary} for p in letters]}
        trail.audit(session, actor.unit, actor, "reception_identity_lookup", {
            "kind": "id_number", "visits": len(result["visits"]),
            "letters": len(result["letters"])}, ctx.clock.now())
        uow.commit()
        return result
