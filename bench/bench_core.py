"""Benchmark of the core engine: throughput, latency, cold start and memory.

What is measured (one process, one thread, one run; figures are printed, nothing fails a build):

1. **Durable turns** — ``Engine.handle()`` on a real SQLite file (WAL, written on every turn)
   in a temporary directory. Many users each walk the whole 9-turn conversation (hello, language,
   user type, procedure, status, expiry date typed as text, stay over 3 months, My Number Card,
   location -> verdict).
   Turns are interleaved round-robin over the users, so every turn loads another user's row.
   Each ``handle()`` call is timed with ``time.perf_counter_ns()``; building the ``Incoming``
   is outside the timed region. A short warm-up (other user keys) runs first and is not measured.
   Every reply is checked (expected slot at each step, a verdict at the end).
2. **Baseline** — a python-telegram-bot ``ConversationHandler`` asking the same five questions
   (user type, procedure, status, expiry date, location) with *no* persistence, fed hand-built
   ``telegram.Update`` objects through ``await Application.process_update()`` (6 updates per
   user: /start + 5 answers), timed the same way. The bot never touches the network: its
   requests go to an offline ``BaseRequest`` that answers ``getMe`` with a canned bot user and
   refuses anything else (the run checks that getMe was the only request). The callbacks send
   nothing; they store the answer in ``context.user_data`` and return the next state.
3. **Ratio** — engine turns/s divided by PTB turns/s (target: >= 3.0x), and the engine's p99
   (target: < 1 ms).
4. **Cold start** — wall time of ``python -m bot assess --json ...`` as a subprocess, against
   ``python -c pass`` as the interpreter baseline (target: median < 300 ms). One unmeasured
   run of each comes first so bytecode caches exist.
5. **Memory** — in a fresh child process (this script with ``--rss-child``), RSS after storing
   1,000 sessions, then after 100,000 (3 turns each: hello, language, user type), then after
   2,000 more turns on random existing users (old sessions read back and written). Target:
   growth < 10 MB.

Run (the compiled catalogs must exist; ``make bench`` compiles them first)::

    .venv/bin/python bench/bench_core.py            # full run, about 45 s on 2 cores
    .venv/bin/python bench/bench_core.py --quick    # smaller counts, about 10 s
    .venv/bin/python bench/bench_core.py --profile  # also print cProfile of Engine.handle

Reading the output: a human-readable report per section, with ``target: ...`` and PASS/MISS
beside each figure that has a target (a MISS never changes the exit status; targets live in
issues). turns/s is turns divided by the time spent inside the timed calls (so 1 / mean
latency); the wall rate beside it also counts building the inputs. Latencies are in
microseconds (µs), percentiles by nearest rank; memory in MB (10**6 bytes). The last line is
``RESULT {json}`` with every figure, for scripts. Exit status: 0 after a completed run, 1 if a
reply was not what the conversation should produce (the figures would be meaningless), 2 on a
setup problem (e.g. catalogs not compiled).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import json
import math
import os
import platform
import pstats
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from telegram import (
    CallbackQuery,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
    User,
)
from telegram.error import NetworkError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    ExtBot,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning
from typing_extensions import override

if TYPE_CHECKING:
    from typing import TypeAlias

    from telegram.ext import JobQueue

    from bot.engine import Engine
    from bot.models import Incoming, Reply
    from bot.storage import SQLiteStore

    BenchApp: TypeAlias = Application[
        ExtBot[None],
        ContextTypes.DEFAULT_TYPE,
        dict[Any, Any],
        dict[Any, Any],
        dict[Any, Any],
        JobQueue[ContextTypes.DEFAULT_TYPE],
    ]

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    # Running ``bench/bench_core.py`` puts bench/ on the path, not the repository root.
    sys.path.insert(0, str(REPO_ROOT))

NOW: Final = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
MB: Final = 1_000_000

ASSESS_REQUEST: Final = json.dumps(
    {
        "user_type": "foreign_national",
        "procedure": "extension",
        "status": "student",
        "expiry": "2027-01-15",
        "now": "2026-11-22T03:00:00Z",
    },
    separators=(",", ":"),
)

TARGET_RATIO: Final = 3.0
TARGET_P99_US: Final = 1000.0
TARGET_COLD_MS: Final = 300.0
TARGET_RSS_GROWTH_MB: Final = 10.0

RSS_CHILD_PREFIX: Final = "RSSCHILD "
# The memory test drives users in chunks of this many (round-robin inside a chunk).
RSS_CHUNK: Final = 1000


class BenchError(RuntimeError):
    """A reply was not what the conversation should produce: the figures would be wrong."""


@dataclass(frozen=True, slots=True)
class Turn:
    """One engine turn and the slot the reply must ask for next (None: the verdict)."""

    text: str | None = None
    choice: str | None = None
    expect: str | None = None


CONVERSATION: Final = (
    Turn(text="hello", expect="lang"),
    Turn(choice="lang:en", expect="user_type"),
    Turn(choice="user_type:foreign_national", expect="procedure"),
    Turn(choice="procedure:extension", expect="status"),
    Turn(choice="status:student", expect="expiry"),
    Turn(text="2027-01-15", expect="stay_over_3_months"),
    Turn(choice="stay_over_3_months:yes", expect="has_my_number_card"),
    Turn(choice="has_my_number_card:yes", expect="location"),
    Turn(choice="location:japan", expect=None),
)
# The memory test stores sessions part-way: hello, language, user type.
RSS_TURNS: Final = CONVERSATION[:3]
# ... and then answers the next question for random old sessions.
RSS_READ_TURN: Final = CONVERSATION[3]


@dataclass(frozen=True, slots=True)
class Latency:
    """Timing of a batch of calls."""

    turns: int
    timed_s: float
    wall_s: float
    turns_per_s: float
    wall_turns_per_s: float
    mean_us: float
    p50_us: float
    p90_us: float
    p99_us: float
    max_us: float


def percentile(sorted_ns: list[int], pct: float) -> int:
    """Nearest-rank percentile of an ascending list."""
    rank = max(1, math.ceil(pct / 100 * len(sorted_ns)))
    return sorted_ns[rank - 1]


def summarize(samples_ns: list[int], wall_ns: int) -> Latency:
    ordered = sorted(samples_ns)
    total = sum(ordered)
    n = len(ordered)
    return Latency(
        turns=n,
        timed_s=total / 1e9,
        wall_s=wall_ns / 1e9,
        turns_per_s=n / (total / 1e9),
        wall_turns_per_s=n / (wall_ns / 1e9),
        mean_us=total / n / 1e3,
        p50_us=percentile(ordered, 50) / 1e3,
        p90_us=percentile(ordered, 90) / 1e3,
        p99_us=percentile(ordered, 99) / 1e3,
        max_us=ordered[-1] / 1e3,
    )


def verdict_word(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# --------------------------------------------------------------------------- machine facts


def machine_facts() -> dict[str, Any]:
    import psutil
    import telegram

    try:
        affinity: int | None = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        affinity = None
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": f"{platform.system()} {platform.machine()}",
        "sqlite": sqlite3.sqlite_version,
        "cpu_count": os.cpu_count(),
        "cpu_affinity": affinity,
        "ptb": telegram.__version__,
        "psutil": psutil.__version__,
    }


def check_catalogs() -> str | None:
    """None if every shipped locale loads, else the problem (the engine needs the catalogs)."""
    from bot.i18n import LOCALES, CatalogError, translator

    for locale in LOCALES:
        try:
            translator(locale)
        except CatalogError as exc:
            return str(exc)
    return None


# --------------------------------------------------------------------------- 1. engine


def new_engine(directory: Path) -> tuple[Engine, SQLiteStore]:
    from bot.clock import fixed_clock
    from bot.engine import Engine
    from bot.storage import SQLiteStore

    store = SQLiteStore(directory / "bench.db")
    return Engine(store, clock=fixed_clock(NOW)), store


def incoming(key: str, turn: Turn) -> Incoming:
    from bot.models import Incoming

    return Incoming(user_key=key, text=turn.text, choice=turn.choice)


def check_reply(reply: Reply, turn: Turn, key: str) -> None:
    """The reply must move the conversation on, never re-prompt."""
    if turn.expect is None:
        if reply.verdict is None:
            msg = f"{key}: no verdict after {turn}; state={reply.state!r}"
            raise BenchError(msg)
        return
    slot = reply.expects.slot if reply.expects else None
    if slot != turn.expect:
        text = reply.messages[0].text if reply.messages else ""
        msg = f"{key}: after {turn} expected slot {turn.expect!r}, got {slot!r}: {text[:120]!r}"
        raise BenchError(msg)


def run_conversations(
    engine: Engine, keys: list[str], turns: tuple[Turn, ...], samples: list[int] | None
) -> None:
    """Drive every key through ``turns``, round-robin (turn 1 for all users, then turn 2 ...)."""
    for turn in turns:
        for key in keys:
            event = incoming(key, turn)
            start = time.perf_counter_ns()
            reply = engine.handle(event)
            elapsed = time.perf_counter_ns() - start
            if samples is not None:
                samples.append(elapsed)
            check_reply(reply, turn, key)


def bench_engine(users: int, warmup_users: int) -> Latency:
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
        engine, store = new_engine(Path(tmp))
        try:
            run_conversations(
                engine, [f"warm:{i}" for i in range(warmup_users)], CONVERSATION, None
            )
            keys = [f"bench:{i}" for i in range(users)]
            samples: list[int] = []
            gc.collect()
            wall_start = time.perf_counter_ns()
            run_conversations(engine, keys, CONVERSATION, samples)
            wall = time.perf_counter_ns() - wall_start
            stored = store.count()
        finally:
            store.close()
    if stored != users + warmup_users:
        msg = f"expected {users + warmup_users} stored sessions, found {stored}"
        raise BenchError(msg)
    return summarize(samples, wall)


def profile_engine(users: int, top: int) -> str:
    """cProfile of ``Engine.handle`` over full conversations; the top functions by cumulative."""
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        engine, store = new_engine(Path(tmp))
        try:
            run_conversations(engine, [f"warm:{i}" for i in range(20)], CONVERSATION, None)
            events = [incoming(f"prof:{i}", turn) for turn in CONVERSATION for i in range(users)]
            profiler = cProfile.Profile()
            profiler.enable()
            for event in events:
                engine.handle(event)
            profiler.disable()
        finally:
            store.close()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats(pstats.SortKey.CUMULATIVE).print_stats(top)
    return out.getvalue()


# --------------------------------------------------------------------------- 2. PTB baseline

USER_TYPE, PROCEDURE, STATUS, EXPIRY, LOCATION = range(5)
GET_ME: Final = json.dumps(
    {
        "ok": True,
        "result": {
            "id": 123456,
            "is_bot": True,
            "first_name": "Bench",
            "username": "bench_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        },
    }
).encode()


SENT_MESSAGE: Final = json.dumps(
    {
        "ok": True,
        "result": {
            "message_id": 1,
            "date": 1795143600,
            "chat": {"id": 1, "type": "private"},
            "from": {"id": 123456, "is_bot": True, "first_name": "Bench"},
            "text": "question",
        },
    }
).encode()
TRUE_RESULT: Final = b'{"ok":true,"result":true}'


class OfflineRequest(BaseRequest):
    """Answers getMe with a canned bot user. With ``replies``, also answers sendMessage
    and answerCallbackQuery as Telegram would (the lowest boundary, faked); every other
    Bot API call is refused."""

    def __init__(self, *, replies: bool = False) -> None:
        self.calls: list[str] = []
        self.replies = replies

    @property
    @override
    def read_timeout(self) -> float | None:
        return None

    @override
    async def initialize(self) -> None:
        return None

    @override
    async def shutdown(self) -> None:
        return None

    @override
    async def do_request(
        self,
        url: str,
        method: str,
        request_data: object = None,
        read_timeout: object = None,
        write_timeout: object = None,
        connect_timeout: object = None,
        pool_timeout: object = None,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        self.calls.append(endpoint)
        if endpoint == "getMe":
            return 200, GET_ME
        if self.replies and endpoint == "sendMessage":
            return 200, SENT_MESSAGE
        if self.replies and endpoint == "answerCallbackQuery":
            return 200, TRUE_RESULT
        msg = f"offline benchmark: refusing {method} {endpoint}"
        raise NetworkError(msg)


def _keyboard(slot: str, values: tuple[str, ...]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(v.replace("_", " "), callback_data=f"{slot}:{v}")] for v in values]
    )


# What the asking baseline sends after each answer: the next question and its buttons
# (the same questions and choices as the engine's guide flow, in English).
QUESTIONS: Final[dict[str, tuple[str, InlineKeyboardMarkup | None]]] = {
    "start": (
        "Who will file the application?",
        _keyboard(
            "user_type",
            (
                "foreign_national",
                "organization_staff",
                "lawyer_scrivener",
                "public_interest_corp_staff",
                "registered_support_org_staff",
                "legal_representative",
                "relative",
            ),
        ),
    ),
    "user_type": (
        "Which application is it?",
        _keyboard(
            "procedure",
            (
                "extension",
                "change_of_status",
                "certificate_of_eligibility",
                "acquisition",
                "certificate_of_authorized_employment",
                "reentry_permit",
                "activity_permission",
                "permanent_residence",
                "residence_card_renewal",
            ),
        ),
    ),
    "procedure": (
        "What is the status of residence? Choose or type its name.",
        _keyboard(
            "status",
            (
                "engineer_specialist_humanities_international",
                "student",
                "dependent",
                "spouse_or_child_of_japanese_national",
                "specified_skilled_worker_1",
                "long_term_resident",
            ),
        ),
    ),
    "status": ("When does the period of stay expire? Type the date, e.g. 2027-01-15.", None),
    "expiry": (
        "Where is the filer now, and on what network?",
        _keyboard("location", ("japan", "japan_foreign_network", "abroad")),
    ),
    "location": ("Yes: this can be filed online now. Last day to file online: 2027-01-14.", None),
}


class PtbFlow:
    """The five questions as ConversationHandler callbacks; counts what each one saw.

    With ``ask`` the callbacks do what a real bot does: answer the button press and
    send the next question with its inline keyboard (through the offline request).
    """

    def __init__(self, *, ask: bool = False) -> None:
        self.calls: Counter[str] = Counter()
        self.completed = 0
        self.ask = ask

    async def _say(self, update: Update, step: str) -> None:
        if not self.ask:
            return
        if update.callback_query is not None:
            await update.callback_query.answer()
        message = update.effective_message
        if message is None:
            msg = f"{step}: no message to reply to"
            raise BenchError(msg)
        text, markup = QUESTIONS[step]
        await message.reply_text(text, reply_markup=markup)

    @staticmethod
    def _remember(context: ContextTypes.DEFAULT_TYPE, slot: str, value: object) -> None:
        data = context.user_data
        if data is None:
            msg = "no user_data for the update"
            raise BenchError(msg)
        data[slot] = value

    def _choice(self, update: Update, context: ContextTypes.DEFAULT_TYPE, slot: str) -> None:
        query = update.callback_query
        if query is None or query.data is None:
            msg = f"{slot}: expected a callback query with data"
            raise BenchError(msg)
        name, _, value = query.data.partition(":")
        if name != slot:
            msg = f"{slot}: got the answer {query.data!r}"
            raise BenchError(msg)
        self._remember(context, slot, value)
        self.calls[slot] += 1

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        data = context.user_data
        if data is not None:
            data.clear()
        self.calls["start"] += 1
        await self._say(update, "start")
        return USER_TYPE

    async def user_type(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        self._choice(update, context, "user_type")
        await self._say(update, "user_type")
        return PROCEDURE

    async def procedure(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        self._choice(update, context, "procedure")
        await self._say(update, "procedure")
        return STATUS

    async def status(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        self._choice(update, context, "status")
        await self._say(update, "status")
        return EXPIRY

    async def expiry(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        message = update.effective_message
        if message is None or message.text is None:
            msg = "expiry: expected a text message"
            raise BenchError(msg)
        self._remember(context, "expiry", date.fromisoformat(message.text.strip()))
        self.calls["expiry"] += 1
        await self._say(update, "expiry")
        return LOCATION

    async def location(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        self._choice(update, context, "location")
        self.completed += 1
        await self._say(update, "location")
        return ConversationHandler.END


class UpdateFactory:
    """Hand-built updates as Telegram would send them for one private chat per user."""

    def __init__(self, bot: ExtBot[None]) -> None:
        self.bot = bot
        self.update_id = 0
        self.message_id = 0
        self.bot_user = User(id=123456, first_name="Bench", is_bot=True, username="bench_bot")

    def _ids(self) -> tuple[int, int]:
        self.update_id += 1
        self.message_id += 1
        return self.update_id, self.message_id

    def text(self, user_id: int, text: str, *, command: bool = False) -> Update:
        update_id, message_id = self._ids()
        entities = (
            [MessageEntity(type=MessageEntity.BOT_COMMAND, offset=0, length=len(text))]
            if command
            else None
        )
        message = Message(
            message_id=message_id,
            date=NOW,
            chat=Chat(id=user_id, type=Chat.PRIVATE),
            from_user=User(id=user_id, first_name="User", is_bot=False),
            text=text,
            entities=entities,
        )
        message.set_bot(self.bot)
        update = Update(update_id=update_id, message=message)
        update.set_bot(self.bot)
        return update

    def button(self, user_id: int, data: str) -> Update:
        update_id, message_id = self._ids()
        question = Message(
            message_id=message_id,
            date=NOW,
            chat=Chat(id=user_id, type=Chat.PRIVATE),
            from_user=self.bot_user,
            text="question",
        )
        question.set_bot(self.bot)
        query = CallbackQuery(
            id=str(update_id),
            from_user=User(id=user_id, first_name="User", is_bot=False),
            chat_instance=str(user_id),
            data=data,
            message=question,
        )
        query.set_bot(self.bot)
        update = Update(update_id=update_id, callback_query=query)
        update.set_bot(self.bot)
        return update


# (kind, payload): "command" /start, "button" callback data, "text" a typed message.
PTB_TURNS: Final = (
    ("command", "/start"),
    ("button", "user_type:foreign_national"),
    ("button", "procedure:extension"),
    ("button", "status:student"),
    ("text", "2027-01-15"),
    ("button", "location:japan"),
)


def offline_app(*, replies: bool) -> tuple[BenchApp, list[OfflineRequest]]:
    """An Application with no updater whose Bot API requests go to offline requests
    (``[bot requests, getUpdates requests]``; the first answers sends if ``replies``)."""
    requests = [OfflineRequest(replies=replies), OfflineRequest()]
    app = (
        Application.builder()
        .token("123456:TEST")
        .updater(None)
        .request(requests[0])
        .get_updates_request(requests[1])
        .build()
    )
    return app, requests


def build_ptb_app(flow: PtbFlow) -> tuple[BenchApp, list[OfflineRequest]]:
    app, requests = offline_app(replies=flow.ask)
    with warnings.catch_warnings():
        # per_message=False with CallbackQueryHandlers warns that buttons are tracked per
        # chat, not per message; that is exactly what a one-question-at-a-time bot wants.
        warnings.filterwarnings("ignore", category=PTBUserWarning)
        conversation = ConversationHandler(
            entry_points=[CommandHandler("start", flow.start)],
            states={
                USER_TYPE: [CallbackQueryHandler(flow.user_type, pattern=r"^user_type:")],
                PROCEDURE: [CallbackQueryHandler(flow.procedure, pattern=r"^procedure:")],
                STATUS: [CallbackQueryHandler(flow.status, pattern=r"^status:")],
                EXPIRY: [MessageHandler(filters.TEXT & ~filters.COMMAND, flow.expiry)],
                LOCATION: [CallbackQueryHandler(flow.location, pattern=r"^location:")],
            },
            fallbacks=[],
        )
    app.add_handler(conversation)
    return app, requests


async def _ptb_run(
    app: BenchApp, factory: UpdateFactory, user_ids: list[int], samples: list[int] | None
) -> None:
    for kind, payload in PTB_TURNS:
        for user_id in user_ids:
            if kind == "button":
                update = factory.button(user_id, payload)
            else:
                update = factory.text(user_id, payload, command=kind == "command")
            start = time.perf_counter_ns()
            await app.process_update(update)
            elapsed = time.perf_counter_ns() - start
            if samples is not None:
                samples.append(elapsed)


async def _bench_ptb(users: int, warmup_users: int, ask: bool) -> tuple[Latency, list[str]]:
    flow = PtbFlow(ask=ask)
    app, requests = build_ptb_app(flow)
    await app.initialize()  # getMe goes to the offline request: no network
    try:
        factory = UpdateFactory(app.bot)
        warm_ids = list(range(1, warmup_users + 1))
        await _ptb_run(app, factory, warm_ids, None)
        if flow.completed != warmup_users:
            msg = f"PTB warm-up: {flow.completed} of {warmup_users} conversations ended"
            raise BenchError(msg)
        flow.calls.clear()
        flow.completed = 0
        user_ids = list(range(1_000_001, 1_000_001 + users))
        samples: list[int] = []
        gc.collect()
        wall_start = time.perf_counter_ns()
        await _ptb_run(app, factory, user_ids, samples)
        wall = time.perf_counter_ns() - wall_start
    finally:
        await app.shutdown()
    expected = {"start", "user_type", "procedure", "status", "expiry", "location"}
    wrong = {name: flow.calls[name] for name in expected if flow.calls[name] != users}
    if wrong or flow.completed != users:
        msg = f"PTB: {flow.completed} of {users} conversations reached END; calls {wrong}"
        raise BenchError(msg)
    calls = [call for request in requests for call in request.calls]
    seen = Counter(calls)
    total = users + warmup_users
    expected_calls = (
        {"getMe": 1, "sendMessage": 6 * total, "answerCallbackQuery": 4 * total}
        if ask
        else {"getMe": 1}
    )
    if dict(seen) != expected_calls:
        msg = f"PTB: unexpected Bot API requests {dict(seen)}, wanted {expected_calls}"
        raise BenchError(msg)
    return summarize(samples, wall), sorted(seen)


def bench_ptb(users: int, warmup_users: int, *, ask: bool) -> tuple[Latency, list[str]]:
    return asyncio.run(_bench_ptb(users, warmup_users, ask))


# --------------------------------------------------------------------------- 4. cold start


@dataclass(frozen=True, slots=True)
class ColdStart:
    runs: int
    assess_min_ms: float
    assess_median_ms: float
    python_min_ms: float
    python_median_ms: float
    overhead_min_ms: float
    overhead_median_ms: float


def time_command(cmd: list[str], runs: int, *, check_json: bool) -> list[float]:
    """Wall times in ms of ``runs`` runs of ``cmd`` (after one unmeasured run)."""
    times: list[float] = []
    for i in range(runs + 1):
        start = time.perf_counter_ns()
        done = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter_ns() - start
        if done.returncode != 0:
            msg = f"{cmd[1:3]} exited {done.returncode}: {done.stderr.strip()[:500]}"
            raise BenchError(msg)
        if check_json and not isinstance(json.loads(done.stdout), dict):
            msg = f"assess printed no JSON object: {done.stdout[:200]!r}"
            raise BenchError(msg)
        if i > 0:
            times.append(elapsed / 1e6)
    return times


def bench_cold_start(runs: int) -> ColdStart:
    assess = time_command(
        [sys.executable, "-m", "bot", "assess", "--json", ASSESS_REQUEST], runs, check_json=True
    )
    bare = time_command([sys.executable, "-c", "pass"], runs, check_json=False)
    return ColdStart(
        runs=runs,
        assess_min_ms=min(assess),
        assess_median_ms=statistics.median(assess),
        python_min_ms=min(bare),
        python_median_ms=statistics.median(bare),
        overhead_min_ms=min(assess) - min(bare),
        overhead_median_ms=statistics.median(assess) - statistics.median(bare),
    )


# --------------------------------------------------------------------------- 5. memory


def rss_mb() -> float:
    import psutil

    gc.collect()
    return float(psutil.Process().memory_info().rss) / MB


def rss_child(users: int, first: int, reads: int, seed: int) -> dict[str, Any]:
    """Runs in a fresh process; returns RSS figures (printed as one JSON line)."""
    checkpoints: list[dict[str, float]] = []
    marks = sorted({first, *(users * f // 10 for f in (1, 2, 5)), users} - {0})
    with tempfile.TemporaryDirectory(prefix="bench-rss-") as tmp:
        engine, store = new_engine(Path(tmp))
        try:
            rss_start = rss_mb()
            cache_pages = int(store.db.execute("PRAGMA cache_size").fetchone()[0])
            page_size = int(store.db.execute("PRAGMA page_size").fetchone()[0])
            # Negative cache_size is a size in KiB; positive, a number of pages.
            cache_bytes = -cache_pages * 1024 if cache_pages < 0 else cache_pages * page_size
            start = time.perf_counter()
            done = 0
            for mark in marks:
                # Small chunks: one big list of keys would itself leave the heap larger.
                for chunk in range(done, mark, RSS_CHUNK):
                    keys = [f"rss:{i}" for i in range(chunk, min(chunk + RSS_CHUNK, mark))]
                    run_conversations(engine, keys, RSS_TURNS, None)
                done = mark
                checkpoints.append(
                    {
                        "sessions": float(mark),
                        "rss_mb": rss_mb(),
                        "elapsed_s": time.perf_counter() - start,
                    }
                )
            fill_s = time.perf_counter() - start
            picked = random.Random(seed).sample(range(users), min(reads, users))
            read_start = time.perf_counter()
            run_conversations(engine, [f"rss:{i}" for i in picked], (RSS_READ_TURN,), None)
            read_s = time.perf_counter() - read_start
            rss_after_reads = rss_mb()
            stored = store.count()
            db_bytes = sum(p.stat().st_size for p in Path(tmp).glob("bench.db*"))
        finally:
            store.close()
    by_mark = {int(c["sessions"]): c["rss_mb"] for c in checkpoints}
    rss_first = by_mark[first]
    rss_full = by_mark[users]
    return {
        "sessions_first": first,
        "sessions_full": users,
        "stored": stored,
        "turns": users * len(RSS_TURNS) + len(picked),
        "fill_s": fill_s,
        "fill_turns_per_s": users * len(RSS_TURNS) / fill_s,
        "reads": len(picked),
        "reads_s": read_s,
        "rss_start_mb": rss_start,
        "rss_first_mb": rss_first,
        "rss_full_mb": rss_full,
        "rss_after_reads_mb": rss_after_reads,
        "growth_mb": max(rss_full, rss_after_reads) - rss_first,
        "checkpoints": checkpoints,
        "db_mb": db_bytes / MB,
        "sqlite_cache_limit_mb": cache_bytes / MB,
    }


def bench_rss(users: int, first: int, reads: int, seed: int) -> dict[str, Any]:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--rss-child",
        "--rss-users",
        str(users),
        "--rss-first",
        str(first),
        "--rss-reads",
        str(reads),
        "--seed",
        str(seed),
    ]
    done = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        msg = f"RSS child exited {done.returncode}: {done.stderr.strip()[-1000:]}"
        raise BenchError(msg)
    for line in done.stdout.splitlines():
        if line.startswith(RSS_CHILD_PREFIX):
            result: dict[str, Any] = json.loads(line.removeprefix(RSS_CHILD_PREFIX))
            return result
    msg = f"RSS child printed no result: {done.stdout[-500:]!r}"
    raise BenchError(msg)


# --------------------------------------------------------------------------- report


def print_section(title: str) -> None:
    print(f"\n== {title} ==", flush=True)


def print_latency(lat: Latency) -> None:
    print(
        f"  turns/s           {lat.turns_per_s:>10,.0f}   "
        f"(time inside the call; wall incl. building inputs: {lat.wall_turns_per_s:,.0f}/s)"
    )
    print(
        f"  latency µs        p50 {lat.p50_us:,.1f}   p90 {lat.p90_us:,.1f}   "
        f"p99 {lat.p99_us:,.1f}   max {lat.max_us:,.1f}   mean {lat.mean_us:,.1f}"
    )


@dataclass(frozen=True, slots=True)
class Config:
    """The counts of one run (from --quick and the overrides)."""

    quick: bool
    users: int
    warmup_users: int
    assess_runs: int
    rss_users: int
    rss_first: int
    rss_reads: int
    seed: int
    profile: bool


def parse_args(argv: list[str] | None) -> tuple[Config, bool]:
    """The run's configuration, and whether this process is the RSS child."""
    parser = argparse.ArgumentParser(
        description="Benchmark the Zairyu Guide engine: durable turns/s and latency against a "
        "python-telegram-bot ConversationHandler baseline, `assess` cold start, and RSS with "
        "many stored sessions. Prints a report and a final `RESULT {json}` line. "
        "Missed targets are reported, never turned into a failing exit status.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smaller counts (about 10 s instead of about 45 s)"
    )
    parser.add_argument("--users", type=int, help="users per throughput run (default 2000/300)")
    parser.add_argument("--assess-runs", type=int, help="cold-start runs (default 15/5)")
    parser.add_argument(
        "--rss-users", type=int, help="sessions stored in the memory test (default 100000/20000)"
    )
    parser.add_argument(
        "--rss-first", type=int, default=1000, help="RSS baseline point (default 1000)"
    )
    parser.add_argument(
        "--rss-reads", type=int, default=2000, help="turns on old sessions (default 2000)"
    )
    parser.add_argument("--seed", type=int, default=20261122, help="seed for picking sessions")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also print the top functions of Engine.handle by cumulative time (cProfile)",
    )
    parser.add_argument("--rss-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    quick: bool = args.quick
    rss_users: int = args.rss_users or (20_000 if quick else 100_000)
    config = Config(
        quick=quick,
        users=args.users or (300 if quick else 2000),
        warmup_users=20 if quick else 50,
        assess_runs=args.assess_runs or (5 if quick else 15),
        rss_users=rss_users,
        rss_first=min(args.rss_first, rss_users),
        rss_reads=args.rss_reads,
        seed=args.seed,
        profile=args.profile,
    )
    return config, bool(args.rss_child)


def main(argv: list[str] | None = None) -> int:
    config, is_rss_child = parse_args(argv)
    problem = check_catalogs()
    if problem:
        print(f"setup: {problem}\n(`make bench` compiles the catalogs first)", file=sys.stderr)
        return 2
    if is_rss_child:
        result = rss_child(config.rss_users, config.rss_first, config.rss_reads, config.seed)
        print(RSS_CHILD_PREFIX + json.dumps(result), flush=True)
        return 0
    try:
        run_all(config)
    except BenchError as exc:
        print(f"\nbenchmark invalid: {exc}", file=sys.stderr)
        return 1
    return 0


def section_machine(config: Config) -> dict[str, Any]:
    facts = machine_facts()
    print(f"Zairyu Guide core benchmark ({'quick' if config.quick else 'full'} run)")
    print_section("Machine")
    print(f"  python            {facts['python']} ({facts['implementation']}, {facts['platform']})")
    print(f"  sqlite            {facts['sqlite']}")
    print(f"  cpus              {facts['cpu_count']} (usable: {facts['cpu_affinity']})")
    print(f"  python-telegram-bot {facts['ptb']}")
    return facts


def section_engine(config: Config) -> Latency:
    print_section("1. Engine.handle(): durable turns (SQLite file, WAL, a write every turn)")
    turns = config.users * len(CONVERSATION)
    print(f"  users x turns     {config.users:,} x {len(CONVERSATION)} = {turns:,}")
    print(f"  warm-up           {config.warmup_users} users, not measured; every reply checked")
    engine = bench_engine(config.users, config.warmup_users)
    print_latency(engine)
    ok = engine.p99_us < TARGET_P99_US
    print(f"  p99               {engine.p99_us:,.1f} µs   target: < 1 ms   {verdict_word(ok)}")
    return engine


def section_ptb(config: Config, *, ask: bool) -> Latency:
    title = (
        "2b. Baseline: PTB ConversationHandler asking the questions (reply_text + "
        "answerCallbackQuery through an offline request), no persistence"
        if ask
        else "2a. Baseline: PTB ConversationHandler dispatch only (callbacks store the "
        "answer and send nothing), no persistence"
    )
    print_section(title)
    turns = config.users * len(PTB_TURNS)
    print(f"  users x turns     {config.users:,} x {len(PTB_TURNS)} = {turns:,}")
    ptb, calls = bench_ptb(config.users, config.warmup_users, ask=ask)
    print(f"  Bot API methods   {calls} (offline: canned answers, no network)")
    print(f"  conversations     {config.users:,} of {config.users:,} reached END")
    print_latency(ptb)
    return ptb


def section_ratio(engine: Latency, bare: Latency, asking: Latency) -> float:
    """Print both ratios; return the one against the asking baseline."""
    print_section("3. Ratio")
    for label, ptb in (("dispatch only", bare), ("asking", asking)):
        r = engine.turns_per_s / ptb.turns_per_s
        print(
            f"  engine / PTB {label:<14} {r:.2f}x  ({engine.turns_per_s:,.0f} / "
            f"{ptb.turns_per_s:,.0f} turns/s)   target: >= {TARGET_RATIO:.1f}x   "
            f"{verdict_word(r >= TARGET_RATIO)}"
        )
    ratio = engine.turns_per_s / asking.turns_per_s
    print(
        f"  engine p99        {engine.p99_us:,.1f} µs   target: < 1 ms   "
        f"{verdict_word(engine.p99_us < TARGET_P99_US)}"
    )
    return ratio


def section_cold_start(config: Config) -> ColdStart:
    print_section("4. Cold start: python -m bot assess --json ... (subprocess)")
    cold = bench_cold_start(config.assess_runs)
    ok = cold.assess_median_ms < TARGET_COLD_MS
    print(f"  runs              {cold.runs} each (after one unmeasured run)")
    print(
        f"  assess            min {cold.assess_min_ms:.1f} ms   "
        f"median {cold.assess_median_ms:.1f} ms"
    )
    print(
        f"  python -c pass    min {cold.python_min_ms:.1f} ms   "
        f"median {cold.python_median_ms:.1f} ms"
    )
    print(
        f"  difference        min {cold.overhead_min_ms:.1f} ms   "
        f"median {cold.overhead_median_ms:.1f} ms"
    )
    print(
        f"  assess median     {cold.assess_median_ms:.1f} ms   target: < 300 ms   "
        f"{verdict_word(ok)}"
    )
    return cold


def section_rss(config: Config) -> dict[str, Any]:
    print_section(
        f"5. RSS from {config.rss_first:,} to {config.rss_users:,} stored sessions (fresh process)"
    )
    rss = bench_rss(config.rss_users, config.rss_first, config.rss_reads, config.seed)
    ok = rss["growth_mb"] < TARGET_RSS_GROWTH_MB
    print(
        f"  filled            {rss['sessions_full']:,} sessions x {len(RSS_TURNS)} turns in "
        f"{rss['fill_s']:.1f} s ({rss['fill_turns_per_s']:,.0f} turns/s); "
        f"DB on disk {rss['db_mb']:.1f} MB"
    )
    print(
        f"  at start          {rss['rss_start_mb']:.1f} MB (engine open, empty DB; SQLite page "
        f"cache may grow to {rss['sqlite_cache_limit_mb']:.1f} MB)"
    )
    for point in rss["checkpoints"]:
        print(f"  {int(point['sessions']):>9,} sessions {point['rss_mb']:.1f} MB")
    print(
        f"  after {rss['reads']:,} turns on random old sessions: "
        f"{rss['rss_after_reads_mb']:.1f} MB ({rss['reads_s']:.2f} s)"
    )
    print(
        f"  growth            {rss['growth_mb']:+.1f} MB (max of full/after-reads minus the "
        f"{config.rss_first:,}-session point)   target: < 10 MB   {verdict_word(ok)}"
    )
    return rss


def run_all(config: Config) -> None:
    began = time.perf_counter()
    facts = section_machine(config)
    engine = section_engine(config)
    ptb_bare = section_ptb(config, ask=False)
    ptb = section_ptb(config, ask=True)
    ratio = section_ratio(engine, ptb_bare, ptb)
    ratio_bare = engine.turns_per_s / ptb_bare.turns_per_s
    cold = section_cold_start(config)
    rss = section_rss(config)
    if config.profile:
        print_section("Profile: Engine.handle, top functions by cumulative time")
        print(profile_engine(min(config.users, 300), 25))

    targets = {
        "ratio": {"value": ratio, "target": ">= 3.0", "pass": ratio >= TARGET_RATIO},
        "ratio_dispatch_only": {
            "value": ratio_bare,
            "target": ">= 3.0",
            "pass": ratio_bare >= TARGET_RATIO,
        },
        "p99_us": {
            "value": engine.p99_us,
            "target": "< 1000",
            "pass": engine.p99_us < TARGET_P99_US,
        },
        "assess_median_ms": {
            "value": cold.assess_median_ms,
            "target": "< 300",
            "pass": cold.assess_median_ms < TARGET_COLD_MS,
        },
        "rss_growth_mb": {
            "value": rss["growth_mb"],
            "target": "< 10",
            "pass": rss["growth_mb"] < TARGET_RSS_GROWTH_MB,
        },
    }
    elapsed = time.perf_counter() - began
    print_section("Summary")
    print(
        f"  engine/PTB asking {ratio:.2f}x   target: >= 3.0x   "
        f"{verdict_word(bool(targets['ratio']['pass']))}"
    )
    print(
        f"  engine/PTB bare   {ratio_bare:.2f}x   target: >= 3.0x   "
        f"{verdict_word(bool(targets['ratio_dispatch_only']['pass']))}"
    )
    print(
        f"  engine p99        {engine.p99_us:,.1f} µs   target: < 1 ms   "
        f"{verdict_word(bool(targets['p99_us']['pass']))}"
    )
    print(
        f"  assess cold start {cold.assess_median_ms:.1f} ms median   target: < 300 ms   "
        f"{verdict_word(bool(targets['assess_median_ms']['pass']))}"
    )
    print(
        f"  RSS growth        {rss['growth_mb']:+.1f} MB   target: < 10 MB   "
        f"{verdict_word(bool(targets['rss_growth_mb']['pass']))}"
    )
    print(f"  total time        {elapsed:.1f} s")

    result = {
        "mode": "quick" if config.quick else "full",
        "config": asdict(config),
        "machine": facts,
        "engine": {"turns_per_user": len(CONVERSATION), **asdict(engine)},
        "ptb": {"turns_per_user": len(PTB_TURNS), **asdict(ptb)},
        "ptb_dispatch_only": {"turns_per_user": len(PTB_TURNS), **asdict(ptb_bare)},
        "ratio": ratio,
        "cold_start": asdict(cold),
        "rss": rss,
        "targets": targets,
        "elapsed_s": elapsed,
    }
    print("RESULT " + json.dumps(result, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    sys.exit(main())
