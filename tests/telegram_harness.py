"""Run the real Telegram adapters against the fake Bot API, and the golden transcripts
as Telegram updates. Shared by the python-telegram-bot and aiogram tests.

:func:`ptb_bot` (the standalone bot) and :func:`aiogram_bot` (the router in a partner's
aiogram bot) start an adapter polling a :class:`~tests.fake_bot_api.FakeBotApi` and
yield its engine; :data:`ADAPTERS` names them for tests that run against both
(tests/test_telegram_adapters.py).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.channels import aiogram as aiogram_channel
from bot.channels import telegram as ptb_channel
from bot.channels.telegram_core import FloodLimiter, SendGuard, telegram_messages
from bot.clock import fixed_clock
from bot.engine import Engine
from bot.models import Reply
from bot.storage import SQLiteStore
from tests.conftest import NOW
from tests.fake_bot_api import FakeBotApi, button_update, text_update

GOLDEN = Path(__file__).resolve().parent / "golden"
GOLDEN_SOURCES = sorted(GOLDEN.glob("*.in.jsonl"))
CHAT = 777
# Tests of the conversation use a fast flood limiter (one real second per message would
# make a transcript take a minute); the limiter's own tests use the real rates.
FAST = FloodLimiter(overall_rate=10_000, chat_rate=10_000)
# The aiogram bot asks for edited messages too (as the standalone bot does), so the test
# of ignoring them gets one: the router alone would not ask for them.
AIOGRAM_ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


class LoopThread:
    """An asyncio loop in a daemon thread, so tests can drive async libraries from sync code."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 20.0) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        self.loop.close()


def golden_updates(source: Path, chat_id: int = CHAT) -> list[dict[str, Any]]:
    """The transcript's ``chat --jsonl`` events as the Telegram updates a user would send."""
    updates: list[dict[str, Any]] = []
    for line in source.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if "choice" in event:
            updates.append(button_update(chat_id, event["choice"]))
        elif "command" in event:
            text = f"/{event['command']} {event.get('arg') or ''}".rstrip()
            updates.append(text_update(chat_id, text))
        else:
            updates.append(text_update(chat_id, event["text"]))
    return updates


def golden_expected(source: Path) -> list[list[dict[str, Any]]]:
    """Per event, the messages ``chat --jsonl`` answered, rendered for Telegram."""
    target = source.with_name(source.name.replace(".in.jsonl", ".out.jsonl"))
    expected: list[list[dict[str, Any]]] = []
    for line in target.read_text(encoding="utf-8").splitlines():
        reply = Reply.model_validate(json.loads(line))
        expected.append(
            [
                {"text": m.text, "reply_markup": m.reply_markup}
                for m in telegram_messages(reply, NOW)
            ]
        )
    return expected


def sent(api: FakeBotApi, start: int = 0) -> list[dict[str, Any]]:
    """The sendMessage calls from index ``start`` on, as text and keyboard."""
    return [
        {"text": c.params["text"], "reply_markup": c.params.get("reply_markup")}
        for c in api.calls("sendMessage")[start:]
    ]


def play_golden(
    api: FakeBotApi, source: Path, chat_id: int = CHAT
) -> tuple[list[list[dict[str, Any]]], list[list[dict[str, Any]]]]:
    """Push the transcript's updates one at a time; return (got, expected) per event."""
    expected = golden_expected(source)
    got: list[list[dict[str, Any]]] = []
    for update, want in zip(golden_updates(source, chat_id), expected, strict=True):
        before = len(api.calls("sendMessage"))
        api.push_update(update)
        api.wait_for("sendMessage", before + len(want))
        got.append(sent(api, before))
    return got, expected


def push_in_turn(api: FakeBotApi, updates: list[dict[str, Any]]) -> None:
    """Push updates one at a time, each after the previous one's first reply."""
    for update in updates:
        before = len(api.calls("sendMessage"))
        api.push_update(update)
        api.wait_for("sendMessage", before + 1)


def urls(messages: list[dict[str, Any]]) -> list[str]:
    """The URLs of the URL buttons in ``messages`` (as :func:`sent` gives them)."""
    return [
        cell["url"]
        for m in messages
        if m["reply_markup"]
        for row in m["reply_markup"]["inline_keyboard"]
        for cell in row
        if "url" in cell
    ]


# ---------------------------------------------------------------------- the adapters


class StartBot(Protocol):
    """How a test starts an adapter: ``with start(api, db) as engine: ...``."""

    def __call__(
        self, api: FakeBotApi, db: Path, *, commands: bool = False, flood: FloodLimiter = FAST
    ) -> AbstractContextManager[Engine]: ...


@contextmanager
def ptb_bot(
    api: FakeBotApi, db: Path, *, commands: bool = False, flood: FloodLimiter = FAST
) -> Iterator[Engine]:
    """The standalone bot (python-telegram-bot) polling ``api``, its sessions in ``db``;
    stopped on exit. ``commands``: register the commands at start-up."""
    store = SQLiteStore(db)
    engine = Engine(store, clock=fixed_clock(NOW))
    limiter = ptb_channel.PtbFloodLimiter(SendGuard(flood))
    app = ptb_channel.build_application(
        engine, api.token, base_url=api.base_url, rate_limiter=limiter
    )
    loop = LoopThread()

    async def start() -> None:
        await app.initialize()
        if commands:
            await ptb_channel.register_commands(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0, timeout=1, allowed_updates=ptb_channel.ALLOWED_UPDATES
        )

    async def stop() -> None:
        assert app.updater is not None
        await app.updater.stop()
        await app.stop()
        await app.shutdown()

    loop.run(start())
    try:
        yield engine
    finally:
        loop.run(stop())
        loop.close()
        store.close()


@contextmanager
def aiogram_bot(
    api: FakeBotApi, db: Path, *, commands: bool = False, flood: FloodLimiter = FAST
) -> Iterator[Engine]:
    """A partner's aiogram bot with the guide's router included, polling ``api``, its
    sessions in ``db``; stopped on exit (as a partner would: stop_polling).
    ``commands``: register the commands before polling."""
    store = SQLiteStore(db)
    engine = Engine(store, clock=fixed_clock(NOW))
    loop = LoopThread()
    started = threading.Event()
    root = api.base_url.removesuffix("/bot")

    async def on_startup() -> None:
        started.set()

    async def build() -> tuple[Bot, Dispatcher]:
        session = AiohttpSession(api=TelegramAPIServer.from_base(root))
        bot = Bot(api.token, session=session)
        bot.session.middleware(aiogram_channel.FloodMiddleware(SendGuard(flood)))
        dp = Dispatcher()
        dp.include_router(aiogram_channel.make_router(engine))
        dp.startup.register(on_startup)
        if commands:
            await aiogram_channel.register_commands(bot)
        return bot, dp

    bot, dp = loop.run(build())
    # The session is closed here, after the handlers finished: closing it under a
    # handler still reading its last response would leave that handler hanging.
    polling = asyncio.run_coroutine_threadsafe(
        dp.start_polling(
            bot,
            handle_signals=False,
            close_bot_session=False,
            polling_timeout=1,
            allowed_updates=AIOGRAM_ALLOWED_UPDATES,
        ),
        loop.loop,
    )

    async def stop() -> None:
        if started.is_set():
            await dp.stop_polling()
        # Let handlers that are still finishing (after their last send) return.
        handlers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        if handlers:
            _, pending = await asyncio.wait(handlers, timeout=5)
            assert not pending, f"handlers did not finish: {pending}"
        await bot.session.close()

    try:
        assert started.wait(10), "the dispatcher did not start"
        yield engine
    finally:
        try:
            loop.run(stop())
            polling.result(10)
        finally:
            loop.close()
            store.close()


ADAPTERS: dict[str, StartBot] = {"ptb": ptb_bot, "aiogram": aiogram_bot}
