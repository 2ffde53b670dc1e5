"""Issue 14 in a real browser: the officer records "công dân rút đơn" on a complaint's page; the
withdrawal message reaches the complaint (running under the intake) and the head of unit gets
the termination decision."""
from __future__ import annotations

from engine.accounts import users
from engine.work import human_tasks
from tests.e2e.test_officer_journey import COMPLAINT_STEPS, _petition, _register


def _complete(ctx, instance_id: int, bpmn_id: str, username: str) -> None:
    task = next(t for t in human_tasks.list_tasks(ctx, instance_id=instance_id)
                if t["bpmn_id"] == bpmn_id)
    data = {k: (v == "true") if v in ("true", "false") else v
            for k, v in COMPLAINT_STEPS[bpmn_id].items()}
    human_tasks.complete(ctx, task["id"], users.actor_for(ctx, username), data)


def test_officer_records_the_citizens_withdrawal(browser, live_server, browser_login, artifacts):
    ctx = live_server.engine_ctx
    page = browser.new_page()
    page.set_default_timeout(10_000)
    browser_login(page, "tiepdan")
    petition_id = _register(page, live_server, "complaint", "Trần Thị Bình",
                            "Khiếu nại quyết định xử phạt vi phạm hành chính về xây dựng")
    instance_id = _petition(ctx, petition_id).instance_id
    _complete(ctx, instance_id, "Task_classify", "xuly")
    _complete(ctx, instance_id, "Task_approve_route", "truongdonvi")
    assert "Task_kn_receive" in {t["bpmn_id"] for t in
                                 human_tasks.list_tasks(ctx, instance_id=instance_id)}

    officer = browser.new_page()
    officer.set_default_timeout(10_000)
    browser_login(officer, "xuly")
    officer.goto(f"{live_server.url}/petitions/{petition_id}")
    officer.fill("#withdrawal-reason", "Công dân nộp đơn rút toàn bộ khiếu nại ngày hôm nay")
    officer.click("form.withdrawal-form button[type=submit]")
    officer.wait_for_load_state("networkidle")
    officer.screenshot(path=str(artifacts / "withdrawal-01-recorded.png"), full_page=True)
    assert f"/petitions/{petition_id}" in officer.url
    assert "Đã ghi nhận công dân rút đơn" in officer.content()

    head = browser.new_page()
    head.set_default_timeout(10_000)
    browser_login(head, "truongdonvi")
    tasks = human_tasks.list_tasks(ctx, instance_id=instance_id)
    decision = next(t for t in tasks if t["bpmn_id"] == "Task_kn_withdrawn_terminate")
    head.goto(f"{live_server.url}/tasks/{decision['id']}")
    head.screenshot(path=str(artifacts / "withdrawal-02-termination-decision.png"), full_page=True)
    assert "Quyết định đình chỉ do rút khiếu nại" in head.content()

    # A second click delivers nothing more: the message is delivered once per petition.
    officer.goto(f"{live_server.url}/petitions/{petition_id}")
    officer.fill("#withdrawal-reason", "Bấm lại lần thứ hai")
    officer.click("form.withdrawal-form button[type=submit]")
    officer.wait_for_load_state("networkidle")
    assert "đã được ghi nhận trước đó" in officer.content()
    assert [t["bpmn_id"] for t in human_tasks.list_tasks(ctx, instance_id=instance_id)].count(
        "Task_kn_withdrawn_terminate") == 1
