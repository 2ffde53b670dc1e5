"""Errors of the API as ``application/problem+json`` (RFC 9457): type, title, status, detail.

The detail is the engine error's Vietnamese ``message``, the same sentence the web shows; the
status comes from ``webapp.errors.status_for`` (the one engine-error → HTTP map). A form refused
by the diagram's validation carries its field → message map in ``errors``.
"""
from __future__ import annotations

import logging

from flask import jsonify
from flask_babel import gettext as _, lazy_gettext as _l
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

from engine.errors import (Conflict, DeploymentError, EngineError, Forbidden, FormInvalid,
                           InvalidInput, InvalidState, NotFound)
from webapp.errors import TITLES, status_for

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:petitions:problem:"
_KINDS = [(FormInvalid, "form-invalid"), (DeploymentError, "deployment-error"),
          (NotFound, "not-found"), (Forbidden, "forbidden"), (Conflict, "conflict"),
          (InvalidState, "invalid-state"), (InvalidInput, "invalid-input"),
          (EngineError, "refused")]
_HTTP_KINDS = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
               405: "method-not-allowed", 409: "conflict", 412: "precondition-failed",
               413: "too-large", 415: "unsupported-media-type", 422: "invalid-input",
               428: "precondition-required", 429: "rate-limited", 500: "internal"}
_EXTRA_TITLES = {401: _l("Chưa xác thực"), 412: _l("Dữ liệu đã thay đổi"),
                 428: _l("Thiếu điều kiện If-Match"), 415: _l("Kiểu nội dung không được hỗ trợ")}


class ProblemSchema(Schema):
    """An RFC 9457 problem; ``errors`` only for field-level validation."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict()


def problem(status: int, detail: str, *, kind: str | None = None, errors: dict | None = None,
            headers: dict | None = None):
    body = {"type": TYPE_PREFIX + (kind or _HTTP_KINDS.get(status, "error")),
            "title": str(_EXTRA_TITLES.get(status) or _(TITLES.get(status, "Lỗi"))),
            "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = MEDIA_TYPE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _engine_error(err: EngineError):
    kind = next(k for cls, k in _KINDS if isinstance(err, cls))
    errors = getattr(err, "errors", None) if isinstance(err, FormInvalid) else None
    return problem(status_for(err), err.message, kind=kind, errors=errors)


_HTTP_MESSAGES = {
    400: _l("Yêu cầu không đọc được (JSON sai cú pháp?); chưa có gì được ghi."),
    403: _l("Bạn không có quyền thực hiện thao tác này."),
    404: _l("Địa chỉ hoặc hồ sơ bạn tìm không tồn tại."),
    405: _l("Địa chỉ này không nhận phương thức HTTP đó."),
    413: _l("Tệp tải lên vượt quá dung lượng cho phép."),
    415: _l("Nội dung gửi lên phải là JSON (application/json)."),
    429: _l("Ứng dụng gọi API quá nhiều lần. Vui lòng thử lại sau ít phút."),
}


def http_problem(err: HTTPException):
    status = err.code or 500
    data = getattr(err, "data", None) or {}
    errors = data.get("messages") or data.get("errors")
    if status == 422 and errors:  # webargs: the request did not match the documented schema
        return problem(422, _("Tham số không hợp lệ: %(fields)s", fields=", ".join(
            sorted(_field_names(errors)))), kind="invalid-input", errors=_flat(errors))
    detail = data.get("message") or str(_HTTP_MESSAGES.get(status) or err.description or "")
    return problem(status, detail, headers=data.get("headers"),
                   errors=_flat(errors) if isinstance(errors, dict) else None)


def _field_names(errors: dict) -> list[str]:
    names = []
    for location, value in errors.items():
        names.extend(value if isinstance(value, dict) else [location])
    return [str(n) for n in names]


def _flat(errors: dict) -> dict:
    """webargs nests by location (json, query, …): the fields are what a client fixes."""
    flat: dict = {}
    for location, value in errors.items():
        flat.update(value if isinstance(value, dict) else {location: value})
    return {str(k): v for k, v in flat.items()}


def _unexpected(err: Exception):
    log.exception("unhandled API error")
    return problem(500, _("Đã có lỗi ngoài dự kiến; thao tác chưa được ghi. Vui lòng thử lại, "
                          "nếu vẫn lỗi hãy báo quản trị hệ thống."))


def register(blueprint) -> None:
    """Problem responses for every error of ``blueprint``'s routes (the web's pages keep theirs)."""
    blueprint.register_error_handler(EngineError, _engine_error)
    blueprint.register_error_handler(HTTPException, http_problem)
    blueprint.register_error_handler(Exception, _unexpected)
