"""Vietnamese working-day calendar for deadlines.

Rest days are Saturday and Sunday plus the public holidays of Bộ luật Lao động 2019
Điều 112 (1/1, Tết, Giỗ Tổ Hùng Vương 10/3 âm lịch, 30/4, 1/5, 2/9 and one adjacent
day; a holiday on a weekend is compensated on the next working day). Holiday dates,
including compensation days, come from the maintained ``holidays`` package, which also
carries the Government's published day swaps (e.g. work on Saturday 22/8/2026, rest on
Monday 31/8/2026). Swaps the package does not know are passed in as ``overrides``.

Periods are counted per Bộ luật Dân sự 2015 Điều 147-148: day 1 is the day after the
event, and a period whose last day is a rest day ends on the next working day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

__all__ = ["WorkingDayCalendar"]

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OFF, WORK = "off", "work"
# Names are pinned to Vietnamese: left unset, the package picks a language from the
# process locale, so the same date would be named differently on different servers.
LANGUAGE = "vi"
OVERRIDE_OFF_NAME = "Ngày nghỉ (điều chỉnh)"
_ONE_DAY = timedelta(days=1)


def _to_date(value: date | datetime) -> date:
    """Reduce a date/datetime to the Vietnamese calendar date it falls on."""
    if isinstance(value, datetime):
        # An aware timestamp such as 23:30 UTC is already the next day in Hà Nội.
        if value.tzinfo is not None and value.utcoffset() is not None:
            value = value.astimezone(VN_TZ)
        return value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"expected date or datetime, got {type(value).__name__}")


@lru_cache(maxsize=None)
def _package_year(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year, language=LANGUAGE)


@lru_cache(maxsize=None)
def _year_tables(year: int) -> tuple[dict[date, str], frozenset[date]]:
    """Holidays of ``year`` and its weekend make-up working days, cached per year."""
    names = {d: n for d, n in _package_year(year).items() if d.year == year}
    # A swap is registered under the year of the day off, while the make-up Saturday
    # may fall in the neighbouring year (e.g. 31/12/2018 for 5/1/2019).
    workdays = frozenset(
        d
        for y in (year - 1, year, year + 1)
        if date.min.year <= y <= date.max.year
        for d in _package_year(y).weekend_workdays
        if d.year == year
    )
    return names, workdays


class WorkingDayCalendar:
    """Working-day arithmetic under Vietnamese law.

    ``overrides`` maps a date to ``"off"`` (extra day off) or ``"work"`` (make-up
    working day); they win over weekends, holidays and the package's own swaps.
    ``extra_years`` only pre-loads those years so the first lookup is not slow.
    """

    def __init__(
        self, overrides: Mapping[date, str] | None = None, *, extra_years: Iterable[int] = ()
    ) -> None:
        self._overrides: dict[date, str] = {}
        for key, kind in (overrides or {}).items():
            if kind not in (OFF, WORK):
                raise ValueError(f"override for {key} must be 'off' or 'work', got {kind!r}")
            self._overrides[_to_date(key)] = kind
        for year in extra_years:
            _year_tables(int(year))

    def is_working_day(self, d: date | datetime) -> bool:
        d = _to_date(d)
        kind = self._overrides.get(d)
        if kind is not None:
            return kind == WORK
        names, workdays = _year_tables(d.year)
        if d.weekday() >= 5:
            return d in workdays
        return d not in names

    def is_holiday(self, d: date | datetime) -> bool:
        """Public holiday (incl. compensation day) or override "off"; weekends alone are not."""
        return self.holiday_name(d) is not None

    def holiday_name(self, d: date | datetime) -> str | None:
        d = _to_date(d)
        kind = self._overrides.get(d)
        if kind == WORK:
            return None
        name = _year_tables(d.year)[0].get(d)
        if name is None and kind == OFF:
            return OVERRIDE_OFF_NAME
        return name

    def holidays_in_year(self, year: int) -> list[tuple[date, str]]:
        found = dict(_year_tables(year)[0])
        for d, kind in self._overrides.items():
            if d.year != year:
                continue
            if kind == WORK:
                found.pop(d, None)
            else:
                found.setdefault(d, OVERRIDE_OFF_NAME)
        return sorted(found.items())

    def next_working_day(self, d: date | datetime) -> date:
        d = _to_date(d)
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def add_days(self, start: date | datetime, days: int) -> date:
        """End of a period of ``days`` calendar days (BLDS Điều 147-148).

        Day 1 is the day after ``start``; a last day that is a rest day rolls forward.
        """
        if days < 0:
            raise ValueError(f"days must be >= 0, got {days}")
        return self.next_working_day(_to_date(start) + timedelta(days=days))

    def add_working_days(self, start: date | datetime, days: int) -> date:
        """The ``days``-th working day after ``start``; ``start`` itself never counts."""
        if days < 0:
            raise ValueError(f"days must be >= 0, got {days}")
        d = _to_date(start)
        if days == 0:
            return self.next_working_day(d)
        while days:
            d += _ONE_DAY
            if self.is_working_day(d):
                days -= 1
        return d

    def working_days_between(self, start: date | datetime, end: date | datetime) -> int:
        """Working days in (start, end], negated when ``end`` is before ``start``.

        Inverse of :meth:`add_working_days` for ``days >= 1``.
        """
        start, end = _to_date(start), _to_date(end)
        if end < start:
            return -self.working_days_between(end, start)
        count, d = 0, start
        while d < end:
            d += _ONE_DAY
            count += self.is_working_day(d)
        return count

    def resume_deadline(
        self,
        due: date | datetime,
        suspended_on: date | datetime,
        resumed_on: date | datetime,
        *,
        working: bool,
    ) -> date:
        """New deadline of a case resumed after suspension (tạm đình chỉ).

        The clock stops at the end of ``suspended_on``; the days left in
        (suspended_on, due] are counted again with day 1 = the day after ``resumed_on``.
        A case already overdue when suspended keeps its original ``due``: a pause
        cannot cure a missed deadline.
        """
        due, suspended_on, resumed_on = map(_to_date, (due, suspended_on, resumed_on))
        if resumed_on < suspended_on:
            raise ValueError(
                f"resumed_on ({resumed_on}) is before suspended_on ({suspended_on})"
            )
        if due < suspended_on:
            return due
        if working:
            return self.add_working_days(resumed_on, self.working_days_between(suspended_on, due))
        return self.add_days(resumed_on, (due - suspended_on).days)
