"""Conclusions after a reception session or a dialogue conference, followed up as a process.

Issuing a conclusion notice (thông báo kết luận) stores it with its assignments (one per unit:
owner, task, required result, deadline) and starts ``conclusion_followup`` in the same unit of
work: one follow-up task per assigned unit, in parallel, each with its deadline as a boundary
timer (reminders before it, an escalation task for the head when it passes), and a closing report
(processes/conclusion_followup, tools/process_sources/conclusion_followup.py). The follow-up state
shown here is read from the engine's task rows: there is no second task system.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.accounts.models import Unit
from engine.errors import FormInvalid, InvalidInput
from engine.persistence.models import HumanTask, ProcessInstance
from engine.running import instances
from petitions.reception import trail
from petitions.reception.models import (ConclusionAssignment, DialogueConference,
                                        ReceptionConclusion, ReceptionSession)

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.context import EngineContext

PROCESS_KEY = "conclusion_followup"
FOLLOW_UP_TASK, ESCALATION_TASK, REPORT_TASK = "Task_ca_do", "Task_ca_escalate", "Task_cf_report"
MAX_ASSIGNMENTS = 50


@dataclass
class Assignment:
    unit_code: str
    owner: str
    task: str
    required_result: str
    deadline: date


def _validate(session, number: str, summary: str, leader: str, issued_on: date,
              assignments: list[Assignment]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name, value, label in (("number", number, "số thông báo"), ("summary", summary, "nội dung kết luận"),
                               ("leader_name", leader, "người kết luận")):
        if not (value or "").strip():
            errors[name] = f"Chưa nhập {label}"
    if not assignments:
        errors["assignments"] = "Kết luận phải giao ít nhất một nhiệm vụ cho một đơn vị"
    if len(assignments) > MAX_ASSIGNMENTS:
        errors["assignments"] = f"Tối đa {MAX_ASSIGNMENTS} nhiệm vụ"
    known = set(session.scalars(select(Unit.code).where(
        Unit.code.in_([a.unit_code for a in assignments]))))
    seen: set[str] = set()
    for i, item in enumerate(assignments):
        prefix = f"assignments.{i}."
        if item.unit_code not in known:
            errors[prefix + "unit_code"] = "Đơn vị không có trong danh sách"
        elif item.unit_code in seen:
            errors[prefix + "unit_code"] = "Mỗi đơn vị chỉ được giao một nhiệm vụ trong một kết luận"
        seen.add(item.unit_code)
        for name, label in (("owner", "người chịu trách nhiệm"), ("task", "nhiệm vụ"),
                            ("required_result", "kết quả phải đạt")):
            if not (getattr(item, name) or "").strip():
                errors[prefix + name] = f"Chưa nhập {label}"
        if item.deadline < issued_on:
            errors[prefix + "deadline"] = "Thời hạn không được trước ngày ban hành kết luận"
    return errors


def issue(ctx: "EngineContext", actor: "Actor", *, number: str, issued_on: date,
          leader_name: str, summary: str, assignments: list[Assignment],
          session_id: int | None = None, conference_id: int | None = None) -> dict:
    """Issue a conclusion of a held session or a conference; returns ``{"id", "instance_id"}``."""
    unit = trail.writing_unit(actor)
    if (session_id is None) == (conference_id is None):
        raise InvalidInput("Kết luận phải thuộc một phiên tiếp hoặc một hội nghị đối thoại")
    with ctx.uow() as uow:
        if session_id is not None:
            source = trail.own(uow.session.get(ReceptionSession, session_id), actor, "phiên tiếp")
            if source.status != "held":
                raise InvalidInput("Chỉ ban hành kết luận cho phiên tiếp đã diễn ra")
            title = f"Kết luận phiên tiếp ngày {source.held_on:%d/%m/%Y}"
        else:
            source = trail.own(uow.session.get(DialogueConference, conference_id), actor,
                               "hội nghị đối thoại")
            title = f"Kết luận hội nghị đối thoại ngày {source.held_on:%d/%m/%Y}"
        errors = _validate(uow.session, number, summary, leader_name, issued_on, assignments)
        if errors:
            raise FormInvalid(errors)
        now = ctx.clock.now()
        row = ReceptionConclusion(unit_code=unit, session_id=session_id,
                                  conference_id=conference_id, number=number.strip(),
                                  issued_on=issued_on, leader_name=leader_name.strip(),
                                  summary=summary.strip(), created_by=actor.username,
                                  created_at=now)
        uow.session.add(row)
        uow.session.flush()
        uow.session.add_all([ConclusionAssignment(
            conclusion_id=row.id, position=i, unit_code=a.unit_code, owner=a.owner.strip(),
            task=a.task.strip(), required_result=a.required_result.strip(), deadline=a.deadline)
            for i, a in enumerate(assignments)])
        instance = instances.start_in(ctx, uow, PROCESS_KEY, actor=actor.username,
                                      business_key=f"KL-{row.id}", unit=unit, data={
            "conclusion_id": row.id, "conclusion_title": title, "assignments": [
                {"unit": a.unit_code, "owner": a.owner.strip(), "task": a.task.strip(),
                 "result": a.required_result.strip(), "deadline": a.deadline.isoformat()}
                for a in assignments]})
        row.instance_id = instance.id
        trail.audit(uow.session, unit, actor, "reception_conclusion_issued", {
            "conclusion_id": row.id, "number": row.number, "session_id": session_id,
            "conference_id": conference_id, "instance_id": instance.id,
            "assignments": [a.unit_code for a in assignments]}, now)
        uow.commit()
        return {"id": row.id, "instance_id": instance.id}


def record_front_monitoring(ctx: "EngineContext", actor: "Actor", conclusion_id: int,
                            text: str, on: date) -> None:
    """The Fatherland Front's monitoring of one conclusion (seed 004), as reported to the unit."""
    note = trail.clean(text, "kết quả giám sát của Mặt trận", required=True, limit=5000)
    with ctx.uow() as uow:
        row = trail.own(uow.session.get(ReceptionConclusion, conclusion_id), actor, "kết luận")
        now = ctx.clock.now()
        if on > trail.today(now):
            raise InvalidInput("Ngày giám sát không được sau ngày hôm nay")
        row.front_monitoring, row.front_monitored_on = note, on
        trail.audit(uow.session, row.unit_code, actor, "reception_front_monitoring", {
            "conclusion_id": row.id, "on": on.isoformat(), "note": note}, now)
        uow.commit()


def _state(item: ConclusionAssignment, tasks: list[HumanTask], now: datetime) -> dict:
    """One assignment's follow-up state, from its unit's follow-up task row."""
    mine = [t for t in tasks if t.bpmn_id == FOLLOW_UP_TASK and t.candidate_unit == item.unit_code]
    if not mine:
        return {"state": "waiting", "label": "Chưa giao", "due_at": None, "overdue": False,
                "on_time": None}
    task = mine[-1]
    if task.status == "completed":
        on_time = task.due_at is None or task.completed_at <= task.due_at
        return {"state": "done", "label": "Đã thực hiện" + ("" if on_time else " (quá hạn)"),
                "due_at": task.due_at, "overdue": not on_time, "on_time": on_time,
                "completed_at": task.completed_at}
    overdue = task.due_at is not None and task.due_at < now
    return {"state": "open", "label": "Quá hạn, chưa thực hiện" if overdue else "Đang thực hiện",
            "due_at": task.due_at, "overdue": overdue, "on_time": None}


def describe_all(session, rows: list[ReceptionConclusion], now: datetime) -> list[dict]:
    ids = [r.id for r in rows]
    assignments: dict[int, list[ConclusionAssignment]] = {}
    for item in session.scalars(select(ConclusionAssignment).where(
            ConclusionAssignment.conclusion_id.in_(ids)).order_by(ConclusionAssignment.position)):
        assignments.setdefault(item.conclusion_id, []).append(item)
    instance_ids = [r.instance_id for r in rows if r.instance_id]
    tasks: dict[int, list[HumanTask]] = {}
    for task in session.scalars(select(HumanTask).where(
            HumanTask.instance_id.in_(instance_ids)).order_by(HumanTask.id)):
        tasks.setdefault(task.instance_id, []).append(task)
    statuses = dict(session.execute(select(ProcessInstance.id, ProcessInstance.status).where(
        ProcessInstance.id.in_(instance_ids))).all())
    units = dict(session.execute(select(Unit.code, Unit.name)).all())
    result = []
    for row in rows:
        mine = tasks.get(row.instance_id, [])
        result.append({
            "id": row.id, "number": row.number, "issued_on": row.issued_on,
            "leader_name": row.leader_name, "summary": row.summary,
            "session_id": row.session_id, "conference_id": row.conference_id,
            "instance_id": row.instance_id, "status": statuses.get(row.instance_id),
            "front_monitoring": row.front_monitoring, "front_monitored_on": row.front_monitored_on,
            "escalations": sum(1 for t in mine if t.bpmn_id == ESCALATION_TASK),
            "report_open": any(t.bpmn_id == REPORT_TASK and t.status == "ready" for t in mine),
            "assignments": [{"unit_code": a.unit_code, "unit_name": units.get(a.unit_code, ""),
                             "owner": a.owner, "task": a.task,
                             "required_result": a.required_result, "deadline": a.deadline,
                             **_state(a, mine, now)} for a in assignments.get(row.id, [])]})
    return result


def all_of(ctx: "EngineContext", actor: "Actor", *, session_id: int | None = None,
           conference_id: int | None = None) -> list[dict]:
    """Conclusions of the actor's units (optionally of one session or conference), newest first."""
    trail.check_reader(actor)
    query = select(ReceptionConclusion).where(
        ReceptionConclusion.unit_code.in_(sorted(actor.units)))
    if session_id is not None:
        query = query.where(ReceptionConclusion.session_id == session_id)
    if conference_id is not None:
        query = query.where(ReceptionConclusion.conference_id == conference_id)
    with ctx.uow(write=False) as uow:
        rows = uow.session.scalars(query.order_by(ReceptionConclusion.issued_on.desc(),
                                                  ReceptionConclusion.id.desc())).all()
        return describe_all(uow.session, list(rows), ctx.clock.now())
