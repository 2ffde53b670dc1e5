"""Reception desk: register a letter with senders and documents, the duplicate check, the receipt."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from engine.errors import Conflict, InvalidInput
from engine.work import human_tasks
from petitions.persistence.models import Petition, PetitionDocument, PetitionLink, PetitionSender
from tests.web.conftest import csrf
from webapp import reception

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
SUMMARY = ("Khiếu nại Quyết định số 125/QĐ-UBND của UBND xã về việc thu hồi 250 m2 đất nông nghiệp "
           "thửa số 12 tờ bản đồ số 5 để làm đường giao thông, mức bồi thường thấp hơn giá thị trường.")
SIMILAR = ("Tôi tiếp tục khiếu nại việc UBND xã thu hồi đất nông nghiệp thửa số 12 tờ bản đồ số 5 "
           "của gia đình làm đường giao thông nhưng mức bồi thường thấp.")


def _form(page, **overrides) -> dict:
    data = {
        "csrf_token": csrf(page), "action": "check", "received_on": "2026-11-20",
        "channel": "direct", "forwarder_kind": "none", "petition_type": "complaint",
        "field": "land_housing", "summary": SUMMARY, "location": "Thôn Đông, xã Demo",
        "priority_markers": ["vulnerable"], "signers": "2",
        "senders-0-name": "Nguyễn Văn An", "senders-0-id_number": "001203004567",
        "senders-0-phone": "0912345678", "senders-0-ethnicity": "Kinh",
        "senders-0-province_code": "1", "senders-0-ward_code": "4",
        "senders-0-address_detail": "Số 5 ngõ 3", "senders-0-is_representative": "1",
        "senders-1-name": "Trần Thị Bình", "senders-1-id_number": "001303008899",
        "senders-2-name": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _post(client, data, files=()):
    payload = dict(data)
    if files:
        payload["documents"] = [(io.BytesIO(content), name, "application/pdf") for name, content in files]
    return client.post("/reception/new", data=payload, content_type="multipart/form-data")


def _count(engine_ctx, model) -> int:
    with engine_ctx.uow(write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def _stored_files(app, folder: str) -> list[str]:
    root = app.config["PETITIONS_SETTINGS"].data_dir / folder
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _refusing(error: Exception):
    def register(*args, **kwargs):
        raise error
    return register


def _petition(engine_ctx, number: str) -> Petition:
    with engine_ctx.uow(write=False) as uow:
        return uow.session.scalars(select(Petition).where(Petition.number == number)).one()


def test_officer_registers_a_complaint_with_two_senders_and_a_pdf(app, client, login, engine_ctx):
    login("tiepdan")
    page = client.get("/reception/new")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'value="2026-11-23"' in html                    # received date defaults to today
    assert "Hình thức tiếp nhận" in html and "Đất đai, nhà ở" in html  # labels from the BPMN form
    assert "Gia đình chính sách, người có công" in html and "Tố cáo" in html
    # One sender block for the default count of 1 (issue 15: three empty blocks confused officers)
    assert 'name="senders-0-name"' in html and 'name="senders-1-name"' not in html
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []       # no inline script (CSP)
    assert html.count('name="csrf_token"') >= 2

    response = _post(client, _form(page), files=[("Đơn khiếu nại.pdf", PDF)])
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert re.search(r"/reception/receipt/\d+$", response.headers["Location"])

    petition = _petition(engine_ctx, "2026-000001")
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "PHIẾU TIẾP NHẬN ĐƠN" in receipt and "2026-000001" in receipt
    assert petition.tracking_code in receipt and "20/11/2026" in receipt
    assert "Nguyễn Văn An" in receipt and "Trần Thị Bình" in receipt
    assert "Đơn khiếu nại.pdf" in receipt and "Nguyễn Thị Tiếp" in receipt
    assert "Khiếu nại" in receipt and 'data-print' in receipt
    # The registration's PIN (issue 18) is on the first receipt only: never stored in clear.
    assert re.search(r'id="receipt-pin">\d{8}<', receipt)
    again = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="receipt-pin"' not in again

    tasks = human_tasks.list_tasks(engine_ctx, instance_id=petition.instance_id)
    assert [t["bpmn_id"] for t in tasks] == ["Task_classify"]
    with engine_ctx.uow(write=False) as uow:
        senders = uow.session.scalars(select(PetitionSender).order_by(PetitionSender.position)).all()
        docs = uow.session.scalars(select(PetitionDocument)).all()
    assert [(s.name, s.ward_code, s.is_representative) for s in senders] == [
        ("Nguyễn Văn An", "4", True), ("Trần Thị Bình", None, False)]
    assert petition.priority_markers == ["vulnerable"] and petition.location == "Thôn Đông, xã Demo"
    assert petition.unit_code == "ubnd-xa-demo" and petition.created_by == "tiepdan"
    assert [(d.file_name, d.content_type, d.size) for d in docs] == [
        ("Đơn khiếu nại.pdf", "application/pdf", len(PDF))]
    assert _stored_files(app, "documents") == [docs[0].stored_name]
    stored = app.config["PETITIONS_SETTINGS"].data_dir / "documents" / docs[0].stored_name
    assert stored.read_bytes() == PDF
    assert _stored_files(app, "uploads") == []


def test_validation_errors_rerender_with_inline_messages_and_kept_values(app, client, login, engine_ctx):
    login("tiepdan")
    page = client.get("/reception/new")
    response = _post(client, _form(page, summary="  ", received_on="2030-01-01",
                                   **{"senders-1-id_number": "12ab", "senders-1-phone": "12"}),
                     files=[("Đơn.pdf", PDF)])
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Đơn chưa được vào sổ" in html and 'id="error-summary"' in html
    assert 'id="err-summary"' in html and "Bắt buộc nhập" in html
    assert "Số định danh gồm 12 chữ số" in html and 'id="err-senders-1-id_number"' in html
    assert "Số điện thoại không hợp lệ" in html
    assert "Ngày nhận đơn không được sau ngày hôm nay" in html
    assert 'aria-invalid="true" aria-describedby="err-summary help-summary"' in html
    # every typed value is back, the files are not: the officer is told to choose them again
    assert 'value="Nguyễn Văn An"' in html and 'value="12ab"' in html and 'value="2030-01-01"' in html
    assert 'value="Thôn Đông, xã Demo"' in html and 'value="vulnerable" checked' in html
    assert '<option value="4" selected>Phường Ba Đình</option>' in html
    assert "Vui lòng chọn lại tệp" in html
    assert _count(engine_ctx, Petition) == 0
    assert _stored_files(app, "documents") == [] and _stored_files(app, "uploads") == []


def test_group_of_eight_with_three_representatives_is_refused(app, client, login, engine_ctx):
    login("tiepdan")
    page = client.get("/reception/new")
    data = _form(page, signers="8", **{"senders-1-is_representative": "1",
                                       "senders-2-name": "Lê Văn Cường",
                                       "senders-2-is_representative": "1"})
    response = _post(client, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Đơn 8 người đứng tên cần 1–2 người đại diện (Luật Tiếp công dân, Điều 29)" in html
    assert _count(engine_ctx, Petition) == 0
    data["senders-2-is_representative"] = None  # two representatives: accepted
    assert _post(client, {k: v for k, v in data.items() if v is not None}).status_code == 302


@pytest.mark.parametrize("name, content, message", [
    ("hop-dong.pdf", EXE, "nội dung không đúng định dạng PDF"),
    ("../../etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n", "loại tệp không được chấp nhận"),
    ("hoso.pdf\x00.exe", PDF, "loại tệp không được chấp nhận"),
])
def test_hostile_upload_is_refused_and_nothing_is_stored(app, client, login, engine_ctx,
                                                         name, content, message):
    login("tiepdan")
    page = client.get("/reception/new")
    response = _post(client, _form(page), files=[("Đơn.pdf", PDF), (name, content)])
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert 'id="err-documents"' in html
    assert _count(engine_ctx, Petition) == 0 and _count(engine_ctx, PetitionDocument) == 0
    assert _stored_files(app, "documents") == [] and _stored_files(app, "uploads") == []
    data_dir = app.config["PETITIONS_SETTINGS"].data_dir
    assert not (data_dir.parent / "etc").exists()


def test_path_tricks_in_a_valid_name_are_stripped(app, client, login, engine_ctx):
    login("tiepdan")
    page = client.get("/reception/new")
    response = _post(client, _form(page), files=[("../../../tmp/bản sao.pdf", PDF)])
    assert response.status_code == 302
    with engine_ctx.uow(write=False) as uow:
        doc = uow.session.scalars(select(PetitionDocument)).one()
    assert doc.file_name == "bản sao.pdf"
    assert _stored_files(app, "documents") == [doc.stored_name]


def test_files_are_removed_when_the_engine_refuses_the_registration(app, client, login,
                                                                   engine_ctx, monkeypatch):
    monkeypatch.setattr(reception.desk, "register",
                        _refusing(Conflict("Hồ sơ vừa được người khác cập nhật; vui lòng thử lại")))
    login("tiepdan")
    page = client.get("/reception/new")
    response = _post(client, _form(page), files=[("Đơn.pdf", PDF)])
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "Chưa vào sổ được đơn" in html
    assert 'value="Nguyễn Văn An"' in html and "Vui lòng chọn lại tệp" in html
    assert _stored_files(app, "documents") == [] and _count(engine_ctx, Petition) == 0


def test_duplicate_flow_suggests_then_links(app, client, login, engine_ctx):
    login("tiepdan")
    first = _post(client, _form(client.get("/reception/new")))
    assert first.status_code == 302
    earlier = _petition(engine_ctx, "2026-000001")

    page = client.get("/reception/new")
    data = _form(page, summary=SIMILAR, **{"senders-1-name": None, "senders-1-id_number": None},
                 signers="1")
    shown = _post(client, data, files=[("Đơn lần 2.pdf", PDF)])
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert "Kiểm tra đơn trùng" in html and "2026-000001" in html
    assert "Cùng số định danh" in html and "100%" in html
    assert f'name="decision-{earlier.id}" value="link"' in html
    assert f'name="decision-{earlier.id}" value="dismiss"' in html
    assert "Đơn lần 2.pdf" in html                         # the file waits, no need to choose again
    assert _count(engine_ctx, Petition) == 1 and len(_stored_files(app, "uploads")) == 2  # file + manifest
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    assert hidden["senders-0-id_number"] == "001203004567" and hidden["field"] == "land_housing"
    token = hidden["upload_token"]

    confirm = {**{k: v for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)},
               "priority_markers": ["vulnerable"], "action": "confirm"}
    undecided = client.post("/reception/new", data=confirm)
    assert undecided.status_code == 422 and "cho từng đơn được gợi ý" in undecided.get_data(as_text=True)
    assert _count(engine_ctx, Petition) == 1

    back = client.post("/reception/new", data={**confirm, "action": "edit"})
    back_html = back.get_data(as_text=True)
    assert back.status_code == 200 and SIMILAR in back_html and "Đã giữ 1 tệp" in back_html

    with pytest.MonkeyPatch.context() as patch:  # the engine refuses: the file waits again
        patch.setattr(reception.desk, "register", _refusing(InvalidInput("Không tìm thấy đơn")))
        failed = client.post("/reception/new", data={**confirm, f"decision-{earlier.id}": "link"})
    assert failed.status_code == 400 and "Đã giữ 1 tệp" in failed.get_data(as_text=True)
    assert _stored_files(app, "documents") == [] and len(_stored_files(app, "uploads")) == 2

    linked = client.post("/reception/new", data={**confirm, f"decision-{earlier.id}": "link"})
    assert linked.status_code == 302, linked.get_data(as_text=True)[:2000]
    later = _petition(engine_ctx, "2026-000002")
    with engine_ctx.uow(write=False) as uow:
        links = uow.session.scalars(select(PetitionLink)).all()
        doc = uow.session.scalars(select(PetitionDocument)).one()
    assert [(l.petition_id, l.other_id, l.kind, l.status, l.decided_by) for l in links] == [
        (later.id, earlier.id, "duplicate", "linked", "tiepdan")]
    assert doc.petition_id == later.id and doc.file_name == "Đơn lần 2.pdf"
    assert _stored_files(app, "documents") == [doc.stored_name]
    assert _stored_files(app, "uploads") == []
    assert token not in str(_stored_files(app, "uploads"))
    receipt = client.get(linked.headers["Location"]).get_data(as_text=True)
    assert "2026-000002" in receipt and "Đơn lần 2.pdf" in receipt

    # a third letter, similar again: the officer says it is not the same matter
    page = client.get("/reception/new")
    third = _post(client, _form(page, summary=SIMILAR, **{"senders-0-id_number": "001203000001",
                                                          "senders-1-id_number": None,
                                                          "senders-1-name": None}, signers="1"))
    third_html = third.get_data(as_text=True)
    assert third.status_code == 200 and "Nội dung tương tự" in third_html
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', third_html))
    ids = [int(i) for i in fields["suggested_ids"].split(",")]
    assert set(ids) == {earlier.id, later.id}
    decisions = {f"decision-{i}": "dismiss" for i in ids}
    done = client.post("/reception/new", data={**fields, **decisions, "action": "confirm"})
    assert done.status_code == 302
    with engine_ctx.uow(write=False) as uow:
        statuses = sorted(uow.session.scalars(select(PetitionLink.status)))
    assert statuses == ["dismissed", "dismissed", "linked"]


def test_denunciation_receipt_keeps_the_identity_sealed(app, client, login, engine_ctx):
    login("tiepdan")
    page = client.get("/reception/new")
    response = _post(client, _form(page, petition_type="denunciation", field="corruption",
                                   summary="Tố cáo cán bộ địa chính xã nhận tiền khi làm thủ tục.",
                                   signers="1", **{"senders-1-name": None,
                                                   "senders-1-id_number": None}))
    assert response.status_code == 302
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nguyễn Văn An" not in receipt and "001203004567" not in receipt
    assert "ghi tay họ tên" in receipt and "Tố cáo" in receipt


def test_wards_json_and_the_page_without_javascript(client, login, engine_ctx):
    login("tiepdan")
    wards = client.get("/reception/wards?province=1")
    assert wards.status_code == 200
    assert {"code": "4", "name": "Phường Ba Đình"} in wards.get_json()["wards"]
    assert client.get("/reception/wards?province=999").status_code == 404
    page = client.get("/reception/new")
    refreshed = client.post("/reception/new", data={
        "csrf_token": csrf(page), "action": "refresh", "senders-0-name": "Phạm Thị Dung",
        "senders-0-province_code": "1", "summary": "Nội dung đang gõ dở"})
    html = refreshed.get_data(as_text=True)
    assert refreshed.status_code == 200 and "Phường Ba Đình" in html
    assert 'value="Phạm Thị Dung"' in html and "Nội dung đang gõ dở" in html
    assert 'name="senders-1-name"' not in html  # the count (1 by default) sets the blocks
    assert _count(engine_ctx, Petition) == 0


def test_handling_officer_is_refused(client, login):
    login("xuly")
    assert client.get("/reception/new").status_code == 403
    page = client.get("/login", follow_redirects=True)
    assert client.post("/reception/new", data={"csrf_token": csrf(page)}).status_code == 403
    assert client.get("/reception/wards?province=1").status_code == 403
    # no petition #1: 404 before any role check, as for another unit's petition (issue 12)
    assert client.get("/reception/receipt/1").status_code == 404
