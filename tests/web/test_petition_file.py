"""The petition list, the petition file, denouncer-identity unsealing and document downloads."""
from __future__ import annotations

import hashlib
import re
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from engine.accounts.users import actor_for
from engine.persistence.models import AuditEvent
from engine.work import human_tasks
from petitions.demo import DEMO_PASSWORD
from petitions.register import registration
from petitions.register.registration import Registration, Sender, StoredDocument
from tests.web.conftest import csrf

DENOUNCER = "Nguyễn Văn An"
DENOUNCER_ID = "001203004567"
DENOUNCER_PHONE = "0912345678"
REASON = "Gửi thông báo thụ lý"


def _client_for(app, username: str):
    """A separate browser per user, logged in."""
    client = app.test_client()
    page = client.get("/login")
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                           "csrf_token": csrf(page)})
    assert response.status_code == 302
    return client


def _document(tmp_path, file_name: str, content: bytes, content_type: str) -> StoredDocument:
    stored_name = f"{uuid.uuid4().hex}.{file_name.rpartition('.')[2]}"
    folder = tmp_path / "documents"  # FolderDocumentStore's folder in the app's data_dir
    folder.mkdir(exist_ok=True)
    (folder / stored_name).write_bytes(content)
    return StoredDocument(file_name=file_name, stored_name=stored_name, content_type=content_type,
                          size=len(content), sha256=hashlib.sha256(content).hexdigest())


def _register(engine_ctx, documents=(), **overrides) -> dict:
    base = dict(received_on=date(2026, 11, 20), channel="direct", petition_type="complaint",
                field="land_housing", summary="Khiếu nại quyết định thu hồi đất thửa số 12",
                location="Thôn Đông", senders=[Sender(
                    name=DENOUNCER, id_number=DENOUNCER_ID, phone=DENOUNCER_PHONE,
                    province_code="1", address_detail="Số 5 ngõ 3")])
    base.update(overrides)
    return registration.register(engine_ctx, actor_for(engine_ctx, "tiepdan"), Registration(**base),
                              documents)


def _denunciation(engine_ctx, tmp_path) -> dict:
    """A denunciation whose free texts quote the denouncer: the file must redact every one."""
    doc = _document(tmp_path, f"Đơn tố cáo của {DENOUNCER}.pdf", b"%PDF-1.4 to cao", "application/pdf")
    result = _register(engine_ctx, [doc], petition_type="denunciation", field="corruption",
                       summary=f"Tôi là {DENOUNCER}, tố cáo cán bộ địa chính nhận tiền")
    _classify_as_denunciation(engine_ctx, result)
    return result


def _classify_as_denunciation(engine_ctx, result: dict) -> None:
    classify = human_tasks.list_tasks(engine_ctx, instance_id=result["instance_id"])[0]
    human_tasks.complete(engine_ctx, classify["id"], actor_for(engine_ctx, "xuly"), {
        "petition_type": "denunciation", "in_vietnamese": True, "has_identity": True,
        "anonymous": False, "within_competence": True, "already_sent_to_competent": False,
        "already_guided": False, "already_transferred": False, "resolved_nothing_new": False,
        "crime_signs": False, "party_member": False, "concrete_content": True,
        "proposal_note": f"Ông {DENOUNCER} (SĐT {DENOUNCER_PHONE}) xin giữ bí mật"})


def _unsealings(engine_ctx, instance_id: int) -> int:
    with engine_ctx.uow(write=False) as uow:
        return len(uow.session.scalars(select(AuditEvent.id).where(
            AuditEvent.instance_id == instance_id,
            AuditEvent.event_type == "identity_unsealed")).all())


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_complaint_file_shows_register_fields_timeline_and_open_task(app, engine_ctx, tmp_path):
    result = _register(engine_ctx, [_document(tmp_path, "Biên bản.pdf", b"x", "application/pdf")])
    task = human_tasks.list_tasks(engine_ctx, instance_id=result["instance_id"])[0]
    human_tasks.claim(engine_ctx, task["id"], actor_for(engine_ctx, "xuly"))
    client = _client_for(app, "xuly")
    response = client.get(f"/petitions/{result['petition_id']}")
    page = _text(response)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    for expected in (result["number"], result["tracking_code"], "Khiếu nại", "Đất đai, nhà ở",
                     "Trực tiếp", "20/11/2026", "Thôn Đông", "thu hồi đất thửa số 12",
                     DENOUNCER,  # a complaint is not sealed
                     "Vào sổ đơn", "Nguyễn Thị Tiếp",  # timeline: event and who
                     "Nhận xử lý", "Trần Văn Xử", "chưa có người nhận",  # before → after
                     "Phân loại, đề xuất xử lý đơn", "Cán bộ xử lý đơn",  # open task and role
                     "Biên bản.pdf", "Nguyên vẹn", "Tóm tắt nội dung đơn"):
        assert expected in page, expected
    assert "Xem danh tính" not in page
    assert 'name="csrf_token"' in page  # base layout's logout form
    assert "<script>" not in page


def test_petition_list_filters_and_links_to_the_file(app, engine_ctx, tmp_path):
    complaint = _register(engine_ctx)
    denunciation = _register(engine_ctx, petition_type="denunciation", field="corruption",
                             summary=f"{DENOUNCER} tố cáo cán bộ địa chính")
    client = _client_for(app, "xuly")
    page = _text(client.get("/petitions/"))
    assert complaint["number"] in page and denunciation["number"] in page
    assert f'/petitions/{complaint["petition_id"]}"' in page
    assert DENOUNCER not in page  # a sealed summary quoting the denouncer is redacted
    only = _text(client.get("/petitions/?type=denunciation"))
    assert denunciation["number"] in only and complaint["number"] not in only
    by_code = _text(client.get(f"/petitions/?q={complaint['tracking_code'].lower()}"))
    assert complaint["number"] in by_code and denunciation["number"] not in by_code
    by_field = _text(client.get("/petitions/?field=land_housing&status=waiting"))
    assert complaint["number"] in by_field and denunciation["number"] not in by_field
    assert client.get("/petitions/?type=unknown").status_code == 400
    assert client.get("/petitions/?page=abc").status_code == 400


@pytest.mark.parametrize("username", ["xuly", "congkhai"])
def test_denunciation_is_masked_everywhere_for_roles_without_identity(app, engine_ctx, tmp_path,
                                                                      username):
    result = _denunciation(engine_ctx, tmp_path)
    client = _client_for(app, username)
    response = client.get(f"/petitions/{result['petition_id']}")
    page = _text(response)
    assert response.status_code == 200
    assert "Người tố cáo 1 (đã niêm phong)" in page
    for secret in (DENOUNCER, DENOUNCER_ID, DENOUNCER_PHONE, "Số 5 ngõ 3", "Nguyễn Văn"):
        assert secret not in page, secret
    assert "[thông tin được bảo mật]" in page  # the summary and the proposal note, redacted
    assert "xin giữ bí mật" in page  # ... the rest of the note is still there
    assert "Tài liệu 1 (đã niêm phong)" in page
    assert "/identity" not in page and "Xem danh tính" not in page
    doc_url = f"/petitions/{result['petition_id']}/documents/"
    assert doc_url not in page  # no link to the letter itself
    forbidden = client.post(f"/petitions/{result['petition_id']}/identity",
                            data={"reason": "Muốn xem thử", "csrf_token": csrf(response)})
    assert forbidden.status_code == 403
    assert _unsealings(engine_ctx, result["instance_id"]) == 0


def test_head_unseals_with_a_reason_for_that_response_only(app, engine_ctx, tmp_path):
    result = _denunciation(engine_ctx, tmp_path)
    head = _client_for(app, "truongdonvi")
    url = f"/petitions/{result['petition_id']}"
    page = head.get(url)
    assert "Xem danh tính" in _text(page) and DENOUNCER not in _text(page)
    shown = head.post(f"{url}/identity", data={"reason": REASON, "csrf_token": csrf(page)})
    text = _text(shown)
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    assert DENOUNCER in text and DENOUNCER_ID in text and DENOUNCER_PHONE in text
    assert f"Đơn tố cáo của {DENOUNCER}.pdf" in text
    assert f"Xem danh tính người tố cáo — lý do: {REASON}" in text
    assert _unsealings(engine_ctx, result["instance_id"]) == 1
    again = _text(head.get(url))  # the next reading is sealed again
    assert DENOUNCER not in again and "Người tố cáo 1 (đã niêm phong)" in again
    officer = _text(_client_for(app, "xuly").get(url))
    assert f"Xem danh tính người tố cáo — lý do: {REASON}" in officer
    assert "Phạm Văn Trưởng" in officer and DENOUNCER not in officer


def test_letter_reclassified_as_denunciation_is_masked_too(app, engine_ctx, tmp_path):
    result = _register(engine_ctx, summary="Đơn ghi là khiếu nại nhưng nội dung là tố cáo")
    _classify_as_denunciation(engine_ctx, result)
    page = _text(_client_for(app, "xuly").get(f"/petitions/{result['petition_id']}"))
    assert "Người tố cáo 1 (đã niêm phong)" in page
    for secret in (DENOUNCER, DENOUNCER_ID, DENOUNCER_PHONE):
        assert secret not in page, secret


@pytest.mark.parametrize("reason", ["", "   ", "abc"])
def test_unsealing_without_a_real_reason_is_refused_and_not_audited(app, engine_ctx, tmp_path,
                                                                    reason):
    result = _denunciation(engine_ctx, tmp_path)
    head = _client_for(app, "truongdonvi")
    page = head.get(f"/petitions/{result['petition_id']}")
    response = head.post(f"/petitions/{result['petition_id']}/identity",
                         data={"reason": reason, "csrf_token": csrf(page)})
    assert response.status_code == 400
    assert "Phải nêu lý do xem danh tính" in _text(response) and DENOUNCER not in _text(response)
    assert _unsealings(engine_ctx, result["instance_id"]) == 0
    no_token = head.post(f"/petitions/{result['petition_id']}/identity", data={"reason": REASON})
    assert no_token.status_code == 400 and _unsealings(engine_ctx, result["instance_id"]) == 0


def test_document_download_headers_and_ownership(app, engine_ctx, tmp_path):
    content = "Nội dung biên bản".encode()
    first = _register(engine_ctx, [_document(tmp_path, "Biên bản làm việc.txt", content,
                                             "text/plain; charset=utf-8")])
    other = _register(engine_ctx, [_document(tmp_path, "Khác.pdf", b"%PDF", "application/pdf")])
    client = _client_for(app, "xuly")
    page = _text(client.get(f"/petitions/{first['petition_id']}"))
    first_doc = int(re.search(rf"/petitions/{first['petition_id']}/documents/(\d+)", page).group(1))
    other_page = _text(client.get(f"/petitions/{other['petition_id']}"))
    other_doc = int(re.search(rf"/petitions/{other['petition_id']}/documents/(\d+)", other_page).group(1))
    response = client.get(f"/petitions/{first['petition_id']}/documents/{first_doc}")
    assert response.status_code == 200 and response.data == content
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "filename*=UTF-8''Bi%C3%AAn%20b%E1%BA%A3n%20l%C3%A0m%20vi%E1%BB%87c.txt" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    response.close()  # releases the streamed file
    assert client.get(f"/petitions/{first['petition_id']}/documents/{other_doc}").status_code == 404
    assert client.get(f"/petitions/{first['petition_id']}/documents/99999").status_code == 404
    anonymous = app.test_client().get(f"/petitions/{first['petition_id']}/documents/{first_doc}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_sealed_documents_open_only_for_identity_roles_and_are_audited(app, engine_ctx, tmp_path):
    result = _denunciation(engine_ctx, tmp_path)
    head = _client_for(app, "truongdonvi")
    page = _text(head.get(f"/petitions/{result['petition_id']}"))
    url = re.search(rf"/petitions/{result['petition_id']}/documents/\d+", page).group(0)
    assert _client_for(app, "xuly").get(url).status_code == 403
    response = head.get(url)
    assert response.status_code == 200 and response.data == b"%PDF-1.4 to cao"
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    response.close()
    with engine_ctx.uow(write=False) as uow:
        opened = uow.session.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == result["instance_id"],
            AuditEvent.event_type == "sealed_document_opened")).all()
    assert [e.actor for e in opened] == ["truongdonvi"]
    timeline = _text(_client_for(app, "xuly").get(f"/petitions/{result['petition_id']}"))
    assert "Mở tài liệu của đơn tố cáo" in timeline and DENOUNCER not in timeline


def test_unknown_petition_and_login_required(app, engine_ctx):
    assert app.test_client().get("/petitions/").status_code == 302
    client = _client_for(app, "xuly")
    assert client.get("/petitions/4242").status_code == 404


def test_the_head_grants_an_officer_the_identity_right_from_the_page(app, engine_ctx, tmp_path):
    result = _denunciation(engine_ctx, tmp_path)
    url = f"/petitions/{result['petition_id']}"
    officer = _client_for(app, "xuly2")
    page = officer.get(url)
    assert "Cho phép xem danh tính" not in _text(page)  # only the resolver sees the grant form
    assert officer.post(f"{url}/identity", data={"reason": REASON,
                                                 "csrf_token": csrf(page)}).status_code == 403
    head = _client_for(app, "truongdonvi")
    page = head.get(url)
    assert "Cho phép xem danh tính" in _text(page) and 'value="xuly2"' in _text(page)
    until = (engine_ctx.clock.now() + timedelta(days=2)).date().isoformat()
    bad = head.post(f"{url}/identity/grants", data={"grantee": "xuly2", "reason": "x",
                                                    "until": until, "csrf_token": csrf(page)})
    assert bad.status_code == 400  # a reason is required; nothing granted
    granted = head.post(f"{url}/identity/grants", data={
        "grantee": "xuly2", "reason": "Soạn thông báo thụ lý", "until": until,
        "csrf_token": csrf(page)})
    assert granted.status_code == 303
    assert "Còn hiệu lực" in _text(head.get(url))
    page = officer.get(url)
    shown = officer.post(f"{url}/identity", data={"reason": REASON, "csrf_token": csrf(page)})
    assert shown.status_code == 200 and DENOUNCER in _text(shown)
