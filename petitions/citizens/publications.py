"""Published results (/cong-khai): the publication steps of the complaint and denunciation
processes put the decision or conclusion here, redacted.

A subscriber of the kernel's ``TaskCompleted`` (``petitions.wiring``): when ``Task_kn_publish`` or
``Task_den_publish`` completes, an entry is made in the same unit of work from the values the
decision step recorded (number, date, content) and the agency's printed name. Second-level
complaint decisions and denunciation conclusions are always published; a first-level decision
when the head chose ``publish_decision``. Every sender's name, ID number, phone and street address
is cut from the text, however an officer typed it (``petitions.identity.matching``), and the
redacted copy is the only one stored. An entry stays visible for at least 15 days; afterwards the
unit may withdraw it (audited).
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.audit import chain as audit
from engine.audit.chain import PendingEvent
from engine.errors import Forbidden, InvalidState, NotFound
from engine.events import TaskCompleted
from engine.running import locks
from engine.working_days import VN_TZ
from petitions.agencies.profiles import agency_for
from petitions.citizens import case_values
from petitions.citizens.models import Publication
from petitions.identity.protection import matcher_for, petition_of_instance
from petitions.persistence.models import Petition

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.context import EngineContext
    from engine.persistence.unit_of_work import UnitOfWork

MIN_DAYS = 15
KINDS = {"complaint_decision": "Quyết định giải quyết khiếu nại",
         "denunciation_conclusion": "Kết luận nội dung tố cáo"}
PUBLISH_STEPS = {"Task_kn_publish": "complaint_decision", "Task_den_publish": "denunciation_conclusion"}
MANAGERS = frozenset({"publication_officer", "head_of_unit", "administrator"})


def _day(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def publish_on_completion(uow: "UnitOfWork", event: TaskCompleted) -> None:
    """A publication step completed: put the decision or conclusion on the public page."""
    kind = PUBLISH_STEPS.get(event.task.bpmn_id)
    if kind is None:
        return
    session = uow.session
    petition = petition_of_instance(session, event.instance.id)
    if petition is None or session.scalar(select(Publication.id).where(
            Publication.source_task_id == event.task.id)) is not None:
        return
    values = case_values.recorded(session, event.instance.id)
    today = event.now.astimezone(VN_TZ).date()
    if kind == "complaint_decision":
        level = values.get("complaint_level")
        if level != "second" and values.get("publish_decision") is not True:
            return  # a first decision the head chose not to publish
        number, issued = values.get("decision_number"), _day(values.get("decision_date"))
        content = values.get("decision_content") or ""
        title = (f"{KINDS[kind]} lần {'hai' if level == 'second' else 'đầu'} số {number}")
    else:
        level = None
        number, issued = values.get("conclusion_number"), _day(values.get("concluded_on"))
        accused = values.get("accused_name")
        content = (f"Người bị tố cáo: {accused}. " if accused else "") + \
            (values.get("conclusion_summary") or "")
        title = f"{KINDS[kind]} số {number}"
    posted = _day(event.data.get("published_on")) or today
    until = max(posted + timedelta(days=MIN_DAYS), _day(event.data.get("publication_end")) or posted)
    matcher = matcher_for(session, petition.id)
    session.add(Publication(
        petition_id=petition.id, source_task_id=event.task.id, unit_code=petition.unit_code or "",
        agency_name=agency_for(session, petition.unit_code).full_name, kind=kind, level=level,
        number=matcher.redact(str(number or "")), issued_on=issued, title=matcher.redact(title),
        content=matcher.redact(str(content)), posted_on=posted, visible_until=until,
        posted_at=event.now))


def search(ctx: "EngineContext", *, unit: str | None = None, kind: str | None = None,
           date_from: date | None = None, date_to: date | None = None,
           limit: int = 200) -> list[dict]:
    """Entries on the public page (posted, not withdrawn), newest first, by unit, kind, date."""
    today = ctx.clock.now().astimezone(VN_TZ).date()
    query = select(Publication).where(Publication.withdrawn_at.is_(None),
                                      Publication.posted_on <= today)
    if unit:
        query = query.where(Publication.unit_code == unit)
    if kind in KINDS:
        query = query.where(Publication.kind == kind)
    if date_from:
        query = query.where(Publication.posted_on >= date_from)
    if date_to:
        query = query.where(Publication.posted_on <= date_to)
    with ctx.uow(write=False) as uow:
        rows = uow.session.scalars(query.order_by(Publication.posted_on.desc(),
                                                  Publication.id.desc()).limit(limit))
        return [describe(row) for row in rows]


def describe(row: Publication) -> dict:
    return {"id": row.id, "kind": row.kind, "kind_label": KINDS.get(row.kind, row.kind),
            "title": row.title, "number": row.number, "issued_on": row.issued_on,
            "agency": row.agency_name, "unit": row.unit_code, "content": row.content,
            "posted_on": row.posted_on, "visible_until": row.visible_until,
            "withdrawn": row.withdrawn_at is not None}


def units(ctx: "EngineContext") -> list[dict]:
    """The agencies that have published something (the search's unit choices)."""
    with ctx.uow(write=False) as uow:
        rows = uow.session.execute(select(Publication.unit_code, Publication.agency_name)
                                   .distinct().order_by(Publication.agency_name)).all()
    seen: dict[str, str] = {}
    for code, name in rows:
        seen.setdefault(code, name)
    return [{"code": c, "name": n} for c, n in seen.items()]


def of_unit(ctx: "EngineContext", actor: "Actor") -> list[dict]:
    """The unit's own entries, withdrawn ones included (the staff page)."""
    if not (MANAGERS & actor.roles):
        raise Forbidden("Chỉ cán bộ công khai, thủ trưởng đơn vị mới quản lý tin công khai")
    with ctx.uow(write=False) as uow:
        rows = uow.session.scalars(select(Publication).where(
            Publication.unit_code == actor.unit).order_by(Publication.posted_on.desc()))
        return [describe(row) for row in rows]


def withdraw(ctx: "EngineContext", actor: "Actor", publication_id: int) -> None:
    """Take an entry off the public page after its legal period (the unit's choice, audited)."""
    if not (MANAGERS & actor.roles):
        raise Forbidden("Chỉ cán bộ công khai, thủ trưởng đơn vị mới gỡ tin công khai")
    with ctx.uow() as uow:
        row = uow.session.get(Publication, publication_id)
        if row is None or row.unit_code != actor.unit:  # another unit's entry does not exist
            raise NotFound(f"Không tìm thấy tin công khai #{publication_id}")
        now = ctx.clock.now()
        if row.withdrawn_at is not None:
            raise InvalidState("Tin này đã được gỡ")
        if now.astimezone(VN_TZ).date() <= row.visible_until:
            raise InvalidState("Chưa hết thời hạn công khai tối thiểu (đến hết ngày "
                               f"{row.visible_until.strftime('%d/%m/%Y')}); chưa gỡ được")
        row.withdrawn_at, row.withdrawn_by = now, actor.username
        petition = uow.session.get(Petition, row.petition_id)
        instance = locks.lock_instance(uow, petition.instance_id)
        audit.append_instance_events(uow.session, instance, [PendingEvent(
            "publication_withdrawn", actor.username,
            {"publication_id": row.id, "number": row.number})], now)
        uow.commit()
