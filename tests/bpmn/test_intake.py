"""Process ``petition_intake`` (tiếp nhận, phân loại, xử lý đơn): every route of the decision table,
the 10-working-day notice across Tết 2027, breaches reported to the head of unit while the work stays
open, and a diagram whose every element is drawn without overlaps.

SpiffWorkflow compares timers with the real clock: each scenario moves the engine's clock and the
real one to the scenario's date (``travel``, conftest.py), otherwise a due date already past fires as
soon as its task opens. Scenarios that reach Call_complaint / Call_denunciation deploy all of processes/.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from lxml import etree
from SpiffWorkflow.dmn.parser.BpmnDmnParser import BpmnDmnParser

from engine.scripting.helpers import calendar_helpers
from engine.scripting.sandbox import build_script_engine
from engine.working_days import WorkingDayCalendar
from tests.bpmn.diagrams import NS, diagram_problems
from tests.bpmn.harness import FACTS, LETTER, PROCESSES, Scenario, task_data, utc_deadline
from tests.support import FakeClock
from tools.build_processes import stale_files
from tools.process_sources import intake as source

KEY = source.KEY
BPMN_FILE = PROCESSES / source.FOLDER / f"{KEY}.bpmn"
DMN_FILE = PROCESSES / source.FOLDER / f"{source.DECISION}.dmn"

NOTICE = {"notice_number": "15/TB-UBND", "sent_on": "2026-12-07"}


def called_data(s: Scenario, process_id: str) -> dict:
    """The data a call activity handed to the called process ``process_id``."""
    for sub in s.workflow().subprocesses.values():
        if sub.spec.name == process_id:
            start = next(t for t in sub.tasks.values() if t.task_spec.name == "Start")
            return dict(start.data)
    raise AssertionError(f"{process_id} was not called")


# ---- steps ----------------------------------------------------------------------------------------
def start(ctx, coverage, clock) -> Scenario:
    return Scenario(ctx, KEY, coverage, clock=clock)


def handle(ctx, coverage, clock, *, letter=None, facts=None) -> Scenario:
    """Register, classify and approve: the letter stands at the start of its route."""
    s = start(ctx, coverage, clock)
    assert s.ready() == ["Task_register"]
    s.complete("Task_register", {**LETTER, **(letter or {})})
    s.complete("Task_classify", {**FACTS, **(facts or {})})
    s.complete("Task_approve_route", {"approve": True, "approval_note": "Đồng ý"})
    return s


def notify(s: Scenario, sent_on: str = NOTICE["sent_on"]) -> None:
    s.complete("Task_notify_citizen", {**NOTICE, "sent_on": sent_on})


# ---- the decision table ---------------------------------------------------------------------------
DMN_CASES = [  # (rule, changed facts, route, notify the sender)
    ("crime", {"crime_signs": True, "petition_type": "denunciation"}, "investigators", True),
    ("party", {"party_member": True, "petition_type": "denunciation"}, "party_committee", True),
    ("anonymous_concrete", {"anonymous": True, "has_identity": False, "petition_type": "denunciation"},
     "inspection_info", False),
    ("anonymous", {"anonymous": True, "concrete_content": False, "petition_type": "denunciation"},
     "store", False),
    ("not_vietnamese", {"in_vietnamese": False}, "refuse", True),
    ("no_identity", {"has_identity": False}, "refuse", False),
    ("mixed", {"petition_type": "mixed"}, "split", True),
    ("nothing_new", {"resolved_nothing_new": True}, "store", False),
    ("sent_to_competent", {"within_competence": False, "already_sent_to_competent": True}, "store",
     False),
    ("guided_once", {"within_competence": False, "already_guided": True}, "store", False),
    ("transferred_once", {"within_competence": False, "already_transferred": True,
                          "petition_type": "denunciation"}, "store", False),
    ("guide", {"within_competence": False}, "guide", True),
    ("transfer", {"within_competence": False, "petition_type": "feedback"}, "transfer", True),
    ("accept", {}, "accept", False),
]


def _decide(facts: dict) -> dict:
    parser = BpmnDmnParser()
    parser.add_dmn_file(str(DMN_FILE))
    decision = parser.get_engine(source.DECISION, None)
    engine = build_script_engine(calendar_helpers(WorkingDayCalendar(), FakeClock().now))
    task = SimpleNamespace(data=facts, workflow=SimpleNamespace(script_engine=engine))
    return decision.result(task)


@pytest.mark.parametrize("rule, changes, route, notify_sender", DMN_CASES,
                         ids=[case[0] for case in DMN_CASES])
def test_decision_table_rule(rule, changes, route, notify_sender):
    result = _decide({**FACTS, **changes})
    assert (result["route"], result["notify_citizen"]) == (route, notify_sender)
    assert "Điều" in result["route_reason"] or "Thông tư" in result["route_reason"]


def test_decision_table_has_one_case_per_rule_and_a_dmndi_shape():
    assert [case[0] for case in DMN_CASES] == [rule[0] for rule in source.DMN_RULES]
    tree = etree.parse(str(DMN_FILE))
    dmn = "https://www.omg.org/spec/DMN/20191111/MODEL/"
    assert tree.getroot().tag == f"{{{dmn}}}definitions"
    assert tree.find(f"{{{dmn}}}decision").get("id") == "classify_petition"
    assert tree.find(f".//{{{dmn}}}decisionTable").get("hitPolicy") == "FIRST"
    shape = tree.find(".//{https://www.omg.org/spec/DMN/20191111/DMNDI/}DMNShape")
    assert shape is not None and shape.get("dmnElementRef") == "classify_petition"


# ---- routes ---------------------------------------------------------------------------------------
def test_accepted_complaint_goes_to_the_complaint_process_with_all_data(ctx, clock, coverage, travel):
    travel("2026-12-02")
    s = start(ctx, coverage, clock)
    s.complete("Task_register", {**LETTER, "signers": 6, "representatives": "Nguyễn Văn An",
                                 "priority_markers": ["vulnerable", "policy_family"]})
    data = task_data(s, "Task_classify")
    # Tue 1/12/2026 + 10 working days = Tue 15/12/2026 (LTCD Điều 28.1)
    assert (data["notice_due_day"], data["notice_due"]) == ("2026-12-15", utc_deadline("2026-12-15"))
    assert data["many_signers"] is True and data["priority"] == 3 and data["forwarded"] is False
    assert s.task("Task_classify")["priority"] == 3
    s.complete("Task_classify", FACTS)
    assert task_data(s, "Task_approve_route")["route"] == "accept"
    assert "Mẫu 01" in task_data(s, "Task_approve_route")["route_reason"]
    s.complete("Task_approve_route", {"approve": True})
    handed = called_data(s, "complaint")
    assert {k: handed[k] for k in ("received_on", "petition_type", "signers", "route", "summary")} == {
        "received_on": "2026-12-01", "petition_type": "complaint", "signers": 6, "route": "accept",
        "summary": LETTER["summary"]}
    assert s.status == "waiting" and "Task_notify_citizen" not in s.ready()
    assert "Task_intake_head_dialogue" in s.ready()  # 06 signers: reported to the head at once


def test_accepted_denunciation_goes_to_the_denunciation_process(ctx, clock, coverage, travel):
    travel("2026-12-02")
    s = handle(ctx, coverage, clock, facts={"petition_type": "denunciation"})
    handed = called_data(s, "denunciation")
    assert (handed["petition_type"], handed["route"]) == ("denunciation", "accept")
    assert s.status == "waiting"


def test_feedback_forwarded_by_a_deputy_is_answered_in_the_called_process(ctx, clock, coverage,
                                                                           travel):
    travel("2026-12-02")
    s = handle(ctx, coverage, clock, letter={"channel": "forwarded", "forwarder_kind": "deputy",
                                             "forwarded_by": "Đại biểu HĐND tỉnh Lò Văn Minh"},
               facts={"petition_type": "feedback"})
    assert called_data(s, "recommendation_feedback")["forwarded"] is True
    assert s.ready() == ["Task_pakn_review"]
    s.complete("Task_pakn_review", {"repeated_answered": False})
    s.complete("Task_pakn_notice", {"notice_number": "20/TB-UBND", "sent_on": "2026-12-03"})
    s.complete("Task_pakn_consider", {"handling_mode": "self"})
    s.complete("Task_pakn_resolve_head", {"resolution_summary": "Đã chỉ đạo sửa đường",
                                          "need_meeting": False})
    s.complete("Task_pakn_answer", {"answer_number": "31/UBND", "answer_date": "2026-12-08",
                                    "publish_answer": False})
    s.complete("Task_pakn_reply_forwarder", {"forwarder_reply_number": "32/UBND",
                                             "forwarder_reply_on": "2026-12-09"})
    # The called process reported to the deputy: intake does not ask for a second report.
    assert s.status == "completed" and s.ready() == []
    data = task_data(s, "Script_route_end")
    assert data["forwarder_replied"] is True and data["reply_to_forwarder"] is False
    assert data["answer_number"] == "31/UBND"


def test_transfer_across_tet_2027_then_report_to_the_press(ctx, clock, coverage, travel):
    travel("2027-02-01")
    s = handle(ctx, coverage, clock,
               letter={"received_on": "2027-01-29", "channel": "forwarded", "forwarder_kind": "press",
                       "forwarded_by": "Báo Lai Châu"},
               facts={"petition_type": "recommendation", "within_competence": False,
                      "competent_body": "Sở Xây dựng"})
    assert s.ready() == ["Task_intake_transfer"]
    # Fri 29/1/2027 + 10 working days across Tết (4-10/2 off): 1, 2, 3, 11, 12, 15-19/2 → 19/2.
    assert s.task("Task_intake_transfer")["due_at"] == utc_deadline("2027-02-19")
    s.complete("Task_intake_transfer", {"transfer_number": "03/PC", "receiving_body": "Sở Xây dựng",
                                        "transferred_on": "2027-02-02"})
    assert s.ready() == ["Task_notify_citizen"]
    assert s.timer("Timer_notice")["due_at"] == "2027-02-19T16:59:59+00:00"
    assert s.task("Task_notify_citizen")["due_at"] == "2027-02-19T16:59:59+00:00"
    travel("2027-02-15")
    notify(s, sent_on="2027-02-15")
    assert task_data(s, "Script_notice_sent")["notice_on_time"] is True
    # Result known Mon 15/2 → 07 working days (LTCD Điều 27.2): 16, 17, 18, 19, 22, 23, 24/2.
    assert s.ready() == ["Task_intake_reply_forwarder"]
    assert s.timer("Timer_forwarder_reply")["due_at"] == utc_deadline("2027-02-24")
    s.fire_timers(datetime.fromisoformat(utc_deadline("2027-02-24")) + timedelta(seconds=1))
    assert s.ready() == ["Task_intake_reply_forwarder", "Task_intake_report_reply_late"]
    assert task_data(s, "Task_intake_report_reply_late")["forwarder_reply_overdue"] is True
    s.complete("Task_intake_reply_forwarder", {"forwarder_reply_number": "05/UBND",
                                               "forwarder_reply_on": "2027-02-25"})
    s.complete("Task_intake_report_reply_late", {"forwarder_reply_delay_action": "Nhắc nhở"})
    assert s.status == "completed"


def test_denunciation_transfer_is_due_in_05_working_days_and_a_breach_is_reported(ctx, clock,
                                                                                  coverage, travel):
    travel("2027-02-01")
    s = handle(ctx, coverage, clock, letter={"received_on": "2027-01-29"},
               facts={"petition_type": "denunciation", "within_competence": False})
    # Fri 29/1/2027 + 05 working days: 1, 2, 3, 11, 12/2 (LTC Điều 24.2).
    assert s.timer("Timer_transfer")["due_at"] == utc_deadline("2027-02-12")
    assert s.fire_timers(datetime.fromisoformat(utc_deadline("2027-02-12")) + timedelta(hours=1)) == 1
    assert s.ready() == ["Task_intake_report_transfer_late", "Task_intake_transfer"]
    assert s.task("Task_intake_report_transfer_late")["candidate_role"] == "head_of_unit"
    assert task_data(s, "Task_intake_report_transfer_late")["transfer_overdue"] is True
    s.complete("Task_intake_report_transfer_late", {"transfer_delay_action": "Chuyển ngay",
                                                    "transfer_delay_responsible": "Bộ phận một cửa"})
    s.complete("Task_intake_transfer", {"transfer_number": "04/PC", "receiving_body": "UBND tỉnh",
                                        "transferred_on": "2027-02-15"})
    assert s.ready() == ["Task_notify_citizen"]


def test_notice_deadline_breach_reports_to_the_head_while_the_notice_stays_open(ctx, clock,
                                                                                coverage, travel):
    travel("2026-12-02")
    s = handle(ctx, coverage, clock, facts={"within_competence": False, "competent_body": "UBND tỉnh"})
    s.complete("Task_intake_guide", {"guided_to": "Chủ tịch UBND tỉnh", "guided_on": "2026-12-03"})
    assert s.task("Task_notify_citizen")["due_at"] == utc_deadline("2026-12-15")
    travel("2026-12-16")
    assert s.fire_timers(datetime.fromisoformat(utc_deadline("2026-12-15")) + timedelta(seconds=1)) == 1
    assert s.ready() == ["Task_intake_report_notice_late", "Task_notify_citizen"]
    report = s.task("Task_intake_report_notice_late")
    assert (report["name"], report["candidate_role"]) == ("Báo cáo chậm thông báo", "head_of_unit")
    assert task_data(s, "Task_intake_report_notice_late")["notice_overdue"] is True
    s.complete("Task_intake_report_notice_late", {"notice_delay_action": "Gửi ngay thông báo"})
    assert s.ready() == ["Task_notify_citizen"] and s.status == "waiting"
    notify(s, sent_on="2026-12-17")
    assert task_data(s, "Script_notice_sent")["notice_on_time"] is False
    assert s.status == "completed"


def test_classification_and_approval_show_the_10_working_day_notice_due(ctx, clock, coverage,
                                                                         travel):
    # Issue 19 §4: the steps before the notice carry its legal clock (LTCD Điều 28.1); a
    # classification still open when it passes is recorded (the notice step then reports it).
    travel("2026-12-02")
    s = start(ctx, coverage, clock)
    s.complete("Task_register", LETTER)  # received Tue 1/12 + 10 working days → Tue 15/12
    assert s.task("Task_classify")["due_at"] == utc_deadline("2026-12-15")
    s.complete("Task_classify", FACTS)
    assert s.task("Task_approve_route")["due_at"] == utc_deadline("2026-12-15")
    s.complete("Task_approve_route", {"approve": False, "approval_note": "Phân loại lại"})
    travel("2026-12-16")
    assert s.fire_timers(datetime.fromisoformat(utc_deadline("2026-12-15")) + timedelta(seconds=1)) == 1
    assert s.ready() == ["Task_classify"]
    assert task_data(s, "Script_intake_notice_late")["classification_overdue"] is True


def test_resolved_letter_with_nothing_new_is_stored_and_linked(ctx, clock, coverage, travel):
    travel("2026-12-02")
    s = handle(ctx, coverage, clock, facts={"resolved_nothing_new": True, "duplicate_of": "KN-2025-031"})
    assert s.ready() == ["Task_intake_store"]
    s.complete("Task_intake_store", {"duplicate_of": "KN-2025-031", "stored_on": "2026-12-03"})
    assert s.status == "completed"  # nobody to notify, nothing forwarded
    assert task_data(s, "Script_route_end")["duplicate_of"] == "KN-2025-031"


def test_mixed_letter_is_split_and_the_sender_notified(ctx, clock, coverage, travel):
    travel("2026-12-02")
    s = handle(ctx, coverage, clock, facts={"petition_type": "mixed"})
    s.complete("Task_intake_split", {"split_guidance": "Tách phần tố cáo gửi riêng",
                                     "split_requested_on": "2026-12-03"})
    notify(s)
    assert s.status == "completed"


def test_anonymous_concrete_denunciation_becomes_inspection_information(ctx, clock, coverage, travel):
    travel("2026-12-02")
    s = handle(ctx, coverage, clock, letter={"sender_name": "Một người dân"},
               facts={"petition_type": "denunciation", "anonymous": True, "has_identity": False})
    s.complete("Task_intake_inspection_info", {"info_recipient": "Thanh tra tỉnh",
                                               "info_sent_on": "2026-12-03"})
    assert s.status == "completed"  # anonymous: no notice to send


def test_signs_of_crime_go_to_the_investigators_at_once(ctx, clock, coverage, travel):
    travel("2026-12-02")
    s = handle(ctx, coverage, clock, facts={"petition_type": "denunciation", "crime_signs": True})
    assert "Điều 27" in task_data(s, "Task_intake_investigators")["route_reason"]
    s.complete("Task_intake_investigators", {"investigation_body": "Công an tỉnh Lai Châu",
                                             "investigators_transfer_number": "07/CV",
                                             "investigators_sent_on": "2026-12-02"})
    notify(s)
    assert s.status == "completed"


def test_party_member_breach_goes_to_the_inspection_committee(ctx, clock, coverage, travel):
    travel("2026-12-02")
    s = handle(ctx, coverage, clock, facts={"petition_type": "denunciation", "party_member": True})
    s.complete("Task_intake_party", {"party_body": "Ủy ban kiểm tra Đảng ủy xã",
                                     "party_sent_on": "2026-12-03"})
    notify(s)
    assert s.status == "completed"


def test_letter_not_in_vietnamese_is_returned(ctx, clock, coverage, travel):
    travel("2026-12-02")
    s = handle(ctx, coverage, clock, facts={"in_vietnamese": False})
    s.complete("Task_intake_refuse", {"ineligible_reason": "Đơn viết bằng tiếng Anh",
                                      "originals_returned": True})
    notify(s)
    assert s.status == "completed"


def test_head_sends_the_proposal_back_for_classification(ctx, clock, coverage, travel):
    travel("2026-12-02")
    s = start(ctx, coverage, clock)
    s.complete("Task_register", LETTER)
    s.complete("Task_classify", {**FACTS, "within_competence": False})
    assert task_data(s, "Task_approve_route")["route"] == "guide"
    s.complete("Task_approve_route", {"approve": False, "approval_note": "Thuộc thẩm quyền xã"})
    assert s.ready() == ["Task_classify"]
    s.complete("Task_classify", FACTS)
    assert task_data(s, "Task_approve_route")["route"] == "accept"


def test_hot_spot_is_reported_to_the_head_in_parallel(ctx, clock, coverage, travel):
    travel("2026-12-02")
    s = start(ctx, coverage, clock)
    s.complete("Task_register", {**LETTER, "signers": 12, "priority_markers": ["mass_case", "hot_spot"]})
    assert s.ready() == ["Task_classify", "Task_intake_head_dialogue"]
    assert s.task("Task_intake_head_dialogue")["candidate_role"] == "head_of_unit"
    s.complete("Task_intake_head_dialogue", {"dialogue_held": True, "dialogue_on": "2026-12-03",
                                             "dialogue_conclusion": "Tổ chức đối thoại tại thôn"})
    assert s.ready() == ["Task_classify"]


# ---- the diagram ----------------------------------------------------------------------------------
def test_generated_files_are_up_to_date():
    assert stale_files([source]) == []


def test_every_element_is_drawn_without_overlaps():
    assert diagram_problems(BPMN_FILE) == []


def test_lanes_phases_and_contract_fields():
    tree = etree.parse(str(BPMN_FILE))
    phases = [v.get("value") for v in tree.iterfind(".//bpmn:categoryValue", NS)]
    assert phases == ["Tiếp nhận", "Phân loại", "Chuyển đơn / Giải quyết", "Đối thoại",
                      "Công khai (quy trình con)", "Kết thúc"]
    roles = [lane.get("{urn:petitions:bpmn:1}role") for lane in tree.iterfind(".//bpmn:lane", NS)]
    assert roles == ["reception_officer", "handling_officer", "head_of_unit"]
    fields = {task.get("id"): [f.get("name") for f in task.iterfind(".//{urn:petitions:bpmn:1}field")]
              for task in tree.iterfind(".//bpmn:userTask", NS)}
    assert fields["Task_register"] == [
        "received_on", "channel", "forwarder_kind", "forwarded_by", "sender_name",
        "sender_id_number", "sender_phone", "sender_address", "signers", "representatives",
        "summary", "field", "priority_markers", "remote_area"]
    assert fields["Task_classify"][:12] == [name for name, _, _ in source.DMN_INPUTS]
    calls = {c.get("id"): c.get("calledElement") for c in tree.iterfind(".//bpmn:callActivity", NS)}
    assert calls == {"Call_complaint": "complaint", "Call_denunciation": "denunciation",
                     "Call_recommendation": "recommendation_feedback"}


def test_every_gateway_flow_is_taken(coverage):
    assert coverage.missing(KEY) == []
