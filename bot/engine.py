"""The channel-neutral engine: ``handle(event) -> Reply``.

Per turn: lock the user's key, load the session, step, save, return the reply.
Channels only translate their updates into :class:`~bot.models.Event` and the reply
into their own messages; they never touch the store: :meth:`Engine.resume`,
:meth:`Engine.forget`, :meth:`Engine.locale_of`, :meth:`Engine.recap` and
:meth:`Engine.snapshot` are what they may ask besides a turn. Locks are striped (a fixed
array hashed by key) so memory does not grow with the number of users; across processes
the store's optimistic save detects a lost race and the turn is replayed.

Async channels call the ``a``-prefixed methods. On a store whose calls are cheap and
local (the embedded SQLite store, ``blocking = False``) they run the turn on the event
loop: a turn costs less than a hop to a worker thread (bench/bench_telegram.py). On a
store that waits on a server (``blocking = True``) they run it in a worker thread, so
the loop is never blocked.

A stored session this code cannot run (its flow, step or language no longer exists)
is deleted and the user starts again, rather than failing on every turn; the store
itself quarantines rows that do not validate. Nothing here logs a key, an answer or
free text: exceptions carry no key either.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
import zlib
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from bot import metrics
from bot.clock import Clock, system_clock
from bot.conversation import new_session, step
from bot.i18n import LOCALES
from bot.models import Event, Reply, Session
from bot.recap import recap_line
from bot.render import FLOWS, render
from bot.storage import ConcurrentUpdate, SessionStore

log = logging.getLogger(__name__)
T = TypeVar("T")

LOCK_STRIPES = 256
# A save that lost a race to another process is replayed on the fresh copy, after a
# short random pause that grows with each attempt, so two writers do not keep colliding.
MAX_REPLAYS = 10
REPLAY_PAUSE_S = 0.002


class UnknownSession(LookupError):
    """No conversation is stored under the key (and the caller asked not to start one).
    The exception does not carry the key, so a log of it cannot leak one."""


def _runnable(session: Session) -> bool:
    """Whether this code can run a stored session: its flow, step, history and language
    all exist. One written by other code (a step renamed without a migration, a hand
    edit) validates as a Session but would raise on every turn."""
    flow = FLOWS.get(session.flow)
    return (
        flow is not None
        and session.locale in LOCALES
        and session.state in flow.by_name
        and all(name in flow.by_name for name in session.history)
    )


class TurnRecorder(Protocol):
    """What a deployment counts (the staff console's :mod:`bot.staff.analytics`): told of
    each completed turn, after its save. Optional (off for embedded use and tests); the
    engine never lets a recorder's failure reach the turn."""

    def turn(
        self, event: Event, seen: Sequence[str], session: Session, reply: Reply, now: datetime
    ) -> None:
        """``seen``: the steps the conversation was on before the turn (its history and
        its step; empty for a new conversation); ``session``: as saved."""
        ...

    def declined(self, text: str, locale: str, now: datetime) -> None:
        """A question the FAQ declined outside a conversation (the API's FAQ search)."""
        ...


class Engine:
    """Runs turns against a store with an injected clock (and, optionally, a recorder)."""

    def __init__(
        self,
        store: SessionStore,
        clock: Clock = system_clock,
        recorder: TurnRecorder | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.recorder = recorder
        self._locks = tuple(threading.Lock() for _ in range(LOCK_STRIPES))

    def _lock(self, key: str) -> threading.Lock:
        return self._locks[zlib.crc32(key.encode("utf-8")) % LOCK_STRIPES]

    def _load(self, key: str) -> Session | None:
        """The stored session, or None; one this code cannot run is deleted (the user
        starts again) instead of wedging every later turn."""
        stored = self.store.load(key)
        if stored is None or _runnable(stored):
            return stored
        log.warning("a stored session names an unknown flow, step or language; deleted it")
        self.store.delete(key)
        return None

    # -- synchronous

    def handle(self, event: Event, *, create: bool = True) -> Reply:
        """One turn for ``event.user_key``; turns of one user never interleave. With
        ``create=False`` a key with no stored conversation raises :class:`UnknownSession`
        instead of starting one. Counted here (bot.metrics), so every channel counts."""
        with metrics.turn(event.user_key, not_a_turn=UnknownSession):
            return self._handle(event, create=create)

    def _handle(self, event: Event, *, create: bool) -> Reply:
        with self._lock(event.user_key):
            for attempt in range(MAX_REPLAYS):
                if attempt:
                    time.sleep(random.uniform(0, REPLAY_PAUSE_S * attempt))
                stored = self._load(event.user_key)
                if stored is None and not create:
                    msg = "no conversation is stored under this key"
                    raise UnknownSession(msg)
                is_new = stored is None
                seen = () if stored is None else (*stored.history, stored.state)
                session = stored or new_session(event.user_key, event.locale_hint)
                before = None if is_new else session.state
                result = step(session, event, self.clock(), is_new=is_new)
                if result.session is None:
                    self.store.delete(event.user_key)
                    return result.reply
                try:
                    self.store.save(result.session)
                except ConcurrentUpdate:
                    log.info("concurrent update of a session; replaying the turn")
                    continue
                self._record(event, seen, result.session, result.reply)
                metrics.count_reply(result.reply, verdict_reached=before != result.session.state)
                return result.reply
        msg = f"could not save the session after {MAX_REPLAYS} attempts"
        raise RuntimeError(msg)

    def _record(self, event: Event, seen: Sequence[str], session: Session, reply: Reply) -> None:
        """Tell the recorder about a saved turn; its failure is logged (the exception's
        type only: no key, no text) and the turn goes on."""
        if self.recorder is None:
            return
        try:
            self.recorder.turn(event, seen, session, reply, self.clock())
        except Exception as exc:  # a boundary: counting never breaks a turn
            log.warning("recording a turn failed (%s); the turn goes on", type(exc).__name__)

    def note_declined(self, text: str, locale: str) -> None:
        """A question the FAQ search declined outside a conversation (``/api/v1/faq``):
        counted, and kept scrubbed when the deployment records them. Never raises."""
        if self.recorder is None:
            return
        try:
            self.recorder.declined(text, locale, self.clock())
        except Exception as exc:  # a boundary, as in _record
            log.warning("recording a declined question failed (%s)", type(exc).__name__)

    def resume(self, user_key: str) -> Reply | None:
        """The current step again (after a reload, or a returning user), changing nothing;
        None when no conversation is stored under the key."""
        with self._lock(user_key):
            stored = self._load(user_key)
        if stored is None:
            return None
        return render(stored, [], [], now=self.clock())

    def current(self, user_key: str, locale_hint: str | None = None) -> Reply:
        """The current step again, or the first one of a new conversation (not stored)."""
        reply = self.resume(user_key)
        if reply is not None:
            return reply
        return render(new_session(user_key, locale_hint), [], [], now=self.clock())

    def forget(self, user_key: str) -> bool:
        """Delete everything stored about the conversation. True if there was one."""
        with self._lock(user_key):
            return self.store.delete(user_key)

    def locale_of(self, user_key: str) -> str | None:
        """The conversation's language, or None when none is stored."""
        with self._lock(user_key):
            stored = self._load(user_key)
        return stored.locale if stored is not None else None

    def recap(self, user_key: str) -> str | None:
        """The answers so far as one line in the conversation's language (for a user
        who comes back); None when nothing is stored or nothing is answered yet."""
        with self._lock(user_key):
            stored = self._load(user_key)
        return recap_line(stored) if stored is not None else None

    def snapshot(self, user_key: str) -> Session | None:
        """The stored conversation as it is, to be read and never saved back: what the
        take-away documents (the calendar file, the printable checklist) are made from.
        None when nothing is stored under the key."""
        with self._lock(user_key):
            return self._load(user_key)

    # -- asynchronous (see the module docstring)

    async def _run(self, call: Callable[[], T]) -> T:
        if self.store.blocking:
            return await asyncio.to_thread(call)
        return call()

    async def ahandle(self, event: Event, *, create: bool = True) -> Reply:
        return await self._run(lambda: self.handle(event, create=create))

    async def aresume(self, user_key: str) -> Reply | None:
        return await self._run(lambda: self.resume(user_key))

    async def aforget(self, user_key: str) -> bool:
        return await self._run(lambda: self.forget(user_key))

    async def alocale_of(self, user_key: str) -> str | None:
        return await self._run(lambda: self.locale_of(user_key))

    async def asnapshot(self, user_key: str) -> Session | None:
        return await self._run(lambda: self.snapshot(user_key))
