"""A periodic report (``petitions.supervision.reports.build``) as an Excel workbook (openpyxl): the figures with
their three columns, how each one is computed, and the report's notes.
"""
from __future__ import annotations

import io


def to_xlsx(report: dict) -> bytes:
    """The report as an Excel workbook: figures, then how each one is computed."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    sheet = book.active
    sheet.title = "Báo cáo"
    bold = Font(bold=True)
    sheet.append([f"BÁO CÁO CÔNG TÁC TIẾP NHẬN, XỬ LÝ ĐƠN VÀ GIẢI QUYẾT VỤ VIỆC — "
                  f"{report['period'].label.upper()}"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([f"Đơn vị: {report['unit_label']}"])
    period = report["period"]
    sheet.append([f"Kỳ báo cáo: từ {period.start:%d/%m/%Y} đến {period.end:%d/%m/%Y}; "
                  f"lập lúc {report['generated_at']:%d/%m/%Y %H:%M}"])
    sheet.append([])
    sheet.append(["STT", "Chỉ tiêu", "Tổng số", "Kỳ trước chuyển sang", "Phát sinh trong kỳ",
                  "Cách tính"])
    header = sheet.max_row
    for cell in sheet[header]:
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="EEF1F5")
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
    sheet.freeze_panes = sheet.cell(header + 1, 1)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
