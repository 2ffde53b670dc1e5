"""The follow-up files of the reader's units: what each decision or conclusion in force requires,
of whom, by when, how often it was urged, and whether it is carried out.

Read from the engine: the follow-up steps (``human_tasks`` rows of the letter's instance) and the
values officers entered (``task_completed_by_user`` audit events of those steps). A file shows the
letter's number, type and the decision's reference, never the sender: a sealed denouncer's
identity cannot appear here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.accounts.models import Unit
from engine.errors import Forbidden
from engine.persistence.models import AuditEvent, HumanTask
from petitions.followup import steps
from petitions.persistence.models import Petition

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.context import EngineContext

READERS = frozenset({"handling_officer", "head_of_unit", "supervisor", "administrator"})
# The step that issued what is followed up, and the field holding its number.
DECISION_STEPS = {"Task_kn_decide": "decision_number", "Task_den_conclusion": "conclusion_number"}


@dataclass
class Assignment:
    unit_code: str
    unit_name: str
    action: str
    due: date | None


@dataclass
class FollowUpFile:
    petition_id: int
    number: str
    petition_type: str
    reference: str
    opened_at: datetime
    assignments: list[Assignment] = field(default_factory=list)
    urgings: list[dict] = field(default_factory=list)     # {"on", "form", "reference"}
    escalations: int = 0
    reports: list[dict] = field(default_factory=list)     # {"on", "number", "complete"}
    open_step: str | None = None
    open_due: datetime | None = None

    @property
    def done(self) -> bool:
        return any(r["complete"] for r in self.reports)

    @property
    def due(self) -> date | None:
        dues = [a.due for a in self.assignments if a.due]
        return max(dues) if dues else None

    def overdue(self, today: date) -> bool:
        return not self.done and self.due is not None and self.due < today


def _day(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _assignments(after: dict, units: dict[str, str]) -> list[Assignment]:
    """The plan form: unit n, action n, due n; a blank action or due is the first unit's."""
    first_action, first_due = after.get("followup_action_1") or "", after.get("followup_due_1")
    result = []
    for n in (1, 2, 3):
        code = after.get(f"followup_unit_{n}")
        if code:
            result.append(Assignment(code, units.get(code, code),
                                     after.get(f"followup_action_{n}") or first_action,
                                     _day(after.get(f"followup_due_{n}") or first_due)))
    return result


def files_of(ctx: "EngineContext", actor: "Actor") -> list[FollowUpFile]:
    """Every follow-up of the actor's units, open ones first, newest first."""
    if not (READERS & actor.roles):
        raise Forbidden("Bạn không có quyền xem hồ sơ theo dõi thi hành")
    with ctx.uow(write=False) as uow:
        session = uow.session
        plans = session.execute(
            select(HumanTask.instance_id, HumanTask.created_at, Petition.id, Petition.number,
                   Petition.petition_type)
            .join(Petition, Petition.instance_id == HumanTask.instance_id)
            .where(HumanTask.bpmn_id == steps.PLAN_STEP,
                   Petition.unit_code.in_(sorted(actor.units)))
            .order_by(HumanTask.created_at.desc())).all()
        files: dict[int, FollowUpFile] = {}
        for instance_id, created_at, petition_id, number, kind in plans:
            files.setdefault(instance_id, FollowUpFile(petition_id, number, kind, "", created_at))
        if not files:
            return []
        units = dict(session.execute(select(Unit.code, Unit.name)).all())
        _read_tasks(session, files)
        _read_values(session, files, units)
    return sorted(files.values(), key=lambda f: (f.done, -f.opened_at.timestamp()))


def _read_tasks(session, files: dict[int, FollowUpFile]) -> None:
    rows = session.execute(select(HumanTask.instance_id, HumanTask.bpmn_id, HumanTask.status,
                                  HumanTask.due_at)
                           .where(HumanTask.instance_id.in_(list(files)),
                                  HumanTask.bpmn_id.in_(sorted(steps.ALL_STEPS)))
                           .order_by(HumanTask.id))
    for instance_id, bpmn_id, status, due_at in rows:
        one = files[instance_id]
        if bpmn_id == steps.ESCALATE_STEP:
            one.escalations += 1
        elif status in ("ready", "claimed"):
            one.open_step, one.open_due = bpmn_id, due_at


def _read_values(session, files: dict[int, FollowUpFile], units: dict[str, str]) -> None:
    step = AuditEvent.payload["bpmn_id"].as_string()
    rows = session.execute(select(AuditEvent.instance_id, AuditEvent.payload)
                           .where(AuditEvent.instance_id.in_(list(files)),
                                  AuditEvent.event_type == "task_completed_by_user",
                                  step.in_([steps.PLAN_STEP, steps.URGE_STEP, steps.REPORT_STEP,
                                            *DECISION_STEPS]))
                           .order_by(AuditEvent.instance_id, AuditEvent.seq))
    for instance_id, payload in rows:
        one, after = files[instance_id], payload.get("after") or {}
        if payload.get("bpmn_id") in DECISION_STEPS:
            one.reference = str(after.get(DECISION_STEPS[payload["bpmn_id"]]) or one.reference)
        elif payload.get("bpmn_id") == steps.PLAN_STEP:
            one.assignments = _assignments(after, units)
        elif payload.get("bpmn_id") == steps.URGE_STEP:
            one.urgings.append({"on": _day(after.get("urging_on")),
                                "form": after.get("urging_form"),
                                "reference": after.get("urging_reference") or ""})
        else:
            one.reports.append({"on": _day(after.get("implementation_reported_on")),
                                "number": after.get("implementation_report_number") or "",
                                "complete": bool(after.get("implementation_complete"))})
