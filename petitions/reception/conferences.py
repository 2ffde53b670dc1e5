"""Dialogue conferences (hội nghị đối thoại, seed 004): the head of the Party committee with the
residents of a village, with a chair, the participant groups, a date, a place and the minutes.
Their conclusions are issued and followed up like a session's (``conclusions.issue``), and the
Fatherland Front's monitoring is recorded against each conclusion."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.errors import FormInvalid
from petitions.reception import trail
from petitions.reception.models import DialogueConference

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.context import EngineContext

MAX_GROUPS = 30


def create(ctx: "EngineContext", actor: "Actor", *, title: str, chair: str,
           participant_groups: list[str], held_on: date, place: str, minutes: str) -> dict:
    """Record a conference held (with its minutes); returns ``{"id"}``."""
    unit = trail.writing_unit(actor)
    groups = [g.strip() for g in participant_groups if g and g.strip()]
    errors = {}
    for name, value, label in (("title", title, "tên hội nghị"), ("chair", chair, "người chủ trì"),
                               ("place", place, "địa điểm"), ("minutes", minutes, "biên bản")):
        if not (value or "").strip():
            errors[name] = f"Chưa nhập {label}"
    if not groups:
        errors["participant_groups"] = "Ghi ít nhất một thành phần tham dự"
    elif len(groups) > MAX_GROUPS or any(len(g) > 500 for g in groups):
        errors["participant_groups"] = f"Tối đa {MAX_GROUPS} thành phần, mỗi thành phần 500 ký tự"
    if held_on > trail.today(ctx.clock.now()):
        errors["held_on"] = "Ngày hội nghị không được sau ngày hôm nay"
    if errors:
        raise FormInvalid(errors)
    with ctx.uow() as uow:
        now = ctx.clock.now()
        row = DialogueConference(unit_code=unit, title=title.strip()[:500],
                                 chair=chair.strip()[:300], participant_groups=groups,
                                 held_on=held_on, place=place.strip()[:500],
                                 minutes=minutes.strip(), created_by=actor.username,
                                 created_at=now)
        uow.session.add(row)
        uow.session.flush()
        trail.audit(uow.session, unit, actor, "dialogue_conference_recorded", {
            "conference_id": row.id, "held_on": held_on.isoformat(), "groups": len(groups)}, now)
        uow.commit()
        return {"id": row.id}


def describe(row: DialogueConference) -> dict:
    return {"id": row.id, "title": row.title, "chair": row.chair,
            "participant_groups": list(row.participant_groups or []), "held_on": row.held_on,
            "place": row.place, "minutes": row.minutes}


def all_of(ctx: "EngineContext", actor: "Actor") -> list[dict]:
    trail.check_reader(actor)
    with ctx.uow(write=False) as uow:
        rows = uow.session.scalars(select(DialogueConference).where(
            DialogueConference.unit_code.in_(sorted(actor.units)))
            .order_by(DialogueConference.held_on.desc(), DialogueConference.id.desc())).all()
        return [describe(r) for r in rows]


def get(ctx: "EngineContext", actor: "Actor", conference_id: int) -> dict:
    with ctx.uow(write=False) as uow:
        row = trail.visible(uow.session.get(DialogueConference, conference_id), actor,
                            "hội nghị đối thoại")
        trail.check_reader(actor)
        return describe(row)
