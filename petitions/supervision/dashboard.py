"""The supervisors' dashboard figures: counts by type, field, status and unit, on-time rates per
unit and officer, and the steps now overdue with their escalations.

Unlike the periodic reports (``petitions.supervision.reports``), these are the figures as they stand now, over the
whole register.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import case, func, select

from engine.accounts.access import unit_condition
from engine.accounts.models import Unit, User
from engine.persistence.models import HumanTask, ProcessInstance
from engine.working_days import VN_TZ
from petitions.citizens import satisfaction
from petitions.labels import STATUS_LABELS, TYPE_LABELS, Labels, vn_time
from petitions.persistence.models import Petition
from petitions.reception import figures as reception_figures
from petitions.supervision.complex import queries as complex_queries
from petitions.supervision.search import latest_intake_forms

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.context import EngineContext
    from petitions.settings import Settings


def dashboard(ctx: "EngineContext", actor: "Actor") -> dict:
    """Counts by type, field, status and unit; on-time rates per unit and officer; overdue steps."""
    from engine.work.deadlines import list_escalations

    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        session = uow.session
        labels = Labels(latest_intake_forms(session))
        # Only the actor's units (a supervisor: their unit and those below it; engine.accounts.access).
        mine = unit_condition(Petition.unit_code, actor)
        counts = {
            "type": _grouped(session, Petition.petition_type, mine),
            "field": _grouped(session, Petition.field, mine),
            "unit": _grouped(session, Petition.unit_code, mine),
            "status": dict(session.execute(
                select(ProcessInstance.status, func.count()).join(
                    Petition, Petition.instance_id == ProcessInstance.id).where(mine)
                .group_by(ProcessInstance.status)).all()),
        }
        units = dict(session.execute(select(Unit.code, Unit.name)).all())
        tasks_mine = unit_condition(HumanTask.candidate_unit, actor)
        on_time = _on_time(session, units, tasks_mine)
        overdue = _overdue_steps(session, now, tasks_mine)
        # Leaders below the law's minimum reception frequency in the last whole month (issue 17):
        # a month in progress cannot fall short yet.
        month_end = now.astimezone(VN_TZ).date().replace(day=1) - timedelta(days=1)
        shortfalls = reception_figures.shortfalls(session, actor.units, month_end.replace(day=1),
                                                  month_end)
        listed = list_escalations(ctx, open_only=False, limit=1000)
        visible = set(session.scalars(select(HumanTask.id).where(
            HumanTask.id.in_([e["task_id"] for e in listed]), tasks_mine))) if listed else set()
    escalations = {e["task_id"]: e for e in listed if e["task_id"] in visible}
    for row in overdue:
        found = escalations.get(row["task_id"])
        row["escalation"] = found and {**found, "created_vn": vn_time(
            datetime.fromisoformat(found["created_at"]))}
    return {
        "total": sum(counts["type"].values()),
        "by_type": [(TYPE_LABELS.get(k, k), v) for k, v in _sorted(counts["type"])],
        "by_field": [(labels.choice("field", k), v) for k, v in _sorted(counts["field"])],
        "by_status": [(STATUS_LABELS.get(k, k), v) for k, v in _sorted(counts["status"])],
        "by_unit": [(units.get(k, k) if k else "Chưa ghi đơn vị", v)
                    for k, v in _sorted(counts["unit"])],
        "on_time_units": on_time["units"], "on_time_officers": on_time["officers"],
        "overdue": overdue,
        "escalations_open": sum(1 for e in escalations.values() if not e["resolved_at"]),
        "satisfaction": satisfaction.counts_for(ctx, actor),  # issue 18: citizens' answers
        "reception_shortfalls": shortfalls,
        "reception_month": f"{month_end.month:02d}/{month_end.year}",
        # issue 19 §2: the register of complex cases, what is overdue first
        "complex_cases": complex_queries.overdue_for_dashboard(ctx, actor),
    }


def _grouped(session, column, where) -> dict:
    return dict(session.execute(select(column, func.count()).where(where).group_by(column)).all())


def _sorted(counts: dict) -> list:
    return sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))


def _on_time(session, units: dict[str, str], where) -> dict:
    """Completed steps that had a due date: on time when completed_at <= due_at."""
    late = case((HumanTask.completed_at > HumanTask.due_at, 1), else_=0)
    # Counted on the steps alone (an index-only walk of migration 0024's ix_human_tasks_on_time),
    # then the few (officer, unit) groups joined to their names (a user name is unique, so the
    # groups are the same): joining first made PostgreSQL sort every completed step by name.
    counted = (select(HumanTask.completed_by.label("username"),
                      HumanTask.candidate_unit.label("task_unit"),
                      func.count().label("total"), func.sum(late).label("late"))
               .where(HumanTask.status == "completed", HumanTask.due_at.is_not(None),
                      HumanTask.completed_by.is_not(None), where)
               .group_by(HumanTask.completed_by, HumanTask.candidate_unit).subquery("counted"))
    rows = session.execute(
        select(counted.c.username, User.display_name, Unit.code, counted.c.task_unit,
               counted.c.total, counted.c.late)
        .outerjoin(User, User.username == counted.c.username)
        .outerjoin(Unit, Unit.id == User.unit_id)).all()
    officers: dict[str, list] = defaultdict(lambda: [None, 0, 0])
    per_unit: dict[str, list] = defaultdict(lambda: [0, 0])
    for username, display, user_unit, task_unit, total, late_count in rows:
        late_count = int(late_count or 0)
        entry = officers[username]
        entry[0] = display or username
        entry[1] += total
        entry[2] += late_count
        unit = user_unit or task_unit or ""
        per_unit[unit][0] += total
        per_unit[unit][1] += late_count

    def rate(total: int, late_count: int) -> dict:
        return {"total": total, "on_time": total - late_count, "late": late_count,
                "rate": round(100.0 * (total - late_count) / total, 1) if total else None}

    return {
        "officers": sorted(({"username": u, "name": e[0], **rate(e[1], e[2])}
                            for u, e in officers.items()), key=lambda r: (r["rate"], r["name"])),
        "units": sorted(({"code": code, "name": units.get(code, code) or "Chưa xác định",
                          **rate(*e)} for code, e in per_unit.items()),
                        key=lambda r: (r["rate"], r["name"])),
    }


def _overdue_steps(session, now: datetime, where, limit: int = 200) -> list[dict]:
    rows = session.execute(
        select(HumanTask.id, HumanTask.instance_id, HumanTask.name, HumanTask.assignee,
               HumanTask.candidate_role, HumanTask.candidate_unit, HumanTask.due_at,
               Petition.id, Petition.number, Petition.petition_type, User.display_name)
        .outerjoin(Petition, Petition.instance_id == HumanTask.instance_id)
        .outerjoin(User, User.username == HumanTask.assignee)
        .where(HumanTask.status == "ready", HumanTask.due_at < now, where)
        .order_by(HumanTask.due_at).limit(limit)).all()
    return [{"task_id": r[0], "instance_id": r[1], "task_name": r[2], "assignee": r[3],
             "assignee_name": r[10] or r[3], "role": r[4], "unit": r[5],
             "due_at": vn_time(r[6]), "days_late": (now - r[6]).days,
             "petition_id": r[7], "number": r[8],
             "type_label": TYPE_LABELS.get(r[9], r[9]) if r[9] else None} for r in rows]


def audit_alert(settings: "Settings", now: datetime) -> dict:
    """The audit trail's state for the dashboard's alert box: ``alert`` is true when the latest
    verification failed or no checkpoint was signed for more than two intervals (read from the
    checkpoint directory, which a database writer cannot reach)."""
    from engine.audit.verification import status
    return status(settings, now)
