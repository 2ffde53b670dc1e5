"""Routes of the register of complex cases. Another unit's entry (or milestone) is 404 for
everyone, before any role check; a refused or invalid command is one flashed Vietnamese line and
changes nothing (each command is one unit of work)."""
from __future__ import annotations

from datetime import date

from flask import (Response, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from engine.errors import EngineError, FormInvalid, NotFound
from petitions.persistence.complex_models import ComplexCase, ComplexMilestone
from petitions.persistence.models import Petition
from petitions.supervision.complex import cases as cc
from petitions.supervision.complex import queries as cq
from petitions.supervision.complex import xlsx as complex_xlsx
from webapp.complex_cases import bp
from webapp.engine_access import current_actor, engine_ctx

READERS = ("head_of_unit", "supervisor", "handling_officer")
REPORT_READERS = ("head_of_unit", "supervisor")


@bp.after_request
def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _require(*roles: str):
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.has_any(*roles):
        abort(403)
    return None


def _require_case(case_id: int | None):
    """Login, then the entry must belong to one of the reader's units (else 404), then a role."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    with engine_ctx().uow(write=False) as uow:
        unit = uow.session.scalar(select(ComplexCase.unit_code).where(
            ComplexCase.id == case_id)) if case_id is not None else None
    if unit is None or unit not in current_actor().units:
        abort(404)
    return _require(*READERS)


def _case_of_milestone(milestone_id: int) -> int | None:
    with engine_ctx().uow(write=False) as uow:
        return uow.session.scalar(select(ComplexMilestone.case_id).where(
            ComplexMilestone.id == milestone_id))


def _message(err: EngineError) -> str:
    if isinstance(err, FormInvalid):
        return "; ".join(dict.fromkeys(err.errors.values()))
    return err.message


def _date(name: str) -> date | None:
    value = (request.form.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FormInvalid({name: _("Ngày không hợp lệ (ngày/tháng/năm)")}) from None


def _run(command, back: str, done: str):
    """Run one command; its error is flashed on the page it came from."""
    try:
        command()
    except NotFound:
        abort(404)
    except EngineError as err:
        flash(_message(err), "error")
        return redirect(back, code=303)
    flash(done, "success")
    return redirect(back, code=303)


def _period() -> tuple[int, int]:
    today = cc.today(engine_ctx())
    year, quarter = request.args.get("nam", ""), request.args.get("quy", "")
    year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else today.year
    quarter = int(quarter) if quarter in ("1", "2", "3", "4") else (today.month - 1) // 3 + 1
    return year, quarter


@bp.get("/")
def index():
    """The register of the reader's units (a supervisor: their scopes); candidates for heads."""
    if (denied := _require(*READERS)) is not None:
        return denied
    actor = current_actor()
    status = request.args.get("trang_thai") if request.args.get("trang_thai") in cc.STATUSES \
        else None
    marker = request.args.get("loai") if request.args.get("loai") in cc.MARKERS else None
    entries = cq.register(engine_ctx(), actor, status=status, marker=marker)
    head = bool(cc.HEADS & actor.roles)
    candidates = cq.candidates(engine_ctx(), actor) if head else []
    return render_template("complex_cases/index.html", entries=entries, candidates=candidates,
                           head=head, markers=cc.MARKERS, statuses=cc.STATUSES, status=status,
                           marker=marker)


@bp.post("/vao-so")
def enter():
    if (denied := _require("head_of_unit")) is not None:
        return denied
    back = url_for("complex_cases.index")
    raw = (request.form.get("petition_id") or "").strip()
    number = (request.form.get("number") or "").strip()[:100]
    if number and not raw:   # the head types the letter's number, as written in the register
        with engine_ctx().uow(write=False) as uow:
            found = uow.session.scalar(select(Petition.id).where(
                Petition.number == number, Petition.unit_code == current_actor().unit))
        raw = str(found) if found else ""
        if not raw:
            flash(_("Không tìm thấy đơn số %(n)s trong đơn vị", n=number), "error")
            return redirect(back, code=303)
    if not raw.isdigit():
        flash(_("Chưa chọn đơn hoặc số đơn không hợp lệ"), "error")
        return redirect(back, code=303)
    try:
        made = cc.enter(engine_ctx(), current_actor(), int(raw),
                        markers=request.form.getlist("markers"),
                        reason=request.form.get("reason", ""))
    except NotFound as err:
        flash(err.message, "error")
        return redirect(back, code=303)
    except EngineError as err:
        flash(_message(err), "error")
        return redirect(back, code=303)
    flash(_("Đã đưa vụ việc vào sổ theo dõi."), "success")
    return redirect(url_for("complex_cases.entry", case_id=made["id"]), code=303)


@bp.get("/<int:case_id>")
def entry(case_id: int):
    if (denied := _require_case(case_id)) is not None:
        return denied
    data = cq.get(engine_ctx(), current_actor(), case_id)
    today = cc.today(engine_ctx())
    return render_template("complex_cases/entry.html", e=data, today=today,
                           milestone_statuses=cc.MILESTONE_STATUSES, statuses=cc.STATUSES,
                           quarter=(today.month - 1) // 3 + 1)


@bp.post("/<int:case_id>/ke-hoach")
def plan(case_id: int):
    if (denied := _require_case(case_id)) is not None:
        return denied
    form = request.form
    return _run(lambda: cc.set_plan(engine_ctx(), current_actor(), case_id,
                                    plan=form.get("plan", ""), owner=form.get("owner", ""),
                                    working_group=form.getlist("working_group")),
                url_for("complex_cases.entry", case_id=case_id),
                _("Đã lưu kế hoạch, người chủ trì và tổ công tác."))


@bp.post("/<int:case_id>/moc")
def add_milestone(case_id: int):
    if (denied := _require_case(case_id)) is not None:
        return denied
    return _run(lambda: cc.add_milestone(engine_ctx(), current_actor(), case_id,
                                         title=request.form.get("title", ""),
                                         due_on=_date("due_on")),
                url_for("complex_cases.entry", case_id=case_id), _("Đã thêm mốc vào lộ trình."))


@bp.post("/moc/<int:milestone_id>")
def update_milestone(milestone_id: int):
    case_id = _case_of_milestone(milestone_id)
    if (denied := _require_case(case_id)) is not None:
        return denied
    return _run(lambda: cc.update_milestone(engine_ctx(), current_actor(), milestone_id,
                                            status=request.form.get("status", ""),
                                            done_on=_date("done_on"),
                                            note=request.form.get("note")),
                url_for("complex_cases.entry", case_id=case_id), _("Đã cập nhật mốc."))


@bp.post("/<int:case_id>/trang-thai")
def set_status(case_id: int):
    if (denied := _require_case(case_id)) is not None:
        return denied
    return _run(lambda: cc.set_status(engine_ctx(), current_actor(), case_id,
                                      status=request.form.get("status", ""),
                                      note=request.form.get("note", "")),
                url_for("complex_cases.entry", case_id=case_id), _("Đã cập nhật trạng thái."))


@bp.post("/<int:case_id>/bao-cao-quy")
def quarter_report(case_id: int):
    if (denied := _require_case(case_id)) is not None:
        return denied
    year, quarter = request.form.get("year", ""), request.form.get("quarter", "")

    def command():
        if not (year.isdigit() and quarter.isdigit()):
            raise FormInvalid({"quarter": _("Quý báo cáo không hợp lệ")})
        cc.write_quarter_report(engine_ctx(), current_actor(), case_id, year=int(year),
                                quarter=int(quarter), text=request.form.get("text", ""))
    return _run(command, url_for("complex_cases.entry", case_id=case_id),
                _("Đã lưu báo cáo quý."))


@bp.get("/bao-cao")
def report_page():
    """The ad-hoc report on complex cases for one quarter (seed 003: báo cáo đột xuất)."""
    if (denied := _require(*REPORT_READERS)) is not None:
        return denied
    year, quarter = _period()
    report = cq.adhoc_report(engine_ctx(), current_actor(), year=year, quarter=quarter)
    return render_template("complex_cases/report.html", r=report, markers=cc.MARKERS)


@bp.get("/bao-cao.xlsx")
def report_xlsx():
    if (denied := _require(*REPORT_READERS)) is not None:
        return denied
    year, quarter = _period()
    report = cq.adhoc_report(engine_ctx(), current_actor(), year=year, quarter=quarter)
    content = complex_xlsx.to_xlsx(engine_ctx(), current_actor(), report)
    return Response(content, mimetype="application/vnd.openxmlformats-officedocument."
                                      "spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename="
                             f"vu-viec-phuc-tap-quy-{quarter}-{year}.xlsx",
                             "Cache-Control": "no-store"})
