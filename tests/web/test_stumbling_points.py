"""Issue 19 §4: the steps officers stumbled on when a complaint was walked through the browser.

Each test failed before the change: intake steps showed "Không có hạn" and a bare "còn N ngày",
the head approved without seeing the computed route, the classifier saw no sender and eleven
blank Có/Không lists, dates were not checked, the publication form asked a broadcast count for a
posting, an anonymous letter got a citizen receipt, "forwarded" took forwarder "none", and the
transfer step made the officer type the receiving agency again. The engine clock is Monday
23/11/2026 08:00 in Hà Nội (tests/support.FakeClock); Tuesday 24/11/2026 is a public holiday.
"""
from __future__ import annotations

import re

from sqlalchemy import select

from engine.accounts import users
from engine.persistence.models import HumanTask
from engine.work import human_tasks
from tests.web.conftest import csrf
from tests.web.test_tasks import CLASSIFY_OK, SENDER, _client_for, _register, _task_id, _text


def _selected(text: str, name: str) -> str | None:
    """The selected option of a select, or the checked radio of a group."""
    select_match = re.search(rf'<select id="f-{name}"[^>]*>(.*?)</select>', text, re.S)
    if select_match:
        chosen = re.search(r'<option value="([^"]*)" selected>', select_match.group(1))
        return chosen.group(1) if chosen else None
    radio = re.search(rf'name="{name}" value="([^"]*)" checked', text)
    return radio.group(1) if radio else None


def _post(client, task_id: int, data: dict):
    page = client.get(f"/tasks/{task_id}")
    return client.post(f"/tasks/{task_id}/complete",
                       data={**data, "csrf_token": csrf(page), "version": "ready:"})


def test_intake_steps_show_due_route_sender_defaults_and_the_transfer_agency(app, client, login,
                                                                             engine_ctx):
    letter = _register(engine_ctx, petition_type="recommendation", field="policy",
                       summary="Kiến nghị sửa đường liên thôn")
    classify_id = _task_id(engine_ctx, letter["instance_id"])
    login("xuly")
    text = _text(client.get(f"/tasks/{classify_id}"))
    # The 10-working-day notice clock: Fri 20/11 + 10 working days (24/11 off) → Mon 7/12.
    assert "Không có hạn" not in text and "07/12/2026" in text
    assert re.search(r"còn \d+ ngày làm việc", text)
    # The sender (not sealed), the desk's type and the usual answers, pre-filled.
    assert SENDER in text and 'id="step-senders"' in text
    assert _selected(text, "petition_type") == "recommendation"
    assert (_selected(text, "has_identity"), _selected(text, "anonymous")) == ("true", "false")
    assert (_selected(text, "in_vietnamese"), _selected(text, "within_competence")) == ("true", "true")
    assert (_selected(text, "crime_signs"), _selected(text, "already_guided")) == ("false", "false")
    assert _post(client, classify_id, {
        **CLASSIFY_OK, "petition_type": "recommendation", "within_competence": "false",
        "competent_body": "UBND huyện Phong Thổ"}).status_code == 302

    head = _client_for(app, "truongdonvi")
    approve_id = _task_id(engine_ctx, letter["instance_id"], "Task_approve_route")
    approval = _text(head.get(f"/tasks/{approve_id}"))
    assert 'id="route-proposal"' in approval
    assert "Chuyển đơn đến cơ quan có thẩm quyền" in approval
    assert "Không thuộc thẩm quyền: chuyển đơn một lần" in approval
    assert "Không có hạn" not in approval and "07/12/2026" in approval
    assert _post(head, approve_id, {"approve": "true", "approval_note": "Đồng ý"}).status_code == 302

    transfer_id = _task_id(engine_ctx, letter["instance_id"], "Task_intake_transfer")
    transfer = _text(client.get(f"/tasks/{transfer_id}"))
    assert re.search(r'id="f-receiving_body" name="receiving_body"[^>]*value="UBND huyện Phong Thổ"',
                     transfer)


def test_a_sealed_denouncer_stays_masked_for_the_classifier(client, login, engine_ctx):
    letter = _register(engine_ctx, petition_type="denunciation", field="corruption",
                       summary="Tố cáo cán bộ địa chính nhận tiền")
    login("xuly")
    text = _text(client.get(f"/tasks/{_task_id(engine_ctx, letter['instance_id'])}"))
    assert 'id="step-senders"' in text and "đã niêm phong" in text
    assert SENDER not in text and "0912345678" not in text and "001203004567" not in text
    assert _selected(text, "petition_type") == "denunciation"


def _complete(engine_ctx, instance_id: int, bpmn_id: str, data: dict) -> None:
    human_tasks.complete(engine_ctx, _task_id(engine_ctx, instance_id, bpmn_id),
                         users.actor_for(engine_ctx, "quantri"), data)


def test_complaint_dates_are_checked_and_the_publication_follows_its_method(app, client, login,
                                                                           engine_ctx):
    letter = _register(engine_ctx)
    iid = letter["instance_id"]
    _complete(engine_ctx, iid, "Task_classify", {**CLASSIFY_OK, "in_vietnamese": True,
                                                  "has_identity": True, "anonymous": False,
                                                  "within_competence": True,
                                                  "already_sent_to_competent": False,
                                                  "already_guided": False,
                                                  "already_transferred": False,
                                                  "resolved_nothing_new": False,
                                                  "crime_signs": False, "party_member": False,
                                                  "concrete_content": True})
    _complete(engine_ctx, iid, "Task_approve_route", {"approve": True})
    _complete(engine_ctx, iid, "Task_kn_receive", {
        "complaint_form": "letter", "respondent": "Chủ tịch UBND xã",
        "contested_act": "Quyết định 120/QĐ-UBND", "decision_known_on": "2026-11-02",
        "complaint_request": "Hủy quyết định"})
    _complete(engine_ctx, iid, "Task_kn_classify", {"complaint_level": "first",
                                                     "complainants_status": "single",
                                                     "acceptance": "accept"})
    _complete(engine_ctx, iid, "Task_kn_accept", {
        "accepted_on": "2026-11-23", "acceptance_notice_number": "1/TB", "complex_case": False,
        "verification_assignee": "Tổ xác minh"})
    _complete(engine_ctx, iid, "Task_kn_verify", {
        "verification_report_number": "2/BC", "verification_report_date": "2026-11-23",
        "findings": "Khác yêu cầu", "findings_match_request": False})
    _complete(engine_ctx, iid, "Task_kn_assess", {"case_event": "proceed"})

    login("xuly")
    notice_id = _task_id(engine_ctx, iid, "Task_kn_dialogue_notice")
    notice = _text(client.get(f"/tasks/{notice_id}"))
    # A meeting has a day and an hour.
    assert '<input type="datetime-local" id="f-dialogue_date" name="dialogue_date"' in notice
    bad = _post(client, notice_id, {"notice_sent_on": "2026-11-23", "dialogue_date": "2026-11-20T09:00",
                                    "dialogue_place": "Trụ sở UBND xã", "dialogue_participants": "Các bên"})
    assert bad.status_code == 422
    assert "Không được trước «Ngày gửi thông báo đối thoại» (23/11/2026)" in _text(bad)
    assert _post(client, notice_id, {"notice_sent_on": "2026-11-23", "dialogue_date": "2026-11-30T09:00",
                                     "dialogue_place": "Trụ sở UBND xã",
                                     "dialogue_participants": "Các bên"}).status_code == 302

    dialogue_id = _task_id(engine_ctx, iid, "Task_kn_dialogue")
    held = {"dialogue_result": "held", "minutes_number": "3/BB", "minutes_signed": "true",
            "dialogue_summary": "Các bên trình bày"}
    future = _post(client, dialogue_id, {**held, "dialogue_held_on": "2026-11-30"})
    assert future.status_code == 422 and "Không được sau ngày hôm nay" in _text(future)
    assert _task_id(engine_ctx, iid, "Task_kn_dialogue") == dialogue_id  # nothing written
    assert _post(client, dialogue_id, {**held, "dialogue_held_on": "2026-11-23"}).status_code == 302
    _complete(engine_ctx, iid, "Task_kn_assess", {"case_event": "proceed"})

    head = _client_for(app, "truongdonvi")
    decide_id = _task_id(engine_ctx, iid, "Task_kn_decide")
    decision = {"decision_number": "9/QĐ", "decision_result": "wrong", "decision_content": "Bác",
                "publish_decision": "true"}
    early = _post(head, decide_id, {**decision, "decision_date": "2026-11-20"})
    assert early.status_code == 422
    assert "Không được trước «Ngày đối thoại» (23/11/2026)" in _text(early)
    assert _post(head, decide_id, {**decision, "decision_date": "2026-11-23"}).status_code == 302
    _complete(engine_ctx, iid, "Task_kn_send_decision", {"sent_on": "2026-11-23",
                                                         "recipients": ["complainant"]})

    publisher = _client_for(app, "congkhai")
    publish_id = _task_id(engine_ctx, iid, "Task_kn_publish")
    page = _text(publisher.get(f"/tasks/{publish_id}"))
    assert "data-rules=" in page and "js/task_form.js" in page and "publication_times" in page
    # A posting: no broadcast count asked (it was required, "ghi 1"), no end date ahead of time.
    assert 'name="publication_end"' not in page
    posted = _post(publisher, publish_id, {"publication_form": "posting", "published_on": "2026-11-23",
                                           "publication_start": "2026-11-23"})
    assert posted.status_code == 302
    with engine_ctx.uow(write=False) as uow:
        waiting = uow.session.scalars(select(HumanTask.bpmn_id).where(
            HumanTask.instance_id == iid, HumanTask.status == "ready")).all()
    assert "Task_kn_publication_end" not in waiting and "Task_kn_publish" not in waiting


def test_anonymous_letter_gets_no_receipt_and_forwarded_needs_a_forwarder(app, client, login,
                                                                          engine_ctx):
    login("tiepdan")
    page = client.get("/reception/new")
    base = {"csrf_token": csrf(page), "action": "check", "received_on": "2026-11-20",
            "channel": "suggestion_box", "forwarder_kind": "none", "petition_type": "feedback",
            "field": "other", "summary": "Phản ánh đèn đường hỏng ở thôn Đông", "signers": "1",
            "anonymous": "1"}
    response = client.post("/reception/new", data=base, follow_redirects=True)
    text = _text(response)
    assert response.status_code == 200, text[:400]
    assert "Ghi nhận đơn không có người gửi" in text and "PHIẾU TIẾP NHẬN ĐƠN" not in text
    assert "10 ngày làm việc" not in text and "Mã tra cứu" not in text

    forwarded = client.post("/reception/new", data={
        **base, "csrf_token": csrf(client.get("/reception/new")), "channel": "forwarded",
        "forwarder_kind": "none"})
    assert forwarded.status_code == 422
    assert "chọn cơ quan, người chuyển đơn" in _text(forwarded)
    unnamed = client.post("/reception/new", data={
        **base, "csrf_token": csrf(client.get("/reception/new")), "channel": "forwarded",
        "forwarder_kind": "deputy", "forwarded_by": ""})
    assert unnamed.status_code == 422 and "Ghi tên cơ quan, người chuyển đơn" in _text(unnamed)
