"""Benchmark of the web API over real HTTP: API turns/s and latency at 50 concurrent loopback
clients, against a bare Starlette endpoint on the same server.

What is measured (one run; figures are printed, nothing fails a build):

* **Server** — ONE uvicorn process (a child: this script with ``--server``), configured as
  ``python -m bot serve`` configures it (``log_level="warning"``, ``lifespan="off"``,
  ``server_header=False``, uvicorn's auto choice of event loop and HTTP parser), serving
  ``create_app(engine=Engine(SQLiteStore(file)), config=WebConfig(per_minute=0,
  faq_chars_per_minute=0))``: the real API with the real clock and a SQLite file in a
  temporary directory (WAL, written on every turn), plus one route added only for the bench,
  ``POST /bench/bare``. **The rate limiter and the FAQ budget are off** (``per_minute=0``,
  ``faq_chars_per_minute=0``): every loopback client has the address 127.0.0.1, and
  production's 120 requests/min per address (burst 30) would answer 429 within the first
  second.
* **Ours** — each client runs whole conversations, over and over: ``POST /api/v1/sessions``
  (``{"lang": "en"}``), then 7 ``POST /api/v1/sessions/{id}/events``: the language, user type
  and procedure buttons, the status button (``status:student``, as the widget presses it), the
  expiry date typed as text (60 days ahead), the My Number Card and location buttons ->
  verdict. An **API turn** is one event post; session creations are requests too (they take
  time on the same connections) and are reported separately, not counted as turns.
* **Bare** — the same clients ``POST /bench/bare`` with an event-sized JSON body; the endpoint
  reads and parses the body (as any JSON endpoint must) and answers ``{"ok": true}`` through
  Starlette's ``JSONResponse``: no engine, no storage. A POST with a body, not a GET, so both
  sides pay for the same request parsing and body read; the bare answer is 11 bytes where
  ours is ~1-3 KB of reply JSON, which is part of what ours costs.

Clients: ``--clients`` (50) concurrent keep-alive connections on loopback from one asyncio
process (the parent), each sending its next request when the previous answer has been read.
The default client is a minimal HTTP/1.1 client on asyncio streams (Content-Length framing):
httpx (``--client httpx``) costs a whole core at ~1,300 requests/s on this kind of machine,
so the bare endpoint would measure httpx rather than the server. Clients and server share the
machine's cores (2 here); the CPU used by the server, the clients and every other process is
printed for each side, so a figure bound by the client, or lowered by a busy machine, shows.
Both sides get the same ``--seconds`` (or the same ``--turns``), after an unmeasured, checked
warm-up, in ``--rounds`` rounds (3; quick 1) with bare and ours alternating, so a disturbance
on the machine hits both; the connections are opened before each round's clock starts.
turns/s = turns / wall time of the rounds; latency is the time around each request (write to
last byte of the answer), percentiles by nearest rank, in ms. The server also counts its own
garbage collections and their pauses (a ``gc.callbacks`` hook): a full collection stops the
event loop, and with it every request in flight.

The listening socket: ``python -m bot serve`` binds with ``bot.channels.serve._bind``. asyncio
sets ``TCP_NODELAY`` on accepted connections only when the listener is ``IPPROTO_TCP``; without
it, Nagle's algorithm holds the second of uvicorn's two writes per response until the client's
delayed ACK (~40 ms), on every request after the first of a keep-alive connection. This bench
found that ``_bind`` made protocol-0 sockets; it now asks for ``IPPROTO_TCP``. The server still
listens on two sockets, both from ``_bind``: one as shipped and one with ``TCP_NODELAY`` set
explicitly. Section 0 times requests one at a time on each (a regression check: both should be
fast); the load phases use the second (``--as-shipped`` uses the first). The server process
also calls ``serve``'s ``settle_heap()`` (``gc.freeze()`` after start-up), as ``serve`` does.

Honesty checks (a failure exits 1 and prints no ratio): every answer has the expected status
(201 for a creation, 200 otherwise), every reply asks for the next expected slot, every
completed conversation ends with ``state == "verdict"`` and a non-null ``verdict``, every bare
answer is ``{"ok": true}``; after the server stopped, the SQLite file must hold one session per
creation, and every completed conversation's session must load in state ``verdict`` at version
8 (a write per request). Conversations cut off by the end of a phase are counted, not errors.

Run (the compiled catalogs must exist; ``make bench`` compiles them first)::

    .venv/bin/python bench/bench_web.py             # full run, about 40 s on 2 cores
    .venv/bin/python bench/bench_web.py --quick     # shorter phases, about 10 s
    .venv/bin/python bench/bench_web.py --profile   # also cProfile of the server under load

``--profile`` adds a short extra phase of ours (not part of the figures) with cProfile enabled
inside the server process (through bench-only routes), and prints where the server's time
goes. The last line is ``RESULT {json}``. Exit status: 0 after a completed run (whether or not
the targets were met), 1 if a check failed (the figures would be meaningless), 2 on a setup
problem.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import importlib.util
import io
import json
import os
import pstats
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
for _path in (REPO_ROOT, REPO_ROOT / "bench"):
    # ``python bench/bench_web.py`` puts bench/ on the path; the bot needs the root.
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from bench_core import (  # noqa: E402
    BenchError,
    Latency,
    check_catalogs,
    machine_facts,
    summarize,
    verdict_word,
)

if TYPE_CHECKING:
    from starlette.applications import Starlette

TARGET_RATIO: Final = 0.5  # ours turns/s >= 50% of the bare endpoint's requests/s
TARGET_P99_MS: Final = 20.0  # ours p99 per API turn
DEFAULT_CLIENTS: Final = 50
HOST: Final = "127.0.0.1"
READY_PREFIX: Final = "BENCHSERVER "
BARE_PATH: Final = "/bench/bare"
BARE_BODY: Final = b'{"choice":"has_my_number_card:yes"}'  # an event-sized body
CREATE_BODY: Final = b'{"lang":"en"}'
EXPIRY_DAYS_AHEAD: Final = 60
NAGLE_MS: Final = 20.0  # one request alone slower than this on loopback: Nagle + delayed ACK
PROBE_REQUESTS: Final = 25
# The slot the creation's reply must ask for.
FIRST_SLOT: Final = "lang"


@dataclass(frozen=True, slots=True)
class Event:
    """One event post and the slot its reply must ask for next (None: the verdict)."""

    body: bytes
    expect: str | None
    name: str


def conversation(expiry: str) -> tuple[Event, ...]:
    """The 8 events after the session's creation, in order (expiry typed as text)."""
    choices = (
        ("lang:en", "user_type"),
        ("user_type:foreign_national", "procedure"),
        ("procedure:extension", "status"),
        ("status:student", "expiry"),
    )
    events = [
        Event(json.dumps({"choice": c}).encode(), expect, c.split(":", 1)[0])
        for c, expect in choices
    ]
    events.append(Event(json.dumps({"text": expiry}).encode(), "stay_over_3_months", "typed"))
    events.append(
        Event(b'{"choice":"stay_over_3_months:yes"}', "has_my_number_card", "stay_over_3_months")
    )
    events.append(Event(b'{"choice":"has_my_number_card:yes"}', "location", "has_my_number_card"))
    events.append(Event(b'{"choice":"location:japan"}', None, "location"))
    return tuple(events)


def expiry_ahead() -> str:
    """A date EXPIRY_DAYS_AHEAD days after today in Tokyo (the server's clock is real)."""
    from bot.clock import system_clock, today_in_tokyo

    return (today_in_tokyo(system_clock()) + timedelta(days=EXPIRY_DAYS_AHEAD)).isoformat()


# --------------------------------------------------------------------------- the server


class GcWatch:
    """The server's garbage collections (a ``gc.callbacks`` hook): count, pause time."""

    def __init__(self) -> None:
        self._began = 0
        self.count = [0, 0, 0]
        self.total_ns = [0, 0, 0]
        self.max_ns = [0, 0, 0]

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.perf_counter_ns()
            return
        gen, paused = info["generation"], time.perf_counter_ns() - self._began
        self.count[gen] += 1
        self.total_ns[gen] += paused
        self.max_ns[gen] = max(self.max_ns[gen], paused)

    def take(self) -> dict[str, list[float]]:
        """The figures since the last call, which starts a new count."""
        out = {
            "count": [float(c) for c in self.count],
            "total_ms": [ns / 1e6 for ns in self.total_ns],
            "max_ms": [ns / 1e6 for ns in self.max_ns],
        }
        self.count, self.total_ns, self.max_ns = [0, 0, 0], [0, 0, 0], [0, 0, 0]
        return out


def add_bench_routes(app: Starlette) -> None:
    """The routes only the bench has: the bare endpoint, and the server's GC figures and
    cProfile switched on and off from the parent."""
    from starlette.requests import Request
    from starlette.responses import JSONResponse, PlainTextResponse, Response

    profilers: list[cProfile.Profile] = []
    watch = GcWatch()
    gc.callbacks.append(watch)

    async def bare(request: Request) -> Response:
        json.loads(await request.body())
        return JSONResponse({"ok": True})

    async def gc_stats(_: Request) -> Response:
        return JSONResponse(watch.take())

    async def profile_start(_: Request) -> Response:
        profiler = cProfile.Profile()
        profilers.append(profiler)
        profiler.enable()
        return JSONResponse({"ok": True})

    async def profile_stop(request: Request) -> Response:
        profiler = profilers.pop()
        profiler.disable()
        top = int(request.query_params.get("top", "30"))
        out = io.StringIO()
        for title, key in (
            ("by own time", pstats.SortKey.TIME),
            ("by cumulative time", pstats.SortKey.CUMULATIVE),
        ):
            body = io.StringIO()
            pstats.Stats(profiler, stream=body).strip_dirs().sort_stats(key).print_stats(top)
            text = body.getvalue()
            start = text.find("   ncalls")
            out.write(f"  -- {title} --\n{text[start:].rstrip() if start >= 0 else text}\n")
        return PlainTextResponse(out.getvalue())

    app.add_route(BARE_PATH, bare, methods=["POST"])
    app.add_route("/bench/gc", gc_stats, methods=["POST"])
    app.add_route("/bench/profile/start", profile_start, methods=["POST"])
    app.add_route("/bench/profile/stop", profile_stop, methods=["POST"])


def server_main(db: str) -> int:
    """The child process: our app plus the bench routes on uvicorn, until SIGTERM."""
    import uvicorn

    from bot.channels.serve import _bind, _Server, settle_heap
    from bot.channels.web import WebConfig, create_app
    from bot.engine import Engine
    from bot.faq.search import default_index
    from bot.storage import SQLiteStore

    shipped = _bind(HOST, 0)  # exactly what ``python -m bot serve`` listens on
    nodelay = _bind(HOST, 0)
    nodelay.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    store = SQLiteStore(db)
    engine = Engine(store)  # the real clock, as in production
    default_index()  # ``serve`` builds the FAQ index before serving, too
    app = create_app(engine=engine, config=WebConfig(per_minute=0, faq_chars_per_minute=0))
    add_bench_routes(app)
    journal = str(store.db.execute("PRAGMA journal_mode").fetchone()[0])
    synchronous = int(store.db.execute("PRAGMA synchronous").fetchone()[0])
    ready = {
        "pid": os.getpid(),
        "shipped_port": shipped.getsockname()[1],
        "nodelay_port": nodelay.getsockname()[1],
        "shipped_proto": shipped.proto,
        "journal_mode": journal,
        "synchronous": synchronous,
    }
    print(READY_PREFIX + json.dumps(ready), flush=True)
    # ``serve``'s own server class: SIGTERM asks it to stop, and it returns.
    server = _Server(uvicorn.Config(app, log_level="warning", lifespan="off", server_header=False))
    settle_heap()
    try:
        server.run(sockets=[shipped, nodelay])
    finally:
        store.close()
        shipped.close()
        nodelay.close()
    return 0


@dataclass(frozen=True, slots=True)
class ServerInfo:
    pid: int
    shipped_port: int
    nodelay_port: int
    shipped_proto: int
    journal_mode: str
    synchronous: int


def start_server(db: Path) -> tuple[subprocess.Popen[str], ServerInfo]:
    """Start the child and read its READY line (ports, pid, SQLite modes)."""
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--server", str(db)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith(READY_PREFIX):
        proc.kill()
        proc.wait()
        msg = f"the server did not start (it printed {line!r})"
        raise SetupError(msg)
    info = ServerInfo(**json.loads(line[len(READY_PREFIX) :]))
    if info.journal_mode.lower() != "wal":
        stop_server(proc)
        msg = f"the SQLite file is in journal_mode={info.journal_mode}, not WAL"
        raise BenchError(msg)
    return proc, info


def stop_server(proc: subprocess.Popen[str]) -> int:
    """SIGTERM (uvicorn stops gracefully), then kill this one child if it hangs."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


class SetupError(RuntimeError):
    """The bench could not set up (exit 2)."""


# --------------------------------------------------------------------------- the clients


class Connection(Protocol):
    """One keep-alive HTTP/1.1 connection to the server."""

    async def open(self) -> None: ...

    async def request(self, method: str, path: str, body: bytes) -> tuple[int, bytes]: ...

    async def close(self) -> None: ...


class RawConnection:
    """HTTP/1.1 on asyncio streams: a request in one write, the answer framed by
    Content-Length (uvicorn sends it for every response here; anything else is an error)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.host_header = f"{HOST}:{port}"
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(HOST, self.port)

    async def request(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        reader, writer = self._reader, self._writer
        assert reader is not None
        assert writer is not None
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host_header}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        writer.write(head.encode("ascii") + body)
        raw = await reader.readuntil(b"\r\n\r\n")
        status_line, _, headers = raw.partition(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        length: int | None = None
        for line in headers.split(b"\r\n"):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                msg = f"the server closed the keep-alive connection ({status_line!r})"
                raise BenchError(msg)
        if length is None:
            msg = f"an answer without Content-Length: {raw[:200]!r}"
            raise BenchError(msg)
        return status, await reader.readexactly(length)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            await self._writer.wait_closed()


class HttpxConnection:
    """The same through ``httpx.AsyncClient`` limited to one connection."""

    def __init__(self, port: int) -> None:
        import httpx

        self._client = httpx.AsyncClient(
            base_url=f"http://{HOST}:{port}",
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            timeout=60.0,
            headers={"Content-Type": "application/json"},
        )

    async def open(self) -> None:
        await self._client.get("/healthz")  # connect now, not inside the first timed request

    async def request(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        resp = await self._client.request(method, path, content=body)
        return resp.status_code, resp.content

    async def close(self) -> None:
        await self._client.aclose()


@dataclass(slots=True)
class Budget:
    """When a phase ends: at a deadline, or after a number of turns handed out."""

    seconds: float | None
    turns: int | None
    deadline: float = 0.0

    def start(self) -> None:
        if self.seconds is not None:
            self.deadline = time.perf_counter() + self.seconds

    def open(self) -> bool:
        """May a new conversation (or bare request) start?"""
        if self.turns is not None:
            return self.turns > 0
        return time.perf_counter() < self.deadline

    def take(self) -> bool:
        """May one more turn be sent? (Takes it from the count.)"""
        if self.turns is not None:
            if self.turns <= 0:
                return False
            self.turns -= 1
            return True
        return time.perf_counter() < self.deadline


@dataclass(slots=True)
class Tally:
    """What one phase's clients measured."""

    turn_ns: list[int] = field(default_factory=list)
    create_ns: list[int] = field(default_factory=list)
    step_ns: dict[str, list[int]] = field(default_factory=dict)
    completed: list[str] = field(default_factory=list)  # session ids that reached the verdict
    cut_off: int = 0
    errors: list[str] = field(default_factory=list)

    def error(self, what: str) -> None:
        self.errors.append(what)


def check_reply(reply: Any, expect: str | None) -> str | None:
    """None if the reply asks for ``expect`` (or is the verdict when None), else why not."""
    try:
        if expect is None:
            if reply["state"] != "verdict" or reply["verdict"] is None:
                return f"no verdict: state {reply['state']!r}, verdict {reply['verdict']!r}"
            return None
        slot = (reply.get("expects") or {}).get("slot")
    except (KeyError, TypeError, AttributeError) as exc:
        return f"not a reply ({exc!r}): {str(reply)[:120]!r}"
    if slot != expect:
        text = reply["messages"][0]["text"] if reply.get("messages") else ""
        return f"asks for {slot!r}, wanted {expect!r}: {text[:100]!r}"
    return None


async def ours_client(
    conn: Connection, budget: Budget, events: tuple[Event, ...], tally: Tally
) -> None:
    """Whole conversations, over and over, until the budget ends."""
    clock = time.perf_counter_ns
    while budget.open():
        start = clock()
        status, body = await conn.request("POST", "/api/v1/sessions", CREATE_BODY)
        tally.create_ns.append(clock() - start)
        if status != 201:
            tally.error(f"create: status {status}: {body[:120]!r}")
            return  # a client stops at its first error (the run fails)
        try:
            created = json.loads(body)
            session_id = str(created["session_id"])
            problem = check_reply(created["reply"], FIRST_SLOT)
        except (ValueError, KeyError, TypeError) as exc:
            tally.error(f"create: not a session ({exc!r}): {body[:120]!r}")
            return
        if problem:
            tally.error(f"create: {problem}")
            return
        path = f"/api/v1/sessions/{session_id}/events"
        for event in events:
            if not budget.take():
                tally.cut_off += 1
                return
            start = clock()
            status, body = await conn.request("POST", path, event.body)
            elapsed = clock() - start
            tally.turn_ns.append(elapsed)
            tally.step_ns.setdefault(event.name, []).append(elapsed)
            problem = (
                f"status {status}: {body[:120]!r}"
                if status != 200
                else check_reply(json.loads(body), event.expect)
            )
            if problem:
                tally.error(f"{event.name}: {problem}")
                return
        tally.completed.append(session_id)


async def bare_client(conn: Connection, budget: Budget, tally: Tally) -> None:
    clock = time.perf_counter_ns
    while budget.take():
        start = clock()
        status, body = await conn.request("POST", BARE_PATH, BARE_BODY)
        tally.turn_ns.append(clock() - start)
        if status != 200 or body != b'{"ok":true}':
            tally.error(f"bare: status {status}: {body[:120]!r}")
            return


# --------------------------------------------------------------------------- phases


@dataclass(frozen=True, slots=True)
class Phase:
    """One side's figures for one phase."""

    label: str
    clients: int
    rounds: int
    turns: int  # event posts (ours) or bare requests
    requests: int  # turns + session creations
    wall_s: float
    turns_per_s: float
    requests_per_s: float
    round_turns_per_s: list[float]  # each round's rate (the spread shows the noise)
    latency: Latency  # per turn
    creation: Latency | None  # per session creation (ours)
    step_mean_ms: dict[str, float]
    conversations: int  # completed, checked
    cut_off: int
    server_cpu: float  # share of one core used by the server process during the phase
    client_cpu: float  # share of one core used by this (client) process
    other_cpu: float  # share of one core used by every other process on the machine
    server_gc: dict[str, list[float]]  # per generation: count, total_ms, max_ms


@dataclass(slots=True)
class Accum:
    """A side's rounds so far."""

    label: str
    tally: Tally = field(default_factory=Tally)
    wall_ns: int = 0
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    other_cpu_s: float = 0.0
    round_rates: list[float] = field(default_factory=list)
    gc: dict[str, list[float]] = field(
        default_factory=lambda: {"count": [0.0] * 3, "total_ms": [0.0] * 3, "max_ms": [0.0] * 3}
    )

    def add_gc(self, taken: dict[str, list[float]]) -> None:
        for gen in range(3):
            self.gc["count"][gen] += taken["count"][gen]
            self.gc["total_ms"][gen] += taken["total_ms"][gen]
            self.gc["max_ms"][gen] = max(self.gc["max_ms"][gen], taken["max_ms"][gen])


def machine_busy() -> float:
    """CPU seconds spent by the whole machine, all cores (not idle, not waiting for I/O)."""
    import psutil

    times = psutil.cpu_times()._asdict()  # guest time is inside user already on Linux
    return float(sum(times.get(k, 0.0) for k in ("user", "nice", "system", "irq", "softirq")))


class Bench:
    """The clients' side of one run: the connections and the phase runner."""

    def __init__(self, info: ServerInfo, port: int, clients: int, kind: str) -> None:
        import psutil

        self.info = info
        self.port = port
        self.clients = clients
        self.kind = kind
        self.server = psutil.Process(info.pid)
        self.me = psutil.Process()
        self.events = conversation(expiry_ahead())
        self.sessions_created = 0
        self.completed: list[str] = []

    def connection(self, port: int | None = None) -> Connection:
        port = self.port if port is None else port
        return HttpxConnection(port) if self.kind == "httpx" else RawConnection(port)

    async def run_round(self, acc: Accum, budget: Budget) -> None:
        """One round of a side: open the connections, run the clients, close, check."""
        conns = [self.connection() for _ in range(self.clients)]
        await asyncio.gather(*(c.open() for c in conns))
        tally = acc.tally
        errors_before, turns_before = len(tally.errors), len(tally.turn_ns)
        if acc.label == "ours":
            work: list[Awaitable[None]] = [
                ours_client(c, budget, self.events, tally) for c in conns
            ]
        else:
            work = [bare_client(c, budget, tally) for c in conns]
        gc.collect()
        await self.control("/bench/gc")  # starts the server's count afresh
        server_before = sum(self.server.cpu_times()[:2])
        me_before = sum(self.me.cpu_times()[:2])
        busy_before = machine_busy()
        budget.start()
        start = time.perf_counter_ns()
        results = await asyncio.gather(*work, return_exceptions=True)
        wall_ns = time.perf_counter_ns() - start
        server_cpu = sum(self.server.cpu_times()[:2]) - server_before
        client_cpu = sum(self.me.cpu_times()[:2]) - me_before
        acc.other_cpu_s += max(0.0, machine_busy() - busy_before - server_cpu - client_cpu)
        acc.add_gc(json.loads(await self.control("/bench/gc")))
        await asyncio.gather(*(c.close() for c in conns), return_exceptions=True)
        tally.errors.extend(f"client raised {r!r}" for r in results if isinstance(r, BaseException))
        if len(tally.errors) > errors_before:
            new = tally.errors[errors_before:]
            msg = f"{acc.label}: {len(new)} errors; first: {new[:3]}"
            raise BenchError(msg)
        if len(tally.turn_ns) == turns_before:
            msg = f"{acc.label}: no request completed"
            raise BenchError(msg)
        acc.wall_ns += wall_ns
        acc.server_cpu_s += server_cpu
        acc.client_cpu_s += client_cpu
        acc.round_rates.append((len(tally.turn_ns) - turns_before) / (wall_ns / 1e9))

    def finish(self, acc: Accum) -> Phase:
        """The figures of a side's rounds together."""
        tally, wall_s = acc.tally, acc.wall_ns / 1e9
        self.sessions_created += len(tally.create_ns)
        self.completed.extend(tally.completed)
        requests = len(tally.turn_ns) + len(tally.create_ns)
        return Phase(
            label=acc.label,
            clients=self.clients,
            rounds=len(acc.round_rates),
            turns=len(tally.turn_ns),
            requests=requests,
            wall_s=wall_s,
            turns_per_s=len(tally.turn_ns) / wall_s,
            requests_per_s=requests / wall_s,
            round_turns_per_s=acc.round_rates,
            latency=summarize(tally.turn_ns, acc.wall_ns),
            creation=summarize(tally.create_ns, acc.wall_ns) if tally.create_ns else None,
            step_mean_ms={
                e.name: sum(tally.step_ns[e.name]) / len(tally.step_ns[e.name]) / 1e6
                for e in self.events
                if tally.step_ns.get(e.name)
            },
            conversations=len(tally.completed),
            cut_off=tally.cut_off,
            server_cpu=acc.server_cpu_s / wall_s,
            client_cpu=acc.client_cpu_s / wall_s,
            other_cpu=acc.other_cpu_s / wall_s,
            server_gc=acc.gc,
        )

    async def run(self, label: str, budget: Budget) -> Phase:
        """A side in one round (the warm-up and the profiled phase)."""
        acc = Accum(label)
        await self.run_round(acc, budget)
        return self.finish(acc)

    async def control(self, path: str) -> bytes:
        """A POST to a bench route on a connection of its own; the answer's body."""
        conn = self.connection()
        await conn.open()
        try:
            status, body = await conn.request("POST", path, b"{}")
        finally:
            await conn.close()
        if status != 200:
            msg = f"{path}: status {status}: {body[:120]!r}"
            raise BenchError(msg)
        return body

    async def probe(self, port: int) -> Latency:
        """Bare requests one at a time on one keep-alive connection (the first is not timed)."""
        conn = self.connection(port)
        await conn.open()
        samples: list[int] = []
        start_all = time.perf_counter_ns()
        try:
            for index in range(PROBE_REQUESTS + 1):
                start = time.perf_counter_ns()
                status, body = await conn.request("POST", BARE_PATH, BARE_BODY)
                if index:
                    samples.append(time.perf_counter_ns() - start)
                if status != 200:
                    msg = f"probe on port {port}: status {status}: {body[:120]!r}"
                    raise BenchError(msg)
        finally:
            await conn.close()
        return summarize(samples, time.perf_counter_ns() - start_all)

    async def profile(self, budget: Budget, top: int) -> tuple[Phase, str]:
        """A phase of ours with cProfile on in the server; returns its report."""
        await self.control("/bench/profile/start")
        phase = await self.run("ours", budget)
        text = await self.control(f"/bench/profile/stop?top={top}")
        return phase, text.decode("utf-8")


def check_store(db: Path, completed: list[str], created: int, version: int) -> tuple[int, str]:
    """After the server stopped: one row per creation, each completed conversation stored in
    state verdict at ``version``. Returns the row count and what was checked."""
    from bot.storage import SQLiteStore

    store = SQLiteStore(db)
    try:
        rows = store.count()
        bad: list[str] = []
        for session_id in completed:
            session = store.load("web:" + session_id)
            if session is None:
                bad.append(f"{session_id[:8]}: missing")
            elif session.state != "verdict" or session.version != version:
                bad.append(f"{session_id[:8]}: state {session.state!r} v{session.version}")
    finally:
        store.close()
    if rows != created:
        msg = f"store: {rows:,} sessions stored for {created:,} creations"
        raise BenchError(msg)
    if bad:
        msg = f"store: {len(bad)} of {len(completed)} conversations not at the verdict: {bad[:3]}"
        raise BenchError(msg)
    return rows, (
        f"{rows:,} sessions stored = {created:,} created; all {len(completed):,} completed "
        f"conversations loaded back in state verdict, version {version} (a write per request)"
    )


# --------------------------------------------------------------------------- report


@dataclass(frozen=True, slots=True)
class Config:
    quick: bool
    clients: int
    seconds: float | None
    turns: int | None
    rounds: int
    warmup_s: float
    profile_s: float
    profile: bool
    as_shipped: bool
    client: str


def parse_args(argv: list[str] | None) -> Config | str:
    parser = argparse.ArgumentParser(
        description="Benchmark the web API over real HTTP: API turns/s and p50/p90/p99 latency "
        "at --clients concurrent keep-alive loopback clients walking whole conversations (an "
        "API turn is one POST /api/v1/sessions/{id}/events; the engine on a SQLite file "
        "written every turn), against a bare Starlette endpoint on the same uvicorn server, "
        "in one run. The API's rate limiter is off (all clients share 127.0.0.1). Targets: "
        f"ours >= {TARGET_RATIO:.0%} of the bare endpoint's throughput, our p99 < "
        f"{TARGET_P99_MS:.0f} ms. Prints a report and a final `RESULT {{json}}` line; a missed "
        "target never changes the exit status.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="3 s per side in one round instead of 15 s in three (about 10 s in all)",
    )
    parser.add_argument(
        "--clients",
        type=int,
        default=DEFAULT_CLIENTS,
        help=f"concurrent keep-alive connections (default {DEFAULT_CLIENTS})",
    )
    amount = parser.add_mutually_exclusive_group()
    amount.add_argument(
        "--seconds", type=float, help="duration of each measured phase (default 15, quick 3)"
    )
    amount.add_argument(
        "--turns",
        type=int,
        help="instead of a duration: API turns for ours and as many bare requests",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        help="split each side's load into this many rounds, bare and ours alternating, so a "
        "disturbance on the machine hits both (default 3, quick 1)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also cProfile the server during an extra, unmeasured phase of ours",
    )
    parser.add_argument(
        "--as-shipped",
        action="store_true",
        help="load the socket exactly as `python -m bot serve` makes it (no TCP_NODELAY: "
        "~40 ms per keep-alive request while that is so)",
    )
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="the HTTP client: raw HTTP/1.1 on asyncio streams (default) or httpx, which "
        "costs a core at ~1,300 requests/s and then measures itself",
    )
    parser.add_argument("--server", metavar="DB", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.server:
        return str(args.server)
    quick: bool = args.quick
    if args.clients < 1:
        parser.error("--clients must be >= 1")
    if (args.seconds is not None and args.seconds <= 0) or (
        args.turns is not None and args.turns < 1
    ):
        parser.error("--seconds must be > 0 and --turns >= 1")
    rounds: int = args.rounds if args.rounds is not None else (1 if quick else 3)
    if rounds < 1 or (args.turns is not None and args.turns < rounds):
        parser.error("--rounds must be >= 1 (and at most --turns)")
    seconds: float | None = args.seconds
    if seconds is None and args.turns is None:
        seconds = 3.0 if quick else 15.0
    return Config(
        quick=quick,
        clients=args.clients,
        seconds=seconds,
        turns=args.turns,
        rounds=rounds,
        warmup_s=1.0 if quick else 3.0,
        profile_s=2.0 if quick else 5.0,
        profile=args.profile,
        as_shipped=args.as_shipped,
        client=args.client,
    )


def print_section(title: str) -> None:
    print(f"\n== {title} ==", flush=True)


def ms(us: float) -> str:
    return f"{us / 1e3:,.2f} ms"


def print_machine(config: Config) -> dict[str, Any]:
    from importlib.metadata import version

    facts = machine_facts()
    for name in ("uvicorn", "starlette", "h11", "httpx"):
        facts[name] = version(name)
    facts["uvloop"] = importlib.util.find_spec("uvloop") is not None
    facts["httptools"] = importlib.util.find_spec("httptools") is not None
    loop = "uvloop" if facts["uvloop"] else "asyncio"
    http = "httptools" if facts["httptools"] else f"h11 {facts['h11']}"
    print(f"Zairyu Guide web API benchmark ({'quick' if config.quick else 'full'} run)")
    print_section("Machine")
    print(f"  python      {facts['python']} ({facts['implementation']}, {facts['platform']})")
    print(
        f"  cpus        {facts['cpu_count']} (usable: {facts['cpu_affinity']}), shared by the "
        "server process and the client process"
    )
    print(f"  sqlite      {facts['sqlite']}")
    print(
        f"  uvicorn     {facts['uvicorn']}: event loop {loop}, HTTP parser {http} "
        f"(uvloop {'installed' if facts['uvloop'] else 'not installed'}, httptools "
        f"{'installed' if facts['httptools'] else 'not installed'})"
    )
    print(f"  starlette   {facts['starlette']}   httpx {facts['httpx']}")
    return facts


def print_setup(config: Config, info: ServerInfo, port: int) -> None:
    print_section("Setup")
    print(
        f"  server      one uvicorn process (pid {info.pid}), configured as `python -m bot "
        f"serve`: create_app(engine=Engine(SQLiteStore(file)),\n"
        f"              config=WebConfig(per_minute=0, faq_chars_per_minute=0))"
        f" + POST {BARE_PATH}; real clock; "
        f"SQLite journal_mode={info.journal_mode}, synchronous={info.synchronous},\n"
        f"              a write per request"
    )
    print(
        "  rate limit  OFF (per_minute=0): all loopback clients share the address 127.0.0.1; "
        "production's 120/min\n"
        "              per address (burst 30) would answer 429 within the first second"
    )
    print(
        '  ours        POST /api/v1/sessions {"lang":"en"}, then 7 event posts (lang, '
        "user_type, procedure, status buttons,\n"
        f"              the expiry typed as text {EXPIRY_DAYS_AHEAD} days ahead, "
        "has_my_number_card, location) -> verdict; an API turn = one event post"
    )
    print(
        f"  bare        POST {BARE_PATH} {BARE_BODY.decode()}: the body read and parsed, "
        '{"ok": true} through JSONResponse;\n'
        "              no engine, no storage (a POST like ours, so request parsing and the "
        "body read are paid on both sides)"
    )
    sock = "as shipped (no TCP_NODELAY)" if config.as_shipped else "with TCP_NODELAY"
    amount = f"{config.seconds:g} s" if config.seconds is not None else f"{config.turns:,} turns"
    client = "raw HTTP/1.1 on asyncio streams" if config.client == "raw" else "httpx.AsyncClient"
    print(
        f"  clients     {config.clients} concurrent keep-alive connections to port {port} "
        f"({sock}) from one asyncio process ({client});\n"
        f"              each sends its next request when the answer is read; {amount} per "
        f"side in {config.rounds} round{'s' if config.rounds > 1 else ''}, after a "
        f"{config.warmup_s:g} s warm-up per side (checked, not measured)"
    )


def print_phase(phase: Phase) -> None:
    lat = phase.latency
    what = "API turns" if phase.label == "ours" else "requests"
    rounds = (
        f"   (rounds: {', '.join(f'{r:,.0f}' for r in phase.round_turns_per_s)})"
        if phase.rounds > 1
        else ""
    )
    print(
        f"  {phase.label:<5} {phase.turns:>8,} {what} in {phase.wall_s:6.2f} s = "
        f"{phase.turns_per_s:>7,.0f} {what}/s{rounds}"
    )
    print(
        f"  {'':<5} latency  p50 {ms(lat.p50_us)}   p90 {ms(lat.p90_us)}   p99 {ms(lat.p99_us)}"
        f"   max {ms(lat.max_us)}   mean {ms(lat.mean_us)}"
    )
    if phase.creation is not None:
        cre = phase.creation
        print(
            f"  {'':<5} + {cre.turns:,} session creations (not turns): p50 {ms(cre.p50_us)}, "
            f"p99 {ms(cre.p99_us)}; all requests {phase.requests_per_s:,.0f}/s"
        )
        steps = ", ".join(f"{name} {value:.2f}" for name, value in phase.step_mean_ms.items())
        print(f"  {'':<5} mean ms by step: {steps}")
        print(
            f"  {'':<5} {phase.conversations:,} conversations reached the verdict, "
            f"{phase.cut_off} cut off by the end of the phase"
        )
    print(
        f"  {'':<5} CPU: server {phase.server_cpu:.0%} of a core, clients "
        f"{phase.client_cpu:.0%} of a core, other processes {phase.other_cpu:.0%} of a core"
    )
    sgc = phase.server_gc
    gens = ", ".join(
        f"gen{g} {int(sgc['count'][g]):,} (longest {sgc['max_ms'][g]:.1f} ms)" for g in range(3)
    )
    print(
        f"  {'':<5} server GC: {gens}; {sum(sgc['total_ms']):,.0f} ms paused in all "
        f"({sum(sgc['total_ms']) / 1e3 / phase.wall_s:.1%} of the phase)",
        flush=True,
    )


def print_probe(shipped: Latency, nodelay: Latency, proto: int) -> dict[str, Any]:
    print_section(
        f"0. One request at a time on one keep-alive connection ({PROBE_REQUESTS} bare POSTs)"
    )
    slow = shipped.p50_us / 1e3 >= NAGLE_MS
    print(
        f"  as shipped (bot.channels.serve._bind, socket proto {proto}): p50 "
        f"{ms(shipped.p50_us)}, max {ms(shipped.max_us)}"
    )
    print(
        f"  TCP_NODELAY set on the listener:                      p50 {ms(nodelay.p50_us)}, "
        f"max {ms(nodelay.max_us)}"
    )
    if slow:
        print(
            "  WARNING: as shipped, every request after the first on a keep-alive connection "
            "waits for the\n"
            "  client's delayed ACK (Nagle's algorithm on uvicorn's second write): asyncio sets "
            "TCP_NODELAY only on\n"
            "  sockets made with proto IPPROTO_TCP. `python -m bot serve` has this latency; "
            "the fix belongs in\n"
            "  bot/channels/serve.py::_bind (socket(family, SOCK_STREAM, IPPROTO_TCP), or "
            "set TCP_NODELAY)"
        )
    else:
        print("  as shipped: no Nagle delay")
    return {
        "shipped_p50_ms": shipped.p50_us / 1e3,
        "nodelay_p50_ms": nodelay.p50_us / 1e3,
        "shipped_socket_proto": proto,
        "shipped_nagle_delay": slow,
    }


def print_summary(ours: Phase, bare: Phase, shipped_slow: bool, as_shipped: bool) -> dict[str, Any]:
    ratio = ours.turns_per_s / bare.turns_per_s
    ratio_requests = ours.requests_per_s / bare.turns_per_s
    p99_ms = ours.latency.p99_us / 1e3
    ratio_ok, p99_ok = ratio >= TARGET_RATIO, p99_ms < TARGET_P99_MS
    print_section("Summary")
    print(
        f"  ours / bare     {ratio:.2f}x ({ours.turns_per_s:,.0f} API turns/s / "
        f"{bare.turns_per_s:,.0f} bare requests/s, {ours.clients} clients)   "
        f"target: >= {TARGET_RATIO:.2f}x   {verdict_word(ratio_ok)} "
        f"(target {'met' if ratio_ok else 'not met'})"
    )
    print(
        f"                  {ratio_requests:.2f}x counting session creations as requests too "
        f"({ours.requests_per_s:,.0f}/s)"
    )
    print(
        f"  ours p99        {ms(ours.latency.p99_us)} per API turn   target: < "
        f"{TARGET_P99_MS:.0f} ms   {verdict_word(p99_ok)} (target {'met' if p99_ok else 'not met'})"
    )
    print(
        f"  latency         p50 {ms(ours.latency.p50_us)} vs {ms(bare.latency.p50_us)}, p99 "
        f"{ms(ours.latency.p99_us)} vs {ms(bare.latency.p99_us)} (ours vs bare)"
    )
    print(
        f"  CPU             server {ours.server_cpu:.0%} / {bare.server_cpu:.0%}, clients "
        f"{ours.client_cpu:.0%} / {bare.client_cpu:.0%}, other processes "
        f"{ours.other_cpu:.0%} / {bare.other_cpu:.0%} of a core (ours / bare)"
    )
    for phase in (bare, ours):
        if phase.other_cpu >= 0.2:
            print(
                f"  NOTE: other processes used {phase.other_cpu:.0%} of a core during the "
                f"{phase.label} phase: the machine was not quiet, figures are low"
            )
        if phase.client_cpu >= 0.9 and phase.client_cpu > phase.server_cpu:
            print(
                f"  NOTE: the clients used a whole core in the {phase.label} phase: that figure "
                "is client-bound, not server-bound"
            )
    little = ours.clients / ours.requests_per_s * 1e3
    print(
        f"  queueing        {ours.clients} closed-loop clients / {ours.requests_per_s:,.0f} "
        f"requests/s = {little:.1f} ms mean latency (Little's law; measured mean "
        f"{ours.latency.mean_us / 1e3:.1f} ms):\n"
        f"                  latency here is mostly waiting for the server's one core; a p99 < "
        f"{TARGET_P99_MS:.0f} ms at {ours.clients} clients needs\n"
        f"                  more requests/s (less server time per request) and no long pauses"
    )
    gen2 = ours.server_gc
    if gen2["count"][2]:
        print(
            f"  server GC       {int(gen2['count'][2])} full (gen2) collections during ours, "
            f"longest {gen2['max_ms'][2]:.1f} ms: each stalls every request in flight"
        )
    if shipped_slow and as_shipped:
        print(
            "  NOTE: these figures are Nagle's delay on the socket as shipped (section 0), "
            "not the code's"
        )
    if shipped_slow and not as_shipped:
        print(
            "  NOTE: as shipped (`python -m bot serve`'s socket, section 0) every keep-alive "
            "request waits ~40 ms more:\n"
            "        the p99 target is missed in production until _bind gets TCP_NODELAY "
            "(--as-shipped measures it)"
        )
    return {
        "ratio": ratio,
        "ratio_counting_creations": ratio_requests,
        "ours_p99_ms": p99_ms,
        "targets": {
            "ratio": {"value": ratio, "target": f">= {TARGET_RATIO}", "pass": ratio_ok},
            "p99_ms": {"value": p99_ms, "target": f"< {TARGET_P99_MS}", "pass": p99_ok},
        },
    }


async def measure(
    config: Config, info: ServerInfo
) -> tuple[Bench, dict[str, Phase], dict[str, Any], str | None]:
    port = info.shipped_port if config.as_shipped else info.nodelay_port
    bench = Bench(info, port, config.clients, config.client)
    print_setup(config, info, port)
    probe = print_probe(
        await bench.probe(info.shipped_port),
        await bench.probe(info.nodelay_port),
        info.shipped_proto,
    )
    for label in ("bare", "ours"):
        await bench.run(label, Budget(config.warmup_s, None))
    rounds = config.rounds
    if config.seconds is not None:
        budgets = [Budget(config.seconds / rounds, None) for _ in range(rounds)]
        each = f"{config.seconds / rounds:g} s"
    else:
        assert config.turns is not None
        share, extra = divmod(config.turns, rounds)
        budgets = [Budget(None, share + (i < extra)) for i in range(rounds)]
        each = f"{share:,} turns"
    print_section(
        f"1. Load: {config.clients} clients; bare and ours alternately, {rounds} round"
        f"{'s' if rounds > 1 else ''} of {each} per side"
    )
    accums = {"bare": Accum("bare"), "ours": Accum("ours")}
    for number, budget in enumerate(budgets, start=1):
        for label in ("bare", "ours"):
            await bench.run_round(accums[label], Budget(budget.seconds, budget.turns))
        rates = ", ".join(f"{a.label} {a.round_rates[-1]:,.0f}/s" for a in accums.values())
        print(f"  round {number}: {rates}", flush=True)
    phases = {label: bench.finish(acc) for label, acc in accums.items()}
    for label in ("bare", "ours"):
        print()
        print_phase(phases[label])
    profile = None
    if config.profile:
        phase, profile = await bench.profile(Budget(config.profile_s, None), 30)
        print_section(
            f"Profile: the server under load ({phase.turns:,} API turns in {phase.wall_s:.1f} s "
            f"with cProfile on, {phase.turns_per_s:,.0f}/s; not part of the figures)"
        )
        print(profile.rstrip(), flush=True)
    return bench, phases, probe, profile


def run_all(config: Config, db_dir: Path) -> dict[str, Any]:
    began = time.perf_counter()
    facts = print_machine(config)
    db = db_dir / "bench-web.db"
    proc, info = start_server(db)
    try:
        bench, phases, probe, profile = asyncio.run(measure(config, info))
        server_rss_mb = bench.server.memory_info().rss / 1e6
    finally:
        status = stop_server(proc)
    if status != 0:
        msg = f"the server exited with status {status}"
        raise BenchError(msg)
    stored, checked = check_store(
        db, bench.completed, bench.sessions_created, 1 + len(bench.events)
    )
    db_mb = sum(p.stat().st_size for p in db_dir.glob("bench-web.db*")) / 1e6
    summary = print_summary(
        phases["ours"], phases["bare"], probe["shipped_nagle_delay"], config.as_shipped
    )
    print(
        f"  store           {stored:,} sessions in a {db_mb:.1f} MB SQLite file (warm-up and "
        "cut-off conversations too)"
    )
    print(f"  checked         {checked}")
    print(f"  server RSS      {server_rss_mb:.0f} MB at the end")
    elapsed = time.perf_counter() - began
    print(f"  total time      {elapsed:.1f} s")
    return {
        "mode": "quick" if config.quick else "full",
        "config": asdict(config),
        "machine": facts,
        "server": asdict(info),
        "nagle_probe": probe,
        "bare": asdict(phases["bare"]),
        "ours": asdict(phases["ours"]),
        **summary,
        "stored_sessions": stored,
        "db_mb": db_mb,
        "server_rss_mb": server_rss_mb,
        "profiled": profile is not None,
        "elapsed_s": elapsed,
    }


def main(argv: list[str] | None = None) -> int:
    parsed = parse_args(argv)
    if isinstance(parsed, str):
        return server_main(parsed)
    problem = check_catalogs()
    if problem:
        print(f"setup: {problem}\n(`make bench` compiles the catalogs first)", file=sys.stderr)
        return 2
    try:
        with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
            result = run_all(parsed, Path(tmp))
    except SetupError as exc:
        print(f"\nsetup: {exc}", file=sys.stderr)
        return 2
    except BenchError as exc:
        print(f"\nbenchmark invalid: {exc}", file=sys.stderr)
        return 1
    print("RESULT " + json.dumps(result, separators=(",", ":")), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
