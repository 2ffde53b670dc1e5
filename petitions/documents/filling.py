"""What a form is filled with: the agency, the case, the senders as the reader may see them, the
step's values, the number and the NĐ 30/2020 date line.

Identity (LTC Điều 8, 47–48): a sender's name, ID number, address and phone enter a document only
for a reader allowed to see them (any officer of the unit for a letter that is not sealed; for a
sealed denunciation, the readers ``petitions.identity.rights`` names). A form read by people who
may not know the denouncer (``Form.to_accused``: the notice to the accused, the conclusion) never
carries them, whoever generates it; and in such a form, or whenever the identity is hidden, every
free text (the summary, what officers typed) has the senders' strings cut out by the same matcher
that protects pages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Mapping

from sqlalchemy import select

from petitions.agencies.profiles import Agency, agency_for
from petitions.documents.catalogue import Form
from petitions.identity.matching import REDACTED
from petitions.identity.redaction import Redactor
from petitions.labels import Labels
from petitions.persistence.models import Petition, PetitionSender
from petitions.register import addresses

PREVIEW_NUMBER = "…"
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def date_line(place: str, day: date) -> str:
    """"An Phú, ngày 05 tháng 3 năm 2026": NĐ 30/2020 (Phụ lục I) writes a leading zero for days
    below 10 and for months 1 and 2, and none for the other months."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    text = f"ngày {day.day:02d} tháng {month} năm {day.year}"
    return f"{place}, {text}" if place else text


def document_number(seq: int | None, symbol: str, agency: Agency) -> str:
    """"01/TB-UBND": numbers below 10 with a leading zero (NĐ 30/2020); "…/TB-UBND" for a preview."""
    short = agency.short_name or "UBND"
    kind = f"{symbol}-{short}" if symbol else short
    return f"{PREVIEW_NUMBER if seq is None else f'{seq:02d}'}/{kind}"


def signer(agency: Agency) -> dict:
    """The signature block: "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH" while an acting head signs."""
    position = (agency.head_position or "Thủ trưởng cơ quan").upper()
    if agency.acting:
        return {"prefix": f"KT. {position}", "position": f"PHÓ {position}",
                "name": agency.acting_name}
    return {"prefix": "", "position": position, "name": agency.head_name}


def sender_secrets(session, petition_id: int) -> list[str]:
    rows = session.execute(select(PetitionSender.name, PetitionSender.id_number,
                                  PetitionSender.phone, PetitionSender.address_detail)
                           .where(PetitionSender.petition_id == petition_id)).all()
    return [value for row in rows for value in row if value]


def _senders(session, petition_id: int) -> list[PetitionSender]:
    return list(session.scalars(select(PetitionSender).where(
        PetitionSender.petition_id == petition_id).order_by(PetitionSender.position)))


@dataclass(frozen=True)
class Filling:
    """One rendering's inputs, decided by the caller (who may see what, which number)."""

    form: Form
    petition: Petition
    reveal_identity: bool
    day: date
    seq: int | None = None          # the outgoing number; None for a preview


def _shown(value: Any, redactor: Redactor | None, choices: Mapping[str, str]) -> Any:
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, list):
        return "; ".join(str(_shown(v, redactor, choices)) for v in value)
    if isinstance(value, str):
        if _ISO_DAY.match(value):
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        if value in choices:
            return choices[value]
        return redactor.text(value) if redactor is not None else value
    if isinstance(value, (int, float)):
        return value
    return ""  # nested structures are not printed


def choice_labels(forms: Mapping[str, Any] | None) -> dict[str, str]:
    """Enum values of a definition's forms -> their labels, so a document prints words."""
    labels: dict[str, str] = {}
    for spec in (forms or {}).values():
        for field in (spec or {}).get("fields", []):
            for choice in field.get("choices") or []:
                labels.setdefault(choice["value"], choice["label"])
    return labels


def context(session, filling: Filling, data: Mapping[str, Any], *,
            forms: Mapping[str, Any] | None = None, at: datetime | None = None) -> dict:
    """The values a template may name (``rendering.KNOWN``), ready to print; ``forms`` are the
    declared forms of the case's processes (labels of choices and of the register's values)."""
    petition, form = filling.petition, filling.form
    agency = agency_for(session, petition.unit_code, at)
    hide = form.to_accused or not filling.reveal_identity
    secrets = sender_secrets(session, petition.id)
    redactor = Redactor(secrets) if hide and secrets else None
    rows = _senders(session, petition.id)
    first = next((row for row in rows if row.is_representative), rows[0] if rows else None)
    if form.to_accused or first is None:
        sender = {"name": "", "id_number": "", "address": "", "phone": ""}
    elif hide:
        sender = {"name": REDACTED, "id_number": REDACTED, "address": REDACTED, "phone": REDACTED}
    else:
        sender = {"name": first.name or "", "id_number": first.id_number or "",
                  "phone": first.phone or "",
                  "address": addresses.describe(first.province_code, first.ward_code,
                                                first.address_detail)}
    labels = Labels(dict(forms or {}))
    choices = choice_labels(forms)
    values = {str(key): _shown(value, redactor, choices) for key, value in data.items()
              if isinstance(key, str) and not key.startswith(("sender_", "sealed", "identity",
                                                               "representatives"))}
    summary = petition.summary or ""
    return {
        "agency": {"full_name": agency.full_name, "short_name": agency.short_name,
                   "parent_body": agency.parent_body, "place_name": agency.place_name,
                   "address": agency.address, "phone": agency.phone, "email": agency.email},
        "signer": signer(agency),
        "number": document_number(filling.seq, form.symbol, agency),
        "date_line": date_line(agency.place_name, filling.day),
        "today": filling.day.strftime("%d/%m/%Y"),
        "form": {"code": form.code, "title": form.title, "legal_basis": form.legal_basis},
        "petition": {
            "number": petition.number, "tracking_code": petition.tracking_code,
            "received_on": petition.received_on.strftime("%d/%m/%Y"),
            "type": labels.choice("petition_type", petition.petition_type),
            "field": labels.choice("field", petition.field),
            "summary": redactor.text(summary) if redactor else summary,
            "location": (redactor.text(petition.location or "") if redactor
                         else petition.location or ""),
            "signers": petition.signers},
        "sender": sender,
        "recipients": [],
        "data": values,
    }

