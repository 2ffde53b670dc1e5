"""``petitions calendar``: due dates on the working-day calendar, holidays and day swaps."""
from __future__ import annotations

from datetime import date

import click

from engine.work.calendar_overrides import set_override
from petitions_cli.output import json_option, open_context


def _date(value: str, hint: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"ngày không hợp lệ '{value}' (cần YYYY-MM-DD)", param_hint=hint)


@click.group()
def calendar():
    """Lịch ngày làm việc."""


@calendar.command("add")
@click.option("--from", "start", required=True, help="Ngày sự kiện (YYYY-MM-DD).")
@click.option("--days", type=click.IntRange(min=0), help="Số ngày (theo lịch).")
@click.option("--working-days", type=click.IntRange(min=0), help="Số ngày làm việc.")
def calendar_add(start, days, working_days):
    """In hạn (YYYY-MM-DD): ngày 1 là ngày sau sự kiện; hạn rơi vào ngày nghỉ thì lùi sang ngày làm việc."""
    if (days is None) == (working_days is None):
        raise click.UsageError("Cần đúng một trong --days hoặc --working-days")
    start_day = _date(start, "--from")
    cal = open_context().calendar()
    due = cal.add_days(start_day, days) if days is not None else \
        cal.add_working_days(start_day, working_days)
    click.echo(due.isoformat())


@calendar.command("holidays")
@click.argument("year", type=click.IntRange(1990, 2100))
@json_option
def calendar_holidays(year):
    """Các ngày nghỉ lễ (kể cả nghỉ bù và điều chỉnh) trong năm."""
    cal = open_context().calendar()
    return [{"date": d.isoformat(), "name": name} for d, name in cal.holidays_in_year(year)]


@calendar.group("override")
def override():
    """Điều chỉnh ngày nghỉ/làm bù theo từng năm."""


@override.command("add")
@click.argument("day")
@click.option("--off", "kind", flag_value="off", help="Ngày nghỉ thêm.")
@click.option("--work", "kind", flag_value="work", help="Ngày làm việc bù.")
@click.option("--note")
@click.option("--user", "actor", default="cli", show_default=True)
@json_option
def override_add(day, kind, note, actor):
    """Thêm/sửa một ngày điều chỉnh."""
    if kind is None:
        raise click.UsageError("Cần --off hoặc --work")
    return set_override(open_context(), _date(day, "DAY"), kind,
                        actor=actor, note=note)
