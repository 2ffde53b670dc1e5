"""Process ``denunciation`` (giải quyết tố cáo): every route, every legal deadline on real 2026 dates,
the denouncer's identity sealed before verification, and a diagram whose every element is drawn.

Deadlines are checked against the 2026 calendar: 30/4, 1/5, the National Day holidays 1-2/9 and the
Government's swap (work on Saturday 22/8, rest on Monday 31/8), confirmed with
``petitions calendar add``. SpiffWorkflow compares timers with the real clock, so each scenario
moves both the engine's clock and the real one to the scenario's date (``travel``, conftest.py): a
timer whose date is already past would otherwise fire as soon as its task opens.
"""
from __future__ import annotations

from functools import partial

from lxml import etree

from engine.definitions.validation import validate_bundle
from petitions.roles import ROLES
from tests.bpmn import harness
from tests.bpmn.diagrams import NS
from tests.bpmn.followup_steps import carried_out
from tests.bpmn.harness import Scenario, utc_deadline
from tools.process_sources import denunciation as source

BPMN_FILE = source.OUTPUT
IDENTITY = {"sender_name": "Nguyễn Thị Tố Hoa", "sender_id_number": "001190012345",
            "sender_phone": "0912345678", "sender_address": "Số 5, ngõ 12, thôn Đông Lai",
            "representatives": ["Lê Văn Đại"],
            "summary": "Bà Nguyễn Thị Tố Hoa tố cáo công chức địa chính thu tiền trái quy định"}
LETTER = {"received_on": "2026-08-27", "channel": "post", "forwarder_kind": "none",
          "forwarded_by": "", "signers": 1, "field": "land", "priority_markers": [],
          "remote_area": False, "petition_type": "denunciation", "route": "accept", **IDENTITY}
PLAIN_IDENTITY_KEYS = set(IDENTITY)


def start(ctx, coverage, clock, **changes) -> Scenario:
    return Scenario(ctx, "denunciation", coverage, clock=clock,
                    data={**LETTER, **changes}, folders=["denunciation", "decision_followup"])


# Every scenario here reads the data of a task that is open at that moment.
task_data = partial(harness.task_data, open_only=True)


def ready_count(s: Scenario, bpmn_id: str) -> int:
    return sum(1 for t in s.tasks() if t["bpmn_id"] == bpmn_id)


# ---- steps shared by the scenarios -----------------------------------------------------------------
def register(s, extended=False):
    s.complete("Task_den_register", {"denunciation_register_number": "TC-2026-015",
                                     "initial_extended": extended})


def classify(s, *, competent=True, conditions=True, sent=False, handled_before=False):
    s.complete("Task_den_classify", {
        "resolver_competent": competent, "sent_to_competent_body": sent,
        "already_transferred_or_guided": handled_before, "conditions_met": conditions,
        "accused_name": "Trần Văn Bình", "accused_position": "Công chức địa chính - xây dựng xã",
        "denunciation_content": "Công chức địa chính thu tiền đo đạc không có trong quy định"})


def accept(s, accepted_on="2026-09-10"):
    register(s)
    classify(s)
    s.complete("Task_den_accept", {"acceptance_number": "15/QĐ-UBND", "accepted_on": accepted_on})
    s.complete("Task_den_notify_accept", {"doc_nd31_m05": 1,  # the signed notice (issue 16)
                                          "notice_denouncer_number": "16/TB-UBND",
                                          "notice_accused_number": "17/TB-UBND",
                                          "notices_sent_on": accepted_on})


def verify(s, *, team=True, crime=False):
    if team:
        s.complete("Task_den_team", {"team_decision_number": "18/QĐ-UBND",
                                     "team_members": "Ông Phạm An (tổ trưởng), bà Vũ Mai",
                                     "team_size": 2, "team_no_conflict": "checked"})
        s.complete("Task_den_plan", {"plan_summary": "Xác minh sổ thu tiền, làm việc hai bên"})
    s.complete("Task_den_session", {"session_on": "2026-09-18", "session_minutes_number": "BB-01",
                                    "denouncer_attended": True,
                                    "session_information": "Cung cấp 03 biên lai thu tiền"})
    s.complete("Task_den_accused", {"explanation_on": "2026-09-22",
                                    "explanation_summary": "Thừa nhận thu tiền, cho là phí đo đạc"})
    s.complete("Task_den_report", {"report_number": "BC-01", "report_on": "2026-09-25",
                                   "findings": "Thu 3 khoản không có căn cứ",
                                   "proposed_outcome": "true", "verification_crime_signs": crime})


def decide(s, decision):
    s.complete("Task_den_progress", {"progress_decision": decision})


def conclude(s, *, outcome="true", crime=False, summary="Công chức Trần Văn Bình thu tiền đo đạc "
             "trái quy định; tố cáo đúng.", concluded_on="2026-10-05"):
    s.complete("Task_den_conclusion", {"conclusion_number": "20/KL-UBND",
                                       "concluded_on": concluded_on, "conclusion_outcome": outcome,
                                       "conclusion_summary": summary,
                                       "crime_signs_conclusion": crime})


def send_conclusion(s):
    s.complete("Task_den_send_conclusion", {"conclusion_sent_on": "2026-10-07",
                                            "conclusion_recipients": "Người bị tố cáo; UBND xã",
                                            "denouncer_informed": True})


def publish(s, form="meeting", published_on="2026-10-09"):
    s.complete("Task_den_publish", {"publication_form": form, "published_on": published_on,
                                    "publication_place": "Hội trường UBND xã"})


def close(s):
    if "Task_df_plan" in s.ready():  # a conclusion is followed up first (issue 19); a termination not
        carried_out(s, "2026-12-31")
    s.complete("Task_den_close", {"closed_on": "2026-10-20", "archive_number": "HS-TC-15"})
    assert s.status == "completed"


def no_identity_in(data: dict) -> None:
    """No plain identity variable, and no identity value anywhere except inside sealed_identity."""
    assert not PLAIN_IDENTITY_KEYS & set(data), sorted(PLAIN_IDENTITY_KEYS & set(data))
    assert data["identity_sealed"] is True
    assert data["sealed_identity"]["sender_name"] == IDENTITY["sender_name"]
    rest = repr({k: v for k, v in data.items() if k != "sealed_identity"})
    for value in ("Nguyễn Thị Tố Hoa", "001190012345", "0912345678", "Số 5, ngõ 12", "Lê Văn Đại"):
        assert value not in rest


# ---- Tiếp nhận, phân loại: initial handling deadlines ------------------------------------------------
def test_initial_handling_07_working_days_across_national_day_then_transfer(ctx, clock, coverage,
                                                                             travel):
    travel("2026-08-27")
    s = start(ctx, coverage, clock)
    # Thu 27/8 → 28/8, 3/9, 4/9, 7/9, 8/9, 9/9, 10/9 (31/8 swapped off, 1-2/9 National Day).
    assert s.data["initial_due"] == "2026-09-10"
    assert s.timer("Timer_den_initial_register")["due_at"] == utc_deadline("2026-09-10")
    assert s.task("Task_den_register")["due_at"] == utc_deadline("2026-09-10")
    assert s.data["transfer_slip_due"] == "2026-09-08"  # 05 working days: 28/8, 3, 4, 7, 8/9
    register(s, extended=False)
    assert s.timer("Timer_den_initial_classify")["due_at"] == utc_deadline("2026-09-10")
    classify(s, competent=False)
    assert s.ready() == ["Task_den_transfer"]
    assert s.task("Task_den_transfer")["due_at"] == utc_deadline("2026-09-08")
    s.complete("Task_den_transfer", {"transfer_slip_number": "05/PC", "transfer_to": "UBND tỉnh",
                                     "transfer_slip_on": "2026-09-03", "denouncer_notified": "notified"})
    assert s.status == "completed"
    assert s.timers() == []


def test_extended_initial_handling_10_working_days_then_not_processed(ctx, clock, coverage, travel):
    travel("2026-08-27")
    s = start(ctx, coverage, clock)
    register(s, extended=True)
    # 10 working days: … 10/9, 11/9, 14/9, 15/9.
    assert s.data["initial_due"] == "2026-09-15"
    assert s.task("Task_den_classify")["due_at"] == utc_deadline("2026-09-15")
    classify(s, competent=False, handled_before=True)
    assert s.ready() == ["Task_den_not_processed"]  # transferred once already: never again
    assert s.timer("Timer_den_initial_skip")["due_at"] == utc_deadline("2026-09-15")
    s.complete("Task_den_not_processed", {"not_processed_reason": "Đã chuyển đơn ngày 20/8/2026"})
    assert s.status == "completed"


def test_refusal_when_the_acceptance_conditions_are_not_met(ctx, clock, coverage, travel):
    travel("2026-08-27")
    s = start(ctx, coverage, clock)
    register(s)
    classify(s, conditions=False)
    assert s.ready() == ["Task_den_refuse"]
    assert s.task("Task_den_refuse")["due_at"] == utc_deadline("2026-09-10")
    s.complete("Task_den_refuse", {"refusal_reason": "Không có căn cứ xác định người vi phạm",
                                   "refusal_notice_number": "12/TB", "refusal_notice_on": "2026-09-04"})
    assert s.status == "completed"
    assert "sealed_identity" not in s.data  # never reached verification: nothing to seal


# ---- the whole route, forwarded by the press: identity sealed until the end --------------------------
def test_forwarded_letter_accepted_concluded_published_with_identity_sealed(ctx, clock, coverage,
                                                                          travel):
    travel("2026-08-12")
    # Wed 12/8 + 20 days = Tue 1/9 (National Day) → rolls to Thu 3/9.
    s = start(ctx, coverage, clock, received_on="2026-08-12", forwarder_kind="press",
              forwarded_by="Báo Bắc Ninh")
    assert s.ready() == ["Task_den_register", "Task_den_reply_forwarder"]
    assert s.task("Task_den_reply_forwarder")["due_at"] == utc_deadline("2026-09-03")
    accept(s, accepted_on="2026-08-25")
    assert s.ready() == ["Task_den_reply_forwarder", "Task_den_team"]

    # The file reaches the head and the verification team sealed.
    no_identity_in(task_data(s, "Task_den_team"))
    verify(s)
    no_identity_in(task_data(s, "Task_den_progress"))
    decide(s, "conclude")
    # The conclusion text names the denouncer by mistake: the publication text must not.
    conclude(s, summary="Tố cáo của bà Nguyễn Thị Tố Hoa là đúng; ông Trần Văn Bình thu tiền sai.",
             concluded_on="2026-09-10")
    assert s.ready() == ["Task_den_publish", "Task_den_reply_forwarder", "Task_den_sanction",
                         "Task_den_send_conclusion"]
    # Masked once, before the branches split: the copy sent to the accused is masked too.
    for task in ("Task_den_publish", "Task_den_sanction", "Task_den_send_conclusion"):
        data = task_data(s, task)
        assert data["conclusion_summary"] == ("Tố cáo của bà [thông tin được bảo mật] là đúng; "
                                              "ông Trần Văn Bình thu tiền sai.")
        assert data["conclusion_redactions"] == 1
        no_identity_in(data)
    published = task_data(s, "Task_den_publish")
    assert published["publication_text"] == (
        "Kết luận nội dung tố cáo số 20/KL-UBND ngày 2026-09-10. Người bị tố cáo: Trần Văn Bình. "
        "Tố cáo của bà [thông tin được bảo mật] là đúng; ông Trần Văn Bình thu tiền sai.")
    # 05 / 07 working days from Thu 10/9: 11, 14, 15, 16, 17 / 18, 21 September.
    assert s.task("Task_den_send_conclusion")["due_at"] == utc_deadline("2026-09-17")
    assert s.task("Task_den_sanction")["due_at"] == utc_deadline("2026-09-21")
    assert s.task("Task_den_publish")["due_at"] == utc_deadline("2026-09-21")
    form_fields = {f["name"] for f in _forms()["Task_den_publish"]["fields"]}
    assert form_fields == {"publication_form", "published_on", "publication_place"}
    send_conclusion(s)
    s.complete("Task_den_sanction", {"sanction_measures": "Khiển trách; hoàn trả tiền đã thu",
                                     "sanction_on": "2026-09-15"})
    publish(s, "meeting", published_on="2026-09-16")
    carried_out(s, "2026-12-31")
    s.complete("Task_den_close", {"closed_on": "2026-09-20", "archive_number": "HS-TC-15"})
    assert s.ready() == ["Task_den_reply_forwarder"]  # the branch forked before the seal ends last
    s.complete("Task_den_reply_forwarder", {"forward_reply_number": "30/UBND",
                                            "forward_reply_on": "2026-09-02",
                                            "forward_reply_content": "Đã kết luận, xử lý"})
    assert s.status == "completed"
    final = s.data
    no_identity_in(final)  # the last branch wins the final merge: it dropped its identity copy
    assert final["forward_reply_number"] == "30/UBND"
    assert final["forwarder_replied"] is True  # the intake process will not reply a second time


def _forms() -> dict:
    called = harness.PROCESSES / "decision_followup" / "decision_followup.bpmn"
    return validate_bundle({BPMN_FILE.name: BPMN_FILE.read_bytes(),
                            called.name: called.read_bytes()}, ROLES).forms


# ---- resolution period: 30 + 30 + 30 days --------------------------------------------------------
def test_especially_complex_case_is_extended_twice_then_must_conclude(ctx, clock, coverage, travel):
    travel("2026-08-27")
    s = start(ctx, coverage, clock)
    accept(s, accepted_on="2026-09-10")
    # 30 days from Thu 10/9 = Sat 10/10 → Mon 12/10; notices: 05 working days → Thu 17/9.
    assert s.data["resolution_due"] == "2026-10-12"
    assert s.data["acceptance_notice_due"] == "2026-09-17"
    assert s.task("Task_den_team")["due_at"] == utc_deadline("2026-10-12")
    verify(s, crime=True)
    assert s.ready() == ["Task_den_crime_report"]  # signs of crime: report at once
    s.complete("Task_den_crime_report", {"crime_agency": "cqdt", "crime_transfer_number": "21/UBND",
                                         "crime_transferred_on": "2026-09-25"})
    extension = {"complexity_criteria": ["locations", "evidence"], "extension_number": "22/QĐ",
                 "extension_on": "2026-10-08"}
    expected = ["2026-11-11", "2026-12-11"]  # +30 from 12/10 = Wed 11/11; +30 = Fri 11/12
    for due in expected:
        decide(s, "extend")
        s.complete("Task_den_extension", extension)
        assert s.data["resolution_due"] == due
        assert s.task("Task_den_extension_notice")["due_at"] == utc_deadline(due)
        s.complete("Task_den_extension_notice", {"extension_notice_on": "2026-10-09"})
        assert s.task("Task_den_session")["due_at"] == utc_deadline(due)
        verify(s, team=False)
    assert s.data["extensions_used"] == 2
    decide(s, "extend")  # a third extension is not allowed: straight to the conclusion
    s.complete("Task_den_extension", extension)
    assert s.ready() == ["Task_den_conclusion"]
    assert s.data["resolution_due"] == "2026-12-11"
    conclude(s, outcome="partly", crime=True, concluded_on="2026-12-08")
    send_conclusion(s)
    s.complete("Task_den_sanction", {"sanction_measures": "Cảnh cáo", "sanction_on": "2026-12-10"})
    assert s.ready() == ["Task_den_crime_action", "Task_den_publish"]
    s.complete("Task_den_crime_action", {"crime_action_agency": "vks", "crime_action_number": "23",
                                         "crime_action_on": "2026-12-10"})
    publish(s, "posting", published_on="2026-12-11")
    # Posted Fri 11/12: 15 days → Sat 26/12 → Mon 28/12; the confirmation opens after that day.
    assert s.data["publication_ends_on"] == "2026-12-28"
    assert s.timer("Timer_den_publication_period")["due_at"] == utc_deadline("2026-12-28")
    assert s.ready() == []
    s.fire_timers(travel("2026-12-29", hour=7))
    s.complete("Task_den_publication_removed", {"publication_removed_on": "2026-12-29"})
    close(s)


def test_complex_case_with_one_criterion_gets_one_extension(ctx, clock, coverage, travel):
    travel("2026-08-27")
    s = start(ctx, coverage, clock)
    accept(s)
    verify(s)
    extension = {"complexity_criteria": ["contents"], "extension_number": "22/QĐ",
                 "extension_on": "2026-10-08"}
    decide(s, "extend")
    s.complete("Task_den_extension", extension)
    assert s.data["resolution_due"] == "2026-11-11"
    s.complete("Task_den_extension_notice", {"extension_notice_on": "2026-10-09"})
    verify(s, team=False)
    decide(s, "extend")
    s.complete("Task_den_extension", extension)
    assert s.ready() == ["Task_den_conclusion"]
    assert s.data["resolution_due"] == "2026-11-11"


# ---- suspension: the clock stops -----------------------------------------------------------------
def test_suspension_pauses_the_resolution_clock(ctx, clock, coverage, travel):
    travel("2026-08-27")
    s = start(ctx, coverage, clock)
    accept(s, accepted_on="2026-09-10")
    verify(s)
    decide(s, "suspend")
    s.complete("Task_den_suspend", {"suspension_reason": "assessment", "suspension_number": "24/QĐ",
                                    "suspended_on": "2026-09-20"})
    # Suspended Sun 20/9: decision sent within 05 working days → Fri 25/9; no resolution timer.
    assert s.task("Task_den_suspension_notice")["due_at"] == utc_deadline("2026-09-25")
    assert [t["bpmn_id"] for t in s.timers()] == ["Timer_den_suspension_notice"]
    s.complete("Task_den_suspension_notice", {"suspension_sent_on": "2026-09-22"})
    assert s.ready() == ["Task_den_resume"] and s.timers() == []
    s.complete("Task_den_resume", {"resume_number": "25/QĐ", "resumed_on": "2026-10-05"})
    # 22 days were left (20/9 → 12/10); counted again from Mon 5/10 → Tue 27/10.
    assert s.data["resolution_due"] == "2026-10-27"
    assert s.task("Task_den_progress")["due_at"] == utc_deadline("2026-10-27")
    decide(s, "conclude")
    conclude(s, outcome="false", concluded_on="2026-10-20")
    assert s.ready() == ["Task_den_publish", "Task_den_restore", "Task_den_send_conclusion"]
    s.complete("Task_den_restore", {"restore_measures": "Thông báo công khai người bị tố cáo "
                                                        "không vi phạm", "restore_on": "2026-10-22"})
    send_conclusion(s)
    publish(s, "media", published_on="2026-10-23")
    s.complete("Task_den_publication_media", {"media_times": 2, "media_last_on": "2026-10-26"})
    close(s)


# ---- withdrawal and termination ------------------------------------------------------------------
WITHDRAWAL = {"withdrawn_on": "2026-09-28", "withdrawal_scope": "full", "signs_of_violation": False,
              "denouncer_coerced": False, "abuse_for_slander": False}


def test_withdrawal_under_coercion_continues_then_accused_dies(ctx, clock, coverage, travel):
    travel("2026-08-27")
    s = start(ctx, coverage, clock)
    accept(s)
    verify(s)
    decide(s, "withdrawn")
    s.complete("Task_den_withdrawal", {**WITHDRAWAL, "denouncer_coerced": True})
    assert s.ready() == ["Task_den_progress"]  # LTC Điều 33: still resolved
    assert s.data["withdrawals"] == 1
    decide(s, "terminate")
    s.complete("Task_den_terminate", {"termination_ground": "accused_died",
                                      "termination_number": "26/QĐ", "terminated_on": "2026-10-02"})
    # Fri 2/10 + 05 working days → Fri 9/10.
    assert s.task("Task_den_termination_notice")["due_at"] == utc_deadline("2026-10-09")
    s.complete("Task_den_termination_notice", {"termination_sent_on": "2026-10-05"})
    close(s)


def test_full_withdrawal_without_grounds_terminates(ctx, clock, coverage, travel):
    travel("2026-08-27")
    s = start(ctx, coverage, clock)
    accept(s)
    verify(s)
    decide(s, "withdrawn")
    s.complete("Task_den_withdrawal", WITHDRAWAL)
    assert s.ready() == ["Task_den_terminate"]
    s.complete("Task_den_terminate", {"termination_ground": "withdrawn",
                                      "termination_number": "26/QĐ", "terminated_on": "2026-09-29"})
    s.complete("Task_den_termination_notice", {"termination_sent_on": "2026-10-01"})
    close(s)


# ---- the resolution deadline passes: breach recorded, work goes on --------------------------------
def test_resolution_deadline_breach_reports_to_the_head_while_work_continues(ctx, clock, coverage,
                                                                           travel):
    travel("2026-08-27")
    s = start(ctx, coverage, clock)
    accept(s, accepted_on="2026-09-10")
    s.complete("Task_den_team", {"team_decision_number": "18/QĐ", "team_members": "An, Mai",
                                 "team_size": 2, "team_no_conflict": "checked"})
    s.complete("Task_den_plan", {"plan_summary": "Kế hoạch"})
    assert s.timer("Timer_den_res_session")["due_at"] == utc_deadline("2026-10-12")
    assert s.fire_timers(travel("2026-10-13", hour=8)) == 1
    assert s.ready() == ["Task_den_overdue_report", "Task_den_session"]  # non-interrupting
    breach = task_data(s, "Task_den_overdue_report")
    assert breach["resolution_overdue"] is True
    assert (breach["overdue_deadline"], breach["overdue_due"]) == ("resolution", "2026-10-12")
    assert "resolution_overdue" not in task_data(s, "Task_den_session")
    fired = [e for e in s.details["events"] if e["type"] == "timer_fired"]
    assert [e["payload"]["bpmn_id"] for e in fired] == ["Timer_den_res_session"]
    s.complete("Task_den_overdue_report", {"overdue_direction": "Khẩn trương hoàn thành xác minh"})
    assert s.ready() == ["Task_den_session"]
    no_identity_in(s.data)
    # Every further step opened after the deadline reports its own lateness at once.
    s.complete("Task_den_session", {"session_on": "2026-10-13", "session_minutes_number": "BB-02",
                                    "denouncer_attended": False})
    assert s.ready() == ["Task_den_accused", "Task_den_overdue_report"]
    assert task_data(s, "Task_den_overdue_report")["overdue_due"] == "2026-10-12"
    s.complete("Task_den_overdue_report", {"overdue_direction": "Kết luận ngay"})
    s.complete("Task_den_accused", {"explanation_on": "2026-10-14", "explanation_summary": "Giải trình"})
    s.complete("Task_den_overdue_report", {"overdue_direction": "Kết luận ngay"})
    assert s.ready() == ["Task_den_report"]
    final = task_data(s, "Task_den_report")
    assert "resolution_overdue" not in final and final["resolution_due"] == "2026-10-12"


def test_breach_before_the_seal_ending_last_leaks_nothing(ctx, clock, coverage, travel):
    travel("2026-08-27")
    s = start(ctx, coverage, clock)
    register(s)
    assert s.fire_timers(travel("2026-09-11", hour=8)) == 1  # initial handling due Thu 10/9
    assert s.ready() == ["Task_den_classify", "Task_den_overdue_report"]
    breach = task_data(s, "Task_den_overdue_report")
    assert (breach["initial_overdue"], breach["overdue_due"]) == (True, "2026-09-10")
    classify(s)
    # The acceptance decision opens after the deadline: it reports its own lateness at once.
    assert ready_count(s, "Task_den_overdue_report") == 2
    s.complete("Task_den_accept", {"acceptance_number": "15/QĐ", "accepted_on": "2026-09-11"})
    s.complete("Task_den_notify_accept", {"doc_nd31_m05": 1,  # the signed notice (issue 16)
                                          "notice_denouncer_number": "16", "notice_accused_number": "17",
                                          "notices_sent_on": "2026-09-14"})
    verify(s)
    decide(s, "conclude")
    conclude(s, concluded_on="2026-10-05")
    send_conclusion(s)
    s.complete("Task_den_sanction", {"sanction_measures": "Khiển trách", "sanction_on": "2026-10-07"})
    publish(s)
    carried_out(s, "2026-12-31")
    s.complete("Task_den_close", {"closed_on": "2026-10-20", "archive_number": "HS-TC-16"})
    for _ in range(2):
        s.complete("Task_den_overdue_report", {"overdue_direction": "Rút kinh nghiệm"})
    assert s.status == "completed"
    final = s.data
    no_identity_in(final)
    assert final["resolution_due"] == "2026-10-12"


# ---- the diagram --------------------------------------------------------------------------------
def test_generated_file_is_up_to_date():
    assert BPMN_FILE.read_text(encoding="utf-8") == source.build().to_xml()


def test_every_element_is_drawn_and_no_shapes_overlap():
    tree = etree.parse(str(BPMN_FILE))
    process = tree.find("bpmn:process", NS)
    node_tags = ("startEvent", "endEvent", "userTask", "scriptTask", "exclusiveGateway",
                 "parallelGateway", "boundaryEvent", "intermediateCatchEvent")
    nodes = {el.get("id"): el for tag in node_tags for el in process.iterfind(f"bpmn:{tag}", NS)}
    flows = {el.get("id") for el in process.iterfind("bpmn:sequenceFlow", NS)}
    shapes = {s.get("bpmnElement"): s.find("dc:Bounds", NS)
              for s in tree.iter(f"{{{NS['bpmndi']}}}BPMNShape")}
    edges = {e.get("bpmnElement"): e for e in tree.iter(f"{{{NS['bpmndi']}}}BPMNEdge")}
    assert set(nodes) - set(shapes) == set()
    assert flows - set(edges) == set()
    assert all(len(edges[f]) >= 2 for f in flows)
    boxes = {i: tuple(float(shapes[i].get(k)) for k in ("x", "y", "width", "height")) for i in nodes}
    attached = {i: el.get("attachedToRef") for i, el in nodes.items() if el.get("attachedToRef")}
    ids = sorted(boxes)
    overlaps = []
    for n, a in enumerate(ids):
        for b in ids[n + 1:]:
            if attached.get(a) == b or attached.get(b) == a:
                continue  # a boundary event sits on its task's border by design
            ax, ay, aw, ah = boxes[a]
            bx, by, bw, bh = boxes[b]
            if ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah:
                overlaps.append((a, b))
    assert overlaps == []


def test_phases_lanes_and_resolution_timers():
    tree = etree.parse(str(BPMN_FILE))
    phases = [v.get("value") for v in tree.iter(f"{{{NS['bpmn']}}}categoryValue")]
    assert phases == ["Tiếp nhận", "Phân loại, thụ lý", "Xác minh", "Làm việc, đối thoại",
                      "Kết luận", "Xử lý", "Công khai", "Kết thúc"]
    roles = {lane.get("{urn:petitions:bpmn:1}role") for lane in tree.iter(f"{{{NS['bpmn']}}}lane")}
    assert roles == {"reception_officer", "handling_officer", "head_of_unit", "verification_team",
                     "publication_officer"}
    boundaries = list(tree.iter(f"{{{NS['bpmn']}}}boundaryEvent"))
    assert boundaries and all(b.get("cancelActivity") == "false" for b in boundaries)
    guarded = {b.get("attachedToRef") for b in boundaries
               if b.findtext("bpmn:timerEventDefinition/bpmn:timeDate", namespaces=NS)
               == source.RESOLUTION_DUE}
    # Suspension tasks are deliberately unguarded: the clock is stopped (LTC Điều 34).
    assert not guarded & {"Task_den_suspend", "Task_den_suspension_notice", "Task_den_resume"}
    assert {"Task_den_team", "Task_den_session", "Task_den_report", "Task_den_conclusion"} <= guarded
    # Nothing the verification, conclusion or publication steps ask for identifies the denouncer.
    forms = _forms()
    for task_id, form in forms.items():
        assert not {f["name"] for f in form["fields"]} & PLAIN_IDENTITY_KEYS, task_id


def test_every_gateway_flow_is_taken(coverage):
    assert coverage.missing("denunciation") == []
