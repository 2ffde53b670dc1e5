"""Process ``complaint`` (khiếu nại lần đầu, lần hai): one scenario per route, deadlines on real dates.

Expected dates were counted by hand on the 2026 calendar (``petitions calendar holidays 2026``):
rest days Sat/Sun, 31/8 (swapped for the working Saturday 22/8), 1-2/9, 24/11. ``deadline(d)`` is
23:59:59 in Vietnam, i.e. 16:59:59 UTC on d.

SpiffWorkflow compares timer dates with the real ``datetime.now``: every test moves both the engine
clock (``clock``) and the library's clock (time-machine) to the scenario's day with ``travel``
(conftest.py), so that a deadline in the past of the machine running the tests does not fire by
itself.
"""
from __future__ import annotations

from datetime import datetime, timezone
from itertools import combinations

import pytest
from lxml import etree

from engine.errors import FormInvalid
from tests.bpmn.diagrams import NS
from tests.bpmn.harness import PROCESSES, Scenario, task_data
from tests.bpmn.harness import utc_deadline as due  # "due on this day" as the timer stores it
from tools.process_sources import complaint as source

KEY = "complaint"
FOLDERS = [source.FOLDER, "decision_followup"]  # the decision in force is followed up there
BPMN_FILE = PROCESSES / source.FOLDER / f"{KEY}.bpmn"


# ---- helpers -----------------------------------------------------------------------------------
def intake_data(received_on: str, **extra) -> dict:
    data = {
        "received_on": received_on, "channel": "direct", "forwarder_kind": "none",
        "forwarded_by": "", "sender_name": "Nguyễn Văn An", "sender_id_number": "001080012345",
        "sender_phone": "0912345678", "sender_address": "Tổ 5, phường Thanh Xuân, Hà Nội",
        "signers": 1, "representatives": "", "field": "land",
        "summary": "Khiếu nại quyết định thu hồi đất của UBND phường", "priority_markers": [],
        "remote_area": False, "petition_type": "complaint", "route": "accept",
    }
    data.update(extra)
    return data


def start(ctx, clock, coverage, travel, received_on: str, **extra) -> Scenario:
    travel(received_on, 8)
    return Scenario(ctx, KEY, coverage, clock=clock, data=intake_data(received_on, **extra),
                    folders=FOLDERS)


def timer_ids(s: Scenario) -> list[str]:
    return sorted(t["bpmn_id"] for t in s.timers())


def receive(s: Scenario, decision_known_on: str = "2026-08-10") -> None:
    s.complete("Task_kn_receive", {
        "complaint_form": "letter", "respondent": "Chủ tịch UBND phường",
        "contested_act": "Quyết định số 120/QĐ-UBND thu hồi đất",
        "decision_known_on": decision_known_on,
        "complaint_request": "Hủy quyết định thu hồi đất, bồi thường theo giá thị trường",
        "documents_received": "Bản sao quyết định 120/QĐ-UBND", "receipt_number": "BN-15/2026",
    })


def classify(s: Scenario, level: str = "first", complainants: str = "single",
             acceptance: str = "accept") -> None:
    s.complete("Task_kn_classify", {"complaint_level": level, "complainants_status": complainants,
                                    "acceptance": acceptance,
                                    "proposal_note": "Đủ điều kiện thụ lý theo Điều 11"})


def accept(s: Scenario, accepted_on: str, complex_case: bool = False) -> None:
    form = {"accepted_on": accepted_on, "acceptance_notice_number": "12/TB-UBND",
            "complex_case": complex_case, "verification_assignee": "Tổ công tác Thanh tra phường",
            "acceptance_notice_recipients": ["complainant", "inspectorate"]}
    if complex_case:
        form["complex_criteria"] = ["multi_locations", "agencies_disagree"]
    s.complete("Task_kn_accept", form)


def verify(s: Scenario, report_date: str, match: bool) -> None:
    s.complete("Task_kn_verify", {
        "verification_report_number": "03/BC-TXM", "verification_report_date": report_date,
        "findings": "Diện tích thu hồi đúng bản đồ địa chính; đơn giá bồi thường áp dụng năm 2025",
        "findings_match_request": match})


def assess(s: Scenario, event: str) -> None:
    s.complete("Task_kn_assess", {"case_event": event, "assessment_note": "Đề xuất của cán bộ"})


def notice(s: Scenario, sent_on: str, dialogue_on: str) -> None:
    s.complete("Task_kn_dialogue_notice", {
        "notice_sent_on": sent_on, "dialogue_date": f"{dialogue_on}T08:00:00+07:00",
        "dialogue_place": "Trụ sở UBND",
        "dialogue_participants": "Chủ tịch UBND, người khiếu nại, người bị khiếu nại"})


def hold_dialogue(s: Scenario, result: str, held_on: str, signed: bool = True) -> None:
    s.complete("Task_kn_dialogue", {
        "dialogue_result": result, "dialogue_held_on": held_on, "minutes_number": "07/BB-ĐT",
        "minutes_signed": signed, "dialogue_summary": "Các bên trình bày ý kiến"})


def decide(s: Scenario, decision_date: str, publish: bool) -> None:
    s.complete("Task_kn_decide", {
        "decision_number": "215/QĐ-UBND", "decision_date": decision_date,
        "decision_result": "partly_correct", "decision_content": "Giữ nguyên, điều chỉnh đơn giá",
        "publish_decision": publish})


def send(s: Scenario, sent_on: str, *extra_recipients: str) -> None:
    s.complete("Task_kn_send_decision", {
        "sent_on": sent_on,
        "recipients": ["complainant", "superior", "inspectorate", *extra_recipients]})


def publish(s: Scenario, form: str, start_on: str, times: int | None = None, **extra) -> None:
    s.complete("Task_kn_publish", {
        "publication_form": form, "published_on": start_on, "publication_start": start_on,
        **({"publication_times": times} if times is not None else {}), **extra})


def follow_up(s: Scenario, kind: str, on: str) -> None:
    s.complete("Task_kn_track_finality", {"follow_up": kind, "follow_up_on": on,
                                          "follow_up_reference": "45/TB-TA"})


# ---- routes ------------------------------------------------------------------------------------
def test_first_complaint_findings_match_no_dialogue_becomes_final(ctx, clock, coverage, travel):
    # Thu 20/8/2026. 07 working days: 21, Sat 22 (make-up working day), 24, 25, 26, 27, 28 → 28/8.
    # 10 days: Sun 30/8 → rest days 31/8, 1/9, 2/9 → Thu 3/9. 10 working days: … 3, 4, 7/9.
    s = start(ctx, clock, coverage, travel, "2026-08-20")
    data = s.data
    assert (data["accept_due_nd155"], data["accept_due_lkn"], data["accept_due_tt07"]) == (
        "2026-08-28", "2026-09-03", "2026-09-07")
    assert data["accept_due_day"] == "2026-08-28"
    assert s.ready() == ["Task_kn_receive"]
    assert s.task("Task_kn_receive")["due_at"] == due("2026-08-28")

    travel("2026-08-21")
    receive(s)
    assert s.task("Task_kn_classify")["due_at"] == due("2026-08-28")
    travel("2026-08-24")
    classify(s)
    assert s.ready() == ["Task_kn_accept"]
    assert s.task("Task_kn_accept")["due_at"] == due("2026-08-28")
    travel("2026-08-27")
    accept(s, "2026-08-27")
    # First complaint, 30 days from Thu 27/8: Sat 26/9 → Mon 28/9 (LKN Điều 28).
    assert s.data["resolution_days"] == 30
    assert s.data["resolution_due_day"] == "2026-09-28"
    assert s.ready() == ["Task_kn_verify"]
    assert s.timer("Timer_kn_resolution_verify")["due_at"] == due("2026-09-28")
    assert s.task("Task_kn_verify")["due_at"] == due("2026-09-28")

    travel("2026-09-10")
    verify(s, "2026-09-10", match=True)
    travel("2026-09-14")
    assess(s, "proceed")
    assert s.ready() == ["Task_kn_decide"]  # first complaint, findings match: no dialogue
    travel("2026-09-18")
    decide(s, "2026-09-18", publish=False)
    # Send within 03 working days of Fri 18/9: 21, 22, 23 (LKN Điều 32).
    assert s.data["send_due_day"] == "2026-09-23" and s.data["resolution_on_time"] is True
    assert s.task("Task_kn_send_decision")["due_at"] == due("2026-09-23")
    travel("2026-09-21")
    send(s, "2026-09-21")
    # Not published; final 30 days after Fri 18/9: Sun 18/10 → Mon 19/10 (LKN Điều 44).
    assert s.ready() == ["Task_kn_track_finality"]
    assert s.data["forwarder_replied"] is False
    assert s.data["final_day"] == "2026-10-19"
    assert s.timer("Timer_kn_final")["due_at"] == due("2026-10-19")

    assert s.fire_timers(datetime(2026, 10, 19, 16, 59, 58, tzinfo=timezone.utc)) == 0
    travel("2026-10-20", 0, 0)
    assert s.fire_timers(clock.current) == 1
    # Partly correct: something is to be carried out, the follow-up opens (issue 19 §1).
    assert s.ready() == ["Task_df_plan"]
    assert "follow_up" not in s.data
    assert (s.data["followup_source"], s.data["followup_reference"],
            s.data["followup_overturns"]) == ("complaint", "215/QĐ-UBND", False)


def test_refusal_cites_one_of_the_nine_grounds(ctx, clock, coverage, travel):
    # Tue 25/8/2026: 10 days → Fri 4/9; 07 working days 26, 27, 28, 3/9, 4, 7, 8 → 8/9 (rest days
    # 29-30/8, 31/8, 1-2/9); 10 working days → 11/9. The 10-day rule is the earlier one here.
    s = start(ctx, clock, coverage, travel, "2026-08-25")
    assert (s.data["accept_due_lkn"], s.data["accept_due_nd155"], s.data["accept_due_tt07"]) == (
        "2026-09-04", "2026-09-08", "2026-09-11")
    assert s.data["accept_due_day"] == "2026-09-04"
    travel("2026-08-26")
    receive(s, decision_known_on="2026-04-01")
    travel("2026-08-27")
    classify(s, acceptance="refuse")
    # 90 days from 1/4/2026 end on Tue 30/6: the time limit had passed (LKN Điều 9).
    assert s.data["time_limit_day"] == "2026-06-30" and s.data["time_limit_passed"] is True
    assert s.ready() == ["Task_kn_refuse"]
    assert s.task("Task_kn_refuse")["due_at"] == due("2026-09-04")

    refusal = {"refusal_reason": "Quá 90 ngày, không có lý do chính đáng",
               "refusal_notice_number": "14/TB-UBND", "refusal_notice_date": "2026-08-28"}
    travel("2026-08-28")
    with pytest.raises(FormInvalid) as err:
        s.complete("Task_kn_refuse", refusal)
    assert "refusal_ground" in err.value.errors
    with pytest.raises(FormInvalid):
        s.complete("Task_kn_refuse", {**refusal, "refusal_ground": "het_thoi_hieu"})
    s.complete("Task_kn_refuse", {**refusal, "refusal_ground": "k6_het_thoi_hieu"})
    assert s.status == "completed"
    assert s.data["refusal_ground"] == "k6_het_thoi_hieu"
    grounds = dict(source.REFUSAL_GROUNDS)
    assert len(grounds) == 9 and all(f"Khoản {i}:" in label
                                     for i, label in enumerate(grounds.values(), start=1))


@pytest.mark.parametrize("rule, expected", [("lkn_2011", "2026-09-03"),
                                            ("tt_07_2013", "2026-09-07"),
                                            ("nd_155_2026", "2026-08-28"),
                                            ("earliest", "2026-08-28")])
def test_acceptance_rule_is_configurable(ctx, clock, coverage, travel, rule, expected):
    s = start(ctx, clock, coverage, travel, "2026-08-20", complaint_accept_rule=rule)
    assert s.data["accept_due_day"] == expected
    assert s.task("Task_kn_receive")["due_at"] == due(expected)


def test_many_complainants_accepted_only_with_all_signatures_then_refused(ctx, clock, coverage, travel):
    # Mon 29/6/2026, before NĐ 155/2026 applies: 10 days → Thu 9/7 (10 working days → 13/7).
    s = start(ctx, clock, coverage, travel, "2026-06-29", signers=6)
    assert s.data["accept_due_nd155"] is None
    assert s.data["accept_due_day"] == "2026-07-09"
    travel("2026-06-30")
    receive(s, decision_known_on="2026-06-15")
    travel("2026-07-01")
    classify(s, complainants="many_incomplete", acceptance="accept")
    assert s.ready() == ["Task_kn_request_completion"]  # cannot be accepted without all signatures
    assert s.timers() == []  # the acceptance clock waits for the complainants

    travel("2026-07-06")
    s.complete("Task_kn_request_completion", {
        "guidance_number": "20/HD-UBND", "completion_result": "completed",
        "completion_received_on": "2026-07-06"})
    # Counted again from Mon 6/7: 07 working days → Wed 15/7; 10 days → Thu 16/7.
    assert (s.data["accept_due_nd155"], s.data["accept_due_lkn"]) == ("2026-07-15", "2026-07-16")
    assert s.data["accept_due_day"] == "2026-07-15" and s.data["completion_rounds"] == 1
    assert s.task("Task_kn_classify")["due_at"] == due("2026-07-15")

    travel("2026-07-08")
    classify(s, complainants="many_incomplete", acceptance="need_completion")
    travel("2026-07-20")
    s.complete("Task_kn_request_completion", {
        "guidance_number": "21/HD-UBND", "completion_result": "not_completed",
        "completion_received_on": "2026-07-20"})
    # From Mon 20/7: 07 working days → Wed 29/7 (10 days → Thu 30/7).
    assert s.ready() == ["Task_kn_refuse"]
    assert s.task("Task_kn_refuse")["due_at"] == due("2026-07-29")
    s.complete("Task_kn_refuse", {
        "refusal_ground": "k5_khong_chu_ky", "refusal_reason": "Không đủ chữ ký của người khiếu nại",
        "refusal_notice_number": "15/TB-UBND", "refusal_notice_date": "2026-07-21"})
    assert s.status == "completed"


def test_second_complaint_remote_complex_dialogue_publication_lawsuit(ctx, clock, coverage, travel):
    s = start(ctx, clock, coverage, travel, "2026-09-03", remote_area=True)
    travel("2026-09-04")
    receive(s, decision_known_on="2026-08-28")
    classify(s, level="second")
    # Second complaint: 30 days, remote area 45 (LKN Điều 33) from 28/8 → Mon 12/10.
    assert s.data["time_limit_day"] == "2026-10-12" and s.data["time_limit_passed"] is False
    travel("2026-09-07")
    accept(s, "2026-09-07", complex_case=True)
    # Second complaint, remote area, complex: 70 days from Mon 7/9 → Mon 16/11 (LKN Điều 37).
    assert s.data["resolution_days"] == 70
    assert s.data["resolution_due_day"] == "2026-11-16"
    assert s.timer("Timer_kn_resolution_verify")["due_at"] == due("2026-11-16")

    travel("2026-10-05")
    verify(s, "2026-10-05", match=True)
    travel("2026-10-06")
    assess(s, "proceed")
    assert s.ready() == ["Task_kn_dialogue_notice"]  # second complaint: dialogue always
    travel("2026-10-07")
    notice(s, "2026-10-07", "2026-10-10")  # 3 days: too short
    assert s.data["dialogue_notice_days"] == 3
    assert s.ready() == ["Task_kn_dialogue_notice"]
    travel("2026-10-08")
    notice(s, "2026-10-08", "2026-10-13")
    assert s.ready() == ["Task_kn_dialogue"]
    assert s.task("Task_kn_dialogue")["due_at"] == due("2026-11-16")
    travel("2026-10-13")
    hold_dialogue(s, "postponed", "2026-10-13")
    assert s.ready() == ["Task_kn_dialogue_notice"] and s.data["dialogue_done"] is False
    travel("2026-10-14")
    notice(s, "2026-10-14", "2026-10-20")
    travel("2026-10-20")
    hold_dialogue(s, "held", "2026-10-20", signed=False)
    assert s.ready() == ["Task_kn_dialogue"]  # no decision without signed minutes
    hold_dialogue(s, "held", "2026-10-20", signed=True)
    assert s.ready() == ["Task_kn_assess"]
    assert s.data["dialogue_done"] is True and s.data["dialogue_minutes_number"] == "07/BB-ĐT"
    travel("2026-10-21")
    assess(s, "proceed")
    assert s.ready() == ["Task_kn_decide"]

    travel("2026-10-30")
    decide(s, "2026-10-30", publish=False)
    # Second complaint: send within 07 days → Fri 6/11 (LKN Điều 41.1); publish within 15 days
    # → Sat 14/11 → Mon 16/11; final after 45 days (remote) → Mon 14/12 (LKN Điều 44).
    assert (s.data["send_due_day"], s.data["publication_due_day"], s.data["final_day"]) == (
        "2026-11-06", "2026-11-16", "2026-12-14")
    assert s.data["publication_required"] is True
    travel("2026-11-02")
    send(s, "2026-11-02", "respondent", "forwarder")
    # Sent to the forwarding body too: the intake need not report to it again (LTCD Điều 27.2).
    assert s.data["forwarder_replied"] is True and s.data["decision_sent_on_time"] is True
    assert s.ready() == ["Task_kn_publish"]
    assert s.task("Task_kn_publish")["due_at"] == due("2026-11-16")
    travel("2026-11-03")
    publish(s, "broadcast", "2026-11-03", times=1)  # once: not enough (02 times)
    assert s.data["publication_days"] == 1 and s.ready() == ["Task_kn_publish"]
    # A posting's end is confirmed once its 15 days are over, never ahead (issue 19 §4).
    publish(s, "posting", "2026-11-03")
    assert s.ready() == [] and s.timer("Timer_kn_posting_period")["due_at"] == due("2026-11-17")
    travel("2026-11-18", 0, 0)
    assert s.fire_timers(clock.current) == 1 and s.ready() == ["Task_kn_publication_end"]
    with pytest.raises(FormInvalid) as err:
        s.complete("Task_kn_publication_end", {"publication_end": "2026-11-19"})
    assert err.value.errors == {"publication_end": "Không được sau ngày hôm nay"}
    with pytest.raises(FormInvalid) as err:
        s.complete("Task_kn_publication_end", {"publication_end": "2026-11-02"})
    assert err.value.errors == {"publication_end": "Không được trước «Công khai từ ngày» (03/11/2026)"}
    s.complete("Task_kn_publication_end", {"publication_end": "2026-11-17"})
    assert s.data["publication_days"] == 15 and s.data["publication_ok"] is True
    assert s.ready() == ["Task_kn_track_finality"]
    assert s.timer("Timer_kn_final")["due_at"] == due("2026-12-14")

    travel("2026-11-20")
    follow_up(s, "second_complaint", "2026-11-20")  # a second decision cannot be complained again
    assert s.ready() == ["Task_kn_track_finality"]
    follow_up(s, "lawsuit", "2026-11-20")
    assert s.status == "completed"


def test_first_complaint_findings_differ_reverify_absent_complainant_second_complaint(
        ctx, clock, coverage, travel):
    s = start(ctx, clock, coverage, travel, "2026-10-01")
    travel("2026-10-02")
    receive(s, decision_known_on="2026-09-20")
    travel("2026-10-05")
    classify(s)
    travel("2026-10-08")
    accept(s, "2026-10-08")
    # 30 days from Thu 8/10: Sat 7/11 → Mon 9/11.
    assert s.data["resolution_due_day"] == "2026-11-09"
    travel("2026-10-20")
    verify(s, "2026-10-20", match=False)
    assess(s, "reverify")
    assert s.ready() == ["Task_kn_verify"]
    travel("2026-10-23")
    verify(s, "2026-10-23", match=False)
    assert s.data["verification_rounds"] == 2
    travel("2026-10-26")
    assess(s, "proceed")
    assert s.ready() == ["Task_kn_dialogue_notice"]  # request and findings differ (LKN Điều 30)
    travel("2026-10-27")
    notice(s, "2026-10-27", "2026-11-02")
    travel("2026-11-02")
    hold_dialogue(s, "absent", "2026-11-02")
    assert s.ready() == ["Task_kn_assess"]
    assert s.data["complainant_absent"] is True and s.data["dialogue_done"] is True
    travel("2026-11-03")
    assess(s, "proceed")
    assert s.ready() == ["Task_kn_decide"]
    travel("2026-11-05")
    decide(s, "2026-11-05", publish=True)
    # 03 working days after Thu 5/11: 6, 9, 10.
    assert s.data["send_due_day"] == "2026-11-10"
    travel("2026-11-06")
    send(s, "2026-11-06")
    assert s.ready() == ["Task_kn_publish"]  # the head chose to publish a first decision
    travel("2026-11-12")
    publish(s, "meeting", "2026-11-12", meeting_notice_sent_on="2026-11-09")
    travel("2026-11-20")
    follow_up(s, "second_complaint", "2026-11-20")
    assert s.status == "completed"
    assert s.data["follow_up"] == "second_complaint"


def test_suspension_pauses_the_clock_partial_then_full_withdrawal(ctx, clock, coverage, travel):
    s = start(ctx, clock, coverage, travel, "2026-09-28", signers=6)
    travel("2026-09-29")
    receive(s, decision_known_on="2026-09-15")
    travel("2026-10-01")
    classify(s, complainants="many_ready")
    travel("2026-10-05")
    accept(s, "2026-10-05")
    # 30 days from Mon 5/10 → Wed 4/11.
    assert s.data["resolution_due_day"] == "2026-11-04"
    travel("2026-10-15")
    verify(s, "2026-10-15", match=True)
    travel("2026-10-20")
    assess(s, "suspend")
    # Suspension decision within 03 working days of Tue 20/10: 21, 22, 23.
    assert s.ready() == ["Task_kn_suspend"]
    assert s.data["suspension_decision_due_day"] == "2026-10-23"
    assert timer_ids(s) == ["Timer_kn_resolution_suspend", "Timer_kn_suspension_decision"]
    assert s.task("Task_kn_suspend")["due_at"] == due("2026-10-23")
    travel("2026-10-21")
    s.complete("Task_kn_suspend", {"suspension_reason": "awaiting_result",
                                   "suspension_decision_number": "30/QĐ-UBND",
                                   "suspended_on": "2026-10-20"})
    # Clock paused: the waiting task has no deadline and no timer is pending.
    assert s.ready() == ["Task_kn_await_resume"]
    assert s.timers() == [] and s.task("Task_kn_await_resume")["due_at"] is None
    resume = {"resume_decision_number": "31/QĐ-UBND"}
    travel("2026-10-27")
    s.complete("Task_kn_await_resume", {**resume, "resumed_on": "2026-10-19"})  # before suspension
    assert s.ready() == ["Task_kn_await_resume"] and s.data["resume_valid"] is False
    s.complete("Task_kn_await_resume", {**resume, "resumed_on": "2026-10-27"})
    # 15 days were left after 20/10; counted again from 27/10 → Wed 11/11: exactly 7 days later.
    assert s.data["resolution_due_day"] == "2026-11-11"
    assert s.data["suspensions"] == [{
        "reason": "awaiting_result", "decision": "30/QĐ-UBND", "suspended_on": "2026-10-20",
        "resumed_on": "2026-10-27", "resume_decision": "31/QĐ-UBND", "due_before": "2026-11-04"}]
    assert s.ready() == ["Task_kn_assess"]
    assert s.timer("Timer_kn_resolution_assess")["due_at"] == due("2026-11-11")

    travel("2026-10-28")
    assess(s, "withdraw_partial")
    s.complete("Task_kn_partial_withdrawal", {
        "withdrawn_by": "Trần Thị Bình, Lê Văn Cường", "withdrawal_letter_date": "2026-10-28",
        "remaining_complainants": 4})
    assert s.ready() == ["Task_kn_assess"]  # resolution continues for the other four
    assert s.data["partial_withdrawals"][0]["remaining"] == 4
    travel("2026-10-30")
    assess(s, "terminate")
    # Termination decision within 03 working days of Fri 30/10: 2, 3, 4/11.
    assert s.data["termination_decision_due_day"] == "2026-11-04"
    assert s.task("Task_kn_terminate")["due_at"] == due("2026-11-04")
    travel("2026-11-02")
    s.complete("Task_kn_terminate", {
        "termination_reason": "withdrawn", "termination_decision_number": "33/QĐ-UBND",
        "termination_decision_date": "2026-11-02"})
    assert s.status == "completed"


def test_resolution_deadline_breach_reports_to_head_while_work_continues(ctx, clock, coverage, travel):
    s = start(ctx, clock, coverage, travel, "2026-09-28")
    travel("2026-09-29")
    receive(s, decision_known_on="2026-09-15")
    classify(s)
    travel("2026-10-05")
    accept(s, "2026-10-05")
    assert s.timer("Timer_kn_resolution_verify")["due_at"] == due("2026-11-04")

    assert s.fire_timers(datetime(2026, 11, 4, 16, 59, 58, tzinfo=timezone.utc)) == 0
    travel("2026-11-05", 0, 5)
    assert s.fire_timers(clock.current) == 1
    assert s.ready() == ["Task_kn_report_overdue", "Task_kn_verify"]  # the work stays open
    breach = task_data(s, "Task_kn_report_overdue")
    assert breach["resolution_overdue"] is True and breach["breach_known"] is False
    assert breach["breach_due_day"] == "2026-11-04"
    assert "resolution_overdue" not in task_data(s, "Task_kn_verify")
    fired = [e for e in s.details["events"] if e["type"] == "timer_fired"]
    assert [e["payload"]["bpmn_id"] for e in fired] == ["Timer_kn_resolution_verify"]

    # The next step starts late: its timer fires at once, the breach is recorded, no second report.
    travel("2026-11-06")
    verify(s, "2026-11-06", match=True)
    assert s.ready() == ["Task_kn_assess", "Task_kn_report_overdue"]
    assert task_data(s, "Task_kn_assess")["resolution_late_on_entry"] is True
    s.complete("Task_kn_report_overdue", {"overdue_report": "Tổ xác minh chậm do thiếu hồ sơ",
                                          "overdue_instruction": "Hoàn thành trong 03 ngày"})
    assert s.ready() == ["Task_kn_assess"] and s.status == "waiting"


def test_acceptance_deadline_breach_reported_once(ctx, clock, coverage, travel):
    s = start(ctx, clock, coverage, travel, "2026-08-20")
    travel("2026-08-29", 0, 1)
    assert s.fire_timers(clock.current) == 1
    assert s.ready() == ["Task_kn_receive", "Task_kn_report_overdue"]
    assert task_data(s, "Task_kn_report_overdue")["accept_overdue"] is True
    travel("2026-08-31")
    receive(s)
    assert s.ready() == ["Task_kn_classify", "Task_kn_report_overdue"]
    travel("2026-09-03")
    classify(s, acceptance="refuse")
    assert s.ready() == ["Task_kn_refuse", "Task_kn_report_overdue"]


def test_time_limit_passed_is_refused_unless_an_obstacle_extends_it(ctx, clock, coverage, travel):
    """Issue 19 §3: the 90-day limit (LKN Điều 9) is checked, not only shown: proposed for
    acceptance past it, the complaint goes to the refusal (Điều 11 khoản 6); the days of an
    objective obstacle are not counted."""
    facts = {"complaint_level": "first", "complainants_status": "single", "acceptance": "accept",
             "proposal_note": "Đề xuất thụ lý"}
    late = start(ctx, clock, coverage, travel, "2026-08-25")
    travel("2026-08-26")
    receive(late, decision_known_on="2026-04-01")   # 90 days: Tue 30/6
    late.complete("Task_kn_classify", facts)
    assert late.data["time_limit_day"] == "2026-06-30" and late.data["time_limit_passed"] is True
    assert late.ready() == ["Task_kn_refuse"]

    ill = start(ctx, clock, coverage, travel, "2026-08-25")
    travel("2026-08-26")
    receive(ill, decision_known_on="2026-04-01")
    with pytest.raises(FormInvalid) as refused:  # an obstacle needs its days and its evidence
        ill.complete("Task_kn_classify", {**facts, "time_limit_obstacle": "illness"})
    assert set(refused.value.errors) == {"time_limit_obstacle_days", "time_limit_obstacle_evidence"}
    assert ill.ready() == ["Task_kn_classify"]
    ill.complete("Task_kn_classify", {**facts, "time_limit_obstacle": "illness",
                                      "time_limit_obstacle_days": 60,
                                      "time_limit_obstacle_evidence": "Giấy ra viện số 12/BV"})
    # 30/6 + 60 days of illness → Sat 29/8, a rest day as are 31/8, 1-2/9 → Thu 3/9 (BLDS Điều
    # 148): received 25/8, within the limit.
    assert ill.data["time_limit_day"] == "2026-09-03" and ill.data["time_limit_passed"] is False
    assert ill.ready() == ["Task_kn_accept"]


def test_wrong_complaint_decision_in_force_may_need_no_follow_up(ctx, clock, coverage, travel):
    """Issue 19 §1: a decision that finds the complaint wrong keeps the contested act: the officer
    may say nothing is to be carried out; otherwise the follow-up opens."""
    for choice in ("none", "follow"):
        s = start(ctx, clock, coverage, travel, "2026-08-20")
        travel("2026-08-21")
        receive(s)
        classify(s)
        accept(s, "2026-08-21")
        travel("2026-09-10")
        verify(s, "2026-09-10", match=True)
        assess(s, "proceed")
        travel("2026-09-18")
        s.complete("Task_kn_decide", {
            "decision_number": "216/QĐ-UBND", "decision_date": "2026-09-18",
            "decision_result": "wrong", "decision_content": "Giữ nguyên quyết định thu hồi đất",
            "publish_decision": False})
        travel("2026-09-21")
        send(s, "2026-09-21")
        assert s.ready() == ["Task_kn_track_finality"]
        s.fire_timers(travel("2026-10-20", 0, 0))
        assert s.ready() == ["Task_kn_followup_choice"]
        s.complete("Task_kn_followup_choice", {"followup_choice": choice,
                                               "followup_none_reason": "Giữ nguyên quyết định"})
        if choice == "none":
            assert s.status == "completed" and s.ready() == []
        else:
            assert s.ready() == ["Task_df_plan"] and s.data["followup_overturns"] is False


# ---- diagram -----------------------------------------------------------------------------------
def test_generated_file_is_up_to_date():
    assert BPMN_FILE.read_text(encoding="utf-8") == source.build().to_xml(), (
        "run: python -m tools.process_sources.complaint")


def test_every_element_has_di_and_no_shapes_overlap():
    tree = etree.parse(str(BPMN_FILE))
    process = tree.find(f"bpmn:process[@id='{KEY}']", NS)
    node_tags = ("startEvent", "endEvent", "userTask", "scriptTask", "exclusiveGateway",
                 "parallelGateway", "boundaryEvent", "intermediateCatchEvent", "callActivity")
    nodes = {el.get("id"): el for tag in node_tags for el in process.iterfind(f"bpmn:{tag}", NS)}
    flows = {el.get("id") for el in process.iterfind("bpmn:sequenceFlow", NS)}
    shapes = {s.get("bpmnElement"): s.find("dc:Bounds", NS) for s in tree.iter(f"{{{NS['bpmndi']}}}BPMNShape")}
    edges = {e.get("bpmnElement"): e for e in tree.iter(f"{{{NS['bpmndi']}}}BPMNEdge")}
    assert len(nodes) > 70 and len(flows) > 80
    assert sorted(set(nodes) - set(shapes)) == []
    assert sorted(flows - set(edges)) == []
    assert all(len(edges[f]) >= 2 for f in flows)

    def box(node_id):
        b = shapes[node_id]
        return tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))

    def overlap(a, b):
        ax, ay, aw, ah = box(a)
        bx, by, bw, bh = box(b)
        return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah

    host = {n: el.get("attachedToRef") for n, el in nodes.items() if el.get("attachedToRef")}
    clashes = [(a, b) for a, b in combinations(sorted(nodes), 2)
               if host.get(a) != b and host.get(b) != a and overlap(a, b)]
    assert clashes == []
    # Every phase the users named is a visible group.
    groups = {v.get("value") for v in tree.iter("{%s}categoryValue" % NS["bpmn"])}
    assert groups == {"Tiếp nhận", "Phân loại, thụ lý", "Xác minh", "Đối thoại",
                      "Quyết định giải quyết", "Công khai", "Kết thúc"}


def test_zz_every_gateway_flow_taken(coverage):
    assert coverage.flows.get(KEY), "complaint.bpmn not found by the coverage"
    assert coverage.missing(KEY) == []
