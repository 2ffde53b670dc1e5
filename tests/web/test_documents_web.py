"""Documents on the web (issue 16): "Tạo văn bản" at the step, the signed scan the step requires,
other attachments, the petition file's list, and the administrators' template pages."""
from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from docx import Document

from engine.work import human_tasks
from petitions.demo import DEMO_UNIT, seed_demo_agency
from petitions.documents import catalogue
from petitions.register import registration
from petitions.register.registration import Registration, Sender
from tests.bpmn.harness import EVERYONE
from tests.support import actor
from tests.web.conftest import csrf

NAME, PHONE = "Đinh Thị Mẫn Nhi", "0977111222"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FACTS = {"in_vietnamese": True, "has_identity": True, "anonymous": False,
         "within_competence": True, "already_sent_to_competent": False, "already_guided": False,
         "already_transferred": False, "resolved_nothing_new": False, "crime_signs": False,
         "party_member": False, "concrete_content": True, "proposal_note": "Đề xuất thụ lý",
         "petition_type": "denunciation"}


def _ready(ctx, instance_id, bpmn_id):
    return next(t for t in human_tasks.list_tasks(ctx, instance_id=instance_id)
                if t["bpmn_id"] == bpmn_id)


@pytest.fixture
def notice_task(engine_ctx):
    """A denunciation at "Thông báo thụ lý" (ND31-M05 required, ND31-M06 optional)."""
    ctx = engine_ctx
    seed_demo_agency(ctx)
    reg = registration.register(ctx, actor("tiepdan", "reception_officer", unit=DEMO_UNIT),
                                Registration(received_on=date(2026, 11, 20), channel="direct",
                                             petition_type="denunciation", field="corruption",
                                             summary="Tố cáo cán bộ địa chính thu tiền sai quy định",
                                             senders=[Sender(name=NAME, phone=PHONE)]))
    steps = [("Task_classify", FACTS), ("Task_approve_route", {"approve": True}),
             ("Task_den_register", {"denunciation_register_number": "TC-01",
                                    "initial_extended": False}),
             ("Task_den_classify", {"resolver_competent": True, "sent_to_competent_body": False,
                                    "already_transferred_or_guided": False,
                                    "conditions_met": True, "accused_name": "Trần Văn Bình",
                                    "accused_position": "Công chức", "denunciation_content":
                                    "Thu tiền đo đạc trái quy định"}),
             ("Task_den_accept", {"acceptance_number": "15/QĐ-UBND",
                                  "accepted_on": "2026-11-23"})]
    for bpmn_id, data in steps:
        human_tasks.complete(ctx, _ready(ctx, reg["instance_id"], bpmn_id)["id"], EVERYONE, data)
    return {**reg, "task_id": _ready(ctx, reg["instance_id"], "Task_den_notify_accept")["id"]}


FORM = {"notice_denouncer_number": "01/TB-UBND", "notice_accused_number": "02/TB-UBND",
        "notices_sent_on": "2026-11-23"}


def test_generate_upload_complete_and_list(client, login, notice_task):
    login("xuly")
    task_id = notice_task["task_id"]
    page = client.get(f"/tasks/{task_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in text
    assert f'formaction="/tasks/{task_id}/documents/ND31-M05"' in text
    assert "Tạo văn bản" in text and "Thông báo việc thụ lý tố cáo (gửi người tố cáo)" in text

    generated = client.post(f"/tasks/{task_id}/documents/ND31-M05",
                            data={**FORM, "csrf_token": csrf(page)})
    assert generated.status_code == 200
    assert generated.headers["Content-Disposition"].startswith("attachment;")
    doc = Document(io.BytesIO(generated.data))
    body = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert "Số: 01/TB-UBND" in cells and "ỦY BAN NHÂN DÂN XÃ AN PHÚ" in cells
    assert "An Phú, ngày 23 tháng 11 năm 2026" in cells
    assert "Về việc thụ lý tố cáo" in body
    # The handling officer may not read the sealed denouncer: the notice shows none.
    with zipfile.ZipFile(io.BytesIO(generated.data)) as archive:
        xml = archive.read("word/document.xml").decode()
    assert NAME not in xml and PHONE not in xml

    refused = client.post(f"/tasks/{task_id}/complete", data={
        **FORM, "csrf_token": csrf(page), "version": _version(text)},
        content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "Bước này bắt buộc tải lên văn bản đã ký (bản quét PDF hoặc ảnh)" in \
        refused.get_data(as_text=True)

    done = client.post(f"/tasks/{task_id}/complete", data={
        **FORM, "csrf_token": csrf(page), "version": _version(text),
        "doc_nd31_m05": (io.BytesIO(PDF), "thong-bao-da-ky.pdf"),
        "attachments": [(io.BytesIO(PDF), "bien-ban.pdf")]},
        content_type="multipart/form-data")
    assert done.status_code == 302, done.get_data(as_text=True)[:600]

    client.post("/logout", data={"csrf_token": csrf(client.get("/tasks/"))})
    login("truongdonvi")
    file_page = client.get(f"/petitions/{notice_task['petition_id']}").get_data(as_text=True)
    # A sealed case: file names stay hidden until the head unseals; kind, step and number show.
    assert "Văn bản ban hành" in file_page and "Tài liệu kèm theo" in file_page
    assert "số 01/TB-UBND" in file_page and "ND31-M05" in file_page
    assert "Thông báo thụ lý cho người tố cáo (Mẫu 05)" in file_page  # the step
    assert "thong-bao-da-ky.pdf" not in file_page


def test_a_signed_scan_must_be_a_pdf_or_an_image(client, login, notice_task):
    login("xuly")
    task_id = notice_task["task_id"]
    page = client.get(f"/tasks/{task_id}")
    refused = client.post(f"/tasks/{task_id}/complete", data={
        **FORM, "csrf_token": csrf(page), "version": _version(page.get_data(as_text=True)),
        "doc_nd31_m05": (io.BytesIO(b"MZ\x90\x00"), "thong-bao.pdf")},
        content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "nội dung không đúng định dạng PDF" in refused.get_data(as_text=True)


def test_generate_for_a_form_the_step_does_not_issue_is_404(client, login, notice_task):
    login("xuly")
    page = client.get(f"/tasks/{notice_task['task_id']}")
    for code in ("ND31-M12", "XX-M99"):
        response = client.post(f"/tasks/{notice_task['task_id']}/documents/{code}",
                               data={"csrf_token": csrf(page)})
        assert response.status_code == 404


def test_administrators_manage_template_versions(client, login):
    login("quantri")
    page = client.get("/admin/forms/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "ND31-M06" in text and "Nghị định 31/2019/NĐ-CP, Mẫu số 06" in text
    assert "Task_den_notify_accept" in text
    shipped = client.get("/admin/forms/ND31-M06/versions/1")
    assert shipped.status_code == 200
    assert shipped.data == catalogue.template_path("ND31-M06").read_bytes()

    bad = Document(io.BytesIO(shipped.data))
    bad.add_paragraph("{{ sender.secret_code }}")
    out = io.BytesIO()
    bad.save(out)
    refused = client.post("/admin/forms/ND31-M06/versions", data={
        "csrf_token": csrf(page), "template": (io.BytesIO(out.getvalue()), "m06.docx")},
        content_type="multipart/form-data")
    assert refused.status_code == 400
    assert "có trường trộn không được hỗ trợ: sender.secret_code" in refused.get_data(as_text=True)

    good = Document(io.BytesIO(shipped.data))
    good.add_paragraph("Bản sửa {{ today }}")
    out = io.BytesIO()
    good.save(out)
    saved = client.post("/admin/forms/ND31-M06/versions", data={
        "csrf_token": csrf(page), "template": (io.BytesIO(out.getvalue()), "m06.docx"),
        "note": "thêm dòng"}, content_type="multipart/form-data")
    assert saved.status_code == 303
    assert client.get("/admin/forms/ND31-M06/versions/2").data == out.getvalue()


def test_template_pages_are_for_administrators_only(client, login):
    login("xuly")
    assert client.get("/admin/forms/").status_code == 403
    assert client.get("/admin/forms/ND31-M06/versions/1").status_code == 403


def _version(text: str) -> str:
    import re
    found = re.search(r'name="version" value="([^"]*)"', text)
    return found.group(1) if found else ""


def test_generate_as_pdf_where_libreoffice_is_installed(client, login, notice_task):
    """Item 7: the same document as PDF (the DOCX stays primary); the same outgoing number."""
    from petitions.documents import pdf
    if not pdf.available():
        pytest.skip("!!! LibreOffice (soffice) is not installed: the PDF download is not tested")
    login("xuly")
    task_id = notice_task["task_id"]
    page = client.get(f"/tasks/{task_id}")
    assert 'name="as_pdf"' in page.get_data(as_text=True)
    as_pdf = client.post(f"/tasks/{task_id}/documents/ND31-M05",
                         data={**FORM, "csrf_token": csrf(page), "as_pdf": "1"})
    assert as_pdf.status_code == 200 and as_pdf.mimetype == "application/pdf"
    assert as_pdf.data.startswith(b"%PDF") and ".pdf" in as_pdf.headers["Content-Disposition"]
    again = client.post(f"/tasks/{task_id}/documents/ND31-M05",
                        data={**FORM, "csrf_token": csrf(page)})
    cells = "\n".join(c.text for t in Document(io.BytesIO(again.data)).tables
                      for r in t.rows for c in r.cells)
    assert "Số: 01/TB-UBND" in cells   # generating twice keeps the step's number
