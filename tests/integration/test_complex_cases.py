"""The register of complex, long-running cases (issue 19 §2) on both backends: candidates from
the markers officers set through the real processes, entering by the head's decision, plan,
roadmap, progress, quarterly report, units kept apart, identities cut, every change audited."""
from __future__ import annotations

from datetime import date
from dataclasses import replace

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from engine.accounts import users
from engine.errors import Forbidden, InvalidInput, InvalidState, NotFound
from engine.persistence.models import AuditEvent
from petitions.persistence.complex_models import ComplexCase, ComplexMilestone
from petitions.register import registration
from petitions.register.registration import Registration, Sender
from petitions.supervision.complex import cases as cc
from petitions.supervision.complex import queries as cq
from petitions.supervision.complex import xlsx as complex_xlsx
from tests.bpmn.harness import deploy_processes
from tests.integration.test_reports import RECEPTION, Desk
from tests.support import actor

HEAD = actor("truong1", "head_of_unit", unit="u1")
OWNER = actor("chutri1", "handling_officer", unit="u1")
MEMBER = actor("tocongtac1", "handling_officer", unit="u1")
OFFICER = actor("canbo1", "handling_officer", unit="u1")
HEAD_U2 = actor("truong2", "head_of_unit", unit="u2")
SUPERVISOR = actor("giamsat", "supervisor", unit="ubnd-xa-demo").__class__(
    "giamsat", frozenset({"supervisor"}), "ubnd-xa-demo", frozenset({"u1", "u2"}))
SECRET = "Trịnh Văn Bảo Mật"


@pytest.fixture
def world(ctx, clock, time_machine):
    deploy_processes(ctx)
    desk = Desk(ctx, clock, time_machine)
    for a, name in ((HEAD, "Trưởng đơn vị 1"), (OWNER, "Người chủ trì"), (MEMBER, "Tổ viên"),
                    (OFFICER, "Cán bộ khác"), (HEAD_U2, "Trưởng đơn vị 2")):
        users.add_user(ctx, a.username, a.roles, actor="test", unit=a.unit, display_name=name)
    desk.at("2026-09-01")
    marked = registration.register(ctx, replace(RECEPTION, unit="u1"), Registration(
        received_on=date(2026, 9, 1), channel="direct", petition_type="denunciation",
        field="land_housing", signers=1, unit_code="u1",
        summary=f"Ông {SECRET} tố cáo việc lấn chiếm đất công", priority_markers=["complex_case"],
        senders=[Sender(name=SECRET, id_number="001099000111")]))
    accepted = desk.register("2026-09-01")                    # complaint, accepted as complex
    desk.at("2026-09-02"); desk.classify(accepted["instance_id"])
    desk.at("2026-09-03")
    desk.complete(accepted["instance_id"], "Task_kn_receive", {
        "complaint_form": "letter", "contested_act": "Quyết định thu hồi đất số 120",
        "respondent": "Chủ tịch UBND xã", "decision_known_on": "2026-09-03",
        "complaint_request": "Hủy quyết định"})
    desk.complete(accepted["instance_id"], "Task_kn_classify", {
        "complaint_level": "first", "complainants_status": "single", "acceptance": "accept"})
    desk.complete(accepted["instance_id"], "Task_kn_accept", {
        "accepted_on": "2026-09-03", "acceptance_notice_number": "12/TB-UBND",
        "complex_case": True, "verification_assignee": "Tổ xác minh"})
    desk.at("2026-09-04")
    plain = desk.register("2026-09-04", "feedback", field="other")   # no marker at all
    other = desk.register("2026-09-04", unit="u2")
    desk.at("2026-09-05")
    return {"marked": marked["petition_id"], "accepted": accepted["petition_id"],
            "plain": plain["petition_id"], "other": other["petition_id"], "desk": desk}


def test_the_register_from_candidates_to_the_quarterly_report(ctx, world):
    found = {c["petition_id"]: c for c in cq.candidates(ctx, HEAD)}
    assert found[world["marked"]]["markers"] == ["complex", "long_running"]
    assert found[world["accepted"]]["markers"] == ["complex"]
    assert world["plain"] not in found and world["other"] not in found   # other unit: unseen
    assert SECRET not in found[world["marked"]]["summary"]

    # Entering: the head only, own unit only, once.
    with pytest.raises(Forbidden):
        cc.enter(ctx, OFFICER, world["marked"], markers=["complex"], reason="Phức tạp")
    with pytest.raises(NotFound):
        cc.enter(ctx, HEAD_U2, world["marked"], markers=["complex"], reason="Phức tạp")
    with pytest.raises(InvalidInput):
        cc.enter(ctx, HEAD, world["marked"], markers=["nonsense"], reason="Phức tạp")
    entry = cc.enter(ctx, HEAD, world["marked"], markers=["complex", "long_running"],
                     reason=f"Kéo dài nhiều năm, {SECRET} khiếu kiện đông người")["id"]
    decided = cc.enter(ctx, HEAD, world["plain"], markers=["backlog"],
                       reason="Thủ trưởng quyết định theo dõi")["id"]
    with pytest.raises(InvalidState):
        cc.enter(ctx, HEAD, world["marked"], markers=["complex"], reason="Lần nữa")
    assert world["marked"] not in {c["petition_id"] for c in cq.candidates(ctx, HEAD)}

    # Plan, owner, working group: users of the unit.
    with pytest.raises(InvalidInput):
        cc.set_plan(ctx, HEAD, entry, plan="Kế hoạch", owner="truong2", working_group=[])
    cc.set_plan(ctx, HEAD, entry, plan=f"Đối thoại với {SECRET}, xác minh lại hồ sơ đất",
                owner=OWNER.username, working_group=[MEMBER.username])
    with pytest.raises(Forbidden):
        cc.add_milestone(ctx, MEMBER, entry, title="Mốc", due_on=date(2026, 9, 20))
    with pytest.raises(InvalidInput):   # before the letter was received
        cc.add_milestone(ctx, OWNER, entry, title="Mốc", due_on=date(2026, 8, 1))
    first = cc.add_milestone(ctx, OWNER, entry, title="Xác minh thực địa",
                             due_on=date(2026, 9, 20))["id"]
    late = cc.add_milestone(ctx, HEAD, entry, title="Tổ chức đối thoại",
                            due_on=date(2026, 10, 10))["id"]
    cc.add_milestone(ctx, HEAD, entry, title="Ban hành kết luận", due_on=date(2026, 12, 15))
    world["desk"].at("2026-10-20")
    with pytest.raises(Forbidden):
        cc.update_milestone(ctx, OFFICER, first, status="done", done_on=date(2026, 9, 18))
    with pytest.raises(InvalidInput):   # a done step in the future
        cc.update_milestone(ctx, MEMBER, first, status="done", done_on=date(2026, 10, 21))
    with pytest.raises(InvalidInput):
        cc.update_milestone(ctx, MEMBER, first, status="done")
    cc.update_milestone(ctx, MEMBER, first, status="done", done_on=date(2026, 9, 18),
                        note="Đã đo đạc")
    cc.update_milestone(ctx, OWNER, late, status="in_progress")

    listed = {e["id"]: e for e in cq.register(ctx, HEAD)}
    assert listed[entry]["overdue"] == 1 and listed[entry]["milestones_done"] == 1
    assert [m["overdue"] for m in listed[entry]["milestones"]] == [False, True, False]
    assert listed[entry]["source"] == "candidate" and listed[decided]["source"] == "decision"
    assert listed[entry]["owner_name"] == "Người chủ trì"
    assert cq.register(ctx, HEAD_U2) == []                     # units apart
    assert set(e["id"] for e in cq.register(ctx, SUPERVISOR)) == {entry, decided}   # scopes
    with pytest.raises(NotFound):
        cq.get(ctx, HEAD_U2, entry)
    dash = cq.overdue_for_dashboard(ctx, SUPERVISOR)
    assert dash["open"] == 2 and dash["with_overdue"] == 1

    # Quarterly report: Q3 (one milestone due and done), Q4 so far (one overdue).
    with pytest.raises(InvalidInput):
        cc.write_quarter_report(ctx, OWNER, entry, year=2027, quarter=1, text="Sớm")
    q3 = cc.write_quarter_report(ctx, OWNER, entry, year=2026, quarter=3,
                                 text=f"Đã xác minh; {SECRET} đồng ý đối thoại")["figures"]
    assert q3 == {"milestones": 3, "due_in_quarter": 1, "done_in_quarter": 1, "done_total": 1,
                  "overdue": 0}
    q4 = cc.write_quarter_report(ctx, MEMBER, entry, year=2026, quarter=4, text="Chậm đối thoại")
    assert q4["figures"] == {"milestones": 3, "due_in_quarter": 2, "done_in_quarter": 0,
                             "done_total": 1, "overdue": 1}
    report = cq.adhoc_report(ctx, SUPERVISOR, year=2026, quarter=4)
    assert report["totals"]["entries"] == 2 and report["totals"]["with_overdue"] == 1
    assert report["totals"]["marker_complex"] == 1 and report["totals"]["reported"] == 1
    assert report["totals"]["overdue"] == 1 and report["totals"]["due_in_quarter"] == 2
    sheet = load_workbook(__import__("io").BytesIO(
        complex_xlsx.to_xlsx(ctx, SUPERVISOR, report))).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert any("Xác minh thực địa" in c or "Tổ chức đối thoại" in c for c in cells)

    # Closing: the head, with a note; a closed entry's roadmap no longer changes.
    with pytest.raises(Forbidden):
        cc.set_status(ctx, OWNER, entry, status="resolved", note="Xong")
    cc.set_status(ctx, HEAD, entry, status="resolved", note="Đã ban hành kết luận, dứt điểm")
    with pytest.raises(InvalidState):
        cc.update_milestone(ctx, OWNER, late, status="done", done_on=date(2026, 10, 19))

    # Nothing stored or audited names the denouncer; every change left its audit line.
    with ctx.uow(write=False) as uow:
        row = uow.session.get(ComplexCase, entry)
        texts = [row.reason, row.plan, row.status_note] + [
            m.title for m in uow.session.scalars(select(ComplexMilestone))]
        events = list(uow.session.scalars(select(AuditEvent).where(
            AuditEvent.chain == "complex:u1").order_by(AuditEvent.seq)))
    assert all(SECRET not in (t or "") for t in texts) and "Đối thoại với" in row.plan
    assert [e.event_type for e in events].count("complex_milestone_added") == 3
    assert {e.event_type for e in events} == {
        "complex_case_entered", "complex_case_planned", "complex_milestone_added",
        "complex_milestone_updated", "complex_quarter_report", "complex_case_status"}
    assert all(SECRET not in str(e.payload) for e in events)
    detail = cq.get(ctx, HEAD, entry)
    assert detail["reports"][0]["quarter"] == 4 and SECRET not in detail["reports"][1]["text"]
