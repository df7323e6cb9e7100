"""The verdict's dates as a calendar file (RFC 5545 ``.ics``), issue 13.

The deadlines are the whole difficulty, so a person can keep them where they keep their
days: one all-day event for each key date still ahead (:mod:`bot.keydates`), titled and
described in the conversation's language, with the official Japanese term beside the
title and the ISA page the verdict hands off to. All-day dates are Japan's dates
(``VALUE=DATE``; the calendar says Asia/Tokyo), so a phone abroad shows the same day.

UIDs name the kind and the date only (``last_online_day-2027-02-28@zairyu-guide``): a
file downloaded again updates the same events instead of doubling them, and the session
id, which acts as a bearer token, never leaves the server.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache

from icalendar import Alarm, Calendar, Event, Timezone

from bot.assess import assess
from bot.assess_contract import MAX_DATE, AssessRequest, AssessResponse
from bot.data.registry import HANDOFF_LINK_ID, LINK_INFO, PROCEDURE_INFO, USER_TYPE_INFO
from bot.i18n import Translator, translator
from bot.i18n_marker import N_
from bot.keydates import OFFICIAL_TERMS, TITLES, KeyDate, key_dates, upcoming
from bot.models import Session
from bot.takeaway import BRAND, verdict_request, with_official

PRODID = "-//Zairyu Guide//zairyu-guide//EN"
UID_DOMAIN = "zairyu-guide"
TZID = "Asia/Tokyo"
# The reminder inside each event: 09:00 on the day, the hour the Telegram reminders use.
ALARM_AT = timedelta(hours=9)
MEDIA_TYPE = "text/calendar"
FILENAME = "zairyu-guide.ics"

OFFICIAL_TERM = N_("Official Japanese term: {term}")
APPLICATION = N_("Application: {procedure}")
OFFICIAL_PAGE = N_("Official page, with the login button of the online system: {url}")
ANSWERED_FOR = N_("Answered for: {user}. Information as of {date}.")


@cache
def _tokyo() -> Timezone:
    """Asia/Tokyo as a VTIMEZONE (built once: about 30 ms; never changed after), over
    the years the assessment accepts."""
    return Timezone.from_tzid(TZID, first_date=date(1970, 1, 1), last_date=MAX_DATE)


def summary(tr: Translator, kind_title: str, term: str) -> str:
    """An event's title: the translated title with the official Japanese term beside it."""
    if tr.locale.startswith("ja"):
        return f"{tr.t(kind_title)}（{term}）"
    return f"{tr.t(kind_title)} ({term})"


def _description(tr: Translator, req: AssessRequest, verdict: AssessResponse, k: KeyDate) -> str:
    procedure = PROCEDURE_INFO[req.procedure]
    url = LINK_INFO[HANDOFF_LINK_ID].url
    return "\n".join(
        [
            tr.date(k.day),
            tr.t(OFFICIAL_TERM, term=OFFICIAL_TERMS[k.kind]),
            tr.t(APPLICATION, procedure=with_official(tr, procedure.label, procedure.official_ja)),
            tr.t(OFFICIAL_PAGE, url=url),
            tr.t(
                ANSWERED_FOR,
                user=tr.t(USER_TYPE_INFO[req.user_type].label),
                date=tr.date(verdict.as_of),
            ),
        ]
    )


def uid(k: KeyDate) -> str:
    """Stable per kind and date, and carrying nothing about the person."""
    return f"{k.kind.value}-{k.day.isoformat()}@{UID_DOMAIN}"


def calendar_ics(req: AssessRequest, verdict: AssessResponse, now: datetime) -> bytes | None:
    """The calendar of the verdict's dates still ahead (the window's opening only while
    it is in the future), in ``req.lang``; None when no date is ahead."""
    dates = upcoming(key_dates(verdict, req.expiry), verdict.today)
    if not dates:
        return None
    tr = translator(req.lang)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", tr.t(BRAND))
    cal.add("x-wr-timezone", TZID)
    cal.add_component(_tokyo())
    stamp = now.astimezone(UTC)
    url = LINK_INFO[HANDOFF_LINK_ID].url
    for k in dates:
        title = summary(tr, TITLES[k.kind], OFFICIAL_TERMS[k.kind])
        event = Event()
        event.add("uid", uid(k))
        event.add("dtstamp", stamp)
        event.add("dtstart", k.day)
        event.add("dtend", k.day + timedelta(days=1))
        event.add("summary", title)
        event.add("description", _description(tr, req, verdict, k))
        event.add("url", url)
        event.add("transp", "TRANSPARENT")  # a deadline, not a busy day
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", title)
        alarm.add("trigger", ALARM_AT, parameters={"RELATED": "START"})
        event.add_component(alarm)
        cal.add_component(event)
    ics: bytes = cal.to_ical()
    return ics


def calendar_bytes(session: Session, now: datetime) -> bytes | None:
    """The calendar file of a conversation at its verdict (what the web API and the
    Telegram bot send); None before the verdict or when no date is ahead."""
    req = verdict_request(session, now)
    if req is None:
        return None
    return calendar_ics(req, assess(req, now=now), now)
