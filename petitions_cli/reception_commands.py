"""``petitions reception``: the reception schedule rules (used to check them on real dates)."""
from __future__ import annotations

from datetime import date

import click

from engine.errors import InvalidInput
from petitions.reception.schedule import Rule, parse_days, session_dates
from petitions_cli.output import json_option, open_context


def _date(value: str, hint: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"ngày không hợp lệ '{value}' (cần YYYY-MM-DD)",
                                 param_hint=hint) from None


@click.group()
def reception():
    """Tiếp công dân: lịch tiếp."""


@reception.command("dates")
@click.option("--weekday", type=int, help="Hằng tuần vào thứ N (1 = thứ Hai … 7 = Chủ nhật).")
@click.option("--monthly-days", help="Hằng tháng vào các ngày này, ví dụ 5,28.")
@click.option("--from", "start", required=True, help="Từ ngày (YYYY-MM-DD), tính cả ngày này.")
@click.option("--to", "end", required=True, help="Đến ngày (YYYY-MM-DD), tính cả ngày này.")
@json_option
def reception_dates(weekday, monthly_days, start, end):
    """Các ngày tiếp theo quy tắc: ngày nghỉ, ngày lễ chuyển sang ngày làm việc kế tiếp."""
    start_day, end_day = _date(start, "--from"), _date(end, "--to")
    try:
        rule = Rule(weekday=weekday,
                    monthly_days=parse_days(monthly_days) if monthly_days is not None else ())
        if start_day > end_day:
            raise InvalidInput(f"--from {start_day.isoformat()} sau --to {end_day.isoformat()}")
        days = session_dates(rule, start_day, end_day, open_context().calendar())
    except InvalidInput as err:  # a malformed command line: usage error, exit status 2
        raise click.UsageError(err.message) from None
    return [day.isoformat() for day in days]


@reception.command("figures")
@click.option("--unit", "units", multiple=True, required=True, help="Mã đơn vị (lặp lại được).")
@click.option("--from", "start", required=True, help="Từ ngày (YYYY-MM-DD), tính cả ngày này.")
@click.option("--to", "end", required=True, help="Đến ngày (YYYY-MM-DD), tính cả ngày này.")
@json_option
def reception_figures(units, start, end):
    """Số liệu tiếp công dân của kỳ báo cáo: lượt, người, vụ việc, đoàn đông người, phiên tiếp
    theo hình thức, từng người đứng đầu so với mức tối thiểu, kết luận và việc thực hiện."""
    from petitions.reception.figures import figures
    start_day, end_day = _date(start, "--from"), _date(end, "--to")
    if start_day > end_day:
        raise click.UsageError(f"--from {start_day.isoformat()} sau --to {end_day.isoformat()}")
    ctx = open_context()
    with ctx.uow(write=False) as uow:
        return figures(uow.session, units, start_day, end_day, now=ctx.clock.now())
