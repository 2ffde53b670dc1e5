"""Published reception schedules (lịch tiếp công dân) and the sessions they plan.

A schedule belongs to one leader position of a unit (or to the desk) and holds one rule of
``schedule.py``. Planning a period turns the rule's dates, moved past rest days and holidays by
the working-day calendar, into ``reception_sessions`` rows, once each: planning again skips the
dates already planned (a cancelled or moved session stays as the officer left it).
"""
from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.errors import InvalidInput
from petitions.reception import trail
from petitions.reception.models import ReceptionSchedule, ReceptionSession
from petitions.reception.schedule import (AFTERNOON, MORNING, POSITIONS, Rule, nominal_dates)

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.context import EngineContext

DESK = "desk"   # the reception desk's regular reception (tiếp thường xuyên)
POSITION_CHOICES = {**POSITIONS, DESK: "Bộ phận tiếp công dân (thường xuyên)"}
DEFAULT_MORNING = f"{MORNING[0]:%H:%M}-{MORNING[1]:%H:%M}"
DEFAULT_AFTERNOON = f"{AFTERNOON[0]:%H:%M}-{AFTERNOON[1]:%H:%M}"
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


def check_hours(value: str | None, label: str) -> str | None:
    """``"07:30-11:30"``, or None for no session that half-day; a clear error otherwise."""
    text = (value or "").strip().replace(" ", "")
    if not text:
        return None
    match = _HOURS.match(text)
    if not match or text[:5] >= text[6:]:
        raise InvalidInput(f"Giờ tiếp {label} không hợp lệ '{value}' (ví dụ 07:30-11:30)")
    return text


def hours_text(morning: str | None, afternoon: str | None) -> str:
    return ", ".join(h for h in (morning, afternoon) if h)


def create(ctx: "EngineContext", actor: "Actor", *, position: str, leader_name: str,
           place: str, weekday: int | None = None, monthly_days: tuple[int, ...] = (),
           morning: str | None = DEFAULT_MORNING, afternoon: str | None = DEFAULT_AFTERNOON) -> dict:
    """Publish a schedule for the actor's unit; returns ``{"id"}``."""
    unit = trail.writing_unit(actor)
    if position not in POSITION_CHOICES:
        raise InvalidInput("Chức danh người tiếp không hợp lệ")
    rule = Rule(weekday=weekday, monthly_days=tuple(monthly_days))
    morning, afternoon = check_hours(morning, "buổi sáng"), check_hours(afternoon, "buổi chiều")
    if not (morning or afternoon):
        raise InvalidInput("Cần ít nhất một buổi tiếp (sáng hoặc chiều)")
    leader = trail.clean(leader_name, "họ tên người tiếp", required=True, limit=200)
    where = trail.clean(place, "địa điểm tiếp", required=True, limit=500)
    with ctx.uow() as uow:
        now = ctx.clock.now()
        row = ReceptionSchedule(unit_code=unit, position=position, leader_name=leader,
                                weekday=rule.weekday, monthly_days=sorted(set(rule.monthly_days)),
                                morning=morning, afternoon=afternoon, place=where, active=True,
                                created_by=actor.username, created_at=now)
        uow.session.add(row)
        uow.session.flush()
        trail.audit(uow.session, unit, actor, "reception_schedule_created", {
            "schedule_id": row.id, "position": position, "rule": rule.describe(),
            "hours": hours_text(morning, afternoon)}, now)
        uow.commit()
        return {"id": row.id}


def rule_of(row: ReceptionSchedule) -> Rule:
    return Rule(weekday=row.weekday, monthly_days=tuple(row.monthly_days or ()))


def plan(ctx: "EngineContext", actor: "Actor", schedule_id: int, start: date, end: date) -> dict:
    """Create the sessions of ``start``..``end`` not planned yet; returns the new dates."""
    cal = ctx.calendar()
    with ctx.uow() as uow:
        row = trail.own(uow.session.get(ReceptionSchedule, schedule_id), actor, "lịch tiếp")
        if not row.active:
            raise InvalidInput("Lịch tiếp này đã ngừng áp dụng")
        nominal = list(nominal_dates(rule_of(row), start, end))
        known = set(uow.session.scalars(select(ReceptionSession.nominal_on).where(
            ReceptionSession.schedule_id == row.id)))
        taken = set(uow.session.scalars(select(ReceptionSession.held_on).where(
            ReceptionSession.schedule_id == row.id, ReceptionSession.status != "cancelled")))
        now = ctx.clock.now()
        created = []
        for day in nominal:
            held_on = cal.next_working_day(day)
            # Two nominal dates moved onto one working day give one session (issue 17 §1).
            if day in known or held_on in taken:
                continue
            taken.add(held_on)
            uow.session.add(ReceptionSession(
                unit_code=row.unit_code, schedule_id=row.id, nominal_on=day,
                kind="regular" if row.position == DESK else "periodic", position=row.position,
                leader_name=row.leader_name, held_on=held_on,
                hours=hours_text(row.morning, row.afternoon), place=row.place, status="planned",
                moved_from=day if held_on != day else None,
                change_reason=("Trùng ngày nghỉ, ngày lễ: chuyển sang ngày làm việc kế tiếp"
                               if held_on != day else None),
                online=False, created_by=actor.username, created_at=now))
            created.append(held_on)
        if created:
            trail.audit(uow.session, row.unit_code, actor, "reception_sessions_planned", {
                "schedule_id": row.id, "from": start.isoformat(), "to": end.isoformat(),
                "dates": [d.isoformat() for d in created]}, now)
        uow.commit()
    return {"created": [d.isoformat() for d in sorted(created)]}


def all_of(ctx: "EngineContext", actor: "Actor") -> list[dict]:
    """The schedules of the actor's units, newest first."""
    trail.check_reader(actor)
    with ctx.uow(write=False) as uow:
        rows = uow.session.scalars(select(ReceptionSchedule).where(
            ReceptionSchedule.unit_code.in_(sorted(actor.units)))
            .order_by(ReceptionSchedule.id.desc())).all()
        return [describe(row) for row in rows]


def describe(row: ReceptionSchedule) -> dict:
    return {"id": row.id, "unit_code": row.unit_code, "position": row.position,
            "position_label": POSITION_CHOICES.get(row.position, row.position),
            "leader_name": row.leader_name, "rule": rule_of(row).describe(),
            "hours": hours_text(row.morning, row.afternoon), "place": row.place,
            "active": row.active}
