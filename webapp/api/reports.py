"""/api/v1/reports: the periodic figures (petitions.supervision.reports) as JSON.

Supervisors and administrators, over their own units, as /supervision/reports on the web.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_smorest import Blueprint

from engine.errors import InvalidInput
from engine.working_days import VN_TZ
from petitions.supervision import report_letters, reports
from webapp.api.auth import api_actor
from webapp.api.instances import check_supervising
from webapp.api.schemas import ReportArgs, ReportOut, plain
from webapp.engine_access import engine_ctx

blp = Blueprint("api_reports", __name__, url_prefix="/api/v1/reports",
                description="Báo cáo định kỳ: số liệu theo kỳ (giám sát, quản trị).")


@blp.route("", methods=["GET"])
@blp.arguments(ReportArgs, location="query")
@blp.response(200, ReportOut)
def report(args: dict):
    """Số liệu của một kỳ (tháng, quý, 6 tháng, 9 tháng, năm) cho một đơn vị hoặc mọi đơn vị
    của token; mỗi dòng: tổng, kỳ trước chuyển sang, mới trong kỳ, cách tính."""
    check_supervising()
    today = engine_ctx().clock.now().astimezone(VN_TZ).date()
    year = args["year"] or today.year
    index = args["index"] or (today.month if args["kind"] == "month" else 1)
    try:
        period = report_letters.period(args["kind"], year, index)
    except ValueError as err:
        raise InvalidInput(_("Kỳ báo cáo không hợp lệ: %(reason)s", reason=str(err))) from None
    built = reports.build(engine_ctx(), period, args["unit"], units=api_actor().units)
    figures = {key: plain(row) for key, row in reports.figures(built).items()}
    return plain({**{k: built[k] for k in ("unit_code", "unit_label", "generated_at",
                                           "sections")},
                  "period": built["period"], "figures": figures})
