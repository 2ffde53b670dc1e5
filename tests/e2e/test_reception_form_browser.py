"""The reception form in a real browser (issue 15): visible stars on required fields, one sender
block for one signer, three for three (added and removed live, typed rows kept), provinces in
Vietnamese order, a receipt with the sender's address. Screenshot: test-artifacts/reception-*.png."""
from __future__ import annotations

import pytest

from petitions.demo import DEMO_PASSWORD


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda err: page.problems.append(str(err)))
    page.on("console", lambda m: m.type == "error" and "Failed to load resource" not in m.text
            and page.problems.append(m.text))
    yield page
    context.close()


def _blocks(page) -> int:
    return page.locator("#sender-rows .sender-row").count()


def test_reception_form_stars_blocks_and_provinces(page, live_server, browser_login, artifacts):
    browser_login(page, "tiepdan")
    page.goto(live_server.url + "/reception/new")
    page.wait_for_load_state("networkidle")
    for field_id in ("f-received_on", "f-channel", "f-petition_type", "f-field", "f-summary",
                     "f-signers"):
        star = page.locator(f"label[for={field_id}] .req")
        assert star.inner_text().strip() == "*" and star.is_visible(), field_id
        assert star.evaluate("e => getComputedStyle(e).color") == "rgb(179, 38, 30)"
        control = page.locator(f"#{field_id}")
        assert control.get_attribute("aria-required") == "true"
        assert control.evaluate("e => e.required") is True
    assert page.locator("label[for=f-location] .req").count() == 0

    assert _blocks(page) == 1                                    # "số người đứng tên" is 1
    page.fill("#f-signers", "3")
    assert _blocks(page) == 3
    assert page.locator("#sender-rows .sender-number").all_inner_texts() == ["1", "2", "3"]
    page.screenshot(path=artifacts / "reception-three-senders.png", full_page=True)
    page.fill("input[name='senders-1-name']", "Trần Thị Bình")
    page.fill("#f-signers", "1")
    assert _blocks(page) == 2                                    # the typed second row stays
    page.fill("input[name='senders-1-name']", "")
    page.fill("#f-signers", "2")
    page.fill("#f-signers", "1")
    assert _blocks(page) == 1

    names = page.locator("#senders-0-province_code option").all_inner_texts()[1:]
    assert names[:6] == ["An Giang", "Bắc Ninh", "Cà Mau", "Cao Bằng", "Thành phố Cần Thơ",
                         "Thành phố Đà Nẵng"]
    assert names.index("Điện Biên") < names.index("Gia Lai") < names.index("Thành phố Hà Nội")
    page.select_option("#senders-0-province_code", label="Thành phố Hà Nội")
    page.locator("#senders-0-ward_code option", has_text="Phường Ba Đình").wait_for(state="attached")
    wards = page.locator("#senders-0-ward_code option").all_inner_texts()[1:4]
    assert wards == ["Xã An Khánh", "Phường Ba Đình", "Xã Ba Vì"]

    page.select_option("#senders-0-ward_code", label="Phường Ba Đình")
    page.select_option("select[name=petition_type]", "complaint")
    page.select_option("select[name=field]", "land_housing")
    page.fill("textarea[name=summary]", "Khiếu nại việc cấp giấy chứng nhận quyền sử dụng đất")
    page.fill("input[name='senders-0-name']", "Nguyễn Văn An")
    page.fill("input[name='senders-0-address_detail']", "Số 5 ngõ 3")
    page.click("button.primary[name=action][value=check]")
    page.wait_for_load_state("networkidle")
    assert "/reception/receipt/" in page.url, page.content()[:2000]
    receipt = page.inner_text("article.receipt")
    assert "Địa chỉ: Số 5 ngõ 3, Phường Ba Đình, Thành phố Hà Nội" in receipt
    page.screenshot(path=artifacts / "reception-receipt.png", full_page=True)
    assert page.problems == []


def test_without_javascript_the_count_sets_the_blocks(browser, live_server, artifacts):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN",
                                  java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/login")
        page.fill("input[name=username]", "tiepdan")
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.goto(live_server.url + "/reception/new")
        assert _blocks(page) == 1
        page.fill("#f-signers", "3")
        page.click("button[name=action][value=refresh]")
        page.wait_for_load_state("networkidle")
        assert _blocks(page) == 3
    finally:
        context.close()
