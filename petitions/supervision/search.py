"""Supervisors' search over petitions and their process instances.

Filters combine with AND; results are newest first (date received, then id) and paginated. Made for
a register of a million letters on PostgreSQL:

- the free text is matched against ``petitions.search_text`` (lower case, no diacritics: see
  ``engine.text_search.fold``) with one ``LIKE '%…%'`` per word, which PostgreSQL answers from the
  trigram index of migration 0006 (SQLite scans; fine at a commune's size). Words shorter than
  three letters cannot use trigrams: they match whole words only and merely filter what the
  longer words found (see ``text_patterns``);
- a number (``2026-000123``) or a tracking code (``ABCDE-FGH23``) is an exact lookup;
- a sender's ID number or phone, in any grouping, is an exact lookup through its keyed hash
  (``identity_search``, or ``typed_identity_search`` for a number typed in the main box; the
  identities are encrypted at rest, petitions/persistence/vault.py); the web forms POST it so it
  never lands in a URL or an access log, and a sealed case is found by it only by who may read
  its sealed identity;
- the free text also matches the labels of the types and fields ("dat dai" → "Đất đai, nhà ở");
- the total is counted up to ``COUNT_CAP`` only: counting every match of a broad filter over a
  million rows costs more than the page itself, and "more than 10 000" is what a reader needs;
- every order and filter column is indexed (models and migration 0006), and the page is found in
  a covering index before the wide rows are read (see ``statements`` and ``_plan_hints``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, exists, false, func, literal, or_, select, text, true

from engine.accounts.access import units_condition
from engine.accounts.models import Unit, User, UserRole
from engine.errors import InvalidInput
from engine.persistence.models import HumanTask, ProcessDefinition, ProcessInstance
from engine.text_search import fold
from engine.working_days import VN_TZ
from petitions.identity import rights
from petitions.identity.redaction import Redactor
from petitions.labels import STATUS_LABELS, TYPE_LABELS, Labels, vn_time
from petitions.persistence import vault as identity_vault
from petitions.persistence.models import Petition, PetitionSender

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.context import EngineContext

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
COUNT_CAP = 10_000
MAX_QUERY_CHARS = 200
SUMMARY_CHARS = 200
OVERDUE_CHOICES = {"now": "Đang quá hạn", "ever": "Đã từng quá hạn"}
_NUMBER = re.compile(r"^\d{4}-\d{1,6}$")
_TRACKING = re.compile(r"^[A-Z0-9]{5}-[A-Z0-9]{5}$")
_INSTANCE = re.compile(r"^#(\d{1,12})$")


@dataclass
class SearchFilters:
    q: str | None = None                # number, tracking code, #instance id or words
    petition_type: str | None = None
    field: str | None = None
    unit_code: str | None = None
    status: str | None = None           # process instance status
    assignee: str | None = None         # user name holding an open step
    received_from: date | None = None
    received_to: date | None = None
    active_from: date | None = None     # last activity on the instance (Vietnam days)
    active_to: date | None = None
    overdue: str | None = None          # "now": a step is past due; "ever": escalated once
    petition_ids: list[int] | None = None  # only these (an identity search's hits)
    # Field code → label (from the intake form): a word also matches the field's folded label, so
    # "dat dai" finds the land cases whose summary says only "thu hồi đất".
    field_labels: dict[str, str] | None = None
    page: int = 1
    page_size: int = PAGE_SIZE
    # The searcher's units (engine.accounts.access); None only for benchmarks that time the query itself.
    units: frozenset[str] | None = None


def text_patterns(query: str) -> list[tuple[str, bool]]:
    """``LIKE`` patterns for a query's words, each with whether it matches a whole word.

    'Đất ở Nà Sản' → [('%dat%', False), ('% o %', True), ('% na %', True), ('%san%', False)].
    Words of three letters or more match anywhere (the trigram index finds them); shorter ones
    cannot use trigrams and would scan, so they only filter, as whole words, the rows the longer
    words found. A query of short words only is one whole phrase ('% o xa %').
    """
    words = fold(query).split()
    if words and all(len(w) < 3 for w in words):
        return [(f"% {' '.join(words)} %", True)]
    return [(f"% {w} %", True) if len(w) < 3 else (f"%{w}%", False)
            for w in dict.fromkeys(words)]


def _text_condition(pattern: str, whole_word: bool):
    if whole_word:
        return (literal(" ") + Petition.search_text + literal(" ")).like(pattern)
    return Petition.search_text.like(pattern)


def label_condition(query: str, field_labels: dict[str, str] | None):
    """The petitions whose type or field label holds the whole folded query ("dat dai" is in
    "Đất đai, nhà ở"), None when no label does. A type or field is a code in the row, so its
    label is matched here; the demo complaint's summary says only "thu hồi đất"."""
    phrase = f" {fold(query)} "
    if not phrase.strip():
        return None
    types = [c for c, label in TYPE_LABELS.items() if phrase in f" {fold(label)} "]
    fields = [c for c, label in (field_labels or {}).items() if phrase in f" {fold(label)} "]
    found = ([Petition.petition_type.in_(types)] if types else []) + (
        [Petition.field.in_(fields)] if fields else [])
    return or_(*found) if found else None


def _vn_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=VN_TZ)


def conditions(filters: SearchFilters, now: datetime) -> list:
    """The WHERE conditions of a search (petitions joined to their instance)."""
    where = []
    if filters.units is not None:
        where.append(units_condition(Petition.unit_code, filters.units))
    query = (filters.q or "").strip()[:MAX_QUERY_CHARS]
    if query:
        upper = query.upper()
        if _NUMBER.match(query):
            where.append(Petition.number == query)
        elif _TRACKING.match(upper):
            where.append(Petition.tracking_code == upper)
        elif _INSTANCE.match(query):
            where.append(Petition.instance_id == int(_INSTANCE.match(query).group(1)))
        else:
            patterns = text_patterns(query)
            words = and_(*[_text_condition(p, whole) for p, whole in patterns]) if patterns \
                else false()
            by_label = label_condition(query, filters.field_labels)
            where.append(words if by_label is None else or_(words, by_label))
    if filters.petition_ids is not None:
        where.append(Petition.id.in_(filters.petition_ids) if filters.petition_ids else false())
    if filters.petition_type:
        where.append(Petition.petition_type == filters.petition_type)
    if filters.field:
        where.append(Petition.field == filters.field)
    if filters.unit_code:
        where.append(Petition.unit_code == filters.unit_code)
    if filters.received_from:
        where.append(Petition.received_on >= filters.received_from)
    if filters.received_to:
        where.append(Petition.received_on <= filters.received_to)
    if filters.status:
        where.append(ProcessInstance.status == filters.status)
    if filters.active_from:
        where.append(ProcessInstance.updated_at >= _vn_start(filters.active_from))
    if filters.active_to:
        where.append(ProcessInstance.updated_at < _vn_start(filters.active_to + timedelta(days=1)))
    if filters.assignee:
        where.append(exists().where(HumanTask.instance_id == Petition.instance_id,
                                    HumanTask.assignee == filters.assignee,
                                    HumanTask.status == "ready"))
    if filters.overdue == "now":
        where.append(exists().where(HumanTask.instance_id == Petition.instance_id,
                                    HumanTask.status == "ready", HumanTask.due_at < now))
    elif filters.overdue == "ever":
        where.append(ProcessInstance.overdue_since.is_not(None))
    return where


def _needs_instance(filters: SearchFilters) -> bool:
    return bool(filters.status or filters.active_from or filters.active_to
                or filters.overdue == "ever")


def _matching(filters: SearchFilters, where: list, *columns):
    query = select(*columns)
    if _needs_instance(filters):
        query = query.join(ProcessInstance, ProcessInstance.id == Petition.instance_id)
    return query.where(and_(true(), *where))


def statements(filters: SearchFilters, now: datetime):
    """(page statement, capped count statement): also what the benchmark runs.

    The page is found first as (received_on, id) pairs only, which PostgreSQL reads from the
    covering index of migration 0006 without touching the table; the wide rows are then read for
    the page's ids alone (late row lookup).
    """
    size = min(max(1, filters.page_size), MAX_PAGE_SIZE)
    page = max(1, filters.page)
    where = conditions(filters, now)
    keys = (_matching(filters, where, Petition.id, Petition.received_on)
            .order_by(Petition.received_on.desc(), Petition.id.desc())
            .limit(size).offset((page - 1) * size).subquery("page"))
    rows = (select(Petition.id, Petition.number, Petition.tracking_code, Petition.received_on,
                   Petition.petition_type, Petition.field, Petition.unit_code, Petition.summary,
                   Petition.identity_sealed, Petition.instance_id, ProcessInstance.status,
                   ProcessInstance.overdue_since, ProcessInstance.updated_at)
            .select_from(keys).join(Petition, Petition.id == keys.c.id)
            .outerjoin(ProcessInstance, ProcessInstance.id == Petition.instance_id)
            .order_by(keys.c.received_on.desc(), keys.c.id.desc()))
    capped = _matching(filters, where, Petition.id).limit(COUNT_CAP + 1).subquery()
    count = select(func.count()).select_from(capped)
    return rows, count


def _plan_hints(session, *, broad: bool) -> None:
    """PostgreSQL only, for this read transaction: no parallel workers (they cost more to start
    than a page costs to find) and, when more than ``COUNT_CAP`` rows match, walk the date order
    instead of collecting every match: a broad filter fills a page within a few thousand index
    entries, while the planner, which multiplies the words' selectivities as if they were
    independent, often believes the opposite and sorts tens of thousands of rows."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    if broad:
        session.execute(text("SET LOCAL enable_bitmapscan = off"))
        session.execute(text("SET LOCAL enable_seqscan = off"))


def _count_from_instances(session, filters: SearchFilters | None) -> bool:
    """PostgreSQL, a count filtered on the instance (status, activity, overdue): a nested loop
    from the matching instances into ``petitions.instance_id``, stopping at ``COUNT_CAP``, not a
    hash join over the whole register (bench/README.md "Scale"). None: back to the defaults."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    if filters is None:
        session.execute(text("SET LOCAL enable_hashjoin = on"))
        session.execute(text("SET LOCAL enable_mergejoin = on"))
        return False
    if not (_needs_instance(filters) or filters.overdue == "now"):
        return False
    session.execute(text("SET LOCAL enable_hashjoin = off"))
    session.execute(text("SET LOCAL enable_mergejoin = off"))
    return True


def search(ctx: "EngineContext", filters: SearchFilters, actor: "Actor") -> dict:
    """One page of matching petitions of ``actor``'s units with their status, open steps and
    overdue flag. The text matches the redacted copies only: a sealed name finds nothing."""
    now = ctx.clock.now()
    size = min(max(1, filters.page_size), MAX_PAGE_SIZE)
    with ctx.uow(write=False) as uow:
        session = uow.session
        labels = Labels(latest_intake_forms(session))
        filters = replace(filters, units=actor.units, field_labels=dict(labels.choices("field")))
        rows_stmt, count_stmt = statements(filters, now)
        _plan_hints(session, broad=False)
        by_instance = _count_from_instances(session, filters)
        total = session.scalar(count_stmt)
        if by_instance:
            _count_from_instances(session, None)
        if total > COUNT_CAP:
            _plan_hints(session, broad=True)
        rows = session.execute(rows_stmt).all()
        open_steps = _open_steps(session, [r.instance_id for r in rows if r.instance_id], now)
        secrets = _secrets(session, [r.id for r in rows if r.identity_sealed])
    capped = total > COUNT_CAP
    total = min(total, COUNT_CAP)
    pages = max(1, -(-total // size))
    return {"rows": [_row(r, labels, Redactor(secrets.get(r.id, [])), open_steps) for r in rows],
            "total": total, "capped": capped, "page": max(1, filters.page), "pages": pages,
            "page_size": size, "has_next": len(rows) == size and (capped or filters.page < pages)}


IDENTITY_KINDS = {"id_number": "Số định danh cá nhân / CMND", "phone": "Số điện thoại"}
_ID_DIGITS = re.compile(r"^(\d{9}|\d{12})$")
_PHONE_DIGITS = re.compile(r"^0\d{8,10}$")


def identity_matches(ctx: "EngineContext", kind: str, value: str) -> list[int]:
    """Petitions with a sender whose ID number or phone is exactly ``value``, by keyed hash.

    The value is checked first (a clear InvalidInput, nothing read); it is never stored, logged
    or compared in clear.
    """
    if kind not in IDENTITY_KINDS:
        raise InvalidInput("Chỉ tra cứu được theo số định danh hoặc số điện thoại")
    try:
        normal = identity_vault.normalise(kind, value)
    except ValueError:
        normal = ""
    pattern = _ID_DIGITS if kind == "id_number" else _PHONE_DIGITS
    if not pattern.match(normal):
        raise InvalidInput("Số định danh gồm 12 chữ số (hoặc CMND 9 chữ số)" if kind == "id_number"
                           else "Số điện thoại không hợp lệ")
    column = PetitionSender.id_number_hash if kind == "id_number" else PetitionSender.phone_hash
    hashes = identity_vault.blind_indexes(kind, normal)
    with ctx.uow(write=False) as uow:
        # identity search hit: the petitions found by a person's ID number or phone. Whether a
        # sealed (denunciation) hit may be shown, and the audit of the search, are decided by the
        # caller (supervision view), not here.
        return sorted(set(uow.session.scalars(select(PetitionSender.petition_id)
                                               .where(column.in_(hashes)))))


def identity_search(ctx: "EngineContext", kind: str, value: str, actor: "Actor") -> dict:
    """The petitions (of ``actor``'s units) an identity search hit, one page of the largest size,
    shown like ``search``. A sealed case (a denunciation) is found by its sender's number only by
    who may read that identity (petitions/identity/rights.py); for anyone else it is not found,
    so the search cannot tell them who denounced."""
    return _identity_page(ctx, identity_matches(ctx, kind, value), actor)


def identity_kinds(query: str) -> list[str]:
    """The identity kinds a number typed in the main search box can be, [] when it is none: 9 or
    12 digits are an ID number, 0 + 9–10 digits (or +84…) a phone, in any grouping."""
    text = (query or "").strip()
    if not re.fullmatch(r"\+?[\d .\-()]{9,24}", text) or _NUMBER.match(text):
        return []
    kinds = []
    for kind, pattern in (("id_number", _ID_DIGITS), ("phone", _PHONE_DIGITS)):
        if pattern.match(identity_vault.normalise(kind, text)):
            kinds.append(kind)
    return kinds


def typed_identity_search(ctx: "EngineContext", query: str, actor: "Actor") -> dict:
    """The main box's number searched as every identity kind it can be (``identity_kinds``)."""
    hits = set()
    for kind in identity_kinds(query):
        hits.update(identity_matches(ctx, kind, query))
    return _identity_page(ctx, sorted(hits), actor)


def _identity_page(ctx: "EngineContext", hits: list[int], actor: "Actor") -> dict:
    if hits:
        with ctx.uow(write=False) as uow:
            sealed = uow.session.scalars(select(Petition).where(
                Petition.id.in_(hits), Petition.identity_sealed.is_(True))).all()
            hidden = {p.id for p in sealed if not rights.can_read_identity(actor, p)}
        hits = [h for h in hits if h not in hidden]
    filters = SearchFilters(petition_ids=hits, page_size=MAX_PAGE_SIZE)
    return search(ctx, filters, actor)


def _open_steps(session, instance_ids: list[int], now: datetime) -> dict[int, list[dict]]:
    steps: dict[int, list[dict]] = {}
    if not instance_ids:
        return steps
    for task in session.scalars(select(HumanTask).where(
            HumanTask.instance_id.in_(instance_ids), HumanTask.status == "ready")
            .order_by(HumanTask.id)):
        steps.setdefault(task.instance_id, []).append({
            "name": task.name, "assignee": task.assignee, "due_at": vn_time(task.due_at),
            "overdue": bool(task.due_at and task.due_at < now)})
    return steps


def _secrets(session, petition_ids: list[int]) -> dict[int, list[str]]:
    """Identity strings of sealed petitions' senders, to redact from their summaries."""
    found: dict[int, list[str]] = {}
    if petition_ids:
        for pid, *values in session.execute(
                select(PetitionSender.petition_id, PetitionSender.name, PetitionSender.id_number,
                       PetitionSender.phone, PetitionSender.address_detail)
                .where(PetitionSender.petition_id.in_(petition_ids))):
            found.setdefault(pid, []).extend(v for v in values if v)
    return found


def latest_intake_forms(session) -> dict:
    return session.scalar(select(ProcessDefinition.forms).where(
        ProcessDefinition.process_key == "petition_intake")
        .order_by(ProcessDefinition.version.desc()).limit(1)) or {}


def _row(row, labels: Labels, redactor: Redactor, open_steps: dict[int, list[dict]]) -> dict:
    summary = redactor.text(row.summary or "")
    steps = open_steps.get(row.instance_id, [])
    return {"id": row.id, "number": row.number, "tracking_code": row.tracking_code,
            "received_on": row.received_on, "sealed": row.identity_sealed,
            "type": row.petition_type,
            "type_label": TYPE_LABELS.get(row.petition_type, row.petition_type),
            "field_label": labels.choice("field", row.field), "unit_code": row.unit_code,
            "summary": summary if len(summary) <= SUMMARY_CHARS
            else summary[:SUMMARY_CHARS - 1] + "…",
            "instance_id": row.instance_id, "status": row.status,
            "status_label": STATUS_LABELS.get(row.status, "—"),
            "overdue_now": any(s["overdue"] for s in steps),
            "overdue_ever": row.overdue_since is not None,
            "last_activity": vn_time(row.updated_at), "steps": steps}


def choices(ctx: "EngineContext") -> dict:
    """Options of the search form: types, fields, statuses, units, officers, overdue."""
    with ctx.uow(write=False) as uow:
        session = uow.session
        labels = Labels(latest_intake_forms(session))
        units = session.execute(select(Unit.code, Unit.name).order_by(Unit.name)).all()
        officers = session.execute(
            select(User.username, User.display_name).where(
                User.active.is_(True),
                exists().where(UserRole.user_id == User.id,
                               UserRole.role.not_in(["administrator", "supervisor"])))
            .order_by(User.display_name)).all()
    return {"petition_type": list(TYPE_LABELS.items()), "field": labels.choices("field"),
            "status": list(STATUS_LABELS.items()), "unit": [(c, n) for c, n in units],
            "assignee": [(u, n) for u, n in officers], "overdue": list(OVERDUE_CHOICES.items())}
