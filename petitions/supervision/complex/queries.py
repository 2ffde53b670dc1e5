"""Reading the register of complex cases: the candidates the markers suggest, the register of the
reader's units (a supervisor: their scopes), one entry, what is overdue (the supervisors'
dashboard) and the ad-hoc report on complex cases (page and XLSX, ``complex_xlsx``).

Where the markers come from: ``markers``.
"""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Iterable

from sqlalchemy import String, cast, or_, select

from engine.accounts.models import Unit, User
from engine.errors import NotFound
from engine.persistence.models import ProcessInstance
from engine.working_days import VN_TZ
from petitions.identity.protection import matcher_for
from petitions.labels import TYPE_LABELS
from petitions.persistence.complex_models import (ComplexCase, ComplexMilestone,
                                                  ComplexQuarterReport)
from petitions.persistence.models import Petition
from petitions.supervision.complex.cases import (HEADS, MARKERS, MILESTONE_STATUSES, STATUSES,
                                                 check_reader, quarter_bounds, quarter_figures,
                                                 today)
from petitions.supervision.complex.markers import (CHUNK, CLOSED, candidate_markers,
                                                   marker_labels)

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.context import EngineContext

MAX_CANDIDATES = 200


def _summary(session, petition: Petition) -> str:
    """The register's copy of the summary (identities cut when it was written), cut once more."""
    return matcher_for(session, petition.id).redact(petition.summary or "") or ""


def candidates(ctx: "EngineContext", actor: "Actor") -> list[dict]:
    """Open cases of the actor's units, not yet in the register, that a marker suggests."""
    check_reader(actor)
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        session = uow.session
        entered = select(ComplexCase.petition_id)
        query = (select(Petition).outerjoin(ProcessInstance,
                                            ProcessInstance.id == Petition.instance_id)
                 .where(Petition.unit_code.in_(sorted(actor.units)), Petition.id.not_in(entered),
                        or_(ProcessInstance.id.is_(None), ProcessInstance.status.not_in(CLOSED)))
                 .order_by(Petition.received_on, Petition.id))
        found = []
        petitions = list(session.scalars(query))
        for i in range(0, len(petitions), CHUNK):
            chunk = petitions[i:i + CHUNK]
            marks = candidate_markers(session, chunk, now)
            found += [(p, marks[p.id]) for p in chunk if p.id in marks]
            if len(found) >= MAX_CANDIDATES:
                break
        return [{"petition_id": p.id, "number": p.number, "received_on": p.received_on,
                 "unit_code": p.unit_code, "type_label": TYPE_LABELS.get(p.petition_type, ""),
                 "summary": _summary(session, p), "markers": marks,
                 "marker_labels": marker_labels(marks)} for p, marks in found[:MAX_CANDIDATES]]


def _overdue(milestone: ComplexMilestone, day: date) -> bool:
    return milestone.status in ("planned", "in_progress") and milestone.due_on < day


def _names(session, usernames: Iterable[str]) -> dict[str, str]:
    wanted = sorted({u for u in usernames if u})
    if not wanted:
        return {}
    return dict(session.execute(select(User.username, User.display_name).where(
        User.username.in_(wanted))).all())


def _describe(session, rows: list[ComplexCase], day: date) -> list[dict]:
    ids = [r.id for r in rows]
    milestones: dict[int, list[ComplexMilestone]] = {}
    reports: dict[int, list[ComplexQuarterReport]] = {}
    petitions: dict[int, Petition] = {}
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i:i + CHUNK]
        for m in session.scalars(select(ComplexMilestone).where(
                ComplexMilestone.case_id.in_(chunk)).order_by(ComplexMilestone.due_on,
                                                              ComplexMilestone.id)):
            milestones.setdefault(m.case_id, []).append(m)
        for r in session.scalars(select(ComplexQuarterReport).where(
                ComplexQuarterReport.case_id.in_(chunk)).order_by(
                ComplexQuarterReport.year.desc(), ComplexQuarterReport.quarter.desc())):
            reports.setdefault(r.case_id, []).append(r)
        petitions.update({p.id: p for p in session.scalars(select(Petition).where(
            Petition.id.in_([r.petition_id for r in rows if r.id in set(chunk)])))})
    names = _names(session, [u for r in rows for u in [r.owner, *(r.working_group or [])]])
    units = dict(session.execute(select(Unit.code, Unit.name)).all())
    result = []
    for row in rows:
        p = petitions[row.petition_id]
        mine = milestones.get(row.id, [])
        pending = [m for m in mine if m.status in ("planned", "in_progress")]
        result.append({
            "id": row.id, "petition_id": p.id, "number": p.number, "received_on": p.received_on,
            "type_label": TYPE_LABELS.get(p.petition_type, ""), "summary": _summary(session, p),
            "unit_code": row.unit_code, "unit_name": units.get(row.unit_code, row.unit_code),
            "markers": list(row.markers), "marker_labels": marker_labels(row.markers),
            "source": row.source, "source_label": "Từ dấu hiệu cán bộ đã ghi"
            if row.source == "candidate" else "Theo quyết định của thủ trưởng",
            "reason": row.reason, "plan": row.plan, "owner": row.owner,
            "owner_name": names.get(row.owner, row.owner) if row.owner else None,
            "working_group": [{"username": u, "name": names.get(u, u)}
                              for u in row.working_group or []],
            "status": row.status, "status_label": STATUSES[row.status],
            "status_note": row.status_note, "closed_on": row.closed_on,
            "entered_by": row.entered_by, "entered_at": row.entered_at,
            "milestones": [{"id": m.id, "title": m.title, "due_on": m.due_on, "status": m.status,
                            "status_label": MILESTONE_STATUSES[m.status], "done_on": m.done_on,
                            "note": m.note, "overdue": _overdue(m, day),
                            "days_late": (day - m.due_on).days if _overdue(m, day) else 0}
                           for m in mine],
            "milestones_total": sum(1 for m in mine if m.status != "cancelled"),
            "milestones_done": sum(1 for m in mine if m.status == "done"),
            "overdue": sum(1 for m in mine if _overdue(m, day)),
            "next": min(pending, key=lambda m: m.due_on).due_on if pending else None,
            "reports": [{"year": r.year, "quarter": r.quarter, "text": r.text,
                         "figures": r.figures, "written_by": r.written_by,
                         "written_at": r.written_at} for r in reports.get(row.id, [])],
        })
    return result


def register(ctx: "EngineContext", actor: "Actor", *, status: str | None = None,
             marker: str | None = None) -> list[dict]:
    """The entries of the actor's units (a supervisor: their scopes), most overdue first."""
    check_reader(actor)
    query = select(ComplexCase).where(ComplexCase.unit_code.in_(sorted(actor.units)))
    if status in STATUSES:
        query = query.where(ComplexCase.status == status)
    if marker in MARKERS:   # the JSON list as text, on both backends
        query = query.where(cast(ComplexCase.markers, String).like(f'%"{marker}"%'))
    with ctx.uow(write=False) as uow:
        rows = list(uow.session.scalars(query.order_by(ComplexCase.id)))
        entries = _describe(uow.session, rows, today(ctx))
    return sorted(entries, key=lambda e: (e["status"] != "open", -e["overdue"], e["id"]))


def get(ctx: "EngineContext", actor: "Actor", case_id: int) -> dict:
    """One entry of the actor's units, with what the actor may do on it."""
    check_reader(actor)
    with ctx.uow(write=False) as uow:
        row = uow.session.get(ComplexCase, case_id)
        if row is None or row.unit_code not in actor.units:
            raise NotFound("Không tìm thấy vụ việc trong sổ theo dõi")
        entry = _describe(uow.session, [row], today(ctx))[0]
        own = actor.unit == row.unit_code
        head = own and bool(HEADS & actor.roles)
        member = own and (actor.username == row.owner
                          or actor.username in (row.working_group or []))
        open_ = row.status == "open"
        entry["may"] = {"plan": head and open_, "status": head,
                        "milestones": open_ and (head or (own and actor.username == row.owner)),
                        "progress": open_ and (head or member), "report": head or member}
        if head:
            entry["unit_users"] = [{"username": u, "name": n} for u, n in uow.session.execute(
                select(User.username, User.display_name).join(Unit, Unit.id == User.unit_id)
                .where(Unit.code == row.unit_code, User.active.is_(True))
                .order_by(User.display_name))]
    return entry


def overdue_for_dashboard(ctx: "EngineContext", actor: "Actor") -> dict:
    """The open entries of the actor's scopes, with their overdue milestones listed."""
    entries = [e for e in register(ctx, actor, status="open")]
    return {"open": len(entries), "with_overdue": sum(1 for e in entries if e["overdue"]),
            "entries": entries}


def adhoc_report(ctx: "EngineContext", actor: "Actor", *, year: int, quarter: int) -> dict:
    """The ad-hoc report on complex cases (báo cáo đột xuất, seed 003): every entry of the
    reader's units with the roadmap's figures for the quarter, and the totals."""
    start, end = quarter_bounds(year, quarter)
    day = today(ctx)
    entries = register(ctx, actor)
    with ctx.uow(write=False) as uow:
        milestones: dict[int, list[ComplexMilestone]] = {}
        for m in uow.session.scalars(select(ComplexMilestone).where(
                ComplexMilestone.case_id.in_([e["id"] for e in entries]))):
            milestones.setdefault(m.case_id, []).append(m)
    # An entry counts for the quarter when it was entered by the quarter's end.
    entries = [e for e in entries if e["entered_at"].astimezone(VN_TZ).date() <= end]
    for e in entries:
        e["quarter"] = quarter_figures(milestones.get(e["id"], []), start, end, day)
        e["quarter_report"] = next((r for r in e["reports"]
                                    if (r["year"], r["quarter"]) == (year, quarter)), None)
    totals = {
        "entries": len(entries),
        "open": sum(1 for e in entries if e["status"] == "open"),
        "resolved": sum(1 for e in entries if e["status"] == "resolved"),
        "removed": sum(1 for e in entries if e["status"] == "removed"),
        "with_overdue": sum(1 for e in entries if e["quarter"]["overdue"]),
        "reported": sum(1 for e in entries if e["quarter_report"]),
        **{f"marker_{m}": sum(1 for e in entries if m in e["markers"]) for m in MARKERS},
        **{k: sum(e["quarter"][k] for e in entries) for k in (
            "milestones", "due_in_quarter", "done_in_quarter", "overdue")},
    }
    return {"year": year, "quarter": quarter, "start": start, "end": end, "entries": entries,
            "totals": totals, "generated_on": day}
