"""What only the standalone bot on python-telegram-bot has: its rate-limiter hook
(PtbFloodLimiter) and the Bot API base URL. The behaviours it shares with the aiogram
router run against both in tests/test_telegram_adapters.py."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from bot.channels.telegram import PtbFloodLimiter, api_base_url
from bot.channels.telegram_core import FloodLimiter, SendGuard


def test_api_base_url_accepts_a_root_or_a_bot_path() -> None:
    assert api_base_url("http://127.0.0.1:8081") == (
        "http://127.0.0.1:8081/bot",
        "http://127.0.0.1:8081/file/bot",
    )
    assert api_base_url("http://127.0.0.1:8081/bot/")[0] == "http://127.0.0.1:8081/bot"
    assert api_base_url(None)[0] == "https://api.telegram.org/bot"


def test_flood_limiter_gives_up_after_max_retries() -> None:
    from telegram.error import RetryAfter

    waits: list[float] = []
    spacing: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def flood_sleep(seconds: float) -> None:
        spacing.append(seconds)

    async def always_flooded(**_: Any) -> bool:
        raise RetryAfter(timedelta(seconds=7))

    limiter = PtbFloodLimiter(
        SendGuard(FloodLimiter(clock=lambda: 0.0, sleep=flood_sleep), sleep=sleep)
    )

    async def scenario() -> None:
        with pytest.raises(RetryAfter):
            await limiter.process_request(always_flooded, (), {}, "sendMessage", {}, None)

    asyncio.run(scenario())
    assert waits == [7.0, 7.0, 7.0]  # three retries, then the error
    assert len(spacing) == 3  # every attempt also waited for its flood-limit slot


@pytest.mark.parametrize(
    ("chats", "last_delay"),
    [
        ([1] * 3, 2 / 30),  # a reply's burst goes out at the overall pace
        ([1] * 6, 3.0),  # then one a second in that chat
        (list(range(60)), 59 / 30),  # 30 a second overall
    ],
)
def test_flood_limiter_spacing(chats: list[int], last_delay: float) -> None:
    """With a frozen clock, the booked delay of the last message shows the spacing."""
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    limiter = FloodLimiter(clock=lambda: 100.0, sleep=sleep)

    async def scenario() -> None:
        for chat in chats:
            await limiter.wait(chat)

    asyncio.run(scenario())
    assert delays[-1] == pytest.approx(last_delay)
    assert delays == sorted(delays)
