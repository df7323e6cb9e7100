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
"""

from __future__ import annotations

import asyncio
import gc
import ipaddress
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

from bot.channels.connections import protocol_class, quiet_repeats
from bot.channels.telegram import (
    ALLOWED_UPDATES,
    build_application,
    register_commands,
    run_reminders,
)
from bot.channels.web import PartnersError, TelegramWebhook, WebConfig, create_app, load_partners
from bot.clock import Clock
from bot.engine import Engine
from bot.reminders import DEFAULT_INTERVAL, Tally
from bot.storage import (
    RETENTION_DAYS,
    SessionStore,
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


async def serve(config: ServeConfig, out: IO[str] = sys.stdout) -> int:
    """Run until SIGINT/SIGTERM. Returns the exit code."""
    from bot.faq.search import default_index  # noqa: PLC0415 - built once, here, not per turn

    sock = _bind(config.host, config.port)
    port = sock.getsockname()[1]
    store = open_store(config.db)
    engine = Engine(store)
    default_index()
    telegram: Any = None
    webhook: TelegramWebhook | None = None
    purge: asyncio.Task[None] | None = None
    reminders: asyncio.Task[None] | None = None
    stop_reminders = asyncio.Event()
    try:
        if config.token is not None:
            telegram, webhook = await _start_telegram(config, engine, out)
            out.write(
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
            out.write(
                "Telegram: off. To turn it on, set TELEGRAM_BOT_TOKEN (from @BotFather) and "
                "run again, e.g. TELEGRAM_BOT_TOKEN=123:abc make run\n"
            )
        origin = config.public_origin or bind_origin(config.host, port)
        web = replace(config.web, public_origin=origin)
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
        out.write(f"HTTP: http://{config.host}:{port}/healthz\n")
        out.write(f"Web: the demo page with the chat widget at http://{config.host}:{port}/\n")
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
        out.write(f"Sessions: {store.location}. Stop with Ctrl-C.\n")
        out.flush()
        with quiet_repeats():
            purge = asyncio.create_task(
                purge_every(store, config.retention_days, config.purge_interval, engine.clock, out)
            )
            await server.serve(sockets=[sock])
        return 0 if server.started else 1
    finally:
        if purge is not None:
            purge.cancel()
            await asyncio.gather(purge, return_exceptions=True)
        if reminders is not None:
            await _stop_reminders(reminders, stop_reminders)
        if telegram is not None:
            await _stop_telegram(telegram)
        store.close()
        sock.close()


async def purge_every(
    store: SessionStore, days: int, interval: float, clock: Clock, out: IO[str]
) -> None:
    """The retention rule, at start and then every ``interval`` seconds: sessions idle for
    more than ``days`` days are deleted (in a worker thread: a large purge must not stall
    the event loop). A failed run is reported in one line and the next run tries again."""
    while True:
        try:
            removed = await asyncio.to_thread(purge_idle, store, days, clock())
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


def _bind(host: str, port: int) -> socket.socket:
    """Bind first, so a busy port is a clear error and port 0 shows the port it got."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted connections only for
    # sockets that say they are TCP; without it every kept-alive response after the first
    # waited ~40 ms for the client's delayed ACK (found by bench/bench_web.py).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)  # early clients wait in the backlog until uvicorn accepts
    except OSError as exc:
        sock.close()
        msg = f"cannot listen on {host}:{port}: {exc.strerror or exc}"
        raise OSError(msg) from exc
    return sock


async def _start_telegram(
    config: ServeConfig, engine: Engine, out: IO[str]
) -> tuple[Any, TelegramWebhook | None]:
    assert config.token is not None
    # Deep-link partner codes (/start <code>) are kept only when the partners file lists
    # them, as on the web (issue 12).
    application = build_application(
        engine, config.token, base_url=config.api_base_url, partners=config.web.partners
    )
    await application.initialize()
    await register_commands(application)
    await application.start()
    name = application.bot.username
    if config.webhook_url is None:
        assert application.updater is not None
        await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
        out.write(f"Telegram: on, long polling as @{name}\n")
        return application, None
    assert config.webhook_secret is not None
    await application.bot.set_webhook(
        config.webhook_url, secret_token=config.webhook_secret, allowed_updates=ALLOWED_UPDATES
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
        )
    except (ConfigError, PartnersError, StoreURLError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(serve(config))
    except TelegramError as exc:
        print(f"error: Telegram: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


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
