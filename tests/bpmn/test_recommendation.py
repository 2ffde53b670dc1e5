"""Process ``recommendation_feedback`` (xử lý kiến nghị, phản ánh) started alone with the intake data:
every route, the deadlines on real 2026 dates around the substituted Hùng Kings' day (Sunday 26/4 →
Monday 27/4/2026 off, then 30/4 and 1/5), breaches reported to the head of unit while the work
stays open, and the caller's optional values kept.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from lxml import etree
from sqlalchemy import select

from engine.accounts.models import Unit
from tests.bpmn.diagrams import diagram_problems
from tests.bpmn.harness import FACTS, LETTER, PROCESSES, Scenario, task_data, utc_deadline
from tools.build_processes import stale_files
from tools.process_sources import recommendation as source

KEY = source.KEY
BPMN_FILE = PROCESSES / source.FOLDER / f"{KEY}.bpmn"
START = {**LETTER, **FACTS, "received_on": "2026-04-20", "petition_type": "recommendation",
         "summary": "Kiến nghị sửa chữa cầu treo bản Nậm Loỏng", "route": "accept"}
ANSWER = {"answer_number": "45/UBND", "answer_date": "2026-05-08",
          "answer_summary": "Đã bố trí kinh phí sửa cầu trong quý II"}


def start(ctx, coverage, clock, **changes) -> Scenario:
    with ctx.uow() as uow:  # the unit a consideration may delegate to, from the units list
        if uow.session.scalars(select(Unit).where(Unit.code == "phong_kinh_te")).first() is None:
            uow.session.add(Unit(code="phong_kinh_te", name="Phòng Kinh tế"))
            uow.commit()
    return Scenario(ctx, KEY, coverage, clock=clock,
                    data={**START, **changes}, folders=[source.FOLDER])


def review(s: Scenario, repeated: bool = False) -> None:
    s.complete("Task_pakn_review", {"repeated_answered": repeated,
                                    "review_note": "Thuộc thẩm quyền UBND xã"})


def send_notice(s: Scenario, sent_on: str = "2026-04-23") -> None:
    s.complete("Task_pakn_notice", {"notice_number": "12/TB-UBND", "sent_on": sent_on})


def resolve(s: Scenario, task: str, meeting: bool = False) -> None:
    s.complete(task, {"resolution_summary": "Cầu xuống cấp, cần sửa mặt cầu",
                      "need_meeting": meeting})


def test_unit_resolves_and_answers_with_deadlines_across_the_substituted_day(ctx, clock, coverage,
                                                                             travel):
    travel("2026-04-21")
    s = start(ctx, coverage, clock)
    assert s.ready() == ["Task_pakn_review"]
    data = task_data(s, "Task_pakn_review")
    # Mon 20/4/2026 + 10 working days: 21-24/4, 28/4, 29/4, 4-7/5 (27/4, 30/4, 1/5 off) → 7/5.
    assert (data["notice_due_day"], data["notice_due"]) == ("2026-05-07", "2026-05-07T16:59:59+00:00")
    # + 15 working days (the local default, [U]): 8/5, 11-14/5 → 14/5.
    assert (data["resolution_working_days"], data["resolution_due_day"]) == (15, "2026-05-14")
    review(s)
    assert s.ready() == ["Task_pakn_notice"]
    assert s.timer("Timer_pakn_notice")["due_at"] == utc_deadline("2026-05-07")
    assert s.task("Task_pakn_notice")["due_at"] == utc_deadline("2026-05-07")
    send_notice(s)
    assert s.task("Task_pakn_consider")["candidate_role"] == "head_of_unit"
    assert s.task("Task_pakn_consider")["due_at"] == utc_deadline("2026-05-14")
    s.complete("Task_pakn_consider", {"handling_mode": "assign", "assigned_unit": "phong_kinh_te",
                                      "consider_note": "Phòng Kinh tế xem xét"})
    unit_task = s.task("Task_pakn_resolve_unit")
    assert (unit_task["candidate_role"], unit_task["candidate_unit"]) == ("handling_officer",
                                                                         "phong_kinh_te")
    assert unit_task["due_at"] == utc_deadline("2026-05-14")
    resolve(s, "Task_pakn_resolve_unit")
    assert s.ready() == ["Task_pakn_answer"]
    s.complete("Task_pakn_answer", {**ANSWER, "publish_answer": False})
    assert s.status == "completed" and s.timers() == []
    assert s.data["answer_number"] == "45/UBND" and "forwarder_replied" not in s.data


def test_head_resolves_meets_publishes_and_reports_to_the_deputy(ctx, clock, coverage, travel):
    travel("2026-04-21")
    s = start(ctx, coverage, clock, channel="forwarded", forwarder_kind="deputy",
              forwarded_by="Đại biểu Quốc hội Tòng Thị Mai")
    review(s)
    send_notice(s)
    s.complete("Task_pakn_consider", {"handling_mode": "self"})
    resolve(s, "Task_pakn_resolve_head", meeting=True)
    s.complete("Task_pakn_meeting", {"meeting_on": "2026-05-05", "meeting_participants": "Bà con bản",
                                     "meeting_minutes": "Thống nhất phương án sửa cầu"})
    travel("2026-05-08")
    s.complete("Task_pakn_answer", {**ANSWER, "publish_answer": True})
    s.complete("Task_pakn_publish", {"publication_form": "posting", "published_on": "2026-05-08"})
    # Answer of Fri 8/5 + 07 working days (LTCD Điều 27.2): 11-15/5, 18/5, 19/5.
    assert s.ready() == ["Task_pakn_reply_forwarder"]
    assert s.timer("Timer_pakn_forwarder")["due_at"] == utc_deadline("2026-05-19")
    travel("2026-05-20")
    s.fire_timers(datetime.fromisoformat(utc_deadline("2026-05-19")) + timedelta(minutes=1))
    assert s.ready() == ["Task_pakn_reply_forwarder", "Task_pakn_report_forwarder_reply_late"]
    assert task_data(s, "Task_pakn_report_forwarder_reply_late")["forwarder_reply_overdue"] is True
    s.complete("Task_pakn_reply_forwarder", {"forwarder_reply_number": "46/UBND",
                                             "forwarder_reply_on": "2026-05-20"})
    assert task_data(s, "Script_pakn_replied")["forwarder_replied"] is True
    s.complete("Task_pakn_report_forwarder_reply_late",
               {"forwarder_reply_delay_action": "Rút kinh nghiệm"})
    assert s.status == "completed"


def test_callers_notice_and_resolution_period_are_kept(ctx, clock, coverage, travel):
    travel("2026-04-21")
    s = start(ctx, coverage, clock, notice_sent=True, resolution_working_days=20)
    review(s)
    assert s.ready() == ["Task_pakn_consider"]  # intake or the caller already notified
    # 20 working days from 20/4: … 14/5 (15th), 15, 18, 19, 20, 21/5.
    assert task_data(s, "Task_pakn_consider")["resolution_due_day"] == "2026-05-21"
    assert s.task("Task_pakn_consider")["due_at"] == utc_deadline("2026-05-21")


def test_invalid_resolution_period_stops_the_instance_with_a_clear_error(ctx, clock, coverage,
                                                                          travel):
    travel("2026-04-21")
    s = start(ctx, coverage, clock, resolution_working_days=0)
    assert s.status == "error"
    assert "resolution_working_days" in s.details["error"]["message"]


def test_repeated_feedback_refused_within_03_working_days_and_breach_reported(ctx, clock, coverage,
                                                                            travel):
    travel("2026-04-24")
    s = start(ctx, coverage, clock, received_on="2026-04-24")
    review(s, repeated=True)
    # Fri 24/4 + 03 working days: 28/4, 29/4, 4/5 (27/4 substituted, 30/4 and 1/5 off) [S].
    assert s.ready() == ["Task_pakn_refusal"]
    assert s.task("Task_pakn_refusal")["due_at"] == utc_deadline("2026-05-04")
    travel("2026-05-05")
    assert s.fire_timers(datetime.fromisoformat(utc_deadline("2026-05-04")) + timedelta(seconds=1)) == 1
    assert s.ready() == ["Task_pakn_refusal", "Task_pakn_report_refusal_late"]
    assert s.task("Task_pakn_report_refusal_late")["candidate_role"] == "head_of_unit"
    assert task_data(s, "Task_pakn_report_refusal_late")["refusal_overdue"] is True
    s.complete("Task_pakn_refusal", {"refusal_number": "50/TB", "refusal_sent_on": "2026-05-05"})
    s.complete("Task_pakn_report_refusal_late", {"refusal_delay_action": "Nhắc nhở cán bộ"})
    assert s.status == "completed"


def test_notice_and_resolution_breaches_reported_while_the_work_stays_open(ctx, clock, coverage,
                                                                          travel):
    travel("2026-04-21")
    s = start(ctx, coverage, clock)
    review(s)
    travel("2026-05-08")
    assert s.fire_timers(datetime.fromisoformat(utc_deadline("2026-05-07")) + timedelta(seconds=1)) == 1
    assert s.ready() == ["Task_pakn_notice", "Task_pakn_report_notice_late"]
    assert task_data(s, "Task_pakn_report_notice_late")["notice_overdue"] is True
    send_notice(s, sent_on="2026-05-08")
    s.complete("Task_pakn_consider", {"handling_mode": "assign", "assigned_unit": "phong_kinh_te"})
    travel("2026-05-15")
    assert s.fire_timers(datetime.fromisoformat(utc_deadline("2026-05-14")) + timedelta(seconds=1)) == 1
    assert s.ready() == ["Task_pakn_report_notice_late", "Task_pakn_report_resolution_late",
                         "Task_pakn_resolve_unit"]
    report = s.task("Task_pakn_report_resolution_late")
    assert (report["name"], report["candidate_role"]) == ("Báo cáo chậm giải quyết", "head_of_unit")
    assert task_data(s, "Task_pakn_report_resolution_late")["resolution_overdue"] is True
    s.complete("Task_pakn_report_resolution_late", {"resolution_delay_action": "Hoàn thành trước 20/5"})
    s.complete("Task_pakn_report_notice_late", {"notice_delay_action": "Rút kinh nghiệm"})
    resolve(s, "Task_pakn_resolve_unit")
    # The answer opens after the deadline: its timer fires at once but reports nothing twice.
    s.fire_timers(datetime.fromisoformat("2026-05-15T10:00:00+07:00"))
    assert s.ready() == ["Task_pakn_answer"] and s.timers() == []
    assert task_data(s, "End_pakn_resolution_known")["resolution_late_known"] is True
    s.complete("Task_pakn_answer", {**ANSWER, "answer_date": "2026-05-18", "publish_answer": False})
    assert s.status == "completed"


# ---- the diagram ----------------------------------------------------------------------------------
def test_generated_file_is_up_to_date():
    assert stale_files([source]) == []


def test_every_element_is_drawn_without_overlaps():
    assert diagram_problems(BPMN_FILE) == []


def test_lanes_phases_and_unit_assignment():
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
    tree = etree.parse(str(BPMN_FILE))
    phases = [v.get("value") for v in tree.iterfind(".//bpmn:categoryValue", ns)]
    assert phases == ["Tiếp nhận", "Phân loại", "Xem xét, giải quyết", "Đối thoại", "Trả lời",
                      "Công khai", "Kết thúc"]
    roles = [lane.get("{urn:petitions:bpmn:1}role") for lane in tree.iterfind(".//bpmn:lane", ns)]
    assert roles == ["reception_officer", "handling_officer", "head_of_unit"]
    units = {t.get("id"): t.get("{urn:petitions:bpmn:1}unit")
             for t in tree.iterfind(".//bpmn:userTask", ns) if t.get("{urn:petitions:bpmn:1}unit")}
    assert units == {"Task_pakn_resolve_unit": "assigned_unit"}
    guarded = {b.get("attachedToRef") for b in tree.iterfind(".//bpmn:boundaryEvent", ns)
               if b.findtext(".//bpmn:timeDate", namespaces=ns) == "resolution_due"}
    assert guarded == {"Task_pakn_consider", "Task_pakn_resolve_unit", "Task_pakn_resolve_head",
                       "Task_pakn_meeting", "Task_pakn_answer"}
    assert all(b.get("cancelActivity") == "false" for b in tree.iterfind(".//bpmn:boundaryEvent", ns))


def test_every_gateway_flow_is_taken(coverage):
    assert coverage.missing(KEY) == []
