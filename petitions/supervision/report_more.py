"""The periodic report's further figures (issue 19 §6; domain-spec §10): letters and cases sent to
investigators, the citizens' satisfaction, and the figures per head of unit for the period.

Each figure is read from what the engine recorded, like the rest of ``reports``:
- sent to investigators: the three steps that hand a file to the investigation agency or the
  procuracy, completed in the period (``Task_intake_investigators`` at intake,
  ``Task_den_crime_report`` during verification, ``Task_den_crime_action`` after the conclusion);
- satisfaction: the citizens' answers (``satisfaction_answers``) given in the period;
- per head of unit: the steps of the head's lane (``candidate_role = head_of_unit``) completed in
  the period, grouped by the person who completed them, with their due dates.

What the processes do not record is said in ``NOTES`` rather than invented: the number of people
disciplined (the sanction step records the measures as text, not who or how many) and the
over-level letters (no step or field marks a letter as sent over the competent level).
"""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from engine.accounts.models import Unit, User
from engine.persistence.models import HumanTask
from petitions.persistence.citizens_models import SatisfactionAnswer
from petitions.persistence.models import Petition
from petitions.supervision.report_letters import RESOLUTION_STEPS, Period

if TYPE_CHECKING:
    from petitions.supervision.reports import Section

INVESTIGATOR_STEPS = {"Task_intake_investigators": "intake",
                      "Task_den_crime_report": "verification",
                      "Task_den_crime_action": "conclusion"}
HEAD_ROLE = "head_of_unit"

NOTES = [
    "Số người bị xử lý kỷ luật chưa thống kê được: bước “Xử lý người vi phạm, khắc phục hậu quả” "
    "chỉ ghi biện pháp xử lý bằng lời văn, không ghi ai và bao nhiêu người bị xử lý; mục IV chỉ "
    "đếm số vụ việc có người bị xử lý.",
    "Số đơn vượt cấp chưa thống kê được: quy trình hiện chưa có bước hoặc trường nào ghi nhận đơn "
    "gửi vượt cấp.",
]


def sections(session, p: Period, codes: list[str], Row, Section) -> list["Section"]:
    """The further sections of the report of the units ``codes`` for the period ``p``, built
    with the report's own ``Row`` and ``Section`` (passed in: ``reports`` imports this module)."""
    return [_investigators(session, p, codes, Row, Section),
            _satisfaction(session, p, codes, Row, Section),
            _heads(session, p, codes, Row, Section)]


def _completed_in(p: Period):
    return (HumanTask.status == "completed", HumanTask.completed_at >= p.start_at,
            HumanTask.completed_at < p.end_at)


def _investigators(session, p: Period, codes, Row, Section) -> "Section":
    s = Section("VI. Chuyển cơ quan điều tra, viện kiểm sát")
    rows = session.execute(
        select(Petition.id, Petition.received_on, HumanTask.bpmn_id)
        .join(HumanTask, HumanTask.instance_id == Petition.instance_id)
        .where(Petition.unit_code.in_(codes), HumanTask.bpmn_id.in_(sorted(INVESTIGATOR_STEPS)),
               *_completed_in(p))).all()
    first: dict[int, tuple] = {}
    for petition_id, received_on, bpmn_id in rows:
        first.setdefault(petition_id, (received_on >= p.start, set()))[1].add(
            INVESTIGATOR_STEPS[bpmn_id])

    def row(key, label, how, items, level=0):
        r = Row(key, label, how, level)
        for is_new in items:
            r.total += 1
            r.new += int(is_new)
            r.carried += int(not is_new)
        s.rows.append(r)
    row("investigators_all", "Số đơn, vụ việc chuyển cơ quan điều tra, viện kiểm sát",
        "Đơn có ít nhất một bước chuyển hồ sơ cho cơ quan điều tra hoặc viện kiểm sát hoàn thành "
        "trong kỳ (mỗi đơn đếm một lần; cột “phát sinh”: đơn nhận trong kỳ).",
        (new for new, _ in first.values()))
    for code, label in (("intake", "Khi xử lý đơn (đơn có dấu hiệu tội phạm)"),
                        ("verification", "Trong quá trình xác minh tố cáo"),
                        ("conclusion", "Sau kết luận nội dung tố cáo")):
        row(f"investigators_{code}", label, "Bước chuyển hồ sơ tương ứng hoàn thành trong kỳ.",
            (new for new, stages in first.values() if code in stages), level=1)
    return s


def _satisfaction(session, p: Period, codes, Row, Section) -> "Section":
    s = Section("VII. Ý kiến đánh giá của công dân")
    counted = defaultdict(int)
    for satisfied, stage, n in session.execute(
            select(SatisfactionAnswer.satisfied, SatisfactionAnswer.stage, func.count())
            .where(SatisfactionAnswer.unit_code.in_(codes),
                   SatisfactionAnswer.answered_at >= p.start_at,
                   SatisfactionAnswer.answered_at < p.end_at)
            .group_by(SatisfactionAnswer.satisfied, SatisfactionAnswer.stage)):
        counted["all"] += n
        counted["yes" if satisfied else "no"] += n
        counted[f"{'yes' if satisfied else 'no'}_{stage}"] += n
    how = ("Ý kiến công dân gửi qua trang tra cứu (mã đơn và mã PIN) sau khi có quyết định, kết "
           "quả; ý kiến gửi trong kỳ, đơn của đơn vị.")
    for key, label, level in (
            ("all", "Số ý kiến đánh giá của công dân", 0), ("yes", "Hài lòng", 1),
            ("no", "Chưa hài lòng", 1),
            ("no_decision", "trong đó: chưa hài lòng với quyết định, kết quả giải quyết", 1),
            ("no_closed", "trong đó: chưa hài lòng khi hồ sơ đã kết thúc", 1)):
        value = counted[key]
        s.rows.append(Row(f"satisfaction_{key}", label, how, level, total=value, new=value))
    return s


def _heads(session, p: Period, codes, Row, Section) -> "Section":
    """Per person who completed the head's steps in the period (a head, or a deputy acting)."""
    s = Section("VIII. Theo người đứng đầu đơn vị (trong kỳ)")
    rows = session.execute(
        select(HumanTask.completed_by, HumanTask.bpmn_id, HumanTask.due_at,
               HumanTask.completed_at, User.display_name, Unit.name)
        .join(Petition, Petition.instance_id == HumanTask.instance_id)
        .outerjoin(User, User.username == HumanTask.completed_by)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(Petition.unit_code.in_(codes), HumanTask.candidate_role == HEAD_ROLE,
               HumanTask.completed_by.is_not(None), *_completed_in(p))).all()
    people: dict[str, dict] = {}
    for username, bpmn_id, due_at, completed_at, display, unit_name in rows:
        person = people.setdefault(username, {"name": display or username, "unit": unit_name,
                                              "steps": 0, "late": 0, "decisions": 0,
                                              "decisions_late": 0})
        late = due_at is not None and completed_at > due_at
        person["steps"] += 1
        person["late"] += int(late)
        if bpmn_id in RESOLUTION_STEPS:
            person["decisions"] += 1
            person["decisions_late"] += int(late)
    for username, person in sorted(people.items(), key=lambda kv: kv[1]["name"]):
        label = person["name"] + (f" ({person['unit']})" if person["unit"] else "")
        for key, text, value, level in (
                ("steps", f"{label}: số bước đã hoàn thành", person["steps"], 0),
                ("on_time", "Đúng hạn", person["steps"] - person["late"], 1),
                ("late", "Quá hạn", person["late"], 1),
                ("decisions", "Quyết định, kết luận, trả lời đã ban hành", person["decisions"], 1),
                ("decisions_late", "trong đó quá hạn", person["decisions_late"], 1)):
            s.rows.append(Row(f"head_{username}_{key}", text,
                              "Bước thuộc vai trò thủ trưởng đơn vị, do người này hoàn thành trong "
                              "kỳ; đúng hạn khi hoàn thành không muộn hơn hạn của bước (bước "
                              "không có hạn tính là đúng hạn).", level, total=value, new=value))
    if not people:
        s.rows.append(Row("heads_none", "Chưa có bước nào của thủ trưởng hoàn thành trong kỳ",
                          "Bước thuộc vai trò thủ trưởng đơn vị hoàn thành trong kỳ.", 0))
    return s
