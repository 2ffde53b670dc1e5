"""Reception schedule rules on real 2026-2027 dates (issue 17): weekends, Tết, 30/4-1/5, 2/9,
local overrides, days a month lacks, merged sessions; the group-representative rule; compliance."""
from __future__ import annotations

from datetime import date

import pytest

from engine.errors import InvalidInput
from engine.working_days import WorkingDayCalendar
from petitions.reception.schedule import (CHAIRMAN, HEAD, PARTY_SECRETARY, Rule, check_group,
                                          compliance, minimum_for, nominal_dates, parse_days,
                                          session_dates)

CAL = WorkingDayCalendar()


def test_party_secretary_5th_and_28th_in_2027_move_past_rest_days_and_tet():
    got = session_dates(Rule(monthly_days=(5, 28)), date(2027, 1, 1), date(2027, 12, 31), CAL)
    assert len(got) == 24
    assert got[:6] == [date(2027, 1, 5), date(2027, 1, 28),
                       date(2027, 2, 11),   # 5/2 giao thừa, Tết to 10/2 → Thursday 11/2
                       date(2027, 3, 1),    # 28/2 is a Sunday
                       date(2027, 3, 5), date(2027, 3, 29)]   # 28/3 Sunday
    assert date(2027, 6, 7) in got          # 5/6 Saturday → Monday
    assert date(2027, 9, 6) in got          # 5/9 Sunday (2-3/9 holidays are before it)
    assert date(2027, 11, 29) in got and date(2027, 12, 6) in got


def test_2026_holidays_30_4_and_2_9_and_overrides():
    rule = Rule(monthly_days=(30, 2))
    got = session_dates(rule, date(2026, 4, 1), date(2026, 9, 30), CAL)
    assert date(2026, 5, 4) in got           # 30/4 and 1/5 holidays, 2-3/5 weekend → Monday 4/5
    assert date(2026, 9, 3) in got           # 1-2/9 holidays → Thursday 3/9
    assert date(2026, 4, 30) not in got and date(2026, 9, 2) not in got
    # 30/4 and 2/5 both land on 4/5: one session
    assert [d for d in got if d.month == 5 and d.day < 10] == [date(2026, 5, 4)]
    moved = WorkingDayCalendar({date(2026, 5, 4): "off", date(2026, 5, 2): "work"})
    got = session_dates(rule, date(2026, 4, 1), date(2026, 5, 31), moved)
    assert date(2026, 5, 2) in got and date(2026, 5, 4) not in got   # Saturday worked (override)


def test_days_a_month_lacks_are_skipped_and_bounds_are_inclusive():
    days = list(nominal_dates(Rule(monthly_days=(30, 31)), date(2027, 1, 31), date(2027, 3, 30)))
    assert days == [date(2027, 1, 31), date(2027, 3, 30)]   # no 30th or 31st in February
    assert session_dates(Rule(monthly_days=(31,)), date(2027, 1, 31), date(2027, 1, 31), CAL) == \
        [date(2027, 2, 1)]                   # 31/1 is a Sunday: moved past the period's end


def test_weekly_rule_merges_a_moved_session_with_the_next_one():
    # Thursdays of February 2027: 4/2 is "29 Tết" and moves to 11/2, the next Thursday: one session.
    got = session_dates(Rule(weekday=4), date(2027, 2, 1), date(2027, 2, 28), CAL)
    assert got == [date(2027, 2, 11), date(2027, 2, 18), date(2027, 2, 25)]
    assert session_dates(Rule(weekday=1), date(2026, 8, 24), date(2026, 9, 7), CAL) == \
        [date(2026, 8, 24), date(2026, 9, 3), date(2026, 9, 7)]  # 31/8, 1-2/9 off → 3/9


@pytest.mark.parametrize("kwargs", [{}, {"weekday": 1, "monthly_days": (5,)}, {"weekday": 0},
                                    {"weekday": 8}, {"monthly_days": (0,)},
                                    {"monthly_days": (32,)}])
def test_bad_rules_are_refused(kwargs):
    with pytest.raises(InvalidInput):
        Rule(**kwargs)


def test_bad_periods_and_day_lists_are_refused():
    with pytest.raises(InvalidInput, match="sau"):
        session_dates(Rule(weekday=1), date(2027, 2, 1), date(2027, 1, 1), CAL)
    with pytest.raises(InvalidInput):
        parse_days("5,x")
    assert parse_days("5, 28") == (5, 28)


def test_group_representatives_follow_ltcd_article_29():
    for people, reps in [(1, 0), (4, 0), (5, 1), (7, 2), (10, 2), (11, 5), (12, 1), (40, 5)]:
        check_group(people, reps)
    for people, reps in [(7, 0), (7, 3), (12, 6), (12, 0), (3, 4), (0, 0)]:
        with pytest.raises(InvalidInput):
            check_group(people, reps)


def test_compliance_counts_only_sessions_held_in_person():
    assert minimum_for(CHAIRMAN, date(2027, 3, 1), date(2027, 3, 31)) == 4
    assert minimum_for(PARTY_SECRETARY, date(2027, 1, 1), date(2027, 3, 31)) == 6
    assert minimum_for(HEAD, date(2027, 1, 15), date(2027, 3, 31)) == 2   # Jan not whole
    held = [(date(2027, 3, 1), True), (date(2027, 3, 8), True), (date(2027, 3, 15), False),
            (date(2027, 3, 22), True), (date(2027, 4, 5), True)]
    result = compliance(CHAIRMAN, date(2027, 3, 1), date(2027, 3, 31), held)
    assert (result.required, result.held_in_person, result.held_by_deputy) == (4, 3, 1)
    assert not result.met and result.shortfall == 1
