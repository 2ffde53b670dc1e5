"""Reception sessions: ad-hoc ones, cancelling or moving one with a reason, recording that it was
held (by the leader in person or by a deputy), and the calendar of a month.

Only sessions the leader held in person count towards the law's minimum (``schedule.compliance``;
the chairman may not delegate periodic reception, Luật 136/2025). An online session (from 2026)
records the participants' notice, sent at least 5 working days ahead, and the reference of its
mandatory recording.
"""
from __future__ import annotations

import calendar as month_calendar
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from engine.errors import InvalidInput, InvalidState
from petitions.reception import trail
from petitions.reception.models import ReceptionSession, ReceptionVisit
from petitions.reception.schedules import POSITION_CHOICES, check_hours, hours_text

if TYPE_CHECKING:
    from engine.accounts.actor import Actor
    from engine.context import EngineContext

ONLINE_NOTICE_WORKING_DAYS = 5
KINDS = {"regular": "Thường xuyên", "periodic": "Định kỳ", "ad_hoc": "Đột xuất"}
STATUSES = {"planned": "Theo lịch", "held": "Đã tiếp", "cancelled": "Đã hủy"}
HELD_BY = {"in_person": "Người đứng đầu trực tiếp tiếp", "deputy": "Cấp phó tiếp thay"}


def _check_online(cal, held_on: date, online: bool, notice_sent_on: date | None) -> None:
    if not online:
        return
    if notice_sent_on is None:
        raise InvalidInput("Tiếp trực tuyến: phải ghi ngày thông báo cho người tham gia")
    if notice_sent_on >= held_on or cal.working_days_between(notice_sent_on, held_on) < \
            ONLINE_NOTICE_WORKING_DAYS:
        raise InvalidInput("Tiếp trực tuyến: phải thông báo cho người tham gia trước ít nhất "
                           f"{ONLINE_NOTICE_WORKING_DAYS:02d} ngày làm việc")


def add_ad_hoc(ctx: "EngineContext", actor: "Actor", *, position: str, leader_name: str,
               held_on: date, place: str, morning: str | None = None,
               afternoon: str | None = None, online: bool = False,
               notice_sent_on: date | None = None) -> dict:
    """An ad-hoc session (tiếp đột xuất) for a complex, urgent case; returns ``{"id"}``."""
    unit = trail.writing_unit(actor)
    if position not in POSITION_CHOICES:
        raise InvalidInput("Chức danh người tiếp không hợp lệ")
    hours = hours_text(check_hours(morning, "buổi sáng"), check_hours(afternoon, "buổi chiều"))
    if not hours:
        raise InvalidInput("Cần ít nhất một buổi tiếp (sáng hoặc chiều)")
    leader = trail.clean(leader_name, "họ tên người tiếp", required=True, limit=200)
    where = trail.clean(place, "địa điểm tiếp", required=True, limit=500)
    _check_online(ctx.calendar(), held_on, online, notice_sent_on)
    with ctx.uow() as uow:
        now = ctx.clock.now()
        row = ReceptionSession(unit_code=unit, kind="ad_hoc", position=position,
                               leader_name=leader, held_on=held_on, hours=hours, place=where,
                               status="planned", online=online, notice_sent_on=notice_sent_on,
                               created_by=actor.username, created_at=now)
        uow.session.add(row)
        uow.session.flush()
        trail.audit(uow.session, unit, actor, "reception_session_added", {
            "session_id": row.id, "held_on": held_on.isoformat(), "position": position,
            "online": online}, now)
        uow.commit()
        return {"id": row.id}


def _planned(uow, actor, session_id: int) -> ReceptionSession:
    row = trail.own(uow.session.get(ReceptionSession, session_id), actor, "phiên tiếp")
    if row.status != "planned":
        raise InvalidState(f"Phiên tiếp ngày {row.held_on:%d/%m/%Y} {STATUSES[row.status].lower()}, "
                           "không thay đổi được")
    return row


def cancel(ctx: "EngineContext", actor: "Actor", session_id: int, reason: str) -> None:
    """Cancel a planned session, with a reason; a session with visits cannot be cancelled."""
    why = trail.clean(reason, "lý do hủy", required=True, limit=2000)
    with ctx.uow() as uow:
        row = _planned(uow, actor, session_id)
        if uow.session.scalar(select(func.count(ReceptionVisit.id)).where(
                ReceptionVisit.session_id == row.id)):
            raise InvalidState("Phiên tiếp đã có lượt tiếp trong sổ, không hủy được")
        now = ctx.clock.now()
        row.status, row.change_reason = "cancelled", why
        trail.audit(uow.session, row.unit_code, actor, "reception_session_cancelled", {
            "session_id": row.id, "held_on": row.held_on.isoformat(), "reason": why}, now)
        uow.commit()


def move(ctx: "EngineContext", actor: "Actor", session_id: int, new_day: date, reason: str) -> None:
    """Move a planned session to another working day, with a reason."""
    why = trail.clean(reason, "lý do dời lịch", required=True, limit=2000)
    if not ctx.calendar().is_working_day(new_day):
        raise InvalidInput(f"Ngày {new_day:%d/%m/%Y} là ngày nghỉ, ngày lễ; chọn ngày làm việc")
    with ctx.uow() as uow:
        row = _planned(uow, actor, session_id)
        if row.held_on == new_day:
            raise InvalidInput("Ngày mới trùng ngày đã lên lịch")
        if uow.session.scalar(select(func.count(ReceptionVisit.id)).where(
                ReceptionVisit.session_id == row.id)):
            raise InvalidState("Phiên tiếp đã có lượt tiếp trong sổ, không dời được")
        now = ctx.clock.now()
        old = row.held_on
        row.moved_from, row.held_on, row.change_reason = old, new_day, why
        trail.audit(uow.session, row.unit_code, actor, "reception_session_moved", {
            "session_id": row.id, "from": old.isoformat(), "to": new_day.isoformat(),
            "reason": why}, now)
        uow.commit()


def record_held(ctx: "EngineContext", actor: "Actor", session_id: int, *, held_by: str,
                deputy_name: str | None = None, recording_ref: str | None = None) -> None:
    """Record that the session took place: the leader in person, or a deputy (named)."""
    if held_by not in HELD_BY:
        raise InvalidInput("Chọn người đứng đầu trực tiếp tiếp hoặc cấp phó tiếp thay")
    deputy = trail.clean(deputy_name, "họ tên cấp phó tiếp thay", required=held_by == "deputy",
                         limit=200)
    recording = trail.clean(recording_ref, "số hiệu bản ghi hình", limit=300)
    with ctx.uow() as uow:
        row = _planned(uow, actor, session_id)
        if row.online and not recording:
            raise InvalidInput("Tiếp trực tuyến: phải ghi số hiệu bản ghi âm, ghi hình (bắt buộc)")
        now = ctx.clock.now()
        if row.held_on > trail.today(now):
            raise InvalidInput(f"Phiên tiếp ngày {row.held_on:%d/%m/%Y} chưa tới")
        row.status, row.held_by = "held", held_by
        row.deputy_name = deputy if held_by == "deputy" else None
        row.recording_ref = recording
        trail.audit(uow.session, row.unit_code, actor, "reception_session_held", {
            "session_id": row.id, "held_by": held_by, "deputy": row.deputy_name,
            "recording_ref": recording}, now)
        uow.commit()


def describe(row: ReceptionSession, visits: int = 0) -> dict:
    return {"id": row.id, "unit_code": row.unit_code, "schedule_id": row.schedule_id,
            "kind": row.kind, "kind_label": KINDS[row.kind], "position": row.position,
            "position_label": POSITION_CHOICES.get(row.position, row.position),
            "leader_name": row.leader_name, "held_on": row.held_on, "hours": row.hours,
            "place": row.place, "status": row.status, "status_label": STATUSES[row.status],
            "moved_from": row.moved_from, "change_reason": row.change_reason,
            "held_by": row.held_by, "held_by_label": HELD_BY.get(row.held_by or "", ""),
            "deputy_name": row.deputy_name, "online": row.online,
            "notice_sent_on": row.notice_sent_on, "recording_ref": row.recording_ref,
            "visits": visits}


def between(ctx: "EngineContext", actor: "Actor", start: date, end: date) -> list[dict]:
    """Sessions of the actor's units held (or planned) in ``start``..``end``, by date."""
    trail.check_reader(actor)
    with ctx.uow(write=False) as uow:
        rows = uow.session.scalars(select(ReceptionSession).where(
            ReceptionSession.unit_code.in_(sorted(actor.units)),
            ReceptionSession.held_on >= start, ReceptionSession.held_on <= end)
            .order_by(ReceptionSession.held_on, ReceptionSession.id)).all()
        counts = dict(uow.session.execute(select(ReceptionVisit.session_id, func.count())
                                          .where(ReceptionVisit.session_id.in_([r.id for r in rows]))
                                          .group_by(ReceptionVisit.session_id)).all())
        return [describe(row, counts.get(row.id, 0)) for row in rows]


def month(ctx: "EngineContext", actor: "Actor", year: int, month_number: int) -> dict:
    """The calendar of a month: weeks of days, each with its sessions."""
    if not (1 <= month_number <= 12 and 1990 <= year <= 2200):
        raise InvalidInput("Tháng không hợp lệ")
    last = month_calendar.monthrange(year, month_number)[1]
    found = between(ctx, actor, date(year, month_number, 1), date(year, month_number, last))
    by_day: dict[date, list[dict]] = {}
    for item in found:
        by_day.setdefault(item["held_on"], []).append(item)
    cal = ctx.calendar()
    weeks = [[None if day.month != month_number else {
        "day": day, "sessions": by_day.get(day, []), "working": cal.is_working_day(day),
        "holiday": cal.holiday_name(day)} for day in week]
        for week in month_calendar.Calendar().monthdatescalendar(year, month_number)]
    return {"year": year, "month": month_number, "weeks": weeks, "sessions": found}


def get(ctx: "EngineContext", actor: "Actor", session_id: int) -> dict:
    with ctx.uow(write=False) as uow:
        # Another unit's session does not exist for anyone there (404 before any role check).
        row = trail.visible(uow.session.get(ReceptionSession, session_id), actor, "phiên tiếp")
        trail.check_reader(actor)
        count = uow.session.scalar(select(func.count(ReceptionVisit.id)).where(
            ReceptionVisit.session_id == row.id))
        return describe(row, count or 0)
