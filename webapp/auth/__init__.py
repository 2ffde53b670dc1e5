"""Login and logout."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from engine import users
from engine.errors import NotFound
from webapp.engine_access import WebUser, engine_ctx
from webapp.extensions import limiter, login_manager

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(username: str):
    try:
        actor = users.actor_for(engine_ctx(), username)
    except NotFound:
        return None
    names = users.display_names(engine_ctx(), [username])
    return WebUser(actor, names.get(username, username))


def _safe_next(target: str | None) -> str:
    # Only local paths: an attacker-supplied ?next=https://evil must not redirect off-site.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("home")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home"))
    error = None
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()[:200]
        actor = users.authenticate(engine_ctx(), username, request.form.get("password") or "")
        if actor is None:
            error = _("Tên đăng nhập hoặc mật khẩu không đúng.")
        else:
            lang = session.get("lang")
            session.clear()  # a fresh session on login (no fixation); the language choice stays
            if lang:
                session["lang"] = lang
            names = users.display_names(engine_ctx(), [actor.username])
            login_user(WebUser(actor, names.get(actor.username, actor.username)))
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", error=error), (401 if error else 200)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/lang/<code>")
def set_language(code: str):
    if code in ("vi", "en"):
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")))
