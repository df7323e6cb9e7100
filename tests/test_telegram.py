"""The standalone bot: real python-telegram-bot, long polling a fake Bot API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.channels.telegram import (
    ALLOWED_UPDATES,
    PtbFloodLimiter,
    api_base_url,
    build_application,
    register_commands,
)
from bot.channels.telegram_core import COMMAND_HELP, FloodLimiter
from bot.clock import fixed_clock
from bot.engine import Engine
from bot.storage import SQLiteStore
from tests.conftest import NOW
from tests.fake_bot_api import FakeBotApi, button_update, edited_update, running, text_update
from tests.telegram_harness import (
    CHAT,
    GOLDEN_SOURCES,
    LoopThread,
    golden_expected,
    play_golden,
    sent,
)

FAST = FloodLimiter(overall_rate=10_000, chat_rate=10_000)


@contextmanager
def ptb_bot(
    api: FakeBotApi, db: Path, *, commands: bool = False, flood: FloodLimiter = FAST
) -> Iterator[Engine]:
    """The standalone bot polling ``api``, its sessions in ``db``; stopped on exit.

    Tests of the conversation use a fast flood limiter (one real second per message
    would make a transcript take a minute); the limiter's own tests use the real rates.
    """
    store = SQLiteStore(db)
    engine = Engine(store, clock=fixed_clock(NOW))
    limiter = PtbFloodLimiter(flood)
    app = build_application(engine, api.token, base_url=api.base_url, rate_limiter=limiter)
    loop = LoopThread()

    async def start() -> None:
        await app.initialize()
        if commands:
            await register_commands(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES)

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


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with running() as fake:
        yield fake


@pytest.mark.parametrize("source", GOLDEN_SOURCES, ids=lambda p: p.name.split(".")[0])
def test_golden_transcripts_through_ptb(api: FakeBotApi, tmp_path: Path, source: Path) -> None:
    """Every golden transcript gives the same texts and buttons as `chat --jsonl`."""
    with ptb_bot(api, tmp_path / "s.db"):
        got, expected = play_golden(api, source)
        time.sleep(0.1)
        assert len(api.calls("sendMessage")) == sum(len(e) for e in expected)
    assert got == expected
    assert all(c.params["parse_mode"] == "HTML" for c in api.calls("sendMessage"))
    presses = sum('"choice"' in line for line in source.read_text().splitlines())
    assert len(api.calls("answerCallbackQuery")) == presses


def test_a_full_conversation_ends_with_verdict_checklist_and_url_button(
    api: FakeBotApi, tmp_path: Path
) -> None:
    source = next(p for p in GOLDEN_SOURCES if p.name.startswith("en_extension_online"))
    with ptb_bot(api, tmp_path / "s.db") as engine:
        got, _ = play_golden(api, source)
        session = engine.store.load(f"tg:{CHAT}")
    assert session is not None
    assert session.state == "verdict"
    last = got[-1]
    text = "\n".join(m["text"] for m in last)
    assert "online" in text.lower()
    urls = [
        cell["url"]
        for m in last
        if m["reply_markup"]
        for row in m["reply_markup"]["inline_keyboard"]
        for cell in row
        if "url" in cell
    ]
    assert any(u.startswith("https://") for u in urls)


def test_commands_are_registered_in_ja_and_en(api: FakeBotApi, tmp_path: Path) -> None:
    with ptb_bot(api, tmp_path / "s.db", commands=True):
        calls = api.wait_for("setMyCommands", 3)
    by_lang = {c.params.get("language_code"): c.params["commands"] for c in calls}
    assert set(by_lang) == {None, "en", "ja"}
    for commands in by_lang.values():
        assert [c["command"] for c in commands] == list(COMMAND_HELP)
    assert by_lang["ja"] != by_lang["en"]
    assert by_lang[None] == by_lang["en"]
    assert all(1 <= len(c["description"]) <= 256 for c in by_lang["ja"])


def test_deep_link_sets_language_and_partner(api: FakeBotApi, tmp_path: Path) -> None:
    with ptb_bot(api, tmp_path / "s.db") as engine:
        api.push_update(text_update(CHAT, "/start ja_p-acme"))
        api.wait_for("sendMessage", 1)
        session = engine.store.load(f"tg:{CHAT}")
    assert session is not None
    assert (session.locale, session.partner, session.state) == ("ja", "acme", "ask_user_type")


@pytest.mark.parametrize(
    "payload", ["<script>", "x" * 65, "zz_p-", "p-" + "a" * 41, "DROP TABLE sessions;"]
)
def test_unknown_deep_link_payloads_are_ignored(
    api: FakeBotApi, tmp_path: Path, payload: str
) -> None:
    with ptb_bot(api, tmp_path / "s.db") as engine:
        api.push_update(text_update(CHAT, f"/start {payload}", language_code="ja"))
        first = api.wait_for("sendMessage", 1)[0]
        session = engine.store.load(f"tg:{CHAT}")
    assert session is not None
    assert (session.partner, session.state) == (None, "ask_lang")
    assert session.locale == "ja"  # the language_code is the first guess
    assert "inline_keyboard" in first.params["reply_markup"]


def test_start_again_shows_the_current_question_and_keeps_answers(
    api: FakeBotApi, tmp_path: Path
) -> None:
    with ptb_bot(api, tmp_path / "s.db") as engine:
        for i, update in enumerate(
            [
                text_update(CHAT, "/start"),
                button_update(CHAT, "lang:en"),
                button_update(CHAT, "user_type:foreign_national"),
                text_update(CHAT, "/start"),
            ]
        ):
            api.push_update(update)
            api.wait_for("sendMessage", i + 1)
        session = engine.store.load(f"tg:{CHAT}")
    assert session is not None
    assert session.slots.user_type is not None
    last, before = sent(api)[-1], sent(api)[-2]
    assert last == before  # the same question, the same buttons


def test_two_rapid_messages_from_one_chat_are_answered_in_order(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """Pushed together, the second waits for the first; other chats go concurrently."""
    with ptb_bot(api, tmp_path / "s.db") as engine:
        for chat in (1, 2, 3):
            api.push_update(text_update(chat, "hi"))
        api.wait_for("sendMessage", 3)
        for chat in (1, 2, 3):
            api.push_update(button_update(chat, "lang:en"))
            api.push_update(button_update(chat, "user_type:foreign_national"))
        api.wait_for("sendMessage", 9)
        states = {c: engine.store.load(f"tg:{c}") for c in (1, 2, 3)}
    for chat, session in states.items():
        assert session is not None, chat
        assert session.state == "ask_procedure"
        calls = api.calls("sendMessage")
        texts = [c.params["text"] for c in calls if c.params["chat_id"] == str(chat)]
        assert len(texts) == 3
        # The second press was answered after the first: no "earlier question" notice.
        assert "earlier question" not in texts[2]


def test_chats_are_handled_concurrently(api: FakeBotApi, tmp_path: Path) -> None:
    """While the network holds one chat's reply, another chat is answered."""
    gate = api.gate_chat(1)
    with ptb_bot(api, tmp_path / "s.db"):
        api.push_update(text_update(1, "hi"))
        api.push_update(text_update(2, "hi"))
        first = api.wait_for("sendMessage", 1)[0]
        gate.set()
        api.wait_for("sendMessage", 2)
    assert first.params["chat_id"] == "2"
    assert [c.params["chat_id"] for c in api.calls("sendMessage")] == ["2", "1"]


def test_a_stale_button_is_answered_and_the_current_step_shown(
    api: FakeBotApi, tmp_path: Path
) -> None:
    with ptb_bot(api, tmp_path / "s.db"):
        for i, update in enumerate(
            [
                text_update(CHAT, "hi"),
                button_update(CHAT, "lang:en"),
                button_update(CHAT, "user_type:foreign_national"),
                # The old keyboard, pressed again:
                button_update(CHAT, "user_type:organization_staff"),
            ]
        ):
            api.push_update(update)
            api.wait_for("sendMessage", i + 1)
        answers = api.wait_for("answerCallbackQuery", 3)
    stale, current = sent(api)[-1], sent(api)[-2]
    assert "earlier question" in stale["text"]
    assert stale["reply_markup"] == current["reply_markup"]
    assert len(answers) == 3


def test_an_edited_message_changes_nothing(api: FakeBotApi, tmp_path: Path) -> None:
    with ptb_bot(api, tmp_path / "s.db") as engine:
        api.push_update(text_update(CHAT, "hi"))
        api.wait_for("sendMessage", 1)
        before = engine.store.load(f"tg:{CHAT}")
        api.push_update(edited_update(CHAT, "forget"))
        api.push_update(button_update(CHAT, "lang:en"))
        api.wait_for("sendMessage", 2)
        after = engine.store.load(f"tg:{CHAT}")
    assert before is not None
    assert after is not None
    assert after.state == "ask_user_type"
    assert len(api.calls("sendMessage")) == 2


def test_a_sticker_gets_a_re_prompt(api: FakeBotApi, tmp_path: Path) -> None:
    """A message with no text (sticker, photo) is answered like an empty message."""
    with ptb_bot(api, tmp_path / "s.db") as engine:
        api.push_update(text_update(CHAT, "hi"))
        api.wait_for("sendMessage", 1)
        sticker = text_update(CHAT, "")
        del sticker["message"]["text"]
        sticker["message"]["sticker"] = {
            "file_id": "f",
            "file_unique_id": "u",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        api.push_update(sticker)
        reply = api.wait_for("sendMessage", 2)[-1]
        session = engine.store.load(f"tg:{CHAT}")
    assert session is not None
    assert session.state == "ask_lang"
    assert reply.params["reply_markup"] == sent(api)[0]["reply_markup"]


def test_a_restart_mid_conversation_loses_nothing(api: FakeBotApi, tmp_path: Path) -> None:
    """Stop the bot halfway through, start a new one on the same file, finish."""
    db = tmp_path / "s.db"
    source = next(p for p in GOLDEN_SOURCES if p.name.startswith("ja_extension_online"))
    from tests.telegram_harness import golden_updates

    updates = golden_updates(source)
    expected = golden_expected(source)
    half = len(updates) // 2
    got: list[list[dict[str, Any]]] = []
    for part in (slice(0, half), slice(half, None)):
        with ptb_bot(api, db):
            for update, want in zip(updates[part], expected[part], strict=True):
                before = len(api.calls("sendMessage"))
                api.push_update(update)
                api.wait_for("sendMessage", before + len(want))
                got.append(sent(api, before))
    assert got == expected


def test_calendar_paging_edits_the_keyboard(api: FakeBotApi, tmp_path: Path) -> None:
    with ptb_bot(api, tmp_path / "s.db"):
        steps = [
            "hi",
            "lang:en",
            "user_type:foreign_national",
            "procedure:extension",
            "status:engineer_specialist_humanities_international",
        ]
        for i, step in enumerate(steps):
            update = button_update(CHAT, step) if ":" in step else text_update(CHAT, step)
            api.push_update(update)
            api.wait_for("sendMessage", i + 1)
        prompt = sent(api)[-1]
        assert prompt["reply_markup"]["inline_keyboard"][0][2]["callback_data"] == "cal:2026-12"
        api.push_update(button_update(CHAT, "cal:2026-12", message_id=55))
        edit = api.wait_for("editMessageReplyMarkup", 1)[0]
        api.push_update(button_update(CHAT, "cal:-", message_id=55))
        api.wait_for("answerCallbackQuery", 2)
        api.push_update(button_update(CHAT, "expiry:2027-01-10", message_id=55))
        api.wait_for("sendMessage", len(steps) + 1)
    assert edit.params["message_id"] == "55"
    rows = edit.params["reply_markup"]["inline_keyboard"]
    assert rows[0][1]["text"] == "December 2026"
    assert len(api.calls("sendMessage")) == len(steps) + 1


def test_api_base_url_accepts_a_root_or_a_bot_path() -> None:
    assert api_base_url("http://127.0.0.1:8081") == (
        "http://127.0.0.1:8081/bot",
        "http://127.0.0.1:8081/file/bot",
    )
    assert api_base_url("http://127.0.0.1:8081/bot/")[0] == "http://127.0.0.1:8081/bot"
    assert api_base_url(None)[0] == "https://api.telegram.org/bot"


def test_retry_after_is_waited_out(api: FakeBotApi, tmp_path: Path) -> None:
    """A 429 on sendMessage: the bot waits retry_after seconds and sends again."""
    api.fail_next("sendMessage", retry_after=1)
    with ptb_bot(api, tmp_path / "s.db"):
        started = time.monotonic()
        api.push_update(text_update(CHAT, "hi"))
        call = api.wait_for("sendMessage", 1)[0]
    failed = api.calls("sendMessage:429")
    assert len(failed) == 1
    assert call.at - failed[0].at >= 0.95
    assert call.params["text"] == failed[0].params["text"]
    assert call.at - started < 5


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

    limiter = PtbFloodLimiter(FloodLimiter(clock=lambda: 0.0, sleep=flood_sleep), sleep=sleep)

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
