"""Issue 19 §2 in a real browser: a complex case goes through its register. The letter is
registered with the officer's marker "Phức tạp, kéo dài" (through the real registration handler);
the head enters it from the candidates, sets the plan, owner, working group and roadmap; the owner
marks a milestone done and writes the quarterly report; the supervisor's dashboard flags the
overdue milestone and the ad-hoc report counts it."""
from __future__ import annotations

from datetime import timedelta

from engine.accounts.users import actor_for
from engine.working_days import VN_TZ
from petitions.register import registration
from petitions.register.registration import Registration, Sender

SENDER = "Quách Thị Bảo Châu"


def _day(ctx, days: int = 0):
    return ctx.clock.now().astimezone(VN_TZ).date() + timedelta(days=days)


def _submit(page, form_selector: str) -> None:
    page.click(f"{form_selector} button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "flash-error" not in page.content(), page.locator(".flash-error").inner_text()


def test_a_complex_case_goes_through_its_register(browser, live_server, browser_login, artifacts):
    ctx = live_server.engine_ctx
    made = registration.register(ctx, actor_for(ctx, "tiepdan"), Registration(
        received_on=_day(ctx, -30), channel="direct", petition_type="complaint",
        field="land_housing", signers=1,
        summary=f"Bà {SENDER} khiếu nại việc bồi thường kéo dài nhiều năm",
        priority_markers=["complex_case"],
        senders=[Sender(name=SENDER, id_number="001203004999")]))
    number = made["number"]

    head = browser.new_page(viewport={"width": 1280, "height": 900})
    browser_login(head, "truongdonvi")
    head.goto(live_server.url + "/vu-viec-phuc-tap/")
    candidate = head.locator("#complex-candidates tbody tr", has_text=number)
    assert "Phức tạp, Kéo dài" in candidate.inner_text()
    head.screenshot(path=str(artifacts / "complex-01-candidates.png"), full_page=True)
    candidate.locator("button[type=submit]").click()
    head.wait_for_load_state("networkidle")
    assert "/vu-viec-phuc-tap/" in head.url and head.locator("#complex-entry").count()

    head.fill("#plan-form textarea[name=plan]",
              "Rà soát hồ sơ bồi thường, đối thoại công khai, ban hành quyết định dứt điểm")
    head.select_option("#plan-form select[name=owner]", "xuly")
    head.check("#plan-form input[name=working_group][value=xuly2]")
    _submit(head, "#plan-form")
    assert "Trần Văn Xử" in head.locator("#complex-plan").inner_text()
    for title, days in (("Rà soát hồ sơ bồi thường", -20), ("Tổ chức đối thoại", -5),
                        ("Ban hành quyết định", 20)):
        head.fill("#milestone-form input[name=title]", title)
        head.fill("#milestone-form input[name=due_on]", _day(ctx, days).isoformat())
        _submit(head, "#milestone-form")
    assert head.locator("#complex-milestones tbody tr").count() == 3

    owner = browser.new_page(viewport={"width": 1280, "height": 900})
    browser_login(owner, "xuly")
    owner.goto(head.url)
    first = owner.locator("#complex-milestones tbody tr", has_text="Rà soát hồ sơ")
    first.locator("details").evaluate("d => { d.open = true; }")
    first.locator("select[name=status]").select_option("done")
    first.locator("input[name=done_on]").fill(_day(ctx, -21).isoformat())
    first.locator("button[type=submit]").click()
    owner.wait_for_load_state("networkidle")
    rows = owner.locator("#complex-milestones tbody tr")
    assert "Hoàn thành" in rows.nth(0).inner_text()
    assert "Quá hạn 5 ngày" in rows.nth(1).inner_text()
    assert "Quá hạn" not in rows.nth(2).inner_text()
    owner.fill("#quarter-report-form textarea[name=text]",
               "Đã rà soát xong hồ sơ; chưa tổ chức được đối thoại do người khiếu nại vắng mặt")
    _submit(owner, "#quarter-report-form")
    assert "chưa tổ chức được đối thoại" in owner.locator(".complex-report").first.inner_text()
    owner.screenshot(path=str(artifacts / "complex-02-entry.png"), full_page=True)

    supervisor = browser.new_page(viewport={"width": 1280, "height": 900})
    browser_login(supervisor, "giamsat")
    supervisor.goto(live_server.url + "/supervision/")
    flagged = supervisor.locator("#complex-overdue tbody tr", has_text=number).inner_text()
    assert "Tổ chức đối thoại" in flagged and "Rà soát hồ sơ" not in flagged
    assert "1/3" in flagged
    supervisor.locator("#complex-overdue").screenshot(path=str(artifacts / "complex-03-dashboard.png"))
    supervisor.goto(live_server.url + "/vu-viec-phuc-tap/bao-cao")
    assert supervisor.locator("#total-with-overdue").inner_text() == "1"
    assert "chưa tổ chức được đối thoại" in supervisor.locator("#complex-report-rows").inner_text()
    download = supervisor.request.get(live_server.url + "/vu-viec-phuc-tap/bao-cao.xlsx")
    assert download.ok and download.body()[:2] == b"PK"
    supervisor.screenshot(path=str(artifacts / "complex-04-report.png"), full_page=True)
    for page in (head, owner, supervisor):   # the register never names the sender
        assert SENDER not in page.content()
