"""``python -m bot serve``: the HTTP server and, when a token is set, the Telegram bot.

One process, one event loop: uvicorn serves the Starlette app; the python-telegram-bot
application runs beside it, by long polling (the default) or, when
``TELEGRAM_WEBHOOK_URL`` is set, through the webhook route of that same server.

Settings come from the environment:

* ``TELEGRAM_BOT_TOKEN``: turns Telegram on;
* ``TELEGRAM_API_BASE_URL``: a self-hosted Bot API server (default: api.telegram.org);
* ``TELEGRAM_WEBHOOK_URL`` and ``TELEGRAM_WEBHOOK_SECRET``: webhook mode; the secret
  (32-256 of A-Za-z0-9_-: long enough that guessing it is hopeless) is required and
  checked on every post.

For the open internet (issue 12), the options set: a deadline for receiving each request
and an idle keep-alive limit, a cap on connections (503 beyond it), quiet logs when
descriptors run out (all in :mod:`bot.channels.connections`); which proxies may set
``X-Forwarded-For`` (none by default: a client cannot pick its own rate-limit bucket);
the public origin; and the retention purge, run at start and then hourly.

With Telegram on, the reminder scheduler (issue 13) runs beside the bot: at start and
then every minute it sends the due reminders (:func:`bot.channels.telegram.run_reminders`);
on shutdown it finishes the reminder it is sending and hands the rest back.

``--workers N`` (issue 14) runs N such processes on one port, forked and watched by
the parent (:mod:`bot.channels.workers`), each on its own SO_REUSEPORT socket
(:func:`_bind_workers`). Worker 0 alone prints the start-up lines,
runs the retention purge and registers the Telegram commands and webhook; every worker
runs the reminder scheduler (the store's claiming sends each reminder once). With
several workers, or a store on a server (PostgreSQL: other hosts may serve it too), the
rate limits and the webhook's update ids live in the store (:class:`SharedLimits`), so
they hold across processes; one process on SQLite keeps them in memory as before.
Long polling is one process by nature (Telegram hands each update to one ``getUpdates``
caller): several workers need webhook mode.
"""

from __future__ import annotations

import asyncio
import gc
import io
import ipaddress
import os
import re
import resource
import signal
import socket
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any, Final
from urllib.parse import urlsplit

import uvicorn

# After bot.channels.telegram, which opts in to PTB's timedelta durations.
from telegram import Update
from telegram.error import TelegramError

from bot import metrics
from bot.channels.connections import protocol_class, quiet_repeats
from bot.channels.observe import serve_metrics
from bot.channels.telegram import (
    ALLOWED_UPDATES,
    build_application,
    register_commands,
    run_reminders,
)
from bot.channels.web import PartnersError, TelegramWebhook, WebConfig, create_app, load_partners
from bot.channels.workers import EXIT_STARTUP, MAX_WORKERS, WorkerMain, supervise
from bot.clock import Clock
from bot.engine import Engine
from bot.logs import LOG_FORMATS, LogFormat, setup_logging
from bot.reminders import DEFAULT_INTERVAL, Tally
from bot.staff.analytics import Recorder, purge_old
from bot.staff.store import ConsoleStore, console_store
from bot.storage import (
    RETENTION_DAYS,
    SessionStore,
    SharedLimits,
    StoreURLError,
    check_store_url,
    open_store,
    parse_retention_days,
    purge_idle,
)

# Telegram allows 1-256 characters; fewer than 32 could be guessed or brute-forced.
SECRET = re.compile(r"^[A-Za-z0-9_-]{32,256}$")
DEFAULT_PARTNERS = Path("config") / "partners.toml"
PURGE_INTERVAL: Final = 3600.0
# Seconds the reminder scheduler gets on shutdown to finish the send under way.
REMINDER_STOP_WAIT: Final = 10.0
# Descriptors kept free of connections: the database, its WAL, the Telegram client's pool.
RESERVED_FDS: Final = 64
ORIGIN: Final = re.compile(r"^(https?)://([a-z0-9.-]+|\[[0-9a-f:.]+\])(?::([0-9]{1,5}))?$")
LONG_POLLING_ONE_PROCESS: Final = (
    "long polling runs in one process: set TELEGRAM_WEBHOOK_URL (webhook mode) to run "
    "several workers"
)
# Seconds between a worker's looks at whether its parent is still there.
ORPHAN_CHECK: Final = 1.0


class ConfigError(ValueError):
    """The settings are inconsistent (reported to the user, exit 2)."""


@dataclass(frozen=True, slots=True)
class Limits:
    """How connections are treated (see :mod:`bot.channels.connections`)."""

    # Seconds a client has to send a whole request, from its first byte (or from the
    # connection): a connection that sends nothing, or half a request, is closed then.
    request_timeout: float = 10.0
    # Seconds an idle keep-alive connection is kept between requests.
    keep_alive: int = 5
    # Connections served at once; a request on one more is answered 503.
    max_connections: int = 1000
    # Peers whose X-Forwarded-For / X-Forwarded-Proto are believed: "" (none), "*", or
    # comma-separated addresses and networks (the reverse proxy's).
    forwarded_allow_ips: str = ""


@dataclass(frozen=True, slots=True)
class ServeConfig:
    host: str
    port: int
    db: str
    token: str | None = None
    api_base_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    web: WebConfig = field(default_factory=WebConfig)
    limits: Limits = field(default_factory=Limits)
    # The origin browsers see (scheme://host[:port]); None: the bind address.
    public_origin: str | None = None
    retention_days: int = RETENTION_DAYS
    purge_interval: float = PURGE_INTERVAL
    # Seconds between reminder passes (Telegram on only).
    reminder_interval: float = DEFAULT_INTERVAL
    # Processes serving the socket (``--workers``).
    workers: int = 1
    # ``--metrics-port`` (None: no separate metrics listener) on ``--metrics-host``.
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    # ``--record-unanswered``: keep the scrubbed text of declined questions (issue 15).
    record_unanswered: bool = False

    @property
    def webhook_path(self) -> str:
        return urlsplit(self.webhook_url or "").path or "/telegram/webhook"


def config_from(host: str, port: int, db: str, env: Mapping[str, str]) -> ServeConfig:
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip() or None
    webhook_url = env.get("TELEGRAM_WEBHOOK_URL", "").strip() or None
    secret = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip() or None
    if webhook_url is not None:
        if token is None:
            msg = "TELEGRAM_WEBHOOK_URL is set but TELEGRAM_BOT_TOKEN is not"
            raise ConfigError(msg)
        if urlsplit(webhook_url).scheme not in ("http", "https"):
            msg = f"TELEGRAM_WEBHOOK_URL must be an http(s) URL, got {webhook_url!r}"
            raise ConfigError(msg)
        if secret is None or not SECRET.match(secret):
            msg = (
                "webhook mode needs TELEGRAM_WEBHOOK_SECRET: 32-256 characters of A-Za-z0-9_- "
                "(make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
            raise ConfigError(msg)
    return ServeConfig(
        host=host,
        port=port,
        db=db,
        token=token,
        api_base_url=env.get("TELEGRAM_API_BASE_URL", "").strip() or None,
        webhook_url=webhook_url,
        webhook_secret=secret,
    )


@dataclass(frozen=True, slots=True)
class Role:
    """This process's part in ``serve --workers N``; the default is the only process."""

    index: int = 0
    # Print the start-up lines: the only process, or worker 0.
    announce: bool = True
    # The parent's pid: a worker whose parent is gone (killed) stops. None: no parent.
    parent: int | None = None

    @property
    def leader(self) -> bool:
        """Worker 0 alone purges and registers the Telegram commands and webhook."""
        return self.index == 0


class _Server(uvicorn.Server):
    """uvicorn, but SIGINT/SIGTERM only ask it to stop, so the bot is shut down cleanly
    afterwards (uvicorn's own handling re-raises the signal once it has stopped)."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.handle_exit, sig, None)
        try:
            yield
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)


async def serve(
    config: ServeConfig,
    out: IO[str] = sys.stdout,
    *,
    sock: socket.socket | None = None,
    role: Role = Role(),
    metrics_sock: socket.socket | None = None,
) -> int:
    """Run until SIGINT/SIGTERM. Returns the exit code. ``sock``: the listening socket
    the parent bound (``--workers``); None binds one here."""
    from bot.faq.search import default_index  # noqa: PLC0415 - built once, here, not per turn

    sock = sock or _bind(config.host, config.port)
    port = sock.getsockname()[1]
    # The start-up lines, once however many workers start (runtime reports go to out).
    say: IO[str] = out if role.announce else io.StringIO()
    store = open_store(config.db)
    # The staff console's counters, always; declined questions' text only when asked.
    recorder = Recorder(console_store(store), record_text=config.record_unanswered)
    engine = Engine(store, recorder=recorder)
    default_index()
    telegram: Any = None
    webhook: TelegramWebhook | None = None
    background: list[asyncio.Task[None]] = []
    reminders: asyncio.Task[None] | None = None
    stop_reminders = asyncio.Event()
    try:
        shared = shared_limits(store, config.workers)
        if config.token is not None:
            telegram, webhook = await _start_telegram(config, engine, say, leader=role.leader)
            say.write(
                f"Reminders: sent at 09:00 Japan time, checked at start and every "
                f"{config.reminder_interval:g} s\n"
            )
            reminders = asyncio.create_task(
                run_reminders(
                    telegram.bot,
                    engine,
                    interval=config.reminder_interval,
                    stop=stop_reminders,
                    report=lambda tally: _report_reminders(tally, out),
                )
            )
        else:
            say.write(
                "Telegram: off. To turn it on, set TELEGRAM_BOT_TOKEN (from @BotFather) and "
                "run again, e.g. TELEGRAM_BOT_TOKEN=123:abc make run\n"
            )
        origin = config.public_origin or bind_origin(config.host, port)
        web = replace(config.web, public_origin=origin, shared=shared)
        app = create_app(engine=engine, telegram=webhook, config=web)
        limits = config.limits
        cap = connection_cap(limits.max_connections)
        server = _Server(
            uvicorn.Config(
                app,
                host=config.host,
                port=config.port,
                log_level="warning",
                lifespan="off",
                server_header=False,
                http=protocol_class(limits.request_timeout, cap),
                timeout_keep_alive=limits.keep_alive,
                # uvicorn answers 503 when connections >= this, counting the asking one.
                limit_concurrency=cap + 1,
                proxy_headers=bool(limits.forwarded_allow_ips),
                forwarded_allow_ips=limits.forwarded_allow_ips,
            )
        )
        settle_heap()
        background += _metrics_listener(config, role, metrics_sock, say)
        say.write(  # before HTTP, as Metrics (tests read up to HTTP)
            f"Unanswered questions: recorded scrubbed, kept {config.retention_days} days\n"
            if config.record_unanswered
            else "Unanswered questions: counted, not recorded (--record-unanswered)\n"
        )
        _announce(
            say, config, port, origin, cap=cap, where=store.location, shared=shared is not None
        )
        with quiet_repeats():
            if role.leader:
                background.append(
                    asyncio.create_task(
                        purge_every(
                            store,
                            config.retention_days,
                            config.purge_interval,
                            engine.clock,
                            out,
                            console=recorder.console,
                        )
                    )
                )
            if role.parent is not None:
                background.append(asyncio.create_task(_orphan_watch(role.parent, server)))
            await server.serve(sockets=[sock])
        return 0 if server.started else 1
    finally:
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        if reminders is not None:
            await _stop_reminders(reminders, stop_reminders)
        if telegram is not None:
            await _stop_telegram(telegram)
        store.close()
        sock.close()


def _announce(
    out: IO[str],
    config: ServeConfig,
    port: int,
    origin: str,
    *,
    cap: int,
    where: str,
    shared: bool,
) -> None:
    """The start-up lines: where to reach the server, and the settings that matter."""
    limits = config.limits
    out.write(f"HTTP: http://{config.host}:{port}/healthz\n")
    out.write(f"Web: the demo page with the chat widget at http://{config.host}:{port}/\n")
    out.write(
        f"Staff console: http://{config.host}:{port}/staff (an account: python -m bot staff "
        "add NAME --password-stdin)\n"
    )
    out.write(f"Public origin: {origin}\n")
    out.write(
        f"Connections: at most {cap} at once; a request must arrive within "
        f"{limits.request_timeout:g} s; idle ones are closed after {limits.keep_alive} s\n"
    )
    trusted = limits.forwarded_allow_ips
    out.write(
        f"Client addresses: X-Forwarded-For is believed from {trusted}\n"
        if trusted
        else "Client addresses: the connection's (no proxy is trusted)\n"
    )
    out.write(
        f"Retention: sessions idle for more than {config.retention_days} days are "
        f"deleted at start and every {config.purge_interval:g} s\n"
    )
    if shared:
        out.write("Rate limits and Telegram update ids: kept in the store, shared\n")
    out.write(f"Sessions: {where}. Stop with Ctrl-C.\n")
    out.flush()


def shared_limits(store: SessionStore, workers: int) -> SharedLimits | None:
    """The store, when the rate limits and webhook update ids must be shared: several
    workers, or a store on a server (other hosts may serve it). None: one process on
    SQLite, which keeps them in memory (no I/O per request)."""
    if workers == 1 and not store.blocking:
        return None
    if not isinstance(store, SharedLimits):
        msg = f"{store.location}: this store cannot share rate limits between processes"
        raise ConfigError(msg)
    return store


async def _orphan_watch(parent: int, server: _Server) -> None:
    """Stop this worker when its parent is gone (killed: nobody would restart or stop
    it, and a new ``serve`` could not bind the port it holds)."""
    while os.getppid() == parent:
        await asyncio.sleep(ORPHAN_CHECK)
    server.handle_exit(signal.SIGTERM, None)


async def purge_every(
    store: SessionStore,
    days: int,
    interval: float,
    clock: Clock,
    out: IO[str],
    *,
    console: ConsoleStore | None = None,
) -> None:
    """The retention rule, at start and then every ``interval`` seconds: sessions idle for
    more than ``days`` days are deleted (in a worker thread: a large purge must not stall
    the event loop), and so are the staff console's declined questions recorded before
    then. A failed run is reported in one line and the next run tries again."""
    while True:
        try:
            removed = await asyncio.to_thread(purge_idle, store, days, clock())
            if console is not None:
                await asyncio.to_thread(purge_old, console, days, clock())
        except Exception as exc:  # a boundary: the server goes on
            out.write(f"Retention: the purge failed ({type(exc).__name__}: {exc})\n")
        else:
            if removed:
                out.write(f"Retention: deleted {removed} sessions idle for over {days} days\n")
        out.flush()
        await asyncio.sleep(interval)


def _report_reminders(tally: Tally, out: IO[str]) -> None:
    """One line per scheduler pass that did something (counts only, never a chat)."""
    parts = [
        f"{count} {what}"
        for what, count in (
            ("sent", tally.sent),
            ("dropped (bot blocked)", tally.blocked),
            ("to retry", tally.retried),
            ("refused", tally.failed),
            ("of unknown fate (not resent)", tally.unknown),
            ("missed (their day passed)", tally.missed),
        )
        if count
    ]
    out.write(f"Reminders: {', '.join(parts)}\n")
    out.flush()


async def _stop_reminders(task: asyncio.Task[None], stop: asyncio.Event) -> None:
    """Ask the scheduler to stop after the send under way (the rest of its claim goes
    back to pending); cancel it if that takes longer than :data:`REMINDER_STOP_WAIT`."""
    stop.set()
    try:
        await asyncio.wait_for(asyncio.shield(task), REMINDER_STOP_WAIT)
    except TimeoutError:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    except Exception as exc:  # a boundary: shutting down goes on
        print(f"Reminders: the scheduler failed ({type(exc).__name__})", file=sys.stderr)


def bind_origin(host: str, port: int) -> str:
    """The default public origin: what a browser on this machine would send."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def connection_cap(wanted: int) -> int:
    """``wanted``, lowered to leave :data:`RESERVED_FDS` of the open-files limit free, so
    that connections over the cap can still be accepted (and answered 503) and the
    database can still be opened."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft - RESERVED_FDS))


def settle_heap() -> None:
    """Start-up objects (catalogs, the FAQ index, routes) live as long as the process:
    move them out of the collector's way, so that full collections under load pause for a
    few ms instead of 30-40 ms (measured by bench/bench_web.py)."""
    gc.collect()
    gc.freeze()


def _bind(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """Bind first, so a busy port is a clear error and port 0 shows the port it got.

    ``reuse_port``: set SO_REUSEPORT before binding, to join (or start) a group of
    listening sockets on one port (:func:`_bind_workers`); OSError if the system has no
    such option."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted connections only for
    # sockets that say they are TCP; without it every kept-alive response after the first
    # waited ~40 ms for the client's delayed ACK (found by bench/bench_web.py).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.listen(2048)  # early clients wait in the backlog until uvicorn accepts
    except OSError as exc:
        sock.close()
        msg = f"cannot listen on {host}:{port}: {exc.strerror or exc}"
        raise OSError(msg) from exc
    return sock


def _bind_workers(host: str, port: int, count: int) -> list[socket.socket]:
    """The listening socket of each of ``count`` workers, index by index: one socket per
    worker with SO_REUSEPORT on the same address and port (Linux only), or elsewhere, or
    where the option is refused, one socket they all share (the same object ``count``
    times, as before).

    Why not one shared socket: its workers race to accept, and asyncio/uvicorn accept
    greedily (every connection waiting, in a loop), so a burst, or a proxy's long-lived
    upstream pool opened at once, lands on whichever worker woke first (bench_scale.py
    saw 32 connections on one worker, 0 on the others). With a socket each, the kernel
    hashes every new connection (its addresses and ports) to one socket of the group:
    the connections spread evenly whatever the workers' timing.

    Why the parent binds them and keeps them open: a connection hashed to a worker that
    died waits in that socket's backlog (the parent's descriptor keeps the socket alive)
    until the replacement accepts it; nothing is refused while a worker restarts. (Closed,
    the socket would drop its queue, and Linux would re-hash over the others only.)

    A busy port is one clear error as before: Linux lets a SO_REUSEPORT socket join a
    group of the same user's, so the port is first bound alone, without the option, and
    released. Port 0 (tests) binds the first socket to a free port and the others to the
    port it got (the kernel never picks a port of an existing group for port 0)."""
    if count == 1 or not _reuse_port():
        return [_bind(host, port)] * count
    if port:
        _bind(host, port).close()  # busy (by anyone): the usual error
    socks = [_bind(host, port, reuse_port=True)]
    port = socks[0].getsockname()[1]
    try:
        socks += [_bind(host, port, reuse_port=True) for _ in range(count - 1)]
    except BaseException:
        for sock in socks:
            sock.close()
        raise
    return socks


def _reuse_port() -> bool:
    """Whether SO_REUSEPORT balances connections here: on Linux (3.9+), unless refused
    (some sandboxes). macOS and the BSDs have the option but hand a port's connections
    to one of the sockets, not spread them, so they keep the shared socket."""
    if not sys.platform.startswith("linux") or not hasattr(socket, "SO_REUSEPORT"):
        return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        except OSError:
            return False
    return True


async def _start_telegram(
    config: ServeConfig, engine: Engine, out: IO[str], *, leader: bool = True
) -> tuple[Any, TelegramWebhook | None]:
    """Start the bot; the leader (the only process, or worker 0) also registers the
    commands and the webhook, which are Telegram-wide, not per process."""
    assert config.token is not None
    # Deep-link partner codes (/start <code>) are kept only when the partners file lists
    # them, as on the web (issue 12).
    application = build_application(
        engine, config.token, base_url=config.api_base_url, partners=config.web.partners
    )
    await application.initialize()
    if leader:
        await register_commands(application)
    await application.start()
    name = application.bot.username
    if config.webhook_url is None:
        assert application.updater is not None
        await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
        out.write(f"Telegram: on, long polling as @{name}\n")
        return application, None
    assert config.webhook_secret is not None
    if leader:
        await application.bot.set_webhook(
            config.webhook_url,
            secret_token=config.webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
        )

    async def on_update(data: dict[str, Any]) -> None:
        await application.update_queue.put(Update.de_json(data, application.bot))

    out.write(f"Telegram: on, webhook {config.webhook_url} as @{name}\n")
    return application, TelegramWebhook(config.webhook_path, config.webhook_secret, on_update)


async def _stop_telegram(application: Any) -> None:
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()


def main_serve(
    host: str,
    port: int,
    db: str,
    env: Mapping[str, str],
    *,
    partners: str | None = None,
    rate_limit: int = 120,
    forwarded_allow_ips: str | None = None,
    public_origin: str | None = None,
    retention_days: str | None = None,
    purge_interval: str | None = None,
    request_timeout: str | None = None,
    keep_alive: str | None = None,
    max_connections: str | None = None,
    workers: str | None = None,
    metrics_port: int | None = None,
    metrics_host: str | None = None,
    log_format: str = "text",
    record_unanswered: bool = False,
) -> int:
    """The CLI entry: settings checked first, then the servers; clear errors, no traces.

    The options after ``rate_limit`` come as typed on the command line (None: the
    default) and are checked here, so a bad one is one line and exit 2."""
    try:
        config = config_from(host, port, db, env)
        check_store_url(db)
        path = partners or env.get("ZAIRYU_PARTNERS") or None
        if path is None and DEFAULT_PARTNERS.exists():
            path = str(DEFAULT_PARTNERS)
        web = WebConfig(
            partners=load_partners(path) if path else {},
            per_minute=rate_limit,
            burst=max(1, rate_limit // 4),
        )
        limits = Limits(
            request_timeout=_number("--request-timeout", request_timeout, 10.0, 0.1, 3600),
            keep_alive=int(_number("--keep-alive", keep_alive, 5, 1, 3600, whole=True)),
            max_connections=int(
                _number("--max-connections", max_connections, 1000, 1, 1_000_000, whole=True)
            ),
            forwarded_allow_ips=check_forwarded(forwarded_allow_ips or ""),
        )
        config = replace(
            config,
            web=web,
            limits=limits,
            public_origin=check_origin(public_origin) if public_origin else None,
            retention_days=_retention(retention_days),
            purge_interval=_number("--purge-interval", purge_interval, PURGE_INTERVAL, 0.01, 86400),
            workers=int(_number("--workers", workers, 1, 1, MAX_WORKERS, whole=True)),
            metrics_port=metrics_port,
            metrics_host=metrics_host or "127.0.0.1",
            record_unanswered=record_unanswered,
        )
        config = replace(config, web=replace(web, metrics_token=_metrics_token(env)))
        if log_format not in LOG_FORMATS:
            raise ConfigError(f"--log-format: expected text or json, got {log_format!r}")
        if config.workers > 1 and config.token is not None and config.webhook_url is None:
            raise ConfigError(LONG_POLLING_ONE_PROCESS)
    except (ConfigError, PartnersError, StoreURLError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    setup_logging(_log_format(log_format))
    try:
        if config.workers > 1:
            return _serve_workers(config)
        return asyncio.run(serve(config))
    except TelegramError as exc:
        print(f"error: Telegram: {exc}", file=sys.stderr)
        return 1
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _serve_workers(config: ServeConfig, out: IO[str] = sys.stdout) -> int:
    """``--workers N``: check that the store can share limits, bind once, fork the
    workers (:func:`bot.channels.workers.supervise`) and watch them until stopped."""
    store = open_store(config.db)
    try:
        shared_limits(store, config.workers)
        # Every schema the workers use is created or upgraded here, once: N workers
        # applying the same migrations at once would race (two CREATE TABLEs).
        console_store(store)
    finally:
        store.close()
    # One listening socket per worker, kept open here across that worker's restarts.
    socks = _bind_workers(config.host, config.port, config.workers)
    metrics_sock: socket.socket | None = None
    metrics.prepare_multiprocess()  # before the fork: the workers' counts add up
    try:
        if config.metrics_port is not None:
            metrics_sock = _bind(config.metrics_host, config.metrics_port)
        out.write(
            f"Workers: {config.workers} processes serve port {socks[0].getsockname()[1]}; "
            "one that stops unexpectedly is restarted\n"
        )
        return supervise(config.workers, _worker(config, socks, os.getpid(), metrics_sock), out)
    finally:
        for sock in socks:
            sock.close()  # the fallback's one shared socket is closed once, then no-ops
        if metrics_sock is not None:
            metrics_sock.close()
        metrics.cleanup_multiprocess()


def _worker(
    config: ServeConfig,
    socks: list[socket.socket],
    parent: int,
    metrics_sock: socket.socket | None,
) -> WorkerMain:
    """What each forked worker runs: the usual server on its own socket of those the
    parent bound, ``socks[index]`` (worker 0 also serves the metrics socket, when there
    is one). The child closes its copies of the others: they stay open in the parent."""

    def run(index: int, first: bool) -> int:
        sock = socks[index]
        for other in socks:
            if other is not sock:
                other.close()
        # Worker 0 says the start-up lines each time it starts: on a restart, they say
        # the server is whole again (and a worker 0 that failed its first start still
        # tells where to connect once it is up).
        role = Role(index=index, announce=index == 0, parent=parent)
        try:
            return asyncio.run(serve(config, sock=sock, role=role, metrics_sock=metrics_sock))
        except TelegramError as exc:
            # Said by worker 0 (the first start: all fail alike), or on a restart.
            if role.announce:
                print(f"error: Telegram: {exc}", file=sys.stderr)
            elif not first:
                print(f"Workers: worker {index} could not start: Telegram: {exc}", file=sys.stderr)
            return EXIT_STARTUP

    return run


def _metrics_listener(
    config: ServeConfig, role: Role, sock: socket.socket | None, say: IO[str]
) -> list[asyncio.Task[None]]:
    """``--metrics-port``: the listener's task, in the only process or worker 0 (on the
    socket the parent bound); said before the HTTP line, which start-up readers wait for."""
    if not role.leader or (sock is None and (config.metrics_port is None or role.parent)):
        return []
    sock = sock or _bind(config.metrics_host, config.metrics_port or 0)
    host, port = sock.getsockname()[:2]
    say.write(f"Metrics: {bind_origin(host, port)}/metrics (no token: keep it private)\n")
    return [asyncio.create_task(serve_metrics(sock))]


def _metrics_token(env: Mapping[str, str]) -> str | None:
    try:
        return metrics.check_token(env.get(metrics.TOKEN_ENV))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _log_format(value: str) -> LogFormat:
    return "json" if value == "json" else "text"


def check_forwarded(value: str) -> str:
    """``--forwarded-allow-ips``: "" (trust no proxy), ``*`` (any peer: only when the
    port is reachable from the proxy alone), or comma-separated addresses and networks."""
    items = [item.strip() for item in value.split(",") if item.strip()]
    if items == ["*"]:
        return "*"
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            msg = (
                f"--forwarded-allow-ips: {item!r} is not an address or network "
                "(e.g. 127.0.0.1 or 10.0.0.0/8), and * must stand alone"
            )
            raise ConfigError(msg) from None
    return ",".join(items)


def check_origin(value: str) -> str:
    """``--public-origin``: ``scheme://host[:port]`` as browsers send it in ``Origin``
    (lower case, no default port, no path)."""
    match = ORIGIN.match(value.strip().lower().removesuffix("/"))
    port = match.group(3) if match else None
    if match is None or (port is not None and not 0 < int(port) <= 65535):
        msg = f"--public-origin: expected an origin like https://guide.example.org, got {value!r}"
        raise ConfigError(msg)
    scheme, host = match.group(1), match.group(2)
    if port is None or (scheme, port) in (("http", "80"), ("https", "443")):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{int(port)}"


def _retention(value: str | None) -> int:
    if value is None:
        return RETENTION_DAYS
    try:
        return parse_retention_days(value)
    except ValueError as exc:
        raise ConfigError(f"--retention-days: {exc}") from None


def _number(
    option: str,
    value: str | None,
    default: float,
    low: float,
    high: float,
    *,
    whole: bool = False,
) -> float:
    if value is None:
        return default
    try:
        number = int(value) if whole else float(value)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        kind = "a whole number" if whole else "a number"
        msg = f"{option}: expected {kind} from {low:g} to {high:g}, got {value!r}"
        raise ConfigError(msg)
    return number
