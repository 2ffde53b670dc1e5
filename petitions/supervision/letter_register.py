"""The letter register (sổ tiếp nhận, xử lý đơn) of one period, as an official XLSX (issue 16 §6).

Columns, in the register's order. TT 05/2021/TT-TTCP has every letter recorded on receipt (vào sổ
or the national database) with the date received, the sender's name, address and identity paper,
the content, then its classification (type, field, competence) and how it was processed (thụ lý,
chuyển đơn, hướng dẫn, lưu đơn) with the document that did it and the result; Luật Tiếp công dân
Điều 25.2 lists the same for the reception book; domain-spec §8 holds the fields. The order is
the one of the sổ theo dõi đơn kept with that circular: sequence, when, who, what, how it was
classified, how it was processed, with which document, the result, notes.

Identity: a denunciation's senders are sealed (LTC Điều 8.3, 56.2). The register shows them only
to a reader the law allows (``petitions.identity.rights.may_unseal``) who gives a reason; each
letter so revealed is audited on its instance's chain, as on the petition page. Anyone else gets
the masked row and the summary's redacted copy.

A read model beside the periodic report's (it reads the same letters as they stood at the end of
the period, ``report_letters``); the sheet's official layout is ``petitions.documents.sheet_layout``.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.audit import chain as audit
from engine.audit.chain import PendingEvent
from engine.errors import InvalidInput, NotFound
from engine.persistence.models import ProcessInstance
from engine.running import locks
from engine.working_days import VN_TZ
from petitions.agencies.profiles import agency_for
from petitions.documents import sheet_layout
from petitions.identity import protection, rights
from petitions.identity.redaction import Redactor
from petitions.labels import TYPE_LABELS, VALUE_LABELS, Labels
from petitions.persistence.models import (OutgoingDocument, Petition, PetitionSender,
                                         ProtectedText)
from petitions.register import addresses
from petitions.supervision.report_letters import (OUTCOMES, ROUTE_STEPS, Letter, Period, _chunks,
                                                  _scope)
from petitions.supervision.search import latest_intake_forms

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.context import EngineContext

TITLE = "SỔ TIẾP NHẬN, XỬ LÝ ĐƠN"
COLUMNS = (("STT", 5), ("Ngày nhận đơn", 10), ("Số vào sổ", 12),
           ("Họ và tên người gửi đơn", 18), ("Địa chỉ", 22), ("Số CCCD/CMND", 13),
           ("Số người đứng tên", 7), ("Nguồn đơn", 12), ("Tóm tắt nội dung đơn", 34),
           ("Loại đơn", 10), ("Lĩnh vực", 12), ("Thẩm quyền", 11), ("Hướng xử lý", 11),
           ("Ngày xử lý", 10), ("Số, ký hiệu văn bản", 12), ("Kết quả giải quyết", 13),
           ("Ghi chú", 16))   # widths in characters: 17 columns on one A4 landscape width
SEALED_NAME = "Người tố cáo (đã niêm phong)"
SEALED_NOTE = "Danh tính người tố cáo được giữ bí mật (Luật Tố cáo Điều 8, 47)"
REVEALED_NOTE = "Danh tính người tố cáo: đã xem có lý do, đã ghi nhật ký"
OUTCOME_LABELS = {"correct": "Đúng", "partly": "Đúng một phần", "wrong": "Sai"}
# How a letter was processed, by the route of ``report_letters.ROUTE_STEPS``.
ROUTE_LABELS = {**VALUE_LABELS["route"], "refuse": "Không thụ lý",
                "inspection": "Thông tin thanh tra", "party": "Chuyển tổ chức đảng"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class RegisterRow:
    number: int
    received_on: str
    petition_number: str
    names: str
    addresses: str
    id_numbers: str
    signers: int
    source: str
    summary: str
    kind: str
    field: str
    competence: str
    route: str
    routed_on: str
    documents: str
    result: str
    note: str

    def cells(self) -> list:
        return [self.number, self.received_on, self.petition_number, self.names, self.addresses,
                self.id_numbers, self.signers, self.source, self.summary, self.kind, self.field,
                self.competence, self.route, self.routed_on, self.documents, self.result,
                self.note]


def build(ctx: "EngineContext", period: Period, actor: "Actor", *, unit_code: str | None = None,
          reason: str | None = None) -> dict:
    """The letters received in ``period`` in the actor's units (or ``unit_code``, one of them).
    With ``reason``, sealed identities the actor may read are shown, each audited."""
    if unit_code and unit_code not in actor.units:
        raise NotFound(f"Không tìm thấy đơn vị '{unit_code}'")
    if reason is not None and len(reason.strip()) < 5:
        raise InvalidInput("Phải nêu lý do xem danh tính (ít nhất 5 ký tự)")
    now = ctx.clock.now()
    with ctx.uow(write=reason is not None) as uow:
        session = uow.session
        letters = sorted((l for l in _scope(session, period, unit_code, actor.units) if l.new),
                         key=lambda l: (l.received_on, l.petition_id))
        petitions, statuses = _petitions(session, [l.petition_id for l in letters])
        senders = _senders(session, list(petitions))
        originals = _summaries(session, list(petitions))
        issued = _issued(session, list(petitions), period.end)
        labels = Labels(latest_intake_forms(session))
        rows, revealed = [], []
        for index, letter in enumerate(letters, start=1):
            petition = petitions[letter.petition_id]
            sealed = petition.identity_sealed or "denunciation" in (petition.petition_type,
                                                                    letter.kind)
            show = not sealed or (reason is not None and petition.instance_id is not None
                                  and rights.may_unseal(session, actor, petition, now))
            if sealed and show:
                revealed.append(petition)
            summary = petition.summary if sealed and not show else \
                originals.get(petition.id, petition.summary)
            rows.append(_row(index, letter, petition, statuses.get(petition.id), summary,
                             senders.get(petition.id, []), labels, period.end_at,
                             sealed=sealed, show=show, documents=issued.get(petition.id, [])))
        if revealed:
            _audit_reveals(uow, revealed, actor, reason or "", now)
        agency = agency_for(session, unit_code or actor.unit, now)
        if reason is not None:
            uow.commit()
    return {"period": period, "agency": agency, "rows": rows, "revealed": len(revealed),
            "generated_on": now.astimezone(VN_TZ).date()}


def _petitions(session, ids: list[int]) -> tuple[dict[int, Petition], dict[int, str]]:
    petitions, statuses = {}, {}
    for chunk in _chunks(ids):
        for petition, status in session.execute(
                select(Petition, ProcessInstance.status)
                .outerjoin(ProcessInstance, ProcessInstance.id == Petition.instance_id)
                .where(Petition.id.in_(chunk))):
            petitions[petition.id] = petition
            statuses[petition.id] = status
    return petitions, statuses


def _senders(session, ids: list[int]) -> dict[int, list[PetitionSender]]:
    found: dict[int, list[PetitionSender]] = {}
    for chunk in _chunks(ids):
        for sender in session.scalars(select(PetitionSender).where(
                PetitionSender.petition_id.in_(chunk)).order_by(PetitionSender.petition_id,
                                                                PetitionSender.position)):
            found.setdefault(sender.petition_id, []).append(sender)
    return found


def _summaries(session, ids: list[int]) -> dict[int, str]:
    """The summaries as written (the register row holds the copy with identities cut out)."""
    found: dict[int, str] = {}
    for chunk in _chunks(ids):
        found.update(session.execute(select(ProtectedText.petition_id, ProtectedText.original)
                                     .where(ProtectedText.petition_id.in_(chunk),
                                            ProtectedText.kind == "summary")).all())
    return found


def _issued(session, ids: list[int], until) -> dict[int, list[str]]:
    """The numbers the outgoing register gave each letter's documents by the period's end
    ("Số, ký hiệu văn bản": the transfer slip, the notices, the decision)."""
    found: dict[int, list[str]] = {}
    for chunk in _chunks(ids):
        for petition_id, number in session.execute(
                select(OutgoingDocument.petition_id, OutgoingDocument.number)
                .where(OutgoingDocument.petition_id.in_(chunk), OutgoingDocument.issued_on <= until)
                .order_by(OutgoingDocument.petition_id, OutgoingDocument.year,
                          OutgoingDocument.seq)):
            found.setdefault(petition_id, []).append(number)
    return found


def _row(index: int, letter: Letter, petition: Petition, status: str | None, summary: str,
         senders: list[PetitionSender], labels: Labels, before: datetime, *, sealed: bool,
         show: bool, documents: list[str] = ()) -> RegisterRow:
    hidden = sealed and not show
    secrets = [v for s in senders for v in (s.name, s.id_number, s.phone, s.address_detail) if v]
    redactor = Redactor(secrets if hidden else [])
    if hidden:   # the stored copy is already cut; cut again for rows older than that rule
        names, places, papers = SEALED_NAME, "—", "—"
        summary = redactor.text(summary)
    else:
        names = "; ".join(s.name for s in senders) or "Không rõ (đơn nặc danh)"
        places = "; ".join(addresses.describe(s.province_code, s.ward_code, s.address_detail)
                           for s in senders) or "—"
        papers = "; ".join(s.id_number for s in senders if s.id_number) or "—"
    source = labels.choice("channel", petition.channel)
    if petition.forwarded_by:
        source += f" ({redactor.text(petition.forwarded_by)})"
    routed = letter.done(ROUTE_STEPS, before)   # as the letter stood at the end of the period
    route = ROUTE_STEPS[routed[-1].bpmn_id] if routed else None
    facts = letter.facts or {}
    competence = {True: "Thuộc thẩm quyền", False: "Không thuộc thẩm quyền"}.get(
        facts.get("within_competence"), "Chưa phân loại")
    return RegisterRow(
        number=index, received_on=petition.received_on.strftime("%d/%m/%Y"),
        petition_number=petition.number, names=names, addresses=places, id_numbers=papers,
        signers=petition.signers, source=source, summary=summary,
        kind=TYPE_LABELS.get(letter.kind, letter.kind), field=labels.choice("field", petition.field),
        competence=competence,
        route=ROUTE_LABELS.get(route, route) if route else "Chưa xử lý",
        routed_on=routed[-1].completed_at.astimezone(VN_TZ).strftime("%d/%m/%Y") if routed else "",
        documents="; ".join(documents), result=_result(letter, status),
        note=SEALED_NOTE if hidden else REVEALED_NOTE if sealed else "")


def _result(letter: Letter, status: str | None) -> str:
    outcomes = [OUTCOMES.get(value) for value in letter.outcomes.values()]
    if outcomes and outcomes[-1] in OUTCOME_LABELS:
        return f"{TYPE_LABELS.get(letter.kind, 'Đơn')} {OUTCOME_LABELS[outcomes[-1]].lower()}"
    if letter.terminated_at is not None or status == "terminated":
        return "Đình chỉ, chấm dứt giải quyết"
    if status == "completed":
        return "Đã xử lý xong"
    return "Đang xử lý"


def _audit_reveals(uow, petitions: list[Petition], actor: "Actor", reason: str, now) -> None:
    """One ``identity_unsealed`` event per letter shown, on its instance's chain (as the page)."""
    for petition in sorted(petitions, key=lambda p: p.instance_id):
        shown, ref = protection.protect(uow.session, petition.id, "reason", reason.strip(),
                                        protection.matcher_for(uow.session, petition.id), now,
                                        ref="identity_read")
        instance = locks.lock_instance(uow, petition.instance_id)
        audit.append_instance_events(uow.session, instance, [PendingEvent(
            "identity_unsealed", actor.username, {
                "petition_id": petition.id, "source": "letter_register",
                "reason": {protection.PROTECTED: ref} if ref else shown})], now)


def to_xlsx(register: dict) -> bytes:
    """The register as an Excel workbook laid out for printing (A4 landscape, signed)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    book = Workbook()
    sheet = book.active
    sheet.title = "Sổ tiếp nhận, xử lý đơn"
    period = register["period"]
    header = sheet_layout.write_header(
        sheet, register["agency"], TITLE,
        f"{period.label} (từ ngày {period.start:%d/%m/%Y} đến ngày {period.end:%d/%m/%Y})",
        len(COLUMNS))
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    for column, (title, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(header, column, title)
        cell.font, cell.border = Font(bold=True), box
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[cell.column_letter].width = width
    for column in range(1, len(COLUMNS) + 1):   # the column numbers, as printed registers do
        cell = sheet.cell(header + 1, column, f"({column})")
        cell.alignment, cell.border = Alignment(horizontal="center"), box
    widths = [width for _title, width in COLUMNS]
    sheet.row_dimensions[header].height = 45
    for row in register["rows"]:
        sheet.append(row.cells())
        for cell in sheet[sheet.max_row]:
            cell.alignment, cell.border = wrap, box
        sheet_layout.fit_row_height(sheet, sheet.max_row, widths)
    last = sheet.max_row
    sheet_layout.write_signature(sheet, register["agency"], last + 1, len(COLUMNS),
                                 register["generated_on"])
    sheet_layout.set_print_layout(sheet, header)
    sheet.freeze_panes = sheet.cell(header + 2, 1)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
