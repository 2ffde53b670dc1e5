"""Routes of the registers blueprint. Files carrying personal data: never cached."""
from __future__ import annotations

import re

from flask import Response, render_template, request
from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate

from engine.errors import InvalidInput
from engine.working_days import VN_TZ
from petitions.supervision import letter_register
from petitions.identity import rights
from petitions.supervision import report_letters
from petitions.supervision.search import choices
from webapp.engine_access import current_actor, engine_ctx, roles_required
from webapp.registers import bp
from webapp.supervision.schemas import ReportQuery

REGISTER_ROLES = ("head_of_unit", "supervisor")   # administrators pass too, identities never


class RevealForm(ReportQuery):
    """The period of the POSTed download, and the reason the engine checks (one rule)."""

    reason = fields.String(load_default="", validate=validate.Length(max=1000))


@bp.after_request
def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _period(data) -> tuple[dict, report_letters.Period]:
    schema = RevealForm() if request.method == "POST" else ReportQuery()
    try:
        query = schema.load(data)
    except ValidationError as err:
        raise InvalidInput(_("Tham số không hợp lệ: %(fields)s",
                             fields=", ".join(sorted(err.messages)))) from None
    today = engine_ctx().clock.now().astimezone(VN_TZ).date()
    kind = query["kind"] or "month"
    index = query["index"] if query["kind"] else today.month
    try:
        return query, report_letters.period(kind, query["year"] or today.year, index)
    except ValueError as err:
        raise InvalidInput(_("Kỳ không hợp lệ: %(reason)s", reason=str(err))) from None


@bp.get("/letters")
@roles_required(*REGISTER_ROLES)
def letters_page():
    """Choose the unit and the period of the letter register to download."""
    query, period = _period(request.args)
    actor = current_actor()
    units = [(code, name) for code, name in choices(engine_ctx())["unit"] if code in actor.units]
    this_year = engine_ctx().clock.now().astimezone(VN_TZ).year
    return render_template("registers/letters.html", query=query, period=period, units=units,
                           kinds=report_letters.PERIOD_KINDS,
                           years=list(range(this_year, this_year - 6, -1)),
                           may_reveal=rights.can_read_identity(actor))


@bp.get("/letters.xlsx")
@roles_required(*REGISTER_ROLES)
def letters_xlsx():
    """The register of the period, sealed identities masked."""
    query, period = _period(request.args)
    return _download(query, period, reason=None)


@bp.post("/letters.xlsx")
@roles_required(*REGISTER_ROLES)
def letters_xlsx_revealed():
    """The register with the sealed identities the reader may see; the reason is audited."""
    query, period = _period(request.form)
    return _download(query, period, reason=query["reason"])


def _download(query: dict, period, *, reason: str | None) -> Response:
    register = letter_register.build(engine_ctx(), period, current_actor(),
                                     unit_code=query["unit"], reason=reason)
    response = Response(letter_register.to_xlsx(register), mimetype=letter_register.XLSX_TYPE)
    unit = re.sub(r"[^A-Za-z0-9_-]+", "-", query["unit"] or "tat-ca")[:80]
    response.headers["Content-Disposition"] = (
        f'attachment; filename="so-tiep-nhan-xu-ly-don-{period.kind}-{period.year}-'
        f'{period.index}-{unit}.xlsx"')
    return response
