"""Cross-field rules of a declared form: date order and conditional fields.

A field of ``engine.definitions.forms`` may declare, besides its own type checks:

``not_before`` / ``not_after`` (date and datetime fields)
    a comma-separated list of terms, each ``today`` (the completion day, Vietnam time, from the
    engine's clock) or the name of another date/datetime field: of the same form, or of another
    step's form in the same deployment (its value is then read from the task's data when the step
    completes). A term whose value is empty is not checked (``required`` says whether it must be
    there). A date compared with a datetime compares the datetime's day in Vietnam time.

``when`` (any field)
    the field applies only when another field of the same form has a value: ``other`` (has a
    value; for a boolean, is true), ``other=a|b`` (is one of the values; a multienum: contains
    one), ``other!=a|b`` (has a value, none of those). When the condition is false the field is
    hidden in the browser, is not required and any value sent for it is dropped.

``required_when`` (any field)
    same grammar: the field is required when the condition holds.

Parsing happens at deploy (``parse_rules`` per field, ``check_form`` per form, ``link_forms``
across the forms of one deployment); references to unknown fields are refused there, in
Vietnamese, naming the field. ``applies``/``required_now`` and ``check`` enforce them at completion
and return one Vietnamese message per field.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Mapping

from engine.errors import DeploymentError
from engine.working_days import VN_TZ

ORDER_RULES = ("not_before", "not_after")
CONDITION_RULES = ("when", "required_when")
RULE_ATTRS = frozenset(ORDER_RULES + CONDITION_RULES)
TODAY = "today"
_TEMPORAL = ("date", "datetime")
_CONDITION = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:(!=|=)\s*(.+?)\s*)?$")

MSG_AFTER_TODAY = "Không được sau ngày hôm nay"
MSG_BEFORE_TODAY = "Không được trước ngày hôm nay"


def parse_rules(raw: Mapping[str, str | None], name: str, ftype: str) -> dict:
    """The rule keys of one field from its attributes (only those declared); raises ValueError
    with a Vietnamese message naming the field for a malformed rule."""
    rules: dict[str, Any] = {}
    for key in ORDER_RULES:
        text = raw.get(key)
        if text is None:
            continue
        if ftype not in _TEMPORAL:
            raise ValueError(f"trường {name!r}: {key} chỉ dùng cho trường ngày (date) hoặc thời "
                             "điểm (datetime)")
        terms = [term.strip() for term in text.split(",")]
        if not terms or any(not term for term in terms):
            raise ValueError(f"trường {name!r}: {key} phải là 'today' hoặc tên trường, cách nhau "
                             "bởi dấu phẩy")
        for term in terms:
            if term != TODAY and not term.isidentifier():
                raise ValueError(f"trường {name!r}: {key} tham chiếu {term!r} không phải tên trường")
            if term == name:
                raise ValueError(f"trường {name!r}: {key} không được tham chiếu chính trường này")
        rules[key] = [{"ref": term} for term in dict.fromkeys(terms)]
    for key in CONDITION_RULES:
        text = raw.get(key)
        if text is None:
            continue
        match = _CONDITION.match(text)
        if match is None:
            raise ValueError(f"trường {name!r}: {key}={text!r} không đúng dạng 'trường', "
                             "'trường=giá trị|giá trị' hoặc 'trường!=giá trị'")
        field, op, values = match.groups()
        if field == name:
            raise ValueError(f"trường {name!r}: {key} không được tham chiếu chính trường này")
        parts = [v.strip() for v in values.split("|")] if values is not None else []
        if values is not None and any(not v for v in parts):
            raise ValueError(f"trường {name!r}: {key} có giá trị rỗng")
        rules[key] = {"field": field, "op": {"=": "in", "!=": "not_in"}.get(op, "set"),
                      "values": parts}
    return rules


def _fail(message: str, file_name: str | None, element_id: str | None) -> DeploymentError:
    return DeploymentError(message, file_name=file_name, element_id=element_id)


def check_form(fields: list[dict], file_name: str | None = None,
               element_id: str | None = None) -> None:
    """Same-form references: a condition names a field of this form with a value it can take;
    a date rule naming a field of this form names a date/datetime field (other names are left
    for ``link_forms``)."""
    by_name = {f["name"]: f for f in fields}
    for field in fields:
        for key in CONDITION_RULES:
            cond = field.get(key)
            if cond is None:
                continue
            other = by_name.get(cond["field"])
            if other is None:
                raise _fail(f"trường {field['name']!r}: {key} tham chiếu trường "
                            f"{cond['field']!r} không có trong biểu mẫu", file_name, element_id)
            if fields.index(other) > fields.index(field):  # conditions read earlier values
                raise _fail(f"trường {field['name']!r}: {key} tham chiếu trường "
                            f"{cond['field']!r} khai báo sau nó; khai báo trường điều kiện trước",
                            file_name, element_id)
            allowed = _condition_values(other)
            bad = [v for v in cond["values"] if allowed is not None and v not in allowed]
            if bad:
                raise _fail(f"trường {field['name']!r}: {key} dùng giá trị {bad[0]!r} mà trường "
                            f"{other['name']!r} không có (được dùng: {', '.join(allowed)})",
                            file_name, element_id)
            if other.get("type") == "attachment":
                raise _fail(f"trường {field['name']!r}: {key} không dùng được với tệp đính kèm",
                            file_name, element_id)
        for key in ORDER_RULES:
            for term in field.get(key, []):
                other = by_name.get(term["ref"])
                if other is None:
                    continue
                if other["type"] not in _TEMPORAL:
                    raise _fail(f"trường {field['name']!r}: {key} tham chiếu trường "
                                f"{other['name']!r} không phải ngày hoặc thời điểm",
                                file_name, element_id)
                term.update(label=other["label"], type=other["type"], same_form=True)


def _condition_values(field: Mapping[str, Any]) -> list[str] | None:
    if field.get("type") in ("enum", "multienum"):
        return [c["value"] for c in field.get("choices") or []]
    if field.get("type") == "boolean":
        return ["true", "false"]
    return None


def link_forms(forms: Mapping[str, dict], file_name: str | None = None) -> None:
    """Date rules naming a field of another step (task id -> form, one deployment): resolve its
    label and type, or refuse the deployment naming the field and the unknown reference."""
    declared: dict[str, dict] = {}
    for form in forms.values():
        for field in form["fields"]:
            if field["type"] in _TEMPORAL:
                declared.setdefault(field["name"], field)
    for task_id, form in forms.items():
        for field in form["fields"]:
            for key in ORDER_RULES:
                for term in field.get(key, []):
                    if term["ref"] == TODAY or term.get("same_form"):
                        continue
                    other = declared.get(term["ref"])
                    if other is None:
                        raise _fail(f"trường {field['name']!r}: {key} tham chiếu trường "
                                    f"{term['ref']!r} không có trong biểu mẫu nào của quy trình "
                                    "(chỉ dùng 'today' hoặc tên trường ngày, thời điểm)",
                                    file_name, task_id)
                    term.update(label=other["label"], type=other["type"], same_form=False)


# ---- completion --------------------------------------------------------------------------------

def _holds(cond: Mapping[str, Any], value: Any) -> bool:
    if value is None or value == "" or value == []:
        return False
    if isinstance(value, bool):
        present = ["true" if value else "false"]
        if cond["op"] == "set":
            return value
    elif isinstance(value, (list, tuple)):
        present = [str(v) for v in value]
    else:
        present = [str(value)]
    if cond["op"] == "set":
        return True
    hit = any(v in cond["values"] for v in present)
    return hit if cond["op"] == "in" else not hit


def applies(field: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    """Whether a field with a ``when`` condition is shown (values: the cleaned values so far)."""
    cond = field.get("when")
    return cond is None or _holds(cond, values.get(cond["field"]))


def required_now(field: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    cond = field.get("required_when")
    return bool(field.get("required")) or (cond is not None
                                            and _holds(cond, values.get(cond["field"])))


def _as_moment(ftype: str, value: Any) -> date | datetime | None:
    try:
        if ftype == "datetime" or (isinstance(value, str) and "T" in value):
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            return moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _comparable(a: date | datetime, b: date | datetime) -> tuple[Any, Any]:
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a, b
    day = lambda v: v.astimezone(VN_TZ).date() if isinstance(v, datetime) else v  # noqa: E731
    return day(a), day(b)


def _shown(ftype: str, value: Any) -> str:
    moment = _as_moment(ftype, value)
    if isinstance(moment, datetime):
        return moment.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")
    return moment.strftime("%d/%m/%Y") if moment else str(value)


def check(form: Mapping[str, Any], cleaned: Mapping[str, Any], *, today: date | None,
          context: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Date-order errors (field -> one Vietnamese message) of cleaned values.

    Terms naming this form's fields are checked against ``cleaned``; terms naming another step's
    field only when ``context`` (the task's data) is given, and ``today`` only when ``today`` is.
    """
    errors: dict[str, str] = {}
    for field in form.get("fields", []):
        value = cleaned.get(field["name"])
        if value is None or not any(field.get(key) for key in ORDER_RULES):
            continue
        mine = _as_moment(field["type"], value)
        for key in ORDER_RULES:
            for term in field.get(key, []):
                message = _check_term(key, term, mine, cleaned, today, context)
                if message:
                    errors.setdefault(field["name"], message)
    return errors


def _check_term(key: str, term: Mapping[str, Any], mine, cleaned, today, context) -> str | None:
    if mine is None:
        return None
    if term["ref"] == TODAY:
        if today is None:
            return None
        a, b = _comparable(mine, today)
        if key == "not_after" and a > b:
            return MSG_AFTER_TODAY
        if key == "not_before" and a < b:
            return MSG_BEFORE_TODAY
        return None
    source = cleaned if term.get("same_form", True) else context
    if source is None:
        return None
    other_value = source.get(term["ref"])
    other = _as_moment(term.get("type", "date"), other_value) if other_value else None
    if other is None:
        return None
    a, b = _comparable(mine, other)
    label = term.get("label", term["ref"])
    shown = _shown(term.get("type", "date"), other_value)
    if key == "not_before" and a < b:
        return f"Không được trước «{label}» ({shown})"
    if key == "not_after" and a > b:
        return f"Không được sau «{label}» ({shown})"
    return None


def client_rules(form: Mapping[str, Any] | None) -> list[dict]:
    """The conditions the browser evaluates to hide fields (progressive enhancement only)."""
    result = []
    for field in (form or {}).get("fields", []):
        item = {key: field[key] for key in CONDITION_RULES if field.get(key)}
        if item:
            result.append({"name": field["name"], **item})
    return result
