"""Issue 19 §1 in a real browser: a complaint decision in force is followed up, urged once, and
closed by its implementation report. The complaint itself is walked through the engine (its
browser journey is tests/e2e/test_officer_journey.py); the follow-up is done page by page by the
handling officer, then read on the follow-up files page and in the periodic report."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from engine.running import instances
from engine.work import human_tasks, timers
from engine.working_days import VN_TZ
from petitions.supervision import report_letters, reports
from tests.bpmn.harness import EVERYONE
from tests.e2e.test_officer_journey import (COMPLAINT_STEPS, _fill, _iso, _open_task, _petition,
                                            _register)

# The shortest way to a decision: findings match the request, no dialogue, not published.
TO_DECISION = ["Task_classify", "Task_approve_route", "Task_kn_receive", "Task_kn_classify",
               "Task_kn_accept", "Task_kn_verify", "Task_kn_assess", "Task_kn_decide",
               "Task_kn_send_decision"]
CHANGES = {"Task_kn_verify": {"findings_match_request": "true"},
           "Task_kn_decide": {"publish_decision": "false"}}


def _submit(page, live_server, ctx, instance_id: int, bpmn_id: str, data: dict) -> None:
    task = _open_task(ctx, instance_id)
    assert task["bpmn_id"] == bpmn_id, task
    page.goto(f"{live_server.url}/tasks/{task['id']}")
    _fill(page, data)
    page.click("form.declared-form button.primary")
    page.wait_for_load_state("networkidle")
    assert "field-error" not in page.content(), page.content()[:3000]


def test_decision_followed_up_to_its_implementation_report_with_one_urging(
        browser, live_server, browser_login, artifacts):
    ctx = live_server.engine_ctx
    desk = browser.new_page()
    browser_login(desk, "tiepdan")
    petition_id = _register(desk, live_server, "complaint", "Phạm Văn Dũng",
                            "Khiếu nại quyết định bồi thường khi thu hồi đất thửa số 40")
    instance_id = _petition(ctx, petition_id).instance_id
    for bpmn_id in TO_DECISION:
        task = _open_task(ctx, instance_id)
        assert task["bpmn_id"] == bpmn_id, task
        human_tasks.complete(ctx, task["id"], EVERYONE,
                             {**COMPLAINT_STEPS[bpmn_id], **CHANGES.get(bpmn_id, {})})
    assert _open_task(ctx, instance_id)["bpmn_id"] == "Task_kn_track_finality"
    # 30 days later the decision is in force: the workers fire the finality timer.
    fired = timers.fire_due_timers(ctx, datetime.now(timezone.utc) + timedelta(days=40))
    assert fired["fired"] >= 1

    officer = browser.new_page(viewport={"width": 1280, "height": 900})
    browser_login(officer, "xuly")
    _submit(officer, live_server, ctx, instance_id, "Task_df_plan", {
        "followup_unit_1": "ubnd-xa-demo",
        "followup_action_1": "Chi trả bồi thường bổ sung theo đơn giá điều chỉnh",
        "followup_due_1": _iso(30)})
    _submit(officer, live_server, ctx, instance_id, "Task_df_track", {"track_action": "urge"})
    _submit(officer, live_server, ctx, instance_id, "Task_df_urge", {
        "urging_on": _iso(), "urging_form": "written", "urging_reference": "25/UBND-VP",
        "urging_content": "Đề nghị hoàn thành chi trả trước thời hạn"})

    officer.goto(live_server.url + "/followups/")
    officer.screenshot(path=str(artifacts / "followup-01-files.png"), full_page=True)
    row = officer.locator("#followup-files tbody tr").first.inner_text()
    assert "215/QĐ-UBND" in row and "1 lần" in row and "25/UBND-VP" in row and "Đang theo dõi" in row
    assert "Phạm Văn Dũng" not in officer.content()  # the file names no sender

    _submit(officer, live_server, ctx, instance_id, "Task_df_track", {"track_action": "reported"})
    _submit(officer, live_server, ctx, instance_id, "Task_df_report", {
        "implementation_report_number": "40/BC-ĐC", "implementation_reported_on": _iso(),
        "implementation_summary": "Đã chi trả đủ tiền bồi thường bổ sung",
        "implementation_complete": "true"})
    assert instances.summary(ctx, instance_id)["status"] == "completed"
    officer.goto(live_server.url + "/followups/")
    officer.screenshot(path=str(artifacts / "followup-02-done.png"), full_page=True)
    assert "Đã thi hành xong" in officer.locator("#followup-files tbody tr").first.inner_text()

    # The periodic report counts the urging (hand count: one urging, one case urged).
    today = datetime.now(timezone.utc).astimezone(VN_TZ).date()
    built = reports.build(ctx, report_letters.period("month", today.year, today.month))
    figures = reports.figures(built)
    assert (figures["urgings"].total, figures["urged_cases"].total) == (1, 1)
