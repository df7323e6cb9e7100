"""Run the real Telegram adapters against the fake Bot API, and the golden transcripts
as Telegram updates. Shared by the python-telegram-bot and aiogram tests."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from bot.channels.telegram_render import render_reply
from bot.clock import today_in_tokyo
from bot.models import Reply
from tests.conftest import NOW
from tests.fake_bot_api import FakeBotApi, button_update, text_update

GOLDEN = Path(__file__).resolve().parent / "golden"
GOLDEN_SOURCES = sorted(GOLDEN.glob("*.in.jsonl"))
CHAT = 777


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
    today = today_in_tokyo(NOW)
    expected: list[list[dict[str, Any]]] = []
    for line in target.read_text(encoding="utf-8").splitlines():
        reply = Reply.model_validate(json.loads(line))
        expected.append(
            [{"text": m.text, "reply_markup": m.reply_markup} for m in render_reply(reply, today)]
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
