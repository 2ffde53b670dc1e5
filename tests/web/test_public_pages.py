"""The citizens' public pages (issue 18): no login, CSRF, the honeypot and the two puzzles, the
receipt's PIN shown once, tracking not enumerable, 429 in Vietnamese, published results with no
sealed identity, the reception schedule, the unit's withdrawal and the desk's new PIN."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from engine.accounts.users import actor_for
from engine.persistence.models import AuditEvent
from petitions.citizens import appointments
from petitions.citizens.models import Publication, TrackingPin
from petitions.persistence.models import Petition
from petitions.reception import sessions
from tests.integration import citizens_journey as journey
from tests.web.conftest import csrf

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PAGES = ["/gui-don", "/tra-cuu", "/cong-khai", "/lich-tiep-cong-dan"]


@pytest.fixture(autouse=True)
def _real_time_is_the_clock(clock, time_machine):
    time_machine.move_to(clock.current, tick=False)


def _text(response) -> str:
    return response.get_data(as_text=True)


def _form(client, **overrides) -> dict:
    page = _text(client.get("/gui-don"))
    token = re.search(r'name="question_token" value="([^"]+)"', page).group(1)
    _, a, b, _ = token.split(".")
    data = {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
        "submission_key": re.search(r'name="submission_key" value="([^"]+)"', page).group(1),
        "pow_challenge": re.search(r'name="pow_challenge" id="pow_challenge" value="([^"]+)"',
                                   page).group(1),
        "question_token": token, "question_answer": str(int(a) + int(b)),
        "petition_type": "complaint", "unit_code": "ubnd-xa-demo",
        "sender0_name": "Phạm Văn Gửi", "sender0_id": "001080099999", "sender0_phone": "0911222333",
        "sender0_address": "Thôn Tây", "summary": "Đề nghị xem xét việc cấp giấy chứng nhận",
        "email": "gui@example.vn", "consent": "1", "website": "",
    }
    data.update(overrides)
    return data


def _count(engine_ctx, model) -> int:
    with engine_ctx.uow(write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def test_public_pages_need_no_login(client):
    for path in PAGES:
        page = client.get(path)
        assert page.status_code == 200, path
        assert "Tra cứu đơn" in _text(page) and "login" not in page.headers.get("Location", "")


def test_online_letter_without_javascript_gives_code_and_pin_once(client, engine_ctx):
    data = _form(client)
    sent = client.post("/gui-don", data={**data, "attachments": (io.BytesIO(PDF), "don.pdf")},
                       content_type="multipart/form-data")
    assert sent.status_code == 200, _text(sent)[:2000]
    page = _text(sent)
    code = re.search(r'id="tracking-code">([A-Z0-9-]+)<', page).group(1)
    pin = re.search(r'id="tracking-pin">(\d{8})<', page).group(1)
    with engine_ctx.uow(write=False) as uow:
        petition = uow.session.scalars(select(Petition).where(Petition.tracking_code == code)).one()
        assert petition.channel == "online"
        stored = uow.session.get(TrackingPin, petition.id).pin_hash
    assert pin not in stored and stored.startswith("$argon2")
    # The same form again (a reload): nothing more, the code only.
    again = client.post("/gui-don", data={**data, "attachments": (io.BytesIO(PDF), "don.pdf")},
                        content_type="multipart/form-data")
    assert again.status_code == 200 and code in _text(again) and pin not in _text(again)
    assert "đã được gửi trước đó" in _text(again)
    assert _count(engine_ctx, Petition) == 1
    tracked = client.post("/tra-cuu", data={"csrf_token": csrf(client.get("/tra-cuu")),
                                            "code": code, "pin": pin})
    assert tracked.status_code == 200
    assert "Đơn gửi trực tuyến đang chờ cán bộ tiếp nhận kiểm tra" in _text(tracked)


def test_proof_of_work_stands_in_for_the_question(client, engine_ctx):
    from webapp.public.abuse import solve
    data = _form(client, question_answer="")
    data["pow_counter"] = solve(data["pow_challenge"])
    assert client.post("/gui-don", data=data).status_code == 200
    assert _count(engine_ctx, Petition) == 1


@pytest.mark.parametrize("change, status, message", [
    ({"website": "http://spam.example"}, 400, "không phải máy tự động"),
    ({"question_answer": "99"}, 400, "không phải máy tự động"),
    ({"consent": ""}, 422, "Cần đồng ý cho cơ quan xử lý dữ liệu cá nhân"),
    ({"sender0_id": "12ab"}, 422, "Số định danh gồm 12 chữ số"),
])
def test_bad_letters_change_nothing(client, engine_ctx, change, status, message):
    answer = client.post("/gui-don", data=_form(client, **change))
    assert answer.status_code == status and message in _text(answer)
    assert _count(engine_ctx, Petition) == 0


def test_a_refused_file_changes_nothing(client, engine_ctx):
    answer = client.post("/gui-don", data={**_form(client),
                                           "attachments": (io.BytesIO(b"MZ\x90"), "don.pdf")},
                         content_type="multipart/form-data")
    assert answer.status_code == 400 and "không đúng định dạng" in _text(answer)
    assert _count(engine_ctx, Petition) == 0


def test_forms_need_csrf(client, engine_ctx):
    data = _form(client)
    del data["csrf_token"]
    assert client.post("/gui-don", data=data).status_code == 400
    assert client.post("/tra-cuu", data={"code": "X", "pin": "1"}).status_code == 400
    assert _count(engine_ctx, Petition) == 0


def _strip(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", html)


def test_tracking_is_not_enumerable(client, engine_ctx):
    result = journey.submit(engine_ctx)
    token = csrf(client.get("/tra-cuu"))
    wrong_pin = client.post("/tra-cuu", data={"csrf_token": token, "code": result["tracking_code"],
                                              "pin": "12345678" if result["pin"] != "12345678"
                                              else "87654321"})
    unknown = client.post("/tra-cuu", data={"csrf_token": token, "code": "ZZZZZ-ZZZZZ",
                                            "pin": result["pin"]})
    assert wrong_pin.status_code == unknown.status_code == 404
    assert _strip(_text(wrong_pin)) == _strip(_text(unknown))
    assert "Mã tra cứu hoặc mã PIN không đúng" in _text(unknown)


def test_too_many_attempts_get_the_vietnamese_429(db_url, tmp_path, clock):
    from webapp import create_app
    from webapp.extensions import limiter
    limited = create_app({"DATABASE_URL": db_url, "PETITIONS_DATA_DIR": str(tmp_path),
                          "SECRET_KEY": "t", "SECURE_COOKIES": False, "RATELIMIT_ENABLED": "1"})
    try:
        client = limited.test_client()
        token = csrf(client.get("/tra-cuu"))
        codes = [client.post("/tra-cuu", data={"csrf_token": token, "code": "ABCDE-FGHJK",
                                               "pin": f"{i:08d}"}).status_code for i in range(11)]
        assert codes[:10] == [404] * 10 and codes[10] == 429
        refused = client.post("/tra-cuu", data={"csrf_token": token, "code": "ABCDE-FGHJK",
                                                "pin": "1"})
        assert refused.status_code == 429 and "quá nhiều lần" in _text(refused)
        # Another code from the same address is still answered (per-code limit), until the
        # per-address limit.
        other = client.post("/tra-cuu", data={"csrf_token": token, "code": "BBBBB-CCCCC",
                                              "pin": "1"})
        assert other.status_code == 404
    finally:
        limiter.reset()
        limited.extensions["petitions"].close()


def test_no_public_response_shows_a_sealed_denouncer(client, engine_ctx, tmp_path):
    """The canary: a denunciation typed with its denouncer's name, ID and phone, concluded and
    published; every public page and answer is searched for them."""
    result = journey.submit(engine_ctx, kind="denunciation", name=journey.SEALED_NAME,
                            id_number=journey.SEALED_ID, phone=journey.SEALED_PHONE)
    petition = journey.petition_of(engine_ctx, result["tracking_code"])
    journey.drive(engine_ctx, petition.instance_id, journey.steps(engine_ctx, kind="denunciation"),
                  "Task_den_publish")
    assert _count(engine_ctx, Publication) == 1
    token = csrf(client.get("/tra-cuu"))
    responses = [client.get(p) for p in PAGES]
    responses += [client.get(p, headers={"Accept": "application/json"}) for p in PAGES]
    responses += [client.get("/cong-khai?loai=denunciation_conclusion&tu-ngay=2000-01-01")]
    responses += [client.post("/tra-cuu", data={"csrf_token": token, "code": result["tracking_code"],
                                                "pin": result["pin"]})]
    assert "Đã ban hành kết luận nội dung tố cáo" in _text(responses[-1])
    assert "Trần Văn Bình thu tiền sai" in _text(responses[2])
    for response in responses:
        text = _text(response)
        for secret in (journey.SEALED_NAME, "Bí Mật", journey.SEALED_ID, journey.SEALED_PHONE,
                       "0987 654 321"):
            assert secret not in text, (response.request.path, secret)


def test_published_results_search_and_withdrawal_after_the_period(client, login, engine_ctx, clock):
    result = journey.submit(engine_ctx)
    petition = journey.petition_of(engine_ctx, result["tracking_code"])
    journey.drive(engine_ctx, petition.instance_id,
                  journey.steps(engine_ctx, kind="complaint", level="second"), "Task_kn_publish")
    page = _text(client.get("/cong-khai"))
    assert "Quyết định giải quyết khiếu nại lần hai số 215/QĐ-UBND" in page
    assert "Ngày đăng: " + clock.current.strftime("%d/%m/%Y") in page
    assert "215/QĐ-UBND" not in _text(client.get("/cong-khai?loai=denunciation_conclusion"))
    future = (date.today() + timedelta(days=400)).isoformat()
    assert "215/QĐ-UBND" not in _text(client.get(f"/cong-khai?tu-ngay={future}"))
    login("congkhai")
    manage = client.get("/cong-khai/quan-ly")
    publication_id = int(re.search(r'name="publication_id" value="(\d+)"', _text(manage)).group(1))
    early = client.post("/cong-khai/quan-ly/go", data={"csrf_token": csrf(manage),
                                                        "publication_id": publication_id},
                        follow_redirects=True)
    assert "Chưa hết thời hạn công khai tối thiểu" in _text(early)
    assert "215/QĐ-UBND" in _text(client.get("/cong-khai"))
    clock.advance(days=20)
    login("congkhai")  # the session of 20 days ago has expired
    manage = client.get("/cong-khai/quan-ly")
    done = client.post("/cong-khai/quan-ly/go", data={"csrf_token": csrf(manage),
                                                       "publication_id": publication_id},
                       follow_redirects=True)
    assert "Đã gỡ tin" in _text(done)
    assert "215/QĐ-UBND" not in _text(client.get("/cong-khai"))
    with engine_ctx.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.event_type == "publication_withdrawn")) == 1


def test_schedule_registration_gives_a_code_and_staff_see_it(client, engine_ctx, clock):
    today = clock.current.date()
    made = sessions.add_ad_hoc(engine_ctx, actor_for(engine_ctx, "truongdonvi"),
                               position="chairman", leader_name="Chủ tịch Nguyễn Văn Lãnh",
                               held_on=today + timedelta(days=3), place="Trụ sở UBND xã",
                               morning="07:30-11:30")
    page = client.get("/lich-tiep-cong-dan")
    assert "Chủ tịch Nguyễn Văn Lãnh" in _text(page)
    bad = client.post("/lich-tiep-cong-dan", data={"csrf_token": csrf(page), "session_id": made["id"],
                                                   "name": "A", "contact": "", "matter": ""})
    assert bad.status_code == 422 and "Hãy nhập họ và tên" in _text(bad)
    done = client.post("/lich-tiep-cong-dan", data={
        "csrf_token": csrf(page), "session_id": made["id"], "name": "Đỗ Thị Hẹn",
        "contact": "0933444555", "matter": "Hỏi về bồi thường đất ở thôn Đông"})
    assert done.status_code == 200
    code = re.search(r'id="confirmation-code">([A-Z0-9]+)<', _text(done)).group(1)
    listed = appointments.for_session(engine_ctx, actor_for(engine_ctx, "tiepdan"), made["id"])
    assert [(r["code"], r["name"], r["contact"]) for r in listed] == [
        (code, "Đỗ Thị Hẹn", "0933444555")]


def test_desk_gives_a_new_pin_after_the_identity_check(client, login, engine_ctx):
    result = journey.submit(engine_ctx)
    petition = journey.petition_of(engine_ctx, result["tracking_code"])
    login("tiepdan")
    page = client.get(f"/reception/receipt/{petition.id}")
    token = csrf(page) if page.status_code == 200 else csrf(client.get("/tasks/"))
    refused = client.post(f"/ma-pin/{petition.id}", data={"csrf_token": token})
    assert refused.status_code == 302
    slip = client.post(f"/ma-pin/{petition.id}", data={"csrf_token": token,
                                                       "identity_checked": "1"})
    assert slip.status_code == 200
    new_pin = re.search(r'id="tracking-pin">(\d{8})<', _text(slip)).group(1)
    tracked = client.post("/tra-cuu", data={"csrf_token": token, "code": result["tracking_code"],
                                            "pin": new_pin})
    assert tracked.status_code == 200


def test_desk_receipt_shows_the_registration_pin_once(client, login, engine_ctx):
    from webapp.public import RECEIPT_PIN
    result = journey.submit(engine_ctx)
    petition = journey.petition_of(engine_ctx, result["tracking_code"])
    login("tiepdan")
    with client.session_transaction() as session:
        session[RECEIPT_PIN.format(petition.id)] = "12345678"
    first = _text(client.get(f"/reception/receipt/{petition.id}"))
    assert 'id="receipt-pin">12345678<' in first
    second = _text(client.get(f"/reception/receipt/{petition.id}"))
    assert "12345678" not in second and "In mã PIN tra cứu" in second
