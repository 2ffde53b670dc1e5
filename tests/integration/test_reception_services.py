"""Citizen reception (issue 17): schedules planned on the working-day calendar, sessions, the
reception book, conclusions followed up by the process, figures checked against a hand count,
and bad input that changes nothing. Real processes, real databases (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from engine.accounts.models import Unit
from engine.audit import chain
from engine.errors import FormInvalid, InvalidInput, InvalidState, NotFound
from engine.persistence.models import AuditEvent, HumanTask
from engine.work import human_tasks, timers
from petitions.persistence.models import Petition
from petitions.reception import (book, book_queries, conclusions, conferences, figures,
                                 schedules, sessions)
from petitions.reception.book import Citizen, Visit
from petitions.reception.conclusions import Assignment
from petitions.reception.models import ReceptionCitizen, ReceptionSession, ReceptionVisit
from tests.bpmn.harness import deploy_processes
from tests.support import actor

VN = timezone(timedelta(hours=7))
OFFICER = actor("tiepdan", "reception_officer", unit="xa-a")
HEAD = actor("truong", "head_of_unit", unit="xa-a")
OTHER = actor("khac", "reception_officer", "head_of_unit", unit="xa-b")
WORKER = actor("canbo", "handling_officer", unit="phong-kt")
WORKER2 = actor("congan", "handling_officer", unit="cong-an")
ID_A, ID_B = "001203004567", "001203009999"


def _at(clock, time_machine, day: str, hour: int = 9) -> datetime:
    moment = datetime.fromisoformat(day).replace(hour=hour, tzinfo=VN).astimezone(timezone.utc)
    clock.current = moment
    time_machine.move_to(moment, tick=False)
    return moment


@pytest.fixture
def desk(ctx, clock, time_machine):
    with ctx.uow() as uow:
        for code in ("xa-a", "xa-b", "phong-kt", "cong-an"):
            uow.session.add(Unit(code=code, name=f"Đơn vị {code}"))
        uow.commit()
    deploy_processes(ctx)
    _at(clock, time_machine, "2027-01-04")
    schedule = schedules.create(ctx, OFFICER, position="party_secretary",
                                leader_name="Nguyễn Tiến Thịnh", place="Phòng Tiếp công dân",
                                monthly_days=(5, 28))
    planned = schedules.plan(ctx, OFFICER, schedule["id"], date(2027, 1, 1), date(2027, 2, 28))
    return schedule, planned


def _session_on(ctx, day: date) -> int:
    with ctx.uow(write=False) as uow:
        return uow.session.scalar(select(ReceptionSession.id).where(ReceptionSession.held_on == day))


def _counts(ctx) -> tuple[int, int, int]:
    with ctx.uow(write=False) as uow:
        return (uow.session.scalar(select(func.count(ReceptionVisit.id))),
                uow.session.scalar(select(func.count(ReceptionCitizen.id))),
                uow.session.scalar(select(func.count(Petition.id))))


def test_plan_moves_rest_days_and_skips_planned_ones(ctx, desk):
    schedule, planned = desk
    # 5/1 and 28/1 are working days; 5/2/2027 falls in Tết (moves to 11/2), 28/2 is a Sunday.
    assert planned["created"] == ["2027-01-05", "2027-01-28", "2027-02-11", "2027-03-01"]
    again = schedules.plan(ctx, OFFICER, schedule["id"], date(2027, 1, 1), date(2027, 2, 28))
    assert again["created"] == []
    with pytest.raises(NotFound):
        schedules.plan(ctx, OTHER, schedule["id"], date(2027, 1, 1), date(2027, 2, 28))


def test_one_session_end_to_end_with_figures(ctx, clock, time_machine, desk):
    day = date(2027, 1, 5)
    sid = _session_on(ctx, day)
    _at(clock, time_machine, "2027-01-05")
    guided = book.record(ctx, OFFICER, Visit(
        visited_on=day, session_id=sid, content="Hỏi thủ tục cấp giấy chứng nhận",
        citizens=[Citizen("Trần Văn Bình", ID_A)], outcome="guided"))
    letter = book.record(ctx, OFFICER, Visit(
        visited_on=day, session_id=sid, petition_type="complaint", field="land_housing",
        content="Khiếu nại quyết định thu hồi đất của ông Trần Văn Bình",
        citizens=[Citizen("Trần Văn Bình", ID_A)], outcome="letter"))
    group = book.record(ctx, OFFICER, Visit(
        visited_on=day, session_id=sid, people=7, content="Đoàn 7 hộ phản ánh ô nhiễm",
        petition_type="feedback",
        citizens=[Citizen("Lò Văn A", ID_B, is_representative=True),
                  Citizen("Lò Thị B", is_representative=True)], outcome="transferred",
        transferred_to="UBND tỉnh"))
    assert (guided["seq"], letter["seq"], group["seq"]) == (1, 2, 3)
    assert letter["petition"]["number"] == "2027-000001"
    ready = human_tasks.list_tasks(ctx, instance_id=letter["petition"]["instance_id"])
    assert [t["bpmn_id"] for t in ready] == ["Task_classify"]   # the letter entered intake
    rows = book_queries.rows(ctx, OFFICER, book_queries.BookFilter(year=2027))
    assert [r["seq"] for r in rows] == [1, 2, 3]
    assert "Trần Văn Bình" not in rows[1]["content"]           # identity cut out of the text
    assert rows[1]["outcome_label"] == "Tiếp nhận đơn (đơn số 2027-000001)"
    assert book_queries.rows(ctx, OTHER, book_queries.BookFilter()) == []

    sessions.record_held(ctx, OFFICER, sid, held_by="in_person")
    issued = conclusions.issue(ctx, HEAD, session_id=sid, number="01/TB-ĐU",
                               issued_on=day, leader_name="Nguyễn Tiến Thịnh",
                               summary="Giao kiểm tra, trả lời công dân", assignments=[
        Assignment("phong-kt", "Trưởng phòng Kinh tế", "Kiểm tra ranh giới", "Báo cáo",
                   date(2027, 1, 12)),
        Assignment("cong-an", "Trưởng Công an xã", "Xác minh", "Biên bản", date(2027, 1, 29))])
    tasks = human_tasks.list_tasks(ctx, instance_id=issued["instance_id"])
    assert sorted((t["bpmn_id"], t["candidate_unit"]) for t in tasks) == [
        ("Task_ca_do", "cong-an"), ("Task_ca_do", "phong-kt")]
    by_unit = {t["candidate_unit"]: t["id"] for t in tasks}
    _at(clock, time_machine, "2027-01-11")
    human_tasks.complete(ctx, by_unit["cong-an"], WORKER2,
                         {"result_summary": "Đã xác minh", "done_on": "2027-01-11"})
    late = _at(clock, time_machine, "2027-01-13")
    timers.fire_instance_timers(ctx, issued["instance_id"], late)
    ready = sorted(t["bpmn_id"] for t in human_tasks.list_tasks(ctx, instance_id=issued["instance_id"]))
    assert ready == ["Task_ca_do", "Task_ca_escalate"]          # overdue: escalated to the head
    listed = conclusions.all_of(ctx, OFFICER)[0]
    assert [(a["unit_code"], a["state"], a["overdue"]) for a in listed["assignments"]] == [
        ("phong-kt", "open", True), ("cong-an", "done", False)]
    assert listed["escalations"] == 1

    with ctx.uow(write=False) as uow:
        counted = figures.figures(uow.session, ["xa-a"], date(2027, 1, 1), date(2027, 1, 31),
                                  now=late)
        shortfall = figures.shortfalls(uow.session, ["xa-a"], date(2027, 1, 1), date(2027, 1, 31))
    # Hand count: 3 visits; 1 + 1 + 7 people; 3 cases; 1 group; one periodic session held in
    # person (the secretary needs 2 a month: a shortfall of 1); 1 conclusion, 1 assignment
    # done on time, 1 open past its deadline.
    assert {k: counted[k] for k in ("visits", "people", "cases", "groups")} == {
        "visits": 3, "people": 9, "cases": 3, "groups": 1}
    assert counted["sessions_by_kind"] == {"regular": 0, "periodic": 1, "ad_hoc": 0}
    assert counted["outcomes"] == {"guided": 1, "letter": 1, "transferred": 1, "refused": 0}
    assert [(r["leader_name"], r["required"], r["in_person"], r["met"]) for r in counted["leaders"]] \
        == [("Nguyễn Tiến Thịnh", 2, 1, False)]
    assert [r["shortfall"] for r in shortfall] == [1]
    assert (counted["conclusions"], counted["assignments_done_on_time"],
            counted["assignments_open_overdue"], counted["assignments_overdue"]) == (1, 1, 1, 1)
    with ctx.uow(write=False) as uow:
        assert chain.verify(uow.session).ok      # every reception action is on a sound chain
        kinds = set(uow.session.scalars(select(AuditEvent.event_type).where(
            AuditEvent.chain == "reception:xa-a")))
    assert {"reception_schedule_created", "reception_sessions_planned", "reception_visit_recorded",
            "reception_session_held", "reception_conclusion_issued"} <= kinds
    rows = {r["key"]: r["value"] for r in figures.report_rows(counted)}
    assert (rows["reception_visits"], rows["reception_people"], rows["reception_groups"],
            rows["reception_sessions_periodic"], rows["reception_assignments_overdue"]) == \
        (3, 9, 1, 1, 1)
    # The periodic report carries the same figures in its section V, and its XLSX too.
    from petitions.supervision import report_xlsx, reports
    from petitions.supervision.report_letters import period
    report = reports.build(ctx, period("month", 2027, 1), "xa-a", units=HEAD.units)
    [section] = [s for s in report["sections"] if s.title == "V. Tiếp công dân"]
    got = {row.key: row.total for row in section.rows}
    assert (got["reception_visits"], got["reception_people"], got["reception_cases"],
            got["reception_groups"]) == (3, 9, 3, 1)
    assert reports.build(ctx, period("month", 2027, 1), "xa-b",
                         units=OTHER.units)["sections"][-1].rows[0].total == 0
    from io import BytesIO
    from openpyxl import load_workbook
    sheet = load_workbook(BytesIO(report_xlsx.to_xlsx(report))).active
    texts = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "V. Tiếp công dân" in texts and "Số lượt tiếp công dân" in texts


def test_bad_visits_change_nothing(ctx, clock, time_machine, desk):
    day = date(2027, 1, 5)
    sid = _session_on(ctx, day)
    _at(clock, time_machine, "2027-01-05")
    sessions.cancel(ctx, OFFICER, sid, "Bí thư đi công tác")
    before = _counts(ctx)
    with pytest.raises(InvalidInput, match="đã bị hủy"):
        book.record(ctx, OFFICER, Visit(visited_on=day, session_id=sid, content="Hỏi",
                                        citizens=[Citizen("A")], outcome="letter",
                                        petition_type="complaint"))
    adhoc = sessions.add_ad_hoc(ctx, OFFICER, position="party_secretary", leader_name="Bí thư",
                                held_on=day, place="Trụ sở", morning="07:30-11:30")["id"]
    with pytest.raises(FormInvalid) as err:
        book.record(ctx, OFFICER, Visit(
            visited_on=day, session_id=adhoc, people=12, content="Đoàn 12 người",
            citizens=[Citizen(f"Người {i}", is_representative=True) for i in range(6)]))
    assert "trên 10 người" in err.value.errors["people"]
    with pytest.raises(InvalidInput, match="khác ngày của phiên tiếp"):
        book.record(ctx, OFFICER, Visit(visited_on=date(2027, 1, 4), session_id=adhoc,
                                        content="Hỏi", citizens=[Citizen("A")]))
    with pytest.raises(FormInvalid) as err:
        book.record(ctx, OFFICER, Visit(visited_on=day, session_id=adhoc, content="Hỏi",
                                        citizens=[Citizen("A")], outcome="refused"))
    assert "Điều 9" in err.value.errors["refusal_ground"]
    with pytest.raises(NotFound):
        book.record(ctx, OTHER, Visit(visited_on=day, session_id=adhoc, content="Hỏi",
                                      citizens=[Citizen("A")]))
    assert _counts(ctx) == before
    with pytest.raises(InvalidState):
        sessions.move(ctx, OFFICER, sid, date(2027, 1, 6), "Dời")


def test_denunciation_sealed_and_lookup_audited(ctx, clock, time_machine, desk):
    day = date(2027, 1, 5)
    sid = _session_on(ctx, day)
    _at(clock, time_machine, "2027-01-05")
    book.record(ctx, OFFICER, Visit(visited_on=day, session_id=sid, petition_type="denunciation",
                                    content="Tố cáo cán bộ địa chính", outcome="guided",
                                    citizens=[Citizen("Lê Văn Cường", ID_A)]))
    book.record(ctx, OFFICER, Visit(visited_on=day, session_id=sid, content="Hỏi đường",
                                    citizens=[Citizen("Lê Văn Cường", ID_A)]))
    shown = book_queries.rows(ctx, OFFICER, book_queries.BookFilter())
    assert shown[0]["masked"] and shown[0]["citizens"][0]["name"].startswith("Người tố cáo 1")
    assert book_queries.rows(ctx, HEAD, book_queries.BookFilter())[0]["masked"]
    found = book_queries.lookup(ctx, OFFICER, ID_A)
    assert [v["content"] for v in found["visits"]] == ["Hỏi đường"]   # the sealed one hidden
    assert len(book_queries.lookup(ctx, HEAD, ID_A)["visits"]) == 1
    assert book_queries.lookup(ctx, OTHER, ID_A) == {"visits": [], "letters": []}
    with ctx.uow(write=False) as uow:
        lines = uow.session.scalars(select(AuditEvent).where(
            AuditEvent.event_type == "reception_identity_lookup")).all()
    assert len(lines) == 3 and all(ID_A not in str(line.payload) for line in lines)
    with pytest.raises(InvalidInput):
        book_queries.lookup(ctx, OFFICER, "12345")


def test_conference_conclusion_and_front_monitoring(ctx, clock, time_machine, desk):
    _at(clock, time_machine, "2027-01-20")
    conference = conferences.create(
        ctx, OFFICER, title="Đối thoại với Nhân dân bản Chu Va 6", chair="Nguyễn Tiến Thịnh",
        participant_groups=["Nhân dân bản Chu Va 6", "Ủy ban MTTQ xã"], held_on=date(2027, 1, 20),
        place="Nhà văn hóa bản", minutes="Biên bản hội nghị")
    issued = conclusions.issue(ctx, HEAD, conference_id=conference["id"], number="02/TB-ĐU",
                               issued_on=date(2027, 1, 20), leader_name="Nguyễn Tiến Thịnh",
                               summary="Sửa đường nội bản", assignments=[
        Assignment("phong-kt", "Trưởng phòng", "Lập dự toán", "Dự toán", date(2027, 2, 10))])
    conclusions.record_front_monitoring(ctx, OFFICER, issued["id"], "MTTQ đã giám sát",
                                        date(2027, 1, 20))
    listed = conclusions.all_of(ctx, OFFICER, conference_id=conference["id"])
    assert [(c["number"], c["front_monitoring"]) for c in listed] == [("02/TB-ĐU", "MTTQ đã giám sát")]
    with pytest.raises(NotFound):
        conclusions.record_front_monitoring(ctx, OTHER, issued["id"], "x", date(2027, 1, 20))
    with pytest.raises(FormInvalid):
        conclusions.issue(ctx, HEAD, conference_id=conference["id"], number="03", leader_name="A",
                          issued_on=date(2027, 1, 20), summary="B", assignments=[
            Assignment("khong-co", "A", "B", "C", date(2027, 1, 1))])
    with ctx.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count(HumanTask.id)).where(
            HumanTask.bpmn_id == "Task_ca_do")) == 1


def test_online_session_notice_recording_and_deputy(ctx, clock, time_machine, desk):
    _at(clock, time_machine, "2027-01-04")
    with pytest.raises(InvalidInput, match="ít nhất 05 ngày làm việc"):
        sessions.add_ad_hoc(ctx, OFFICER, position="party_secretary", leader_name="Nguyễn Tiến Thịnh",
                            held_on=date(2027, 1, 12), place="Trực tuyến", morning="07:30-11:30",
                            online=True, notice_sent_on=date(2027, 1, 6))
    online = sessions.add_ad_hoc(ctx, OFFICER, position="party_secretary",
                                 leader_name="Nguyễn Tiến Thịnh", held_on=date(2027, 1, 12),
                                 place="Trực tuyến", morning="07:30-11:30", online=True,
                                 notice_sent_on=date(2027, 1, 4))["id"]
    _at(clock, time_machine, "2027-01-12")
    with pytest.raises(InvalidInput, match="bản ghi"):
        sessions.record_held(ctx, OFFICER, online, held_by="deputy", deputy_name="Phó Bí thư")
    sessions.record_held(ctx, OFFICER, online, held_by="deputy", deputy_name="Phó Bí thư",
                         recording_ref="GH-2027-01")
    with ctx.uow(write=False) as uow:
        leader = figures.figures(uow.session, ["xa-a"], date(2027, 1, 1), date(2027, 1, 31))["leaders"][0]
    # A deputy's session is shown, not counted (Luật 136/2025; Quy định 11-QĐi/TW).
    assert (leader["in_person"], leader["by_deputy"], leader["met"]) == (0, 1, False)
    assert sessions.get(ctx, OFFICER, online)["held_by_label"] == "Cấp phó tiếp thay"


def test_dashboard_flags_a_leader_short_of_the_minimum_last_month(ctx, clock, time_machine, desk):
    from petitions.supervision.dashboard import dashboard
    supervisor = actor("giamsat", "supervisor", unit="xa-a")
    _at(clock, time_machine, "2027-01-05")
    sessions.record_held(ctx, OFFICER, _session_on(ctx, date(2027, 1, 5)), held_by="in_person")
    _at(clock, time_machine, "2027-02-10")
    (row,) = dashboard(ctx, supervisor)["reception_shortfalls"]
    assert (row["leader_name"], row["required"], row["in_person"]) == ("Nguyễn Tiến Thịnh", 2, 1)
    assert dashboard(ctx, supervisor)["reception_month"] == "01/2027"
    assert dashboard(ctx, actor("khac_gs", "supervisor", unit="xa-b"))["reception_shortfalls"] == []
    _at(clock, time_machine, "2027-01-28")
    sessions.record_held(ctx, OFFICER, _session_on(ctx, date(2027, 1, 28)), held_by="in_person")
    _at(clock, time_machine, "2027-02-10")
    assert dashboard(ctx, supervisor)["reception_shortfalls"] == []
