"""The allow-list of helpers that diagrams' scripts and expressions may call.

Task data stays plain JSON, so date helpers take and return ISO strings ("2027-02-03") as well as
dates. ``deadline(day)`` turns a due day into the timer value a diagram needs: the end of that day in
Vietnam (a period ends at 24:00 on its last day, BLDS Điều 148), as an ISO timestamp with offset.
"""
from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable

from engine.working_days import VN_TZ, WorkingDayCalendar


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.astimezone(VN_TZ).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return datetime.fromisoformat(text).astimezone(VN_TZ).date() if "T" in text \
                else date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"Ngày không hợp lệ: {value!r} (cần dạng YYYY-MM-DD)") from None
    raise ValueError(f"Không phải ngày: {value!r}")


def calendar_helpers(calendar: WorkingDayCalendar,
                     now: Callable[[], datetime]) -> dict[str, Callable[..., Any]]:
    """Helpers bound to one working-day calendar and clock."""

    def today() -> str:
        return now().astimezone(VN_TZ).date().isoformat()

    def add_days(start, days: int) -> str:
        return calendar.add_days(_as_date(start), int(days)).isoformat()

    def add_working_days(start, days: int) -> str:
        return calendar.add_working_days(_as_date(start), int(days)).isoformat()

    def working_days_between(start, end) -> int:
        return calendar.working_days_between(_as_date(start), _as_date(end))

    def is_working_day(day) -> bool:
        return calendar.is_working_day(_as_date(day))

    def resume_deadline(due, suspended_on, resumed_on, working: bool = True) -> str:
        return calendar.resume_deadline(_as_date(due), _as_date(suspended_on),
                                        _as_date(resumed_on), working=working).isoformat()

    def deadline(day) -> str:
        end = datetime.combine(_as_date(day), time(23, 59, 59), tzinfo=VN_TZ)
        return end.astimezone(timezone.utc).isoformat()

    def earliest(*days) -> str:
        return min(_as_date(d) for d in days if d).isoformat()

    def days_between(start, end) -> int:
        return (_as_date(end) - _as_date(start)).days

    def to_date(value) -> str:
        return _as_date(value).isoformat()

    def now_iso() -> str:
        return now().astimezone(timezone.utc).isoformat()

    return {
        "today": today, "now": now_iso, "add_days": add_days,
        "add_working_days": add_working_days, "working_days_between": working_days_between,
        "is_working_day": is_working_day, "resume_deadline": resume_deadline,
        "deadline": deadline, "earliest": earliest, "days_between": days_between,
        "to_date": to_date, "ceil": math.ceil, "floor": math.floor,
        # The date and time types (immutable values; their methods reach no file, network or
        # process state). For the current moment use now()/today(): they follow the engine's clock.
        "timedelta": timedelta, "datetime": datetime, "date": date, "timezone": timezone,
    }
