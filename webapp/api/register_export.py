"""/api/v1/register/export: the register of a period for the national database (issue 20 §6).

The same versioned JSON file as ``petitions register export`` (``petitions.interop.national_export``),
validated against its JSON Schema before it is answered. Supervisors and administrators, over
the token's units. No sealed denouncer is ever in it, whatever the token's roles.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from engine.errors import InvalidInput
from petitions.interop import national_export
from webapp.api.auth import api_actor
from webapp.api.instances import check_supervising
from webapp.api.schemas import _DAY, _In
from webapp.engine_access import engine_ctx

MAX_DAYS = 366   # a year's register at most per request

blp = Blueprint("api_register", __name__, url_prefix="/api/v1/register",
                description="Sổ đơn: tệp xuất lên cơ sở dữ liệu quốc gia (giám sát, quản trị).")


class ExportArgs(_In):
    start = fields.Date(required=True, data_key="from", validate=_DAY,
                        metadata={"description": "Từ ngày nhận đơn (tính cả ngày này)."})
    end = fields.Date(required=True, data_key="to", validate=_DAY,
                      metadata={"description": "Đến ngày nhận đơn (tính cả ngày này)."})
    unit = fields.String(load_default=None, validate=validate.Length(max=100))


class ExportOut(Schema):
    format = fields.String(required=True)
    version = fields.String(required=True)
    generated_at = fields.String(required=True)
    period = fields.Dict(required=True)
    scope = fields.Dict(required=True)
    agency = fields.String(allow_none=True, required=True)
    letters = fields.List(fields.Dict(), required=True)


@blp.route("/export", methods=["GET"])
@blp.arguments(ExportArgs, location="query")
@blp.response(200, ExportOut)
def export(args: dict):
    """Các đơn nhận trong kỳ của một đơn vị hoặc mọi đơn vị của token, theo định dạng xuất
    phiên bản 1 (JSON Schema: `petitions register export --schema`); người tố cáo chỉ có dấu
    niêm phong."""
    check_supervising()
    start, end = args["start"], args["end"]
    if start > end:
        raise InvalidInput(_("Ngày bắt đầu kỳ sau ngày kết thúc kỳ"))
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput(_("Mỗi lần xuất tối đa %(days)s ngày", days=MAX_DAYS))
    return national_export.build(engine_ctx(), start, end, unit=args["unit"],
                                 units=api_actor().units)
