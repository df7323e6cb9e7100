"""What the engine counts for the staff console's funnel, and which declined questions it
keeps: daily totals only, never a per-person trail (issue 15).

:class:`Recorder` is the engine's optional :class:`~bot.engine.TurnRecorder`; ``serve``
injects one, embedded users and tests get none and see no change. After each saved turn
it adds one to these counters of the Asia/Tokyo day of the engine's clock:

* ``("conversations", channel)``, ``("channel", channel)``, ``("locale", locale)`` and
  ``("partner", code or "-")`` when a conversation starts;
* ``("step", name)`` for each step the turn moved the conversation onto that was not on
  its path before the turn (its history and its step). The session's own history is the
  only memory, so a step entered again after "back" or "restart" counts again: the counts
  are entries into a step, which read as the funnel (they never fall along the path);
* ``("verdict", "outcome:reason")`` when the verdict is entered (the first reason code,
  ``-`` when online);
* ``("declined", locale)`` for each question the FAQ could not answer, in a conversation
  (``_ask_faq`` in bot/conversation.py) or from the API's FAQ search.

The text of a declined question is kept only when the deployment turns it on
(``serve --record-unanswered``), scrubbed of personal data (:func:`bot.staff.scrub.scrub`)
and grouped by :func:`bot.staff.scrub.normalise`; the retention purge deletes it.

Recording never breaks or holds up a turn for long: one transaction per turn, and any
store error is logged by its type alone (no key, no text) and swallowed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

from bot.clock import today_in_tokyo
from bot.models import Event, Reply, Session
from bot.staff.scrub import normalise, scrub
from bot.staff.store import ConsoleStore
from bot.takeaway import outcome

log = logging.getLogger(__name__)

# The channel a user key's prefix names (bot/channels: web ``web:``, Telegram ``tg:``, the
# terminal ``cli:``); keys of embedded users count as "other".
CHANNEL_PREFIXES: Final = (("web:", "web"), ("tg:", "telegram"), ("cli:", "cli"))
OTHER_CHANNEL: Final = "other"
NO_PARTNER: Final = "-"
# Where a declined question came from (the ``source`` column).
FROM_CONVERSATION: Final = "conversation"
FROM_FAQ_SEARCH: Final = "faq"


def channel_of(user_key: str) -> str:
    for prefix, name in CHANNEL_PREFIXES:
        if user_key.startswith(prefix):
            return name
    return OTHER_CHANNEL


def turn_counts(
    event: Event, seen: Sequence[str], session: Session, reply: Reply
) -> list[tuple[str, str]]:
    """The ``(metric, label)`` pairs one saved turn adds one to (a pure function)."""
    items: list[tuple[str, str]] = []
    if not seen:
        channel = channel_of(event.user_key)
        items += [
            ("conversations", channel),
            ("channel", channel),
            ("locale", session.locale),
            ("partner", session.partner or NO_PARTNER),
        ]
    before = set(seen)
    items += [("step", name) for name in (*session.history, session.state) if name not in before]
    verdict = reply.verdict
    if verdict is not None and reply.faq is None and session.state not in before:
        reason = verdict.reasons[0].value if verdict.reasons else "-"
        items.append(("verdict", f"{outcome(verdict).value}:{reason}"))
    if declined(reply) and event.text is not None:
        items.append(("declined", reply.locale or session.locale))
    return items


def declined(reply: Reply) -> bool:
    """Whether the turn answered "I don't know" to a question (an FAQ reference with no
    entry)."""
    return reply.faq is not None and reply.faq.id is None


class Recorder:
    """The engine's recorder over a :class:`~bot.staff.store.ConsoleStore`.

    ``record_text`` (``serve --record-unanswered``, off by default) keeps the scrubbed
    text of declined questions; without it they are only counted."""

    def __init__(self, console: ConsoleStore, *, record_text: bool = False) -> None:
        self.console = console
        self.record_text = record_text

    def turn(
        self, event: Event, seen: Sequence[str], session: Session, reply: Reply, now: datetime
    ) -> None:
        items = turn_counts(event, seen, session, reply)
        self._bump(now, items)
        if self.record_text and event.text is not None and declined(reply):
            self._keep(now, reply.locale or session.locale, FROM_CONVERSATION, event.text)

    def declined(self, text: str, locale: str, now: datetime) -> None:
        self._bump(now, [("declined", locale)])
        if self.record_text:
            self._keep(now, locale, FROM_FAQ_SEARCH, text)

    def _bump(self, now: datetime, items: Sequence[tuple[str, str]]) -> None:
        try:
            self.console.bump_many(today_in_tokyo(now), items)
        except Exception as exc:  # a boundary: counting never breaks a turn
            log.warning("counting a turn failed (%s); the turn goes on", type(exc).__name__)

    def _keep(self, now: datetime, locale: str, source: str, text: str) -> None:
        try:
            clean = scrub(text)
            self.console.record_unanswered(now, locale, source, normalise(clean), clean)
        except Exception as exc:  # a boundary, as above; the text is never logged
            log.warning("keeping a declined question failed (%s)", type(exc).__name__)


def purge_old(console: ConsoleStore, days: int, now: datetime) -> int:
    """The retention rule for the console (with the sessions' one): declined questions
    recorded more than ``days`` days before ``now`` go, and expired logins. Returns how
    many questions went."""
    return console.purge_console(now - timedelta(days=days), now)
