"""Who calls the API: a machine client's Bearer token, never a browser session.

Every request of an API resource must carry ``Authorization: Bearer <token>``; the token's actor
(``engine.accounts.api_clients.authenticate``: its unit and roles, read from the database) is
what the handlers receive, exactly as a logged-in user's actor on the web. A session cookie is
ignored: a page of another site cannot make a browser write through the API (no CSRF token is
asked for, so none may be trusted). Each use is audited under the client's name, and the rate
limit counts per token.
"""
from __future__ import annotations

import hashlib

from flask import current_app, g, request
from flask_babel import gettext as _

from engine.accounts import api_clients
from engine.accounts.actor import Actor
from webapp.api.problems import problem
from webapp.engine_access import engine_ctx

RATE_LIMIT = "120 per minute"   # per token; API_RATE_LIMIT in the app's config overrides
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="api"'}


def bearer_token() -> str | None:
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def rate_key() -> str:
    """The limit is the token's (hashed: the key is stored in Redis), else the address's."""
    token = bearer_token()
    if token:
        return "api-token:" + hashlib.sha256(token.encode()).hexdigest()
    return "api-addr:" + (request.remote_addr or "-")


def rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT", RATE_LIMIT)


def api_actor() -> Actor:
    return g.api_actor


def _authenticate():
    token = bearer_token()
    if token is None:
        detail = _("API không nhận phiên đăng nhập của trình duyệt; gửi mã truy cập trong tiêu đề "
                   "Authorization: Bearer <token>.") if request.cookies else \
            _("Thiếu mã truy cập: gửi tiêu đề Authorization: Bearer <token>.")
        return problem(401, detail, kind="unauthorized", headers=_CHALLENGE)
    actor = api_clients.authenticate(engine_ctx(), token)
    if actor is None:
        return problem(401, _("Mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi."),
                       kind="unauthorized", headers=_CHALLENGE)
    g.api_actor = actor
    return None


def _audit_use(response):
    actor = g.get("api_actor")
    if actor is not None:
        api_clients.record_use(engine_ctx(), actor.username.removeprefix(api_clients.ACTOR_PREFIX),
                               method=request.method, endpoint=request.endpoint or "",
                               status=response.status_code)
    return response


def protect(blueprint) -> None:
    """Token authentication and the audit of each use, for every route of ``blueprint``."""
    blueprint.before_request(_authenticate)
    blueprint.after_request(_audit_use)
