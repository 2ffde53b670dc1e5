"""The registration form: its choices (read from the deployed intake process), parsing of the
posted fields into an ``petitions.register.registration.Registration``, and the values to re-render.

Field names on the page: the register fields by their engine names, sender rows as
``senders-<n>-<field>`` (rows may have gaps after JavaScript removed some; fully empty rows are
ignored). Errors use the engine's keys (``summary``, ``senders.0.id_number``, ``representatives``)
so the engine's and the form's messages land in the same places.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

from flask_babel import gettext as _, lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.datastructures import MultiDict

from engine.definitions import deployment
from engine.errors import FormInvalid
from petitions.register import addresses, registration as desk
from petitions.register.registration import INTAKE_KEY, REGISTER_TASK, TYPES, Registration, Sender

CLASSIFY_TASK = "Task_classify"
SENDER_FIELDS = ("name", "id_number", "phone", "ethnicity", "province_code", "ward_code",
                 "address_detail")
_SENDER_KEY = re.compile(r"^senders-(\d{1,3})-([a-z_]+)$")
MANY_SIGNERS = 5  # from five signers on, the letter is a many-signer letter with representatives
MAX_ROWS = 200


@dataclass(frozen=True)
class FormOptions:
    """Labels and choices of the register fields, from the deployed intake definition's forms
    (the BPMN is the one place they are written)."""

    labels: dict[str, str]
    choices: dict[str, list[dict]]

    def label_of(self, field: str, value: str | None) -> str:
        return next((c["label"] for c in self.choices.get(field, []) if c["value"] == value),
                    value or "")

    def codes(self, field: str) -> list[str]:
        return [c["value"] for c in self.choices.get(field, [])]


def load_options(ctx) -> FormOptions:
    with ctx.uow(write=False) as uow:
        forms = deployment.get_definition(uow, INTAKE_KEY).forms or {}
    register = {f["name"]: f for f in (forms.get(REGISTER_TASK) or {}).get("fields", [])}
    classify = {f["name"]: f for f in (forms.get(CLASSIFY_TASK) or {}).get("fields", [])}
    labels = {name: f["label"] for name, f in register.items()}
    choices = {name: f["choices"] for name, f in register.items() if f.get("choices")}
    if "petition_type" in classify:
        labels["petition_type"] = classify["petition_type"]["label"]
        choices["petition_type"] = [c for c in classify["petition_type"]["choices"]
                                    if c["value"] in TYPES]
    if "anonymous" in classify:
        labels["anonymous"] = classify["anonymous"]["label"]
    return FormOptions(labels=labels, choices=choices)


def _text(max_length: int, **kwargs) -> fields.String:
    message = _("Tối đa %(n)d ký tự", n=max_length)
    return fields.String(validate=validate.Length(max=max_length, error=message),
                         error_messages={"invalid": _("Phải là chuỗi ký tự")}, **kwargs)


def _flag() -> fields.Boolean:
    return fields.Boolean(load_default=False, error_messages={"invalid": _("Giá trị không hợp lệ")})


def registration_schema(options: FormOptions) -> Schema:
    """Types, lengths and choices (built per request: the choices come from the deployed
    process, the messages in the user's language); the legal rules are the engine's."""
    required = _("Bắt buộc nhập")

    def choice(field: str, **kwargs):
        return fields.String(validate=validate.OneOf(options.codes(field),
                                                     error=_("Giá trị không nằm trong danh sách")),
                             error_messages={"required": required}, **kwargs)

    sender = Schema.from_dict({
        "name": _text(300, load_default=""), "id_number": _text(20, load_default=None),
        "phone": _text(20, load_default=None), "ethnicity": _text(100, load_default=None),
        "province_code": _text(10, load_default=None), "ward_code": _text(10, load_default=None),
        "address_detail": _text(500, load_default=None), "is_representative": _flag(),
    }, name="SenderForm")
    return Schema.from_dict({
        "received_on": fields.Date(required=True, validate=validate.Range(
            min=desk.EARLIEST_RECEIVED_ON,
            error=_("Ngày nhận đơn không được trước ngày %(day)s",
                    day=desk.EARLIEST_RECEIVED_ON.strftime("%d/%m/%Y"))), error_messages={
            "required": required, "invalid": _("Ngày không hợp lệ (ngày/tháng/năm)")}),
        "channel": choice("channel", required=True),
        "forwarder_kind": choice("forwarder_kind", load_default="none"),
        "forwarded_by": _text(500, load_default=None),
        "petition_type": fields.String(required=True, validate=validate.OneOf(
            TYPES, error=_("Chọn loại đơn")), error_messages={"required": _("Chọn loại đơn")}),
        "field": choice("field", required=True),
        "summary": fields.String(load_default=""),
        "location": _text(500, load_default=None),
        "priority_markers": fields.List(choice("priority_markers"), load_default=list),
        "remote_area": _flag(),
        "anonymous": _flag(),
        "signers": fields.Integer(load_default=1, strict=False, error_messages={
            "invalid": _("Phải là số nguyên")}),
        "senders": fields.List(fields.Nested(sender), load_default=list),
        "notify_email": _text(254, load_default=None),
        "notify_sms": _flag(),
    }, name="RegistrationForm")()


def _flatten(errors: Mapping, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in errors.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, name + "."))
        elif isinstance(value, list) and value and isinstance(value[0], str):
            flat[name] = value[0]
        else:
            flat[name] = str(value)
    return flat


def _sender_rows(form: MultiDict) -> list[dict]:
    rows: dict[int, dict] = {}
    for key in form:
        match = _SENDER_KEY.match(key)
        if match and (match.group(2) in SENDER_FIELDS or match.group(2) == "is_representative"):
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = form.get(key, "").strip()
    result = []
    for index in sorted(rows)[:MAX_ROWS]:
        row = {k: v for k, v in rows[index].items() if v != ""}
        if any(row.get(k) for k in SENDER_FIELDS):  # a representative tick alone is not a row
            result.append(row)
    return result


def form_values(form: MultiDict) -> dict[str, Any]:
    """What the officer typed, as the template shows it again (strings, lists, flags)."""
    values: dict[str, Any] = {key: form.get(key, "").strip() for key in (
        "received_on", "channel", "forwarder_kind", "forwarded_by", "petition_type", "field",
        "summary", "location", "signers", "notify_email")}
    values["summary"] = form.get("summary", "")  # keep the officer's line breaks as typed
    values["priority_markers"] = form.getlist("priority_markers")
    values["remote_area"] = bool(form.get("remote_area"))
    values["anonymous"] = bool(form.get("anonymous"))
    values["notify_sms"] = bool(form.get("notify_sms"))
    values["senders"] = _sender_rows(form)
    return values


def default_values(today: date) -> dict[str, Any]:
    return {"received_on": today.isoformat(), "channel": "direct", "forwarder_kind": "none",
            "forwarded_by": "", "petition_type": "", "field": "", "summary": "", "location": "",
            "signers": "1", "priority_markers": [], "remote_area": False, "anonymous": False,
            "notify_email": "", "notify_sms": False, "senders": []}


def _senders(rows: list[dict]) -> list[Sender]:
    senders = []
    for row in rows:
        values = {k: (row.get(k) or "").strip()[:500] or None for k in SENDER_FIELDS}
        values["name"] = values["name"] or ""
        senders.append(Sender(**values, is_representative=bool(row.get("is_representative"))))
    return senders


def parse(form: MultiDict, options: FormOptions, *, unit_code: str | None, today: date
          ) -> tuple[Registration, dict[str, str]]:
    """``(registration, errors)``: every error at once, the form's (types, lengths, choices) and
    the engine's (``registration.validate``: required fields, ID numbers, representatives…).

    The registration may be registered only when ``errors`` is empty.
    """
    values = form_values(form)
    raw: dict[str, Any] = {k: v for k, v in values.items()
                           if k not in ("senders", "priority_markers") and v not in ("", False)}
    raw["priority_markers"] = values["priority_markers"]
    raw["senders"] = [{**row, "is_representative": bool(row.get("is_representative"))}
                      for row in values["senders"]]
    try:
        data, errors = registration_schema(options).load(raw), {}
    except ValidationError as err:
        data, errors = (err.valid_data or {}), _flatten(err.messages)
    forwarder_kind = data.get("forwarder_kind", "none")
    if forwarder_kind != "none" and not data.get("forwarded_by"):
        errors.setdefault("forwarded_by", _("Ghi tên cơ quan, người chuyển đơn"))
    if data.get("channel") == "forwarded" and forwarder_kind == "none":  # issue 19 §4
        errors.setdefault("forwarder_kind", _("Đơn do cơ quan, tổ chức chuyển đến: chọn cơ quan, "
                                              "người chuyển đơn"))
    registration = Registration(
        # Stand-ins where a value did not parse: its own error is already reported.
        received_on=data.get("received_on") or today, channel=data.get("channel", ""),
        petition_type=data.get("petition_type", values["petition_type"]),
        field=data.get("field", ""), summary=data.get("summary", values["summary"]),
        senders=_senders(values["senders"]), signers=data.get("signers", 1),
        anonymous=data.get("anonymous", False), forwarder_kind=forwarder_kind,
        forwarded_by=data.get("forwarded_by"), location=data.get("location"),
        priority_markers=list(dict.fromkeys(data.get("priority_markers", []))),
        remote_area=data.get("remote_area", False), unit_code=unit_code,
        notify_email=data.get("notify_email"), notify_sms=data.get("notify_sms", False))
    try:
        desk.validate(registration, today)
    except FormInvalid as err:
        stand_ins = {"signers": ("signers", "representatives"), "received_on": ("received_on",)}
        ignored = {key for bad, keys in stand_ins.items() if bad in errors for key in keys}
        for key, message in err.errors.items():
            if key not in ignored:
                errors.setdefault(key, message)
    return registration, errors


def hidden_pairs(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The typed values as (name, value) pairs for hidden inputs (the duplicate-check step)."""
    pairs: list[tuple[str, str]] = []
    for key in ("received_on", "channel", "forwarder_kind", "forwarded_by", "petition_type",
                "field", "summary", "location", "signers", "notify_email"):
        if values.get(key):
            pairs.append((key, str(values[key])))
    pairs += [("priority_markers", m) for m in values.get("priority_markers", [])]
    for flag in ("remote_area", "anonymous", "notify_sms"):
        if values.get(flag):
            pairs.append((flag, "1"))
    for i, row in enumerate(values.get("senders", [])):
        for key, value in row.items():
            if value:
                pairs.append((f"senders-{i}-{key}", "1" if key == "is_representative" else value))
    return pairs


def sender_blocks(signers: Any) -> int:
    """How many sender blocks the form shows for the number of people who signed: one each up to
    four; from five on, the representatives the law allows (LTCD Điều 29: 5–10 signers elect one
    or two, more than ten at most five). An unreadable count shows one block."""
    try:
        count = int(str(signers).strip())
    except (TypeError, ValueError):
        return 1
    if count <= 1:
        return 1
    if count < MANY_SIGNERS:
        return count
    return 2 if count <= 10 else 5


def sender_rows_for_page(values: Mapping[str, Any]) -> list[dict]:
    """The rows to draw: what was typed, padded with empty rows up to ``sender_blocks`` of the
    submitted count (the page without JavaScript: "Cập nhật" re-renders with the new count;
    reception.js adds and removes rows live)."""
    rows = [dict(row) for row in values.get("senders", [])]
    while len(rows) < sender_blocks(values.get("signers")):
        rows.append({})
    for row in rows:
        row["wards"] = addresses.wards(row["province_code"]) if row.get("province_code") else []
    return rows


SENDER_LABELS = {"name": _l("Họ và tên"), "id_number": _l("Số định danh cá nhân/Căn cước"),
                 "phone": _l("Số điện thoại"), "ethnicity": _l("Dân tộc"),
                 "province_code": _l("Tỉnh, thành phố"), "ward_code": _l("Phường, xã"),
                 "address_detail": _l("Số nhà, đường, thôn, tổ dân phố"),
                 "is_representative": _l("Người đại diện")}
OTHER_LABELS = {"location": _l("Nơi xảy ra vụ việc"), "documents": _l("Tài liệu kèm theo"),
                "representatives": _l("Người đại diện"), "senders": _l("Người gửi đơn")}


def error_target(key: str) -> str:
    """The id of the input an error belongs to (for the links of the error summary)."""
    parts = key.split(".")
    if parts[0] == "senders" and len(parts) >= 3:
        return f"senders-{parts[1]}-{parts[2]}"
    if key in ("representatives", "senders"):
        return "sender-section"
    return f"f-{parts[0]}"


def error_list(errors: Mapping[str, str], options: FormOptions) -> list[dict]:
    """The errors in page order with the label of their field, for the summary at the top."""
    order = ["received_on", "channel", "forwarder_kind", "forwarded_by", "petition_type", "field",
             "summary", "location", "priority_markers", "remote_area", "signers", "anonymous",
             "representatives", "senders"]

    def rank(key: str):
        parts = key.split(".")
        if parts[0] == "senders" and len(parts) >= 3 and parts[1].isdigit():
            return (len(order), int(parts[1]), list(SENDER_FIELDS).index(parts[2])
                    if parts[2] in SENDER_FIELDS else 99)
        return (order.index(parts[0]) if parts[0] in order else len(order) + 1, 0, 0)

    result = []
    for key in sorted(errors, key=rank):
        parts = key.split(".")
        if parts[0] == "senders" and len(parts) >= 3 and parts[1].isdigit():
            label = _("Người gửi %(n)d – %(field)s", n=int(parts[1]) + 1,
                          field=SENDER_LABELS.get(parts[2], parts[2]))
        else:
            label = options.labels.get(parts[0]) or OTHER_LABELS.get(parts[0], parts[0])
        result.append({"key": key, "target": error_target(key), "label": label,
                       "message": errors[key]})
    return result
