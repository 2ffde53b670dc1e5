"""The one place that maps errors to HTTP: engine errors, CSRF failures, and everything else.

Users see a friendly Vietnamese page (or JSON for API calls), never a stack trace.
"""
from __future__ import annotations

import logging

from flask import current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from engine.errors import (Conflict, DeploymentError, EngineError, Forbidden, FormInvalid,
                           InvalidInput, InvalidState, NotFound)
from engine.scripting.budget import StepAborted

log = logging.getLogger(__name__)

STATUS_BY_ERROR = [
    (NotFound, 404), (Forbidden, 403), (Conflict, 409), (InvalidState, 409),
    (FormInvalid, 422), (DeploymentError, 422), (InvalidInput, 400),
    # A step the diagram's scripts could not finish (over budget, unsaveable): the case is now
    # in error, recorded; retrying the same request cannot succeed.
    (StepAborted, 409), (EngineError, 400),
]

TITLES = {
    400: "Yêu cầu không hợp lệ", 403: "Không có quyền truy cập", 404: "Không tìm thấy",
    405: "Thao tác không được hỗ trợ", 409: "Dữ liệu đã thay đổi", 413: "Tệp quá lớn",
    422: "Dữ liệu chưa hợp lệ", 429: "Thao tác quá nhanh", 500: "Lỗi hệ thống",
}


def status_for(err: EngineError) -> int:
    return next(code for cls, code in STATUS_BY_ERROR if isinstance(err, cls))


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(code: int, message: str, payload: dict | None = None):
    if wants_json():
        return jsonify({"error": code, "message": message, **(payload or {})}), code
    return render_template("errors/error.html", code=code, title=_(TITLES.get(code, "Lỗi")),
                           message=message), code


def answer_under(app, prefix: str, handler) -> None:
    """HTTP errors no route handled (404, 405) on paths under ``prefix`` go to ``handler``."""
    app.extensions.setdefault("error_prefixes", []).append((prefix, handler))


def register(app) -> None:
    @app.errorhandler(EngineError)
    def engine_error(err: EngineError):
        return error_response(status_for(err), err.message, err.to_dict())

    @app.errorhandler(CSRFError)
    def csrf_error(err):
        return error_response(400, _("Phiên làm việc đã hết hạn hoặc trang đã cũ. Vui lòng tải "
                                     "lại trang và thực hiện lại; dữ liệu chưa được ghi."))

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        # No route matched (404, 405): Flask asks the app, not a blueprint, yet a path under
        # the API must still answer in the API's format (its handler is registered below).
        for prefix, handler in current_app.extensions.get("error_prefixes", ()):
            if request.path == prefix or request.path.startswith(prefix + "/"):
                return handler(err)
        messages = {
            403: _("Bạn không có quyền thực hiện thao tác này."),
            404: _("Trang hoặc hồ sơ bạn tìm không tồn tại."),
            413: _("Tệp tải lên vượt quá dung lượng cho phép."),
            429: _("Bạn thao tác quá nhiều lần. Vui lòng thử lại sau ít phút."),
        }
        return error_response(err.code or 500, messages.get(err.code, err.description or ""))

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, _("Đã có lỗi ngoài dự kiến; thao tác chưa được ghi. Vui lòng "
                                     "thử lại, nếu vẫn lỗi hãy báo quản trị hệ thống."))
