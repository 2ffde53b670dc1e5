"""The case file for inspectors (hồ sơ vụ việc): one instance as a Word document.

What it holds, in the order an inspector reads it: a cover page (the agency by its printed name,
the case, its parties by the identity rules of the person exporting, the dates received, accepted,
due and closed, the outcome: ``case_facts.cover``); the steps taken with their documents and
their legal deadlines met or missed (``case_facts.steps``); the documents with their SHA-256; the
audit chain's head hash with the result of verifying it when the file was made, so an inspector
can later check that the trail was not altered since; the current data; and, as an annex, the
audit extract (who, when, what, before → after). The denouncer's identity is left out: the senders of a sealed petition
are not listed, identity fields are dropped, and their names, ID numbers, phones and addresses are
redacted from every text (LTC Điều 8.3, 56.2); document names of a sealed petition are replaced too,
since a file name may carry a name.
"""
from __future__ import annotations

import io
from typing import TYPE_CHECKING

from sqlalchemy import select

from petitions.identity.redaction import REDACTED
from petitions.labels import vn_time
from petitions.persistence.models import PetitionDocument
from petitions.supervision import case_facts, history

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.context import EngineContext

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SEALED_NOTE = ("Danh tính người tố cáo được giữ bí mật và không đưa vào hồ sơ này "
               "(Luật Tố cáo, Điều 8 khoản 3, Điều 56).")


def _fmt(moment) -> str:
    return moment.strftime("%d/%m/%Y %H:%M:%S") if moment else "—"


def documents(ctx: "EngineContext", petition_id: int | None, *, sealed: bool) -> list[dict]:
    if petition_id is None:
        return []
    with ctx.uow(write=False) as uow:
        rows = list(uow.session.scalars(select(PetitionDocument).where(
            PetitionDocument.petition_id == petition_id).order_by(PetitionDocument.id)))
    return [{"name": f"Tài liệu {i + 1} ({REDACTED})" if sealed else d.file_name,
             "content_type": d.content_type, "size": d.size, "sha256": d.sha256,
             "uploaded_by": d.uploaded_by, "uploaded_at": vn_time(d.uploaded_at)}
            for i, d in enumerate(rows)]


def case_file(ctx: "EngineContext", instance_id: int, actor: "Actor") -> dict:
    """The read model printed in the case file (also what the tests inspect)."""
    data = history.history(ctx, instance_id, actor)
    petition = data["petition"]
    petition_id = petition["id"] if petition else None
    data["documents"] = documents(ctx, petition_id, sealed=data["sealed"])
    data["steps"], data["letter_documents"] = case_facts.steps(ctx, instance_id, petition_id,
                                                               sealed=data["sealed"])
    data["cover"] = case_facts.cover(ctx, data, actor, data["steps"])
    data["generated_at"] = vn_time(ctx.clock.now())
    return data


def to_docx(case: dict) -> bytes:
    """Render ``case_file(...)`` as a .docx document."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    doc.styles["Normal"].font.name = "Times New Roman"
    doc.styles["Normal"].font.size = Pt(11)

    instance, petition, check = case["instance"], case["petition"], case["verification"]
    _cover_page(doc, case)

    doc.add_heading("1. Các bước đã thực hiện", level=1)
    _grid(doc, ["STT", "Bước", "Người thực hiện", "Hoàn thành lúc", "Hạn luật định",
                "Thời hạn", "Tài liệu"],
          [[str(i + 1), st["name"], st["by"], _fmt(st["done_at"]), _fmt(st["due_at"]),
            st["on_time"], "\n".join(st["documents"]) or "—"]
           for i, st in enumerate(case["steps"])] or [["—", "Chưa có bước nào", "", "", "", "", ""]])

    doc.add_heading("2. Danh mục tài liệu", level=1)
    _grid(doc, ["STT", "Tài liệu", "Loại", "Dung lượng (byte)", "SHA-256", "Người tải lên, lúc"],
          [[str(i + 1), d["name"], d["content_type"], str(d["size"]), d["sha256"],
            f"{d['uploaded_by']}, {_fmt(d['uploaded_at'])}"]
           for i, d in enumerate(case["documents"])]
          or [["—", "Không có tài liệu", "", "", "", ""]])

    doc.add_heading("3. Tính toàn vẹn của nhật ký", level=1)
    if check["ok"]:
        doc.add_paragraph(f"Chuỗi nhật ký kiểm toán toàn vẹn: đã kiểm tra {check['events']} sự "
                          "kiện, không có sự kiện nào bị sửa, xóa hay đảo thứ tự.")
    else:
        broken = check["first_broken"] or {}
        doc.add_paragraph(f"CẢNH BÁO: Nhật ký đã bị thay đổi tại sự kiện số {broken.get('seq')} "
                          f"({broken.get('reason_label')}). Các sự kiện từ số này trở đi "
                          "không được bảo đảm.").runs[0].bold = True
    _table(doc, [("Số sự kiện trong chuỗi", str(instance["audit_seq"])),
                 ("Mã băm đầu chuỗi (SHA-256)", instance["audit_head"] or "—"),
                 ("Cách kiểm tra", "Mỗi sự kiện chứa mã băm của sự kiện trước; tính lại SHA-256 "
                                   "từng sự kiện theo thứ tự phải ra đúng mã băm đầu chuỗi trên.")])

    doc.add_heading("4. Dữ liệu hồ sơ", level=1)
    _table(doc, [("Quy trình", f"{instance['name']}, phiên bản {instance['version']}"),
                 ("Trạng thái", instance["status_label"]),
                 ("Khởi tạo", f"{_fmt(instance['created_at'])} — {instance['started_by']}"),
                 ("Cập nhật gần nhất", _fmt(instance["updated_at"]))]
           + [(v["label"], v["display"]) for v in case["as_of"]["values"]])

    doc.add_page_break()
    doc.add_heading("PHỤ LỤC. TRÍCH NHẬT KÝ KIỂM TOÁN", level=1)
    _grid(doc, ["Số", "Thời điểm", "Người thực hiện", "Sự kiện", "Nội dung", "Trước → sau"],
          [[str(e["seq"]) + (" (!)" if e["broken"] else ""), _fmt(e["at"]), e["actor_name"],
            e["label"], e["detail"],
            "\n".join(f"{c['label']}: {c['before']} → {c['after']}" for c in e["changes"])]
           for e in case["events"]])
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _table(doc, rows: list[tuple[str, str]]) -> None:
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
        cells[0].paragraphs[0].runs[0].bold = True


def _grid(doc, header: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for values in rows:
        for cell, text in zip(table.add_row().cells, values):
            cell.text = text


def _centered(doc, text: str, *, bold: bool = False, size: int | None = None, upper=False):
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text.upper() if upper else text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    return paragraph


def _cover_page(doc, case: dict) -> None:
    """Agency, case, parties, dates, outcome; then a page break."""
    cover, petition, instance = case["cover"], case["petition"], case["instance"]
    agency = cover["agency"]
    if agency.parent_body:
        _centered(doc, agency.parent_body, upper=True)
    _centered(doc, agency.full_name or "Cơ quan giải quyết", bold=True, upper=True)
    _centered(doc, "HỒ SƠ VỤ VIỆC", bold=True, size=20)
    ref = (f"Đơn số {petition['number']} — mã tra cứu {petition['tracking_code']}" if petition
           else f"Hồ sơ quy trình #{instance['id']}")
    _centered(doc, ref, bold=True)
    rows = []
    if petition:
        rows += [("Loại đơn", petition["type_label"]), ("Lĩnh vực", petition["field_label"]),
                 ("Tóm tắt nội dung", petition["summary"])]
    rows += [("Người gửi đơn", "\n".join(cover["parties"]) or "—")]
    rows += [tuple(line.split(": ", 1)) for line in cover["other_parties"]]
    rows += [("Ngày nhận đơn", cover["received_on"]), ("Ngày thụ lý", cover["accepted_on"]),
             ("Hạn giải quyết", cover["deadline"]), ("Ngày kết thúc", cover["closed_on"]),
             ("Kết quả giải quyết", cover["outcome"]), ("Trạng thái", instance["status_label"])]
    _table(doc, rows)
    if case["sealed"]:
        doc.add_paragraph(SEALED_NOTE).runs[0].italic = True
    doc.add_paragraph(f"Lập lúc {_fmt(case['generated_at'])} từ hệ thống quản lý đơn thư.")
    doc.add_page_break()
