"""The key dates of a verdict (issue 13): one list for the card, the calendar and the
reminders, tested as a table against real verdicts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.assess import assess
from bot.assess_contract import AssessRequest, AssessResponse
from bot.keydates import REMINDER_LEAD, TITLES, DateKind, key_dates, upcoming

NOW = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo


def verdict(expiry: date | None) -> tuple[AssessRequest, AssessResponse]:
    request = AssessRequest(
        user_type="foreign_national",
        procedure="extension",
        status="engineer_specialist_humanities_international",
        expiry=expiry,
        now=NOW,
        lang="en",
        has_my_number_card=True,
    )
    return request, assess(request, now=NOW)


@pytest.mark.parametrize(
    ("expiry", "kinds"),
    [
        # The window opens in the future: every date, in date order.
        (
            date(2027, 6, 30),
            ["window_opens", "two_weeks_left", "last_online_day", "expiry"],
        ),
        # Expiry on a Saturday (2027-01-16): the counter's last day is the Monday after.
        (
            date(2027, 1, 16),
            ["window_opens", "two_weeks_left", "last_online_day", "expiry", "counter_deadline"],
        ),
    ],
)
def test_key_dates_follow_the_verdict(expiry: date, kinds: list[str]) -> None:
    request, response = verdict(expiry)
    dates = key_dates(response, request.expiry)
    assert [k.kind.value for k in dates] == kinds
    assert [k.day for k in dates] == sorted(k.day for k in dates)
    by_kind = {k.kind: k.day for k in dates}
    assert by_kind[DateKind.LAST_ONLINE_DAY] == response.last_online_day
    assert by_kind[DateKind.TWO_WEEKS_LEFT] == by_kind[DateKind.LAST_ONLINE_DAY] - REMINDER_LEAD
    assert by_kind[DateKind.EXPIRY] == expiry
    if DateKind.COUNTER_DEADLINE in by_kind:
        assert by_kind[DateKind.COUNTER_DEADLINE] > expiry


def test_upcoming_keeps_what_is_ahead_and_an_open_window_needs_no_reminder() -> None:
    request, response = verdict(date(2027, 2, 10))  # the window opened on 2026-11-10
    dates = key_dates(response, request.expiry)
    ahead = upcoming(dates, NOW.date())
    assert DateKind.WINDOW_OPENS not in {k.kind for k in ahead}
    assert all(k.day >= NOW.date() for k in ahead)
    assert {k.kind for k in ahead} >= {DateKind.LAST_ONLINE_DAY, DateKind.EXPIRY}


def test_no_expiry_no_dates() -> None:
    request = AssessRequest(
        user_type="foreign_national",
        procedure="certificate_of_eligibility",
        status="engineer_specialist_humanities_international",
        now=NOW,
        lang="en",
    )
    response = assess(request, now=NOW)
    assert [k for k in key_dates(response, None) if k.kind is DateKind.EXPIRY] == []


def test_every_kind_has_a_title() -> None:
    assert set(TITLES) == set(DateKind)
