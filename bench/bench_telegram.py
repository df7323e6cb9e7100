"""Benchmark of the Telegram channel: updates/s through python-telegram-bot, ours against a
``ConversationHandler`` bot asking the same questions.

What is measured (one process, one event loop, one run; figures are printed, nothing fails a
build):

* **Ours** — the standalone bot's handlers (``bot.channels.telegram.install``): each update
  becomes a ``TgEvent``, the engine turn runs on the event loop under a per-chat lock (a
  thread hop cost more than it saved: see ``--profile``), and the reply is sent with one raw
  ``sendMessage`` per message (``send_raw``) and the button press answered. The engine is
  durable: ``SQLiteStore`` on a real file in a temporary directory (WAL), written on every
  turn. A conversation is 8 updates: ``/start``, the language, user type, procedure and status
  buttons, the expiry date typed as text, the My Number Card and location buttons -> verdict
  (the answers of ``tests/golden/en_extension_online.in.jsonl``, pressed as buttons where the
  keyboard offers them; ``/start`` instead of the transcript's "hello", as a Telegram client
  opens a chat, and as the baseline starts).
* **Baseline** — ``bench_core``'s python-telegram-bot ``ConversationHandler`` asking the same
  five questions (``reply_text`` with the next question's keyboard, ``answerCallbackQuery``),
  with *no* persistence: 6 updates per conversation (``/start`` + 5 answers).

Both sides are the same ``Application`` (no updater) fed hand-built ``telegram.Update`` objects
through ``await Application.process_update()``; their Bot API requests go to the same offline
``BaseRequest`` (``bench_core.OfflineRequest``), which answers ``sendMessage`` and
``answerCallbackQuery`` locally as Telegram would, with no network. Neither side has a rate
limiter: the production ``build_application()`` adds ``PtbFloodLimiter``, which deliberately
throttles sends to Telegram's flood limits (about 30 messages/s overall, 1/s per chat), so with
it this would measure Telegram's limits, not our code. Here our handlers are installed with
``install(app, engine)`` on an Application built exactly like the baseline's.

Concurrency shape (both sides): ``--users`` conversations, each a distinct private chat, at most
``--concurrency`` in flight at once (python-telegram-bot's ``concurrent_updates(True)`` allows
256 concurrent updates). A conversation sends its next update only when ``process_update()``
returned for the previous one (a user waits for the reply before pressing the next button);
conversations run concurrently with ``asyncio.gather``. updates/s = updates / wall time of the
phase; the updates are built before the clock starts. Per-update latency is the time around
each ``process_update()`` call: under load it includes waiting for the event loop and the
worker threads (queueing), so a second phase runs conversations one update at a time
(concurrency 1) for the cost of a single update.

Updates/s is per update, so it is comparable although ours has 8 updates per conversation and
the baseline 6 (ours also sends more: 11 messages and 6 answers per conversation against 6
and 4).

Honesty checks (a failure exits 1 and prints no ratio): every one of our conversations is loaded
back from the store and must be in state ``verdict`` with version 8 (one write per turn); the
Bot API calls of each phase must be exactly what the engine's replies imply (``sendMessage`` and
``answerCallbackQuery`` counts, computed by running the same conversation through
``TelegramTurns`` directly); the baseline's callbacks must all have run and every conversation
reached ``END``; no handler may raise (an error handler records anything PTB would swallow).

Run (the compiled catalogs must exist; ``make bench`` compiles them first)::

    .venv/bin/python bench/bench_telegram.py            # full run, about 15 s on 2 cores
    .venv/bin/python bench/bench_telegram.py --quick    # smaller counts, about 4 s
    .venv/bin/python bench/bench_telegram.py --profile  # also where our time goes

``--profile`` adds, for our side only: a stopwatch breakdown one update at a time (the turn
split into store load, engine step, store save and rendering; sends; the rest: PTB
dispatch and chat lock), the bare cost of an ``asyncio.to_thread``
round trip for comparison, and cProfile under load (by own and by cumulative time) (worker
times there are wall times, so they include waiting for the GIL and the store's lock).

Latencies are in microseconds (µs; milliseconds from 10 ms up), percentiles by nearest rank.

The last line is ``RESULT {json}``. Exit status: 0 after a completed run (whether or not the
target was met), 1 if a check failed (the figures would be meaningless), 2 on a setup problem.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import json
import pstats
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
for _path in (REPO_ROOT, REPO_ROOT / "bench"):
    # ``python bench/bench_telegram.py`` puts bench/ on the path; the bot needs the root.
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from bench_core import (  # noqa: E402
    NOW,
    PTB_TURNS,
    BenchError,
    Latency,
    OfflineRequest,
    PtbFlow,
    UpdateFactory,
    build_ptb_app,
    check_catalogs,
    machine_facts,
    offline_app,
    summarize,
    verdict_word,
)
from telegram import Update  # noqa: E402
from telegram.ext import ContextTypes  # noqa: E402

if TYPE_CHECKING:
    from bench_core import BenchApp

    from bot.channels.telegram import TelegramBot
    from bot.engine import Engine
    from bot.storage import SQLiteStore

TARGET_RATIO: Final = 1.0
DEFAULT_CONCURRENCY: Final = 256  # python-telegram-bot's concurrent_updates(True)

# Our bot's conversation as Telegram updates: (kind, payload) as in bench_core.PTB_TURNS.
OUR_TURNS: Final = (
    ("command", "/start"),
    ("button", "lang:en"),
    ("button", "user_type:foreign_national"),
    ("button", "procedure:extension"),
    ("button", "status:student"),
    ("text", "2027-01-15"),
    ("button", "stay_over_3_months:yes"),
    ("button", "has_my_number_card:yes"),
    ("button", "location:japan"),
)
# What the baseline's five questions send per conversation (bench_core.PtbFlow with ask=True).
BASELINE_CALLS: Final = {"sendMessage": 6, "answerCallbackQuery": 4}
BASELINE_STEPS: Final = ("start", "user_type", "procedure", "status", "expiry", "location")


@dataclass(frozen=True, slots=True)
class Expected:
    """What one of our conversations must cost in Bot API calls and store writes."""

    send_message: int
    answer_callback: int
    version: int  # the session's version at the verdict: one write per turn


def our_reference() -> Expected:
    """OUR_TURNS through ``TelegramTurns`` directly (in-memory store, no PTB): the calls the
    PTB path must make, and the proof that this conversation reaches the verdict."""
    from bot.channels.telegram_core import TelegramTurns, TgEvent, user_key
    from bot.clock import fixed_clock
    from bot.engine import Engine
    from bot.storage import SQLiteStore

    store = SQLiteStore(":memory:")
    try:
        turns = TelegramTurns(Engine(store, clock=fixed_clock(NOW)))
        sends = answers = 0
        for kind, payload in OUR_TURNS:
            event = (
                TgEvent(chat_id=1, data=payload)
                if kind == "button"
                else TgEvent(chat_id=1, text=payload)
            )
            action = asyncio.run(turns.turn(event))
            if action.edit_markup is not None or not action.messages:
                msg = f"reference: {payload!r} gave no message or a keyboard edit: {action}"
                raise BenchError(msg)
            sends += len(action.messages)
            answers += action.answer_callback
        session = store.load(user_key(1))
    finally:
        store.close()
    if session is None or session.state != "verdict":
        state = session.state if session else None
        msg = f"reference: the conversation ends in state {state!r}, not 'verdict'"
        raise BenchError(msg)
    if session.version != len(OUR_TURNS):
        msg = f"reference: version {session.version} after {len(OUR_TURNS)} turns"
        raise BenchError(msg)
    return Expected(send_message=sends, answer_callback=answers, version=session.version)


# --------------------------------------------------------------------------- the two sides


class Side:
    """One bot under test: its Application, its offline Bot API and how to check a phase."""

    label = ""

    def __init__(
        self, app: BenchApp, request: OfflineRequest, turns: tuple[tuple[str, str], ...]
    ) -> None:
        self.app = app
        self.request = request
        self.turns = turns
        self.errors: list[str] = []
        self.factory = UpdateFactory(app.bot)
        self._next_chat = 1
        self._calls_at = 0
        app.add_error_handler(self._on_error)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.errors.append(repr(context.error))

    def new_chats(self, count: int) -> list[int]:
        first = self._next_chat
        self._next_chat += count
        return list(range(first, first + count))

    def script(self, chat_id: int) -> list[Update]:
        """One conversation's updates, in order (built before any timing)."""
        factory = self.factory
        return [
            factory.button(chat_id, payload)
            if kind == "button"
            else factory.text(chat_id, payload, command=kind == "command")
            for kind, payload in self.turns
        ]

    def begin(self) -> None:
        """Start counting a phase's Bot API calls."""
        self._calls_at = len(self.request.calls)

    def phase_calls(self) -> dict[str, int]:
        return dict(Counter(self.request.calls[self._calls_at :]))

    def check(self, chat_ids: list[int]) -> str:
        """Raise BenchError unless the phase did what it should; return what was checked."""
        raise NotImplementedError

    def _check_common(self, want: dict[str, int]) -> None:
        if self.errors:
            msg = f"{self.label}: {len(self.errors)} handler errors, first: {self.errors[0]}"
            raise BenchError(msg)
        got = self.phase_calls()
        if got != want:
            msg = f"{self.label}: Bot API calls {got}, wanted {want}"
            raise BenchError(msg)


class Ours(Side):
    label = "ours"

    def __init__(self, engine: Engine, store: SQLiteStore, expected: Expected) -> None:
        from bot.channels.telegram import install

        app, requests = offline_app(replies=True)
        self.bot: TelegramBot = install(app, engine)
        super().__init__(app, requests[0], OUR_TURNS)
        self.engine = engine
        self.store = store
        self.expected = expected

    def check(self, chat_ids: list[int]) -> str:
        from bot.channels.telegram_core import user_key

        bad: list[str] = []
        for chat_id in chat_ids:
            session = self.store.load(user_key(chat_id))
            if session is None:
                bad.append(f"{chat_id}: no session")
            elif session.state != "verdict" or session.version != self.expected.version:
                bad.append(f"{chat_id}: state {session.state!r}, version {session.version}")
        if bad:
            msg = (
                f"ours: {len(bad)} of {len(chat_ids)} conversations did not reach the verdict "
                f"with a write per turn; first: {bad[:3]}"
            )
            raise BenchError(msg)
        n = len(chat_ids)
        want = {
            "sendMessage": n * self.expected.send_message,
            "answerCallbackQuery": n * self.expected.answer_callback,
        }
        self._check_common(want)
        return (
            f"{n:,} of {n:,} sessions loaded back in state verdict, version "
            f"{self.expected.version} (a write per turn); Bot API {want}"
        )


class Baseline(Side):
    label = "baseline"

    def __init__(self) -> None:
        self.flow = PtbFlow(ask=True)
        app, requests = build_ptb_app(self.flow)
        super().__init__(app, requests[0], PTB_TURNS)

    def begin(self) -> None:
        super().begin()
        self.flow.calls.clear()
        self.flow.completed = 0

    def check(self, chat_ids: list[int]) -> str:
        n = len(chat_ids)
        wrong = {s: self.flow.calls[s] for s in BASELINE_STEPS if self.flow.calls[s] != n}
        if wrong or self.flow.completed != n:
            msg = f"baseline: {self.flow.completed} of {n} conversations reached END; {wrong}"
            raise BenchError(msg)
        want = {name: n * count for name, count in BASELINE_CALLS.items()}
        self._check_common(want)
        return f"{n:,} of {n:,} conversations reached END, every callback ran; Bot API {want}"


# --------------------------------------------------------------------------- driving


@dataclass(frozen=True, slots=True)
class Phase:
    """One side's figures for one phase."""

    conversations: int
    updates_per_conversation: int
    concurrency: int
    peak_in_flight: int
    updates_per_s: float
    latency: Latency
    step_mean_us: dict[str, float]  # mean latency of each step of the conversation
    checked: str


@dataclass(slots=True)
class Drive:
    """What feeding one phase's conversations measured."""

    samples: list[list[int]]  # per step of the conversation, latencies in ns
    wall_ns: int = 0
    peak_in_flight: int = 0


async def drive(app: BenchApp, scripts: list[list[Update]], concurrency: int) -> Drive:
    """Feed the conversations, at most ``concurrency`` at once, each in order."""
    steps = max(len(script) for script in scripts)
    result = Drive(samples=[[] for _ in range(steps)])
    pending = iter(scripts)
    in_flight = 0

    async def conversations() -> None:
        nonlocal in_flight
        for script in pending:  # shared: each free worker takes the next conversation
            for step, update in enumerate(script):
                in_flight += 1
                result.peak_in_flight = max(result.peak_in_flight, in_flight)
                start = time.perf_counter_ns()
                await app.process_update(update)
                result.samples[step].append(time.perf_counter_ns() - start)
                in_flight -= 1

    workers = len(scripts) if concurrency <= 0 else min(concurrency, len(scripts))
    gc.collect()
    start = time.perf_counter_ns()
    await asyncio.gather(*(conversations() for _ in range(workers)))
    result.wall_ns = time.perf_counter_ns() - start
    return result


def step_name(kind: str, payload: str) -> str:
    """``/start``, the button's slot, or ``typed`` for the date typed as text."""
    if kind == "button":
        return payload.split(":", 1)[0]
    return payload if kind == "command" else "typed"


async def run_phase(side: Side, conversations: int, concurrency: int) -> Phase:
    chat_ids = side.new_chats(conversations)
    scripts = [side.script(chat_id) for chat_id in chat_ids]
    side.begin()
    done = await drive(side.app, scripts, concurrency)
    checked = side.check(chat_ids)
    latency = summarize([ns for step in done.samples for ns in step], done.wall_ns)
    return Phase(
        conversations=conversations,
        updates_per_conversation=len(side.turns),
        concurrency=min(concurrency, conversations) if concurrency > 0 else conversations,
        peak_in_flight=done.peak_in_flight,
        updates_per_s=latency.wall_turns_per_s,
        latency=latency,
        step_mean_us={
            step_name(*turn): sum(ns) / len(ns) / 1e3
            for turn, ns in zip(side.turns, done.samples, strict=True)
        },
        checked=checked,
    )


# --------------------------------------------------------------------------- profile


class Stopwatch:
    """Total time and calls per label, from wrappers put on our objects (thread-safe)."""

    def __init__(self) -> None:
        self.ns: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, label: str, elapsed: int) -> None:
        with self._lock:
            self.ns[label] += elapsed
            self.calls[label] += 1

    def wrap(self, obj: object, name: str, label: str) -> None:
        inner: Callable[..., Any] = getattr(obj, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter_ns()
            try:
                return inner(*args, **kwargs)
            finally:
                self.add(label, time.perf_counter_ns() - start)

        setattr(obj, name, timed)

    def wrap_async(self, obj: object, name: str, label: str) -> None:
        inner: Callable[..., Awaitable[Any]] = getattr(obj, name)

        async def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter_ns()
            try:
                return await inner(*args, **kwargs)
            finally:
                self.add(label, time.perf_counter_ns() - start)

        setattr(obj, name, timed)


def _unwrap(pairs: Sequence[tuple[object, str]]) -> None:
    for obj, name in pairs:
        delattr(obj, name)  # the instance attribute goes; the class's method shows again


async def to_thread_round_trip(runs: int) -> Latency:
    """``await asyncio.to_thread(no-op)``: the bare cost of the hop to a worker and back."""
    samples: list[int] = []
    start_all = time.perf_counter_ns()
    for _ in range(runs):
        start = time.perf_counter_ns()
        await asyncio.to_thread(int)
        samples.append(time.perf_counter_ns() - start)
    return summarize(samples, time.perf_counter_ns() - start_all)


async def breakdown_ours(ours: Ours, conversations: int) -> None:
    """A stopwatch on our objects, one update at a time (so the parts add up to the whole)."""
    watch = Stopwatch()
    from bot.channels import telegram_core

    store, turns = ours.store, ours.bot.turns
    wrapped: list[tuple[object, str, str]] = [
        (turns, "_render", "render"),
        (ours.engine, "handle", "handle"),
        (store, "load", "load"),
        (store, "save", "save"),
    ]
    for obj, name, label in wrapped:
        watch.wrap(obj, name, label)
    watch.wrap_async(turns, "turn", "turn")
    deliver = telegram_core.deliver
    watch.wrap_async(telegram_core, "deliver", "send")
    try:
        phase = await run_phase(ours, conversations, 1)
    finally:
        _unwrap([(obj, name) for obj, name, _ in wrapped] + [(turns, "turn")])
        telegram_core.deliver = deliver  # a module function: put the original back
    total = phase.latency.timed_s * 1e9
    updates = phase.latency.turns
    ns = watch.ns
    print(
        f"  {updates:,} updates ({conversations:,} conversations) one at a time; "
        f"mean process_update() {phase.latency.mean_us:,.1f} µs = 100%"
    )
    rows = (
        ("engine turn: TelegramTurns.turn", ns["turn"], "on the event loop"),
        ("  store.load", ns["load"], "SQLite SELECT + pydantic validate_json"),
        (
            "  engine step (handle-load-save)",
            ns["handle"] - ns["load"] - ns["save"],
            "state machine, reply",
        ),
        ("  store.save", ns["save"], "pydantic dump_json + SQLite upsert (WAL)"),
        ("  render_reply", ns["render"], "HTML escape, keyboards, calendar"),
        ("  rest of turn", ns["turn"] - ns["handle"] - ns["render"], "routing, /start lookup"),
        ("event loop: sends", ns["send"], "PTB sendMessage/answerCallbackQuery, offline"),
        (
            "event loop: rest",
            total - ns["turn"] - ns["send"],
            "PTB dispatch, chat lock",
        ),
    )
    for label, spent, note in rows:
        print(f"  {label:<34} {spent / updates / 1e3:>7.1f} µs  {spent / total:>6.1%}   {note}")
    hop = await to_thread_round_trip(2000)
    print(
        f"  for comparison, a bare asyncio.to_thread round trip of a no-op (why the turn is "
        f"not handed to a thread): p50 {hop.p50_us:.1f} µs, "
        f"mean {hop.mean_us:.1f} µs"
    )


async def cprofile_ours(ours: Ours, conversations: int, concurrency: int, top: int) -> None:
    """cProfile under load. The turn runs on the event loop, so one profiler sees it all."""
    profiler = cProfile.Profile()
    profiler.enable()
    phase = await run_phase(ours, conversations, concurrency)
    profiler.disable()
    print(
        f"\n  cProfile, {conversations:,} conversations at most {phase.concurrency} in flight "
        f"({phase.latency.wall_s:.2f} s wall, profiled)"
    )
    for title, key in (
        ("by own time", pstats.SortKey.TIME),
        ("by cumulative time", pstats.SortKey.CUMULATIVE),
    ):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key).print_stats(top)
        body = out.getvalue()
        print(f"  -- {title} --")
        start = body.find("   ncalls")
        print(body[start:].rstrip() if start >= 0 else body.rstrip())


# --------------------------------------------------------------------------- report


@dataclass(frozen=True, slots=True)
class Config:
    quick: bool
    users: int
    warmup: int
    concurrency: int
    latency_users: int
    profile: bool


def parse_args(argv: list[str] | None) -> Config:
    parser = argparse.ArgumentParser(
        description="Benchmark the Telegram channel: updates/s and per-update latency through "
        "python-telegram-bot's Application.process_update() with our handlers (engine on a "
        "SQLite file, written every turn) against a ConversationHandler bot asking the same "
        "questions without persistence, both on an offline Bot API and without flood "
        "limiting. Target: ours >= 1.0x the baseline's updates/s. Prints a report and a final "
        "`RESULT {json}` line; a missed target never changes the exit status.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smaller counts (about 4 s instead of about 15 s)"
    )
    parser.add_argument(
        "--users", type=int, help="conversations per side in the throughput phase (2000/300)"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        help="conversations in flight at once (default 256, PTB's concurrent_updates(True); "
        "0 = all)",
    )
    parser.add_argument(
        "--latency-users",
        type=int,
        help="conversations per side fed one update at a time (default 300/60)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also print where our side's time goes (stopwatch breakdown and cProfile)",
    )
    args = parser.parse_args(argv)
    quick: bool = args.quick
    users: int = args.users if args.users is not None else (300 if quick else 2000)
    latency_users: int = (
        args.latency_users if args.latency_users is not None else (60 if quick else 300)
    )
    if users < 1 or latency_users < 1 or args.concurrency < 0:
        parser.error("--users and --latency-users must be >= 1, --concurrency >= 0")
    return Config(
        quick=quick,
        users=users,
        warmup=20 if quick else 50,
        concurrency=args.concurrency,
        latency_users=latency_users,
        profile=args.profile,
    )


def print_section(title: str) -> None:
    print(f"\n== {title} ==", flush=True)


def fmt_us(us: float) -> str:
    """Microseconds, or milliseconds from 10 ms up."""
    return f"{us / 1e3:,.1f} ms" if us >= 10_000 else f"{us:,.1f} µs"


def print_phase(label: str, phase: Phase) -> None:
    lat = phase.latency
    print(
        f"  {label:<9} {lat.turns:>7,} updates ({phase.conversations:,} x "
        f"{phase.updates_per_conversation}) in {lat.wall_s:6.2f} s = "
        f"{phase.updates_per_s:>7,.0f} updates/s   peak in flight {phase.peak_in_flight}"
    )
    print(
        f"  {'':<9} latency  p50 {fmt_us(lat.p50_us)}   p99 {fmt_us(lat.p99_us)}   "
        f"mean {fmt_us(lat.mean_us)}   max {fmt_us(lat.max_us)}"
    )
    steps = ", ".join(f"{name} {fmt_us(us)}" for name, us in phase.step_mean_us.items())
    print(f"  {'':<9} mean by step: {steps}")
    print(f"  {'':<9} checked: {phase.checked}", flush=True)


def print_setup(config: Config, ours: Ours, journal: str, synchronous: int) -> None:
    exp = ours.expected
    print_section("Setup")
    print(
        "  both sides  Application.process_update() on hand-built updates, one private chat "
        "per conversation;\n"
        "              Bot API through an offline BaseRequest (sendMessage and "
        "answerCallbackQuery answered locally,\n"
        "              no network); no rate limiter (production's PtbFloodLimiter throttles "
        "to ~30 sends/s overall\n"
        "              and 1/s per chat on purpose: it would measure Telegram's limits, "
        "not this code)"
    )
    print(
        f"  ours        bot.channels.telegram.install(): the turn on the event loop under a "
        f"per-chat lock;\n"
        f"              SQLiteStore on a file, journal_mode={journal}, "
        f"synchronous={synchronous}, a write per turn;\n"
        f"              {len(OUR_TURNS)} updates per conversation (/start, 6 button presses, "
        f"the date typed) -> verdict;\n"
        f"              {exp.send_message} sendMessage + {exp.answer_callback} "
        f"answerCallbackQuery per conversation"
    )
    print(
        f"  baseline    ConversationHandler asking the same questions, no persistence;\n"
        f"              {len(PTB_TURNS)} updates per conversation (/start, 4 presses, the date "
        f"typed) -> END;\n"
        f"              {BASELINE_CALLS['sendMessage']} sendMessage + "
        f"{BASELINE_CALLS['answerCallbackQuery']} answerCallbackQuery per conversation"
    )
    shown = config.concurrency or "all"
    print(
        f"  shape       at most {shown} conversations in flight (asyncio.gather); each sends "
        f"its next update when\n"
        f"              process_update() returned for the previous one; updates/s = updates / "
        f"wall time\n"
        f"              (per update, so comparable although the conversations differ in "
        f"length)"
    )
    print(f"  warm-up     {config.warmup} conversations per side first, checked, not measured")


def print_machine(config: Config) -> dict[str, Any]:
    facts = machine_facts()
    print(f"Zairyu Guide Telegram benchmark ({'quick' if config.quick else 'full'} run)")
    print_section("Machine")
    print(f"  python      {facts['python']} ({facts['implementation']}, {facts['platform']})")
    print(f"  cpus        {facts['cpu_count']} (usable: {facts['cpu_affinity']})")
    print(f"  sqlite      {facts['sqlite']}   python-telegram-bot {facts['ptb']}")
    return facts


def sqlite_modes(store: SQLiteStore) -> tuple[str, int]:
    """The store's journal mode (must be WAL) and synchronous setting."""
    journal = str(store.db.execute("PRAGMA journal_mode").fetchone()[0])
    synchronous = int(store.db.execute("PRAGMA synchronous").fetchone()[0])
    if journal.lower() != "wal":
        msg = f"the SQLite file is in journal_mode={journal}, not WAL"
        raise BenchError(msg)
    return journal, synchronous


async def measure(
    config: Config, ours: Ours, baseline: Baseline
) -> tuple[dict[str, Phase], dict[str, Phase]]:
    """Warm-up, then the throughput phase and the one-at-a-time phase for both sides."""
    sides: tuple[Side, ...] = (baseline, ours)
    for side in sides:
        await side.app.initialize()  # getMe goes to the offline request
        if side.request.calls != ["getMe"]:
            msg = f"{side.label}: initialize made {side.request.calls}"
            raise BenchError(msg)
    for side in sides:
        await run_phase(side, config.warmup, config.concurrency)

    shown = config.concurrency or "all"
    print_section(
        f"1. Throughput: {config.users:,} conversations per side, at most {shown} in flight"
    )
    load: dict[str, Phase] = {}
    for side in sides:
        load[side.label] = await run_phase(side, config.users, config.concurrency)
        print_phase(side.label, load[side.label])
    print(
        "  (latency under load includes queueing: an update waits for the event loop "
        "\n"
        "   while other conversations run; a side whose handlers never wait runs its "
        "conversations one after\n"
        "   another, so its peak in flight is 1)"
    )

    print_section(
        f"2. Latency of one update alone: {config.latency_users:,} conversations per side, "
        "one update at a time"
    )
    alone: dict[str, Phase] = {}
    for side in sides:
        alone[side.label] = await run_phase(side, config.latency_users, 1)
        print_phase(side.label, alone[side.label])

    if config.profile:
        print_section("Profile: where our time goes")
        await breakdown_ours(ours, config.latency_users)
        await cprofile_ours(ours, min(config.users, 300), config.concurrency, 25)
    return load, alone


def print_summary(
    load: dict[str, Phase], alone: dict[str, Phase], concurrency: int
) -> tuple[float, float]:
    ours, base = load["ours"], load["baseline"]
    ratio = ours.updates_per_s / base.updates_per_s
    ratio_alone = alone["ours"].updates_per_s / alone["baseline"].updates_per_s
    met = ratio >= TARGET_RATIO
    print_section("Summary")
    print(
        f"  ours / baseline   {ratio:.2f}x updates/s ({ours.updates_per_s:,.0f} / "
        f"{base.updates_per_s:,.0f}, at most {concurrency or 'all'} in flight)   "
        f"target: >= {TARGET_RATIO:.1f}x   {verdict_word(met)} "
        f"(target {'met' if met else 'not met'})"
    )
    print(
        f"  under load        p50 {fmt_us(ours.latency.p50_us)} vs {fmt_us(base.latency.p50_us)}"
        f", p99 {fmt_us(ours.latency.p99_us)} vs {fmt_us(base.latency.p99_us)} (ours vs baseline)"
    )
    one, one_base = alone["ours"], alone["baseline"]
    print(
        f"  one at a time     {ratio_alone:.2f}x updates/s ({one.updates_per_s:,.0f} / "
        f"{one_base.updates_per_s:,.0f}); p50 {fmt_us(one.latency.p50_us)} vs "
        f"{fmt_us(one_base.latency.p50_us)}, p99 {fmt_us(one.latency.p99_us)} vs "
        f"{fmt_us(one_base.latency.p99_us)}"
    )
    return ratio, ratio_alone


async def run_all(config: Config, db_dir: Path) -> dict[str, Any]:
    from bot.clock import fixed_clock
    from bot.engine import Engine
    from bot.storage import SQLiteStore

    began = time.perf_counter()
    facts = print_machine(config)
    expected = our_reference()
    store = SQLiteStore(db_dir / "bench.db")
    try:
        journal, synchronous = sqlite_modes(store)
        ours = Ours(Engine(store, clock=fixed_clock(NOW)), store, expected)
        baseline = Baseline()
        print_setup(config, ours, journal, synchronous)
        try:
            load, alone = await measure(config, ours, baseline)
        finally:
            for side in (baseline, ours):
                await side.app.shutdown()
        stored = store.count()
    finally:
        store.close()
    db_mb = sum(p.stat().st_size for p in db_dir.glob("bench.db*")) / 1e6
    ratio, ratio_alone = print_summary(load, alone, config.concurrency)
    print(
        f"  store             {stored:,} sessions in a {db_mb:.1f} MB SQLite file "
        f"(journal_mode={journal}, synchronous={synchronous}), every turn written"
    )
    elapsed = time.perf_counter() - began
    print(f"  total time        {elapsed:.1f} s")
    return {
        "mode": "quick" if config.quick else "full",
        "config": asdict(config),
        "machine": facts,
        "sqlite_journal_mode": journal,
        "sqlite_synchronous": synchronous,
        "throughput": {label: asdict(phase) for label, phase in load.items()},
        "one_at_a_time": {label: asdict(phase) for label, phase in alone.items()},
        "ratio": ratio,
        "ratio_one_at_a_time": ratio_alone,
        "target": {"value": ratio, "target": ">= 1.0", "pass": ratio >= TARGET_RATIO},
        "stored_sessions": stored,
        "elapsed_s": elapsed,
    }


def main(argv: list[str] | None = None) -> int:
    config = parse_args(argv)
    problem = check_catalogs()
    if problem:
        print(f"setup: {problem}\n(`make bench` compiles the catalogs first)", file=sys.stderr)
        return 2
    try:
        with tempfile.TemporaryDirectory(prefix="bench-telegram-") as tmp:
            result = asyncio.run(run_all(config, Path(tmp)))
    except BenchError as exc:
        print(f"\nbenchmark invalid: {exc}", file=sys.stderr)
        return 1
    print("RESULT " + json.dumps(result, separators=(",", ":")), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
