"""When the regional immigration bureaus' counters are open.

Closed: Saturdays, Sundays, national holidays (国民の祝日に関する法律, with substitute
holidays and 国民の休日, from the maintained ``jpholiday`` calendar) and 29 December to
3 January (行政機関の休日に関する法律 Art. 1). When a deadline falls on a closed day, an
application at the counter is accepted on the next business day as made in time (the same
law, Art. 2; the practice is reported by third parties: domain-facts-2026-12-corrections
items 10-11; source id ``counter_closed_days``, cited by ``bot.data.limits``). The online
system is open every day, so none of this moves the last online day.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

import jpholiday

# 29 December - 3 January (行政機関の休日に関する法律 Art. 1 (1) (iii)).
YEAR_END_FROM = (12, 29)
YEAR_END_TO = (1, 3)
# A closure is never longer than this many days in a row (year end plus a weekend and a
# holiday); a search past it means the calendar is broken.
LONGEST_CLOSURE = 14


class Closed(StrEnum):
    """Why a counter is closed on a day."""

    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    YEAR_END = "year_end"


@lru_cache(maxsize=4096)
def closed(day: date) -> Closed | None:
    """Why the counters are closed on ``day``, or None on a business day."""
    if (day.month, day.day) >= YEAR_END_FROM or (day.month, day.day) <= YEAR_END_TO:
        return Closed.YEAR_END
    if day.weekday() >= 5:
        return Closed.WEEKEND
    if jpholiday.is_holiday(day):
        return Closed.HOLIDAY
    return None


def next_business_day(day: date) -> date:
    """``day`` if the counters are open on it, else the first business day after it."""
    for offset in range(LONGEST_CLOSURE + 1):
        candidate = day + timedelta(days=offset)
        if closed(candidate) is None:
            return candidate
    msg = f"no business day within {LONGEST_CLOSURE} days of {day}"  # pragma: no cover
    raise RuntimeError(msg)  # pragma: no cover


def previous_business_day(day: date) -> date:
    """``day`` if the counters are open on it, else the last business day before it."""
    for offset in range(LONGEST_CLOSURE + 1):
        candidate = day - timedelta(days=offset)
        if closed(candidate) is None:
            return candidate
    msg = f"no business day within {LONGEST_CLOSURE} days of {day}"  # pragma: no cover
    raise RuntimeError(msg)  # pragma: no cover


def counter_deadline(expiry: date) -> date:
    """The last day an application is accepted at a counter in time for ``expiry``."""
    return next_business_day(expiry)
