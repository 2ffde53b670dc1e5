"""Hostile input that must end in a clear 4xx, never in a 500 or in a stored poison value.

* ``int`` URL parts are capped at the largest id a column can hold: every id column is a 32-bit
  INTEGER on PostgreSQL, where a bigger number fails in the driver (a 500) instead of finding
  nothing. Out of range is simply "not found" (404).
* Control characters (NUL, the C0 range except tab/newline/carriage return, DEL, the C1 range) are
  refused in every URL part, query argument, form field and JSON string with a 400 naming the
  field: a NUL stored in a text field later broke the case's Word export for ever, and PostgreSQL
  refuses NUL in text outright.
"""
from __future__ import annotations

import re

from flask import request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_JSON_DEPTH = 50


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` that matches only ids a database row can have (others: 404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=MAX_ID if max is None else max, signed=signed)


def has_control(text: str) -> bool:
    return bool(_CONTROL.search(text))


def _json_offender(value, path: str, depth: int = 0) -> str | None:
    if depth > _JSON_DEPTH:
        return path or "JSON"
    if isinstance(value, str):
        return (path or "JSON") if has_control(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if has_control(str(key)):
                return name
            found = _json_offender(item, name, depth + 1)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _json_offender(item, f"{path}[{index}]", depth + 1)
            if found:
                return found
    return None


def offending_field() -> str | None:
    """The first input of this request that holds a control character, by name."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and has_control(value):
            return name
    sources = [request.args] + ([request.form] if request.mimetype in _FORM_TYPES else [])
    for source in sources:
        for name, values in source.lists():
            if has_control(name) or any(has_control(v) for v in values):
                return name
    if request.is_json:
        return _json_offender(request.get_json(silent=True), "")
    return None


def init_app(app) -> None:
    """Install the capped ``int`` converter (before any route is added) and the guard."""
    app.url_map.converters["int"] = BoundedIntConverter

    @app.before_request
    def refuse_control_characters():
        name = offending_field()
        if name is None:
            return None
        from webapp.errors import error_response
        shown = _CONTROL.sub("�", name)[:100]
        return error_response(400, _("Trường “%(field)s” chứa ký tự điều khiển không được phép "
                                     "(ví dụ ký tự NUL). Hãy xóa ký tự đó rồi gửi lại; chưa có gì "
                                     "được ghi.", field=shown))
