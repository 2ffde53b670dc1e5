"""Marshmallow schemas of the API: every input is loaded through one, every output dumped.

The OpenAPI document is generated from these (flask-smorest), so it cannot drift from the code.
Outputs that mirror a domain read model (a petition file, an instance history, a report) are
objects whose keys the domain defines; the fixed parts are spelled out.
"""
from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from datetime import date

from marshmallow import EXCLUDE, Schema, fields, validate

from petitions.labels import TYPE_LABELS
from petitions.supervision.report_letters import PERIOD_KINDS
from petitions.tasks.inbox import VIEWS
from webapp.petitions.schemas import PetitionFilters
from webapp.supervision.schemas import SearchQuery

CURSOR = fields.String(load_default=None, validate=validate.Length(max=200),
                       metadata={"description": "Giá trị `next` của trang trước (mờ)."})
_DAY = validate.Range(min=date(1990, 1, 1), max=date(2100, 12, 31),
                      error="Ngày phải trong khoảng 01/01/1990–31/12/2100")


def plain(value):
    """A JSON-ready copy of a domain read model (dates as ISO strings, dataclasses as objects)."""
    def default(item):
        if is_dataclass(item):
            return asdict(item)
        if isinstance(item, (date,)):
            return item.isoformat()
        if isinstance(item, (set, frozenset, tuple)):
            return list(item)
        return str(item)
    return json.loads(json.dumps(value, default=default, ensure_ascii=False))


class _In(Schema):
    class Meta:
        unknown = EXCLUDE


class Page(Schema):
    items = fields.List(fields.Dict(), required=True)
    next = fields.String(allow_none=True, required=True)


# ---- petitions -----------------------------------------------------------------------------

class PetitionListArgs(PetitionFilters):
    """The filters of the officers' list (/petitions/ on the web); ``cursor`` instead of pages."""

    class Meta:
        unknown = EXCLUDE
        exclude = ("page",)

    cursor = CURSOR


class PetitionSearchArgs(SearchQuery):
    """The supervisors' search (/supervision/search on the web); ``cursor`` instead of pages."""

    class Meta:
        unknown = EXCLUDE
        exclude = ("page",)

    cursor = CURSOR


class SearchPage(Page):
    total = fields.Integer(required=True)
    capped = fields.Boolean(required=True)


class Upload(_In):
    file_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    content_base64 = fields.String(required=True, validate=validate.Length(
        min=1, max=28 * 1024 * 1024))


class SenderIn(_In):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    id_number = fields.String(load_default=None, validate=validate.Length(max=20))
    phone = fields.String(load_default=None, validate=validate.Length(max=20))
    ethnicity = fields.String(load_default=None, validate=validate.Length(max=50))
    province_code = fields.String(load_default=None, validate=validate.Length(max=10))
    ward_code = fields.String(load_default=None, validate=validate.Length(max=10))
    address_detail = fields.String(load_default=None, validate=validate.Length(max=500))
    is_representative = fields.Boolean(load_default=False)


class RegistrationIn(_In):
    """A letter as the reception desk registers it (petitions.register.registration)."""

    received_on = fields.Date(required=True, validate=_DAY)
    channel = fields.String(required=True, validate=validate.Length(min=1, max=30))
    petition_type = fields.String(required=True, validate=validate.OneOf(list(TYPE_LABELS)))
    field = fields.String(required=True, validate=validate.Length(min=1, max=30))
    summary = fields.String(required=True, validate=validate.Length(min=1, max=10_000))
    senders = fields.List(fields.Nested(SenderIn), load_default=list,
                          validate=validate.Length(max=50))
    signers = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    anonymous = fields.Boolean(load_default=False)
    forwarder_kind = fields.String(load_default="none", validate=validate.Length(max=30))
    forwarded_by = fields.String(load_default=None, validate=validate.Length(max=500))
    location = fields.String(load_default=None, validate=validate.Length(max=500))
    priority_markers = fields.List(fields.String(validate=validate.Length(max=30)),
                                   load_default=list, validate=validate.Length(max=10))
    remote_area = fields.Boolean(load_default=False)
    documents = fields.List(fields.Nested(Upload), load_default=list,
                            validate=validate.Length(max=10))


class Registered(Schema):
    petition_id = fields.Integer(required=True)
    number = fields.String(required=True)
    tracking_code = fields.String(required=True)
    instance_id = fields.Integer(required=True)


class PetitionFile(Schema):
    """The petition file as the web's page shows it to the same actor (sealed: masked)."""

    petition = fields.Dict(required=True)
    register = fields.List(fields.Dict(), required=True)
    status = fields.Dict(required=True)
    senders = fields.List(fields.Dict(), required=True)
    data = fields.List(fields.Dict(), required=True)
    timeline = fields.List(fields.Dict(), required=True)
    tasks = fields.List(fields.Dict(), required=True)
    documents = fields.List(fields.Dict(), required=True)
    links = fields.List(fields.Dict(), required=True)
    escalations = fields.List(fields.Dict(), required=True)
    revealed = fields.Boolean(required=True)
    audit = fields.Dict(allow_none=True, required=True)


# ---- tasks ---------------------------------------------------------------------------------

class TaskListArgs(_In):
    view = fields.String(load_default="mine", validate=validate.OneOf(VIEWS))
    cursor = CURSOR


class TaskOut(Schema):
    task = fields.Dict(required=True)
    access = fields.Dict(required=True)
    form = fields.Dict(allow_none=True, required=True)


class TaskBrief(Schema):
    id = fields.Integer(required=True)
    instance_id = fields.Integer(required=True)
    name = fields.String(allow_none=True)
    status = fields.String(required=True)
    assignee = fields.String(allow_none=True)
    candidate_role = fields.String(allow_none=True)
    candidate_unit = fields.String(allow_none=True)


class CompletionIn(_In):
    data = fields.Dict(keys=fields.String(validate=validate.Length(max=100)), required=True)
    attachments = fields.List(fields.Nested(Upload), load_default=list,
                              validate=validate.Length(max=10))


class Completed(Schema):
    task = fields.Dict(required=True)
    instance_id = fields.Integer(required=True)
    documents = fields.List(fields.Integer(), required=True)


class DraftIn(_In):
    data = fields.Dict(keys=fields.String(validate=validate.Length(max=100)), required=True)


class DraftOut(Schema):
    data = fields.Dict(allow_none=True, required=True)
    saved_at = fields.String(allow_none=True, required=True)


# ---- instances, processes, reports ---------------------------------------------------------

class InstanceOut(Schema):
    instance = fields.Dict(required=True)
    petition = fields.Dict(allow_none=True, required=True)
    sealed = fields.Boolean(required=True)
    verification = fields.Dict(required=True)
    events = fields.List(fields.Dict(), required=True)


class ProcessOut(Schema):
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    name = fields.String(allow_none=True)
    sha256 = fields.String(allow_none=True)
    tag = fields.String(allow_none=True)
    deployed_by = fields.String(allow_none=True)
    deployed_at = fields.String(allow_none=True)


class DeployIn(_In):
    files = fields.List(fields.Nested(Upload), required=True,
                        validate=validate.Length(min=1, max=200))
    tag = fields.String(load_default=None, validate=validate.Length(max=100))


class Deployed(Schema):
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    new = fields.Boolean(required=True)


class ReportArgs(_In):
    kind = fields.String(load_default="month", validate=validate.OneOf(list(PERIOD_KINDS)))
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))
    index = fields.Integer(load_default=None, validate=validate.Range(min=1, max=12))
    unit = fields.String(load_default=None, validate=validate.Length(max=100))


class ReportOut(Schema):
    period = fields.Dict(required=True)
    unit_code = fields.String(allow_none=True, required=True)
    unit_label = fields.String(required=True)
    generated_at = fields.String(required=True)
    sections = fields.List(fields.Dict(), required=True)
    figures = fields.Dict(required=True)
