"""Counter days: weekends, national holidays (jpholiday) and the year-end closure."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.office_days import (
    Closed,
    closed,
    counter_deadline,
    next_business_day,
    previous_business_day,
)


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (date(2027, 1, 15), None),  # a Friday
        (date(2027, 1, 16), Closed.WEEKEND),  # Saturday
        (date(2027, 1, 17), Closed.WEEKEND),  # Sunday
        (date(2027, 1, 11), Closed.HOLIDAY),  # 成人の日 (second Monday of January)
        (date(2026, 9, 22), Closed.HOLIDAY),  # 国民の休日 between two holidays
        (date(2026, 5, 6), Closed.HOLIDAY),  # 振替休日 for 憲法記念日 on a Sunday
        (date(2026, 12, 28), None),  # the last business day of 2026
        (date(2026, 12, 29), Closed.YEAR_END),
        (date(2026, 12, 31), Closed.YEAR_END),
        (date(2027, 1, 1), Closed.YEAR_END),
        (date(2027, 1, 3), Closed.YEAR_END),
        (date(2027, 1, 4), None),  # a Monday: open again
    ],
)
def test_closed_days(day: date, why: Closed | None) -> None:
    assert closed(day) is why


@pytest.mark.parametrize(
    ("expiry", "deadline"),
    [
        (date(2027, 1, 15), date(2027, 1, 15)),  # a business day: the day itself
        (date(2027, 1, 16), date(2027, 1, 18)),  # Saturday -> Monday
        (date(2027, 1, 9), date(2027, 1, 12)),  # Saturday before 成人の日 -> Tuesday
        (date(2026, 12, 29), date(2027, 1, 4)),  # year end -> first Monday of January
        (date(2026, 5, 3), date(2026, 5, 7)),  # Golden Week
    ],
)
def test_counter_deadline_moves_past_closed_days(expiry: date, deadline: date) -> None:
    assert counter_deadline(expiry) == deadline


def test_previous_business_day() -> None:
    assert previous_business_day(date(2027, 1, 17)) == date(2027, 1, 15)
    assert previous_business_day(date(2027, 1, 4)) == date(2027, 1, 4)
    assert previous_business_day(date(2027, 1, 3)) == date(2026, 12, 28)


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2199, 12, 31)))
def test_the_deadline_is_the_first_open_day_on_or_after_expiry(day: date) -> None:
    deadline = counter_deadline(day)
    assert deadline >= day
    assert closed(deadline) is None
    gap = (deadline - day).days
    assert all(closed(day + timedelta(days=i)) is not None for i in range(gap))
    before = previous_business_day(day)
    assert before <= day
    assert closed(before) is None


def test_next_business_day_is_the_day_itself_when_open() -> None:
    assert next_business_day(date(2027, 1, 15)) == date(2027, 1, 15)
    assert next_business_day(date(2027, 1, 1)) == date(2027, 1, 4)
