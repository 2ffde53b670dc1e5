"""A denouncer's identity in a real browser (Debian's Chromium): the handling officer sees the
redacted copy everywhere; the head unseals with a reason, sees the identity once, and the read is
listed; an officer of another unit gets "not found". Screenshots: test-artifacts/identity-*.png."""
from __future__ import annotations

from datetime import datetime

import pytest

from engine.work import human_tasks
from petitions.register import registration
from petitions.demo import DEMO_PASSWORD
from petitions.identity.matching import Identity, IdentityMatcher
from petitions.register.registration import Registration, Sender
from engine.accounts.users import actor_for, add_user, hash_password, set_password
from engine.working_days import VN_TZ

NAME, ID_NUMBER, PHONE = "Lương Hữu Phước Thịnh", "025999888777", "0966555444"
CANARY = IdentityMatcher([Identity(NAME, ID_NUMBER, PHONE)])


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def case(live_server):
    ctx = live_server.engine_ctx
    result = registration.register(ctx, actor_for(ctx, "tiepdan"), Registration(
        received_on=datetime.now(VN_TZ).date(), channel="direct", petition_type="complaint",
        field="corruption", senders=[Sender(name=NAME, id_number=ID_NUMBER, phone=PHONE)],
        summary="Ông LUONG HUU PHUOC THINH (SĐT 0966.555.444) tố cáo cán bộ địa chính"))
    classify = human_tasks.list_tasks(ctx, instance_id=result["instance_id"])[0]
    human_tasks.complete(ctx, classify["id"], actor_for(ctx, "xuly"), {
        "petition_type": "denunciation", "in_vietnamese": True, "has_identity": True,
        "anonymous": False, "within_competence": True, "already_sent_to_competent": False,
        "already_guided": False, "already_transferred": False, "resolved_nothing_new": False,
        "crime_signs": False, "party_member": False, "concrete_content": True,
        "proposal_note": f"Người gửi {NAME} đề nghị giữ bí mật"})
    add_user(ctx, "xulykhac", ["handling_officer"], actor="e2e", unit="ubnd-xa-khac")
    set_password(ctx, "xulykhac", DEMO_PASSWORD, actor="e2e",
                 password_hash=hash_password(DEMO_PASSWORD))
    return result


def test_officer_sees_the_copy_head_unseals_other_unit_finds_nothing(
        live_server, page, browser_login, case, artifacts):
    url = f"{live_server.url}/petitions/{case['petition_id']}"
    browser_login(page, "xuly")
    page.goto(url)
    text = page.inner_text("main")
    assert "[thông tin được bảo mật]" in text and not CANARY.contains(text)
    assert page.locator("form.unseal").count() == 0
    page.goto(f"{live_server.url}/tasks/?view=queue")
    assert not CANARY.contains(page.inner_text("main"))
    page.screenshot(path=artifacts / "identity-officer.png", full_page=True)
    page.context.clear_cookies()

    browser_login(page, "truongdonvi")
    page.goto(url)
    assert not CANARY.contains(page.inner_text("main"))
    page.fill("form.unseal input[name=reason]", "Ký thông báo thụ lý gửi người tố cáo")
    page.click("form.unseal button[type=submit]")
    page.wait_for_load_state("networkidle")
    shown = page.inner_text("main")
    assert NAME in shown and ID_NUMBER in shown
    page.screenshot(path=artifacts / "identity-head-unsealed.png", full_page=True)
    page.goto(url)  # the next view is sealed again, and lists the read
    again = page.inner_text("main")
    assert not CANARY.contains(again)
    assert "Những người đã xem danh tính người tố cáo" in again
    assert "Ký thông báo thụ lý gửi người tố cáo" in again
    page.context.clear_cookies()

    browser_login(page, "xulykhac")
    response = page.goto(url)
    assert response.status == 404 and not CANARY.contains(page.content())
