"""Reminders in Telegram (issue 13, item 4), end to end: the real python-telegram-bot
application and the real aiogram router long polling the fake Bot API on 127.0.0.1, a
real SQLite file, and a clock the test moves. A verdict with a date ahead offers
"Remind me"; the press stores the reminders; at 09:00 in Japan the scheduler sends each
once; ``/reminders`` lists and cancels them, ``/forget`` deletes them, a 403 drops
them; a process killed with SIGKILL between claiming and sending neither loses nor
repeats one; and ``python -m bot serve`` sends one after a restart.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot as AiogramBot
from aiogram import Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.channels import aiogram as aiogram_channel
from bot.channels import telegram as ptb_channel
from bot.channels.telegram_core import (
    COMMAND_HELP,
    KEY_PREFIX,
    ReminderSend,
    SendGuard,
    reminder_deliver,
    reminder_html,
    run_reminders,
    telegram_messages,
    user_key,
)
from bot.clock import TOKYO, system_clock, today_in_tokyo
from bot.engine import Engine
from bot.i18n import translator
from bot.keydates import OFFICIAL_TERMS, TITLES, DateKind, KeyDate
from bot.models import Reply
from bot.reminders import (
    CANCEL_ALL,
    CANCEL_PREFIX,
    REMIND_ON,
    NewReminder,
    Outcome,
    Tally,
    due_instant,
    plan,
    send_due,
)
from bot.storage import REMINDER_LEASE, ReminderState, SQLiteStore
from tests.conftest import NOW
from tests.fake_bot_api import FakeBotApi, button_update, running, text_update
from tests.serve_process import ROOT, serve
from tests.telegram_harness import (
    FAST,
    GOLDEN,
    LoopThread,
    golden_updates,
    push_in_turn,
)

CHAT = 555
KEY = user_key(CHAT)
ENGLISH = GOLDEN / "en_extension_online.in.jsonl"  # expiry 15 January 2027, asked on NOW
JAPANESE = GOLDEN / "ja_extension_online.in.jsonl"
# The verdict's dates ahead of NOW (2026-11-22): two weeks before the last online day,
# the last online day, the expiry (the counter deadline is the expiry, so not repeated).
DAYS = [
    (DateKind.TWO_WEEKS_LEFT, date(2026, 12, 31)),
    (DateKind.LAST_ONLINE_DAY, date(2027, 1, 14)),
    (DateKind.EXPIRY, date(2027, 1, 15)),
]


def tokyo(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TOKYO)


class MovableClock:
    """The injected clock, moved by the test."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


class BlockingApi(FakeBotApi):
    """The fake Bot API, answering 403 to messages for chats that blocked the bot."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: set[str] = set()

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "sendMessage" and str(params.get("chat_id")) in self.blocked:
            self._record(method + ":403", params)
            return 403, {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            }
        return super().handle(method, params)


@dataclass
class Running:
    """An adapter polling the fake API, with what the tests drive."""

    api: BlockingApi
    engine: Engine
    store: SQLiteStore
    clock: MovableClock
    loop: LoopThread
    send: ReminderSend

    def scheduler_pass(self, store: SQLiteStore | None = None) -> Tally:
        """One pass of the scheduler at the clock's time (on the adapter's loop)."""
        target = store or self.store
        coro = send_due(target, reminder_deliver(self.send), self.clock(), key_prefix=KEY_PREFIX)
        result: Tally = self.loop.run(coro)
        return result

    def messages(self, chat: int = CHAT) -> list[dict[str, Any]]:
        return [c.params for c in self.api.calls("sendMessage") if c.params["chat_id"] == str(chat)]

    def press(self, data: str, chat: int = CHAT) -> dict[str, Any]:
        """Press a button; the reply message."""
        before = len(self.api.calls("sendMessage"))
        self.api.push_update(button_update(chat, data))
        return self.api.wait_for("sendMessage", before + 1)[-1].params

    def say(self, text: str, chat: int = CHAT) -> dict[str, Any]:
        before = len(self.api.calls("sendMessage"))
        self.api.push_update(text_update(chat, text))
        return self.api.wait_for("sendMessage", before + 1)[-1].params


@contextmanager
def ptb(api: BlockingApi, db: Path, clock: MovableClock) -> Iterator[Running]:
    store = SQLiteStore(db)
    engine = Engine(store, clock=clock)
    limiter = ptb_channel.PtbFloodLimiter(SendGuard(FAST))
    app = ptb_channel.build_application(
        engine, api.token, base_url=api.base_url, rate_limiter=limiter
    )
    loop = LoopThread()

    async def start() -> None:
        await app.initialize()
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
        yield Running(api, engine, store, clock, loop, ptb_channel.reminder_send(app.bot))
    finally:
        loop.run(stop())
        loop.close()
        store.close()


@contextmanager
def aiogram(api: BlockingApi, db: Path, clock: MovableClock) -> Iterator[Running]:
    store = SQLiteStore(db)
    engine = Engine(store, clock=clock)
    loop = LoopThread()
    started = threading.Event()

    async def on_startup() -> None:
        started.set()

    async def build() -> tuple[AiogramBot, Dispatcher]:
        server = TelegramAPIServer.from_base(api.base_url.removesuffix("/bot"))
        bot = AiogramBot(api.token, session=AiohttpSession(api=server))
        bot.session.middleware(aiogram_channel.FloodMiddleware(SendGuard(FAST)))
        dp = Dispatcher()
        dp.include_router(aiogram_channel.make_router(engine))
        dp.startup.register(on_startup)
        return bot, dp

    bot, dp = loop.run(build())
    polling = asyncio.run_coroutine_threadsafe(
        dp.start_polling(bot, handle_signals=False, close_bot_session=False, polling_timeout=1),
        loop.loop,
    )

    async def stop() -> None:
        await dp.stop_polling()
        handlers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        if handlers:
            await asyncio.wait(handlers, timeout=5)
        await bot.session.close()

    try:
        assert started.wait(10), "the dispatcher did not start"
        yield Running(api, engine, store, clock, loop, aiogram_channel.reminder_send(bot))
    finally:
        try:
            loop.run(stop())
            polling.result(10)
        finally:
            loop.close()
            store.close()


ADAPTERS = {"ptb": ptb, "aiogram": aiogram}


@pytest.fixture
def api() -> Iterator[BlockingApi]:
    blocking = BlockingApi()
    with running(blocking):
        yield blocking


@pytest.fixture(params=list(ADAPTERS))
def bot(request: pytest.FixtureRequest, api: BlockingApi, tmp_path: Path) -> Iterator[Running]:
    with ADAPTERS[request.param](api, tmp_path / "s.db", MovableClock(NOW)) as running_bot:
        yield running_bot


@pytest.fixture
def ptb_bot(api: BlockingApi, tmp_path: Path) -> Iterator[Running]:
    with ptb(api, tmp_path / "s.db", MovableClock(NOW)) as running_bot:
        yield running_bot


def buttons(message: dict[str, Any]) -> list[dict[str, str]]:
    markup = message.get("reply_markup") or {"inline_keyboard": []}
    return [cell for row in markup["inline_keyboard"] for cell in row]


def to_verdict(bot: Running, source: Path = ENGLISH, chat: int = CHAT) -> dict[str, Any]:
    """Play a golden conversation to its verdict; the verdict's last message."""
    push_in_turn(bot.api, golden_updates(source, chat))
    time.sleep(0.2)  # the verdict's messages after the first
    return bot.messages(chat)[-1]


def remind(bot: Running, source: Path = ENGLISH, chat: int = CHAT) -> dict[str, Any]:
    """A verdict, then "Remind me"; the confirmation."""
    verdict = to_verdict(bot, source, chat)
    assert any(b.get("callback_data") == REMIND_ON for b in buttons(verdict))
    return bot.press(REMIND_ON, chat)


# ---------------------------------------------------------------------- the plan


def test_reminders_are_due_at_nine_in_tokyo_on_the_days_ahead() -> None:
    """The calendar's moments at 09:00 JST (00:00 UTC); a date today after 09:00 is left
    out (the verdict just said it), the window's opening only when still ahead."""
    assert due_instant(date(2026, 12, 31)) == datetime(2026, 12, 31, 0, 0, tzinfo=UTC)
    dates = [KeyDate(kind, day) for kind, day in DAYS]
    got = plan(dates, NOW, "ja")
    assert [(r.kind, r.day, r.due_at, r.locale) for r in got] == [
        (kind, day, tokyo(day, 9), "ja") for kind, day in DAYS
    ]
    on_the_day = tokyo(date(2027, 1, 14), 8, 59)
    assert [r.kind for r in plan(dates, on_the_day, "en")] == [
        DateKind.LAST_ONLINE_DAY,
        DateKind.EXPIRY,
    ]
    assert [r.kind for r in plan(dates, tokyo(date(2027, 1, 14), 9), "en")] == [DateKind.EXPIRY]


@pytest.mark.parametrize(
    ("golden", "offered"),
    [
        ("en_extension_online", True),  # online now, the last online day ahead
        ("en_expiry_day_and_back", True),  # expires today: the counter deadline ahead
        ("pt-BR_short_stay", True),  # not online: only the expiry ahead
        ("id_no_coe_for_status", False),  # a Certificate of Eligibility: no date at all
    ],
)
def test_remind_me_comes_with_a_verdict_with_a_date_ahead(golden: str, offered: bool) -> None:
    path = GOLDEN / f"{golden}.out.jsonl"
    replies = [Reply.model_validate_json(line) for line in path.read_text().splitlines()]
    verdict = next(r for r in replies if r.verdict is not None)
    ids = [
        cell.get("callback_data")
        for message in telegram_messages(verdict, NOW)
        for cell in buttons({"reply_markup": message.reply_markup})
    ]
    assert (REMIND_ON in ids) is offered
    assert REMIND_ON not in [
        cell.get("callback_data")
        for message in telegram_messages(verdict, NOW, remind=False)
        for cell in buttons({"reply_markup": message.reply_markup})
    ]


def test_reminders_is_a_registered_command() -> None:
    assert "reminders" in COMMAND_HELP


# ---------------------------------------------------------------------- both adapters


def test_remind_me_stores_the_reminders_and_each_is_sent_once_at_nine(bot: Running) -> None:
    confirmation = remind(bot)
    for day in ("December 31, 2026", "January 14, 2027", "January 15, 2027"):
        assert day in confirmation["text"]
    assert "/reminders" in confirmation["text"]
    stored = bot.store.list_reminders(KEY)
    assert [(r.kind, r.day, r.due_at, r.locale) for r in stored] == [
        (kind, day, tokyo(day, 9), "en") for kind, day in DAYS
    ]
    assert all(r.state is ReminderState.PENDING for r in stored)
    # A second press changes nothing (no duplicates).
    bot.press(REMIND_ON)
    assert [r.id for r in bot.store.list_reminders(KEY)] == [r.id for r in stored]

    before = len(bot.messages())
    bot.clock.at = tokyo(date(2026, 12, 31), 8, 59)
    assert not bot.scheduler_pass()
    assert len(bot.messages()) == before
    bot.clock.at = tokyo(date(2026, 12, 31), 9, 0)
    assert bot.scheduler_pass().sent == 1
    [sent] = bot.messages()[before:]
    assert sent["parse_mode"] == "HTML"
    assert sent["text"].startswith("<b>🔔 Two weeks left to file online</b>")
    assert "December 31, 2026 · 在留申請オンラインシステム" in sent["text"]
    assert "https://www.moj.go.jp/isa/applications/online/onlineshinsei.html" in sent["text"]
    # A second pass, and one an hour later, send nothing.
    assert not bot.scheduler_pass()
    bot.clock.at += timedelta(hours=1)
    assert not bot.scheduler_pass()
    assert len(bot.messages()) == before + 1
    assert [r.kind for r in bot.store.list_reminders(KEY)] == [
        DateKind.LAST_ONLINE_DAY,
        DateKind.EXPIRY,
    ]


def test_reminders_lists_and_cancels_one_then_all(bot: Running) -> None:
    remind(bot)
    stored = bot.store.list_reminders(KEY)
    listing = bot.say("/reminders")
    assert "January 14, 2027: Last day to file online" in listing["text"]
    assert [b["callback_data"] for b in buttons(listing)] == [
        *(f"{CANCEL_PREFIX}{r.id}" for r in stored),
        CANCEL_ALL,
    ]
    assert buttons(listing)[0]["text"] == "Cancel December 31, 2026"

    edits = len(bot.api.calls("editMessageReplyMarkup"))
    answer = bot.press(f"{CANCEL_PREFIX}{stored[0].id}")
    assert answer["text"] == "Reminder cancelled: December 31, 2026."
    edit = bot.api.wait_for("editMessageReplyMarkup", edits + 1)[-1].params
    assert [b["callback_data"] for b in buttons(edit)] == [
        *(f"{CANCEL_PREFIX}{r.id}" for r in stored[1:]),
        CANCEL_ALL,
    ]
    assert [r.id for r in bot.store.list_reminders(KEY)] == [r.id for r in stored[1:]]
    # The same button again: already gone.
    assert bot.press(f"{CANCEL_PREFIX}{stored[0].id}")["text"] == (
        "That reminder was already sent or cancelled."
    )

    assert bot.press(CANCEL_ALL)["text"] == "All your reminders are cancelled."
    assert bot.store.list_reminders(KEY) == []
    assert bot.say("/reminders")["text"].startswith("You have no reminders.")
    # Nothing is left to send on any of the days.
    bot.clock.at = tokyo(date(2027, 1, 15), 9)
    assert not bot.scheduler_pass()


def test_forget_deletes_the_reminders(bot: Running) -> None:
    remind(bot)
    assert len(bot.store.list_reminders(KEY)) == 3
    bot.say("/forget")
    assert bot.store.list_reminders(KEY) == []
    rows = bot.store.db.execute("SELECT count(*) FROM reminders").fetchone()[0]
    assert rows == 0
    bot.clock.at = tokyo(date(2027, 1, 15), 9)
    assert not bot.scheduler_pass()


def test_a_blocked_bot_drops_the_chats_reminders(bot: Running) -> None:
    """A 403 from the Bot API deletes that chat's reminders; another chat's is sent."""
    remind(bot)
    remind(bot, chat=CHAT + 1)
    bot.api.blocked.add(str(CHAT))
    bot.clock.at = tokyo(date(2026, 12, 31), 9)
    tally = bot.scheduler_pass()
    assert (tally.blocked, tally.sent) == (1, 1)
    assert len(bot.api.calls("sendMessage:403")) == 1
    assert bot.store.list_reminders(KEY) == []
    assert len(bot.store.list_reminders(user_key(CHAT + 1))) == 2
    for day in (date(2027, 1, 14), date(2027, 1, 15)):
        bot.clock.at = tokyo(day, 9)
        assert bot.scheduler_pass().sent == 1
    assert len(bot.api.calls("sendMessage:403")) == 1


def test_a_reminder_is_in_the_conversations_language(bot: Running) -> None:
    remind(bot, JAPANESE)
    [first, *_] = bot.store.list_reminders(KEY)
    assert first.locale == "ja"
    bot.clock.at = tokyo(first.day, 9)
    before = len(bot.messages())
    assert bot.scheduler_pass().sent == 1
    [sent] = bot.messages()[before:]
    tr = translator("ja")
    assert sent["text"].startswith(f"<b>🔔 {tr.t(TITLES[first.kind])}</b>")
    assert f"2026年12月31日 · {OFFICIAL_TERMS[first.kind]}" in sent["text"]


# ---------------------------------------------------------------------- python-telegram-bot


def test_flood_control_beyond_the_retries_puts_a_reminder_back(ptb_bot: Running) -> None:
    """429 four times (the guard retries three): not sent, so pending again, and the
    next pass sends it once."""
    remind(ptb_bot)
    for _ in range(4):
        ptb_bot.api.fail_next("sendMessage", 1)
    ptb_bot.clock.at = tokyo(date(2026, 12, 31), 9)
    assert ptb_bot.scheduler_pass().retried == 1
    assert len(ptb_bot.api.calls("sendMessage:429")) == 4
    assert ptb_bot.store.list_reminders(KEY)[0].state is ReminderState.PENDING
    before = len(ptb_bot.messages())
    assert ptb_bot.scheduler_pass().sent == 1
    assert not ptb_bot.scheduler_pass()
    assert len(ptb_bot.messages()) == before + 1


def test_no_connection_to_telegram_means_retry(ptb_bot: Running) -> None:
    """A request that never left (connection refused) is certainly not delivered."""
    from telegram import Bot

    closed = _free_port()
    unreachable = Bot(ptb_bot.api.token, base_url=f"http://127.0.0.1:{closed}/bot")
    send = ptb_channel.reminder_send(unreachable)

    async def attempt() -> Outcome:
        return await send(CHAT, "x")

    assert ptb_bot.loop.run(attempt()) is Outcome.RETRY


def test_a_reminder_whose_day_passed_is_dropped_unsent(ptb_bot: Running) -> None:
    remind(ptb_bot)
    before = len(ptb_bot.messages())
    ptb_bot.clock.at = tokyo(date(2027, 1, 16), 9)  # the server was down for weeks
    assert ptb_bot.scheduler_pass().missed == 3
    assert len(ptb_bot.messages()) == before
    assert ptb_bot.store.list_reminders(KEY) == []


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


CRASH = """
import json, os, signal, sys, urllib.request
from datetime import datetime
from bot.storage import SQLiteStore
store = SQLiteStore(sys.argv[1])
[claimed] = store.due(datetime.fromisoformat(sys.argv[2]), 1, key_prefix="tg:")
if sys.argv[3] != "claimed":
    assert store.mark_sending(claimed)
    if sys.argv[3] == "delivered":  # the message reaches Telegram, then the crash
        body = json.dumps({"chat_id": "555", "text": "reminder"}).encode()
        request = urllib.request.Request(
            sys.argv[4], body, {"Content-Type": "application/json"}
        )
        urllib.request.urlopen(request, timeout=10).read()
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.parametrize(
    ("crash", "sent_later"),
    [("claimed", 1), ("sending", 0), ("delivered", 0)],
    ids=["after-claim", "after-sending-mark", "after-delivery"],
)
def test_a_kill_9_between_due_and_sent_neither_loses_nor_repeats(
    ptb_bot: Running, tmp_path: Path, crash: str, sent_later: int
) -> None:
    """A process claims the due reminder and is killed (SIGKILL) before it could mark it
    sent. Killed before the send began: a later scheduler (a new store on the same file)
    sends it once the lease is over. Killed once the send began (``sending``), whether
    or not the message went out: it is never sent again, so never twice."""
    remind(ptb_bot)
    due_at = tokyo(date(2026, 12, 31), 9)
    url = f"{ptb_bot.api.base_url}{ptb_bot.api.token}/sendMessage"
    proc = subprocess.run(
        [sys.executable, "-c", CRASH, str(tmp_path / "s.db"), due_at.isoformat(), crash, url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    delivered = 1 if crash == "delivered" else 0
    assert len(ptb_bot.messages()) - _before_verdict(ptb_bot) == delivered

    after = SQLiteStore(tmp_path / "s.db")  # as a restarted process opens it
    try:
        ptb_bot.clock.at = due_at + timedelta(minutes=1)
        assert not ptb_bot.scheduler_pass(after)  # the dead process's claim is fresh
        ptb_bot.clock.at = due_at + REMINDER_LEASE + timedelta(seconds=1)
        assert ptb_bot.scheduler_pass(after).sent == sent_later
        assert not ptb_bot.scheduler_pass(after)
        assert len(ptb_bot.messages()) - _before_verdict(ptb_bot) == delivered + sent_later
        kinds = [r.kind for r in after.list_reminders(KEY)]
        assert kinds == [DateKind.LAST_ONLINE_DAY, DateKind.EXPIRY]
        # The purge removes what was sent or cut short, once it is old.
        after.purge(due_at + timedelta(days=1))
        left = after.db.execute("SELECT state FROM reminders ORDER BY id").fetchall()
        assert [s for (s,) in left] == ["pending", "pending"]
    finally:
        after.close()


def _before_verdict(bot: Running) -> int:
    """How many messages the chat got up to the "Remind me" confirmation."""
    texts = [m["text"] for m in bot.messages()]
    return next(i for i, t in enumerate(texts) if t.startswith("I will send you a reminder")) + 1


def test_run_reminders_sends_on_its_own_and_stops(ptb_bot: Running) -> None:
    """The sender loop a partner schedules (here the standalone bot's): it sends the due
    reminder at start, sends nothing more on later passes, and ends when asked."""
    remind(ptb_bot)
    ptb_bot.clock.at = tokyo(date(2026, 12, 31), 9)
    before = len(ptb_bot.messages())
    stop = asyncio.Event()

    async def start() -> asyncio.Task[None]:
        return asyncio.create_task(
            run_reminders(ptb_bot.store, ptb_bot.send, ptb_bot.clock, 0.05, stop=stop)
        )

    task = ptb_bot.loop.run(start())
    deadline = time.monotonic() + 10
    while len(ptb_bot.messages()) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # several more passes
    assert len(ptb_bot.messages()) == before + 1

    async def finish() -> None:
        stop.set()
        await asyncio.wait_for(task, 5)

    ptb_bot.loop.run(finish())
    assert task.done()


def test_the_aiogram_router_offers_a_sender_loop(api: BlockingApi, tmp_path: Path) -> None:
    """``bot.channels.aiogram.run_reminders(bot, engine)``: what a partner's aiogram bot
    schedules beside its polling."""
    clock = MovableClock(NOW)
    with aiogram(api, tmp_path / "s.db", clock) as running_bot:
        remind(running_bot)
        clock.at = tokyo(date(2026, 12, 31), 9)
        before = len(running_bot.messages())
        stop = asyncio.Event()
        root = api.base_url.removesuffix("/bot")

        async def start() -> tuple[asyncio.Task[None], AiogramBot]:
            partner = AiogramBot(
                api.token, session=AiohttpSession(api=TelegramAPIServer.from_base(root))
            )
            partner.session.middleware(aiogram_channel.FloodMiddleware(SendGuard(FAST)))
            loop_task = asyncio.create_task(
                aiogram_channel.run_reminders(partner, running_bot.engine, interval=0.05, stop=stop)
            )
            return loop_task, partner

        task, partner = running_bot.loop.run(start())
        deadline = time.monotonic() + 10
        while len(running_bot.messages()) == before and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        assert len(running_bot.messages()) == before + 1

        async def finish() -> None:
            stop.set()
            await asyncio.wait_for(task, 5)
            await partner.session.close()

        running_bot.loop.run(finish())


# ---------------------------------------------------------------------- serve


def test_serve_sends_a_reminder_after_a_restart_and_only_once(
    api: BlockingApi, tmp_path: Path
) -> None:
    """``python -m bot serve``: a conversation ends with "Remind me"; the server stops;
    the day comes (the stored due time is moved to now: the clock is the boundary we
    fake); the next start sends it; the start after that does not send it again."""
    env = {"TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_BASE_URL": api.base_url[: -len("/bot")]}
    db = tmp_path / "sessions.db"
    chat = 4321
    expiry = (today_in_tokyo(system_clock()) + timedelta(days=60)).isoformat()
    steps = [
        text_update(chat, "hello"),
        button_update(chat, "lang:en"),
        button_update(chat, "user_type:foreign_national"),
        text_update(chat, "renewal"),
        text_update(chat, "留学"),
        text_update(chat, expiry),
        button_update(chat, "stay_over_3_months:yes"),
        button_update(chat, "has_my_number_card:yes"),
        button_update(chat, "location:japan"),
    ]
    with serve(db, env) as served:
        assert any(line.startswith("Reminders: sent at 09:00") for line in served.lines)
        push_in_turn(api, steps)
        time.sleep(0.3)
        verdict = [c.params for c in api.calls("sendMessage")][-1]
        assert any(b.get("callback_data") == REMIND_ON for b in buttons(verdict))
        before = len(api.calls("sendMessage"))
        api.push_update(button_update(chat, REMIND_ON))
        confirmation = api.wait_for("sendMessage", before + 1)[-1].params
        assert confirmation["text"].startswith("I will send you a reminder")
    assert served.proc.returncode == 0

    store = SQLiteStore(db)
    try:
        stored = store.list_reminders(user_key(chat))
        assert len(stored) >= 3
        first = stored[0]
        today = today_in_tokyo(system_clock())
        store.db.execute(
            "UPDATE reminders SET due_at = ?, day = ? WHERE id = ?",
            [(system_clock() - timedelta(minutes=1)).isoformat(), today.isoformat(), first.id],
        )
    finally:
        store.close()

    def reminders_to(chat_id: int) -> list[str]:
        return [
            c.params["text"]
            for c in api.calls("sendMessage")
            if c.params["chat_id"] == str(chat_id) and c.params["text"].startswith("<b>🔔")
        ]

    with serve(db, env) as served:
        deadline = time.monotonic() + 20
        while not reminders_to(chat) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert served.proc.returncode == 0
    assert len(reminders_to(chat)) == 1
    assert any(line.startswith("Reminders: 1 sent") for line in served.lines)

    # Another chat's reminder, due now, shows when the next start's first pass is done.
    store = SQLiteStore(db)
    try:
        now = system_clock()
        item = NewReminder(DateKind.EXPIRY, today, now - timedelta(seconds=1), "en")
        store.add_reminders(user_key(999), [item])
    finally:
        store.close()
    with serve(db, env) as served:
        deadline = time.monotonic() + 20
        while not reminders_to(999) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert served.proc.returncode == 0
    assert len(reminders_to(999)) == 1
    assert len(reminders_to(chat)) == 1  # not again
    store = SQLiteStore(db)
    try:
        assert [r.id for r in store.list_reminders(user_key(chat))] == [r.id for r in stored[1:]]
    finally:
        store.close()


def test_reminder_html_escapes_and_bolds_the_title() -> None:
    from bot.storage import Reminder

    reminder = Reminder(
        id=1,
        chat_key=KEY,
        kind=DateKind.LAST_ONLINE_DAY,
        day=date(2027, 1, 14),
        due_at=tokyo(date(2027, 1, 14), 9),
        locale="en",
        state=ReminderState.CLAIMED,
    )
    text = reminder_html(reminder)
    assert text.splitlines()[0] == "<b>🔔 Last day to file online</b>"
    assert "January 14, 2027 · 在留申請オンラインシステム" in text
    assert "<" not in "".join(text.splitlines()[1:])


def test_purge_deletes_sent_and_overdue_reminders(tmp_path: Path) -> None:
    """``python -m bot purge``: reminders already sent, or overdue past the retention,
    go; one still to come stays, even when its idle session goes (it is the user's
    request and holds no answer; ``/forget`` and ``/reminders`` delete it)."""
    db = tmp_path / "s.db"
    store = SQLiteStore(db)
    now = system_clock()
    try:
        ahead = (now + timedelta(days=40)).astimezone(TOKYO).date()
        overdue = (now - timedelta(days=40)).astimezone(TOKYO).date()
        store.add_reminders("tg:1", [NewReminder(DateKind.EXPIRY, ahead, due_instant(ahead), "en")])
        store.add_reminders(
            "tg:2", [NewReminder(DateKind.EXPIRY, overdue, due_instant(overdue), "en")]
        )
        store.add_reminders("tg:3", [NewReminder(DateKind.EXPIRY, ahead, now, "en")])
        [sent] = store.due(now, 10, key_prefix="tg:3")
        assert store.mark_sending(sent)
        store.mark_sent(sent)
    finally:
        store.close()
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "purge", "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    store = SQLiteStore(db)
    try:
        rows = store.db.execute("SELECT chat_key, state FROM reminders").fetchall()
        assert rows == [("tg:1", "pending")]
    finally:
        store.close()
