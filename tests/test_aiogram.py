"""What only the aiogram router has: its request middleware (FloodMiddleware), its
message filter and update types, the keyboard conversion, and captions read as text,
with a real aiogram Dispatcher and Bot long polling a fake Bot API on 127.0.0.1. The
behaviours it shares with the standalone bot run against both in
tests/test_telegram_adapters.py."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import AnswerCallbackQuery, Response, SendMessage, TelegramMethod

from bot.channels.aiogram import FloodMiddleware, make_router, markup
from bot.channels.telegram_core import FloodLimiter, SendGuard
from bot.clock import fixed_clock
from bot.engine import Engine
from bot.storage import SQLiteStore
from tests.conftest import NOW
from tests.fake_bot_api import FakeBotApi, running


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with running() as fake:
        yield fake


class RecordingLimiter(FloodLimiter):
    def __init__(self) -> None:
        super().__init__(clock=lambda: 0.0, sleep=self._spaced)
        self.chats: list[int | str | None] = []
        self.spacing: list[float] = []

    async def _spaced(self, seconds: float) -> None:
        self.spacing.append(seconds)

    async def wait(self, chat_id: int | str | None) -> None:
        self.chats.append(chat_id)
        await super().wait(chat_id)


def test_flood_middleware_gives_up_after_max_retries() -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def always_flooded(bot: Bot, method: TelegramMethod[Any]) -> Response[Any]:
        raise TelegramRetryAfter(method=method, message="Too Many Requests", retry_after=7)

    limiter = RecordingLimiter()
    middleware = FloodMiddleware(SendGuard(limiter, sleep=sleep))
    bot = Bot("123:TEST")

    async def scenario() -> None:
        with pytest.raises(TelegramRetryAfter):
            await middleware(always_flooded, bot, SendMessage(chat_id=5, text="x"))
        await bot.session.close()

    asyncio.run(scenario())
    assert waits == [7.0, 7.0, 7.0]  # three retries, then the error
    assert limiter.chats == [5, 5, 5, 5]  # every attempt waited for its flood-limit slot
    assert len(limiter.spacing) == 3


def test_flood_middleware_limits_only_sends() -> None:
    limiter = RecordingLimiter()
    middleware = FloodMiddleware(SendGuard(limiter))
    bot = Bot("123:TEST")
    seen: list[str] = []

    async def ok(bot: Bot, method: TelegramMethod[Any]) -> Response[Any]:
        seen.append(method.__api_method__)
        return Response[Any](ok=True, result=True)

    async def scenario() -> None:
        await middleware(ok, bot, AnswerCallbackQuery(callback_query_id="q"))
        await middleware(ok, bot, SendMessage(chat_id=8, text="x"))
        await bot.session.close()

    asyncio.run(scenario())
    assert seen == ["answerCallbackQuery", "sendMessage"]
    assert limiter.chats == [8]


def test_the_router_asks_for_messages_and_button_presses_only() -> None:
    """A partner's start_polling without allowed_updates asks for what the router handles
    (so no edited messages), and the keyboards convert both ways unchanged."""
    store = SQLiteStore(":memory:")
    try:
        dp = Dispatcher()
        dp.include_router(make_router(Engine(store, clock=fixed_clock(NOW))))
        assert sorted(dp.resolve_used_update_types()) == ["callback_query", "message"]
    finally:
        store.close()
    keyboard = {
        "inline_keyboard": [
            [{"text": "A", "callback_data": "a:1"}],
            [{"text": "B", "url": "https://example.org/"}],
        ]
    }
    converted = markup(keyboard)
    assert converted is not None
    assert converted.model_dump(exclude_none=True) == keyboard
    assert markup(None) is None
