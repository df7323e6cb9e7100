"""Connection hygiene for a server on the open internet: deadlines, a cap, quiet logs.

uvicorn closes a connection only when it has been idle *between* requests
(``timeout_keep_alive``); its timer starts after a response and stops at the first byte
of the next request. A connection that sends nothing, or half a request line, or trickles
a header a byte at a time, is therefore held forever: 20,000 of them exhausted the file
descriptors of a default ``serve`` (issue 12). :class:`DeadlineProtocol` adds the missing
deadline: from its first byte (or from the connection, for the first request) a client has
``request_timeout`` seconds to send its whole request, head and body. Responses are not
limited: the deadline is off once the request is in.

Over the cap (``max_connections``), uvicorn answers a request with 503
(``limit_concurrency``); such a connection also gets a short deadline, so a flood of them
gives its file descriptors back within a fraction of a second.

When descriptors do run out, asyncio's accept loop reports every failed ``accept()``
(up to the listen backlog, 2,048, per event-loop turn) with a traceback: about 130 MB of
log in 40 s. :class:`RepeatFilter` lets one line of each kind through per window and
counts the rest.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ClassVar, Final

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

# A connection over the cap is answered 503 when its request comes; until then it may
# hold a descriptor this long. Short: a real client's request is usually in the socket
# already when the connection is accepted (it follows the handshake at once), and a
# silent one is cut off either way; the sooner its descriptor is free, the sooner the
# connections queued behind it in the listen backlog (/healthz among them) are served.
OVER_CAP_TIMEOUT: Final = 0.25
ACCEPT_FAILED: Final = "socket.accept() out of system resource"
# Loggers that can repeat one message per connection or per request.
NOISY_LOGGERS: Final = ("asyncio", "uvicorn.error", "bot.channels.web")


class DeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for receiving each request.

    Use :func:`protocol_class` to get one with settings (uvicorn creates the protocol
    itself, so they are class attributes)."""

    request_timeout: ClassVar[float] = 10.0
    max_connections: ClassVar[int] = 1000

    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        timeout = self.request_timeout
        if len(self.connections) > self.max_connections:
            timeout = min(timeout, OVER_CAP_TIMEOUT)
        self._arm(timeout)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        state = self.conn.their_state
        if state is h11.IDLE or state is h11.SEND_BODY:
            # A request has begun and is not complete: the deadline runs from its first
            # byte (it is not moved by later bytes, or a trickle would never end).
            if self._deadline is None:
                self._arm(self.request_timeout)
        else:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self, timeout: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(timeout, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self.flow.read_paused and self.conn.their_state is h11.SEND_BODY:
            # We stopped reading (the app has not taken the body yet): not the client's
            # fault, so give it another period.
            self._arm(self.request_timeout)
            return
        self.transport.close()


def protocol_class(request_timeout: float, max_connections: int) -> type[DeadlineProtocol]:
    """A :class:`DeadlineProtocol` with these settings, for ``uvicorn.Config(http=...)``."""
    return type(
        "DeadlineProtocol",
        (DeadlineProtocol,),
        {"request_timeout": request_timeout, "max_connections": max_connections},
    )


class RepeatFilter(logging.Filter):
    """One record of each kind per ``window`` seconds; the next one let through says how
    many were dropped. A failed ``accept()`` becomes one line without a traceback (the
    traceback says nothing the line does not).

    The kind is the logger and the first line of the message (for asyncio's reports the
    message carries its context on later lines)."""

    MAX_KINDS: Final = 1000

    def __init__(self, window: float = 10.0, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.window = window
        self._clock = clock
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        first_line = str(record.msg).partition("\n")[0][:200]
        key = (record.name, first_line)
        now = self._clock()
        seen = self._seen.get(key)
        if seen is not None and now - seen[0] < self.window:
            self._seen[key] = (seen[0], seen[1] + 1)
            return False
        if len(self._seen) >= self.MAX_KINDS:
            self._seen.clear()
        self._seen[key] = (now, 0)
        if first_line.startswith(ACCEPT_FAILED):
            exc = record.exc_info[1] if record.exc_info else None
            reason = getattr(exc, "strerror", None) or "no descriptors"
            record.msg = (
                f"cannot accept new connections: {reason}; they wait in the listen backlog "
                "(raise the open-files limit or lower --max-connections)"
            )
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        if seen is not None and seen[1]:
            record.msg = f"{record.getMessage()} [{seen[1]} more like this not logged]"
            record.args = ()
        return True


@contextmanager
def quiet_repeats(window: float = 10.0) -> Iterator[RepeatFilter]:
    """Install one :class:`RepeatFilter` on the loggers that can repeat per connection."""
    repeat = RepeatFilter(window)
    loggers = [logging.getLogger(name) for name in NOISY_LOGGERS]
    for logger in loggers:
        logger.addFilter(repeat)
    try:
        yield repeat
    finally:
        for logger in loggers:
            logger.removeFilter(repeat)
