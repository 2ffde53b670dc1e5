"""Build version 1 of every form template (processes/forms/<CODE>.docx) with python-docx.

Run once when a form's wording changes (``.venv/bin/python tools/build_form_templates.py``) and
commit the files: they are data a clerk opens in Word, and administrators replace them by
uploading new versions. Layout per NĐ 30/2020 (Phụ lục I): A4, Times New Roman, margins 20/20/30/15
mm; the issuing body under its parent body on the left with "Số: …", the national title and
motto on the right with the place and date; title; body; "Nơi nhận" and the signature block.
Placeholders are docxtpl's (``{{ … }}``, ``{%p … %}``); each sits in one run so Word keeps it whole.
"""
from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from petitions.documents.catalogue import FORMS, FORMS_FOLDER  # noqa: E402

QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TIEU_NGU = "Độc lập - Tự do - Hạnh phúc"
CASE = "đơn số {{ petition.number }} nhận ngày {{ petition.received_on }}"
SENDER = "{{ sender.name }}, địa chỉ: {{ sender.address }}"

# code -> (title, subject line, body paragraphs, recipients)
TEXTS: dict[str, tuple[str, str, list[str], list[str]]] = {
    "TT05-M01": ("PHIẾU ĐỀ XUẤT THỤ LÝ", "{{ petition.type }} — " + CASE, [
        "Kính gửi: {{ signer.position|title }} {{ agency.full_name }}.",
        "Ngày {{ petition.received_on }}, {{ agency.full_name }} nhận được đơn của ông (bà) " + SENDER + ".",
        "Nội dung đơn: {{ petition.summary }}",
        "Kết quả kiểm tra điều kiện thụ lý: {{ data.acceptance }}{{ data.conditions_met }}.",
        "Đề xuất: {{ data.proposal_note }}{{ data.classification_note }}",
    ], ["Lưu: hồ sơ"]),
    "TT05-M03": ("PHIẾU CHUYỂN ĐƠN", "Về việc chuyển " + CASE, [
        "Kính gửi: {{ data.receiving_body }}{{ data.transfer_to }}.",
        "Ngày {{ petition.received_on }}, {{ agency.full_name }} nhận được đơn ({{ petition.type }}) "
        "của ông (bà) " + SENDER + ".",
        "Nội dung đơn: {{ petition.summary }}",
        "Sau khi xem xét nội dung đơn, căn cứ quy định của pháp luật, {{ agency.full_name }} "
        "chuyển đơn đến {{ data.receiving_body }}{{ data.transfer_to }} để xem xét, giải quyết "
        "theo thẩm quyền.",
    ], ["Như trên", "Người gửi đơn (để biết)", "Lưu: VT, hồ sơ"]),
    "ND31-M01": ("QUYẾT ĐỊNH", "Về việc gia hạn giải quyết tố cáo", [
        "Căn cứ Luật Tố cáo ngày 12 tháng 6 năm 2018; Căn cứ Nghị định số 31/2019/NĐ-CP;",
        "Căn cứ Quyết định thụ lý tố cáo số {{ data.acceptance_number }} ngày {{ data.accepted_on }};",
        "Xét tính chất phức tạp của vụ việc: {{ data.complexity_criteria }},",
        "Điều 1. Gia hạn giải quyết tố cáo đối với " + CASE + ". Thời gian gia hạn theo quy định "
        "tại Điều 30 Luật Tố cáo.",
        "Điều 2. Người giải quyết tố cáo, người bị tố cáo và các cơ quan, tổ chức, cá nhân có "
        "liên quan chịu trách nhiệm thi hành Quyết định này.",
    ], ["Như Điều 2", "Lưu: VT, hồ sơ"]),
    "ND31-M04": ("QUYẾT ĐỊNH", "Về việc thụ lý tố cáo", [
        "Căn cứ Luật Tố cáo ngày 12 tháng 6 năm 2018; Căn cứ Nghị định số 31/2019/NĐ-CP;",
        "Xét " + CASE + " tố cáo {{ data.accused_name }} ({{ data.accused_position }}),",
        "Điều 1. Thụ lý tố cáo đối với nội dung: {{ data.denunciation_content }}",
        "Điều 2. Thời hạn giải quyết tố cáo là 30 ngày kể từ ngày thụ lý.",
        "Điều 3. Các cơ quan, tổ chức, cá nhân có liên quan chịu trách nhiệm thi hành Quyết định này.",
    ], ["Như Điều 3", "Lưu: VT, hồ sơ"]),
    "ND31-M05": ("THÔNG BÁO", "Về việc thụ lý tố cáo", [
        "Kính gửi: ông (bà) " + SENDER + ".",
        "Ngày {{ petition.received_on }}, {{ agency.full_name }} nhận được đơn tố cáo của ông (bà) "
        "với nội dung: {{ petition.summary }}",
        "Căn cứ Điều 29 Luật Tố cáo, {{ agency.full_name }} thông báo: đơn tố cáo đã được thụ lý "
        "giải quyết theo Quyết định số {{ data.acceptance_number }} ngày {{ data.accepted_on }}.",
        "Ông (bà) có quyền và nghĩa vụ của người tố cáo theo Điều 9 Luật Tố cáo.",
    ], ["Như trên", "Lưu: VT, hồ sơ"]),
    "ND31-M06": ("THÔNG BÁO", "Về nội dung tố cáo", [
        "Kính gửi: {{ data.accused_name }} ({{ data.accused_position }}).",
        "{{ agency.full_name }} đã thụ lý tố cáo theo Quyết định số {{ data.acceptance_number }} "
        "ngày {{ data.accepted_on }}.",
        "Nội dung tố cáo: {{ data.denunciation_content }}",
        "Đề nghị ông (bà) giải trình bằng văn bản về các nội dung bị tố cáo và cung cấp thông tin, "
        "tài liệu, chứng cứ liên quan theo Điều 10 Luật Tố cáo.",
    ], ["Như trên", "Lưu: VT, hồ sơ"]),
    "ND31-M07": ("QUYẾT ĐỊNH", "Về việc thành lập Tổ xác minh nội dung tố cáo", [
        "Căn cứ Luật Tố cáo ngày 12 tháng 6 năm 2018; Căn cứ Nghị định số 31/2019/NĐ-CP;",
        "Căn cứ Quyết định thụ lý tố cáo số {{ data.acceptance_number }} ngày {{ data.accepted_on }};",
        "Điều 1. Thành lập Tổ xác minh nội dung tố cáo gồm: {{ data.team_members }}",
        "Điều 2. Tổ xác minh có nhiệm vụ xác minh nội dung tố cáo: {{ data.denunciation_content }}",
        "Điều 3. Các thành viên Tổ xác minh và cá nhân có liên quan chịu trách nhiệm thi hành "
        "Quyết định này.",
    ], ["Như Điều 3", "Lưu: VT, hồ sơ"]),
    "ND31-M08": ("BIÊN BẢN LÀM VIỆC", "Về " + CASE, [
        "Hồi … giờ … ngày {{ data.session_on }}{{ data.explanation_on }}, tại {{ agency.full_name }}.",
        "Thành phần: đại diện {{ agency.full_name }}; Tổ xác minh nội dung tố cáo.",
        "Nội dung làm việc: {{ data.session_information }}{{ data.explanation_summary }}",
        "Biên bản được lập thành … bản, đã đọc lại cho những người cùng làm việc nghe và ký xác nhận.",
    ], ["Lưu: hồ sơ"]),
    "ND31-M10": ("BÁO CÁO", "Kết quả xác minh nội dung tố cáo", [
        "Kính gửi: {{ signer.position|title }} {{ agency.full_name }}.",
        "Thực hiện Quyết định thụ lý tố cáo số {{ data.acceptance_number }}, Tổ xác minh báo cáo "
        "kết quả xác minh " + CASE + " như sau:",
        "Kết quả xác minh: {{ data.findings }}",
        "Kiến nghị: {{ data.proposed_outcome }}",
    ], ["Như trên", "Lưu: hồ sơ"]),
    "ND31-M11": ("BÁO CÁO", "Kết quả xác minh nội dung tố cáo", [
        "Kính gửi: {{ signer.position|title }} {{ agency.full_name }}.",
        "Cơ quan được giao xác minh báo cáo kết quả xác minh " + CASE + ":",
        "Kết quả xác minh: {{ data.findings }}",
        "Đề xuất hướng giải quyết: {{ data.proposed_outcome }}",
    ], ["Như trên", "Lưu: hồ sơ"]),
    "ND31-M12": ("KẾT LUẬN", "Nội dung tố cáo", [
        "Ngày {{ data.accepted_on }}, {{ agency.full_name }} thụ lý tố cáo đối với "
        "{{ data.accused_name }} ({{ data.accused_position }}).",
        "Nội dung tố cáo: {{ data.denunciation_content }}",
        "Kết quả xác minh: {{ data.findings }}",
        "Kết luận: {{ data.conclusion_outcome }}. {{ data.conclusion_summary }}",
    ], ["Người bị tố cáo", "Cơ quan quản lý người bị tố cáo", "Lưu: VT, hồ sơ"]),
    "ND124-M01": ("ĐƠN KHIẾU NẠI", "", [
        "Kính gửi: {{ agency.full_name }}.",
        "Họ và tên: {{ sender.name }}; Mã số định danh cá nhân: {{ sender.id_number }}.",
        "Địa chỉ: {{ sender.address }}; Số điện thoại: {{ sender.phone }}.",
        "Khiếu nại: {{ data.contested_act }}, của {{ data.respondent }}.",
        "Nội dung khiếu nại: {{ petition.summary }}",
        "Yêu cầu: {{ data.complaint_request }}",
        "Tài liệu, chứng cứ kèm theo: {{ data.documents_received }}",
    ], []),
    "ND124-M02": ("GIẤY ỦY QUYỀN KHIẾU NẠI", "", [
        "Họ và tên người ủy quyền: {{ sender.name }}; Mã số định danh cá nhân: {{ sender.id_number }}; "
        "Địa chỉ: {{ sender.address }}.",
        "Họ và tên người được ủy quyền: …………; Mã số định danh cá nhân: …………; Địa chỉ: …………",
        "Nội dung ủy quyền khiếu nại: {{ petition.summary }}",
        "(Kèm theo giấy tờ chứng minh việc ủy quyền)",
    ], []),
    "ND124-M14": ("BIÊN BẢN ĐỐI THOẠI", "Về " + CASE, [
        "Vào hồi … giờ … ngày {{ data.dialogue_held_on }}, tại {{ agency.full_name }}.",
        "Người giải quyết khiếu nại: đại diện {{ agency.full_name }}.",
        "Người khiếu nại: ông (bà) " + SENDER + ".",
        "Nội dung đối thoại: {{ data.dialogue_summary }}",
        "Kết quả đối thoại: {{ data.dialogue_result }}",
        "Biên bản đã được đọc lại cho những người tham gia đối thoại nghe và ký xác nhận.",
    ], ["Lưu: hồ sơ"]),
    "ND124-M14A": ("QUYẾT ĐỊNH", "Về việc tạm đình chỉ việc giải quyết khiếu nại", [
        "Căn cứ Luật Khiếu nại ngày 11 tháng 11 năm 2011; Căn cứ Nghị định số 124/2020/NĐ-CP;",
        "Xét " + CASE + " của ông (bà) " + SENDER + ";",
        "Điều 1. Tạm đình chỉ việc giải quyết khiếu nại. Lý do: {{ data.suspension_reason }}. "
        "{{ data.suspension_note }}",
        "Điều 2. Việc giải quyết khiếu nại được tiếp tục khi lý do tạm đình chỉ không còn.",
    ], ["Người khiếu nại", "Lưu: VT, hồ sơ"]),
    "ND124-M14B": ("QUYẾT ĐỊNH", "Về việc tiếp tục giải quyết khiếu nại", [
        "Căn cứ Luật Khiếu nại ngày 11 tháng 11 năm 2011; Căn cứ Nghị định số 124/2020/NĐ-CP;",
        "Căn cứ Quyết định tạm đình chỉ số {{ data.suspension_decision_number }} ngày "
        "{{ data.suspended_on }};",
        "Điều 1. Tiếp tục giải quyết " + CASE + " kể từ ngày {{ data.resumed_on }}. "
        "{{ data.resume_note }}",
    ], ["Người khiếu nại", "Lưu: VT, hồ sơ"]),
    "VB-TU-CHOI-TIEP": ("THÔNG BÁO", "Về việc từ chối tiếp công dân", [
        "Kính gửi: ông (bà) " + SENDER + ".",
        "Ngày {{ data.visited_on }}, tại {{ data.place }}, ông (bà) đến trình bày nội dung: "
        "{{ data.content }}.",
        "Căn cứ Điều 9 Luật Tiếp công dân, {{ agency.full_name }} từ chối tiếp ông (bà) vì lý do: "
        "{{ data.ground }}.",
        "Ông (bà) có thể liên hệ lại khi không còn thuộc trường hợp nêu trên, hoặc gửi đơn đến "
        "cơ quan có thẩm quyền theo quy định của pháp luật.",
    ], ["Như trên", "Lưu: VT, sổ tiếp công dân"]),
    "VB-THONG-BAO-THU-LY": ("THÔNG BÁO", "Về việc thụ lý giải quyết khiếu nại", [
        "Kính gửi: ông (bà) " + SENDER + ".",
        "Ngày {{ petition.received_on }}, {{ agency.full_name }} nhận được đơn khiếu nại của "
        "ông (bà) về việc: {{ data.contested_act }}.",
        "Sau khi xem xét nội dung đơn khiếu nại, căn cứ Điều 27 Luật Khiếu nại, "
        "{{ agency.full_name }} thông báo: đơn khiếu nại đủ điều kiện thụ lý và đã được thụ lý "
        "giải quyết kể từ ngày {{ data.accepted_on }}.",
        "Người được giao xác minh: {{ data.verification_assignee }}.",
    ], ["Như trên", "Cơ quan thanh tra nhà nước cùng cấp", "Lưu: VT, hồ sơ"]),
    "VB-THONG-BAO-KHONG-THU-LY": ("THÔNG BÁO", "Về việc không thụ lý giải quyết", [
        "Kính gửi: ông (bà) " + SENDER + ".",
        "Ngày {{ petition.received_on }}, {{ agency.full_name }} nhận được đơn ({{ petition.type }}) "
        "của ông (bà) với nội dung: {{ petition.summary }}",
        "{{ agency.full_name }} không thụ lý giải quyết vì: {{ data.refusal_ground }} "
        "{{ data.refusal_reason }}",
    ], ["Như trên", "Lưu: VT, hồ sơ"]),
    "VB-QD-DINH-CHI": ("QUYẾT ĐỊNH", "Về việc đình chỉ việc giải quyết khiếu nại", [
        "Căn cứ Luật Khiếu nại ngày 11 tháng 11 năm 2011; Căn cứ Nghị định số 124/2020/NĐ-CP;",
        "Xét " + CASE + " của ông (bà) " + SENDER + ";",
        "Điều 1. Đình chỉ việc giải quyết khiếu nại. Lý do: {{ data.termination_reason }}. "
        "{{ data.termination_note }}",
        "Điều 2. Người khiếu nại và các cơ quan, tổ chức, cá nhân có liên quan chịu trách nhiệm "
        "thi hành Quyết định này.",
    ], ["Như Điều 2", "Lưu: VT, hồ sơ"]),
    "VB-QD-GIAI-QUYET-LAN-DAU": ("QUYẾT ĐỊNH", "Về việc giải quyết khiếu nại (lần đầu)", [
        "Căn cứ Luật Khiếu nại ngày 11 tháng 11 năm 2011; Căn cứ Nghị định số 124/2020/NĐ-CP;",
        "Xét " + CASE + " của ông (bà) " + SENDER + " khiếu nại {{ data.contested_act }};",
        "Kết quả xác minh: {{ data.findings }}",
        "Kết quả đối thoại: {{ data.dialogue_result }}",
        "Điều 1. {{ data.decision_result }}. {{ data.decision_content }}",
        "Điều 2. Trong thời hạn 30 ngày kể từ ngày nhận Quyết định này, nếu không đồng ý, người "
        "khiếu nại có quyền khiếu nại lần hai hoặc khởi kiện vụ án hành chính tại Tòa án.",
    ], ["Người khiếu nại", "Cơ quan thanh tra nhà nước cùng cấp", "Lưu: VT, hồ sơ"]),
    "VB-GIAY-BIEN-NHAN": ("GIẤY BIÊN NHẬN", "Đơn, tài liệu, chứng cứ", [
        "{{ agency.full_name }} đã nhận của ông (bà) " + SENDER + ":",
        "Đơn ({{ petition.type }}) số {{ petition.number }}, mã tra cứu {{ petition.tracking_code }}, "
        "nhận ngày {{ petition.received_on }}.",
        "Tài liệu, chứng cứ kèm theo: {{ data.documents_received }}",
    ], ["Người nộp", "Lưu: hồ sơ"]),
}


def _paragraph(container, text: str, *, bold=False, italic=False, size=13, align=None,
               indent=False, space_after=2):
    paragraph = container.add_paragraph()
    run = paragraph.add_run(text)
    run.bold, run.italic, run.font.size = bold, italic, Pt(size)
    if align is not None:
        paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(space_after)
    if indent:
        paragraph.paragraph_format.first_line_indent = Mm(10)
    return paragraph


def _no_borders(table) -> None:
    borders = table._tbl.tblPr.first_child_found_in("w:tblBorders")
    if borders is not None:
        table._tbl.tblPr.remove(borders)


def _cell(table, col):
    cell = table.rows[0].cells[col]
    cell._tc.remove(cell.paragraphs[0]._p)  # start empty: paragraphs are added below
    return cell


def build(code: str, issued: bool) -> Document:
    title, subject, body, recipients = TEXTS[code]
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(13)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Times New Roman")
    center = WD_ALIGN_PARAGRAPH.CENTER
    if issued:
        head = doc.add_table(rows=1, cols=2)
        head.alignment = WD_TABLE_ALIGNMENT.CENTER
        _no_borders(head)
        left, right = _cell(head, 0), _cell(head, 1)
        _paragraph(left, "{{ agency.parent_body|upper }}", size=12, align=center)
        _paragraph(left, "{{ agency.full_name|upper }}", bold=True, size=12, align=center)
        _paragraph(left, "Số: {{ number }}", align=center)
        _paragraph(right, QUOC_HIEU, bold=True, size=12, align=center)
        _paragraph(right, TIEU_NGU, bold=True, align=center)
        _paragraph(right, "{{ date_line }}", italic=True, align=center)
    else:
        _paragraph(doc, QUOC_HIEU, bold=True, size=12, align=center)
        _paragraph(doc, TIEU_NGU, bold=True, align=center)
        _paragraph(doc, "{{ date_line }}", italic=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, "")
    _paragraph(doc, title, bold=True, size=14, align=center)
    if subject:
        _paragraph(doc, subject, bold=True, align=center, space_after=12)
    for text in body:
        _paragraph(doc, text, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True, space_after=6)
    _paragraph(doc, "")
    foot = doc.add_table(rows=1, cols=2)
    _no_borders(foot)
    left, right = _cell(foot, 0), _cell(foot, 1)
    if issued:
        _paragraph(left, "Nơi nhận:", bold=True, italic=True, size=12)
        for recipient in recipients:
            _paragraph(left, f"- {recipient};", size=11, space_after=0)
        _paragraph(right, "{%p if signer.prefix %}", align=center)
        _paragraph(right, "{{ signer.prefix }}", bold=True, align=center, space_after=0)
        _paragraph(right, "{%p endif %}", align=center)
        _paragraph(right, "{{ signer.position }}", bold=True, align=center)
        _paragraph(right, "(Ký, ghi rõ họ tên và đóng dấu)", italic=True, size=12, align=center)
        for _ in range(3):
            _paragraph(right, "", align=center)
        _paragraph(right, "{{ signer.name }}", bold=True, align=center)
    else:
        _paragraph(right, "NGƯỜI VIẾT ĐƠN" if code == "ND124-M01" else "NGƯỜI ỦY QUYỀN",
                   bold=True, align=center)
        _paragraph(right, "(Ký, ghi rõ họ tên)", italic=True, size=12, align=center)
        for _ in range(3):
            _paragraph(right, "", align=center)
        _paragraph(right, "{{ sender.name }}", bold=True, align=center)
    return doc


def main() -> None:
    FORMS_FOLDER.mkdir(parents=True, exist_ok=True)
    for form in FORMS:
        path = FORMS_FOLDER / f"{form.code}.docx"
        document = build(form.code, form.issued)
        document.core_properties.title = form.title
        document.core_properties.author = "petitions"
        document.save(path)
        print(path.relative_to(FORMS_FOLDER.parents[1]))


if __name__ == "__main__":
    main()
