"""Officers in a real browser: a complaint from the reception desk to closure, a sealed
denunciation, and two officers on one task. Screenshots of the key pages go to test-artifacts/."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from engine.running import instances
from engine.work import human_tasks, timers
from petitions.persistence.models import Petition
from tests.bpmn.harness import FACTS

DAY = timedelta(days=1)


def _today():
    return datetime.now(timezone.utc).date()


def _iso(days: int = 0) -> str:
    return (_today() + days * DAY).isoformat()


# What each step of the complaint journey is filled with (field name → value).
COMPLAINT_STEPS = {
    "Task_classify": {**FACTS, "petition_type": "complaint",
                      "proposal_note": "Đề xuất thụ lý: thuộc thẩm quyền UBND xã"},
    "Task_approve_route": {"approve": "true", "approval_note": "Đồng ý thụ lý"},
    "Task_kn_receive": {"complaint_form": "letter", "respondent": "Chủ tịch UBND xã",
                        "contested_act": "Quyết định số 120/QĐ-UBND thu hồi đất",
                        "decision_known_on": _iso(-20),
                        "complaint_request": "Hủy quyết định thu hồi đất",
                        "documents_received": "Bản sao quyết định", "receipt_number": "BN-15"},
    "Task_kn_classify": {"complaint_level": "first", "complainants_status": "single",
                         "acceptance": "accept", "proposal_note": "Đủ điều kiện thụ lý"},
    "Task_kn_accept": {"accepted_on": _iso(), "acceptance_notice_number": "12/TB-UBND",
                       "complex_case": "false", "verification_assignee": "Tổ xác minh xã",
                       "acceptance_notice_recipients": ["complainant", "inspectorate"]},
    "Task_kn_verify": {"verification_report_number": "03/BC-TXM",
                       "verification_report_date": _iso(),
                       "findings": "Đơn giá bồi thường chưa đúng năm áp dụng",
                       "findings_match_request": "false"},
    "Task_kn_assess": {"case_event": "proceed", "assessment_note": "Cần đối thoại"},
    "Task_kn_dialogue_notice": {"notice_sent_on": _iso(), "dialogue_date": _iso(6) + "T08:00",
                                "dialogue_place": "Trụ sở UBND xã",
                                "dialogue_participants": "Chủ tịch UBND, người khiếu nại"},
    "Task_kn_dialogue": {"dialogue_result": "held", "dialogue_held_on": _iso(),
                         "minutes_number": "07/BB-ĐT", "minutes_signed": "true",
                         "dialogue_summary": "Các bên thống nhất điều chỉnh đơn giá"},
    "Task_kn_decide": {"decision_number": "215/QĐ-UBND", "decision_date": _iso(),
                       "decision_result": "partly_correct",
                       "decision_content": "Điều chỉnh đơn giá bồi thường",
                       "publish_decision": "true"},
    "Task_kn_send_decision": {"sent_on": _iso(), "recipients": ["complainant", "superior",
                                                                "inspectorate"]},
    # Broadcast: counted at once (a posting's end is confirmed 15 days later, issue 19 §4).
    "Task_kn_publish": {"publication_form": "broadcast", "published_on": _iso(),
                        "publication_start": _iso(), "publication_times": "2"},
}
USER_FOR_ROLE = {"reception_officer": "tiepdan", "handling_officer": "xuly",
                 "head_of_unit": "truongdonvi", "verification_team": "xacminh",
                 "publication_officer": "congkhai"}


def _fill(page, data: dict) -> None:
    """Fill a rendered declared form the way a person would: radios, checkboxes, selects, text."""
    for name, value in data.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        values = value if isinstance(value, list) else [value]
        boxes = page.locator(f"input[name='{name}'][type=checkbox]")
        radios = page.locator(f"input[name='{name}'][type=radio]")
        if boxes.count():
            for item in values:
                page.check(f"input[name='{name}'][value='{item}']")
        elif radios.count():
            page.check(f"input[name='{name}'][value='{value}']")
        elif page.locator(f"select[name='{name}']").count():
            page.select_option(f"select[name='{name}']", str(value))
        else:
            page.fill(f"[name='{name}']", str(value))


def _register(page, live_server, petition_type: str, name: str, summary: str) -> int:
    page.goto(live_server.url + "/reception/new")
    page.select_option("select[name=petition_type]", petition_type)
    page.select_option("select[name=field]", "land_housing")
    page.fill("textarea[name=summary]", summary)
    page.fill("input[name='senders-0-name']", name)
    page.fill("input[name='senders-0-id_number']", "001203004567")
    page.fill("input[name='senders-0-phone']", "0912345678")
    page.click("button.primary[name=action][value=check]")
    page.wait_for_load_state("networkidle")
    if page.locator("button.primary[name=action][value=confirm]").count():  # duplicate suggestions
        page.click("button.primary[name=action][value=confirm]")
        page.wait_for_load_state("networkidle")
    assert "/reception/receipt/" in page.url, page.content()[:2000]
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def _petition(ctx, petition_id: int) -> Petition:
    with ctx.uow(write=False) as uow:
        return uow.session.get(Petition, petition_id)


def _open_task(ctx, instance_id: int) -> dict:
    tasks = human_tasks.list_tasks(ctx, instance_id=instance_id)
    assert len(tasks) >= 1, instances.summary(ctx, instance_id)
    main = [t for t in tasks if "report" not in t["bpmn_id"]]
    return (main or tasks)[0]


def test_complaint_from_reception_to_closure(browser, live_server, artifacts):
    ctx = live_server.engine_ctx
    pages = {}

    def page_for(username):
        if username not in pages:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
            page = context.new_page()
            page.set_default_timeout(10_000)
            page.goto(live_server.url + "/login")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", "demo-2026")
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            pages[username] = page
        return pages[username]

    reception = page_for("tiepdan")
    petition_id = _register(reception, live_server, "complaint", "Nguyễn Văn An",
                            "Khiếu nại quyết định thu hồi đất thửa số 12 tờ bản đồ 5")
    reception.screenshot(path=str(artifacts / "officer-01-receipt.png"), full_page=True)
    assert "Phiếu tiếp nhận" in reception.content()
    instance_id = _petition(ctx, petition_id).instance_id

    shots = {"Task_classify": "officer-02-classify", "Task_kn_verify": "officer-03-verify",
             "Task_kn_dialogue": "officer-04-dialogue", "Task_kn_decide": "officer-05-decision",
             "Task_kn_publish": "officer-06-publication"}
    done = []
    while True:
        task = _open_task(ctx, instance_id)
        if task["bpmn_id"] == "Task_kn_track_finality":
            break
        assert task["bpmn_id"] in COMPLAINT_STEPS, (task, done)
        page = page_for(USER_FOR_ROLE[task["candidate_role"]])
        if task["bpmn_id"] == "Task_classify":  # the handling officer works from the inbox
            page.goto(live_server.url + "/tasks/?view=queue")
            page.screenshot(path=str(artifacts / "officer-02a-inbox.png"), full_page=True)
            page.click(f"a[href='/tasks/{task['id']}']")
        else:
            page.goto(f"{live_server.url}/tasks/{task['id']}")
        _fill(page, COMPLAINT_STEPS[task["bpmn_id"]])
        if task["bpmn_id"] in shots:
            page.screenshot(path=str(artifacts / f"{shots[task['bpmn_id']]}.png"), full_page=True)
        page.click("form.declared-form button.primary")
        page.wait_for_load_state("networkidle")
        assert "/tasks/" in page.url and "field-error" not in page.content(), page.content()[:3000]
        done.append(task["bpmn_id"])
        assert len(done) < 30, done

    assert done[:3] == ["Task_classify", "Task_approve_route", "Task_kn_receive"]
    assert {"Task_kn_verify", "Task_kn_dialogue", "Task_kn_decide", "Task_kn_publish"} <= set(done)
    # Closure: the decision becomes final when its 30 days pass (the workers fire the timer).
    fired = timers.fire_due_timers(ctx, datetime.now(timezone.utc) + timedelta(days=60))
    assert fired["fired"] >= 1
    head = page_for("truongdonvi")
    head.goto(f"{live_server.url}/petitions/{petition_id}")
    head.screenshot(path=str(artifacts / "officer-07-petition-file.png"), full_page=True)
    text = head.content()
    assert "215/QĐ-UBND" in text or "Điều chỉnh đơn giá" in text
    # In force, partly correct: its follow-up opens (issue 19 §1; tests/e2e/test_followup_browser.py).
    assert _open_task(ctx, instance_id)["bpmn_id"] == "Task_df_plan"


def test_denunciation_handler_cannot_see_the_denouncer(browser, live_server, browser_login, artifacts):
    page = browser.new_page()
    browser_login(page, "tiepdan")
    petition_id = _register(page, live_server, "denunciation", "Trần Thị Bí Mật",
                            "Tố cáo cán bộ địa chính xã nhận tiền khi cấp giấy chứng nhận")
    page.context.clear_cookies()
    browser_login(page, "xuly")
    page.goto(f"{live_server.url}/petitions/{petition_id}")
    page.screenshot(path=str(artifacts / "officer-08-sealed-denunciation.png"), full_page=True)
    html = page.content()
    assert "Trần Thị Bí Mật" not in html and "001203004567" not in html
    assert "đã niêm phong" in html
    task = _open_task(live_server.engine_ctx, _petition(live_server.engine_ctx, petition_id).instance_id)
    page.goto(f"{live_server.url}/tasks/{task['id']}")
    assert "Trần Thị Bí Mật" not in page.content()


def test_two_officers_on_one_task_second_sees_stale_message(browser, live_server, browser_login,
                                                             artifacts):
    ctx = live_server.engine_ctx
    first = browser.new_context().new_page()
    browser_login(first, "tiepdan")
    petition_id = _register(first, live_server, "complaint", "Lê Văn Cường",
                            "Khiếu nại việc cấp phép xây dựng công trình lấn đường")
    task = _open_task(ctx, _petition(ctx, petition_id).instance_id)
    one, two = browser.new_context().new_page(), browser.new_context().new_page()
    browser_login(one, "xuly")
    browser_login(two, "xuly2")
    for page in (one, two):
        page.goto(f"{live_server.url}/tasks/{task['id']}")
        _fill(page, COMPLAINT_STEPS["Task_classify"])
    one.click("form.declared-form button.primary")
    one.wait_for_load_state("networkidle")
    two.fill("textarea[name=proposal_note]", "Ý kiến riêng của cán bộ thứ hai")
    two.click("form.declared-form button.primary")
    two.wait_for_load_state("networkidle")
    two.screenshot(path=str(artifacts / "officer-09-stale-task.png"), full_page=True)
    html = two.content()
    assert "Ý kiến riêng của cán bộ thứ hai" in html  # nothing the second officer typed is lost
    assert "xuly" in html or "Trần Văn Xử" in html
    assert human_tasks.list_tasks(ctx, instance_id=task["instance_id"])[0]["bpmn_id"] == "Task_approve_route"
