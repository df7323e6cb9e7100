"""The dates a verdict turns on, as one list: what the verdict card's timeline, the calendar
file and the reminders all show (issue 13).

The deadlines are the whole difficulty: filing online opens 3 months before the expiry
date and closes the day before it; at a counter, the last day is the expiry date, moved
past days the office is closed. Each kind has a title (an ``N_`` msgid, translated per
locale) and the official Japanese term beside it, so an employer or a scrivener can read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from bot.assess_contract import AssessResponse
from bot.i18n_marker import N_

REMINDER_LEAD = timedelta(days=14)  # "two weeks before the last online day"


class DateKind(StrEnum):
    """What a key date is. Values are public (calendar UIDs, the reminders table)."""

    WINDOW_OPENS = "window_opens"
    TWO_WEEKS_LEFT = "two_weeks_left"
    LAST_ONLINE_DAY = "last_online_day"
    EXPIRY = "expiry"
    COUNTER_DEADLINE = "counter_deadline"


TITLES: dict[DateKind, str] = {
    DateKind.WINDOW_OPENS: N_("You can file the application online from today"),
    DateKind.TWO_WEEKS_LEFT: N_("Two weeks left to file online"),
    DateKind.LAST_ONLINE_DAY: N_("Last day to file online"),
    DateKind.EXPIRY: N_("Your period of stay expires today"),
    DateKind.COUNTER_DEADLINE: N_("Last day to apply at the immigration counter"),
}
# The official terms, shown beside the translated title.
OFFICIAL_TERMS: dict[DateKind, str] = {
    DateKind.WINDOW_OPENS: "在留申請オンラインシステム",
    DateKind.TWO_WEEKS_LEFT: "在留申請オンラインシステム",
    DateKind.LAST_ONLINE_DAY: "在留申請オンラインシステム",
    DateKind.EXPIRY: "在留期間の満了日",
    DateKind.COUNTER_DEADLINE: "地方出入国在留管理官署",
}


@dataclass(frozen=True, slots=True)
class KeyDate:
    kind: DateKind
    day: date


def key_dates(verdict: AssessResponse, expiry: date | None) -> list[KeyDate]:
    """Every date the verdict names, in date order: the day the online window opens, two
    weeks before the last online day, the last online day, the expiry date and the last
    day at a counter. A date the verdict does not have is left out."""
    out: list[KeyDate] = []
    if verdict.opens_on is not None:
        out.append(KeyDate(DateKind.WINDOW_OPENS, verdict.opens_on))
    if verdict.last_online_day is not None:
        out.append(KeyDate(DateKind.TWO_WEEKS_LEFT, verdict.last_online_day - REMINDER_LEAD))
        out.append(KeyDate(DateKind.LAST_ONLINE_DAY, verdict.last_online_day))
    if expiry is not None:
        out.append(KeyDate(DateKind.EXPIRY, expiry))
    if verdict.counter_deadline is not None and verdict.counter_deadline != expiry:
        out.append(KeyDate(DateKind.COUNTER_DEADLINE, verdict.counter_deadline))
    order = list(DateKind)
    return sorted(out, key=lambda k: (k.day, order.index(k.kind)))


def upcoming(dates: list[KeyDate], today: date) -> list[KeyDate]:
    """The dates still ahead (today included): what a calendar or a reminder is for. The
    window's opening only when it is in the future (an open window needs no reminder)."""
    return [
        k
        for k in dates
        if k.day > today or (k.day == today and k.kind is not DateKind.WINDOW_OPENS)
    ]
