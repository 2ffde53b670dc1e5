"""Users: the list, a new user, a user's form, deactivation, password resets, supervision scopes.

Password reset: the administrator types a temporary password (checked by the same strength rules
as every password), tells it to the user in person, and every open session of the user ends. The
password is never shown back, stored in clear or audited, and the form answers with a redirect,
so the double-submission table (webapp/idempotency.py) never holds it either.
"""
from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.accounts import directory, units, users
from engine.accounts.roles import SUPERVISOR
from engine.errors import EngineError, InvalidInput
from webapp.engine_access import current_actor, engine_ctx
from webapp.people import bp

# Letters without diacritics, digits and . _ - @: a user name must fit in a URL path segment.
USERNAME = re.compile(r"[A-Za-z0-9._@-]{1,200}")
_ACTIVE = {"yes": True, "no": False}


def users_of(unit_code: str) -> list[directory.UserRow]:
    return directory.list_users(engine_ctx(), unit=unit_code)


def _role_labels() -> dict[str, str]:
    return dict(engine_ctx().roles)


@bp.get("/users")
def users_page():
    """Every user, filtered by unit, role and active state."""
    unit = request.args.get("unit") or None
    role = request.args.get("role") or None
    active = _ACTIVE.get(request.args.get("active", ""))
    rows = directory.list_users(engine_ctx(), unit=unit, role=role, active=active)
    return render_template("people/users.html", rows=rows, roles=_role_labels(),
                           unit=unit or "", role=role or "", active=request.args.get("active", ""))


def _values() -> dict:
    form = request.form
    return {"username": form.get("username", "").strip(),
            "display_name": form.get("display_name", ""), "email": form.get("email", ""), "unit": form.get("unit") or None,
            "roles": form.getlist("roles")}


def _render_user(username: str | None, values: dict, error: str | None = None,
                 status: int = 200):
    scopes, row = [], None
    if username:
        row = directory.get_user(engine_ctx(), username)
        with engine_ctx().uow(write=False) as uow:
            scopes = units.scopes_of(uow.session, username)
    return render_template("people/user.html", username=username, row=row, values=values,
                           roles=_role_labels(), scopes=scopes, error=error,
                           is_supervisor=bool(row and SUPERVISOR in row.roles),
                           me=current_actor().username), status


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    """Create a user in an existing unit with roles and an initial password."""
    if request.method == "GET":
        return _render_user(None, {"unit": request.args.get("unit"), "roles": []})
    values = _values()
    try:
        if not USERNAME.fullmatch(values["username"]):
            raise InvalidInput(_("Tên đăng nhập gồm 1–200 ký tự: chữ không dấu, số, '.', '_', "
                                 "'-', '@'"))
        if not values["display_name"].strip():
            raise InvalidInput(_("Phải nhập họ tên"))
        users.add_user(engine_ctx(), values["username"], values["roles"],
                       actor=current_actor().username, unit=values["unit"],
                       display_name=values["display_name"].strip(),
                       email=directory.check_email(values["email"]),
                       password=request.form.get("password", ""), create_unit=False)
    except EngineError as err:
        return _render_user(None, values, err.message, 400)
    flash(_("Đã tạo người dùng %(name)s.", name=values["username"]), "success")
    return redirect(url_for("people.user", username=values["username"]), 303)


@bp.route("/users/<username>", methods=["GET", "POST"])
def user(username: str):
    """A user's form: display name, e-mail, unit and roles (the user name never changes)."""
    row = directory.get_user(engine_ctx(), username)
    if request.method == "GET":
        return _render_user(username, {"display_name": row.display_name, "email": row.email,
                                       "unit": row.unit, "roles": list(row.roles)})
    values = _values()
    try:
        changes = directory.update_user(engine_ctx(), username,
                                        display_name=values["display_name"],
                                        email=values["email"], unit=values["unit"],
                                        roles=values["roles"], actor=current_actor().username)
    except EngineError as err:
        return _render_user(username, values, err.message, 400)
    flash(_("Đã lưu người dùng.") if changes else _("Không có gì thay đổi."), "success")
    return redirect(url_for("people.user", username=username), 303)


def _guarded(username: str, action, success: str):
    """Run one command of a user's page: a redirect with a message, or the page with the error."""
    directory.get_user(engine_ctx(), username)  # 404 before anything else
    try:
        action()
    except EngineError as err:  # the user exists: an error here is about what was typed
        row = directory.get_user(engine_ctx(), username)
        return _render_user(username, {"display_name": row.display_name, "email": row.email,
                                       "unit": row.unit, "roles": list(row.roles)},
                            err.message, 400)
    flash(success, "success")
    return redirect(url_for("people.user", username=username), 303)


@bp.post("/users/<username>/active")
def set_active(username: str):
    """Disable (never delete) or re-enable a user; disabling ends their sessions at once."""
    active = request.form.get("active") == "yes"
    return _guarded(username, lambda: users.set_active(
        engine_ctx(), username, active, actor=current_actor().username),
        _("Đã mở lại tài khoản.") if active else _("Đã vô hiệu hóa tài khoản."))


@bp.post("/users/<username>/password")
def reset_password(username: str):
    """Set a temporary password typed by the administrator; the user's sessions end."""
    password = request.form.get("password", "")

    def reset():
        if password != request.form.get("password_again", ""):
            raise InvalidInput(_("Hai lần nhập mật khẩu không khớp"))
        users.set_password(engine_ctx(), username, password, actor=current_actor().username)
    return _guarded(username, reset, _("Đã đặt mật khẩu tạm thời; hãy báo trực tiếp cho người "
                                       "dùng."))


@bp.post("/users/<username>/scopes")
def add_scope(username: str):
    """Let a supervisor oversee one more unit (with the units below it)."""
    unit = request.form.get("unit", "")
    return _guarded(username, lambda: units.add_scope(
        engine_ctx(), username, unit, actor=current_actor().username),
        _("Đã thêm đơn vị vào phạm vi giám sát."))


@bp.post("/users/<username>/scopes/remove")
def remove_scope(username: str):
    """Take a unit out of a supervisor's scope."""
    unit = request.form.get("unit", "")
    return _guarded(username, lambda: units.remove_scope(
        engine_ctx(), username, unit, actor=current_actor().username),
        _("Đã bỏ đơn vị khỏi phạm vi giám sát."))
