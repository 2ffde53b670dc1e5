"""The officers' inbox: work-list views and who a task may be given to.

Read-only queries. A list is two statements whatever the page size (no query per row): a count
(stopping at ``COUNT_CAP``) and a page query that picks the page's 50 ids from ``human_tasks``
alone, then joins those once with their instance, petition and assignee ("deferred join": page 50
does not join the 2,450 rows before it). Pages are offset-based, ordered by due date with undated
tasks last ("done": newest first). Each view reads its own partial, covering index
(``petitions/persistence/migrations/versions/0005_inbox_indexes.py``), so pages and counts are index-only scans;
``bench/inbox_bench.py`` times every view on 100,000 open tasks in PostgreSQL.

Views (``VIEWS``) for an :class:`~engine.accounts.actor.Actor`:

- ``mine``: ready tasks assigned to the actor;
- ``queue``: ready, unassigned tasks of one of the actor's roles, in the actor's unit or in no
  unit (the rule ``human_tasks`` applies before letting someone act);
- ``due_soon``: ``mine`` + ``queue`` due within ``DUE_SOON_WORKING_DAYS`` working days (not yet
  late); ``overdue``: ``mine`` + ``queue`` past their due time;
- ``done``: tasks the actor completed, newest first;
- ``unit``: every ready task of the actor's unit (heads of unit and administrators only).

Sender identity is never read here: petitions are shown by number, type, field and summary.

The page of one task (its data and what an officer may do with it) is ``petitions.tasks.task_page``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from math import ceil
from typing import TYPE_CHECKING

from sqlalchemy import Select, and_, func, or_, select

from engine.accounts.access import unit_condition
from engine.accounts.actor import Actor
from engine.accounts.models import Unit, User, UserRole
from engine.errors import Forbidden, InvalidInput
from engine.persistence.models import HumanTask, ProcessDefinition, ProcessInstance
from engine.text_search import fold
from engine.working_days import VN_TZ, WorkingDayCalendar
from petitions.persistence.models import Petition
from petitions.register.registration import INTAKE_KEY
from petitions.roles import ROLES

if TYPE_CHECKING:
    from engine.context import EngineContext

VIEWS = ("mine", "queue", "due_soon", "overdue", "done", "unit")
SUPERVISING_ROLES = frozenset({"head_of_unit", "administrator"})
INSTANCE_STATUSES = ("waiting", "running", "suspended", "error", "completed", "terminated")
PER_PAGE = 50
MAX_PER_PAGE = 200
COUNT_CAP = 10_000            # lists count up to here ("more than 10,000": use a filter)
DUE_SOON_WORKING_DAYS = 2
SUMMARY_CHARS = 240
MAX_TEXT_QUERY = 200


@dataclass(frozen=True)
class Filters:
    """Optional list filters; dates are Vietnam calendar days (inclusive)."""

    petition_type: str | None = None
    field: str | None = None
    status: str | None = None          # the instance's status (INSTANCE_STATUSES)
    due_from: date | None = None
    due_to: date | None = None
    text: str | None = None            # petition number or words of the summary, any diacritics

    @property
    def needs_petition(self) -> bool:
        return bool(self.petition_type or self.field or (self.text or "").strip())


# ---- time helpers ------------------------------------------------------------------------------

def vn_midnight(day: date) -> datetime:
    """00:00 of a Vietnamese calendar day, as a UTC datetime (for comparisons with due_at)."""
    return datetime.combine(day, time(0), tzinfo=VN_TZ).astimezone(timezone.utc)


def vn_today(now: datetime) -> date:
    return now.astimezone(VN_TZ).date()


def due_soon_limit(calendar: WorkingDayCalendar, now: datetime,
                   days: int = DUE_SOON_WORKING_DAYS) -> datetime:
    """First moment whose due day is more than ``days`` working days after today.

    ``working_days_between(today, d) <= days`` holds exactly for the days before the
    ``days + 1``-th working day after today.
    """
    return vn_midnight(calendar.add_working_days(vn_today(now), days + 1))


def due_info(calendar: WorkingDayCalendar, now: datetime, due_at: datetime | None) -> dict | None:
    """Due day (Vietnam), remaining working days and a state: ok (> 2), soon (0–2), late."""
    if due_at is None:
        return None
    day, today = due_at.astimezone(VN_TZ).date(), vn_today(now)
    remaining = calendar.working_days_between(today, day)
    late = due_at < now or remaining < 0
    state = "late" if late else ("soon" if remaining <= DUE_SOON_WORKING_DAYS else "ok")
    return {"day": day, "at": due_at, "remaining": remaining, "state": state,
            "late_days": max(-remaining, 0), "today": day == today}


# ---- visibility --------------------------------------------------------------------------------

def _unit_ok(actor: Actor):
    """The actor's units only (engine.accounts.access); a user without a unit sees no unit's tasks."""
    return unit_condition(HumanTask.candidate_unit, actor)


def _queue_condition(actor: Actor):
    """Unassigned, of one of the actor's roles, in the actor's unit or none.

    As ``human_tasks.list_tasks``, a task without a role (a user task outside any lane) is in no
    one's queue; administrators (who may act on anything) and the "unit" view still list it.
    """
    parts = [HumanTask.assignee.is_(None)]
    if not actor.is_admin:
        roles = sorted(actor.roles)
        # One role (the usual case) as an equality: the queue index then yields rows in due order.
        parts.append(HumanTask.candidate_role == roles[0] if len(roles) == 1
                     else HumanTask.candidate_role.in_(roles))
        parts.append(_unit_ok(actor))
    return and_(*parts)


def is_supervising(actor: Actor) -> bool:
    return bool(SUPERVISING_ROLES & actor.roles)


def available_views(actor: Actor) -> tuple[str, ...]:
    return VIEWS if is_supervising(actor) else tuple(v for v in VIEWS if v != "unit")


def view_condition(view: str, actor: Actor, now: datetime, calendar: WorkingDayCalendar):
    """The WHERE clause of a view (without filters)."""
    ready = HumanTask.status == "ready"
    mine = HumanTask.assignee == actor.username
    if view == "mine":
        return and_(ready, mine)
    if view == "queue":
        return and_(ready, _queue_condition(actor))
    if view == "due_soon":
        return and_(ready, or_(mine, _queue_condition(actor)), HumanTask.due_at >= now,
                    HumanTask.due_at < due_soon_limit(calendar, now))
    if view == "overdue":
        return and_(ready, or_(mine, _queue_condition(actor)), HumanTask.due_at < now)
    if view == "done":
        return and_(HumanTask.status == "completed", HumanTask.completed_by == actor.username)
    if view == "unit":
        if not is_supervising(actor):
            raise Forbidden("Chỉ thủ trưởng đơn vị hoặc quản trị mới xem được toàn bộ công việc "
                            "của đơn vị")
        return and_(ready, _unit_ok(actor))
    raise InvalidInput(f"Không có danh sách '{view}' (có: {', '.join(VIEWS)})")


def _filter_conditions(filters: Filters) -> list:
    conditions = []
    if filters.petition_type:
        conditions.append(Petition.petition_type == filters.petition_type)
    if filters.field:
        conditions.append(Petition.field == filters.field)
    if filters.status:
        conditions.append(ProcessInstance.status == filters.status)
    if filters.due_from:
        conditions.append(HumanTask.due_at >= vn_midnight(filters.due_from))
    if filters.due_to:
        conditions.append(HumanTask.due_at < vn_midnight(filters.due_to + timedelta(days=1)))
    raw = (filters.text or "").strip()[:MAX_TEXT_QUERY]
    if raw:
        words = fold(raw).split()
        # Words of the summary: the folded text, which 0006's trigram index answers on PostgreSQL.
        by_words = and_(*[Petition.search_text.contains(word, autoescape=True) for word in words])
        if any(c.isdigit() for c in raw):  # petition numbers (2026-000123) have digits
            by_number = Petition.number.contains(raw, autoescape=True)
            conditions.append(or_(by_number, by_words) if words else by_number)
        elif words:
            conditions.append(by_words)
        else:  # only punctuation: nothing can match
            conditions.append(Petition.id.is_(None))
    return conditions


def _order(view: str) -> list:
    if view == "done":
        return [HumanTask.completed_at.desc(), HumanTask.id.desc()]
    return [HumanTask.due_at.asc().nulls_last(), HumanTask.id.asc()]


def _ids_statement(view: str, actor: Actor, now: datetime, calendar: WorkingDayCalendar,
                   filters: Filters, page: int, per_page: int) -> Select:
    """The ids of one page, chosen on ``human_tasks`` alone (plus what the filters need)."""
    stmt = select(HumanTask.id).select_from(HumanTask)
    if filters.status:
        stmt = stmt.join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
    if filters.needs_petition:
        stmt = stmt.join(Petition, Petition.instance_id == HumanTask.instance_id)
    return (stmt.where(view_condition(view, actor, now, calendar), *_filter_conditions(filters))
            .order_by(*_order(view)).offset((max(page, 1) - 1) * per_page).limit(per_page))


def page_statement(view: str, actor: Actor, now: datetime, calendar: WorkingDayCalendar,
                   filters: Filters | None = None, *, page: int = 1,
                   per_page: int = PER_PAGE) -> Select:
    """The one query of a page (public for EXPLAIN).

    A "deferred join": the page's ids are picked in an inner query that reads only the tasks'
    indexes (and the tables a filter names), so that skipping to page 50 does not join the 2,450
    rows before it; the 50 ids are then joined once with their instance, petition and assignee.
    """
    filters = filters or Filters()
    ids = _ids_statement(view, actor, now, calendar, filters, page, per_page).subquery("page_ids")
    return (select(
        HumanTask.id, HumanTask.instance_id, HumanTask.bpmn_id, HumanTask.name, HumanTask.lane,
        HumanTask.candidate_role, HumanTask.candidate_unit, HumanTask.assignee, HumanTask.status,
        HumanTask.priority, HumanTask.created_at, HumanTask.due_at, HumanTask.completed_by,
        HumanTask.completed_at, HumanTask.overdue_since,
        ProcessInstance.status.label("instance_status"), ProcessInstance.process_key,
        ProcessInstance.business_key,
        Petition.id.label("petition_id"), Petition.number.label("petition_number"),
        Petition.petition_type, Petition.field.label("petition_field"),
        Petition.received_on, func.substr(Petition.summary, 1, SUMMARY_CHARS).label("summary"),
        Petition.channel.label("petition_channel"),  # issue 18: online letters awaiting a check
        User.display_name.label("assignee_name"))
        .select_from(ids)
        .join(HumanTask, HumanTask.id == ids.c.id)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .outerjoin(Petition, Petition.instance_id == HumanTask.instance_id)
        .outerjoin(User, User.username == HumanTask.assignee)
        .order_by(*_order(view)))


def count_statement(view: str, actor: Actor, now: datetime, calendar: WorkingDayCalendar,
                    filters: Filters | None = None) -> Select:
    """The size of a view, counted up to ``COUNT_CAP + 1``; joins only what the filters need.

    Past the cap ("more than 10,000") counting every row would cost more than the page itself and
    tell an officer nothing a filter would not.
    """
    filters = filters or Filters()
    rows = select(HumanTask.id).select_from(HumanTask)
    if filters.status:
        rows = rows.join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
    if filters.needs_petition:
        rows = rows.join(Petition, Petition.instance_id == HumanTask.instance_id)
    rows = rows.where(view_condition(view, actor, now, calendar), *_filter_conditions(filters))
    return select(func.count()).select_from(rows.limit(COUNT_CAP + 1).subquery("counted"))


def list_view(ctx: "EngineContext", actor: Actor, view: str, filters: Filters | None = None, *,
              page: int = 1, per_page: int = PER_PAGE) -> dict:
    """One page of a view: ``{view, rows, total, capped, page, pages, per_page, today}``.

    ``total`` stops at ``COUNT_CAP`` (``capped`` is then true and the pages end there); ``page`` is
    clamped to the last page. Each row is a plain dict (see ``page_statement``) plus ``due``
    (``due_info``) and ``role_label``.
    """
    if view not in VIEWS:
        raise InvalidInput(f"Không có danh sách '{view}' (có: {', '.join(VIEWS)})")
    per_page = min(max(int(per_page), 1), MAX_PER_PAGE)
    now = ctx.clock.now()
    calendar = ctx.calendar()
    with ctx.uow(write=False) as uow:
        counted = uow.session.scalar(count_statement(view, actor, now, calendar, filters)) or 0
        capped, total = counted > COUNT_CAP, min(counted, COUNT_CAP)
        pages = max(ceil(total / per_page), 1)
        page = min(max(int(page), 1), pages)
        result = uow.session.execute(page_statement(view, actor, now, calendar, filters,
                                                    page=page, per_page=per_page))
        rows = [dict(row._mapping) for row in result]
    for row in rows:
        row["due"] = due_info(calendar, now, row["due_at"])
        row["role_label"] = ROLES.get(row["candidate_role"] or "", row["candidate_role"])
    return {"view": view, "rows": rows, "total": total, "capped": capped, "page": page,
            "pages": pages, "per_page": per_page, "today": vn_today(now)}


def view_counts(ctx: "EngineContext", actor: Actor) -> dict[str, int]:
    """Unfiltered size of every view the actor has (for the tabs), in one round trip.

    One scalar sub-select per view, so that each is answered from its own index; a size above
    ``COUNT_CAP`` is reported as ``COUNT_CAP + 1`` (shown "10000+").
    """
    now = ctx.clock.now()
    calendar = ctx.calendar()
    views = available_views(actor)
    stmt = select(*[count_statement(v, actor, now, calendar).scalar_subquery().label(v)
                    for v in views])
    with ctx.uow(write=False) as uow:
        row = uow.session.execute(stmt).one()
    return {v: int(row._mapping[v] or 0) for v in views}


# ---- labels ------------------------------------------------------------------------------------

_LABEL_CACHE: dict[tuple[int, str], dict[str, dict[str, str]]] = {}


def choice_labels(ctx: "EngineContext") -> dict[str, dict[str, str]]:
    """Labels of petition types and fields, read from the deployed intake forms (the register).

    ``{"petition_type": {code: label}, "field": {code: label}}``; empty maps when the intake
    process is not deployed. Cached per definition (id and content hash).
    """
    with ctx.uow(write=False) as uow:
        latest = uow.session.execute(
            select(ProcessDefinition.id, ProcessDefinition.sha256)
            .where(ProcessDefinition.process_key == INTAKE_KEY)
            .order_by(ProcessDefinition.version.desc()).limit(1)).first()
        if latest is None:
            return {"petition_type": {}, "field": {}}
        key = (latest.id, latest.sha256)
        if key not in _LABEL_CACHE:
            forms = uow.session.scalar(select(ProcessDefinition.forms)
                                       .where(ProcessDefinition.id == latest.id)) or {}
            labels: dict[str, dict[str, str]] = {"petition_type": {}, "field": {}}
            for form in forms.values():
                for fld in (form or {}).get("fields", []):
                    if fld["name"] in labels and fld.get("choices"):
                        for choice in fld["choices"]:
                            labels[fld["name"]].setdefault(choice["value"], choice["label"])
            _LABEL_CACHE[key] = labels
        return _LABEL_CACHE[key]


# ---- assignment --------------------------------------------------------------------------------

def eligible_assignees(ctx: "EngineContext", role: str | None, unit: str | None) -> list[dict]:
    """Active users holding ``role`` (any role when None) who may work in ``unit``.

    ``[{username, display_name, unit}]`` sorted by display name. A unit's task goes only to that
    unit's people; a task of no unit (a system process) to anyone holding the role.
    """
    with ctx.uow(write=False) as uow:
        stmt = (select(User.username, User.display_name, Unit.code.label("unit"))
                .outerjoin(Unit, Unit.id == User.unit_id)
                .where(User.active.is_(True)))
        if role:
            stmt = stmt.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
        if unit:
            stmt = stmt.where(Unit.code == unit)
        rows = uow.session.execute(stmt.order_by(User.display_name, User.username)).all()
    return [dict(r._mapping) for r in rows]
