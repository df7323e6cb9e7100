"""Prometheus metrics: what the guide counts, and how ``/metrics`` reads it.

Every label comes from a fixed set (a channel, an outcome, a reason code, a locale, a
route template, a status class): a value outside its set is counted as ``other``, so
no client can add a series, and no label ever holds a session id, a path or user text.
Each event is counted in one place: turns, verdicts and FAQ answers by the engine (so
every channel counts them), HTTP requests by the web app's middleware.

``prometheus_client`` is imported lazily, and the metrics are made on first use: the
library picks its single- or multi-process storage when it is imported, from
``PROMETHEUS_MULTIPROC_DIR``, so that must be set before anything imports it.

How ``serve --workers N`` (the supervisor that forks the workers) must call this module:

1. In the parent, before forking and before anything counts a metric:
   ``path = prepare_multiprocess()``. It makes a private temporary directory and sets
   ``PROMETHEUS_MULTIPROC_DIR``; every worker forked afterwards writes its counts there.
2. When a worker exits (``os.waitpid`` returned its pid): ``worker_exited(pid)``. (It
   drops the worker's live-only gauges; this module has none today, so it is cheap
   bookkeeping that keeps a future gauge right.)
3. At the parent's exit: ``cleanup_multiprocess()`` removes the directory.

The parent starts no thread (it forks). With ``--metrics-port`` the parent binds that
socket too, and worker 0 serves it (:func:`bot.channels.observe.metrics_app`): in this
mode :func:`registry` reads every worker's files, dead ones' included (counters never
go back), so any one process can serve the sum. ``/metrics`` on the main port (with
the token) works in every worker for the same reason.
"""

from __future__ import annotations

import hmac
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final

from bot.codes import Reason
from bot.i18n import LOCALES
from bot.takeaway import Outcome, outcome

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry, Counter, Histogram

    from bot.models import Reply

MULTIPROC_ENV: Final = "PROMETHEUS_MULTIPROC_DIR"
TOKEN_ENV: Final = "ZAIRYU_METRICS_TOKEN"
# A bearer token long enough that guessing it is hopeless; visible ASCII, no spaces.
TOKEN: Final = re.compile(r"^[\x21-\x7e]{16,256}$")
OTHER: Final = "other"

# The fixed label sets.
CHANNELS: Final = ("web", "telegram", OTHER)
_KEY_PREFIXES: Final = (("web:", "web"), ("tg:", "telegram"))
TURN_OUTCOMES: Final = ("ok", "error")
VERDICT_OUTCOMES: Final = tuple(str(o) for o in Outcome)
REASONS: Final = tuple(str(r) for r in Reason)
FAQ_RESULTS: Final = ("answered", "declined")
FAQ_SOURCES: Final = ("turn", "search_api")
LIMITERS: Final = ("api", "faq_budget", "faq_busy", "webhook")
METHODS: Final = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
STATUS_CLASSES: Final = ("1xx", "2xx", "3xx", "4xx", "5xx")
# Exception labels: a builtin exception's name, or the DB-API name of a database error
# (sqlite3 and psycopg both raise subclasses of these), found by walking the class's
# ancestors; so the set is bounded whatever a library raises.
_DB_ERRORS: Final = frozenset(
    {
        "OperationalError",
        "IntegrityError",
        "DatabaseError",
        "InterfaceError",
        "ProgrammingError",
        "DataError",
        "InternalError",
        "NotSupportedError",
    }
)
_DB_MODULES: Final = ("sqlite3", "psycopg")
_PROJECT_ERRORS: Final = frozenset({"ConcurrentUpdate", "StoreURLError", "UnknownSession"})

# Seconds: a turn is ~1 ms, a hard FAQ question up to ~0.5 s; beyond 5 s is an outage.
BUCKETS: Final = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _Metrics:
    """The metric objects, made once per process on first use (see the module note)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        from prometheus_client import Counter, Histogram  # noqa: PLC0415 - see the module note

        r = registry
        self.turns: Counter = Counter(
            "zairyu_turns",
            "Conversation turns run by the engine, by channel and outcome.",
            ("channel", "outcome"),
            registry=r,
        )
        self.turn_seconds: Histogram = Histogram(
            "zairyu_turn_duration_seconds",
            "Time to handle one turn (lock, load, step, save), by channel.",
            ("channel",),
            buckets=BUCKETS,
            registry=r,
        )
        self.verdicts: Counter = Counter(
            "zairyu_verdicts",
            "Verdicts reached (a conversation arriving at its verdict), by outcome.",
            ("outcome",),
            registry=r,
        )
        self.verdict_reasons: Counter = Counter(
            "zairyu_verdict_reasons",
            "Reason codes of the verdicts reached (a verdict may give several).",
            ("reason",),
            registry=r,
        )
        self.faq: Counter = Counter(
            "zairyu_faq_questions",
            "Questions the FAQ answered or declined, by locale and source.",
            ("locale", "result", "source"),
            registry=r,
        )
        self.http_seconds: Histogram = Histogram(
            "zairyu_http_request_duration_seconds",
            "HTTP request duration, by method and route template.",
            ("method", "route"),
            buckets=BUCKETS,
            registry=r,
        )
        self.http_responses: Counter = Counter(
            "zairyu_http_responses",
            "HTTP responses, by route template and status class.",
            ("route", "status_class"),
            registry=r,
        )
        self.rate_limited: Counter = Counter(
            "zairyu_rate_limited",
            "Requests answered 429, by the limiter that refused them.",
            ("limiter",),
            registry=r,
        )
        self.exceptions: Counter = Counter(
            "zairyu_exceptions",
            "Exceptions that escaped an HTTP request (answered 500), by type.",
            ("type",),
            registry=r,
        )
        # Every series of a fixed set exists from the start, at 0, so a rate() over it
        # works from the first scrape.
        for via in CHANNELS:
            self.turn_seconds.labels(via)
            for result in TURN_OUTCOMES:
                self.turns.labels(via, result)
        for verdict in VERDICT_OUTCOMES:
            self.verdicts.labels(verdict)
        for reason in REASONS:
            self.verdict_reasons.labels(reason)
        for locale in LOCALES:
            for result in FAQ_RESULTS:
                for source in FAQ_SOURCES:
                    self.faq.labels(locale, result, source)
        for limiter in LIMITERS:
            self.rate_limited.labels(limiter)


_lock = threading.Lock()
_metrics: _Metrics | None = None
_own: CollectorRegistry | None = None
_scrape: CollectorRegistry | None = None


def multiprocess_dir() -> str | None:
    """The directory the workers write to, when in multi-process mode."""
    return os.environ.get(MULTIPROC_ENV) or None


def _get() -> _Metrics:
    global _metrics, _own  # noqa: PLW0603 - made once per process, on first use
    if _metrics is None:
        with _lock:
            if _metrics is None:
                from prometheus_client import (  # noqa: PLC0415 - see the module note
                    CollectorRegistry,
                    PlatformCollector,
                    ProcessCollector,
                    disable_created_metrics,
                )

                disable_created_metrics()  # type: ignore[no-untyped-call] # half the noise
                own = CollectorRegistry()
                _metrics = _Metrics(own)
                if multiprocess_dir() is None:  # per process: meaningless summed
                    ProcessCollector(registry=own)
                    PlatformCollector(registry=own)
                _own = own
    return _metrics


def registry() -> CollectorRegistry:
    """What ``/metrics`` serves: in multi-process mode the sum over every worker's files
    (dead workers' included), else this process's metrics and its CPU and memory."""
    global _scrape  # noqa: PLW0603
    _get()  # every fixed series exists (at 0) before the first event
    path = multiprocess_dir()
    if path is None:
        assert _own is not None
        return _own
    if _scrape is None:
        with _lock:
            if _scrape is None:
                from prometheus_client import CollectorRegistry  # noqa: PLC0415
                from prometheus_client.multiprocess import MultiProcessCollector  # noqa: PLC0415

                scrape = CollectorRegistry()
                MultiProcessCollector(scrape, path=path)  # type: ignore[no-untyped-call]
                _scrape = scrape
    return _scrape


def exposition(accept: str = "") -> tuple[bytes, str]:
    """The scrape body and its content type (Prometheus text, or OpenMetrics if asked)."""
    from prometheus_client.exposition import choose_encoder  # noqa: PLC0415

    encoder, content_type = choose_encoder(accept)
    return encoder(registry()), content_type


def token_ok(authorization: str | None, expected: str) -> bool:
    """``Authorization: Bearer <expected>``, compared in constant time."""
    scheme, _, given = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode("utf-8"), expected.encode("utf-8")
    )


def check_token(value: str | None) -> str | None:
    """``ZAIRYU_METRICS_TOKEN``: None when unset or empty (``/metrics`` is then 404)."""
    value = (value or "").strip()
    if not value:
        return None
    if not TOKEN.match(value):
        msg = (
            f"{TOKEN_ENV} must be 16-256 visible ASCII characters without spaces (make one "
            "with: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
        raise ValueError(msg)
    return value


# --------------------------------------------------------------------------- counting


def channel_of(user_key: str) -> str:
    """The channel a user key belongs to (its prefix), for the ``channel`` label."""
    for prefix, name in _KEY_PREFIXES:
        if user_key.startswith(prefix):
            return name
    return OTHER


@contextmanager
def turn(user_key: str, not_a_turn: type[BaseException]) -> Iterator[None]:
    """Time and count one engine turn. ``not_a_turn`` (no conversation under the key)
    ran no turn and is not counted; any other exception is an ``error`` turn."""
    channel = channel_of(user_key)
    start = time.perf_counter()
    try:
        yield
    except not_a_turn:
        raise
    except BaseException:
        _turn_done(channel, "error", time.perf_counter() - start)
        raise
    _turn_done(channel, "ok", time.perf_counter() - start)


def _turn_done(channel: str, result: str, seconds: float) -> None:
    m = _get()
    m.turns.labels(channel, result).inc()
    m.turn_seconds.labels(channel).observe(seconds)


def count_reply(reply: Reply, *, verdict_reached: bool) -> None:
    """A saved turn's events: the verdict when the turn arrived at it (not when it is
    shown again, e.g. in another language), and an FAQ answer or decline."""
    m = _get()
    if verdict_reached and reply.verdict is not None:
        m.verdicts.labels(str(outcome(reply.verdict))).inc()
        for reason in reply.verdict.reasons:
            m.verdict_reasons.labels(_known(str(reason), REASONS)).inc()
    if reply.faq is not None:
        count_faq(reply.locale, answered=reply.faq.id is not None, source="turn")


def count_faq(locale: str | None, *, answered: bool, source: str) -> None:
    _get().faq.labels(
        _known(locale, LOCALES), FAQ_RESULTS[0] if answered else FAQ_RESULTS[1], source
    ).inc()


def count_rate_limited(limiter: str) -> None:
    _get().rate_limited.labels(_known(limiter, LIMITERS)).inc()


def count_request(method: str, route: str, status: int, seconds: float) -> None:
    """One HTTP request. ``route`` is the matched route's template (the caller's
    fixed set: the app's routes, or ``unmatched``)."""
    m = _get()
    m.http_seconds.labels(http_method(method), route).observe(seconds)
    m.http_responses.labels(route, status_class(status)).inc()


def count_exception(exc: BaseException) -> None:
    _get().exceptions.labels(exception_type(exc)).inc()


def http_method(method: str) -> str:
    return method if method in METHODS else OTHER


def status_class(status: int) -> str:
    return f"{status // 100}xx" if 100 <= status <= 599 else OTHER


def exception_type(exc: BaseException) -> str:
    """The nearest of the exception's classes with a bounded name: the project's own
    errors, a DB-API error of sqlite3 or psycopg (``db.OperationalError``), or a builtin."""
    for cls in type(exc).__mro__:
        module = cls.__module__
        if cls.__name__ in _PROJECT_ERRORS and module.startswith("bot."):
            return cls.__name__
        if cls.__name__ in _DB_ERRORS and module.startswith(_DB_MODULES):
            return f"db.{cls.__name__}"
        if module == "builtins":
            return cls.__name__
    return OTHER  # pragma: no cover - every exception derives from BaseException


def _known(value: str | None, allowed: tuple[str, ...]) -> str:
    return value if value is not None and value in allowed else OTHER


# --------------------------------------------------------------------------- processes


def prepare_multiprocess() -> str:
    """Parent, before forking workers: a private directory for their counts, named in
    ``PROMETHEUS_MULTIPROC_DIR`` (inherited by every worker). Raises RuntimeError when
    this process already made its metrics (they would not be shared)."""
    global _scrape  # noqa: PLW0603
    if _metrics is not None:
        msg = "prepare_multiprocess() must run before any metric is counted"
        raise RuntimeError(msg)
    path = tempfile.mkdtemp(prefix="zairyu-metrics-")
    os.environ[MULTIPROC_ENV] = path
    values = sys.modules.get("prometheus_client.values")
    if values is not None:  # imported already: choose its storage again, as on import
        values.ValueClass = values.get_value_class()  # type: ignore[attr-defined]
    _scrape = None
    return path


def worker_exited(pid: int) -> None:
    """Parent, when a worker has exited: drop its live-only series (the counters stay:
    a total never goes back)."""
    path = multiprocess_dir()
    if path is not None:
        from prometheus_client.multiprocess import mark_process_dead  # noqa: PLC0415

        mark_process_dead(pid, path)  # type: ignore[no-untyped-call]


def cleanup_multiprocess() -> None:
    """Parent, at exit: remove the directory :func:`prepare_multiprocess` made."""
    path = os.environ.pop(MULTIPROC_ENV, None)
    if path:
        shutil.rmtree(path, ignore_errors=True)
