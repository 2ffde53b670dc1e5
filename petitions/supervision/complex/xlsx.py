"""The ad-hoc report on complex cases (``complex_queries.adhoc_report``) as an XLSX sheet, under
the agency header of NĐ 30/2020 and above its signature block, A4 landscape
(``petitions.documents.sheet_layout``). Built from the same rows as the page: the summaries are
the register's copies with identities cut out."""
from __future__ import annotations

import io
from typing import TYPE_CHECKING

from petitions.agencies.profiles import agency_for
from petitions.documents.sheet_layout import set_print_layout, write_header, write_signature

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.context import EngineContext

TITLE = "BÁO CÁO VỤ VIỆC KHIẾU NẠI, TỐ CÁO PHỨC TẠP, KÉO DÀI, TỒN ĐỌNG"
COLUMNS = ["STT", "Số đơn", "Loại, đơn vị", "Nội dung vụ việc", "Dấu hiệu", "Chủ trì, tổ công tác",
           "Lộ trình (mốc, hạn, tình trạng)", "Mốc đến hạn trong quý", "Hoàn thành trong quý",
           "Quá hạn", "Trạng thái", "Báo cáo quý"]
WIDTHS = [6, 14, 18, 40, 18, 24, 44, 10, 10, 8, 18, 40]
TOTALS = [("entries", "Số vụ việc trong sổ theo dõi"), ("open", "Đang theo dõi, giải quyết"),
          ("resolved", "Đã giải quyết dứt điểm"), ("removed", "Đưa ra khỏi danh sách"),
          ("with_overdue", "Vụ việc có mốc quá hạn"),
          ("due_in_quarter", "Mốc đến hạn trong quý"), ("done_in_quarter", "Mốc hoàn thành trong quý"),
          ("overdue", "Mốc quá hạn (chưa hoàn thành)"), ("reported", "Vụ việc đã có báo cáo quý")]


def cells(index: int, e: dict) -> list:
    roadmap = "\n".join(f"{m['due_on']:%d/%m/%Y} — {m['title']} ({m['status_label']}"
                        + (", quá hạn" if m["overdue"] else "") + ")" for m in e["milestones"])
    people = ", ".join([e["owner_name"] or "—"] + [m["name"] for m in e["working_group"]])
    report = e.get("quarter_report")
    return [index, e["number"], f"{e['type_label']}, {e['unit_name']}", e["summary"],
            e["marker_labels"], people, roadmap, e["quarter"]["due_in_quarter"],
            e["quarter"]["done_in_quarter"], e["quarter"]["overdue"], e["status_label"],
            report["text"] if report else "Chưa lập"]


def to_xlsx(ctx: "EngineContext", actor: "Actor", report: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    with ctx.uow(write=False) as uow:
        agency = agency_for(uow.session, actor.unit, ctx.clock.now())
    book = Workbook()
    sheet = book.active
    sheet.title = "Vu viec phuc tap"
    subtitle = (f"Quý {report['quarter']} năm {report['year']} (từ {report['start']:%d/%m/%Y} "
                f"đến {report['end']:%d/%m/%Y}); lập ngày {report['generated_on']:%d/%m/%Y}")
    header = write_header(sheet, agency, TITLE, subtitle, len(COLUMNS))
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    for column, (title, width) in enumerate(zip(COLUMNS, WIDTHS), start=1):
        cell = sheet.cell(header, column, title)
        cell.font, cell.border = Font(bold=True), border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[cell.column_letter].width = width
    row = header
    for index, entry in enumerate(report["entries"], start=1):
        row += 1
        for column, value in enumerate(cells(index, entry), start=1):
            cell = sheet.cell(row, column, value)
            cell.border, cell.alignment = border, wrap
    row += 2
    sheet.cell(row, 2, "Tổng hợp").font = Font(bold=True)
    for key, label in TOTALS:
        row += 1
        sheet.cell(row, 2, label)
        sheet.cell(row, 4, report["totals"][key])
    write_signature(sheet, agency, row + 1, len(COLUMNS), report["generated_on"])
    set_print_layout(sheet, header)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
