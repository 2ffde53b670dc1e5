"""One periodic reception session in a real browser (issue 17, "Done when"): the schedule shows
the session; three visits (a guided citizen; a letter registered from the visit, which enters
intake; a group of 7 with 2 representatives), the earlier visit shown as the ID number is typed;
the leader's conclusion with two follow-up assignments, one going overdue and escalated; the
month's figures count all of it. Screenshots go to test-artifacts/."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from engine.accounts.models import Unit
from engine.work import human_tasks, timers
from petitions.reception import figures
from petitions.reception.models import ReceptionConclusion

VN = timezone(timedelta(hours=7))


def _last_working_day(ctx) -> date:
    day = datetime.now(VN).date()
    cal = ctx.calendar()
    while not cal.is_working_day(day):
        day -= timedelta(days=1)
    return day


def _record_visit(page, url, fields: dict, checks: tuple = ()) -> None:
    page.goto(url)
    for name, value in fields.items():
        page.fill(f"[name='{name}']", value)
    for name in checks:
        page.check(f"[name='{name}']")


def test_one_periodic_session_end_to_end(live_server, browser, browser_login, artifacts,
                                         time_machine):
    ctx = live_server.engine_ctx
    with ctx.uow() as uow:
        for code, name in (("phong-kt", "Phòng Kinh tế"), ("cong-an-xa", "Công an xã")):
            uow.session.add(Unit(code=code, name=name))
        uow.commit()
    day = _last_working_day(ctx)
    page = browser.new_page(viewport={"width": 1024, "height": 1366})   # a tablet at the desk
    browser_login(page, "tiepdan")

    # The Party secretary's schedule, planned: the calendar shows the session.
    page.goto(live_server.url + "/tiep-cong-dan/")
    page.click("text=Công bố lịch tiếp")
    schedule_form = page.locator("form[action$='/tiep-cong-dan/lich']")
    schedule_form.locator("[name=position]").select_option("party_secretary")
    schedule_form.locator("[name=leader_name]").fill("Nguyễn Tiến Thịnh")
    schedule_form.locator("[name=monthly_days]").fill(str(day.day))
    schedule_form.locator("[name=place]").fill("Phòng Tiếp công dân")
    schedule_form.locator("button[type=submit]").click()
    plan = page.locator("form[action$='/len-lich']").first
    plan.locator("[name=start]").fill(day.isoformat())
    plan.locator("[name=end]").fill(day.isoformat())
    plan.locator("button[type=submit]").click()
    page.goto(live_server.url + f"/tiep-cong-dan/?thang={day:%Y-%m}")
    session_link = page.locator("a.cr-session", has_text="Nguyễn Tiến Thịnh · Định kỳ")
    assert session_link.count() == 1
    page.screenshot(path=artifacts / "reception_calendar.png", full_page=True)
    session_link.click()
    session_url = page.url

    # Three visits.
    page.click("text=Ghi lượt tiếp")
    form_url = page.url
    _record_visit(page, form_url, {"citizens.0.name": "Trần Văn Bình",
                                   "citizens.0.id_number": "001203004567",
                                   "content": "Hỏi thủ tục cấp giấy chứng nhận"})
    page.click("button:has-text('Ghi vào sổ')")
    assert "Đã ghi lượt tiếp số 1 vào sổ." in page.content()

    page.goto(form_url)
    page.fill("[name='citizens.0.name']", "Trần Văn Bình")
    page.type("[name='citizens.0.id_number']", "001203004567")
    page.wait_for_selector("#earlier:not([hidden]):has-text('Hỏi thủ tục cấp giấy chứng nhận')",
                           timeout=15_000)
    assert "Hỏi thủ tục cấp giấy chứng nhận" in page.inner_text("#earlier")
    page.screenshot(path=artifacts / "reception_visit_form.png", full_page=True)
    page.select_option("[name=petition_type]", "complaint")
    page.fill("[name=content]", "Khiếu nại quyết định thu hồi đất")
    page.check("[name=outcome][value=letter]")
    page.select_option("[name=field]", "land_housing")
    page.click("button:has-text('Ghi vào sổ')")
    assert "Đã vào sổ đơn số" in page.content()

    _record_visit(page, form_url, {"people": "7", "citizens.0.name": "Lò Văn A",
                                   "citizens.1.name": "Lò Thị B",
                                   "content": "Đoàn 7 hộ phản ánh ô nhiễm nguồn nước",
                                   "transferred_to": "UBND tỉnh"},
                  checks=("citizens.0.is_representative", "citizens.1.is_representative"))
    page.select_option("[name=petition_type]", "feedback")
    page.check("[name=outcome][value=transferred]")
    page.click("button:has-text('Ghi vào sổ')")
    assert page.locator("tr.cr-visit").count() == 3

    letters = [t for t in human_tasks.list_tasks(ctx) if t["bpmn_id"] == "Task_classify"]
    assert len(letters) == 1                                  # the letter entered intake

    # Held in person; the conclusion assigns two units.
    page.click("text=Ghi nhận đã tiếp")
    page.click("button:has-text('Ghi nhận đã tiếp')")
    page.click("text=Ban hành thông báo kết luận, giao nhiệm vụ")
    page.fill("[name=number]", "01/TB-ĐU")
    page.fill("[name=summary]", "Giao kiểm tra, xác minh, trả lời công dân")
    for i, (unit, owner, deadline) in enumerate((("phong-kt", "Trưởng phòng Kinh tế", 0),
                                                 ("cong-an-xa", "Trưởng Công an xã", 20))):
        page.select_option(f"[name='assignments.{i}.unit_code']", unit)
        page.fill(f"[name='assignments.{i}.owner']", owner)
        page.fill(f"[name='assignments.{i}.task']", "Kiểm tra, báo cáo")
        page.fill(f"[name='assignments.{i}.required_result']", "Báo cáo bằng văn bản")
        page.fill(f"[name='assignments.{i}.deadline']",
                  (datetime.now(VN).date() + timedelta(days=deadline)).isoformat())
    page.click("button:has-text('Ban hành kết luận')")
    assert page.locator(".cr-state", has_text="Đang thực hiện").count() == 2

    # Two days later the first assignment is overdue: the head is told.
    with ctx.uow(write=False) as uow:
        instance_id = uow.session.scalar(select(ReceptionConclusion.instance_id))
    later = datetime.now(timezone.utc) + timedelta(days=2)
    time_machine.move_to(later, tick=False)
    timers.fire_instance_timers(ctx, instance_id, later)
    ready = sorted(t["bpmn_id"] for t in human_tasks.list_tasks(ctx, instance_id=instance_id))
    assert ready == ["Task_ca_do", "Task_ca_do", "Task_ca_escalate"]
    browser_login(page, "tiepdan")
    page.goto(live_server.url + "/tiep-cong-dan/ket-luan")
    assert page.locator(".cr-state", has_text="Quá hạn, chưa thực hiện").count() == 1
    assert "Đã báo thủ trưởng 1 nhiệm vụ quá hạn." in page.content()
    page.screenshot(path=artifacts / "reception_conclusions.png", full_page=True)

    # The month's figures count all of it.
    with ctx.uow(write=False) as uow:
        month = figures.figures(uow.session, ["ubnd-xa-demo"], day.replace(day=1),
                                day.replace(day=28) + timedelta(days=4), now=later)
    assert {k: month[k] for k in ("visits", "people", "cases", "groups")} == {
        "visits": 3, "people": 9, "cases": 3, "groups": 1}
    assert month["sessions_by_kind"]["periodic"] == 1
    assert (month["conclusions"], month["assignments"], month["assignments_open_overdue"]) == (1, 2, 1)
    assert session_url.endswith("/tiep-cong-dan/phien/1")
