"""The calendar file in Telegram (issue 13, item 2), end to end: the real
python-telegram-bot application and the real aiogram router long polling the fake Bot
API on 127.0.0.1 (which parses the multipart upload), a real SQLite file and a fixed
clock. A verdict with a date ahead offers "Calendar file" (``ics:get``); the press and
``/calendar`` send ``zairyu-guide.ics`` as a document whose events, parsed back with
icalendar, fall on the verdict's key dates (:mod:`bot.keydates`); before a verdict
they answer with a short message and no document.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar

from bot.calendar_file import FILENAME, calendar_bytes
from bot.channels.telegram_core import (
    CALENDAR_BUTTON,
    CALENDAR_CAPTION,
    COMMAND_HELP,
    ICS_GET,
    ICS_PREFIX,
    NO_CALENDAR,
    REMIND_PREFIX,
    telegram_messages,
    user_key,
)
from bot.channels.telegram_render import CAL_PREFIX
from bot.clock import today_in_tokyo
from bot.engine import Engine
from bot.i18n import translator
from bot.keydates import key_dates, upcoming
from bot.models import Reply
from bot.reminders import REMIND_ON
from bot.verdict import assess_session
from tests.conftest import NOW
from tests.fake_bot_api import FakeBotApi, Upload, button_update, running, text_update
from tests.telegram_harness import ADAPTERS, GOLDEN, StartBot, golden_updates, push_in_turn

CHAT = 881
KEY = user_key(CHAT)
ENGLISH = GOLDEN / "en_extension_online.in.jsonl"  # expiry 15 January 2027, asked on NOW
JAPANESE = GOLDEN / "ja_extension_online.in.jsonl"
# That verdict's dates ahead of NOW (2026-11-22): two weeks before the last online day,
# the last online day, the expiry (the window opened in October).
DAYS = [date(2026, 12, 31), date(2027, 1, 14), date(2027, 1, 15)]


@pytest.fixture(params=list(ADAPTERS))  # ids: ptb, aiogram
def adapter(request: pytest.FixtureRequest) -> StartBot:
    start: StartBot = ADAPTERS[request.param]
    return start


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with running() as fake:
        yield fake


def buttons(markup: dict[str, Any] | None) -> list[dict[str, str]]:
    return [cell for row in (markup or {"inline_keyboard": []})["inline_keyboard"] for cell in row]


def to_verdict(api: FakeBotApi, source: Path = ENGLISH) -> dict[str, Any]:
    """Play a golden conversation to its verdict; the verdict's last message."""
    push_in_turn(api, golden_updates(source, CHAT))
    time.sleep(0.2)  # the verdict's messages after the first
    return api.calls("sendMessage")[-1].params


def document_after(api: FakeBotApi, update: dict[str, Any]) -> dict[str, Any]:
    """Push an update that sends a document; the sendDocument call's parameters."""
    before = len(api.calls("sendDocument"))
    api.push_update(update)
    return api.wait_for("sendDocument", before + 1)[-1].params


def message_after(api: FakeBotApi, update: dict[str, Any]) -> dict[str, Any]:
    before = len(api.calls("sendMessage"))
    api.push_update(update)
    return api.wait_for("sendMessage", before + 1)[-1].params


def event_days(ics: bytes) -> list[date]:
    """The all-day events' dates of a calendar file, parsed back with icalendar."""
    cal = Calendar.from_ical(ics)
    days = []
    for event in cal.walk("VEVENT"):
        start = event.decoded("dtstart")
        assert type(start) is date  # all day (VALUE=DATE), not a moment
        assert event.decoded("dtend") == date.fromordinal(start.toordinal() + 1)
        days.append(start)
    return days


def session_days(engine: Engine) -> list[date]:
    """The verdict's key dates ahead, from the stored conversation (bot.keydates)."""
    session = engine.snapshot(KEY)
    assert session is not None
    verdict = assess_session(session, NOW)
    return [k.day for k in upcoming(key_dates(verdict, session.slots.expiry), today_in_tokyo(NOW))]


def check_document(params: dict[str, Any], engine: Engine, caption: str) -> bytes:
    """A sendDocument of the calendar file for CHAT; its bytes."""
    assert params["chat_id"] == str(CHAT)
    upload = params["document"]
    assert isinstance(upload, Upload)
    assert upload.filename == FILENAME == "zairyu-guide.ics"
    assert params["caption"] == caption
    assert event_days(upload.data) == session_days(engine) == DAYS
    session = engine.snapshot(KEY)
    assert session is not None
    assert upload.data == calendar_bytes(session, NOW)  # the bytes, unchanged on the way
    return upload.data


# ---------------------------------------------------------------------- the button


def golden_verdict(name: str) -> Reply:
    path = GOLDEN / f"{name}.out.jsonl"
    replies = [Reply.model_validate_json(line) for line in path.read_text().splitlines()]
    return next(r for r in replies if r.verdict is not None)


@pytest.mark.parametrize(
    ("golden", "offered"),
    [
        ("en_extension_online", True),  # online now, the last online day ahead
        ("en_expiry_day_and_back", True),  # expires today: the counter deadline ahead
        ("pt-BR_short_stay", True),  # not online: only the expiry ahead
        ("id_no_coe_for_status", False),  # a Certificate of Eligibility: no date at all
    ],
)
def test_calendar_file_comes_with_a_verdict_with_a_date_ahead(golden: str, offered: bool) -> None:
    """The button is under the last message, beside "Remind me" (in the same last row),
    and stays when the store keeps no reminders."""
    reply = golden_verdict(golden)
    for remind in (True, False):
        messages = telegram_messages(reply, NOW, remind=remind)
        ids = [cell.get("callback_data") for m in messages for cell in buttons(m.reply_markup)]
        assert (ICS_GET in ids) is offered
        if offered:
            markup = messages[-1].reply_markup
            assert markup is not None
            last_row = markup["inline_keyboard"][-1]
            want = [REMIND_ON, ICS_GET] if remind else [ICS_GET]
            assert [cell["callback_data"] for cell in last_row] == want
            assert last_row[-1]["text"] == "📅 " + translator(reply.locale).t(CALENDAR_BUTTON)


def test_the_button_id_is_its_own() -> None:
    """``ics:`` is neither the date picker's month paging (``cal:``) nor the reminders',
    nor the prefix of any button a flow shows (``<slot>:<value>``)."""
    assert not ICS_GET.startswith((CAL_PREFIX, REMIND_PREFIX))
    assert ICS_GET.startswith(ICS_PREFIX)
    flow_ids = {
        cell["callback_data"]
        for path in GOLDEN.glob("*.out.jsonl")
        for line in path.read_text().splitlines()
        for m in telegram_messages(Reply.model_validate(json.loads(line)), NOW, remind=False)
        for cell in buttons(m.reply_markup)
        if "callback_data" in cell
    }
    assert len(flow_ids) > 50
    assert [i for i in flow_ids if i.startswith(ICS_PREFIX)] == [ICS_GET]
    assert len(ICS_GET.encode()) <= 64


def test_calendar_is_a_registered_command() -> None:
    assert "calendar" in COMMAND_HELP


# ---------------------------------------------------------------------- both adapters


def test_the_button_sends_the_ics_as_a_document(
    adapter: StartBot, api: FakeBotApi, tmp_path: Path
) -> None:
    with adapter(api, tmp_path / "s.db") as engine:
        verdict = to_verdict(api)
        assert ICS_GET in [b.get("callback_data") for b in buttons(verdict.get("reply_markup"))]
        answers = len(api.calls("answerCallbackQuery"))
        messages = len(api.calls("sendMessage"))
        params = document_after(api, button_update(CHAT, ICS_GET))
        check_document(params, engine, translator("en").t(CALENDAR_CAPTION))
        assert len(api.calls("answerCallbackQuery")) == answers + 1  # the press is answered
        time.sleep(0.1)
        assert len(api.calls("sendMessage")) == messages  # the document, nothing else
        assert len(api.calls("sendDocument")) == 1


def test_calendar_command_sends_the_same_file(
    adapter: StartBot, api: FakeBotApi, tmp_path: Path
) -> None:
    with adapter(api, tmp_path / "s.db") as engine:
        to_verdict(api)
        pressed = document_after(api, button_update(CHAT, ICS_GET))
        command = document_after(api, text_update(CHAT, "/calendar"))
        data = check_document(command, engine, translator("en").t(CALENDAR_CAPTION))
        assert data == pressed["document"].data


def test_the_document_is_in_the_conversations_language(
    adapter: StartBot, api: FakeBotApi, tmp_path: Path
) -> None:
    with adapter(api, tmp_path / "s.db") as engine:
        to_verdict(api, JAPANESE)
        params = document_after(api, text_update(CHAT, "/calendar", language_code="en"))
        check_document(params, engine, translator("ja").t(CALENDAR_CAPTION))
        cal = Calendar.from_ical(params["document"].data)
        summaries = [str(e["summary"]) for e in cal.walk("VEVENT")]
        assert summaries[0].endswith("（在留申請オンラインシステム）")  # set in Japanese style


def test_before_a_verdict_there_is_a_message_and_no_document(
    adapter: StartBot, api: FakeBotApi, tmp_path: Path
) -> None:
    """A chat with nothing stored, one at its first questions, and a stale button: the
    short message in the chat's language, and no document."""
    no_calendar = translator("en").t(NO_CALENDAR)
    with adapter(api, tmp_path / "s.db"):
        first = message_after(api, text_update(CHAT, "/calendar"))
        assert first["text"] == no_calendar
        assert "reply_markup" not in first
        push_in_turn(api, golden_updates(ENGLISH, CHAT)[:4])  # the procedure asked next
        time.sleep(0.1)
        assert message_after(api, text_update(CHAT, "/calendar"))["text"] == no_calendar
        answers = len(api.calls("answerCallbackQuery"))
        assert message_after(api, button_update(CHAT, ICS_GET))["text"] == no_calendar
        assert len(api.calls("answerCallbackQuery")) == answers + 1
        # The conversation goes on where it was: the next answer is taken.
        push_in_turn(api, golden_updates(ENGLISH, CHAT)[4:])
        time.sleep(0.2)
        assert api.calls("sendDocument") == []
        verdict = api.calls("sendMessage")[-1].params
        assert ICS_GET in [b.get("callback_data") for b in buttons(verdict.get("reply_markup"))]


def test_a_verdict_with_no_date_ahead_sends_no_document(
    adapter: StartBot, api: FakeBotApi, tmp_path: Path
) -> None:
    with adapter(api, tmp_path / "s.db"):
        verdict = to_verdict(api, GOLDEN / "id_no_coe_for_status.in.jsonl")
        assert ICS_GET not in [b.get("callback_data") for b in buttons(verdict.get("reply_markup"))]
        answer = message_after(api, text_update(CHAT, "/calendar"))
        assert answer["text"] == translator("id").t(NO_CALENDAR)
        time.sleep(0.1)
        assert api.calls("sendDocument") == []


def test_a_document_waits_out_flood_control(
    adapter: StartBot, api: FakeBotApi, tmp_path: Path
) -> None:
    """sendDocument goes through the adapter's flood guard, as messages do: a 429 is
    waited out and the document sent once."""
    with adapter(api, tmp_path / "s.db") as engine:
        to_verdict(api)
        api.fail_next("sendDocument", 1)
        params = document_after(api, text_update(CHAT, "/calendar"))
        check_document(params, engine, translator("en").t(CALENDAR_CAPTION))
        assert len(api.calls("sendDocument:429")) == 1
        assert len(api.calls("sendDocument")) == 1
