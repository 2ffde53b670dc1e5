"""A periodic report (``petitions.supervision.reports.build``) as an Excel workbook (openpyxl): the figures with
their three columns, how each one is computed, and the report's notes.

Laid out as an official document (NĐ 30/2020, issue 16 §6): the agency block with Quốc hiệu and
Tiêu ngữ above the title, the date line and the signature block below the notes, A4 landscape
fitted to the page width with the column header repeated on every page
(``petitions.documents.sheet_layout``).
"""
from __future__ import annotations

import io
from typing import TYPE_CHECKING

from petitions.agencies.profiles import Agency, agency_for
from petitions.documents import sheet_layout

if TYPE_CHECKING:
    from engine.context import EngineContext

TITLE = "BÁO CÁO CÔNG TÁC TIẾP NHẬN, XỬ LÝ ĐƠN VÀ GIẢI QUYẾT VỤ VIỆC"
COLUMNS = ("STT", "Chỉ tiêu", "Tổng số", "Kỳ trước chuyển sang", "Phát sinh trong kỳ",
           "Cách tính")


def agency(ctx: "EngineContext", unit_code: str | None) -> Agency:
    """The agency that issues the report: the report's unit, else the reader's own."""
    with ctx.uow(write=False) as uow:
        return agency_for(uow.session, unit_code, ctx.clock.now())


def to_xlsx(report: dict, agency: Agency | None = None) -> bytes:
    """The report as an Excel workbook: figures, then how each one is computed, then the
    signature block of ``agency`` (a blank block named after the report's unit without it)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    issuer = agency or Agency(code="", full_name=report["unit_label"], short_name="",
                              parent_body="", place_name="", address="", phone="", email="",
                              head_position="", head_name="")
    book = Workbook()
    sheet = book.active
    sheet.title = "Báo cáo"
    bold = Font(bold=True)
    period = report["period"]
    header = sheet_layout.write_header(
        sheet, issuer, f"{TITLE} — {period.label.upper()}",
        f"Đơn vị: {report['unit_label']}. Kỳ báo cáo: từ {period.start:%d/%m/%Y} đến "
        f"{period.end:%d/%m/%Y}; lập lúc {report['generated_at']:%d/%m/%Y %H:%M}", len(COLUMNS))
    for column, title in enumerate(COLUMNS, start=1):
        cell = sheet.cell(header, column, title)
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="EEF1F5")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for section in report["sections"]:
        sheet.append([None, section.title])
        sheet.cell(sheet.max_row, 2).font = bold
        number = 0
        for row in section.rows:
            if row.level == 0:
                number += 1
            label = ("  – " if row.level else "") + row.label
            sheet.append([number if row.level == 0 else None, label, row.total, row.carried,
                          row.new, row.how])
            sheet.cell(sheet.max_row, 6).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.append([])
    sheet.append([None, "Ghi chú"])
    sheet.cell(sheet.max_row, 2).font = bold
    for note in report["notes"]:
        sheet.append([None, note])
    for column, width in zip("ABCDEF", (6, 52, 10, 12, 12, 90)):
        sheet.column_dimensions[column].width = width
    sheet_layout.write_signature(sheet, issuer, sheet.max_row + 1, len(COLUMNS),
                                 report["generated_at"].date())   # already in Vietnam time
    sheet_layout.set_print_layout(sheet, header)
    sheet.freeze_panes = sheet.cell(header + 1, 1)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
