"""Declared task forms on the web: reading a submitted form, and values for re-display.

The engine validates and converts (``engine.definitions.forms.validate_form_data``); here the
browser's strings are only gathered per declared field, so a refused submission can be shown
again exactly as typed. The one conversion is ``datetime``: ``<input type="datetime-local">``
sends a wall-clock time without offset, taken as Vietnam time (+07:00, no daylight saving).
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Mapping

from engine.working_days import VN_TZ

VN_OFFSET = "+07:00"
_LOCAL_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$")


def fields_of(form: Mapping[str, Any] | None) -> list[dict]:
    return list((form or {}).get("fields", []))


def submitted_data(form: Mapping[str, Any] | None, posted) -> dict:
    """The declared fields' values from a posted MultiDict (lists for multienum), as typed."""
    data: dict[str, Any] = {}
    for field in fields_of(form):
        name = field["name"]
        if field["type"] == "multienum":
            data[name] = [v for v in posted.getlist(name) if v]
            continue
        raw = posted.get(name)
        if raw is None:
            continue
        if field["type"] == "datetime" and _LOCAL_DATETIME.match(raw.strip()):
            raw = raw.strip() + VN_OFFSET
        data[name] = raw
    return data


def _display(field: Mapping[str, Any], value: Any) -> Any:
    ftype = field["type"]
    if value is None:
        return None
    if ftype == "multienum":
        items = value if isinstance(value, (list, tuple)) else [value]
        return [str(v) for v in items]
    if isinstance(value, bool):
        return "true" if value else "false"
    if ftype == "datetime" and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return value
        if moment.tzinfo is not None:
            moment = moment.astimezone(VN_TZ)
        return moment.strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def display_values(form: Mapping[str, Any] | None, *layers: Mapping[str, Any] | None) -> dict:
    """Values to pre-fill, later layers winning (defaults < previous < draft < posted).

    Typed values (booleans, numbers, ISO datetimes with offset) become the strings the inputs use.
    """
    fields = {f["name"]: f for f in fields_of(form)}
    merged: dict[str, Any] = {name: f.get("default") for name, f in fields.items()
                              if f.get("default") is not None}
    for layer in layers:
        for name, value in (layer or {}).items():
            if name in fields:
                merged[name] = value
    return {name: _display(fields[name], value) for name, value in merged.items()}
