"""Process ``decision_followup`` (issue 19 §1): a decision in force or a conclusion is followed up
until its implementation report; every urging is a step of its own and is counted; past the
deadline the head of unit is told once; a second-level decision that overturns the first level
sends the first-level unit back to act.

The process is called by the complaint and the denunciation; here it also runs on its own, with
what the callers give it (``followup_source``, ``followup_reference``, ``followup_overturns``).
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from lxml import etree

from engine.errors import FormInvalid

from tests.bpmn.diagrams import NS
from tests.bpmn.followup_steps import ensure_units, plan, plan_data, report, track, urge
from tests.bpmn.harness import PROCESSES, Scenario
from tests.bpmn.harness import utc_deadline as due
from tools.process_sources import decision_followup as source

KEY = "decision_followup"
BPMN_FILE = PROCESSES / source.FOLDER / f"{KEY}.bpmn"


def start(ctx, clock, coverage, travel, overturns: bool) -> Scenario:
    travel("2026-11-02")
    return Scenario(ctx, KEY, coverage, clock=clock, folders=[source.FOLDER], data={
        "followup_source": "complaint", "followup_reference": "215/QĐ-UBND",
        "followup_overturns": overturns})


def test_two_units_urged_escalated_once_reported_twice(ctx, clock, coverage, travel):
    s = start(ctx, clock, coverage, travel, overturns=False)
    assert s.ready() == ["Task_df_plan"]
    ensure_units(ctx)
    # A second unit needs its own action and deadline; a deadline cannot be in the past.
    bad = {**plan_data("2026-10-30"), "followup_unit_2": "u2"}
    with pytest.raises(FormInvalid) as refused:
        s.complete("Task_df_plan", bad)
    assert set(refused.value.errors) == {"followup_due_1", "followup_action_2", "followup_due_2"}
    assert s.ready() == ["Task_df_plan"] and "followup_assignments" not in s.data
    plan(s, "2026-11-13", second_due="2026-11-20")
    assert s.data["followup_assignments"] == [
        {"unit": "u1", "action": "Bồi thường bổ sung theo đơn giá mới", "due": "2026-11-13"},
        {"unit": "u2", "action": "Chỉnh lý hồ sơ địa chính thửa đất", "due": "2026-11-20"}]
    assert s.ready() == ["Task_df_track"]  # not overturned: straight to the follow-up
    # The latest of the units' deadlines is the follow-up's.
    assert s.timer("Timer_df_due")["due_at"] == due("2026-11-20")

    travel("2026-11-10")
    urge(s, "2026-11-10")
    assert s.ready() == ["Task_df_track"] and s.data["urging_count"] == 1
    assert s.data["last_urged_on"] == "2026-11-10"

    late = travel("2026-11-23")
    assert s.fire_timers(late.astimezone(timezone.utc)) == 1
    assert s.ready() == ["Task_df_escalate", "Task_df_track"]
    s.complete("Task_df_escalate", {"escalation_direction": "Hoàn thành trước 30/11",
                                    "escalation_responsible": "Trưởng phòng TN-MT"})
    travel("2026-11-24")
    urge(s, "2026-11-24")
    # The follow-up step opens again past the deadline: the timer fires, the head is not told
    # twice (End_df_escalation_known).
    s.fire_timers(travel("2026-11-24", hour=10).astimezone(timezone.utc))
    assert s.ready() == ["Task_df_track"] and s.data["urging_count"] == 2
    travel("2026-11-26")
    report(s, "2026-11-26", complete=False)  # partly done: back to the follow-up
    assert s.ready() == ["Task_df_track"]
    travel("2026-11-30")
    report(s, "2026-11-30")
    assert s.status == "completed"
    assert s.data["implementation_complete"] is True and s.data["followup_overdue"] is True


def test_overturning_second_decision_sends_the_first_level_back(ctx, clock, coverage, travel):
    s = start(ctx, clock, coverage, travel, overturns=True)
    plan(s, "2026-12-15")
    first_level = s.task("Task_df_first_level")
    assert first_level["candidate_unit"] == "u1"  # the first-level unit acts again, in its unit
    assert s.ready() == ["Task_df_first_level"]
    s.complete("Task_df_first_level", {"redo_summary": "Ban hành quyết định mới theo QĐ lần hai",
                                       "redo_reference": "301/QĐ-UBND", "redo_on": "2026-11-02"})
    assert s.ready() == ["Task_df_track"]
    track(s, "reported")
    s.complete("Task_df_report", {"implementation_report_number": "41/BC",
                                  "implementation_reported_on": "2026-11-02",
                                  "implementation_summary": "Đã thực hiện",
                                  "implementation_complete": True})
    assert s.status == "completed" and s.data["urging_count"] == 0


def test_generated_file_is_up_to_date_and_every_element_drawn():
    assert BPMN_FILE.read_text(encoding="utf-8") == source.build().to_xml(), (
        "run: python -m tools.process_sources.decision_followup")
    tree = etree.parse(str(BPMN_FILE))
    process = tree.find(f"bpmn:process[@id='{KEY}']", NS)
    ids = {el.get("id") for el in process if el.get("id") and not el.tag.endswith(
        ("laneSet", "documentation", "extensionElements"))}
    drawn = {s.get("bpmnElement") for s in tree.iter(f"{{{NS['bpmndi']}}}BPMNShape")} | {
        e.get("bpmnElement") for e in tree.iter(f"{{{NS['bpmndi']}}}BPMNEdge")}
    assert sorted(ids - drawn) == []


def test_zz_every_gateway_flow_taken(coverage):
    assert coverage.flows.get(KEY), "decision_followup.bpmn not found by the coverage"
    assert coverage.missing(KEY) == []
