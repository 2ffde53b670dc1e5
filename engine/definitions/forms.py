"""User-task forms: declared in the diagram, parsed at deploy time, enforced when a task completes.

A user task declares its form inside ``bpmn:extensionElements`` (namespace ``urn:petitions:bpmn:1``)::

    <petitions:form>
      <petitions:field name="kind" type="enum" required="true" label="Loại nội dung">
        <petitions:choice value="complaint" label="Khiếu nại"/></petitions:field>
    </petitions:form>

An ``attachment`` field is a file the step requires or accepts (a signed scan, minutes): its value
is the id of a file the caller stored before completing, and ``document`` names what the file is
(a code of the application's own catalogue, opaque to the kernel). A required one refuses the
completion until the file is there.

``parse_form`` turns that element into a JSON-serialisable dict (stored with the deployment);
``validate_form_data`` checks completion data against it and returns the cleaned values.

A task *without* a declared form (``form is None``) accepts any JSON object whose keys are
identifiers not starting with ``_``; the data is returned unchanged.
"""
from __future__ import annotations

import keyword
import math
import re
from datetime import date, datetime
from typing import Any, Mapping

from lxml import etree

from engine.definitions import form_rules
from engine.errors import DeploymentError, FormInvalid

PETITIONS_NS = "urn:petitions:bpmn:1"
FORM_TAG = f"{{{PETITIONS_NS}}}form"
FIELD_TAG = f"{{{PETITIONS_NS}}}field"
CHOICE_TAG = f"{{{PETITIONS_NS}}}choice"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"

# "unit": a code from the units list (a task delegated to another unit names it this way, never
# as free text); the code's existence is checked where the units are, at completion.
FIELD_TYPES = ("string", "text", "integer", "number", "boolean", "date", "datetime", "enum",
               "multienum", "unit", "attachment")
_UNIT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
DEFAULT_MAX_LENGTH = {"string": 500, "text": 20000}
_ALLOWED_ATTRS = {"name", "type", "required", "label", "help", "min", "max", "max_length", "default",
                  "document"} | form_rules.RULE_ATTRS
_DOCUMENT_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,39}$")
_BOUNDED_TYPES = {"integer", "number", "date", "datetime"}
_TRUE = {"true", "on", "1"}
_FALSE = {"false", "0"}
_INT_RE = re.compile(r"^[+-]?\d+$")
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$")

MSG_REQUIRED = "Bắt buộc nhập"
MSG_UNKNOWN = "Trường không có trong biểu mẫu"
MSG_BAD_KEY = "Tên trường không hợp lệ"
MSG_NOT_OBJECT = "Dữ liệu biểu mẫu phải là một đối tượng JSON"
MSG_STRING = "Phải là chuỗi ký tự"
MSG_ONE_LINE = "Không được xuống dòng"
MSG_INTEGER = "Phải là số nguyên"
MSG_NUMBER = "Phải là số"
MSG_BOOLEAN = "Phải là đúng hoặc sai (true/false)"
MSG_DATE = "Ngày không hợp lệ (định dạng YYYY-MM-DD)"
MSG_DATETIME = "Thời điểm không hợp lệ (định dạng ISO 8601 có múi giờ, ví dụ 2024-05-01T08:30:00+07:00)"
MSG_CHOICE = "Giá trị không nằm trong danh sách"
MSG_LIST = "Phải là danh sách giá trị"
MSG_ATTACHMENT = "Tệp đính kèm không hợp lệ"
MSG_ATTACHMENT_REQUIRED = "Bước này bắt buộc tải lên văn bản đã ký (bản quét PDF hoặc ảnh)"
FORM_ERROR_KEY = "__form__"


def is_field_name(name: Any) -> bool:
    """A task-data key a form may use: a Python identifier, not a keyword, not starting with '_'."""
    return (isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)
            and not name.startswith("_"))


class _Invalid(ValueError):
    """A single value failed its type check; the argument is the Vietnamese message."""


def _clean_text(value: Any, ftype: str) -> str:
    if not isinstance(value, str):
        raise _Invalid(MSG_STRING)
    value = value.strip()
    if ftype == "string" and ("\n" in value or "\r" in value):
        raise _Invalid(MSG_ONE_LINE)
    return value


def _clean_integer(value: Any) -> int:
    text = value.strip() if isinstance(value, str) else ""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if len(text) <= 30 and _INT_RE.match(text):
        return int(text)
    raise _Invalid(MSG_INTEGER)


def _clean_number(value: Any) -> int | float:
    text = value.strip() if isinstance(value, str) else ""
    if isinstance(value, bool):
        raise _Invalid(MSG_NUMBER)
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return value
    if len(text) <= 50 and _INT_RE.match(text):
        return int(text)
    if len(text) <= 50 and _NUMBER_RE.match(text) and math.isfinite(float(text)):
        return float(text)
    raise _Invalid(MSG_NUMBER)


def _clean_boolean(value: Any) -> bool:
    text = value.strip().lower() if isinstance(value, str) else None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise _Invalid(MSG_BOOLEAN)


def _clean_temporal(value: Any, ftype: str) -> str:
    """Dates and datetimes stay ISO strings once checked (datetimes must carry an offset)."""
    pattern, parse, message = ((_DATE_RE, date.fromisoformat, MSG_DATE) if ftype == "date"
                               else (_DATETIME_RE, datetime.fromisoformat, MSG_DATETIME))
    if isinstance(value, str) and pattern.match(value.strip()):
        try:
            parse(value.strip())
            return value.strip()
        except ValueError:
            pass
    raise _Invalid(message)


def _ordered(ftype: str, value: Any) -> Any:
    return datetime.fromisoformat(value) if ftype == "datetime" else value


def _clean_value(field: Mapping[str, Any], value: Any) -> Any:
    """Convert and check one non-empty value against its field; raise _Invalid with the message."""
    ftype = field["type"]
    if ftype in ("string", "text"):
        value = _clean_text(value, ftype)
        if field["max_length"] is not None and len(value) > field["max_length"]:
            raise _Invalid(f"Tối đa {field['max_length']} ký tự")
        return value
    if ftype == "unit":
        if not isinstance(value, str) or not _UNIT_CODE.match(value.strip()):
            raise _Invalid("Chọn một đơn vị trong danh mục")
        return value.strip()
    if ftype in ("enum", "multienum"):
        allowed = [choice["value"] for choice in field["choices"]]
        if ftype == "enum":
            if not isinstance(value, str) or value not in allowed:
                raise _Invalid(MSG_CHOICE)
            return value
        if not isinstance(value, (list, tuple)):
            raise _Invalid(MSG_LIST)
        if any(not isinstance(item, str) or item not in allowed for item in value):
            raise _Invalid(MSG_CHOICE)
        return list(dict.fromkeys(value))
    if ftype == "attachment":
        try:
            value = _clean_integer(value)
        except _Invalid:
            raise _Invalid(MSG_ATTACHMENT) from None
        if value < 1:
            raise _Invalid(MSG_ATTACHMENT)
        return value
    if ftype in ("date", "datetime"):
        value = _clean_temporal(value, ftype)
    else:
        value = {"integer": _clean_integer, "number": _clean_number,
                 "boolean": _clean_boolean}[ftype](value)
    if ftype in _BOUNDED_TYPES:
        if field["min"] is not None and _ordered(ftype, value) < _ordered(ftype, field["min"]):
            raise _Invalid(f"Phải ≥ {field['min']}")
        if field["max"] is not None and _ordered(ftype, value) > _ordered(ftype, field["max"]):
            raise _Invalid(f"Phải ≤ {field['max']}")
    return value


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, (list, tuple)) and len(value) == 0)


def _error(element: etree._Element, message: str, file_name: str | None) -> DeploymentError:
    """Name the nearest element with an id (the user task) and the offending element's line."""
    node = element
    while node is not None and node.get("id") is None:
        node = node.getparent()
    return DeploymentError(message, file_name=file_name, line=element.sourceline,
                           element_id=node.get("id") if node is not None else None)


def find_form_element(task: etree._Element, file_name: str | None = None) -> etree._Element | None:
    """The ``petitions:form`` inside a task's ``bpmn:extensionElements`` (None when absent)."""
    forms = task.findall(f"{{{BPMN_NS}}}extensionElements/{FORM_TAG}")
    if len(forms) > 1:
        raise _error(forms[1], "a user task may declare only one petitions:form", file_name)
    return forms[0] if forms else None


def _parse_choices(field_el: etree._Element, file_name: str | None) -> list[dict]:
    choices: list[dict] = []
    for child in field_el:
        if not isinstance(child.tag, str):
            continue  # comments and processing instructions
        if child.tag != CHOICE_TAG:
            raise _error(child, f"unexpected element {etree.QName(child).localname!r} in a form field",
                         file_name)
        value = child.get("value")
        if not value:
            raise _error(child, "petitions:choice needs a non-empty 'value'", file_name)
        if any(choice["value"] == value for choice in choices):
            raise _error(child, f"duplicate choice value {value!r}", file_name)
        choices.append({"value": value, "label": child.get("label") or value})
    return choices


def _parse_field(field_el: etree._Element, names: set[str], file_name: str | None) -> dict:
    unknown = sorted(set(field_el.attrib) - _ALLOWED_ATTRS)
    if unknown:
        raise _error(field_el, f"unknown form field attribute(s): {', '.join(unknown)}", file_name)
    name = field_el.get("name")
    if not is_field_name(name):
        raise _error(field_el, f"field name {name!r} must be a Python identifier not starting with '_'",
                     file_name)
    if name in names:
        raise _error(field_el, f"duplicate field name {name!r}", file_name)
    ftype = field_el.get("type", "string")
    if ftype not in FIELD_TYPES:
        raise _error(field_el, f"field {name!r}: unknown type {ftype!r} (allowed: {', '.join(FIELD_TYPES)})",
                     file_name)
    required = field_el.get("required", "false")
    if required not in ("true", "false"):
        raise _error(field_el, f"field {name!r}: 'required' must be true or false", file_name)
    label = (field_el.get("label") or "").strip()
    if not label:
        raise _error(field_el, f"field {name!r}: 'label' is required", file_name)
    choices = _parse_choices(field_el, file_name)
    if ftype in ("enum", "multienum") and not choices:
        raise _error(field_el, f"field {name!r}: {ftype} needs at least one petitions:choice", file_name)
    if ftype not in ("enum", "multienum") and choices:
        raise _error(field_el, f"field {name!r}: only enum/multienum fields take choices", file_name)
    field: dict[str, Any] = {"name": name, "type": ftype, "required": required == "true",
                             "label": label, "help": field_el.get("help"), "min": None, "max": None,
                             "max_length": DEFAULT_MAX_LENGTH.get(ftype), "choices": choices,
                             "default": None}
    document = field_el.get("document")
    if document is not None:
        if ftype != "attachment" or not _DOCUMENT_CODE.match(document):
            raise _error(field_el, f"field {name!r}: 'document' is a code (A-Z, 0-9, -) and only "
                                   "for attachment fields", file_name)
        field["document"] = document
    try:  # cross-field rules (engine/definitions/form_rules.py): only the declared keys
        field.update(form_rules.parse_rules(field_el.attrib, name, ftype))
    except ValueError as exc:
        raise _error(field_el, str(exc), file_name) from None
    if ftype == "attachment" and field_el.get("default") is not None:
        raise _error(field_el, f"field {name!r}: an attachment has no default", file_name)
    max_length = field_el.get("max_length")
    if max_length is not None:
        if ftype not in DEFAULT_MAX_LENGTH or not _INT_RE.match(max_length) or int(max_length) < 1:
            raise _error(field_el, f"field {name!r}: max_length must be a positive integer on "
                                   "string/text fields", file_name)
        field["max_length"] = int(max_length)
    for bound in ("min", "max"):
        raw = field_el.get(bound)
        if raw is None:
            continue
        if ftype not in _BOUNDED_TYPES:
            raise _error(field_el, f"field {name!r}: {bound} applies only to "
                                   "integer/number/date/datetime fields", file_name)
        try:
            field[bound] = _clean_value({**field, "min": None, "max": None}, raw)
        except _Invalid as exc:
            raise _error(field_el, f"field {name!r}: invalid {bound} {raw!r}: {exc}", file_name) from None
    if field["min"] is not None and field["max"] is not None and (
            _ordered(ftype, field["min"]) > _ordered(ftype, field["max"])):
        raise _error(field_el, f"field {name!r}: min is greater than max", file_name)
    raw_default = field_el.get("default")
    if raw_default is not None:
        value: Any = raw_default
        if ftype == "multienum":
            value = [part.strip() for part in raw_default.split(",") if part.strip()]
        try:
            field["default"] = _clean_value(field, value)
        except _Invalid as exc:
            raise _error(field_el, f"field {name!r}: invalid default {raw_default!r}: {exc}",
                         file_name) from None
    return field


def parse_form(element: etree._Element, file_name: str | None = None) -> dict:
    """Parse a ``petitions:form`` element (or a task containing one) into a JSON-serialisable dict.

    Raises DeploymentError naming the enclosing element id and the line on any mistake.
    """
    form_el = element if element.tag == FORM_TAG else find_form_element(element, file_name)
    if form_el is None:
        raise _error(element, "no petitions:form found", file_name)
    fields: list[dict] = []
    names: set[str] = set()
    for child in form_el:
        if not isinstance(child.tag, str):
            continue
        if child.tag != FIELD_TAG:
            raise _error(child, f"unexpected element {etree.QName(child).localname!r} in petitions:form",
                         file_name)
        field = _parse_field(child, names, file_name)
        names.add(field["name"])
        fields.append(field)
    if not fields:
        raise _error(form_el, "petitions:form declares no field", file_name)
    try:
        form_rules.check_form(fields, file_name)
    except DeploymentError as exc:
        raise _error(form_el, exc.detail, file_name) from None
    return {"fields": fields}


def validate_form_data(form: Mapping[str, Any] | None, data: Mapping[str, Any], *,
                       today: date | None = None) -> dict:
    """Check completion ``data`` against ``form``; return the cleaned values or raise FormInvalid.

    All field errors are collected and raised together (field name -> Vietnamese message). Missing
    optional fields are absent from the result (defaults are only for pre-filling the UI). With
    ``form=None`` (a task without a declared form) any object with identifier keys is accepted and
    returned unchanged. A field whose ``when`` condition is false is not required and any value
    sent for it is dropped; ``required_when`` makes a field required; date-order rules naming
    ``today`` are checked only when ``today`` is given (the engine passes the completion day).
    """
    if not isinstance(data, Mapping):
        raise FormInvalid({FORM_ERROR_KEY: MSG_NOT_OBJECT})
    if form is None:
        bad = {str(key): MSG_BAD_KEY for key in data if not is_field_name(key)}
        if bad:
            raise FormInvalid(bad)
        return dict(data)
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    fields = {field["name"]: field for field in form["fields"]}
    for key in data:
        if key not in fields:
            errors[str(key)] = MSG_UNKNOWN
    for name, field in fields.items():
        value = data.get(name)
        if not form_rules.applies(field, cleaned):
            continue  # hidden by its condition: not required, and a stale value is not kept
        if _is_empty(value):
            if form_rules.required_now(field, cleaned):
                errors[name] = (MSG_ATTACHMENT_REQUIRED if field["type"] == "attachment"
                                else MSG_REQUIRED)
            continue
        try:
            cleaned[name] = _clean_value(field, value)
        except _Invalid as exc:
            errors[name] = str(exc)
    for name, message in form_rules.check(form, cleaned, today=today).items():
        errors.setdefault(name, message)
    if errors:
        raise FormInvalid(errors)
    return cleaned
