"""Inputs of the supervision pages (query strings and the unsealing form)."""
from __future__ import annotations

from datetime import date, datetime

from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from petitions.labels import STATUS_LABELS, TYPE_LABELS
from petitions.supervision.report_letters import PERIOD_KINDS
from petitions.supervision.search import IDENTITY_KINDS, MAX_QUERY_CHARS, OVERDUE_CHOICES


def _day(**kwargs) -> fields.Date:
    """A filter date within the years a register can hold (0001-01-01 once reached the database)."""
    return fields.Date(validate=validate.Range(min=date(1990, 1, 1), max=date(2100, 12, 31),
                                               error="Ngày phải trong khoảng 01/01/1990–31/12/2100"),
                       **kwargs)


class _Query(Schema):
    class Meta:
        unknown = EXCLUDE

    @pre_load
    def drop_empty(self, data, **kwargs):
        return {k: v.strip() for k, v in data.items() if isinstance(v, str) and v.strip()}


class SearchQuery(_Query):
    """Query string of /supervision/search; empty values mean "any"."""

    q = fields.String(load_default=None, validate=validate.Length(max=MAX_QUERY_CHARS))
    type = fields.String(load_default=None, validate=validate.OneOf(list(TYPE_LABELS)))
    field = fields.String(load_default=None, validate=validate.Length(max=30))
    unit = fields.String(load_default=None, validate=validate.Length(max=100))
    status = fields.String(load_default=None, validate=validate.OneOf(list(STATUS_LABELS)))
    assignee = fields.String(load_default=None, validate=validate.Length(max=200))
    received_from = _day(load_default=None)
    received_to = _day(load_default=None)
    active_from = _day(load_default=None)
    active_to = _day(load_default=None)
    overdue = fields.String(load_default=None, validate=validate.OneOf(list(OVERDUE_CHOICES)))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))


class HistoryQuery(_Query):
    """Event-log filters and the "as of" event number of /supervision/instances/<id>."""

    type = fields.String(load_default=None, validate=validate.Length(max=50))
    actor = fields.String(load_default=None, validate=validate.Length(max=200))
    date_from = _day(load_default=None)
    date_to = _day(load_default=None)
    as_of = fields.Integer(load_default=None, validate=validate.Range(min=0, max=10_000_000))
    # A moment in Vietnam time as a datetime-local input sends it ("2026-11-20T14:30").
    as_of_at = fields.NaiveDateTime(load_default=None, format="%Y-%m-%dT%H:%M", validate=validate.Range(
        min=datetime(1990, 1, 1), max=datetime(2100, 12, 31),
        error="Thời điểm phải trong khoảng 01/01/1990–31/12/2100"))


class ReportQuery(_Query):
    """Unit and period of /supervision/reports."""

    unit = fields.String(load_default=None, validate=validate.Length(max=100))
    kind = fields.String(load_default=None, validate=validate.OneOf(list(PERIOD_KINDS)))
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))
    index = fields.Integer(load_default=1, validate=validate.Range(min=1, max=12))


class UnsealForm(_Query):
    """The reason is checked by the engine (petitions.register.registration.senders): one rule, one message."""

    reason = fields.String(load_default="", validate=validate.Length(max=1000))


class IdentitySearchForm(_Query):
    """The POSTed exact identity search: the number is checked by the engine (one rule)."""

    kind = fields.String(required=True, validate=validate.OneOf(list(IDENTITY_KINDS)))
    value = fields.String(required=True, validate=validate.Length(max=40))
