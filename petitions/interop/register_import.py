"""Carrying over an office's register (XLSX/CSV) into this system (issue 20 §7).

An office that starts with this system brings its open and recent letters from the register it
kept in a spreadsheet. The columns are mapped by ``petitions.interop.columns``; each row is
checked as the desk checks a letter (``registration.validate``) and gets a Vietnamese reason when
refused.

- **A dry run first.** ``dry_run=True`` is the default (and the command line's): every row is
  read and checked, rows already imported are found, and nothing is written. A real run is asked
  for explicitly (``--apply``).
- **One unit of work per row.** Each letter is registered in its own transaction, so a row that
  fails (even late, when its first step refuses the data) changes nothing and the others stand.
- **As at the desk.** A row becomes a letter through the desk's own functions
  (``registration.store_letter``): numbered in this system, senders in ``petition_senders``,
  identities cut out of the shown texts, a denunciation's senders sealed. Its intake starts and
  its first step, ``Task_register``, is completed with the register fields, so the letter waits
  at classification (``Task_classify``) in the unit's queue: the old register says how the
  office handled it, not the facts this system's classification records, so it is classified
  again here; its legal deadlines run from the date it was received, as for any letter. No
  tracking PIN is issued (the citizen was never given one); the desk can issue one later.
- **Idempotent.** The office's number and date within the unit identify a row
  (``PetitionImport``): a row met again is skipped and reported, never registered twice.
- **Carried over.** The periodic reports count these letters in the "kỳ trước chuyển sang"
  column (``petitions.supervision.reports``).

The report names rows by their number, the office's number and date: never a sender, so the
refused rows' file keeps no identity.
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine.accounts.actor import Actor
from engine.accounts.models import Unit
from engine.audit import chain as audit
from engine.audit.chain import PendingEvent
from engine.errors import EngineError, FormInvalid, InvalidInput
from engine.persistence.models import HumanTask, ProcessDefinition
from engine.work.human_tasks import complete_in
from engine.working_days import VN_TZ
from petitions.interop import columns
from petitions.persistence.interop_models import PetitionImport
from petitions.register import registration
from petitions.register.registration import INTAKE_KEY, REGISTER_TASK

if TYPE_CHECKING:
    from engine.context import EngineContext

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
HEADER_SEARCH = 30          # title blocks above the table: the header is within the first rows
CHAIN = "register_import"   # one line per real run on this global audit chain
STATUS_LABELS = {"registered": "Đã vào sổ", "would_register": "Sẽ vào sổ (chạy thử)",
                 "skipped": "Bỏ qua (đã nhập trước đây)", "refused": "Từ chối"}


@dataclass
class RowResult:
    row: int
    origin_number: str
    received_on: date | None
    status: str                      # registered | would_register | skipped | refused
    reason: str = ""
    number: str | None = None        # the number this system gave (or had given) the letter

    def as_dict(self) -> dict:
        return {"row": self.row, "origin_number": self.origin_number,
                "received_on": self.received_on.isoformat() if self.received_on else None,
                "status": self.status, "reason": self.reason, "number": self.number}


@dataclass
class ImportReport:
    source_name: str
    unit: str
    dry_run: bool
    rows: list[RowResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def refused(self) -> list[RowResult]:
        return [r for r in self.rows if r.status == "refused"]

    def as_dict(self) -> dict:
        return {"file": self.source_name, "unit": self.unit, "dry_run": self.dry_run,
                "rows": len(self.rows), **{s: self.count(s) for s in STATUS_LABELS},
                "details": [r.as_dict() for r in self.rows if r.status in ("refused", "skipped")]}


# ---- reading the file ---------------------------------------------------------------------------
def read_table(name: str, data: bytes) -> list[tuple[int, dict]]:
    """The data rows of an XLSX or CSV register: ``(row number in the file, field -> value)``.
    Title rows above the header, the "(1) (2) …" row under it and blank rows are skipped."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"Tệp lớn quá {MAX_BYTES // (1024 * 1024)} MB")
    suffix = os.path.splitext(name)[1].lower()
    if suffix == ".xlsx":
        tables = [_xlsx_rows(data)]
    elif suffix == ".csv":   # comma, semicolon (Excel in a Vietnamese locale) or tab
        content = _csv_text(data)
        tables = [_csv_rows(content, delimiter) for delimiter in (",", ";", "\t")]
    else:
        raise InvalidInput("Chỉ nhận tệp .xlsx hoặc .csv")
    found = next((found for found in map(_header, tables) if found), None)
    if found is None:
        needed = ", ".join(columns.COLUMNS[f][0] for f in columns.REQUIRED)
        raise InvalidInput(f"Không tìm thấy dòng tiêu đề có đủ các cột: {needed}")
    table, header_at, mapping = found
    rows = []
    for number, cells in table:
        if number <= header_at:
            continue
        values = {f: cells[i] if i < len(cells) else None for f, i in mapping.items()}
        shown = [columns.text(v) for v in values.values()]
        if not any(shown) or all(v.startswith("(") and v.endswith(")") for v in shown if v):
            continue
        rows.append((number, values))
    if len(rows) > MAX_ROWS:
        raise InvalidInput(f"Tệp có {len(rows)} dòng, quá {MAX_ROWS} dòng một lần nhập")
    return rows


def _xlsx_rows(data: bytes) -> list[tuple[int, list]]:
    from openpyxl import load_workbook
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:   # zip, XML or openpyxl's own: the file is not a workbook
        raise InvalidInput("Không đọc được tệp Excel (.xlsx)") from None
    try:
        sheet = book.worksheets[0]
        return [(n, list(cells)) for n, cells in enumerate(sheet.iter_rows(values_only=True), 1)]
    finally:
        book.close()


def _csv_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1258"):   # Excel's "CSV UTF-8", or the Vietnamese code page
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput("Không đọc được tệp CSV: cần mã UTF-8")


def _csv_rows(content: str, delimiter: str) -> list[tuple[int, list]]:
    try:
        return [(n, row) for n, row in enumerate(
            csv.reader(io.StringIO(content, newline=""), delimiter=delimiter), 1)]
    except csv.Error:
        raise InvalidInput("Không đọc được tệp CSV (dấu ngoặc kép không khớp)") from None


def _header(table: list[tuple[int, list]]) -> tuple[list, int, dict[str, int]] | None:
    """The header row: the first of the first rows that names every required column."""
    for number, cells in table[:HEADER_SEARCH]:
        mapping = columns.header_map(cells)
        if all(f in mapping for f in columns.REQUIRED):
            return table, number, mapping
    return None


# ---- checking and registering -------------------------------------------------------------------
def import_register(ctx: "EngineContext", name: str, data: bytes, *, unit: str, user: str,
                    dry_run: bool = True) -> ImportReport:
    """Check every row; unless ``dry_run``, register each good row in its own transaction."""
    table = read_table(name, data)
    source = os.path.basename(name)[:255]
    report = ImportReport(source, unit, dry_run)
    today = ctx.clock.now().astimezone(VN_TZ).date()
    with ctx.uow(write=False) as uow:
        if uow.session.scalar(select(Unit.code).where(Unit.code == unit)) is None:
            raise InvalidInput(f"Không tìm thấy đơn vị '{unit}'")
        if not dry_run and uow.session.scalar(select(ProcessDefinition.id).where(
                ProcessDefinition.process_key == INTAKE_KEY).limit(1)) is None:
            raise InvalidInput(f"Quy trình {INTAKE_KEY} chưa được triển khai: chạy "
                               "'petitions deploy processes' trước")
        done = {(r.origin_number, r.origin_received_on): r.petition_id for r in uow.session.scalars(
            select(PetitionImport).where(PetitionImport.unit_code == unit))}
        numbers = _numbers(uow.session, list(done.values()))
    seen: dict[tuple[str, date], int] = {}
    pending = []
    for row_number, cells in table:
        parsed = columns.parse(row_number, cells, unit)
        result = RowResult(row_number, parsed.origin_number, parsed.received_on, "refused")
        report.rows.append(result)
        if parsed.registration is not None:
            try:
                registration.validate(parsed.registration, today)
            except FormInvalid as err:
                parsed.reasons.extend(dict.fromkeys(err.errors.values()))
        key = (parsed.origin_number, parsed.received_on)
        if parsed.reasons:
            result.reason = "; ".join(parsed.reasons)
        elif key in done:
            result.status, result.number = "skipped", numbers.get(done[key])
            result.reason = "Đã nhập trước đây (cùng số vào sổ, ngày nhận, đơn vị)"
        elif key in seen:
            result.reason = f"Trùng số vào sổ và ngày nhận với dòng {seen[key]} của tệp"
        else:
            seen[key] = row_number
            result.status = "would_register"
            pending.append((result, parsed))
    if dry_run:
        return report
    actor = Actor(user, frozenset({"reception_officer"}), unit=unit)
    digest = hashlib.sha256(data).hexdigest()
    for result, parsed in pending:
        _register_row(ctx, actor, parsed, result, source, digest)
    _audit_run(ctx, report, actor, digest)
    return report


def _numbers(session, petition_ids: list[int]) -> dict[int, str]:
    from petitions.persistence.models import Petition
    found: dict[int, str] = {}
    for i in range(0, len(petition_ids), 500):
        found.update(session.execute(select(Petition.id, Petition.number).where(
            Petition.id.in_(petition_ids[i:i + 500]))).all())
    return found


def _register_row(ctx: "EngineContext", actor: Actor, parsed: columns.ParsedRow,
                  result: RowResult, source: str, digest: str) -> None:
    """One letter, one transaction: a failure leaves nothing of this row and touches no other."""
    reg = parsed.registration
    try:
        with ctx.uow() as uow:
            session = uow.session
            now = ctx.clock.now()
            petition, instance, shown_summary = registration.store_letter(
                ctx, uow, reg, unit=actor.unit, created_by=actor.username)
            task_id = session.scalar(select(HumanTask.id).where(
                HumanTask.instance_id == instance.id, HumanTask.bpmn_id == REGISTER_TASK,
                HumanTask.status == "ready"))
            if task_id is None:
                raise InvalidInput(f"Quy trình {INTAKE_KEY} không bắt đầu bằng bước {REGISTER_TASK}")
            representatives = [s for s in reg.senders if s.is_representative]
            form = {**registration._register_form(reg, representatives),
                    "summary": shown_summary, "forwarded_by": petition.forwarded_by or ""}
            complete_in(ctx, uow, task_id, actor, form)
            registration.record_registered(session, petition, instance, reg, actor.username,
                                           ctx.clock.now())
            audit.append_instance_events(session, instance, [PendingEvent(
                "petition_imported", actor.username, {
                    "petition_id": petition.id, "file": source, "sha256": digest,
                    "row": result.row, "origin_number": result.origin_number,
                    "origin_received_on": result.received_on.isoformat()})], ctx.clock.now())
            session.add(PetitionImport(
                petition_id=petition.id, unit_code=actor.unit,
                origin_number=result.origin_number, origin_received_on=result.received_on,
                source_name=source, source_sha256=digest, source_row=result.row,
                imported_by=actor.username, imported_at=now))
            session.flush()
            uow.commit()
            result.status, result.number = "registered", petition.number
    except IntegrityError:   # imported meanwhile by another run: the unique origin key holds
        result.status, result.reason = "skipped", "Đã nhập trước đây (cùng số vào sổ, ngày " \
                                                  "nhận, đơn vị)"
    except FormInvalid as err:
        result.status, result.reason = "refused", "; ".join(dict.fromkeys(err.errors.values()))
    except EngineError as err:
        result.status, result.reason = "refused", err.message


def _audit_run(ctx: "EngineContext", report: ImportReport, actor: Actor, digest: str) -> None:
    with ctx.uow() as uow:
        audit.append_chain_event(uow.session, CHAIN, PendingEvent(
            "register_imported", actor.username, {
                "unit": report.unit, "file": report.source_name, "sha256": digest,
                "rows": len(report.rows), "registered": report.count("registered"),
                "skipped": report.count("skipped"), "refused": report.count("refused")}),
            ctx.clock.now(), lock=uow.dialect == "postgresql")
        uow.commit()


# ---- the refused rows as a file -----------------------------------------------------------------
REPORT_HEADERS = ("Dòng trong tệp", "Số vào sổ", "Ngày nhận đơn", "Kết quả", "Lý do")


def report_rows(report: ImportReport) -> list[list]:
    """The rows not registered (refused, then skipped): no sender, no content."""
    rows = [r for r in report.rows if r.status == "refused"] + \
        [r for r in report.rows if r.status == "skipped"]
    return [[r.row, _inert(r.origin_number),
             r.received_on.strftime("%d/%m/%Y") if r.received_on else "",
             STATUS_LABELS[r.status], _inert(r.reason)] for r in rows]


def _inert(value: str) -> str:
    """A value from the file never becomes a formula in the report (spreadsheet injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def report_file(report: ImportReport, name: str) -> bytes:
    """The refused and skipped rows as ``.xlsx`` or ``.csv`` (by ``name``)."""
    rows = [list(REPORT_HEADERS)] + report_rows(report)
    if name.lower().endswith(".csv"):
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        return buffer.getvalue().encode("utf-8-sig")
    if not name.lower().endswith(".xlsx"):
        raise InvalidInput("Tệp báo cáo phải là .xlsx hoặc .csv")
    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    sheet.title = "Dòng không vào sổ"
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
