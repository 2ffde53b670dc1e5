"""Login and logout, with server-side sessions and login throttling (engine/accounts/logins.py).

The signed Flask cookie carries only a random session token; the database row it points to is
what makes the login valid, so logout (which revokes the row) really ends the session even for a
copy of the cookie. Failed logins are counted per user name and per address in the database and
answered with a growing wait (429); Flask-Limiter's per-address limit stays as a first fence.
"""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from engine.accounts import logins, users
from engine.errors import NotFound
from engine.working_days import VN_TZ
from webapp.engine_access import WebUser, engine_ctx
from webapp.extensions import limiter, login_manager

bp = Blueprint("auth", __name__)
SESSION_TOKEN = "sid"


@login_manager.user_loader
def load_user(username: str):
    """The user of this request, only while its server-side session is valid (not logged out,
    revoked, expired) and belongs to that user."""
    ctx = engine_ctx()
    if logins.session_user(ctx, session.get(SESSION_TOKEN)) != username:
        return None
    try:
        actor = users.actor_for(ctx, username)
    except NotFound:
        return None
    names = users.display_names(ctx, [username])
    return WebUser(actor, names.get(username, username))


def _safe_next(target: str | None) -> str:
    # Only local paths: an attacker-supplied ?next=https://evil must not redirect off-site.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("home")


def _throttled(until: datetime):
    ctx = engine_ctx()
    seconds = max(1, int((until - ctx.clock.now()).total_seconds()) + 1)
    minutes = (seconds + 59) // 60
    error = _("Đăng nhập sai quá nhiều lần nên tạm thời bị khóa. Vui lòng thử lại sau "
              "%(time)s (khoảng %(minutes)d phút nữa).",
              time=until.astimezone(VN_TZ).strftime("%H:%M:%S"), minutes=minutes)
    response = render_template("auth/login.html", error=error)
    return response, 429, {"Retry-After": str(seconds)}


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    """The login form; a correct password during a back-off is refused too (429)."""
    if current_user.is_authenticated:
        return redirect(url_for("home"))
    error = None
    if request.method == "POST":
        ctx = engine_ctx()
        address = request.remote_addr
        username = (request.form.get("username") or "").strip()[:200]
        until = logins.locked_until(ctx, [logins.account_subject(username),
                                          logins.address_subject(address)])
        if until is not None:
            return _throttled(until)
        actor = users.authenticate(ctx, username, request.form.get("password") or "")
        if actor is None:
            until = logins.record_failure(ctx, username, address)
            if until is not None:
                return _throttled(until)
            error = _("Tên đăng nhập hoặc mật khẩu không đúng.")
        else:
            logins.record_success(ctx, actor.username)
            token = logins.start_session(ctx, actor.username, address=address)
            lang = session.get("lang")
            session.clear()  # a fresh session on login (no fixation); the language choice stays
            if lang:
                session["lang"] = lang
            session[SESSION_TOKEN] = token
            names = users.display_names(ctx, [actor.username])
            login_user(WebUser(actor, names.get(actor.username, actor.username)))
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", error=error), (401 if error else 200)


@bp.post("/logout")
@login_required
def logout():
    """End the session on the server (a copied cookie no longer works) and in the browser."""
    logins.end_session(engine_ctx(), session.get(SESSION_TOKEN), address=request.remote_addr)
    logout_user()
    session.clear()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/lang/<code>")
def set_language(code: str):
    if code in ("vi", "en"):
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")))
