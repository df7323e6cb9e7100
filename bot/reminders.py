"""Reminders of a verdict's key dates, sent at 09:00 in Japan (issue 13), channel-neutral.

What a reminder is for: the same moments as the calendar file (bot/keydates.py
``upcoming``), each due at 09:00 Asia/Tokyo on its day. They live in the store (the
:class:`~bot.storage.ReminderStore` rows: chat key, day, due instant, locale, kind,
never an answer), not in a job queue, so they survive restarts; a scheduler pass
(:func:`send_due`, run every minute by :func:`run_every`) sends the due ones.

Exactly once, as far as a Bot API without idempotency keys allows. A pass *claims* due
rows (one atomic UPDATE, under a 5-minute lease), writes ``sending`` just before the
Bot API call, and ``sent`` right after it:

* killed after the claim, before ``sending``: nothing was sent; the claim goes stale and
  a later pass (this process restarted, or another) claims and sends it, once;
* killed after ``sending``: the message may or may not have left. A ``sending`` row is
  never claimed again, so it is never sent twice; if the process died during the HTTP
  call itself (a window of one request), that reminder is lost rather than repeated;
* the Bot API answered that it did not send (flood control beyond the retries, no
  connection at all): the row goes back to ``pending`` for the next pass;
* the chat blocked the bot (403) or is gone: that chat's reminders are deleted.

A reminder whose day has passed before it could be sent (the server was down that day)
is deleted unsent: "the last day to file online" is wrong the day after.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from bot.assess_contract import AssessResponse
from bot.clock import TOKYO, Clock, today_in_tokyo
from bot.data.registry import HANDOFF_LINK_ID, LINK_INFO
from bot.i18n import LOCALES, translator
from bot.i18n_marker import N_
from bot.keydates import OFFICIAL_TERMS, TITLES, KeyDate, key_dates, upcoming
from bot.models import Session
from bot.render import FLOWS, current_step
from bot.storage import (
    REMINDER_LEASE,
    NewReminder,
    Reminder,
    ReminderState,
    ReminderStore,
)
from bot.verdict import assess_session

if TYPE_CHECKING:
    from bot.engine import Engine

__all__ = [
    "REMINDER_LEASE",
    "NewReminder",
    "Outcome",
    "Reminder",
    "ReminderState",
    "ReminderStore",
    "Tally",
    "offers_reminders",
    "plan",
    "reminder_parts",
    "reminder_store",
    "run_every",
    "send_due",
    "session_plan",
]

log = logging.getLogger(__name__)

SEND_AT: Final = time(9, 0)  # in Asia/Tokyo
BATCH: Final = 100  # reminders claimed per claim; a pass claims until none is due
DEFAULT_INTERVAL: Final = 60.0  # seconds between scheduler passes

# Button ids (callback_data); public, additive only.
REMIND_ON: Final = "remind:on"
CANCEL_PREFIX: Final = "remind:cancel:"
CANCEL_ALL: Final = "remind:cancel_all"

REMIND_BUTTON = N_("Remind me")
CONFIRMED = N_("I will send you a reminder here at 9:00 (Japan time) on these days:")
NOTHING_AHEAD = N_("There is no date ahead to remind you of.")
DATE_LINE = N_("{date}: {title}")
HOW_TO_CANCEL = N_("To see or cancel your reminders, send /reminders.")
LIST_HEAD = N_("Your reminders (sent here at 9:00, Japan time):")
LIST_EMPTY = N_(
    "You have no reminders. After an answer with a date ahead, the “Remind me” button sets them."
)
CANCEL_ONE = N_("Cancel {date}")
CANCEL_EVERY = N_("Cancel all")
CANCELLED_ONE = N_("Reminder cancelled: {date}.")
CANCELLED_ALL = N_("All your reminders are cancelled.")
ALREADY_GONE = N_("That reminder was already sent or cancelled.")
REMINDER_FOOTER = N_("You asked for this reminder. /reminders shows or cancels the others.")
# Reused from the verdict's hand-off (bot/verdict.py): the same msgid, translated once.
OFFICIAL_PAGE = N_("Official page, with the login button of the online system: {url}")


class Outcome(StrEnum):
    """What a channel's send of one reminder came to."""

    SENT = "sent"
    BLOCKED = "blocked"  # 403, or the chat is gone: drop the chat's reminders
    RETRY = "retry"  # certainly not delivered, may work later: back to pending
    FAILED = "failed"  # certainly not delivered, and never will be (a bad request)
    UNKNOWN = "unknown"  # may have been delivered (a timeout): never sent again


Deliver = Callable[[Reminder], Awaitable[Outcome]]


@dataclass(slots=True)
class Tally:
    """What a scheduler pass did."""

    sent: int = 0
    blocked: int = 0
    retried: int = 0
    failed: int = 0
    unknown: int = 0
    missed: int = 0

    def __bool__(self) -> bool:
        return any((self.sent, self.blocked, self.retried, self.failed, self.unknown, self.missed))


def due_instant(day: date) -> datetime:
    """09:00 in Japan on ``day``."""
    return datetime.combine(day, SEND_AT, tzinfo=TOKYO)


def plan(dates: list[KeyDate], now: datetime, locale: str) -> list[NewReminder]:
    """The reminders for ``dates``: the upcoming ones whose 09:00 is still ahead of ``now``
    (a date today after 09:00 gets none: the verdict just said it)."""
    today = today_in_tokyo(now)
    return [
        NewReminder(kind=k.kind, day=k.day, due_at=due_instant(k.day), locale=locale)
        for k in upcoming(dates, today)
        if due_instant(k.day) > now
    ]


def offers_reminders(verdict: AssessResponse, expiry: date | None, now: datetime) -> bool:
    """Whether a verdict has a date worth a "Remind me" button at ``now``."""
    return bool(plan(key_dates(verdict, expiry), now, "en"))


def session_plan(session: Session | None, now: datetime) -> list[NewReminder] | None:
    """The reminders a conversation asks for at ``now``: its verdict's key dates (the
    expiry date included), in its language. None when there is no conversation or it is
    not at a verdict (a stale button)."""
    if session is None or session.locale not in LOCALES:
        return None
    flow = FLOWS.get(session.flow)
    if flow is None or session.state not in flow.by_name or current_step(session).slot:
        return None
    verdict = assess_session(session, now)
    return plan(key_dates(verdict, session.slots.expiry), now, session.locale)


def reminder_store(engine: Engine) -> ReminderStore | None:
    """The engine's store as a :class:`ReminderStore`, when it keeps reminders."""
    store = engine.store
    return store if isinstance(store, ReminderStore) else None


def date_line(locale: str, kind_title: str, day: date) -> str:
    """``{date}: {title}`` in ``locale``."""
    tr = translator(locale)
    return tr.t(DATE_LINE, date=tr.date(day), title=tr.t(kind_title))


def reminder_parts(reminder: Reminder) -> tuple[str, list[str]]:
    """A reminder's text in its language: the title, then the lines under it (the date
    with the official Japanese term, the official page, how to stop them)."""
    tr = translator(reminder.locale if reminder.locale in LOCALES else "en")
    link = LINK_INFO[HANDOFF_LINK_ID]
    return tr.t(TITLES[reminder.kind]), [
        f"{tr.date(reminder.day)} · {OFFICIAL_TERMS[reminder.kind]}",
        tr.t(OFFICIAL_PAGE, url=link.url),
        tr.t(REMINDER_FOOTER),
    ]


async def send_due(
    store: ReminderStore,
    deliver: Deliver,
    now: datetime,
    *,
    key_prefix: str = "",
    limit: int = BATCH,
    stop: asyncio.Event | None = None,
) -> Tally:
    """One scheduler pass at ``now``: claim the due reminders (keys starting with
    ``key_prefix``), send each through ``deliver`` and record how it went (see the
    module docstring). ``stop`` set: the reminders claimed but not begun go back to
    pending and the pass ends."""
    tally = Tally()
    today = today_in_tokyo(now)
    retry: list[Reminder] = []
    while stop is None or not stop.is_set():
        # Store calls run in a worker thread: a claim may wait on another process's write
        # (the busy timeout), which must not stall the event loop.
        batch = await asyncio.to_thread(store.due, now, limit, key_prefix=key_prefix)
        for index, reminder in enumerate(batch):
            if stop is not None and stop.is_set():
                retry.extend(batch[index:])
                break
            if reminder.day < today:
                await asyncio.to_thread(store.delete_reminders, reminder.chat_key, reminder.id)
                tally.missed += 1
                continue
            if not await asyncio.to_thread(store.mark_sending, reminder):
                continue  # cancelled meanwhile, or claimed again after the lease
            outcome = await _deliver(deliver, reminder)
            if outcome is Outcome.SENT:
                await asyncio.to_thread(store.mark_sent, reminder)
                tally.sent += 1
            elif outcome is Outcome.BLOCKED:
                await asyncio.to_thread(store.delete_reminders, reminder.chat_key)
                tally.blocked += 1
            elif outcome is Outcome.RETRY:
                retry.append(reminder)  # released after the pass, not claimed again in it
                tally.retried += 1
            elif outcome is Outcome.FAILED:
                await asyncio.to_thread(store.delete_reminders, reminder.chat_key, reminder.id)
                tally.failed += 1
            else:
                tally.unknown += 1
        if len(batch) < limit:
            break
    for reminder in retry:
        await asyncio.to_thread(store.release, reminder)
    return tally


async def _deliver(deliver: Deliver, reminder: Reminder) -> Outcome:
    """``deliver``, with an unexpected error (a bug) taken as "may have been sent"."""
    try:
        return await deliver(reminder)
    except Exception as exc:  # a boundary: the pass goes on; no key or text is logged
        log.warning("a reminder could not be sent (%s); it will not be retried", type(exc).__name__)
        return Outcome.UNKNOWN


async def run_every(
    store: ReminderStore,
    deliver: Deliver,
    clock: Clock,
    interval: float = DEFAULT_INTERVAL,
    *,
    key_prefix: str = "",
    stop: asyncio.Event | None = None,
    report: Callable[[Tally], None] | None = None,
) -> None:
    """:func:`send_due` at start and then every ``interval`` seconds, until ``stop`` is
    set (or the task is cancelled: a send cut short then counts as "may have been
    sent"). A failed pass is logged and the next one tries again. ``report`` gets each
    pass that did something."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        try:
            tally = await send_due(store, deliver, clock(), key_prefix=key_prefix, stop=stop)
        except Exception as exc:  # a boundary: the server goes on
            log.warning("the reminder pass failed (%s)", type(exc).__name__)
        else:
            if tally and report is not None:
                report(tally)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
