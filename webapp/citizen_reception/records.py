"""Routes: the reception book (search, print, XLSX), conclusions and dialogue conferences."""
from __future__ import annotations

from datetime import date

from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import EngineError, InvalidInput, NotFound
from engine.working_days import VN_TZ
from petitions.reception import book_queries, book_xlsx, conclusions, conferences
from petitions.reception.book import OUTCOMES
from petitions.reception.conclusions import Assignment
from petitions.reception.models import (DialogueConference, ReceptionConclusion,
                                        ReceptionSession, ReceptionVisit)
from petitions.reception.sessions import KINDS
from webapp.citizen_reception import bp
from webapp.citizen_reception.access import (READERS, WRITERS, back_with_error, parse_date,
                                             require, require_row)
from webapp.engine_access import current_actor, engine_ctx

MAX_ASSIGNMENT_ROWS = 5


def _today() -> date:
    return engine_ctx().clock.now().astimezone(VN_TZ).date()


def _filters() -> book_queries.BookFilter:
    args = request.args
    year = args.get("nam", "")
    return book_queries.BookFilter(
        year=int(year) if year.isdigit() and 1990 <= int(year) <= 2200 else None,
        start=parse_date(args.get("tu")), end=parse_date(args.get("den")),
        q=(args.get("q") or "")[:200] or None,
        kind=args.get("hinh_thuc") if args.get("hinh_thuc") in KINDS else None,
        outcome=args.get("xu_ly") if args.get("xu_ly") in OUTCOMES else None)


@bp.get("/so")
def book_page():
    """The reception book, searchable by content, dates, kind and outcome."""
    if (denied := require(*READERS)) is not None:
        return denied
    rows = book_queries.rows(engine_ctx(), current_actor(), _filters())
    args = {k: v for k, v in request.args.items() if v}
    return render_template("citizen_reception/book.html", rows=rows, args=args, kinds=KINDS,
                           outcomes=OUTCOMES)


@bp.get("/so/in")
def book_print():
    """The book as printed (A4 landscape, the agency header, the signature block)."""
    if (denied := require(*READERS)) is not None:
        return denied
    from petitions.agencies.profiles import agency_for
    ctx = engine_ctx()
    with ctx.uow(write=False) as uow:
        agency = agency_for(uow.session, current_actor().unit, ctx.clock.now())
    rows = book_queries.rows(ctx, current_actor(), _filters())
    return render_template("citizen_reception/book_print.html", rows=rows, agency=agency,
                           today=_today())


@bp.get("/so.xlsx")
def book_xlsx_file():
    if (denied := require(*READERS)) is not None:
        return denied
    filters = _filters()
    rows = book_queries.rows(engine_ctx(), current_actor(), filters)
    subtitle = _("Năm %(year)s", year=filters.year) if filters.year else _("Tất cả các năm")
    content = book_xlsx.to_xlsx(engine_ctx(), current_actor().unit, rows, subtitle, _today())
    return Response(content, mimetype="application/vnd.openxmlformats-officedocument."
                                      "spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=so-tiep-cong-dan.xlsx",
                             "Cache-Control": "no-store"})


@bp.get("/luot-tiep/<int:visit_id>/thong-bao-tu-choi")
def refusal_notice(visit_id: int):
    """The notice refusing reception (LTCD Điều 9), printable, for a refused visit only."""
    if (denied := require_row(ReceptionVisit, visit_id, *READERS)) is not None:
        return denied
    from petitions.agencies.profiles import agency_for
    from petitions.reception.book import REFUSAL_GROUNDS
    ctx = engine_ctx()
    visit = book_queries.get(ctx, current_actor(), visit_id)
    if visit["outcome"] != "refused":
        abort(404)
    with ctx.uow(write=False) as uow:
        agency = agency_for(uow.session, visit["unit_code"], ctx.clock.now())
    return render_template("citizen_reception/refusal_notice.html", v=visit, agency=agency,
                           ground=REFUSAL_GROUNDS[visit["refusal_ground"]], today=_today())


@bp.get("/luot-tiep/<int:visit_id>/thong-bao-tu-choi.docx")
def refusal_notice_docx(visit_id: int):
    """The same notice as a Word document from the forms' template VB-TU-CHOI-TIEP (issue 16)."""
    if (denied := require_row(ReceptionVisit, visit_id, *READERS)) is not None:
        return denied
    import io

    from flask import send_file

    from petitions.reception.refusal import refusal_notice as make_notice
    try:
        content, name = make_notice(engine_ctx(), current_actor(), visit_id)
    except NotFound:
        abort(404)
    response = send_file(io.BytesIO(content), as_attachment=True, download_name=name,
                         mimetype="application/vnd.openxmlformats-officedocument."
                                  "wordprocessingml.document", conditional=False, etag=False)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/ket-luan")
def conclusions_page():
    """Every conclusion with each assignment's follow-up state."""
    if (denied := require(*READERS)) is not None:
        return denied
    return render_template("citizen_reception/conclusions.html",
                           conclusions=conclusions.all_of(engine_ctx(), current_actor()),
                           today=_today())


@bp.post("/ket-luan/<int:conclusion_id>/mttq")
def front_monitoring(conclusion_id: int):
    if (denied := require_row(ReceptionConclusion, conclusion_id, *WRITERS)) is not None:
        return denied
    back = url_for("citizen_reception.conclusions_page")
    try:
        on = parse_date(request.form.get("on"))
        if on is None:
            raise InvalidInput(_("Chọn ngày giám sát"))
        conclusions.record_front_monitoring(engine_ctx(), current_actor(), conclusion_id,
                                            request.form.get("note", ""), on)
    except EngineError as err:
        return back_with_error(err, back)
    return redirect(back, code=303)


def _assignments(form) -> list[Assignment]:
    found = []
    for i in range(MAX_ASSIGNMENT_ROWS):
        unit = (form.get(f"assignments.{i}.unit_code") or "").strip()
        if not unit:
            continue
        deadline = parse_date(form.get(f"assignments.{i}.deadline"))
        if deadline is None:
            raise InvalidInput(_("Nhiệm vụ %(n)d: chọn thời hạn", n=i + 1))
        found.append(Assignment(unit, form.get(f"assignments.{i}.owner", ""),
                                form.get(f"assignments.{i}.task", ""),
                                form.get(f"assignments.{i}.required_result", ""), deadline))
    return found


def _issue(back: str, **source) -> object:
    form = request.form
    try:
        issued_on = parse_date(form.get("issued_on"))
        if issued_on is None:
            raise InvalidInput(_("Chọn ngày ban hành kết luận"))
        conclusions.issue(engine_ctx(), current_actor(), number=form.get("number", ""),
                          issued_on=issued_on, leader_name=form.get("leader_name", ""),
                          summary=form.get("summary", ""), assignments=_assignments(form),
                          **source)
    except EngineError as err:
        return back_with_error(err, back)
    return redirect(back, code=303)


@bp.post("/phien/<int:session_id>/ket-luan")
def session_conclusion(session_id: int):
    if (denied := require_row(ReceptionSession, session_id, *WRITERS)) is not None:
        return denied
    return _issue(url_for("citizen_reception.session", session_id=session_id),
                  session_id=session_id)


@bp.route("/doi-thoai", methods=["GET", "POST"])
def conferences_page():
    """Dialogue conferences: the list, and the form recording one held."""
    if (denied := require(*(WRITERS if request.method == "POST" else READERS))) is not None:
        return denied
    back = url_for("citizen_reception.conferences_page")
    if request.method == "POST":
        form = request.form
        try:
            held_on = parse_date(form.get("held_on"))
            if held_on is None:
                raise InvalidInput(_("Chọn ngày hội nghị"))
            created = conferences.create(
                engine_ctx(), current_actor(), title=form.get("title", ""),
                chair=form.get("chair", ""),
                participant_groups=(form.get("participant_groups") or "").splitlines(),
                held_on=held_on, place=form.get("place", ""), minutes=form.get("minutes", ""))
        except EngineError as err:
            return back_with_error(err, back)
        return redirect(url_for("citizen_reception.conference", conference_id=created["id"]),
                        code=303)
    return render_template("citizen_reception/conferences.html",
                           conferences=conferences.all_of(engine_ctx(), current_actor()),
                           today=_today())


@bp.get("/doi-thoai/<int:conference_id>")
def conference(conference_id: int):
    if (denied := require_row(DialogueConference, conference_id, *READERS)) is not None:
        return denied
    from engine.accounts.access import unit_choices
    ctx, actor = engine_ctx(), current_actor()
    return render_template("citizen_reception/conference.html",
                           c=conferences.get(ctx, actor, conference_id),
                           conclusions=conclusions.all_of(ctx, actor, conference_id=conference_id),
                           units=unit_choices(ctx), today=_today())


@bp.post("/doi-thoai/<int:conference_id>/ket-luan")
def conference_conclusion(conference_id: int):
    if (denied := require_row(DialogueConference, conference_id, *WRITERS)) is not None:
        return denied
    return _issue(url_for("citizen_reception.conference", conference_id=conference_id),
                  conference_id=conference_id)
