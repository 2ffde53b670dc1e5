"""Units: the tree, a unit's form (name, parent, agency profile) and its acting heads."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.accounts import delegations, units
from engine.accounts.roles import HEAD_OF_UNIT
from engine.errors import EngineError, InvalidInput, NotFound
from engine.working_days import VN_TZ
from petitions.agencies import units as agency_units
from petitions.agencies.profiles import FIELDS, LABELS
from webapp.engine_access import current_actor, engine_ctx
from webapp.people import bp
from webapp.people.accounts import users_of


@bp.get("/units")
def units_page():
    """The units tree, each unit under its parent."""
    with engine_ctx().uow(write=False) as uow:
        nodes = units.tree(uow.session)
    return render_template("people/units.html", nodes=nodes)


def _form() -> tuple[str, str, str | None, dict]:
    form = request.form
    return (form.get("code", ""), form.get("name", ""), form.get("parent") or None,
            {name: form.get(name, "") for name in FIELDS})


def _render_unit(code: str | None, values: dict, error: str | None = None, status: int = 200):
    now = engine_ctx().clock.now()
    with engine_ctx().uow(write=False) as uow:
        nodes = units.tree(uow.session)
        rows = [_delegation_row(d, now) for d in delegations.delegations_of(uow.session, code)] \
            if code else []
    people = users_of(code) if code else []
    return render_template("people/unit.html", code=code, values=values, nodes=nodes,
                           delegations=rows, people=people, fields=FIELDS, labels=LABELS,
                           heads=[p for p in people if HEAD_OF_UNIT in p.roles and p.active],
                           error=error), status


def _delegation_row(row, now: datetime) -> dict:
    """A delegation as the page shows it: whole days in Vietnam time, and where it stands."""
    state = ("revoked" if row.revoked_at else "ended" if row.ends_at <= now
             else "running" if row.starts_at <= now else "coming")
    last = row.ends_at.astimezone(VN_TZ) - timedelta(microseconds=1)
    return {"id": row.id, "acting_username": row.acting_username,
            "head_username": row.head_username, "reason": row.reason, "state": state,
            "first_day": row.starts_at.astimezone(VN_TZ).strftime("%d/%m/%Y"),
            "last_day": last.strftime("%d/%m/%Y")}


@bp.route("/units/new", methods=["GET", "POST"])
def new_unit():
    """Create a unit with its agency profile (both or neither)."""
    if request.method == "GET":
        return _render_unit(None, {"parent": request.args.get("parent", "")})
    code, name, parent, profile = _form()
    try:
        agency_units.create_unit(engine_ctx(), code, name, parent, profile,
                                 actor=current_actor().username)
    except EngineError as err:
        return _render_unit(None, dict(request.form), err.message, 400)
    flash(_("Đã tạo đơn vị %(code)s.", code=code.strip()), "success")
    return redirect(url_for("people.unit", unit_code=code.strip()), 303)


@bp.route("/units/<unit_code>", methods=["GET", "POST"])
def unit(unit_code: str):
    """A unit's form: name, parent and agency profile (the code never changes)."""
    if request.method == "GET":
        with engine_ctx().uow(write=False) as uow:
            node = next((n for n in units.tree(uow.session) if n.code == unit_code), None)
            if node is None:
                raise NotFound(_("Không có đơn vị %(code)s", code=unit_code))
            values = {"name": node.name, "parent": node.parent or "",
                      **agency_units.profile_values(uow.session, unit_code)}
        return _render_unit(unit_code, values)
    _current_values(unit_code)  # 404 for a unit that does not exist; errors below are the form's
    _code, name, parent, profile = _form()
    try:
        changed = agency_units.update_unit(engine_ctx(), unit_code, name, parent, profile,
                                           actor=current_actor().username)
    except EngineError as err:
        return _render_unit(unit_code, dict(request.form), err.message, 400)
    flash(_("Đã lưu đơn vị.") if changed else _("Không có gì thay đổi."), "success")
    return redirect(url_for("people.unit", unit_code=unit_code), 303)


def _day(value: str, label: str):
    try:
        return datetime.strptime(value or "", "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput(_("%(label)s phải là một ngày (ngày/tháng/năm)", label=label)) from None


@bp.post("/units/<unit_code>/delegations")
def add_delegation(unit_code: str):
    """Record the acting head the unit's head decided on, whole days in Vietnam time."""
    form = request.form
    values = _current_values(unit_code)
    try:
        first, last = _day(form.get("starts_on"), _("Ngày bắt đầu")), \
            _day(form.get("ends_on"), _("Ngày kết thúc"))
        starts = datetime.combine(first, time(0, 0), VN_TZ).astimezone(timezone.utc)
        ends = (datetime.combine(last, time(0, 0), VN_TZ) + timedelta(days=1)) \
            .astimezone(timezone.utc)
        delegations.delegate_for_head(engine_ctx(), unit_code, form.get("head", ""),
                                      form.get("acting", ""), starts, ends,
                                      form.get("reason", ""), actor=current_actor())
    except EngineError as err:
        return _render_unit(unit_code, values, err.message, 400)
    flash(_("Đã ghi nhận người được giao quyền thủ trưởng."), "success")
    return redirect(url_for("people.unit", unit_code=unit_code) + "#delegations", 303)


@bp.post("/units/<unit_code>/delegations/revoke")
def revoke_delegation(unit_code: str):
    """End a running or future delegation of this unit now."""
    try:
        delegation_id = int(request.form.get("delegation_id", ""))
    except ValueError:
        raise NotFound(_("Không tìm thấy lần giao quyền này")) from None
    try:
        delegations.revoke(engine_ctx(), delegation_id, unit_code, actor=current_actor())
    except NotFound:
        raise
    except EngineError as err:
        return _render_unit(unit_code, _current_values(unit_code), err.message, 409)
    flash(_("Đã thu hồi giao quyền."), "success")
    return redirect(url_for("people.unit", unit_code=unit_code) + "#delegations", 303)


def _current_values(unit_code: str) -> dict:
    with engine_ctx().uow(write=False) as uow:
        node = next((n for n in units.tree(uow.session) if n.code == unit_code), None)
        if node is None:
            raise NotFound(_("Không có đơn vị %(code)s", code=unit_code))
        return {"name": node.name, "parent": node.parent or "",
                **agency_units.profile_values(uow.session, unit_code)}
