"""Inputs of the petition pages: list filters and the identity-unsealing form."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from petitions.labels import STATUS_LABELS, TYPE_LABELS


class PetitionFilters(Schema):
    """Query string of /petitions/; empty values mean "any"."""

    class Meta:
        unknown = EXCLUDE

    q = fields.String(load_default=None, validate=validate.Length(max=50))
    type = fields.String(load_default=None, validate=validate.OneOf(list(TYPE_LABELS)))
    field = fields.String(load_default=None, validate=validate.Length(max=30))
    status = fields.String(load_default=None, validate=validate.OneOf(list(STATUS_LABELS)))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))

    @pre_load
    def drop_empty(self, data, **kwargs):
        return {k: v.strip() for k, v in data.items() if isinstance(v, str) and v.strip()}


class UnsealForm(Schema):
    """The reason is checked by the engine (petitions.register.registration.senders): one rule, one message."""

    class Meta:
        unknown = EXCLUDE

    reason = fields.String(load_default="", validate=validate.Length(max=1000))


class WithdrawalForm(Schema):
    """"Công dân rút đơn": the reason's length is checked by the engine (one rule, one message)."""

    class Meta:
        unknown = EXCLUDE

    reason = fields.String(load_default="", validate=validate.Length(max=1000))


class GrantForm(Schema):
    """The resolver lets one officer of the unit read a sealed identity until a day (Vietnam)."""

    class Meta:
        unknown = EXCLUDE

    grantee = fields.String(required=True, validate=validate.Length(min=1, max=200))
    reason = fields.String(load_default="", validate=validate.Length(max=1000))
    until = fields.Date(required=True)
