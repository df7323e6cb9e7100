"""The injected clock. "Today" is always the date in Asia/Tokyo.

Code never calls ``datetime.now()`` directly: the engine and the CLI take a
:data:`Clock`, and tests pass a frozen one.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The real clock, timezone-aware (UTC)."""
    return datetime.now(UTC)


def fixed_clock(instant: datetime) -> Clock:
    """A clock frozen at ``instant`` (must be timezone-aware)."""
    if instant.tzinfo is None:
        msg = "fixed_clock needs a timezone-aware datetime"
        raise ValueError(msg)
    return lambda: instant


def today_in_tokyo(instant: datetime) -> date:
    """The calendar date in Japan at ``instant``: 15:00 UTC is midnight in Tokyo."""
    if instant.tzinfo is None:
        msg = "instant must be timezone-aware"
        raise ValueError(msg)
    return instant.astimezone(TOKYO).date()


def months_before(day: date, months: int) -> date:
    """``day`` minus ``months`` calendar months, clamped to the month's end.

    3 months before 31 May is 28 February (29 February in a leap year).
    """
    index = day.year * 12 + (day.month - 1) - months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def day_before(day: date) -> date:
    """The previous calendar day."""
    return day - timedelta(days=1)
