"""The reception book as an XLSX sheet: the columns in the order LTCD Điều 25.2 lists them (số
thứ tự, ngày tiếp, họ tên, địa chỉ, số giấy tờ tùy thân, nội dung, quá trình giải quyết, yêu cầu,
việc tiếp nhận và xử lý), then the kind of reception and the number of people, under the agency
header of NĐ 30/2020 and above its signature block, printed A4 landscape
(``petitions/documents/sheet_layout.py``, shared with the letter register). Sealed citizens are
masked exactly as on the page: the sheet is built from the same rows."""
from __future__ import annotations

import io
from datetime import date
from typing import TYPE_CHECKING

from petitions.agencies.profiles import agency_for
from petitions.documents.sheet_layout import set_print_layout, write_header, write_signature

if TYPE_CHECKING:
    from engine.context import EngineContext

COLUMNS = ["STT", "Ngày tiếp", "Họ và tên", "Địa chỉ", "Số CCCD/CMND", "Nội dung vụ việc",
           "Quá trình giải quyết", "Yêu cầu của công dân", "Tiếp nhận và xử lý",
           "Hình thức tiếp, người tiếp", "Số người (đại diện)"]
WIDTHS = [6, 12, 24, 30, 16, 40, 28, 28, 32, 22, 12]


def cells(row: dict) -> list:
    people = row["citizens"]
    return [row["seq"], row["visited_on"].strftime("%d/%m/%Y"),
            "\n".join(p["name"] for p in people),
            "\n".join(p["address"] or "" for p in people),
            "\n".join(p["id_number"] or "" for p in people),
            row["content"], row["prior_handling"], row["request"], row["outcome_label"],
            f"{row['kind_label']}" + (f", {row['leader_name']}" if row["leader_name"] else ""),
            f"{row['people']} ({row['representatives']})" if row["representatives"]
            else row["people"]]


def to_xlsx(ctx: "EngineContext", unit_code: str, rows: list[dict], subtitle: str,
            day: date) -> bytes:
    """The book rows (``book_queries.rows``) of one unit as an XLSX file."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    with ctx.uow(write=False) as uow:
        agency = agency_for(uow.session, unit_code, ctx.clock.now())
    book = Workbook()
    sheet = book.active
    sheet.title = "So tiep cong dan"
    header_row = write_header(sheet, agency, "SỔ TIẾP CÔNG DÂN", subtitle, len(COLUMNS))
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    for column, (title, width) in enumerate(zip(COLUMNS, WIDTHS), start=1):
        cell = sheet.cell(header_row, column, title)
        cell.font, cell.border = Font(bold=True), border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[cell.column_letter].width = width
    for offset, row in enumerate(rows, start=1):
        for column, value in enumerate(cells(row), start=1):
            cell = sheet.cell(header_row + offset, column, value)
            cell.border, cell.alignment = border, wrap
    write_signature(sheet, agency, header_row + len(rows) + 1, len(COLUMNS), day)
    set_print_layout(sheet, header_row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
