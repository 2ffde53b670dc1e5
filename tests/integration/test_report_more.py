"""The periodic report's further figures (issue 19 §6, petitions/supervision/report_more.py):
cases sent to investigators, citizens' satisfaction and the figures per head of unit, each
checked against a hand count of letters driven through the real processes."""
from __future__ import annotations

from openpyxl import load_workbook

from engine.accounts import users
from petitions.citizens import satisfaction
from petitions.supervision import report_letters, report_xlsx, reports
from tests.bpmn.harness import EVERYONE, deploy_processes
from tests.integration.test_reports import FACTS, Desk
from tests.support import actor

HEAD1 = actor("truong1", "head_of_unit", unit="u1")
HEAD2 = actor("photruong1", "head_of_unit", unit="u1")
HEAD_U2 = actor("truong2", "head_of_unit", unit="u2")


def _classify(d: Desk, instance_id: int, head, **facts) -> None:
    d.complete(instance_id, "Task_classify", {**FACTS, **facts})
    d.complete(instance_id, "Task_approve_route", {"approve": True}, who=head)


def _accept(d: Desk, instance_id: int, on: str, head) -> None:
    d.complete(instance_id, "Task_kn_receive", {
        "complaint_form": "letter", "contested_act": "Quyết định thu hồi đất số 120",
        "respondent": "Chủ tịch UBND xã", "decision_known_on": on,
        "complaint_request": "Hủy quyết định"})
    d.complete(instance_id, "Task_kn_classify", {
        "complaint_level": "first", "complainants_status": "single", "acceptance": "accept"})
    d.complete(instance_id, "Task_kn_accept", {
        "accepted_on": on, "acceptance_notice_number": "12/TB-UBND", "complex_case": False,
        "verification_assignee": "Tổ xác minh"}, who=head)


def test_investigators_satisfaction_and_heads_match_the_hand_count(ctx, clock, time_machine,
                                                                    tmp_path):
    """| letter | unit | what happened (2026) |
    |---|---|---|
    | L1 | u1 | received 20/09, approved by truong1 21/09; accepted by truong1 02/10 (late: due
    10 days after receipt, 30/09), decided by truong1 20/10 (on time: 30 days after acceptance);
    the complainant answers "not satisfied" 25/10 |
    | L3 | u1 | received 25/09, crime signs, approved by truong1 25/09; sent to investigators 03/10 |
    | L4 | u1 | received 01/10, approved by photruong1 01/10; accepted by photruong1 30/10 (late) |
    | L2 | u1 | received 05/10, crime signs, approved by photruong1; sent to investigators 06/10 |
    | L5 | u2 | received 07/10, approved by truong2 |

    October, unit u1: investigators 2 (L3 carried, L2 new), both at intake; satisfaction 1 answer,
    not satisfied, on a decision; truong1: 2 steps (accept, decide), 1 late (the acceptance),
    1 decision, on time;
    photruong1: 3 steps (approve L4, approve L2, accept L4), 1 late (the acceptance), no decision.
    """
    deploy_processes(ctx)
    d = Desk(ctx, clock, time_machine)
    for a in (HEAD1, HEAD2, HEAD_U2):
        users.add_user(ctx, a.username, a.roles, actor="test", unit=a.unit,
                       display_name={"truong1": "Chủ tịch Một", "photruong1": "Phó chủ tịch Hai",
                                     "truong2": "Chủ tịch Ba"}[a.username])
    d.at("2026-09-20"); l1 = d.register("2026-09-20")
    d.at("2026-09-21"); _classify(d, l1["instance_id"], HEAD1)
    d.at("2026-09-25"); l3 = d.register("2026-09-25")
    _classify(d, l3["instance_id"], HEAD1, crime_signs=True)
    d.at("2026-10-01"); l4 = d.register("2026-10-01")
    _classify(d, l4["instance_id"], HEAD2)
    d.at("2026-10-02"); _accept(d, l1["instance_id"], "2026-10-02", HEAD1)
    d.at("2026-10-03"); d.complete(l3["instance_id"], "Task_intake_investigators", {
        "investigation_body": "Công an huyện", "investigators_transfer_number": "01/CV",
        "investigators_sent_on": "2026-10-03"})
    d.at("2026-10-05"); l2 = d.register("2026-10-05")
    _classify(d, l2["instance_id"], HEAD2, crime_signs=True)
    d.at("2026-10-06"); d.complete(l2["instance_id"], "Task_intake_investigators", {
        "investigation_body": "Viện kiểm sát huyện", "investigators_transfer_number": "02/CV",
        "investigators_sent_on": "2026-10-06"})
    d.at("2026-10-07"); l5 = d.register("2026-10-07", unit="u2")
    _classify(d, l5["instance_id"], HEAD_U2)
    d.at("2026-10-20")
    d.complete(l1["instance_id"], "Task_kn_verify", {
        "verification_report_number": "03/BC", "verification_report_date": "2026-10-20",
        "findings": "Đúng một phần", "findings_match_request": True})
    d.complete(l1["instance_id"], "Task_kn_assess", {"case_event": "proceed"})
    d.complete(l1["instance_id"], "Task_kn_decide", {
        "decision_number": "215/QĐ-UBND", "decision_date": "2026-10-20",
        "decision_result": "partly_correct", "decision_content": "Giữ nguyên một phần",
        "publish_decision": False}, who=HEAD1)
    d.at("2026-10-25")
    satisfaction.answer(ctx, l1["tracking_code"], l1["pin"], satisfied=False,
                        reason="Chưa đồng ý với mức bồi thường")
    d.at("2026-10-30"); _accept(d, l4["instance_id"], "2026-10-30", HEAD2)
    d.at("2026-11-05")

    report = reports.build(ctx, report_letters.period("month", 2026, 10), "u1")
    got = {k: (r.total, r.carried, r.new) for k, r in reports.figures(report).items()}
    assert {k: got[k] for k in got if k.startswith("investigators_")} == {
        "investigators_all": (2, 1, 1), "investigators_intake": (2, 1, 1),
        "investigators_verification": (0, 0, 0), "investigators_conclusion": (0, 0, 0)}
    assert {k: got[k][0] for k in got if k.startswith("satisfaction_")} == {
        "satisfaction_all": 1, "satisfaction_yes": 0, "satisfaction_no": 1,
        "satisfaction_no_decision": 1, "satisfaction_no_closed": 0}
    assert {k: got[k][0] for k in got if k.startswith("head_")} == {
        "head_truong1_steps": 2, "head_truong1_on_time": 1, "head_truong1_late": 1,
        "head_truong1_decisions": 1, "head_truong1_decisions_late": 0,
        "head_photruong1_steps": 3, "head_photruong1_on_time": 2, "head_photruong1_late": 1,
        "head_photruong1_decisions": 0, "head_photruong1_decisions_late": 0}
    # Per period: September holds truong1's two approvals only; u2's head is in u2's report.
    september = reports.figures(reports.build(ctx, report_letters.period("month", 2026, 9),
                                              "u1"))
    assert september["head_truong1_steps"].total == 2
    assert "head_photruong1_steps" not in september
    assert september["investigators_all"].total == 0
    unit_two = reports.figures(reports.build(ctx, report_letters.period("month", 2026, 10), "u2"))
    assert unit_two["head_truong2_steps"].total == 1 and "head_truong1_steps" not in unit_two
    assert unit_two["satisfaction_all"].total == 0
    # What the processes do not record is said, not invented.
    assert any("người bị xử lý" in n for n in report["notes"])
    assert any("vượt cấp" in n for n in report["notes"])
    # The XLSX file holds the same figures.
    path = tmp_path / "r.xlsx"
    path.write_bytes(report_xlsx.to_xlsx(report))
    rows = {row[1]: row for row in load_workbook(path).active.iter_rows(values_only=True)
            if row[1]}
    assert rows["Số đơn, vụ việc chuyển cơ quan điều tra, viện kiểm sát"][2:5] == (2, 1, 1)
    assert rows["Phó chủ tịch Hai (Đơn vị u1): số bước đã hoàn thành"][2] == 3
    assert EVERYONE.username not in str(rows)
