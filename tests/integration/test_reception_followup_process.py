"""The conclusion follow-up process (issue 17 §4): one parallel follow-up task per assigned unit,
each with its deadline as a boundary timer; an overdue one escalates to the head while the unit's
work stays open; the closing report once every unit is done."""
from __future__ import annotations

from datetime import datetime, timezone

from engine.accounts.actor import Actor
from tests.bpmn.harness import Scenario

EVERYONE = Actor("kiemthu", frozenset({"reception_officer", "handling_officer", "head_of_unit",
                                       "administrator"}))


def _start(ctx, clock):
    return Scenario(ctx, "conclusion_followup", clock=clock, data={
        "conclusion_id": 1, "conclusion_title": "Kết luận phiên tiếp 05/01/2027",
        "assignments": [
            {"unit": "", "owner": "Trưởng phòng Kinh tế", "task": "Kiểm tra ranh giới thửa đất",
             "result": "Báo cáo kết quả kiểm tra", "deadline": "2026-11-27"},
            {"unit": "", "owner": "Công an xã", "task": "Xác minh", "result": "Biên bản",
             "deadline": "2026-12-10"}]})


def test_two_assignments_one_escalated_then_report(ctx, clock, time_machine):
    time_machine.move_to(clock.current, tick=False)
    s = _start(ctx, clock)
    assert s.ready() == ["Task_ca_do", "Task_ca_do"]
    due = sorted(t["due_at"] for t in s.tasks())
    assert len(due) == 2
    late = datetime(2026, 11, 28, 0, 0, tzinfo=timezone.utc)
    time_machine.move_to(late, tick=False)
    s.fire_timers(late)
    assert s.ready() == ["Task_ca_do", "Task_ca_do", "Task_ca_escalate"]
    s.complete("Task_ca_escalate", {"escalation_direction": "Khẩn trương"}, EVERYONE)
    for _ in range(2):
        s.complete("Task_ca_do", {"result_summary": "Xong", "done_on": "2026-11-30"}, EVERYONE)
    assert s.ready() == ["Task_cf_report"]
    s.complete("Task_cf_report", {"report_summary": "Đã xong", "all_done": True}, EVERYONE)
    assert s.status == "completed"
    assert [(r["unit"], r["late"]) for r in s.data["results"]] == [("", True), ("", False)]

