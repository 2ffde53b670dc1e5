"""Periodic reports (petitions/supervision/reports.py) checked against a hand-built register.

Every letter below goes through the real processes, each step on its own day (the engine clock
and SpiffWorkflow's real clock are moved together), so the figures come from what officers did,
when. The expected figures were counted by hand from the table in ``hand_built_register``.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from engine.accounts.models import Unit
from engine.work import human_tasks
from petitions.register import registration
from petitions.register.registration import Registration, Sender
from petitions.supervision import report_letters, report_xlsx, reports
from tests.bpmn.harness import EVERYONE, deploy_processes
from tests.support import actor

RECEPTION = actor("tiepdan", "reception_officer", unit="ubnd-xa-demo")
VN = timezone(timedelta(hours=7))
FACTS = {"petition_type": "complaint", "in_vietnamese": True, "has_identity": True,
         "anonymous": False, "within_competence": True, "already_sent_to_competent": False,
         "already_guided": False, "already_transferred": False, "resolved_nothing_new": False,
         "crime_signs": False, "party_member": False, "concrete_content": True,
         "proposal_note": "Đề xuất xử lý"}


def _units_below_demo(ctx, *codes: str) -> None:
    """Units u1, u2 under the demo commune: its supervisor (giamsat) oversees them."""
    with ctx.uow() as uow:
        parent = uow.session.scalars(select(Unit).where(Unit.code == "ubnd-xa-demo")).first()
        if parent is None:
            parent = Unit(code="ubnd-xa-demo", name="UBND xã Demo")
            uow.session.add(parent)
            uow.session.flush()
        for code in codes:
            if uow.session.scalars(select(Unit).where(Unit.code == code)).first() is None:
                uow.session.add(Unit(code=code, name=f"Đơn vị {code}", parent_id=parent.id))
        uow.commit()


class Desk:
    """Registers letters and completes their steps on given days (shared with the web tests)."""

    def __init__(self, ctx, clock=None, time_machine=None):
        self.ctx, self.clock, self.time_machine = ctx, clock, time_machine
        self.count = 0
        _units_below_demo(ctx, "u1", "u2")

    def at(self, day: str, hour: int = 9) -> datetime:
        moment = datetime.fromisoformat(day).replace(hour=hour, tzinfo=VN).astimezone(timezone.utc)
        if self.clock is not None:
            self.clock.current = moment
        if self.time_machine is not None:
            self.time_machine.move_to(moment, tick=False)
        return moment

    def register(self, received_on: str, petition_type: str = "complaint", *,
                 field: str = "land_housing", summary: str | None = None, signers: int = 1,
                 channel: str = "direct", unit: str | None = "u1", anonymous: bool = False,
                 sender: str = "Nguyễn Văn An", id_number: str = "001203004567") -> dict:
        self.count += 1
        senders = [] if anonymous else [Sender(name=sender, id_number=id_number,
                                               is_representative=signers >= 5)]
        return registration.register(self.ctx, replace(RECEPTION, unit=unit or RECEPTION.unit),
                                  Registration(
            received_on=date.fromisoformat(received_on), channel=channel,
            petition_type=petition_type, field=field, signers=signers, unit_code=unit,
            summary=summary or f"Đơn số {self.count}: đề nghị xem xét việc thu hồi đất",
            senders=senders, anonymous=anonymous))

    def task_id(self, instance_id: int, bpmn_id: str) -> int:
        ready = human_tasks.list_tasks(self.ctx, instance_id=instance_id)
        found = [t["id"] for t in ready if t["bpmn_id"] == bpmn_id]
        assert found, f"{bpmn_id} not ready; ready: {[t['bpmn_id'] for t in ready]}"
        return found[0]

    def complete(self, instance_id: int, bpmn_id: str, data: dict, who=EVERYONE) -> None:
        human_tasks.complete(self.ctx, self.task_id(instance_id, bpmn_id), who, data)

    def classify(self, instance_id: int, **facts) -> None:
        self.complete(instance_id, "Task_classify", {**FACTS, **facts})
        self.complete(instance_id, "Task_approve_route", {"approve": True})

    def accept_complaint(self, instance_id: int, on: str) -> None:
        self.complete(instance_id, "Task_kn_receive", {
            "complaint_form": "letter", "contested_act": "Quyết định thu hồi đất số 120",
            "respondent": "Chủ tịch UBND xã", "decision_known_on": on,
            "complaint_request": "Hủy quyết định"})
        self.complete(instance_id, "Task_kn_classify", {
            "complaint_level": "first", "complainants_status": "single", "acceptance": "accept"})
        self.complete(instance_id, "Task_kn_accept", {
            "accepted_on": on, "acceptance_notice_number": "12/TB-UBND", "complex_case": False,
            "verification_assignee": "Tổ xác minh"})

    def store(self, instance_id: int, on: str) -> None:
        self.complete(instance_id, "Task_intake_store", {"stored_on": on})

    def resolve_complaint(self, instance_id: int, on: str, result: str = "partly_correct") -> None:
        self.complete(instance_id, "Task_kn_verify", {
            "verification_report_number": "03/BC", "verification_report_date": on,
            "findings": "Đúng một phần", "findings_match_request": True})
        self.complete(instance_id, "Task_kn_assess", {"case_event": "proceed"})
        self.complete(instance_id, "Task_kn_decide", {
            "decision_number": "215/QĐ-UBND", "decision_date": on, "decision_result": result,
            "decision_content": "Giữ nguyên một phần", "publish_decision": False})


def hand_built_register(desk: Desk) -> dict[str, dict]:
    """The letters, in the order things happened (2026):

    | letter | received | type / field / signers / channel | what happened |
    |---|---|---|---|
    | J | 01/09 | complaint, land, 1, direct | accepted 03/09; verification due 05/10, still open |
    | B | 10/09 | feedback, other | duplicate, stored 11/09 (finished before October) |
    | A | 15/09 | complaint, land, 1, direct | accepted 18/09, decided 16/10 (due 19/10), partly |
    | H | 28/09 | recommendation, policy, 1, post | outside competence, transferred 03/10 |
    | I | 01/10 | complaint, land, 1, direct, unit u2 | accepted 06/10, verification open |
    | C | 02/10 | complaint, land, 6, direct | outside competence, guided 08/10 |
    | G | 05/10 | feedback, other, 1, direct | duplicate (nothing new), stored 09/10 |
    | D | 12/10 | recommendation, policy, 3, post | not classified by 31/10 |
    | E | 20/10 | denunciation, corruption, anonymous | anonymous, stored 25/10 |
    | F | 02/11 | complaint | after October |
    """
    d, r = desk, {}
    d.at("2026-09-01"); r["J"] = d.register("2026-09-01")
    d.at("2026-09-02"); d.classify(r["J"]["instance_id"])
    d.at("2026-09-03"); d.accept_complaint(r["J"]["instance_id"], "2026-09-03")
    d.at("2026-09-10"); r["B"] = d.register("2026-09-10", "feedback", field="other")
    d.classify(r["B"]["instance_id"], petition_type="feedback", resolved_nothing_new=True)
    d.at("2026-09-11"); d.store(r["B"]["instance_id"], "2026-09-11")
    d.at("2026-09-15"); r["A"] = d.register("2026-09-15")
    d.at("2026-09-16"); d.classify(r["A"]["instance_id"])
    d.at("2026-09-18"); d.accept_complaint(r["A"]["instance_id"], "2026-09-18")
    d.at("2026-09-28")
    r["H"] = d.register("2026-09-28", "recommendation", field="policy", channel="post")
    d.at("2026-09-29"); d.classify(r["H"]["instance_id"], petition_type="recommendation",
                                   within_competence=False)
    d.at("2026-10-01"); r["I"] = d.register("2026-10-01", unit="u2")
    d.at("2026-10-02"); r["C"] = d.register("2026-10-02", signers=6)
    d.at("2026-10-03"); d.complete(r["H"]["instance_id"], "Task_intake_transfer", {
        "transfer_number": "05/PC", "receiving_body": "UBND tỉnh", "transferred_on": "2026-10-03"})
    d.at("2026-10-05"); d.classify(r["I"]["instance_id"])
    d.classify(r["C"]["instance_id"], within_competence=False)
    r["G"] = d.register("2026-10-05", "feedback", field="other")
    d.classify(r["G"]["instance_id"], petition_type="feedback", resolved_nothing_new=True)
    d.at("2026-10-06"); d.accept_complaint(r["I"]["instance_id"], "2026-10-06")
    d.at("2026-10-08"); d.complete(r["C"]["instance_id"], "Task_intake_guide", {
        "guided_to": "Tòa án nhân dân khu vực", "guided_on": "2026-10-08"})
    d.at("2026-10-09"); d.store(r["G"]["instance_id"], "2026-10-09")
    d.at("2026-10-12"); r["D"] = d.register("2026-10-12", "recommendation", field="policy",
                                            signers=3, channel="post")
    d.at("2026-10-14"); d.resolve_complaint(r["A"]["instance_id"], "2026-10-14")
    d.at("2026-10-20"); r["E"] = d.register("2026-10-20", "denunciation", field="corruption",
                                            anonymous=True)
    d.classify(r["E"]["instance_id"], petition_type="denunciation", anonymous=True,
               has_identity=False, concrete_content=False)
    d.at("2026-10-25"); d.store(r["E"]["instance_id"], "2026-10-25")
    d.at("2026-11-02"); r["F"] = d.register("2026-11-02")
    d.at("2026-11-10")
    return r


EXPECTED_OCTOBER = {  # key: (total, carried over, new)
    "letters_total": (6, 1, 5),
    "signers_one": (4, 1, 3), "signers_few": (1, 0, 1), "signers_many": (1, 0, 1),
    "type_complaint": (2, 0, 2), "type_denunciation": (1, 0, 1), "type_recommendation": (2, 1, 1),
    "type_feedback": (1, 0, 1), "type_mixed": (0, 0, 0),
    "field_land_housing": (2, 0, 2), "field_policy": (2, 1, 1), "field_other": (1, 0, 1),
    "field_corruption": (1, 0, 1), "channel_direct": (4, 0, 4), "channel_post": (2, 1, 1),
    "classified": (5, 1, 4), "eligible": (3, 1, 2), "ineligible": (1, 0, 1), "duplicate": (1, 0, 1),
    "in_competence": (3, 0, 3), "out_of_competence": (2, 1, 1), "unclassified": (1, 0, 1),
    "processed": (5, 1, 4), "outcome_accept": (1, 0, 1), "outcome_transfer": (1, 1, 0),
    "outcome_guide": (1, 0, 1), "outcome_store": (2, 0, 2), "outcome_refuse": (0, 0, 0),
    "unprocessed": (1, 0, 1),
    "cases": (3, 2, 1), "resolved": (1, 1, 0), "resolved_on_time": (1, 1, 0),
    "resolved_late": (0, 0, 0), "resolved_no_due": (0, 0, 0), "outcome_partly": (1, 1, 0),
    "outcome_correct": (0, 0, 0), "terminated": (0, 0, 0), "pending": (2, 1, 1),
    "pending_overdue": (1, 1, 0), "sanctioned": (0, 0, 0), "to_investigators": (0, 0, 0),
}


@pytest.fixture
def register_2026(ctx, clock, time_machine):
    deploy_processes(ctx)
    return hand_built_register(Desk(ctx, clock, time_machine))


def _figures(report) -> dict[str, tuple[int, int, int]]:
    return {k: (r.total, r.carried, r.new) for k, r in reports.figures(report).items()}


def test_october_report_matches_the_hand_count(ctx, register_2026):
    report = reports.build(ctx, report_letters.period("month", 2026, 10))
    figures = _figures(report)
    assert {k: figures[k] for k in EXPECTED_OCTOBER} == EXPECTED_OCTOBER
    assert all(row.how for section in report["sections"] for row in section.rows)


def test_unit_filter_and_other_periods(ctx, register_2026):
    unit_two = _figures(reports.build(ctx, report_letters.period("month", 2026, 10), "u2"))
    assert unit_two["letters_total"] == (1, 0, 1) and unit_two["cases"] == (1, 0, 1)
    assert unit_two["outcome_accept"] == (1, 0, 1) and unit_two["pending"] == (1, 0, 1)
    third = _figures(reports.build(ctx, report_letters.period("quarter", 2026, 3)))
    # Q3: J, B, A, H received; J and A accepted, B stored, H not processed yet.
    assert third["letters_total"] == (4, 0, 4)
    assert third["outcome_accept"] == (2, 0, 2) and third["outcome_store"] == (1, 0, 1)
    assert third["duplicate"] == (1, 0, 1) and third["unprocessed"] == (1, 0, 1)
    assert third["cases"] == (2, 0, 2) and third["pending"] == (2, 0, 2)
    year = _figures(reports.build(ctx, report_letters.period("year", 2026)))
    assert year["letters_total"] == (10, 0, 10) and year["resolved"] == (1, 0, 1)
    november = _figures(reports.build(ctx, report_letters.period("month", 2026, 11)))
    # Carried into November: D unprocessed; cases J and I pending (A was resolved in October).
    assert november["letters_total"] == (2, 1, 1) and november["cases"] == (2, 2, 0)


def test_periods():
    assert report_letters.period("quarter", 2026, 4).start == date(2026, 10, 1)
    assert report_letters.period("quarter", 2026, 4).end == date(2026, 12, 31)
    assert (report_letters.period("half", 2026, 2).start, report_letters.period("half", 2026, 2).end) == (
        date(2026, 7, 1), date(2026, 12, 31))
    assert report_letters.period("nine", 2026).end == date(2026, 9, 30)
    assert report_letters.period("month", 2028, 2).end == date(2028, 2, 29)
    assert report_letters.period("month", 2026, 12).end == date(2026, 12, 31)
    with pytest.raises(ValueError):
        report_letters.period("quarter", 2026, 5)


def test_xlsx_holds_the_same_figures(ctx, register_2026, tmp_path):
    report = reports.build(ctx, report_letters.period("month", 2026, 10))
    path = tmp_path / "report.xlsx"
    path.write_bytes(report_xlsx.to_xlsx(report))
    sheet = load_workbook(path).active
    rows = {row[1]: row for row in sheet.iter_rows(values_only=True) if row[1]}
    assert rows["Tổng số đơn phải xử lý trong kỳ"][2:5] == (6, 1, 5)
    assert rows["  – Giải quyết đúng hạn"][2:5] == (1, 1, 0)
    assert "THÁNG 10/2026" in sheet["A4"].value   # below the agency block (NĐ 30/2020)
    assert rows["Tổng số đơn phải xử lý trong kỳ"][5].startswith("Đơn đã vào sổ")
