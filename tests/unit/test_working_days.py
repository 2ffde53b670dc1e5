"""Tests for engine.working_days against real Vietnamese calendars (2026-2028).

Dates below were checked against the `holidays` package output and a wall calendar:
1 Jan 2027 is a Friday, 1 Mar 2027 a Monday, 1 Apr 2026 a Wednesday.
"""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from engine import working_days
from engine.working_days import OVERRIDE_OFF_NAME, WorkingDayCalendar


@pytest.fixture(scope="module")
def cal() -> WorkingDayCalendar:
    return WorkingDayCalendar()


# --- Holidays as supplied by the package ---------------------------------------------


def test_tet_2027_package_dates(cal):
    tet = [d for d, _ in cal.holidays_in_year(2027) if d.month == 2]
    # Tết Đinh Mùi: mùng 1 = Sat 6/2/2027. Eve + 4 days = Fri 5 .. Tue 9; the Saturday
    # is compensated on Thu 4 ("29 Tết") and the Sunday on Wed 10 ("mùng 5").
    assert tet == [date(2027, 2, d) for d in range(4, 11)]
    assert cal.holiday_name(date(2027, 2, 6)) == "Tết Nguyên Đán"
    assert cal.holiday_name(date(2027, 2, 4)) == "29 Tết"
    assert cal.holiday_name(date(2027, 2, 10)) == "Mùng năm Tết Nguyên Đán"
    assert all(not cal.is_working_day(d) for d in tet)
    assert cal.is_working_day(date(2027, 2, 3))
    assert cal.is_working_day(date(2027, 2, 11))


def test_add_working_days_skips_tet_2027(cal):
    assert cal.add_working_days(date(2027, 2, 3), 1) == date(2027, 2, 11)
    assert cal.add_working_days(date(2027, 2, 3), 2) == date(2027, 2, 12)
    assert cal.add_working_days(date(2027, 2, 3), 3) == date(2027, 2, 15)
    # Fri 29/1: Mon 1, Tue 2, Wed 3, then nothing until Thu 11/2.
    assert cal.add_working_days(date(2027, 1, 29), 4) == date(2027, 2, 11)
    assert cal.working_days_between(date(2027, 1, 29), date(2027, 2, 11)) == 4


def test_national_day_2026_with_adjacent_day_and_package_swap(cal):
    assert cal.holiday_name(date(2026, 9, 1)) == "Quốc khánh"  # adjacent day (Tue)
    assert cal.holiday_name(date(2026, 9, 2)) == "Quốc khánh"  # Wed
    # Package carries the Government swap: rest Mon 31/8, work Sat 22/8.
    assert cal.is_holiday(date(2026, 8, 31))
    assert cal.is_working_day(date(2026, 8, 22))
    assert not cal.is_holiday(date(2026, 8, 22))
    # Fri 28/8 -> Sat 29 .. Wed 2/9 all rest -> Thu 3/9.
    assert cal.add_working_days(date(2026, 8, 28), 1) == date(2026, 9, 3)
    assert cal.add_working_days(date(2026, 8, 21), 1) == date(2026, 8, 22)


def test_national_day_adjacent_day_other_years(cal):
    def sept(year):
        return [d for d, _ in cal.holidays_in_year(year) if d.month == 9]

    assert sept(2027) == [date(2027, 9, 2), date(2027, 9, 3)]  # Thu + Fri
    # 2/9/2028 is a Saturday: adjacent Fri 1/9 plus compensation Mon 4/9.
    assert sept(2028) == [date(2028, 9, 1), date(2028, 9, 2), date(2028, 9, 4)]


@pytest.mark.parametrize(
    "holiday, substitute",
    [
        (date(2026, 4, 26), date(2026, 4, 27)),  # Giỗ Tổ Sun -> Mon
        (date(2027, 5, 1), date(2027, 5, 3)),  # 1/5 Sat -> Mon
        (date(2028, 1, 1), date(2028, 1, 3)),  # 1/1 Sat -> Mon
        (date(2028, 4, 30), date(2028, 5, 2)),  # 30/4 Sun -> Tue (Mon is 1/5)
    ],
)
def test_weekend_holiday_compensated_on_next_working_day(cal, holiday, substitute):
    assert holiday.weekday() >= 5
    assert substitute.weekday() < 5
    assert cal.is_holiday(holiday)
    assert cal.is_holiday(substitute)
    assert "(nghỉ bù)" in cal.holiday_name(substitute)
    assert not cal.is_working_day(substitute)


def test_compensation_day_skipped_when_counting(cal):
    # Fri 24/4/2026: Sat, Sun (Giỗ Tổ), Mon 27 (nghỉ bù) -> Tue 28.
    assert cal.add_working_days(date(2026, 4, 24), 1) == date(2026, 4, 28)
    # Tue 28 (1), Wed 29 (2), Thu 30/4 + Fri 1/5 holidays, weekend, Mon 4/5 (3).
    assert cal.add_working_days(date(2026, 4, 24), 3) == date(2026, 5, 4)


def test_plain_weekend_and_weekday(cal):
    assert not cal.is_holiday(date(2027, 3, 13))  # Saturday, no holiday
    assert not cal.is_working_day(date(2027, 3, 13))
    assert cal.holiday_name(date(2027, 3, 10)) is None
    assert cal.is_working_day(date(2027, 3, 10))


def test_holidays_in_year_sorted(cal):
    items = cal.holidays_in_year(2027)
    assert items == sorted(items)
    assert (date(2027, 1, 1), "Tết Dương lịch") in items


# --- Caller overrides -------------------------------------------------------------------


def test_override_work_saturday_counts():
    sat = date(2027, 1, 9)
    assert sat.weekday() == 5
    plain = WorkingDayCalendar()
    swapped = WorkingDayCalendar({sat: "work"})
    assert plain.add_working_days(date(2027, 1, 8), 1) == date(2027, 1, 11)
    assert swapped.add_working_days(date(2027, 1, 8), 1) == sat
    assert swapped.working_days_between(date(2027, 1, 8), date(2027, 1, 11)) == 2


def test_override_off_weekday_not_counted():
    mon = date(2027, 1, 11)
    c = WorkingDayCalendar({mon: "off"})
    assert not c.is_working_day(mon)
    assert c.is_holiday(mon)
    assert c.holiday_name(mon) == OVERRIDE_OFF_NAME
    assert c.add_working_days(date(2027, 1, 8), 1) == date(2027, 1, 12)
    assert c.add_days(date(2027, 1, 4), 7) == date(2027, 1, 12)
    assert (mon, OVERRIDE_OFF_NAME) in c.holidays_in_year(2027)


def test_overrides_win_over_package():
    gio_to = date(2027, 4, 16)
    c = WorkingDayCalendar({gio_to: "work", date(2026, 8, 22): "off"})
    assert c.is_working_day(gio_to)
    assert not c.is_holiday(gio_to)
    assert c.holiday_name(gio_to) is None
    assert gio_to not in [d for d, _ in c.holidays_in_year(2027)]
    assert not c.is_working_day(date(2026, 8, 22))


def test_override_accepts_datetime_keys_and_rejects_bad_kind():
    c = WorkingDayCalendar({datetime(2027, 1, 9, 8, 0): "work"})
    assert c.is_working_day(date(2027, 1, 9))
    with pytest.raises(ValueError, match="'off' or 'work'"):
        WorkingDayCalendar({date(2027, 1, 9): "holiday"})


# --- BLDS Điều 147-148 counting ---------------------------------------------------------


def test_day_one_is_day_after_event(cal):
    mon = date(2027, 3, 8)
    assert cal.add_days(mon, 1) == date(2027, 3, 9)
    assert cal.add_working_days(mon, 1) == date(2027, 3, 9)
    assert cal.add_days(mon, 0) == mon
    assert cal.add_working_days(mon, 0) == mon
    assert cal.working_days_between(mon, mon) == 0
    # Event on a Saturday: Sunday is not a working day, Monday is day 1.
    assert cal.add_working_days(date(2027, 3, 13), 1) == date(2027, 3, 15)
    assert cal.add_working_days(date(2027, 3, 13), 0) == date(2027, 3, 15)


def test_add_days_sunday_rolls_to_monday(cal):
    assert date(2027, 3, 14).weekday() == 6
    assert cal.add_days(date(2027, 3, 10), 4) == date(2027, 3, 15)
    assert cal.add_days(date(2027, 3, 10), 3) == date(2027, 3, 15)  # Saturday too


def test_add_days_last_day_holiday_rolls_past_whole_break(cal):
    # Mon 20/4/2026 + 10 = Thu 30/4 (holiday), Fri 1/5 (holiday), weekend -> Mon 4/5.
    assert cal.add_days(date(2026, 4, 20), 10) == date(2026, 5, 4)
    # 30 days from Fri 8/1/2027 = Sun 7/2 (Tết) -> Thu 11/2.
    assert cal.add_days(date(2027, 1, 8), 30) == date(2027, 2, 11)


def test_add_days_onto_working_saturday_stays():
    c = WorkingDayCalendar({date(2027, 1, 9): "work"})
    assert c.add_days(date(2027, 1, 4), 5) == date(2027, 1, 9)


def test_negative_days_rejected(cal):
    with pytest.raises(ValueError, match="days must be >= 0"):
        cal.add_days(date(2027, 1, 4), -1)
    with pytest.raises(ValueError, match="days must be >= 0"):
        cal.add_working_days(date(2027, 1, 4), -1)


def test_next_working_day(cal):
    assert cal.next_working_day(date(2027, 3, 10)) == date(2027, 3, 10)
    assert cal.next_working_day(date(2027, 2, 6)) == date(2027, 2, 11)


def test_working_days_between_inverse_of_add_working_days(cal):
    start = date(2026, 1, 1)
    for offset in range(0, 730):
        s = start + timedelta(days=offset)
        for n in (1, 2, 5, 10, 15, 30):
            due = cal.add_working_days(s, n)
            assert cal.is_working_day(due)
            assert cal.working_days_between(s, due) == n, (s, n)
            assert cal.working_days_between(due, s) == -n, (s, n)


def test_add_working_days_inverse_of_working_days_between(cal):
    start = date(2026, 1, 1)
    for offset in range(0, 730, 3):
        s = start + timedelta(days=offset)
        count = 0
        for k in range(1, 40):
            e = s + timedelta(days=k)
            if cal.is_working_day(e):
                count += 1
                assert cal.add_working_days(s, count) == e, (s, e)
        assert cal.working_days_between(s, s + timedelta(days=39)) == count


# --- Suspension -------------------------------------------------------------------------


def test_resume_deadline_working_days(cal):
    # Due Fri 19/3/2027, suspended Fri 12/3: 5 working days left (15-19/3).
    # Resumed Mon 12/4: Tue 13, Wed 14, Thu 15, Fri 16 = Giỗ Tổ, Mon 19, Tue 20.
    assert cal.resume_deadline(
        date(2027, 3, 19), date(2027, 3, 12), date(2027, 4, 12), working=True
    ) == date(2027, 4, 20)


def test_resume_deadline_calendar_days(cal):
    # 7 calendar days left; Fri 9/4 + 7 = Fri 16/4 (Giỗ Tổ) -> Mon 19/4.
    assert cal.resume_deadline(
        date(2027, 3, 19), date(2027, 3, 12), date(2027, 4, 9), working=False
    ) == date(2027, 4, 19)


def test_resume_deadline_across_tet(cal):
    due = cal.add_working_days(date(2027, 1, 29), 3)
    assert due == date(2027, 2, 3)
    # Suspended Mon 1/2 with 2 working days left (Tue 2, Wed 3); resumed Wed 3/2:
    # Thu 4 .. Wed 10 are Tết, so the two days are Thu 11 and Fri 12.
    assert cal.resume_deadline(
        due, date(2027, 2, 1), date(2027, 2, 3), working=True
    ) == date(2027, 2, 12)
    # Calendar days: 2 left, Wed 3 + 2 = Fri 5 (Tết eve) -> Thu 11.
    assert cal.resume_deadline(
        due, date(2027, 2, 1), date(2027, 2, 3), working=False
    ) == date(2027, 2, 11)


@pytest.mark.parametrize("working", [True, False])
def test_resume_same_day_is_noop(cal, working):
    due = date(2027, 3, 19)
    assert cal.resume_deadline(due, date(2027, 3, 12), date(2027, 3, 12), working=working) == due


@pytest.mark.parametrize("working", [True, False])
def test_resume_overdue_case_keeps_due(cal, working):
    due = date(2027, 3, 19)
    assert cal.resume_deadline(due, date(2027, 3, 22), date(2027, 4, 5), working=working) == due


def test_resume_before_suspension_rejected(cal):
    with pytest.raises(ValueError, match="before suspended_on"):
        cal.resume_deadline(date(2027, 3, 19), date(2027, 3, 12), date(2027, 3, 11), working=True)


# --- Input types, caching ---------------------------------------------------------------


def test_tz_aware_datetime_uses_vietnam_date(cal):
    # 18:00 UTC on Fri 5/2/2027 is 01:00 on Sat 6/2 in Hà Nội: mùng 1 Tết.
    late_utc = datetime(2027, 2, 5, 18, 0, tzinfo=timezone.utc)
    assert cal.holiday_name(late_utc) == "Tết Nguyên Đán"
    # 20:00 UTC Tue 2/2 = Wed 3/2 in Hà Nội -> next working day after is Thu 11/2.
    result = cal.add_working_days(datetime(2027, 2, 2, 20, 0, tzinfo=timezone.utc), 1)
    assert result == date(2027, 2, 11)
    assert type(result) is date
    hcm = datetime(2027, 3, 14, 23, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert type(cal.add_days(hcm, 0)) is date
    assert cal.add_days(hcm, 0) == date(2027, 3, 15)


def test_naive_datetime_uses_its_own_date(cal):
    assert cal.add_working_days(datetime(2027, 2, 3, 23, 59), 1) == date(2027, 2, 11)
    assert cal.working_days_between(datetime(2027, 3, 8, 9), datetime(2027, 3, 10, 17)) == 2


def test_non_date_rejected(cal):
    with pytest.raises(TypeError):
        cal.is_working_day("2027-01-01")


def test_package_lookups_cached_per_year():
    working_days._year_tables.cache_clear()
    working_days._package_year.cache_clear()
    c = WorkingDayCalendar(extra_years=[2027])
    assert working_days._year_tables.cache_info().currsize == 1
    for k in range(365):
        c.is_working_day(date(2027, 1, 1) + timedelta(days=k))
    assert working_days._year_tables.cache_info().currsize == 1
    assert working_days._package_year.cache_info().currsize == 3  # 2026-2028 for swaps
