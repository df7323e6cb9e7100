"""The channel-neutral engine: ``handle(incoming) -> Reply``.

Per turn: lock the user's key, load the session, step, save, return the reply.
Channels only translate their updates into :class:`~bot.models.Incoming` and
the reply into their own messages. Locks are striped (a fixed array hashed by
key) so memory does not grow with the number of users; across processes the
store's optimistic save detects a lost race and the turn is replayed.
"""

from __future__ import annotations

import logging
import threading
import zlib

from bot.clock import Clock, system_clock, today_in_tokyo
from bot.models import Incoming, Reply
from bot.state_machine import new_session, render, step
from bot.storage import ConcurrentUpdate, SessionStore

log = logging.getLogger(__name__)

LOCK_STRIPES = 256
MAX_REPLAYS = 5


class Engine:
    """Runs turns against a store with an injected clock."""

    def __init__(self, store: SessionStore, clock: Clock = system_clock) -> None:
        self.store = store
        self.clock = clock
        self._locks = tuple(threading.Lock() for _ in range(LOCK_STRIPES))

    def _lock(self, key: str) -> threading.Lock:
        return self._locks[zlib.crc32(key.encode("utf-8")) % LOCK_STRIPES]

    def handle(self, incoming: Incoming) -> Reply:
        """One turn for ``incoming.user_key``; turns of one user never interleave."""
        with self._lock(incoming.user_key):
            for _attempt in range(MAX_REPLAYS):
                stored = self.store.load(incoming.user_key)
                is_new = stored is None
                session = stored or new_session(incoming.user_key, incoming.locale_hint)
                result = step(session, incoming, self.clock(), is_new=is_new)
                if result.session is None:
                    self.store.delete(incoming.user_key)
                    return result.reply
                try:
                    self.store.save(result.session)
                except ConcurrentUpdate:
                    log.info("concurrent update of a session; replaying the turn")
                    continue
                return result.reply
        msg = f"could not save the session after {MAX_REPLAYS} attempts"
        raise RuntimeError(msg)

    def current(self, user_key: str, locale_hint: str | None = None) -> Reply:
        """The current step again (for resume after a reload), without changing anything."""
        with self._lock(user_key):
            stored = self.store.load(user_key)
            session = stored or new_session(user_key, locale_hint)
            now = self.clock()
            return render(session, today_in_tokyo(now), [], [], now=now)
