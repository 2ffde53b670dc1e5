"""The administrative layout of NĐ 30/2020 on an Excel sheet: registers and reports printed as
official documents (issue 16 §6).

A sheet opens with the issuing body under its parent body on the left and the national title and
motto (Quốc hiệu, Tiêu ngữ) on the right, then the title; it ends with the place and date line
and the signature block (position, and "KT." for an acting head, then the name). It prints on A4
landscape, fitted to the page width, with its column header repeated on every page.
"""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from petitions.documents.filling import date_line, signer

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from petitions.agencies.profiles import Agency

NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
A4 = 9   # openpyxl / SpreadsheetML paperSize code of A4


def write_header(sheet: "Worksheet", agency: "Agency", title: str, subtitle: str,
                 columns: int) -> int:
    """The agency block, Quốc hiệu and Tiêu ngữ, the title; returns the next free row."""
    from openpyxl.styles import Alignment, Font
    left = max(2, columns * 2 // 5)        # the agency block's width, in columns
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    lines = [((agency.parent_body or "").upper(), NATIONAL_TITLE, False),
             ((agency.full_name or "").upper(), MOTTO, True)]
    for row, (agency_line, right_line, bold_left) in enumerate(lines, start=1):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=left)
        sheet.merge_cells(start_row=row, start_column=left + 1, end_row=row, end_column=columns)
        sheet.cell(row, 1, agency_line).font = Font(bold=bold_left, size=12)
        sheet.cell(row, left + 1, right_line).font = Font(bold=True, size=12)
        for column in (1, left + 1):
            sheet.cell(row, column).alignment = center
    for row, text, font in ((4, title, Font(bold=True, size=14)),
                            (5, subtitle, Font(italic=True, size=12))):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
        sheet.cell(row, 1, text).font = font
        sheet.cell(row, 1).alignment = center
    return 7


def write_signature(sheet: "Worksheet", agency: "Agency", row: int, columns: int, day: date, *,
                    preparer: str = "NGƯỜI LẬP BIỂU") -> int:
    """The date line and the signature block below ``row``; returns the last row written."""
    from openpyxl.styles import Alignment, Font
    signature = signer(agency)   # the forms' own block: "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"
    authority = signature["prefix"] or signature["position"]
    deputy = signature["position"] if signature["prefix"] else ""
    right = max(2, columns * 2 // 5)
    first = columns - right + 1
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    row += 1
    lines = [(date_line(agency.place_name, day), "", Font(italic=True, size=12)),
             (authority, preparer, Font(bold=True, size=12))]
    if deputy:
        lines.append((deputy, "", Font(bold=True, size=12)))
    lines += [("(Ký, ghi rõ họ tên, đóng dấu)", "(Ký, ghi rõ họ tên)", Font(italic=True, size=11)),
              ("", "", Font()), ("", "", Font()), ("", "", Font()),
              (signature["name"], "", Font(bold=True, size=12))]
    for offset, (right_text, left_text, font) in enumerate(lines):
        at = row + offset
        sheet.merge_cells(start_row=at, start_column=first, end_row=at, end_column=columns)
        sheet.cell(at, first, right_text or None).font = font
        sheet.cell(at, first).alignment = center
        if left_text:
            sheet.merge_cells(start_row=at, start_column=1, end_row=at, end_column=right)
            sheet.cell(at, 1, left_text).font = font
            sheet.cell(at, 1).alignment = center
    return row + len(lines) - 1


def fit_row_height(sheet: "Worksheet", row: int, widths: list[float], *, line: float = 15) -> None:
    """A row tall enough for its wrapped text: neither Excel nor LibreOffice grows a row written
    by a program when the file opens, so long summaries would print cut off."""
    lines = 1
    for column, width in enumerate(widths, start=1):
        value = sheet.cell(row, column).value
        if value is not None:
            per_line = max(1, int(width * 1.1))     # characters of the default font per line
            lines = max(lines, sum(-(-len(part) // per_line) or 1
                                   for part in str(value).split("\n")))
    sheet.row_dimensions[row].height = line * lines


def set_print_layout(sheet: "Worksheet", header_row: int) -> None:
    """A4 landscape, fitted to the page width, the column header repeated on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0       # as many pages tall as the rows need
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.print_options.horizontalCentered = True
    sheet.oddFooter.center.text = "Trang &P / &N"
