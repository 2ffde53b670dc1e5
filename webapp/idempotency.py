"""One-time submission keys: a double click or a resent form creates nothing twice.

Every form that creates something carries a hidden ``submission_key`` (macro ``form_keys`` in
templates/macros/form_keys.html, next to the CSRF field; script clients send an
``Idempotency-Key`` header). Before the handler runs, the key is reserved: a row in
``submission_keys`` whose primary key is the key itself, committed on its own. A second POST with
the same key therefore cannot reserve it; it waits for the first one to finish and answers with
the first one's result (the same redirect, the same page) without running the handler.

The outcome is recorded after the handler: a redirect or a 2xx answer is kept as the result; an
error (4xx/5xx: nothing was created) releases the key so the corrected form can be sent again.
Pages that show a sealed identity are never stored (they would put the clear identity in the
database); a repeat of such a POST is answered with an explanation instead. The reception form
creates only with a redirect; its other pages release the key.

The hooks are installed after CSRFProtect's, so a replay is only ever given to a request that
passed the CSRF check.
"""
from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from flask import Response, g, redirect, request
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from engine.accounts.models import SubmissionKey
from webapp.engine_access import engine_ctx

FIELD = "submission_key"
HEADER = "Idempotency-Key"
_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
# Pages that reveal a sealed identity (LTC Điều 8.3): never copied into the database; a repeat
# is answered with an explanation.
SENSITIVE_ENDPOINTS = frozenset({"petitions.identity", "supervision.unseal"})
# Endpoints whose every creation answers with a redirect: a page (2xx) there means nothing was
# created (the duplicate check, a form shown again), so the key is released, not recorded —
# those pages hold the typed identities, which must not be copied into this table either.
REDIRECT_ONLY_ENDPOINTS = frozenset({"reception.new"})
_UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
MAX_STORED_BODY = 2 * 1024 * 1024
KEEP = timedelta(days=1)
# How long a repeat waits for the first request before giving up (real time, not the engine
# clock: this is the web worker waiting for another web worker).
WAIT_SECONDS = 30.0
POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Recorded:
    username: str
    endpoint: str
    status: str
    response_status: int | None
    response_location: str | None
    response_type: str | None
    response_body: str | None


def new_key() -> str:
    return secrets.token_urlsafe(24)


def hidden_field() -> Markup:
    """The hidden input with a fresh key (a Jinja global, used by the ``form_keys`` macro)."""
    return Markup(f'<input type="hidden" name="{FIELD}" value="{new_key()}">')


def _submitted_key() -> str | None:
    key = request.headers.get(HEADER)
    if key is None and request.mimetype in ("application/x-www-form-urlencoded",
                                            "multipart/form-data"):
        key = request.form.get(FIELD)
    return key or None


def _reserve(key: str, username: str, endpoint: str) -> Recorded | None:
    """None if this request now holds the key; else what is recorded under it."""
    ctx = engine_ctx()
    now = ctx.clock.now()
    with ctx.uow() as uow:
        # Old keys of this user go first: a key is only needed while a double click can happen.
        uow.session.execute(delete(SubmissionKey).where(SubmissionKey.username == username,
                                                        SubmissionKey.created_at < now - KEEP))
        uow.session.add(SubmissionKey(key=key, username=username, endpoint=endpoint,
                                      status="pending", created_at=now))
        try:
            uow.session.flush()
        except IntegrityError:
            uow.session.rollback()
        else:
            uow.commit()
            return None
    with ctx.uow(write=False) as uow:
        row = uow.session.get(SubmissionKey, key)
        if row is None:  # released meanwhile: the caller tries again
            return Recorded(username, endpoint, "released", None, None, None, None)
        return Recorded(row.username, row.endpoint, row.status, row.response_status,
                        row.response_location, row.response_type, row.response_body)


def _replay(recorded: Recorded):
    from webapp.errors import error_response
    if recorded.response_location:
        return redirect(recorded.response_location, code=recorded.response_status or 303)
    if recorded.response_body is not None:
        return Response(recorded.response_body, status=recorded.response_status,
                        content_type=recorded.response_type)
    return error_response(409, _("Biểu mẫu này đã được gửi và xử lý (có thể do bấm hai lần); "
                                 "không có gì được ghi thêm. Mở lại trang để xem kết quả."))


def _before():
    if request.method not in _UNSAFE_METHODS:
        return None
    key = _submitted_key()
    if key is None or not current_user.is_authenticated:
        return None
    from webapp.errors import error_response
    if not _KEY.fullmatch(key):
        return error_response(400, _("Mã gửi biểu mẫu không hợp lệ. Vui lòng tải lại trang và "
                                     "thực hiện lại; chưa có gì được ghi."))
    username, endpoint = current_user.get_id(), request.endpoint or request.path
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        recorded = _reserve(key, username, endpoint)
        if recorded is None:
            g.submission_key = key
            return None
        if recorded.status == "released":
            continue
        if (recorded.username, recorded.endpoint) != (username, endpoint):
            return error_response(422, _("Mã gửi biểu mẫu không thuộc thao tác này. Vui lòng tải "
                                         "lại trang và thực hiện lại; chưa có gì được ghi."))
        if recorded.status == "done":
            return _replay(recorded)
        if time.monotonic() > deadline:
            return error_response(409, _("Biểu mẫu này đang được xử lý ở một yêu cầu khác. Vui "
                                         "lòng chờ giây lát rồi mở lại trang để xem kết quả."))
        time.sleep(POLL_SECONDS)  # the first request is still running: wait for its result


def _finish(key: str, response) -> None:
    ctx = engine_ctx()
    with ctx.uow() as uow:
        row = uow.session.get(SubmissionKey, key)
        if row is None:
            return
        created = response is not None and (
            300 <= response.status_code < 400
            or (response.status_code < 300 and row.endpoint not in REDIRECT_ONLY_ENDPOINTS))
        if not created:
            uow.session.delete(row)  # nothing was created: the same key may be sent again
        else:
            row.status, row.finished_at = "done", ctx.clock.now()
            row.response_status = response.status_code
            if 300 <= response.status_code < 400:
                row.response_location = response.headers.get("Location")
            elif (row.endpoint not in SENSITIVE_ENDPOINTS and not response.is_streamed
                  and (response.content_length or 0) <= MAX_STORED_BODY):
                row.response_type = response.headers.get("Content-Type")
                row.response_body = response.get_data(as_text=True)
        uow.commit()


def _after(response):
    key = g.pop("submission_key", None)
    if key is not None:
        _finish(key, response)
    return response


def _teardown(exc):
    # Reached without _after only when the request died before a response existed.
    key = g.pop("submission_key", None)
    if key is not None:
        _finish(key, None)


def init_app(app) -> None:
    """Install after CSRFProtect (so the CSRF check runs first) and make the field available."""
    app.jinja_env.globals["submission_key_field"] = hidden_field
    app.before_request(_before)
    app.after_request(_after)
    app.teardown_request(_teardown)
