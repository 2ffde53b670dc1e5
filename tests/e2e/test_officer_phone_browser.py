"""Officers on a 390 px phone (issue 15): the inbox shows cards, nothing overflows sideways, the
summary reads as lines of text (not one word per line); the focus ring shows on the red header.
Screenshots: test-artifacts/phone-inbox.png, header-focus.png."""
from __future__ import annotations

from datetime import datetime

import pytest

from engine.working_days import VN_TZ
from tests.integration.test_reports import Desk

SUMMARY = ("Khiếu nại Quyết định thu hồi đất số 120/QĐ-UBND vì mức bồi thường thấp hơn giá thị "
           "trường và chưa được tham vấn ý kiến trước khi thu hồi")


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN",
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


def _today() -> str:
    return datetime.now(VN_TZ).date().isoformat()


def test_inbox_on_a_390px_phone_is_cards_without_sideways_scroll(phone, live_server,
                                                                browser_login, artifacts):
    desk = Desk(live_server.engine_ctx)
    for _ in range(3):
        desk.register(_today(), summary=SUMMARY, unit="ubnd-xa-demo")
    browser_login(phone, "xuly")
    phone.goto(live_server.url + "/tasks/?view=queue")
    phone.wait_for_load_state("networkidle")
    phone.screenshot(path=artifacts / "phone-inbox.png", full_page=True)
    assert phone.locator("table.inbox tbody tr").count() == 3
    width = phone.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px screen"
    # Cards: the header row is hidden, each row is a block as wide as the content column.
    assert phone.locator("table.inbox thead").evaluate(
        "e => getComputedStyle(e).position") == "absolute"
    row = phone.locator("table.inbox tbody tr").first
    assert row.evaluate("e => getComputedStyle(e).display") == "block"
    # The summary wraps into a few long lines, not one word per line.
    summary = row.locator(".summary")
    box = summary.bounding_box()
    line_height = summary.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
    assert box["width"] >= 300, box
    assert box["height"] / line_height <= 5, (box, line_height)
    # Each cell says what it is (the column header is hidden).
    assert row.locator("td[data-label]").count() >= 4


def test_focus_ring_is_visible_on_the_red_header(browser, live_server, browser_login, artifacts):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    page = context.new_page()
    try:
        browser_login(page, "xuly")
        page.goto(live_server.url + "/tasks/")
        page.wait_for_load_state("networkidle")
        page.keyboard.press("Tab")          # the skip link
        page.keyboard.press("Tab")          # the brand link in the header
        focused = page.evaluate("""() => {
            const e = document.activeElement, s = getComputedStyle(e);
            const header = getComputedStyle(e.closest('.topbar'));
            return {inHeader: !!e.closest('.topbar'), style: s.outlineStyle, width: s.outlineWidth,
                    color: s.outlineColor, shadow: s.boxShadow, header: header.backgroundColor};
        }""")
        page.screenshot(path=artifacts / "header-focus.png")
        assert focused["inHeader"], focused
        assert (focused["style"], focused["width"]) == ("solid", "3px"), focused
        assert focused["color"] == "rgb(255, 255, 255)", focused
        assert focused["shadow"].startswith("rgb(29, 39, 51) 0px 0px 0px 5px"), focused
        assert _contrast(focused["color"], focused["header"]) >= 3, focused
    finally:
        context.close()


def _contrast(first: str, second: str) -> float:
    def luminance(css: str) -> float:
        channels = [int(v) / 255 for v in css[css.index("(") + 1:css.index(")")].split(",")[:3]]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)
