"""Reception figures for the periodic reports (domain-spec §10) and the dashboard's shortfalls.

``figures(session, units, start, end)`` counts, for visits dated in the period:

- ``visits``: rows of the book; ``people``: citizens who came (a group counts all its people);
- ``cases``: matters received: a visit is one case, except that visits registering the same
  letter count once; ``groups``: visits of 5 people or more (đoàn đông người, LTCD Điều 29);
- ``visits_by_kind`` and ``sessions_by_kind`` (sessions held): regular, periodic, ad hoc;
- ``outcomes``: guided, letter, transferred, refused;
- ``leaders``: per leader with a published schedule, sessions held in person and by a deputy,
  the law's minimum for the period and whether it is met (only in-person sessions count);
- conclusions issued in the period, and of their assignments: done on time, done late, open
  past the deadline (``assignments_overdue`` = late + open past due).

``shortfalls`` lists the leaders below their minimum: the dashboard flags them.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Iterable

from sqlalchemy import select

from engine.persistence.models import HumanTask
from petitions.reception.conclusions import FOLLOW_UP_TASK
from petitions.reception.models import (ConclusionAssignment, ReceptionConclusion,
                                        ReceptionSchedule, ReceptionSession, ReceptionVisit)
from petitions.reception.schedule import POSITIONS, compliance
from petitions.reception.schedules import DESK

KIND_KEYS = ("regular", "periodic", "ad_hoc")
OUTCOME_KEYS = ("guided", "letter", "transferred", "refused")


def figures(session, units: Iterable[str], start: date, end: date,
            now: datetime | None = None) -> dict:
    """The reception figures of ``units`` for ``start``..``end`` (both inclusive)."""
    codes = sorted(set(units))
    visits = session.scalars(select(ReceptionVisit).where(
        ReceptionVisit.unit_code.in_(codes), ReceptionVisit.visited_on >= start,
        ReceptionVisit.visited_on <= end)).all()
    letters = {v.petition_id for v in visits if v.petition_id}
    held = session.scalars(select(ReceptionSession).where(
        ReceptionSession.unit_code.in_(codes), ReceptionSession.status == "held",
        ReceptionSession.held_on >= start, ReceptionSession.held_on <= end)).all()
    result = {
        "visits": len(visits), "people": sum(v.people for v in visits),
        "cases": sum(1 for v in visits if not v.petition_id) + len(letters),
        "groups": sum(1 for v in visits if v.people >= 5),
        "visits_by_kind": {k: sum(1 for v in visits if v.kind == k) for k in KIND_KEYS},
        "sessions_by_kind": {k: sum(1 for s in held if s.kind == k) for k in KIND_KEYS},
        "outcomes": {k: sum(1 for v in visits if v.outcome == k) for k in OUTCOME_KEYS},
        "leaders": leaders(session, codes, start, end),
    }
    result.update(_conclusions(session, codes, start, end, now))
    return result


def leaders(session, codes: list[str], start: date, end: date) -> list[dict]:
    """Compliance per leader with a published schedule (the desk has no minimum)."""
    schedules = session.scalars(select(ReceptionSchedule).where(
        ReceptionSchedule.unit_code.in_(codes), ReceptionSchedule.active.is_(True),
        ReceptionSchedule.position != DESK).order_by(ReceptionSchedule.id)).all()
    result, seen = [], set()
    for row in schedules:
        key = (row.unit_code, row.position, row.leader_name)
        if key in seen:
            continue
        seen.add(key)
        sessions = session.execute(select(ReceptionSession.held_on, ReceptionSession.held_by).where(
            ReceptionSession.unit_code == row.unit_code, ReceptionSession.position == row.position,
            ReceptionSession.leader_name == row.leader_name, ReceptionSession.status == "held",
            ReceptionSession.kind != "regular")).all()
        found = compliance(row.position, start, end,
                           [(day, by == "in_person") for day, by in sessions])
        result.append({"unit_code": row.unit_code, "position": row.position,
                       "position_label": POSITIONS[row.position], "leader_name": row.leader_name,
                       "required": found.required, "in_person": found.held_in_person,
                       "by_deputy": found.held_by_deputy, "met": found.met,
                       "shortfall": found.shortfall})
    return result


def shortfalls(session, units: Iterable[str], start: date, end: date) -> list[dict]:
    """The leaders of ``units`` below the law's minimum for the period (dashboard flag)."""
    return [row for row in leaders(session, sorted(set(units)), start, end) if not row["met"]]


def _conclusions(session, codes: list[str], start: date, end: date,
                 now: datetime | None) -> dict:
    issued = session.scalars(select(ReceptionConclusion).where(
        ReceptionConclusion.unit_code.in_(codes), ReceptionConclusion.issued_on >= start,
        ReceptionConclusion.issued_on <= end)).all()
    by_id = {c.id: c for c in issued}
    assignments = session.scalars(select(ConclusionAssignment).where(
        ConclusionAssignment.conclusion_id.in_(list(by_id)))).all() if by_id else []
    tasks = session.scalars(select(HumanTask).where(
        HumanTask.instance_id.in_([c.instance_id for c in issued if c.instance_id]),
        HumanTask.bpmn_id == FOLLOW_UP_TASK)).all() if issued else []
    by_key = {(t.instance_id, t.candidate_unit): t for t in tasks}
    on_time = late = open_overdue = open_count = 0
    for item in assignments:
        task = by_key.get((by_id[item.conclusion_id].instance_id, item.unit_code))
        if task is None:
            continue
        if task.status == "completed":
            if task.due_at is None or task.completed_at <= task.due_at:
                on_time += 1
            else:
                late += 1
        elif task.status == "ready":
            open_count += 1
            if now is not None and task.due_at is not None and task.due_at < now:
                open_overdue += 1
    return {"conclusions": len(issued), "assignments": len(assignments),
            "assignments_done_on_time": on_time, "assignments_done_late": late,
            "assignments_open": open_count, "assignments_open_overdue": open_overdue,
            "assignments_overdue": late + open_overdue}


_KIND_LABELS = {"regular": "thường xuyên", "periodic": "định kỳ", "ad_hoc": "đột xuất"}


def report_rows(counted: dict) -> list[dict]:
    """The figures as rows of a periodic report's section "Tiếp công dân" (key, label, how the
    figure is counted, level 0 = figure / 1 = of which, value), in report order."""
    rows = [
        ("reception_visits", "Số lượt tiếp công dân", "Dòng trong sổ tiếp công dân có ngày tiếp "
         "trong kỳ (LTCD Điều 25.2).", 0, counted["visits"]),
        ("reception_people", "Số người được tiếp", "Tổng số người đến của các lượt tiếp (đoàn "
         "đông người tính đủ số người).", 0, counted["people"]),
        ("reception_cases", "Số vụ việc", "Mỗi lượt tiếp là một vụ việc; các lượt cùng tiếp nhận "
         "một đơn tính một.", 0, counted["cases"]),
        ("reception_groups", "Số đoàn đông người", "Lượt tiếp từ 5 người trở lên (LTCD Điều 29).",
         0, counted["groups"]),
    ]
    for kind in KIND_KEYS:
        rows.append((f"reception_visits_{kind}", f"Lượt tiếp {_KIND_LABELS[kind]}",
                     "Theo hình thức của phiên tiếp.", 1, counted["visits_by_kind"][kind]))
    for kind in KIND_KEYS:
        rows.append((f"reception_sessions_{kind}", f"Số phiên tiếp {_KIND_LABELS[kind]} đã diễn ra",
                     "Phiên tiếp ghi nhận đã tiếp, có ngày trong kỳ.", 0,
                     counted["sessions_by_kind"][kind]))
    for leader in counted["leaders"]:
        rows.append((f"reception_leader_{leader['unit_code']}_{leader['position']}",
                     f"{leader['position_label']} {leader['leader_name']}: trực tiếp tiếp "
                     f"{leader['in_person']}/{leader['required']} ngày tối thiểu"
                     + ("" if leader["met"] else " (chưa đạt)"),
                     "Chỉ tính phiên người đứng đầu trực tiếp tiếp; phiên cấp phó tiếp thay "
                     f"({leader['by_deputy']}) không tính (LTCD Điều 15, Luật 136/2025, "
                     "Quy định 11-QĐi/TW).", 1, leader["in_person"]))
    rows += [
        ("reception_conclusions", "Số thông báo kết luận đã ban hành", "Kết luận có ngày ban hành "
         "trong kỳ.", 0, counted["conclusions"]),
        ("reception_assignments_on_time", "Nhiệm vụ theo kết luận hoàn thành đúng hạn",
         "Hoàn thành trước hạn của nhiệm vụ.", 1, counted["assignments_done_on_time"]),
        ("reception_assignments_overdue", "Nhiệm vụ theo kết luận quá hạn",
         "Hoàn thành sau hạn, hoặc chưa hoàn thành mà đã quá hạn.", 1,
         counted["assignments_overdue"]),
    ]
    return [{"key": k, "label": label, "how": how, "level": level, "value": value}
            for k, label, how, level, value in rows]
