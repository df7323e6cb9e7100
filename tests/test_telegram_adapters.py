"""The behaviours both Telegram adapters share, each test run against both: the standalone
bot on python-telegram-bot (``ptb``) and the aiogram router in a partner's bot
(``aiogram``). Each drives the real library, long polling a fake Bot API on 127.0.0.1.

What only one adapter has is tested in tests/test_telegram.py (python-telegram-bot) and
tests/test_aiogram.py (aiogram).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.channels.telegram_core import COMMAND_HELP, command_sets
from bot.i18n import LOCALES
from bot.models import Incoming
from tests.fake_bot_api import FakeBotApi, button_update, edited_update, running, text_update
from tests.telegram_harness import (
    ADAPTERS,
    CHAT,
    GOLDEN_SOURCES,
    StartBot,
    golden_expected,
    golden_updates,
    play_golden,
    push_in_turn,
    sent,
    urls,
)


@pytest.fixture(params=list(ADAPTERS))  # ids: ptb, aiogram
def adapter(request: pytest.FixtureRequest) -> StartBot:
    """Starts the adapter under test: ``with adapter(api, db) as engine: ...``."""
    start: StartBot = ADAPTERS[request.param]
    return start


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with running() as fake:
        yield fake


@pytest.mark.parametrize("source", GOLDEN_SOURCES, ids=lambda p: p.name.split(".")[0])
def test_golden_transcripts(
    adapter: StartBot, api: FakeBotApi, tmp_path: Path, source: Path
) -> None:
    """Every golden transcript gives the same texts and buttons as `chat --jsonl`."""
    with adapter(api, tmp_path / "s.db"):
        got, expected = play_golden(api, source)
        time.sleep(0.1)
        assert len(api.calls("sendMessage")) == sum(len(e) for e in expected)
    assert got == expected
    calls = api.calls("sendMessage")
    assert all(c.params["parse_mode"] == "HTML" for c in calls)
    assert all(c.params["link_preview_options"] == {"is_disabled": True} for c in calls)
    assert all(c.params["chat_id"] == str(CHAT) for c in calls)
    presses = sum('"choice"' in line for line in source.read_text().splitlines())
    assert len(api.calls("answerCallbackQuery")) == presses


def test_a_full_conversation_ends_with_verdict_checklist_and_url_button(
    adapter: StartBot, api: FakeBotApi, tmp_path: Path
) -> None:
    source = next(p for p in GOLDEN_SOURCES if p.name.startswith("en_extension_online"))
    with adapter(api, tmp_path / "s.db") as engine:
        got, _ = play_golden(api, source)
        session = engine.store.load(f"tg:{CHAT}")
    assert session is not None
    assert session.state == "verdict"
    last = got[-1]
    assert "online" in "\n".join(m["text"] for m in last).lower()
    assert any(u.startswith("https://") for u in urls(last))


def test_commands_are_registered_in_ja_and_en(
    adapter: StartBot, api: FakeBotApi, tmp_path: Path
) -> None:
    with adapter(api, tmp_path / "s.db", commands=True):
        calls = api.wait_for("setMyCommands", len(command_sets()))
    by_lang = {c.params.get("language_code"): c.params["commands"] for c in calls}
    # The default (English) and each locale under its two-letter code (zh-Hans → zh).
    assert set(by_lang) == {None, *(loc.split("-")[0] for loc in LOCALES)}
    for commands in by_lang.values():
        assert [c["command"] for c in commands] == list(COMMAND_HELP)
        assert all(1 <= len(c["description"]) <= 256 for c in commands)
    assert by_lang["ja"] != by_lang["en"]
    assert by_lang[None] == by_lang["en"]


def test_deep_link_sets_language_and_partner(
    adapter: StartBot, api: FakeBotApi, tmp_path: Path
) -> None:
    with adapter(api, tmp_path / "s.db") as engine:
        api.push_update(text_update(CHAT, "/start ja_p-acme"))
        api.wait_for("sendMessage", 1)
        session = engine.store.load(f"tg:{CHAT}")
    assert session is not None
    assert (session.locale, session.partner, session.state) == ("ja", "acme", "ask_user_type")


@pytest.mark.parametrize(
    "payload",
    ["<script>", "x" * 65, "zz_p-", "p-" + "a" * 41, "DROP TABLE sessions;"],
    ids=["markup", "too_long", "unknown_locale", "partner_too_long", "sql"],
)
def test_unknown_deep_link_payloads_are_ignored(
    adapter: StartBot, api: FakeBotApi, tmp_path: Path, payload: str
) -> None:
    with adapter(api, tmp_path / "s.db") as engine:
        api.push_update(text_update(CHAT, f"/start {payload}", language_code="ja"))
        first = api.wait_for("sendMessage", 1)[0]
        session = engine.store.load(f"tg:{CHAT}")
    assert session is not None
    assert (session.partner, session.state) == (None, "ask_lang")
    assert session.locale == "ja"  # the language_code is the first guess
    assert "inline_keyboard" in first.params["reply_markup"]


def test_start_again_shows_the_current_question_and_keeps_answers(
    adapter: StartBot, api: FakeBotApi, tmp_path: Path
) -> None:
    with adapter(api, tmp_path / "s.db") as engine:
        push_in_turn(
            api,
            [
                text_update(CHAT, "/start"),
                button_update(CHAT, "lang:en"),
                button_update(CHAT, "user_type:foreign_national"),
                text_update(CHAT, "/start"),
            ],
        )
        session = engine.store.load(f"tg:{CHAT}")
    assert session is not None
    assert session.slots.user_type is not None
    last, before = sent(api)[-1], sent(api)[-2]
    assert last == before  # the same question, the same buttons


def test_two_rapid_messages_from_one_chat_are_answered_in_order(
    adapter: StartBot, api: FakeBotApi, tmp_path: Path
) -> None:
    """Pushed together, the second waits for the first; other chats go concurrently."""
    with adapter(api, tmp_path / "s.db") as engine:
        for chat in (1, 2, 3):
            api.push_update(text_update(chat, "hi"))
        api.wait_for("sendMessage", 3)
        for chat in (1, 2, 3):
            api.push_update(button_update(chat, "lang:en"))
            api.push_update(button_update(chat, "user_type:foreign_national"))
        api.wait_for("sendMessage", 9)
        time.sleep(0.1)
        states = {c: engine.store.load(f"tg:{c}") for c in (1, 2, 3)}
    assert len(api.calls("sendMessage")) == 9
    for chat, session in states.items():
        assert session is not None, chat
        assert session.state == "ask_procedure"
        calls = api.calls("sendMessage")
        texts = [c.params["text"] for c in calls if c.params["chat_id"] == str(chat)]
        assert len(texts) == 3
        assert texts[1].startswith("Who will file")
        # The second press was answered after the first: no "earlier question" notice.
        assert "earlier question" not in texts[2]


def test_chats_are_handled_concurrently(adapter: StartBot, api: FakeBotApi, tmp_path: Path) -> None:
    """While the network holds one chat's reply, another chat is answered."""
    gate = api.gate_chat(1)
    with adapter(api, tmp_path / "s.db"):
        api.push_update(text_update(1, "hi"))
        api.push_update(text_update(2, "hi"))
        first = api.wait_for("sendMessage", 1)[0]
        gate.set()
        api.wait_for("sendMessage", 2)
    assert first.params["chat_id"] == "2"
    assert [c.params["chat_id"] for c in api.calls("sendMessage")] == ["2", "1"]


def test_a_stale_button_is_answered_and_the_current_step_shown(
    adapter: StartBot, api: FakeBotApi, tmp_path: Path
) -> None:
    with adapter(api, tmp_path / "s.db"):
        push_in_turn(
            api,
            [
                text_update(CHAT, "hi"),
                button_update(CHAT, "lang:en"),
                button_update(CHAT, "user_type:foreign_national"),
                # The old keyboard, pressed again:
                button_update(CHAT, "user_type:organization_staff"),
            ],
        )
        answers = api.wait_for("answerCallbackQuery", 3)
    stale, current = sent(api)[-1], sent(api)[-2]
    assert "earlier question" in stale["text"]
    assert stale["reply_markup"] == current["reply_markup"]
    assert len(answers) == 3
    assert len({a.params["callback_query_id"] for a in answers}) == 3


def test_an_edited_message_changes_nothing(
    adapter: StartBot, api: FakeBotApi, tmp_path: Path
) -> None:
    with adapter(api, tmp_path / "s.db") as engine:
        api.push_update(text_update(CHAT, "hi"))
        api.wait_for("sendMessage", 1)
        before = engine.store.load(f"tg:{CHAT}")
        api.push_update(edited_update(CHAT, "forget"))
        api.push_update(button_update(CHAT, "lang:en"))
        api.wait_for("sendMessage", 2)
        time.sleep(0.1)
        after = engine.store.load(f"tg:{CHAT}")
    assert before is not None
    assert after is not None
    assert after.state == "ask_user_type"
    assert len(api.calls("sendMessage")) == 2


def test_a_sticker_gets_a_re_prompt_and_service_messages_nothing(
    adapter: StartBot, api: FakeBotApi, tmp_path: Path
) -> None:
    """A message with no text (sticker, photo) is answered like an empty message; a
    service message (someone joined) gets nothing."""
    with adapter(api, tmp_path / "s.db") as engine:
        api.push_update(text_update(CHAT, "hi"))
        api.wait_for("sendMessage", 1)
        joined = text_update(CHAT, "")
        del joined["message"]["text"]
        joined["message"]["new_chat_members"] = [{"id": 9, "is_bot": False, "first_name": "N"}]
        api.push_update(joined)
        sticker = text_update(CHAT, "")
        del sticker["message"]["text"]
        sticker["message"]["sticker"] = {
            "file_id": "s1",
            "file_unique_id": "u1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        api.push_update(sticker)
        reply = api.wait_for("sendMessage", 2)[-1]
        time.sleep(0.1)
        session = engine.store.load(f"tg:{CHAT}")
        engine.handle(Incoming(user_key="check", text="hi"))  # greeted, as CHAT was
        reprompt = engine.handle(Incoming(user_key="check", text=""))
    assert session is not None
    assert session.state == "ask_lang"
    assert len(api.calls("sendMessage")) == 2
    assert reply.params["reply_markup"] == sent(api)[0]["reply_markup"]
    assert sent(api)[1]["text"] == reprompt.messages[0].text


def test_a_restart_mid_conversation_loses_nothing(
    adapter: StartBot, api: FakeBotApi, tmp_path: Path
) -> None:
    """Stop the bot halfway through, start a new one (new engine and store) on the same
    file, finish."""
    db = tmp_path / "s.db"
    source = next(p for p in GOLDEN_SOURCES if p.name.startswith("ja_extension_online"))
    updates = golden_updates(source)
    expected = golden_expected(source)
    half = len(updates) // 2
    got: list[list[dict[str, Any]]] = []
    for part in (slice(0, half), slice(half, None)):
        with adapter(api, db):
            for update, want in zip(updates[part], expected[part], strict=True):
                before = len(api.calls("sendMessage"))
                api.push_update(update)
                api.wait_for("sendMessage", before + len(want))
                got.append(sent(api, before))
    assert got == expected


def test_calendar_paging_edits_the_keyboard(
    adapter: StartBot, api: FakeBotApi, tmp_path: Path
) -> None:
    with adapter(api, tmp_path / "s.db"):
        steps = [
            "hi",
            "lang:en",
            "user_type:foreign_national",
            "procedure:extension",
            "status:engineer_specialist_humanities_international",
        ]
        push_in_turn(
            api, [button_update(CHAT, s) if ":" in s else text_update(CHAT, s) for s in steps]
        )
        prompt = sent(api)[-1]
        assert prompt["reply_markup"]["inline_keyboard"][0][2]["callback_data"] == "cal:2026-12"
        api.push_update(button_update(CHAT, "cal:2026-12", message_id=55))
        edit = api.wait_for("editMessageReplyMarkup", 1)[0]
        api.push_update(button_update(CHAT, "cal:-", message_id=55))
        api.wait_for("answerCallbackQuery", 6)  # four steps, the page, the title
        api.push_update(button_update(CHAT, "expiry:2027-01-10", message_id=55))
        api.wait_for("sendMessage", len(steps) + 1)
    assert edit.params["message_id"] == "55"
    assert edit.params["chat_id"] == str(CHAT)
    rows = edit.params["reply_markup"]["inline_keyboard"]
    assert rows[0][1]["text"] == "December 2026"
    assert len(api.calls("editMessageReplyMarkup")) == 1  # the title cell edits nothing
    assert len(api.calls("sendMessage")) == len(steps) + 1


def test_retry_after_is_waited_out(adapter: StartBot, api: FakeBotApi, tmp_path: Path) -> None:
    """A 429 on sendMessage: the adapter's flood hook (PtbFloodLimiter, FloodMiddleware)
    waits retry_after seconds and sends again."""
    api.fail_next("sendMessage", retry_after=1)
    with adapter(api, tmp_path / "s.db"):
        started = time.monotonic()
        api.push_update(text_update(CHAT, "hi"))
        call = api.wait_for("sendMessage", 1)[0]
    failed = api.calls("sendMessage:429")
    assert len(failed) == 1
    assert call.at - failed[0].at >= 0.95
    assert call.params["text"] == failed[0].params["text"]
    assert call.at - started < 5


def test_a_caption_is_read_as_text(adapter: StartBot, api: FakeBotApi, tmp_path: Path) -> None:
    with adapter(api, tmp_path / "s.db") as engine:
        photo = text_update(CHAT, "")
        del photo["message"]["text"]
        photo["message"]["photo"] = [
            {"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}
        ]
        photo["message"]["caption"] = "/start ja_p-acme"
        api.push_update(photo)
        api.wait_for("sendMessage", 1)
        session = engine.store.load(f"tg:{CHAT}")
    assert session is not None
    assert (session.locale, session.partner) == ("ja", "acme")
