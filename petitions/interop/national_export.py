"""The register of a period as a file for the national database (issue 20 §6).

A versioned JSON mapping of the register fields (domain-spec §8; the mapping table is in
docs/api.md), one object per letter received in the period, as the letter stood at the end of the
period (the periodic report's read model, ``report_letters``). Every file is validated on export
against the JSON Schema shipped beside this module
(``schemas/register-export-v1.schema.json``, draft 2020-12): a file that would not validate is
not written. A change that a loader of version 1 could not read is a new version with its own
schema file; version 1 stays as it is.

Identity: the national file never carries a sealed sender's identity, whoever exports it. The
law keeps a denouncer's identity with the body resolving the denunciation (Luật Tố cáo Điều 8,
47); the national database is not that body. A sealed letter carries ``identity_sealed: true``,
the number of senders and no sender (the schema refuses a sealed letter with one), and its
summary, forwarder and location cut of the senders' names, numbers and addresses, as the
register shows them to a reader without the identity role. Other senders are exported in full:
the register fields the national database asks for.
"""
from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.accounts.models import Unit
from engine.errors import InvalidInput, NotFound
from engine.working_days import VN_TZ
from petitions.agencies.profiles import agency_for
from petitions.identity.redaction import Redactor
from petitions.persistence.interop_models import PetitionImport
from petitions.register import addresses
from petitions.supervision import letter_register
from petitions.supervision.report_letters import (OUTCOMES, RESOLUTION_STEPS, ROUTE_STEPS,
                                                  TERMINATION_STEPS, Period, _chunks, _scope)

if TYPE_CHECKING:
    from engine.context import EngineContext

FORMAT, VERSION = "vn-petitions.register-export", "1.0"
SCHEMA_PATH = Path(__file__).with_name("schemas") / "register-export-v1.schema.json"


@lru_cache(maxsize=1)
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def schema_bytes() -> bytes:
    return SCHEMA_PATH.read_bytes()


def validate(document: dict) -> None:
    """InvalidInput naming the first place where ``document`` breaks the version 1 schema."""
    from jsonschema import Draft202012Validator
    validator = Draft202012Validator(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    error = next(iter(sorted(validator.iter_errors(document), key=lambda e: list(e.path))), None)
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(gốc)"
        raise InvalidInput(f"Tệp xuất không đúng lược đồ phiên bản {VERSION} tại {where}: "
                           f"{error.message}")


def dump(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def build(ctx: "EngineContext", start: date, end: date, *, unit: str | None = None,
          units: frozenset[str] | None = None) -> dict:
    """The validated export of the letters received from ``start`` to ``end`` (inclusive) in
    ``unit``, or in ``units`` (a reader's), or (both None: the command line) in every unit."""
    if start > end:
        raise InvalidInput("Ngày bắt đầu kỳ sau ngày kết thúc kỳ")
    if units is not None and unit and unit not in units:
        raise NotFound(f"Không tìm thấy đơn vị '{unit}'")
    period = Period("custom", start.year, 1, start, end,
                    f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}")
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        session = uow.session
        if unit and session.scalar(select(Unit.code).where(Unit.code == unit)) is None:
            raise NotFound(f"Không tìm thấy đơn vị '{unit}'")
        letters = sorted((l for l in _scope(session, period, unit, units) if l.new),
                         key=lambda l: (l.received_on, l.petition_id))
        ids = [l.petition_id for l in letters]
        petitions, statuses = letter_register._petitions(session, ids)
        senders = letter_register._senders(session, ids)
        originals = letter_register._summaries(session, ids)
        issued = letter_register._issued(session, ids, period.end_at)
        origins = _origins(session, ids)
        agency = agency_for(session, unit, now) if unit else None
        scope_units = [unit] if unit else sorted(units) if units is not None else \
            sorted(session.scalars(select(Unit.code)))
    items = [_letter(letter, petitions[letter.petition_id], statuses.get(letter.petition_id),
                     senders.get(letter.petition_id, []),
                     originals.get(letter.petition_id), issued.get(letter.petition_id, []),
                     origins.get(letter.petition_id), period) for letter in letters]
    document = {"format": FORMAT, "version": VERSION,
                "generated_at": now.astimezone(VN_TZ).isoformat(timespec="seconds"),
                "period": {"from": start.isoformat(), "to": end.isoformat()},
                "scope": {"units": scope_units},
                "agency": (agency.full_name or None) if agency else None,
                "letters": items}
    validate(document)
    return document


def _origins(session, ids: list[int]) -> dict[int, PetitionImport]:
    found: dict[int, PetitionImport] = {}
    for chunk in _chunks(ids):
        found.update((row.petition_id, row) for row in session.scalars(
            select(PetitionImport).where(PetitionImport.petition_id.in_(chunk))))
    return found


def _letter(letter, petition, status, senders, original, documents, origin, period) -> dict:
    sealed = bool(petition.identity_sealed) or "denunciation" in (petition.petition_type,
                                                                  letter.kind)
    secrets = [v for s in senders for v in (s.name, s.id_number, s.phone, s.address_detail) if v]
    redactor = Redactor(secrets if sealed else [])
    summary = redactor.text(petition.summary) if sealed else (original or petition.summary)
    routed = letter.done(ROUTE_STEPS, period.end_at)
    facts = letter.facts or {}
    return {
        "number": petition.number, "unit_code": petition.unit_code,
        "received_on": petition.received_on.isoformat(), "channel": petition.channel,
        "forwarder": None if petition.forwarder_kind in (None, "none") and not petition.forwarded_by
        else {"kind": petition.forwarder_kind or "body",
              "name": redactor.text(petition.forwarded_by) if petition.forwarded_by else None},
        "registered_type": petition.petition_type, "petition_type": letter.kind,
        "field": petition.field, "summary": summary,
        "location": redactor.text(petition.location) if petition.location else None,
        "signers": petition.signers, "sender_count": len(senders), "anonymous": not senders,
        "identity_sealed": sealed,
        "senders": [] if sealed else [_sender(s) for s in senders],
        "priority_markers": list(petition.priority_markers or []),
        "remote_area": bool(petition.remote_area),
        "classification": {"classified": bool(facts),
                           "within_competence": facts.get("within_competence") if facts else None,
                           "eligible": (not letter.ineligible and not letter.duplicate)
                           if facts else None,
                           "duplicate": letter.duplicate},
        "processing": {"route": ROUTE_STEPS[routed[-1].bpmn_id] if routed else None,
                       "on": routed[-1].completed_at.astimezone(VN_TZ).date().isoformat()
                       if routed else None},
        "outgoing_documents": list(documents),
        "result": _result(letter, status, period),
        "carried_over": {"origin_number": origin.origin_number,
                         "origin_received_on": origin.origin_received_on.isoformat()}
        if origin else None,
    }


def _sender(row) -> dict:
    return {"name": row.name, "id_number": row.id_number, "phone": row.phone,
            "ethnicity": row.ethnicity, "is_representative": bool(row.is_representative),
            "address": addresses.describe(row.province_code, row.ward_code,
                                          row.address_detail) or None}


def _result(letter, status: str | None, period: Period) -> dict:
    """As at the end of the period: resolved (with its outcome), terminated, closed, or open."""
    resolved = letter.done(RESOLUTION_STEPS, period.end_at)
    if resolved:
        return {"status": "resolved",
                "outcome": OUTCOMES.get(letter.outcomes.get(resolved[-1].bpmn_id, ""))}
    if letter.done(TERMINATION_STEPS, period.end_at) or (
            letter.terminated_at and letter.terminated_at < period.end_at):
        return {"status": "terminated", "outcome": None}
    if status == "completed":
        return {"status": "closed", "outcome": None}
    return {"status": "open", "outcome": None}
