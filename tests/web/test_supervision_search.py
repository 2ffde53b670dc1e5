"""Supervisors' search by a sender's ID number or phone (POST only, keyed hashes, sealed cases by
the identity rules) and by words typed without diacritics (issue 15)."""
from __future__ import annotations

from petitions.demo import DEMO_PASSWORD
from petitions.supervision import search
from tests.web.conftest import csrf
from tests.web.test_supervision import SUPERVISOR, desk  # noqa: F401  (fixture)


def _main_box(client, query: str):
    token = csrf(client.get("/supervision/search"))
    return client.post("/supervision/search/identity", data={"q": query, "csrf_token": token})


def _found(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    return response.get_data(as_text=True)


def test_main_box_finds_a_case_by_id_number_or_phone_in_any_grouping(client, login, desk):
    case = desk.register("2026-11-20", id_number="079188001122")
    other = desk.register("2026-11-21", id_number="001203009999")
    login("giamsat")
    for typed in ("079188001122", "079 188 001 122", "079-188-001-122", " 0791.8800.1122 "):
        html = _found(_main_box(client, typed))
        assert case["number"] in html and other["number"] not in html, typed
        assert "1 kết quả" in html and "079188001122" not in html  # the number is not echoed
    page = client.get("/supervision/search").get_data(as_text=True)
    assert 'method="post" action="/supervision/search/identity"' in page


def test_main_box_phone_and_text_go_where_they_belong(client, login, desk, engine_ctx):
    from engine.accounts.users import actor_for
    from petitions.register import registration
    from petitions.register.registration import Registration, Sender
    from datetime import date
    found = registration.register(engine_ctx, actor_for(engine_ctx, "tiepdan"), Registration(
        received_on=date(2026, 11, 20), channel="direct", petition_type="complaint",
        field="land_housing", summary="Khiếu nại việc cấp giấy chứng nhận",
        senders=[Sender(name="Trần Văn Bình", phone="0912345678")]))
    login("giamsat")
    for typed in ("0912 345 678", "+84 912 345 678", "0912-345-678"):
        assert found["number"] in _found(_main_box(client, typed)), typed
    # Words go back to the GET page (bookmarkable); a petition number is not an identity.
    words = _main_box(client, "cap giay")
    assert words.status_code == 303 and words.headers["Location"].endswith(
        "/supervision/search?q=cap+giay")
    assert _main_box(client, "2026-000001").status_code == 303
    assert search.identity_kinds("079188001122") == ["id_number"]
    assert search.identity_kinds("0912 345 678") == ["phone"]
    assert search.identity_kinds("+84912345678") == ["phone"]
    assert search.identity_kinds("123456789") == ["id_number"]
    assert search.identity_kinds("2026-000123") == [] and search.identity_kinds("dat dai") == []


def test_a_sealed_case_is_found_by_identity_only_by_who_may_read_it(client, login, desk):
    # The administrator reaches the supervision pages of their unit but may never read a
    # denouncer's identity: the denunciation is simply not found by the denouncer's number.
    sealed = desk.register("2026-11-20", "denunciation", unit="ubnd-xa-demo",
                           id_number="079188001122", summary="Tố cáo cán bộ nhận tiền")
    open_case = desk.register("2026-11-21", unit="ubnd-xa-demo", id_number="079188001122")
    login("quantri")
    html = _found(_main_box(client, "079188001122"))
    assert open_case["number"] in html and sealed["number"] not in html
    token = csrf(client.get("/supervision/search"))
    html = _found(client.post("/supervision/search/identity", data={
        "kind": "id_number", "value": "079 188 001 122", "csrf_token": token}))
    assert open_case["number"] in html and sealed["number"] not in html
    supervisor = client.application.test_client()
    page = supervisor.get("/login")
    supervisor.post("/login", data={"username": "giamsat", "password": DEMO_PASSWORD,
                                    "csrf_token": csrf(page)})
    html = _found(_main_box(supervisor, "079188001122"))
    assert open_case["number"] in html and sealed["number"] in html


def test_words_without_diacritics_match_the_field_label(engine_ctx, desk):
    # The demo complaint says "thu hồi đất" only; its field is "Đất đai, nhà ở".
    land = desk.register("2026-11-20", summary="Khiếu nại Quyết định thu hồi đất số 120/QĐ-UBND")
    policy = desk.register("2026-11-21", field="policy", summary="Kiến nghị chế độ trợ cấp")
    denounced = desk.register("2026-11-22", "denunciation", field="corruption",
                              summary="Đơn về cán bộ xã")

    def numbers(q):
        return [r["number"] for r in search.search(
            engine_ctx, search.SearchFilters(q=q), SUPERVISOR)["rows"]]

    assert numbers("dat dai") == [land["number"]]
    assert numbers("ĐẤT ĐAI") == [land["number"]]
    assert numbers("dat dai nha o") == [land["number"]]        # the whole label
    assert numbers("dat dai tro cap") == []                    # in no label, in no summary
    assert numbers("to cao") == [denounced["number"]]          # the type's label "Tố cáo"
    assert numbers("chinh sach") == [policy["number"]]         # "Chế độ, chính sách"
    assert numbers("sach chinh") == []                         # a label's words in order
