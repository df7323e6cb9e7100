"""``python -m bot serve``: the HTTP server and, when a token is set, the Telegram bot.

One process, one event loop: uvicorn serves the Starlette app; the python-telegram-bot
application runs beside it, by long polling (the default) or, when
``TELEGRAM_WEBHOOK_URL`` is set, through the webhook route of that same server.

Settings come from the environment:

* ``TELEGRAM_BOT_TOKEN``: turns Telegram on;
* ``TELEGRAM_API_BASE_URL``: a self-hosted Bot API server (default: api.telegram.org);
* ``TELEGRAM_WEBHOOK_URL`` and ``TELEGRAM_WEBHOOK_SECRET``: webhook mode; the secret
  (1-256 of A-Za-z0-9_-) is required and checked on every post.
"""

from __future__ import annotations

import asyncio
import gc
import re
import signal
import socket
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import uvicorn

# After bot.channels.telegram, which opts in to PTB's timedelta durations.
from telegram import Update
from telegram.error import TelegramError

from bot.channels.telegram import ALLOWED_UPDATES, build_application, register_commands
from bot.channels.web import PartnersError, TelegramWebhook, WebConfig, create_app, load_partners
from bot.engine import Engine
from bot.storage import StoreURLError, check_store_url, open_store

SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
DEFAULT_PARTNERS = Path("config") / "partners.toml"


class ConfigError(ValueError):
    """The settings are inconsistent (reported to the user, exit 2)."""


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
            msg = "webhook mode needs TELEGRAM_WEBHOOK_SECRET: 1-256 characters of A-Za-z0-9_-"
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
    store = open_store(config.db)
    engine = Engine(store)
    default_index()
    telegram: Any = None
    webhook: TelegramWebhook | None = None
    try:
        if config.token is not None:
            telegram, webhook = await _start_telegram(config, engine, out)
        else:
            out.write(
                "Telegram: off. To turn it on, set TELEGRAM_BOT_TOKEN (from @BotFather) and "
                "run again, e.g. TELEGRAM_BOT_TOKEN=123:abc make run\n"
            )
        app = create_app(engine=engine, telegram=webhook, config=config.web)
        server = _Server(
            uvicorn.Config(
                app,
                host=config.host,
                port=config.port,
                log_level="warning",
                lifespan="off",
                server_header=False,
            )
        )
        settle_heap()
        port = sock.getsockname()[1]
        out.write(f"HTTP: http://{config.host}:{port}/healthz\n")
        out.write(f"Web: the demo page with the chat widget at http://{config.host}:{port}/\n")
        out.write(f"Sessions: {store.location}. Stop with Ctrl-C.\n")
        out.flush()
        await server.serve(sockets=[sock])
        return 0 if server.started else 1
    finally:
        if telegram is not None:
            await _stop_telegram(telegram)
        store.close()
        sock.close()


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
    application = build_application(engine, config.token, base_url=config.api_base_url)
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
) -> int:
    """The CLI entry: settings checked first, then the servers; clear errors, no traces."""
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
        config = replace(config, web=web)
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
