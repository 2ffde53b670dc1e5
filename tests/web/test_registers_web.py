"""The letter register download (webapp/registers), the "Tải PDF" helper (webapp/pdf_download.py)
and the signatures macro (templates/documents/_signatures.html), through the real app."""
from __future__ import annotations

import io
import shutil
from datetime import datetime, timezone

import pytest
from docx import Document
from flask import render_template_string
from openpyxl import load_workbook

from petitions.documents.signatures import MODIFIED, UNREADABLE, UNTRUSTED, VALID, SignatureInfo
from tests.integration.test_reports import Desk
from tests.web.conftest import csrf
from webapp.pdf_download import pdf_download

DENOUNCER, DENOUNCER_ID = "Trần Thị Bình", "079188001234"
NOVEMBER = "kind=month&year=2026&index=11"


@pytest.fixture
def sealed_case(engine_ctx, clock):
    desk = Desk(engine_ctx, clock)
    desk.at("2026-11-20")
    desk.register("2026-11-20", unit="ubnd-xa-demo", sender="Nguyễn Văn An")
    case = desk.register("2026-11-20", "denunciation", unit="ubnd-xa-demo", sender=DENOUNCER,
                         id_number=DENOUNCER_ID)
    desk.at("2026-11-23")
    return case


def _cells(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    return "\n".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_head_downloads_the_register_masked_then_with_a_reason(client, login, sealed_case):
    login("truongdonvi")
    page = client.get(f"/registers/letters?{NOVEMBER}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="download-register"' in html and 'id="reveal-form"' in html
    assert 'href="/registers/letters" aria-current="page"' in html      # the menu entry
    masked = client.get(f"/registers/letters.xlsx?{NOVEMBER}")
    assert "so-tiep-nhan-xu-ly-don-month-2026-11-tat-ca.xlsx" in masked.headers["Content-Disposition"]
    assert masked.headers["Cache-Control"] == "no-store"
    text = _cells(masked)
    assert "Nguyễn Văn An" in text and DENOUNCER not in text and DENOUNCER_ID not in text
    form = {"kind": "month", "year": "2026", "index": "11", "csrf_token": csrf(page)}
    short = client.post("/registers/letters.xlsx", data={**form, "reason": "ok"})
    assert short.status_code == 400 and "ít nhất 5 ký tự" in short.get_data(as_text=True)
    revealed = client.post("/registers/letters.xlsx",
                           data={**form, "reason": "Giải quyết tố cáo tháng 11"})
    text = _cells(revealed)
    assert DENOUNCER in text and DENOUNCER_ID in text


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_supervisor_gets_the_masked_register_and_others_are_refused(client, login, sealed_case):
    login("giamsat")
    page = client.get("/registers/letters").get_data(as_text=True)
    assert 'id="reveal-form"' in page          # supervisors may unseal, with a reason
    assert DENOUNCER not in _cells(client.get(f"/registers/letters.xlsx?{NOVEMBER}"))
    assert client.get("/registers/letters.xlsx?kind=quarter&year=2026&index=7").status_code == 400
    assert client.get("/registers/letters.xlsx?unit=xa-khong-co").status_code == 404
    client.post("/logout", data={"csrf_token": csrf(client.get("/tasks/"))})
    login("xuly")
    assert client.get(f"/registers/letters.xlsx?{NOVEMBER}").status_code == 403


def _docx() -> bytes:
    document = Document()
    document.add_paragraph("Thông báo thụ lý đơn")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_pdf_download_without_libreoffice_is_one_clear_line(app, monkeypatch):
    monkeypatch.setenv("SOFFICE", "no-such-office")
    with app.test_request_context("/"):
        response = pdf_download(_docx(), "thong-bao-thu-ly.docx")
    assert response.status_code == 503
    assert "chưa cài LibreOffice" in response.get_data(as_text=True)


@pytest.mark.skipif(not shutil.which("soffice"),
                    reason="!!! LIBREOFFICE NOT INSTALLED — PDF download not tested")
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_pdf_download_converts_the_docx(app):
    with app.test_request_context("/"):
        response = pdf_download(_docx(), "Thông báo thụ lý.docx")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert response.headers["Content-Disposition"] == 'attachment; filename="Th-ng-b-o-th-l-.pdf"'


MACRO = ('{% from "documents/_signatures.html" import signature_list %}'
         '{{ signature_list(items, hide_signer=hide) }}')


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_signature_list_in_vietnamese(app):
    at = datetime(2026, 11, 23, 2, 30, tzinfo=timezone.utc)
    items = [SignatureInfo("ChuKy1", "Lê Văn Chủ", at, True, True, VALID, covers_whole_file=True),
             SignatureInfo("ChuKy2", "CA lạ", at, True, False, UNTRUSTED),
             SignatureInfo("ChuKy3", "Lê Văn Chủ", at, False, False, MODIFIED),
             SignatureInfo("", "", None, False, False, UNREADABLE)]
    with app.test_request_context("/"):
        html = render_template_string(MACRO, items=items, hide=False)
        hidden = render_template_string(MACRO, items=items[:1], hide=True)
        empty = render_template_string(MACRO, items=[], hide=False)
    assert "Chữ ký số hợp lệ" in html and "Lê Văn Chủ" in html and "23/11/2026 09:30" in html
    assert "không thuộc danh sách tin cậy" in html and "Tệp có nội dung được thêm sau" in html
    assert "tệp đã bị thay đổi sau khi ký" in html and "Không đọc được chữ ký số" in html
    assert "Lê Văn Chủ" not in hidden and "(đã che)" in hidden
    assert empty.strip() == ""


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_report_download_is_signed_by_the_readers_agency(client, login, sealed_case):
    """All units: the supervisor's own agency (the demo commune's profile) heads and signs it."""
    login("giamsat")
    response = client.get("/supervision/reports.xlsx?kind=month&year=2026&index=11")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert (sheet["A1"].value, sheet["A2"].value) == ("ỦY BAN NHÂN DÂN TỈNH AN GIANG",
                                                      "ỦY BAN NHÂN DÂN XÃ AN PHÚ")
    assert (sheet.page_setup.orientation, int(sheet.page_setup.paperSize)) == ("landscape", 9)
    tail = [v for row in sheet.iter_rows(min_row=sheet.max_row - 8, values_only=True)
            for v in row if v]
    assert "An Phú, ngày 23 tháng 11 năm 2026" in tail and tail[-1] == "Phạm Văn Trưởng"
