"""``Idempotency-Key`` on the API's creates: a retried POST creates nothing twice.

The same one-time keys as the web's forms (``webapp/idempotency.py``: a row reserved before the
handler, the first answer replayed to a repeat), held under the client's actor name. A web
form's key cannot be replayed here, nor this one there: a key is bound to its actor and endpoint.
"""
from __future__ import annotations

import time
from functools import wraps

from flask import g, make_response, request
from flask_babel import gettext as _

from webapp import idempotency as keys
from webapp.api.problems import problem


def idempotent(view):
    """Honour an ``Idempotency-Key`` header on ``view`` (without one the POST simply runs)."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(keys.HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not keys._KEY.fullmatch(key):
            return problem(400, _("Idempotency-Key phải có 16–64 ký tự chữ, số, '_' hoặc '-'."),
                           kind="invalid-idempotency-key")
        username, endpoint = g.api_actor.username, request.endpoint or request.path
        deadline = time.monotonic() + keys.WAIT_SECONDS
        while True:
            recorded = keys._reserve(key, username, endpoint)
            if recorded is None:
                break
            if recorded.status == "released":
                continue
            if (recorded.username, recorded.endpoint) != (username, endpoint):
                return problem(422, _("Idempotency-Key này đã dùng cho một thao tác khác; hãy "
                                      "tạo khóa mới. Chưa có gì được ghi."),
                               kind="idempotency-key-reused")
            if recorded.status == "done":
                replayed = keys._replay(recorded)
                replayed.headers["Idempotent-Replayed"] = "true"
                return replayed
            if time.monotonic() > deadline:
                return problem(409, _("Yêu cầu cùng Idempotency-Key đang được xử lý; thử lại "
                                      "sau giây lát."), kind="conflict")
            time.sleep(keys.POLL_SECONDS)
        response = None
        try:
            response = make_response(view(*args, **kwargs))
            return response
        finally:
            keys._finish(key, response)
    return wrapper
