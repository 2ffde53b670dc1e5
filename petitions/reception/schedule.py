"""Reception schedule rules: the dates a leader (or the desk) receives citizens.

A rule is weekly on one weekday or monthly on given days of the month (seed 004: the Party
secretary on the 5th and 28th). A nominal date that falls on a rest day or a holiday moves to the
next working day of the project's calendar, local overrides included (the calendar says which days
are worked); a day the month lacks (the 30th in February) is skipped; two nominal dates that move
onto one day give one session. The law's minimum frequencies (LTCD Điều 15.2.d, Luật 136/2025, Quy định
11-QĐi/TW; domain-spec §7) are checked by ``compliance`` against the sessions held in person.
"""
from __future__ import annotations

import calendar as month_calendar
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import TYPE_CHECKING, Iterable, Iterator

from engine.errors import InvalidInput

if TYPE_CHECKING:
    from engine.working_days import WorkingDayCalendar

# Default session hours (configurable per schedule): morning and afternoon of a working day.
MORNING = (time(7, 30), time(11, 30))
AFTERNOON = (time(13, 30), time(17, 0))
MAX_SPAN_DAYS = 3 * 366   # a schedule is planned a year or so ahead; refuse absurd spans

# Positions whose periodic reception the law sets a minimum for (domain-spec §7).
CHAIRMAN = "chairman"               # Chủ tịch UBND cấp xã: at least 1 day a week
PARTY_SECRETARY = "party_secretary"  # Bí thư: at least 2 days a month
HEAD = "head"                       # other heads of agencies: at least 1 day a month
POSITIONS = {CHAIRMAN: "Chủ tịch Ủy ban nhân dân", PARTY_SECRETARY: "Bí thư cấp ủy",
             HEAD: "Thủ trưởng cơ quan, đơn vị"}


@dataclass(frozen=True)
class Rule:
    """Weekly on ``weekday`` (1 = Monday … 7 = Sunday) or monthly on ``monthly_days``."""

    weekday: int | None = None
    monthly_days: tuple[int, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if (self.weekday is None) == (not self.monthly_days):
            raise InvalidInput("Cần đúng một quy tắc: hằng tuần (thứ trong tuần) hoặc hằng tháng "
                               "(các ngày trong tháng)")
        if self.weekday is not None and not 1 <= self.weekday <= 7:
            raise InvalidInput(f"Thứ trong tuần phải từ 1 (thứ Hai) đến 7 (Chủ nhật), không phải "
                               f"{self.weekday}")
        bad = [d for d in self.monthly_days if not 1 <= d <= 31]
        if bad:
            raise InvalidInput(f"Ngày trong tháng phải từ 1 đến 31, không phải {bad[0]}")

    def describe(self) -> str:
        if self.weekday is not None:
            return "Hằng tuần, " + ("Chủ nhật" if self.weekday == 7 else f"thứ {_THU[self.weekday]}")
        return "Hằng tháng, ngày " + ", ".join(str(d) for d in sorted(set(self.monthly_days)))


_THU = {1: "Hai", 2: "Ba", 3: "Tư", 4: "Năm", 5: "Sáu", 6: "Bảy"}


def parse_days(text: str) -> tuple[int, ...]:
    """``"5,28"`` → (5, 28); a clear error for anything else."""
    try:
        days = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise InvalidInput(f"Danh sách ngày không hợp lệ '{text}' (ví dụ: 5,28)") from None
    if not days:
        raise InvalidInput("Cần ít nhất một ngày trong tháng")
    return days


def _check_span(start: date, end: date) -> None:
    if start > end:
        raise InvalidInput(f"Ngày bắt đầu {start.isoformat()} sau ngày kết thúc {end.isoformat()}")
    if (end - start).days > MAX_SPAN_DAYS:
        raise InvalidInput(f"Khoảng thời gian quá dài (tối đa {MAX_SPAN_DAYS} ngày)")


def nominal_dates(rule: Rule, start: date, end: date) -> Iterator[date]:
    """The rule's dates in ``start``..``end`` (both inclusive), before any move."""
    _check_span(start, end)
    if rule.weekday is not None:
        day = start + timedelta(days=(rule.weekday - 1 - start.weekday()) % 7)
        while day <= end:
            yield day
            day += timedelta(days=7)
        return
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        last = month_calendar.monthrange(year, month)[1]
        for day_of_month in sorted(set(rule.monthly_days)):
            if day_of_month <= last and start <= (day := date(year, month, day_of_month)) <= end:
                yield day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def session_dates(rule: Rule, start: date, end: date, cal: "WorkingDayCalendar") -> list[date]:
    """The session dates: each nominal date moved to the next working day, once each, sorted. A
    date moved past ``end`` is kept: the session of that nominal date is held then."""
    return sorted({cal.next_working_day(day) for day in nominal_dates(rule, start, end)})


def minimum_for(position: str, start: date, end: date) -> int:
    """Sessions the law requires of ``position`` in ``start``..``end``: whole weeks for the
    chairman, whole months for the others (a period shorter than one requires none)."""
    _check_span(start, end)
    days = (end - start).days + 1
    if position == CHAIRMAN:
        return days // 7
    months = _whole_months(start, end)
    return months * (2 if position == PARTY_SECRETARY else 1)


def _whole_months(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if start.day != 1:
        months -= 1
    if end.day != month_calendar.monthrange(end.year, end.month)[1]:
        months -= 1
    return max(months, 0)


@dataclass(frozen=True)
class Compliance:
    position: str
    required: int
    held_in_person: int
    held_by_deputy: int

    @property
    def met(self) -> bool:
        return self.held_in_person >= self.required

    @property
    def shortfall(self) -> int:
        return max(self.required - self.held_in_person, 0)


def compliance(position: str, start: date, end: date,
               held: Iterable[tuple[date, bool]]) -> Compliance:
    """Compliance of a leader in a period from the sessions held: (date, in_person). Only
    sessions the leader held in person count (the chairman may not delegate periodic reception,
    Luật 136/2025); a deputy's sessions are shown, not counted."""
    in_person = by_deputy = 0
    for day, personally in held:
        if start <= day <= end:
            if personally:
                in_person += 1
            else:
                by_deputy += 1
    return Compliance(position, minimum_for(position, start, end), in_person, by_deputy)


def check_group(people: int, representatives: int) -> None:
    """LTCD Điều 29 (domain-spec §7): 5-10 people choose 1-2 representatives, more than 10 up to
    5; fewer than 5 come in person, no representative needed."""
    if people < 1:
        raise InvalidInput("Số người phải từ 1 trở lên")
    if representatives < 0:
        raise InvalidInput("Số người đại diện không được âm")
    if representatives > people:
        raise InvalidInput("Số người đại diện không được nhiều hơn số người đến")
    if 5 <= people <= 10 and not 1 <= representatives <= 2:
        raise InvalidInput(f"Đoàn {people} người (5–10 người) phải cử 1 hoặc 2 người đại diện, "
                           f"không phải {representatives}")
    if people > 10 and not 1 <= representatives <= 5:
        raise InvalidInput(f"Đoàn {people} người (trên 10 người) phải cử từ 1 đến 5 người đại "
                           f"diện, không phải {representatives}")
