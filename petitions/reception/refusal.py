"""The notice refusing reception (LTCD Điều 9) as a document: the legal documents' template
``VB-TU-CHOI-TIEP`` (administrators may upload new versions like any form), filled from the
refused visit with the NĐ 30/2020 header and signature block of the unit's agency profile.

The number is left for the clerk ("…/TB-UBND"): the outgoing register numbers documents issued at
a letter's step, and a refused visit has no letter. A sealed visit's citizens stay masked here as
on every reception page (book.citizen_dict).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from engine.errors import NotFound
from petitions.agencies.profiles import agency_for
from petitions.documents import catalogue, filling, rendering, templates
from petitions.persistence.reception_models import ReceptionSession
from petitions.reception import book_queries
from petitions.reception.book import REFUSAL_GROUNDS

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.context import EngineContext

CODE = "VB-TU-CHOI-TIEP"


def refusal_notice(ctx: "EngineContext", actor: "Actor", visit_id: int) -> tuple[bytes, str]:
    """``(docx bytes, file name)`` of a refused visit's notice; NotFound for any other visit."""
    visit = book_queries.get(ctx, actor, visit_id)
    if visit["outcome"] != "refused":
        raise NotFound("Lượt tiếp này không bị từ chối tiếp")
    form = catalogue.get(CODE)
    with ctx.uow(write=False) as uow:
        agency = agency_for(uow.session, visit["unit_code"], ctx.clock.now())
        held = uow.session.get(ReceptionSession, visit["session_id"]) if visit["session_id"] \
            else None
        _version, content = templates.current(uow.session, CODE)
    person = visit["citizens"][0] if visit["citizens"] else {}
    values = {
        "agency": agency.as_dict(), "signer": filling.signer(agency),
        "number": filling.document_number(None, form.symbol, agency),
        "date_line": filling.date_line(agency.place_name, visit["visited_on"]),
        "today": visit["visited_on"].strftime("%d/%m/%Y"),
        "form": {"code": form.code, "title": form.title, "legal_basis": form.legal_basis},
        "petition": {}, "recipients": [],
        "sender": {"name": person.get("name") or "", "address": person.get("address") or "",
                   "id_number": "", "phone": ""},
        "data": {"visited_on": visit["visited_on"].strftime("%d/%m/%Y"),
                 "place": held.place if held is not None else agency.address,
                 "content": visit["content"],
                 "ground": REFUSAL_GROUNDS[visit["refusal_ground"]]},
    }
    name = f"thong-bao-tu-choi-tiep-{visit['year']}-{visit['seq']:03d}.docx"
    return rendering.render(content, values), name
