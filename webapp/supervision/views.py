"""Routes of the supervision blueprint. Read-only pages carrying personal data: never cached."""
from __future__ import annotations

import json
import re
from datetime import date

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import select

from engine.errors import InvalidInput
from engine.persistence.models import ProcessInstance
from engine.working_days import VN_TZ
from petitions.identity import rights
from petitions.register import registration
from petitions.supervision import (case_export, dashboard as dashboard_q, diagrams, history,
                                   history_replay, report_letters, reports, search)
from petitions.supervision.report_xlsx import agency as report_agency, to_xlsx
from webapp.engine_access import current_actor, engine_ctx
from webapp.supervision import bp
from webapp.supervision.schemas import (HistoryQuery, IdentitySearchForm, ReportQuery, SearchQuery,
                                        UnsealForm)

SUPERVISING_ROLES = ("supervisor",)  # administrators pass too (roles_required semantics)


@bp.before_request
def supervisors_only():
    """Every route of the blueprint: supervisors and administrators, nobody else (403)."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.has_any(*SUPERVISING_ROLES):
        instance_id = (request.view_args or {}).get("instance_id")
        if instance_id is not None and not _case_visible(instance_id):
            abort(404)  # another unit's case does not exist for this user, whatever the role
        abort(403)
    return None


def _case_visible(instance_id: int) -> bool:
    with engine_ctx().uow(write=False) as uow:
        row = uow.session.execute(select(ProcessInstance.unit_code)
                                  .where(ProcessInstance.id == instance_id)).first()
    return row is not None and current_actor().sees_unit(row.unit_code)


@bp.after_request
def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _load(schema, data) -> dict:
    try:
        return schema.load(data)
    except ValidationError as err:
        fields = ", ".join(sorted(err.messages))
        raise InvalidInput(_("Tham số không hợp lệ: %(fields)s", fields=fields)) from None


@bp.get("/")
def dashboard():
    """Counts by type, field, status and unit; on-time rates; overdue steps and escalations."""
    data = dashboard_q.dashboard(engine_ctx(), current_actor())
    data["audit"] = dashboard_q.audit_alert(current_app.config["PETITIONS_SETTINGS"],
                                            engine_ctx().clock.now())
    charts = {
        "type": _chart(data["by_type"]), "field": _chart(data["by_field"]),
        "status": _chart(data["by_status"]), "unit": _chart(data["by_unit"]),
        "on_time_units": {"labels": [u["name"] for u in data["on_time_units"]],
                          "values": [u["rate"] for u in data["on_time_units"]]},
    }
    return render_template("supervision/dashboard.html", data=data,
                           charts={k: json.dumps(v, ensure_ascii=False) for k, v in charts.items()})


def _chart(pairs) -> dict:
    return {"labels": [label for label, _count in pairs], "values": [count for _label, count in pairs]}


@bp.get("/search")
def search_page():
    """Search petitions and instances; a row links to the instance's history."""
    form = _load(SearchQuery(), request.args)
    filters = search.SearchFilters(
        q=form["q"], petition_type=form["type"], field=form["field"], unit_code=form["unit"],
        status=form["status"], assignee=form["assignee"], received_from=form["received_from"],
        received_to=form["received_to"], active_from=form["active_from"],
        active_to=form["active_to"], overdue=form["overdue"], page=form["page"])
    searched = any(v for k, v in form.items() if k != "page")
    result = search.search(engine_ctx(), filters, current_actor())
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("supervision/search.html", result=result, form=form, args=args,
                           choices=search.choices(engine_ctx()), searched=searched)


@bp.post("/search/identity")
def identity_search():
    """Exact search by a sender's ID number or phone, through its keyed hash. A POST, so the
    number never appears in a URL, the browser history or an access log; the form carries no
    submission key, so the result page is not copied into the database either."""
    if "kind" not in request.form:
        return _main_box_search()
    form = _load(IdentitySearchForm(), request.form)
    result = search.identity_search(engine_ctx(), form["kind"], form["value"], current_actor())
    return render_template("supervision/search.html", result=result,
                           form=_load(SearchQuery(), {}), args={}, identity_kind=form["kind"],
                           choices=search.choices(engine_ctx()), searched=True)


def _main_box_search():
    """The main form POSTs here: an ID number or phone typed in its box is searched at once by
    its keyed hash (it must not reach a URL); any other query goes back to the GET page, whose
    URL can be bookmarked and paged."""
    form = _load(SearchQuery(), request.form)
    kinds = search.identity_kinds(form["q"] or "")
    if not kinds:
        args = {k: v for k, v in request.form.items()
                if k not in ("csrf_token", "page") and v and v.strip()}
        return redirect(url_for("supervision.search_page", **args), code=303)
    result = search.typed_identity_search(engine_ctx(), form["q"], current_actor())
    return render_template("supervision/search.html", result=result,
                           form={**form, "q": None}, args={}, identity_kind=kinds[0],
                           choices=search.choices(engine_ctx()), searched=True)


def _history_page(instance_id: int, *, revealed: list[dict] | None = None):
    query = _load(HistoryQuery(), request.args)
    filters = history_replay.EventFilter(event_type=query["type"], actor=query["actor"],
                                  date_from=query["date_from"], date_to=query["date_to"])
    # The moment is typed in Vietnam time; events are stored in UTC.
    as_of_at = query["as_of_at"].replace(tzinfo=VN_TZ) if query["as_of_at"] else None
    data = history.history(engine_ctx(), instance_id, current_actor(), filters=filters,
                           as_of=query["as_of"], as_of_at=as_of_at)
    petition = data["petition"]
    senders = revealed
    if senders is None and petition:
        senders = registration.senders(engine_ctx(), petition["id"], current_actor())
    markers = {f["index"]: json.dumps(f["markers"]) for f in data["diagram"]["files"]}
    # bpmn-js 18 renders under the app's strict CSP (no inline style or script needed).
    return render_template(
        "supervision/history.html", data=data, query=query, senders=senders or [],
        revealed=revealed is not None, markers=markers,
        can_unseal=bool(petition and petition["sealed"] and revealed is None
                        and rights.can_read_identity(
                            current_actor(), registration.get_petition(engine_ctx(), petition["id"],
                                                                    current_actor()))),
        filtered=any(query[k] for k in ("type", "actor", "date_from", "date_to")))


@bp.get("/instances/<int:instance_id>")
def instance_history(instance_id: int):
    """The diagram with the path taken, the event log, the state as of an event, verification."""
    return _history_page(instance_id)


@bp.post("/instances/<int:instance_id>/identity")
def unseal(instance_id: int):
    """Show a sealed identity for this one response; a reason is required, the engine audits it."""
    form = _load(UnsealForm(), request.form)
    data = history.history(engine_ctx(), instance_id, current_actor())
    if not data["petition"]:
        abort(404)
    revealed = registration.senders(engine_ctx(), data["petition"]["id"], current_actor(),
                                 reason=form["reason"])
    return _history_page(instance_id, revealed=revealed)


@bp.get("/instances/<int:instance_id>/diagram/<int:index>.bpmn")
def diagram(instance_id: int, index: int):
    """One BPMN file of the instance's own deployed version, for the viewer."""
    text = diagrams.diagram_xml(engine_ctx(), instance_id, index, current_actor())
    response = Response(text, mimetype="application/xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/instances/<int:instance_id>/export.docx")
def export_case(instance_id: int):
    """The case file for inspectors (Word): history, documents, the chain's head hash."""
    case = case_export.case_file(engine_ctx(), instance_id, current_actor())
    name = (case["petition"]["number"] if case["petition"] else f"ho-so-{instance_id}")
    response = Response(case_export.to_docx(case), mimetype=case_export.DOCX_TYPE)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="ho-so-vu-viec-{_safe_name(name)}.docx"')
    return response


def _report_params():
    query = _load(ReportQuery(), request.args)
    today = engine_ctx().clock.now().astimezone(VN_TZ).date()
    kind = query["kind"] or "month"
    year = query["year"] or today.year
    index = query["index"] if query["kind"] else today.month
    try:
        period = report_letters.period(kind, year, index)
    except ValueError as err:
        raise InvalidInput(_("Kỳ báo cáo không hợp lệ: %(reason)s", reason=str(err))) from None
    return query, period


@bp.get("/reports")
def reports_page():
    """A periodic report for a unit and a period, with how each figure is computed."""
    query, period = _report_params()
    report = reports.build(engine_ctx(), period, query["unit"], units=current_actor().units) if query["kind"] else None
    return render_template("supervision/reports.html", report=report, query=query, period=period,
                           kinds=report_letters.PERIOD_KINDS, units=search.choices(engine_ctx())["unit"],
                           years=_years())


@bp.get("/reports.xlsx")
def report_xlsx():
    """The same report as an Excel workbook (openpyxl)."""
    query, period = _report_params()
    report = reports.build(engine_ctx(), period, query["unit"], units=current_actor().units)
    # Signed by the report's unit, or the reader's own for "all units" (NĐ 30/2020 layout).
    issuer = report_agency(engine_ctx(), query["unit"] or current_actor().unit)
    response = Response(to_xlsx(report, issuer), mimetype=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    unit = _safe_name(query["unit"] or "tat-ca")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="bao-cao-{period.kind}-{period.year}-{period.index}-{unit}.xlsx"')
    return response


def _years() -> list[int]:
    this_year = engine_ctx().clock.now().astimezone(VN_TZ).year
    return list(range(this_year, this_year - 6, -1))


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text)[:80] or "x"


@bp.app_template_filter("sv_when")
def sv_when(value) -> str:
    """dd/mm/yyyy for a date, dd/mm/yyyy HH:MM for a datetime (already in Vietnam time)."""
    if value is None:
        return "—"
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value.strftime("%d/%m/%Y")
    return value.strftime("%d/%m/%Y %H:%M")
