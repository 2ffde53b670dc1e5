"""Units and users in headless Chromium (issue 15): an administrator creates a unit with its
agency profile, creates a user in it with a role (who then logs in), and disables another user,
who then cannot log in. Screenshots go to test-artifacts/ (gitignored)."""
from __future__ import annotations

from engine.accounts import directory
from petitions.agencies.profiles import agency_for
from petitions.demo import DEMO_PASSWORD

STRONG = "ngựa-vằn-ăn-cỏ-lúc-bình-minh"


def _page(browser, problems: list[str]):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page.set_default_timeout(20000)
    page.on("pageerror", lambda err: problems.append(str(err)))
    # A blocked inline style or script (the CSP) shows as a console error.
    page.on("console", lambda m: problems.append(m.text) if m.type == "error"
            and not m.text.startswith("Failed to load resource") else None)
    page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}")
            if r.status >= 500 else None)
    return page


def _try_login(page, url: str, username: str, password: str) -> None:
    page.goto(url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_administrator_manages_units_and_users(live_server, browser, browser_login, artifacts):
    problems: list[str] = []
    page = _page(browser, problems)
    url = live_server.url
    browser_login(page, "quantri")

    # The menu leads to the pages; a new unit under the demo commune, with its profile.
    page.click("text=Đơn vị & người dùng")
    page.click("nav.people-nav >> text=Đơn vị")
    page.click("text=Thêm đơn vị")
    page.fill("#u-code", "thon-dong")
    page.fill("#u-name", "Ban công tác thôn Đông")
    page.select_option("#u-parent", "ubnd-xa-demo")
    page.fill("#p-full_name", "Ban công tác Mặt trận thôn Đông")
    page.fill("#p-address", "Nhà văn hóa thôn Đông")
    page.fill("#p-head_position", "Trưởng thôn")
    page.fill("#p-head_name", "Lò Văn Đông")
    page.click("#unit-form button[type=submit]")
    page.wait_for_url("**/people/units/thon-dong")
    assert "Đã tạo đơn vị thon-dong." in page.inner_text("main")
    page.goto(url + "/people/units")
    row = page.locator("tr[data-unit=thon-dong]")
    assert "Ban công tác thôn Đông" in row.inner_text()
    page.screenshot(path=artifacts / "people-units.png", full_page=True)
    with live_server.engine_ctx.uow(write=False) as uow:
        agency = agency_for(uow.session, "thon-dong")
    assert (agency.full_name, agency.head_name, agency.parent_body) == (
        "Ban công tác Mặt trận thôn Đông", "Lò Văn Đông", "Ủy ban nhân dân xã An Phú")

    # A user in it with a role and an initial password.
    row.locator("text=Người dùng").click()
    page.click("text=Thêm người dùng")
    page.fill("#u-username", "truongthon")
    page.fill("#u-display", "Lò Văn Đông")
    page.select_option("#u-unit", "thon-dong")
    page.check("#role-handling_officer")
    page.fill("#u-password", STRONG)
    page.click("#user-form button[type=submit]")
    page.wait_for_url("**/people/users/truongthon")
    assert "Đã tạo người dùng truongthon." in page.inner_text("main")
    created = directory.get_user(live_server.engine_ctx, "truongthon")
    assert (created.unit, created.roles, created.active) == (
        "thon-dong", ("handling_officer",), True)

    # Another user disabled.
    page.goto(url + "/people/users?unit=ubnd-xa-demo")
    page.click("tr[data-user=xuly2] a")
    page.click("#active-form button")
    page.wait_for_load_state("networkidle")
    assert "Đã vô hiệu hóa tài khoản." in page.inner_text("main")
    page.screenshot(path=artifacts / "people-user-disabled.png", full_page=True)
    assert directory.get_user(live_server.engine_ctx, "xuly2").active is False

    # The disabled user is refused; the new one logs in.
    other = _page(browser, problems)
    _try_login(other, url, "xuly2", DEMO_PASSWORD)
    assert "/login" in other.url
    _try_login(other, url, "truongthon", STRONG)
    assert "/login" not in other.url
    assert problems == []
