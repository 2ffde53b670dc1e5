"""Routes: the calendar and schedules, sessions, the visit form and the ID-number lookup."""
from __future__ import annotations

from datetime import date

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import EngineError, InvalidInput
from engine.working_days import VN_TZ
from petitions.reception import book, book_queries, conclusions, schedules, sessions
from petitions.reception.book import OUTCOMES, PETITION_TYPES, REFUSAL_GROUNDS, Citizen, Visit
from petitions.reception.models import ReceptionSchedule, ReceptionSession
from petitions.reception.schedule import parse_days
from petitions.register import addresses
from webapp.citizen_reception import bp
from webapp.citizen_reception.access import (READERS, WRITERS, back_with_error, message_of,
                                             parse_date, require, require_row)
from webapp.engine_access import current_actor, engine_ctx

MAX_CITIZEN_ROWS = 5


def _today() -> date:
    return engine_ctx().clock.now().astimezone(VN_TZ).date()


def _month_arg() -> tuple[int, int]:
    text = request.args.get("thang", "")
    try:
        year, month = (int(part) for part in text.split("-"))
        if 1990 <= year <= 2200 and 1 <= month <= 12:
            return year, month
    except ValueError:
        pass
    today = _today()
    return today.year, today.month


@bp.get("/")
def calendar():
    """The schedule calendar of a month, the published schedules, the ad-hoc session form."""
    if (denied := require(*READERS)) is not None:
        return denied
    year, month = _month_arg()
    data = sessions.month(engine_ctx(), current_actor(), year, month)
    prev_month = f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"
    next_month = f"{year + 1}-01" if month == 12 else f"{year}-{month + 1:02d}"
    return render_template("citizen_reception/calendar.html", data=data,
                           schedules=schedules.all_of(engine_ctx(), current_actor()),
                           positions=schedules.POSITION_CHOICES, prev_month=prev_month,
                           next_month=next_month, today=_today(),
                           default_morning=schedules.DEFAULT_MORNING,
                           default_afternoon=schedules.DEFAULT_AFTERNOON)


@bp.post("/lich")
def new_schedule():
    if (denied := require(*WRITERS)) is not None:
        return denied
    form = request.form
    back = url_for("citizen_reception.calendar")
    try:
        weekday = int(form["weekday"]) if form.get("rule") == "weekly" and form.get("weekday") else None
        days = parse_days(form.get("monthly_days", "")) \
            if form.get("rule") == "monthly" else ()
        schedules.create(engine_ctx(), current_actor(), position=form.get("position", ""),
                         leader_name=form.get("leader_name", ""), place=form.get("place", ""),
                         weekday=weekday, monthly_days=days, morning=form.get("morning"),
                         afternoon=form.get("afternoon"))
    except ValueError:
        return back_with_error(InvalidInput(_("Thứ trong tuần không hợp lệ")), back)
    except EngineError as err:
        return back_with_error(err, back)
    return redirect(back, code=303)


@bp.post("/lich/<int:schedule_id>/len-lich")
def plan_schedule(schedule_id: int):
    if (denied := require_row(ReceptionSchedule, schedule_id, *WRITERS)) is not None:
        return denied
    start, end = parse_date(request.form.get("start")), parse_date(request.form.get("end"))
    back = url_for("citizen_reception.calendar", thang=f"{start:%Y-%m}" if start else None)
    if start is None or end is None:
        return back_with_error(InvalidInput(_("Chọn từ ngày và đến ngày")), back)
    try:
        schedules.plan(engine_ctx(), current_actor(), schedule_id, start, end)
    except EngineError as err:
        return back_with_error(err, back)
    return redirect(back, code=303)


@bp.post("/phien")
def new_session():
    if (denied := require(*WRITERS)) is not None:
        return denied
    form = request.form
    held_on = parse_date(form.get("held_on"))
    back = url_for("citizen_reception.calendar")
    if held_on is None:
        return back_with_error(InvalidInput(_("Chọn ngày tiếp")), back)
    try:
        created = sessions.add_ad_hoc(
            engine_ctx(), current_actor(), position=form.get("position", ""),
            leader_name=form.get("leader_name", ""), held_on=held_on, place=form.get("place", ""),
            morning=form.get("morning"), afternoon=form.get("afternoon"),
            online=form.get("online") == "1", notice_sent_on=parse_date(form.get("notice_sent_on")))
    except EngineError as err:
        return back_with_error(err, back)
    return redirect(url_for("citizen_reception.session", session_id=created["id"]), code=303)


@bp.get("/phien/<int:session_id>")
def session(session_id: int):
    """One session: its visits (the book's rows), its conclusions, what can be done next."""
    if (denied := require_row(ReceptionSession, session_id, *READERS)) is not None:
        return denied
    ctx, actor = engine_ctx(), current_actor()
    data = sessions.get(ctx, actor, session_id)
    visits = book_queries.rows(ctx, actor, book_queries.BookFilter(session_id=session_id))
    return render_template("citizen_reception/session.html", s=data, visits=visits,
                           registrations=_registrations(session_id),
                           conclusions=conclusions.all_of(ctx, actor, session_id=session_id),
                           held_by=sessions.HELD_BY, units=_units(), today=_today())


def _registrations(session_id: int) -> list[dict]:
    """Citizens who registered online for the session (the citizens' pages): the list staff
    prepare the session from."""
    from petitions.citizens.appointments import for_session
    return for_session(engine_ctx(), current_actor(), session_id)


def _units() -> list[tuple[str, str]]:
    from engine.accounts.access import unit_choices
    return unit_choices(engine_ctx())


def _session_action(session_id: int, action) -> object:
    if (denied := require_row(ReceptionSession, session_id, *WRITERS)) is not None:
        return denied
    back = url_for("citizen_reception.session", session_id=session_id)
    try:
        action()
    except EngineError as err:
        return back_with_error(err, back)
    return redirect(back, code=303)


@bp.post("/phien/<int:session_id>/da-tiep")
def session_held(session_id: int):
    form = request.form
    return _session_action(session_id, lambda: sessions.record_held(
        engine_ctx(), current_actor(), session_id, held_by=form.get("held_by", ""),
        deputy_name=form.get("deputy_name"), recording_ref=form.get("recording_ref")))


@bp.post("/phien/<int:session_id>/huy")
def session_cancel(session_id: int):
    return _session_action(session_id, lambda: sessions.cancel(
        engine_ctx(), current_actor(), session_id, request.form.get("reason", "")))


@bp.post("/phien/<int:session_id>/doi")
def session_move(session_id: int):
    new_day = parse_date(request.form.get("new_day"))

    def move():
        if new_day is None:
            raise InvalidInput(_("Chọn ngày mới"))
        sessions.move(engine_ctx(), current_actor(), session_id, new_day,
                      request.form.get("reason", ""))
    return _session_action(session_id, move)


def _citizens(form) -> list[Citizen]:
    people = []
    for i in range(MAX_CITIZEN_ROWS):
        name = (form.get(f"citizens.{i}.name") or "").strip()
        if not name:
            continue
        people.append(Citizen(
            name=name, id_number=(form.get(f"citizens.{i}.id_number") or "").strip() or None,
            province_code=form.get(f"citizens.{i}.province_code") or None,
            ward_code=form.get(f"citizens.{i}.ward_code") or None,
            address_detail=(form.get(f"citizens.{i}.address_detail") or "").strip() or None,
            is_representative=form.get(f"citizens.{i}.is_representative") == "1"))
    return people


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return -1


@bp.route("/phien/<int:session_id>/luot-tiep", methods=["GET", "POST"])
def visit_form(session_id: int):
    """The visit form: fast to fill at the desk; earlier visits shown when the ID is typed."""
    if (denied := require_row(ReceptionSession, session_id, *WRITERS)) is not None:
        return denied
    ctx, actor = engine_ctx(), current_actor()
    data = sessions.get(ctx, actor, session_id)
    values, error, errors = dict(request.form), None, {}
    if request.method == "POST":
        form = request.form
        visited_on = parse_date(form.get("visited_on")) or data["held_on"]
        try:
            recorded = book.record(ctx, actor, Visit(
                visited_on=visited_on, session_id=session_id, content=form.get("content", ""),
                petition_type=form.get("petition_type", ""), citizens=_citizens(form),
                people=_int(form.get("people"), 1), prior_handling=form.get("prior_handling"),
                request=form.get("request"), outcome=form.get("outcome", ""),
                outcome_note=form.get("outcome_note"), transferred_to=form.get("transferred_to"),
                refusal_ground=form.get("refusal_ground") or None,
                field=form.get("field") or "other"))
        except EngineError as err:
            error, errors = message_of(err), getattr(err, "errors", {})
        else:
            note = _("Đã ghi lượt tiếp số %(n)d vào sổ.", n=recorded["seq"])
            if recorded["petition"]:
                note += " " + _("Đã vào sổ đơn số %(number)s.", number=recorded["petition"]["number"])
            flash(note, "success")
            return redirect(url_for("citizen_reception.session", session_id=session_id), code=303)
    status = 422 if error else 200
    return render_template("citizen_reception/visit_form.html", s=data, values=values,
                           error=error, errors=errors, rows=range(MAX_CITIZEN_ROWS),
                           outcomes=OUTCOMES, grounds=REFUSAL_GROUNDS, types=PETITION_TYPES,
                           provinces=addresses.provinces()), status


@bp.post("/tra-cuu")
def lookup():
    """Earlier visits and letters of an ID number (JSON). A POST: the number never reaches a
    URL or an access log; the lookup is audited (its counts, not the number)."""
    if (denied := require("reception_officer", "head_of_unit", "supervisor")) is not None:
        return denied
    try:
        found = book_queries.lookup(engine_ctx(), current_actor(), request.form.get("id_number", ""))
    except EngineError as err:
        return jsonify({"error": message_of(err)}), 400 if isinstance(err, InvalidInput) else 403
    return jsonify({
        "visits": [{**v, "visited_on": f"{v['visited_on']:%d/%m/%Y}"} for v in found["visits"]],
        "letters": [{**p, "received_on": f"{p['received_on']:%d/%m/%Y}"}
                    for p in found["letters"]]})
