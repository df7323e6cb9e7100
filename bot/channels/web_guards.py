"""The web server's defences against hostile input, kept apart from the routes.

Everything here bounds what one request may cost the server: the media type is parsed,
not searched for "json" (the body itself is decoded by :func:`bot.json_input.decode_json`,
which bounds nesting and numbers); rate-limit buckets take the same memory whatever the
client sent; CPU-heavy work runs in a few worker threads with a bounded queue; a dropped
upload is a quiet non-event; every response says ``nosniff`` and ``no-store``; and
webhook updates are remembered for a while so a replay is not run twice.

The rate limits and the webhook's memory of updates come in two kinds behind one async
interface each (:class:`Limiter`, :class:`Sightings`): in process memory
(:class:`RateLimiter`, :class:`RecentIds`) for one ``serve`` process on SQLite, where
they cost no I/O and no thread hop; and in the store (:class:`SharedRateLimiter`,
:class:`SharedSightings`, through :class:`bot.storage.SharedLimits`) when several
processes serve one database, so that a client's budget and a replayed update are the
same whichever process the kernel or the proxy hands the request to.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Final, Protocol, TypeVar

from starlette.datastructures import MutableHeaders
from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from bot.storage import SharedLimits

T = TypeVar("T")

# A rate-limit key is an address; anything longer is cut before hashing, so a 60 KB
# header value costs what an address costs.
MAX_KEY_CHARS: Final = 256
DEFAULT_MAX_CLIENTS: Final = 20_000


class ClientGone(Exception):
    """The client disconnected before its body was read: nobody waits for an answer."""


def is_json_media_type(content_type: str) -> bool:
    """``application/json``, with parameters allowed but a charset only if UTF-8
    (``application/json; charset=utf-8``); not ``text/json``, not ``application/jsonx``."""
    media, _, params = content_type.partition(";")
    if media.strip().lower() != "application/json":
        return False
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            return False
    return True


async def read_body(request: Request, limit: int) -> bytes | None:
    """The request body, or None when it is (or says it is) over ``limit`` bytes; reading
    stops at the limit, so a huge body is never held in memory. A client that hangs up
    mid-upload raises :class:`ClientGone`, which callers answer quietly: it is routine
    on the internet and not worth a traceback in the log."""
    declared = request.headers.get("content-length")
    # isascii: "²".isdigit() is True, and int("²") raises.
    if declared is not None and (
        not (declared.isascii() and declared.isdigit()) or int(declared) > limit
    ):
        return None
    body = b""
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                return None
    except ClientDisconnect:
        raise ClientGone from None
    return body


class Limiter(Protocol):
    """A per-client rate limit, as the routes use it."""

    async def take(self, client: str, cost: float = 1.0) -> float:
        """0 if the request may go ahead (its cost is taken), else the seconds to wait."""
        ...


class Sightings(Protocol):
    """The webhook's memory of update ids, as the route uses it."""

    async def first(self, item: int) -> bool:
        """True the first time ``item`` is seen (now recorded), False for a replay."""
        ...

    async def forget(self, item: int) -> None:
        """Forget ``item``: its handling failed, so a resend must run it."""
        ...


def client_key(client: str) -> bytes:
    """A client's bucket key: cut to :data:`MAX_KEY_CHARS` and hashed to 16 bytes, so a
    huge header costs what an address costs and no address is kept (or stored) in clear."""
    raw = client[:MAX_KEY_CHARS].encode("utf-8", "replace")
    return hashlib.blake2b(raw, digest_size=16).digest()


class RateLimiter:
    """Token buckets per client, ``burst`` deep and refilled at ``per_minute``.

    Bounded whatever clients send: a key is cut to :data:`MAX_KEY_CHARS` and hashed to
    16 bytes, and at most ``max_clients`` buckets are kept, the least recently seen
    dropped first (a dropped client starts again with a full bucket, which only ever
    favours it). A request may cost more than one token (``cost``), which is how the
    FAQ search is charged by the length of the question."""

    def __init__(
        self,
        per_minute: float,
        burst: float,
        clock: Callable[[], float] = time.monotonic,
        *,
        max_clients: int = DEFAULT_MAX_CLIENTS,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_clients = max(1, max_clients)
        self._clock = clock
        self._buckets: OrderedDict[bytes, tuple[float, float]] = OrderedDict()

    _key = staticmethod(client_key)

    def check(self, client: str, cost: float = 1.0) -> float:
        """0 if the request may go ahead (and its cost is taken), else the seconds to
        wait. A cost over the burst is charged as the burst."""
        if self.rate <= 0:
            return 0.0
        cost = min(max(cost, 0.0), self.burst)
        key = self._key(client)
        now = self._clock()
        tokens, last = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + max(0.0, now - last) * self.rate)
        wait = 0.0
        if tokens < cost:
            wait = (cost - tokens) / self.rate
        else:
            tokens -= cost
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait

    async def take(self, client: str, cost: float = 1.0) -> float:
        """:meth:`check` as a :class:`Limiter` (no suspension: it never waits)."""
        return self.check(client, cost)

    def __len__(self) -> int:
        return len(self._buckets)


class SharedRateLimiter:
    """The same buckets as :class:`RateLimiter`, kept in the store so that every process
    serving it draws from one budget per client (``bucket`` names the limit: the API's,
    the FAQ's, the webhook's). The key is hashed as :class:`RateLimiter` hashes it; a
    store that blocks (a network round trip) is called in a thread, off the event loop."""

    def __init__(self, shared: SharedLimits, bucket: str, per_minute: float, burst: float) -> None:
        self.shared = shared
        self.bucket = bucket
        self.per_second = per_minute / 60.0
        self.burst = float(burst)

    async def take(self, client: str, cost: float = 1.0) -> float:
        if self.per_second <= 0:
            return 0.0
        cost = min(max(cost, 0.0), self.burst)
        args = (self.bucket, client_key(client), self.per_second, self.burst, cost)
        if self.shared.blocking:
            return await asyncio.to_thread(self.shared.take_tokens, *args)
        return self.shared.take_tokens(*args)


def retry_after(wait: float) -> dict[str, str]:
    """The Retry-After header for a wait in seconds (whole seconds, at least 1)."""
    return {"Retry-After": str(max(1, int(wait + 0.999)))}


class RecentIds:
    """The last ``size`` ids seen, to run a replayed webhook update once. :meth:`add`
    is True for a new id; :meth:`discard` forgets one whose handling failed."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = max(1, size)
        self._seen: OrderedDict[Hashable, None] = OrderedDict()

    def add(self, item: Hashable) -> bool:
        if item in self._seen:
            self._seen.move_to_end(item)
            return False
        self._seen[item] = None
        while len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return True

    def discard(self, item: Hashable) -> None:
        self._seen.pop(item, None)

    async def first(self, item: int) -> bool:
        """:meth:`add` as :class:`Sightings`."""
        return self.add(item)

    async def forget(self, item: int) -> None:
        self.discard(item)

    def __len__(self) -> int:
        return len(self._seen)


class SharedSightings:
    """Update ids recorded in the store under ``name``, so that an update Telegram resends
    to another process (or anyone replays there) is still run once."""

    def __init__(self, shared: SharedLimits, name: str) -> None:
        self.shared = shared
        self.name = name

    async def first(self, item: int) -> bool:
        if self.shared.blocking:
            return await asyncio.to_thread(self.shared.first_sighting, self.name, item)
        return self.shared.first_sighting(self.name, item)

    async def forget(self, item: int) -> None:
        if self.shared.blocking:
            await asyncio.to_thread(self.shared.forget_sighting, self.name, item)
        else:
            self.shared.forget_sighting(self.name, item)


class SecurityHeaders:
    """ASGI middleware: every response says ``X-Content-Type-Options: nosniff`` and, unless
    the route chose its own caching (the static pages and assets), ``Cache-Control:
    no-store``, errors included: API answers carry session ids and conversation text."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


class Busy(Exception):
    """Too many jobs are already waiting for the worker threads."""


class WorkerPool:
    """A few threads for CPU-heavy work (the FAQ search), so the event loop goes on
    serving everyone else while it runs; at most ``max_pending`` jobs wait or run, and
    one more raises :class:`Busy` at once instead of queueing without bound."""

    def __init__(self, workers: int, max_pending: int) -> None:
        self._pool = ThreadPoolExecutor(max(1, workers), thread_name_prefix="web-cpu")
        self.max_pending = max(1, max_pending)
        self._pending = 0
        weakref.finalize(self, self._pool.shutdown, wait=False)

    @property
    def idle(self) -> bool:
        """No job is waiting or running. Counted on the loop, and a job counts until
        the loop has its result, so when this is True no worker holds any lock."""
        return self._pending == 0

    async def run(self, call: Callable[[], T]) -> T:
        if self._pending >= self.max_pending:
            raise Busy
        self._pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, call)
        finally:
            self._pending -= 1


def limiter_for(
    shared: SharedLimits | None,
    bucket: str,
    per_minute: float,
    burst: float,
    *,
    max_clients: int = DEFAULT_MAX_CLIENTS,
) -> Limiter:
    """The store's buckets when ``shared`` is given (several processes), else memory."""
    if shared is not None:
        return SharedRateLimiter(shared, bucket, per_minute, burst)
    return RateLimiter(per_minute, burst, max_clients=max_clients)


def sightings_for(shared: SharedLimits | None, name: str, size: int) -> Sightings:
    """The store's record of ids when ``shared`` is given, else the last ``size`` in memory."""
    if shared is not None:
        return SharedSightings(shared, name)
    return RecentIds(size)
