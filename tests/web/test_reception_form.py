"""The reception form and the receipt (issue 15): required fields marked, as many sender blocks
as the signers' count asks for (without JavaScript too), provinces in Vietnamese order, and a
receipt naming the agency (never its code) and the sender's address."""
from __future__ import annotations

import re

import pytest

from petitions.agencies.profiles import save_profile
from tests.web.conftest import csrf
from webapp.reception.forms import sender_blocks

REQUIRED = ["f-received_on", "f-channel", "f-petition_type", "f-field", "f-summary", "f-signers"]


def _blocks(html: str) -> list[str]:
    return re.findall(r'<fieldset class="sender-row" data-index="(\d+)"', html)


def test_required_fields_carry_a_star_and_aria_required(client, login):
    login("tiepdan")
    html = client.get("/reception/new").get_data(as_text=True)
    for field_id in REQUIRED:
        label = re.search(rf'<label for="{field_id}">(.*?)</label>', html, re.S).group(1)
        assert label.endswith('<span class="req" aria-hidden="true"> *</span>'), field_id
        control = re.search(rf'<(?:input|select|textarea)[^>]*id="{field_id}"[^>]*>', html).group(0)
        assert " required " in control and 'aria-required="true"' in control, field_id
    optional = re.search(r'<label for="f-location">(.*?)</label>', html, re.S).group(1)
    assert "req" not in optional
    assert "Các mục có dấu" in html and "là bắt buộc." in html


def test_sender_blocks_follow_the_count_without_javascript(client, login):
    login("tiepdan")
    page = client.get("/reception/new")
    assert _blocks(page.get_data(as_text=True)) == ["0"]
    for count, expected in (("3", ["0", "1", "2"]), ("1", ["0"]), ("8", ["0", "1"]),
                            ("40", ["0", "1", "2", "3", "4"]), ("abc", ["0"])):
        refreshed = client.post("/reception/new", data={
            "csrf_token": csrf(page), "action": "refresh", "signers": count})
        assert refreshed.status_code == 200
        assert _blocks(refreshed.get_data(as_text=True)) == expected, count
    # Typed senders are kept even when the count is lowered.
    kept = client.post("/reception/new", data={
        "csrf_token": csrf(page), "action": "refresh", "signers": "1",
        "senders-0-name": "Phạm Thị Dung", "senders-1-name": "Lê Văn Em"})
    html = kept.get_data(as_text=True)
    assert _blocks(html) == ["0", "1"] and 'value="Lê Văn Em"' in html


@pytest.mark.parametrize("count,blocks", [(0, 1), (1, 1), (2, 2), (4, 4), (5, 2), (10, 2),
                                          (11, 5), (500, 5), (None, 1)])
def test_sender_blocks_by_count(count, blocks):
    assert sender_blocks(count) == blocks


def test_provinces_on_the_form_are_in_vietnamese_order(client, login):
    login("tiepdan")
    html = client.get("/reception/new").get_data(as_text=True)
    select = html[html.index('id="senders-0-province_code"'):]
    names = re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', select[:select.index("</select>")])
    assert names[:6] == ["An Giang", "Bắc Ninh", "Cà Mau", "Cao Bằng", "Thành phố Cần Thơ",
                         "Thành phố Đà Nẵng"]
    assert names.index("Đồng Tháp") < names.index("Gia Lai") < names.index("Thành phố Hà Nội")


def _register(client, page, **overrides):
    data = {"csrf_token": csrf(page), "action": "check", "received_on": "2026-11-20",
            "channel": "direct", "forwarder_kind": "none", "petition_type": "complaint",
            "field": "land_housing", "summary": "Khiếu nại việc cấp giấy chứng nhận",
            "signers": "1", "senders-0-name": "Nguyễn Văn An",
            "senders-0-id_number": "001203004567", "senders-0-province_code": "1",
            "senders-0-ward_code": "4", "senders-0-address_detail": "Số 5 ngõ 3"}
    data.update(overrides)
    response = client.post("/reception/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_receipt_names_the_agency_and_the_senders_address(client, login, engine_ctx):
    save_profile(engine_ctx, "ubnd-xa-demo", {
        "full_name": "Ủy ban nhân dân xã Hòa Bình", "parent_body": "UBND tỉnh Demo",
        "address": "Số 1 đường Trung tâm, xã Hòa Bình"}, actor="quantri")
    login("tiepdan")
    receipt = _register(client, client.get("/reception/new"))
    assert '<p class="agency-name">Ủy ban nhân dân xã Hòa Bình</p>' in receipt
    assert '<p class="agency-parent">UBND tỉnh Demo</p>' in receipt
    assert "Số 1 đường Trung tâm, xã Hòa Bình" in receipt
    assert "ubnd-xa-demo" not in receipt.lower().replace("ubnd tỉnh demo", "")
    assert "Địa chỉ: Số 5 ngõ 3, Phường Ba Đình, Thành phố Hà Nội" in receipt


def test_denunciation_receipt_prints_no_address(client, login):
    login("tiepdan")
    receipt = _register(client, client.get("/reception/new"), petition_type="denunciation")
    assert "Số 5 ngõ 3" not in receipt and "Địa chỉ:" not in receipt
    assert "Nguyễn Văn An" not in receipt


def test_the_desk_records_the_contact_the_citizen_consented_to(client, login, engine_ctx):
    from sqlalchemy import select

    from petitions.citizens.models import CitizenContact
    login("tiepdan")
    page = client.get("/reception/new")
    html = page.get_data(as_text=True)
    assert 'name="notify_email"' in html and 'name="notify_sms"' in html
    refused = client.post("/reception/new", data={
        "csrf_token": csrf(page), "action": "check", "received_on": "2026-11-20",
        "channel": "direct", "forwarder_kind": "none", "petition_type": "complaint",
        "field": "land_housing", "summary": "Khiếu nại", "signers": "1",
        "senders-0-name": "Nguyễn Văn An", "notify_sms": "1"},
        content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "Ghi số điện thoại của người gửi để nhận tin nhắn" in refused.get_data(as_text=True)
    with engine_ctx.uow(write=False) as uow:
        assert uow.session.scalars(select(CitizenContact)).all() == []
    _register(client, client.get("/reception/new"), **{
        "senders-0-phone": "0913222333", "notify_sms": "1", "notify_email": "an@example.vn"})
    with engine_ctx.uow(write=False) as uow:
        [contact] = uow.session.scalars(select(CitizenContact)).all()
        assert (contact.email, contact.phone, contact.notify_sms) == (
            "an@example.vn", "0913222333", True)
