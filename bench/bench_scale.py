"""Benchmark of scaling out (issue 14): API turns/s and latency with 1, 2 and 4 ``serve``
processes on one PostgreSQL, against 1 process on SQLite, and a kill -9 under load.

What is measured (one run; figures are printed, a failed consistency check exits 1):

* **Servers** — real ``python -m bot serve`` processes (``--rate-limit 0
  --forwarded-allow-ips 127.0.0.1``), started fresh for each configuration on a fresh
  database: the SQLite baseline is one process on a SQLite file (``make run``'s setup); the
  PostgreSQL configurations use a throwaway cluster (tests/pg_server.py: Debian's binaries,
  a temporary directory, ``fsync=off``, ``synchronous_commit=off``; SQLite runs WAL with
  ``synchronous=NORMAL``, so neither side waits for the disk on a commit). ``--mode
  workers`` (the default) starts one ``serve --workers N``; ``--mode hosts`` starts N
  ``serve`` processes on N ports, as several hosts behind a proxy would be, and the load
  generator spreads its users over the N base URLs.
* **Users** — ``--users`` (32) simulated users, closed loop, no think time, split over
  ``--loaders`` (2) load-generator processes (multiprocessing, each one asyncio event loop
  with a minimal HTTP/1.1 keep-alive client), arriving over the first half of the warm-up.
  Each conversation is a new visitor: a new connection, kept alive for its requests, and
  its own address (below). Each user walks whole conversations over the
  documented API (docs/web-api.md): ``POST /api/v1/sessions``, then event posts that press
  a button taken from the reply's own buttons for the slot it asks (a random language,
  status, stay length, card and location; a foreign national's extension) and type the
  expiry date as text, up to the verdict (8 events). Every reply must ask for a new slot
  and the last must be the verdict. An **API turn** is one event post answered 200;
  creations are requests too (counted apart). Each conversation comes from its own
  ``X-Forwarded-For`` address (trusted from 127.0.0.1), as separate visitors behind a
  proxy would. The typed date runs in the FAQ search's worker pool and is charged to the
  FAQ budget, which ``--rate-limit 0`` does not turn off: a 429 (the pool's queue full, or
  a budget spent) is waited out (its Retry-After, at most 1 s) and sent again, and counted.
  Latency is given for the answered request (p50, p99) and for the whole turn as the user
  waited for it, 429 waits included ("+429 waits"); also the mean by the slot answered.
* **Where the CPU goes** — the machine has 2 cores, shared by the servers, PostgreSQL and
  the load generators. For each configuration the CPU of each part is printed (cores used
  during the measured window), so a figure bound by the load generator shows. The
  prediction "per added core" divides by the CPU the serving side (serve processes +
  PostgreSQL) spent per turn: what a core adds when the load generator runs elsewhere.
  The CPU of everything else on the machine is printed too ("other"): a busy machine
  lowers the figures, and the report says so.
* **Consistency, every configuration** — after the servers stopped, every session row is
  read straight from the database (``SELECT key, version FROM sessions``; the key is
  ``web:`` + the session id). A session is written once at its creation (version 1) and
  once per event, so its version must equal 1 + the turns acknowledged to its user.
* **kill -9** — one more run with several PostgreSQL processes: a third of the way into the
  window one process (a worker; in hosts mode a host) gets SIGKILL. Users whose request
  fails reconnect (workers: the same port, where the supervisor restarts the worker;
  hosts: the next base URL), re-read ``GET /api/v1/sessions/{id}`` to learn whether the
  turn in flight was saved (its reply then asks for the next slot: every event of this
  walk moves to a new slot), and resend it only if it was not. Reported: acknowledged
  turns lost (must be 0), sessions whose version is not 1 + acknowledged turns, each
  explained (or not) by a turn that committed without its answer, and creations in flight
  whose rows exist with no user knowing them.

Without PostgreSQL (no binaries, or a store that does not take its URLs) the scale-out
runs share one SQLite file, and the report says so. ``--quick`` measures 3 s per
configuration, skips the 4-process run and kills one of 2 processes.

Run (the compiled catalogs must exist; ``make bench`` compiles them first)::

    .venv/bin/python bench/bench_scale.py                  # full run, about 2 minutes
    .venv/bin/python bench/bench_scale.py --quick          # a smoke run, under 60 s
    .venv/bin/python bench/bench_scale.py --mode hosts --json var/scale.json

The last line is ``RESULT {json}``. Exit status: 0 after a completed run (whatever the
figures), 1 if a check failed (errors, lost turns, inconsistent sessions), 2 on a setup
problem (no catalogs, a server that does not start).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Final

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
for _path in (REPO_ROOT, REPO_ROOT / "bench"):
    # ``python bench/bench_scale.py`` puts bench/ on the path; tests.pg_server needs the root.
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

HOST: Final = "127.0.0.1"
DEFAULT_USERS: Final = 32
DEFAULT_LOADERS: Final = 2
PROCESS_COUNTS: Final = (1, 2, 4)
BASE_VERSION: Final = 1  # the creation's write
EVENTS_PER_CONVERSATION: Final = 8
REQUEST_TIMEOUT_S: Final = 30.0
RECONNECT_FOR_S: Final = 30.0
MAX_RETRY_AFTER_S: Final = 1.0
MAX_EVENTS: Final = 20  # a conversation longer than this is an error (the walk is 8)
# A slot's answer is drawn from the reply's buttons for that slot; these slots keep to one
# path (other user types and procedures ask other questions, some of them free text).
PREFERRED: Final = {
    "user_type": ("user_type:foreign_national",),
    "procedure": ("procedure:extension",),
}
EXPIRY_DAYS: Final = (20, 150)  # the typed expiry date, days ahead (well inside any window)
SERVE_ARGS: Final = ("--rate-limit", "0", "--forwarded-allow-ips", HOST)
SERVE_START_S: Final = 60.0


class BenchError(RuntimeError):
    """A check failed: the figures would be meaningless (exit 1)."""


class SetupError(RuntimeError):
    """The bench could not set up (exit 2)."""


# --------------------------------------------------------------------------- HTTP client


class Failed(Exception):
    """The connection failed before a whole answer arrived: the request's fate is unknown."""


class Http:
    """One keep-alive HTTP/1.1 connection (a request in one write, the answer framed by
    Content-Length, which uvicorn sends for every answer of this API)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    @property
    def is_open(self) -> bool:
        return self._writer is not None

    async def open(self) -> None:
        try:
            self._reader, self._writer = await asyncio.wait_for(
                asyncio.open_connection(HOST, self.port), REQUEST_TIMEOUT_S
            )
        except (OSError, TimeoutError) as exc:
            raise Failed(repr(exc)) from None

    async def request(
        self, method: str, path: str, body: bytes = b"", client: str = ""
    ) -> tuple[int, bytes, dict[bytes, bytes]]:
        if self._writer is None:
            await self.open()
        try:
            return await asyncio.wait_for(
                self._exchange(method, path, body, client), REQUEST_TIMEOUT_S
            )
        except (OSError, EOFError, TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
            self.close()
            raise Failed(repr(exc)) from None

    async def _exchange(
        self, method: str, path: str, body: bytes, client: str
    ) -> tuple[int, bytes, dict[bytes, bytes]]:
        reader, writer = self._reader, self._writer
        assert reader is not None
        assert writer is not None
        forwarded = f"X-Forwarded-For: {client}\r\n" if client else ""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n{forwarded}"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        writer.write(head.encode("ascii") + body)
        raw = await reader.readuntil(b"\r\n\r\n")
        status_line, _, header_block = raw.partition(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        headers: dict[bytes, bytes] = {}
        for line in header_block.split(b"\r\n"):
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if b"content-length" not in headers:
            msg = f"an answer without Content-Length: {raw[:200]!r}"
            raise ValueError(msg)
        data = await reader.readexactly(int(headers[b"content-length"]))
        if headers.get(b"connection", b"").lower() == b"close":
            self.close()
        return status, data, headers

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


# --------------------------------------------------------------------------- users


@dataclass(frozen=True, slots=True)
class LoaderSpec:
    """One load-generator process: its users (global numbers) and the servers' ports."""

    index: int
    ports: tuple[int, ...]
    first_user: int
    users: int
    hosts: bool  # on a failure, move to the next port (hosts) or stay (workers)
    seed: int


@dataclass(frozen=True, slots=True)
class Times:
    """The phase's clock (time.monotonic, the same clock in every process on Linux)."""

    start: float
    warm_end: float
    end: float


@dataclass(slots=True)
class SessionRecord:
    """What one user knows of one session it created (creation acknowledged)."""

    session_id: str
    acked: int = 0  # event posts answered 200
    committed_unacked: int = 0  # failed posts that the re-read showed saved
    resent: int = 0  # failed posts that the re-read showed not saved (sent again)
    completed: bool = False  # reached the verdict


@dataclass(slots=True)
class Tally:
    """One load generator's findings."""

    turn_done: list[float] = field(default_factory=list)  # monotonic time of each 200
    turn_ns: list[int] = field(default_factory=list)  # its latency (the answered request)
    turn_total_ns: list[int] = field(default_factory=list)  # first send to answer (retries)
    create_done: list[float] = field(default_factory=list)
    create_ns: list[int] = field(default_factory=list)
    verdict_done: list[float] = field(default_factory=list)
    sessions: list[SessionRecord] = field(default_factory=list)
    creations_unacked: int = 0  # creations whose answer never came (the row may exist)
    failures: list[float] = field(default_factory=list)  # times a request failed
    recoveries: list[float] = field(default_factory=list)  # failure -> re-read answered (s)
    steps: dict[str, list[int]] = field(default_factory=dict)  # slot -> [answers, total ns]
    throttled: dict[str, int] = field(default_factory=dict)  # 429 answers by message
    errors: list[str] = field(default_factory=list)
    cpu_s: float = 0.0  # this process's CPU during the measured window


class User:
    """Visitors, one after another: each conversation on a new keep-alive connection from
    its own address (as new visitors come through a proxy), the next one when the verdict
    is in (closed loop, no think time)."""

    def __init__(self, number: int, spec: LoaderSpec, tally: Tally, end: float) -> None:
        self.number = number
        self.spec = spec
        self.tally = tally
        self.end = end
        self.port_index = number % len(spec.ports)
        self.http = Http(spec.ports[self.port_index])
        self.rng = random.Random(spec.seed * 100_003 + number)
        self.conversations = 0
        self.client = ""

    async def run(self, ramp: float) -> None:
        """Start within ``ramp`` seconds (users arrive over the warm-up, not all at once)."""
        await asyncio.sleep(self.rng.uniform(0, ramp))
        try:
            while time.monotonic() < self.end:
                await self.conversation()
        finally:
            self.http.close()

    def error(self, what: str) -> None:
        if len(self.tally.errors) < 50:
            self.tally.errors.append(what)

    async def reconnect(self) -> None:
        """After a failure: a new connection (hosts mode: to the next host that answers)."""
        self.tally.failures.append(time.monotonic())
        self.http.close()
        deadline = time.monotonic() + RECONNECT_FOR_S
        while True:
            if self.spec.hosts:
                self.port_index = (self.port_index + 1) % len(self.spec.ports)
                self.http = Http(self.spec.ports[self.port_index])
            try:
                await self.http.open()
                return
            except Failed:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.05)

    async def conversation(self) -> None:
        self.conversations += 1
        c = self.conversations
        self.client = f"10.{self.number % 256}.{c // 256 % 256}.{c % 256}"
        self.http.close()
        try:
            await self.http.open()
        except Failed:
            await self.reconnect()
        start = time.perf_counter_ns()
        try:
            status, body, _ = await self.http.request(
                "POST", "/api/v1/sessions", b'{"lang":"en"}', self.client
            )
        except Failed:
            self.tally.creations_unacked += 1
            await self.reconnect()
            return
        if status != 201:
            self.error(f"create: status {status}: {body[:120]!r}")
            await asyncio.sleep(0.1)
            return
        self.tally.create_ns.append(time.perf_counter_ns() - start)
        self.tally.create_done.append(time.monotonic())
        created = json.loads(body)
        record = SessionRecord(str(created["session_id"]))
        self.tally.sessions.append(record)
        reply: dict[str, Any] = created["reply"]
        for _ in range(MAX_EVENTS):
            if reply.get("expects") is None:
                break
            if time.monotonic() >= self.end:
                return  # cut off by the end of the phase (its version is still checked)
            body_out = self.answer(reply)
            if body_out is None:
                return
            got = await self.event(record, reply, body_out)
            if got is None:
                return
            reply = got
        if reply.get("state") == "verdict" and reply.get("verdict") is not None:
            record.completed = True
            self.tally.verdict_done.append(time.monotonic())
        else:
            self.error(f"no verdict after {MAX_EVENTS} events: state {reply.get('state')!r}")

    def answer(self, reply: dict[str, Any]) -> bytes | None:
        """The event for the slot the reply asks: a date typed as text, else a button."""
        expects = reply["expects"]
        slot, kind = expects["slot"], expects["kind"]
        if kind == "date":
            ahead = self.rng.randint(*EXPIRY_DAYS)
            return json.dumps({"text": (date.today() + timedelta(days=ahead)).isoformat()}).encode()
        ids = [
            str(button["id"])
            for message in reply["messages"]
            for button in message["buttons"]
            if "url" not in button and str(button["id"]).startswith(slot + ":")
        ]
        wanted = PREFERRED.get(slot)
        if wanted is not None:
            ids = [i for i in ids if i in wanted]
        if kind != "choice" or not ids:
            self.error(f"slot {slot!r} ({kind}): no button to press")
            return None
        return json.dumps({"choice": self.rng.choice(ids)}).encode()

    async def event(
        self, record: SessionRecord, before: dict[str, Any], body: bytes
    ) -> dict[str, Any] | None:
        """Post one event until it is answered, or a re-read shows it saved; the new reply."""
        path = f"/api/v1/sessions/{record.session_id}"
        first = time.perf_counter_ns()
        deadline = time.monotonic() + RECONNECT_FOR_S * 2
        while time.monotonic() < deadline:
            start = time.perf_counter_ns()
            try:
                status, data, headers = await self.http.request(
                    "POST", path + "/events", body, self.client
                )
            except Failed:
                after = await self.reread(path)
                if after is None:
                    return None
                if after.get("expects") != before.get("expects") or after.get(
                    "state"
                ) != before.get("state"):
                    record.committed_unacked += 1
                    return after
                record.resent += 1
                continue
            if status == 429:
                why = str(json.loads(data).get("error", "?"))
                self.tally.throttled[why] = self.tally.throttled.get(why, 0) + 1
                wait = float(headers.get(b"retry-after", b"1") or 1)
                await asyncio.sleep(min(MAX_RETRY_AFTER_S, wait) * self.rng.uniform(0.5, 1.0))
                continue
            if status != 200:
                self.error(f"event: status {status}: {data[:120]!r}")
                return None
            reply: dict[str, Any] = json.loads(data)
            if reply.get("expects") == before.get("expects"):
                self.error(f"the reply asks for {before['expects']!r} again")
                return None
            record.acked += 1
            end = time.perf_counter_ns()
            step = self.tally.steps.setdefault(str(before["expects"]["slot"]), [0, 0])
            step[0] += 1
            step[1] += end - start
            self.tally.turn_ns.append(end - start)
            self.tally.turn_total_ns.append(end - first)
            self.tally.turn_done.append(time.monotonic())
            return reply
        self.error("an event could not be delivered within a minute")
        return None

    async def reread(self, path: str) -> dict[str, Any] | None:
        """After a failed post: reconnect and read the session as stored now."""
        failed = time.monotonic()
        for _ in range(20):
            try:
                await self.reconnect()
                status, data, _ = await self.http.request("GET", path, b"", self.client)
            except Failed:
                continue
            if status != 200:
                self.error(f"re-read: status {status}: {data[:120]!r}")
                return None
            self.tally.recoveries.append(time.monotonic() - failed)
            result: dict[str, Any] = json.loads(data)
            return result
        self.error("re-read: no server answered")
        return None


async def generate(spec: LoaderSpec, times: Times) -> Tally:
    tally = Tally()
    users = [User(spec.first_user + i, spec, tally, times.end) for i in range(spec.users)]
    await asyncio.sleep(max(0.0, times.start - time.monotonic()))

    async def cpu_window() -> None:
        await asyncio.sleep(max(0.0, times.warm_end - time.monotonic()))
        before = time.process_time()
        await asyncio.sleep(max(0.0, times.end - time.monotonic()))
        tally.cpu_s = time.process_time() - before

    watch = asyncio.create_task(cpu_window())
    ramp = (times.warm_end - times.start) / 2
    done = await asyncio.gather(*(u.run(ramp) for u in users), return_exceptions=True)
    await watch
    tally.errors.extend(f"user raised {r!r}" for r in done if isinstance(r, BaseException))
    return tally


def loader_main(spec: LoaderSpec, conn: Connection) -> None:
    """A load-generator process: says ready, gets the phase's times, sends its Tally."""
    conn.send("ready")
    times: Times = conn.recv()
    conn.send(asyncio.run(generate(spec, times)))
    conn.close()


# --------------------------------------------------------------------------- servers


def serve_help() -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--help"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout


def serve_env() -> dict[str, str]:
    """No Telegram, no settings from the caller's environment."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZAIRYU_"))}


class Serve:
    """One ``python -m bot serve`` process; its stdout pumped (the port is read from it)."""

    def __init__(self, args: Sequence[str], log: Path) -> None:
        self.log = log
        with log.open("w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "serve", "--port", "0", *SERVE_ARGS, *args],
                cwd=REPO_ROOT,
                env=serve_env(),
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
            )
        self.lines: list[str] = []
        self._port: int | None = None
        self._ready = threading.Event()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if line.startswith("HTTP: ") and self._port is None:
                self._port = int(line.rsplit(":", 1)[1].split("/")[0])
                self._ready.set()
        self._ready.set()

    def port(self) -> int:
        self._ready.wait(SERVE_START_S)
        if self._port is None:
            tail = self.log.read_text(errors="replace")[-800:]
            msg = f"serve did not start (exit {self.proc.poll()}): {tail}"
            raise SetupError(msg)
        return self._port

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def healthy(port: int) -> bool:
    import http.client

    conn = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


class Cluster:
    """The servers of one configuration: one ``serve --workers N`` or N ``serve``."""

    def __init__(self, db: str, processes: int, workers: bool, logs: Path, tag: str) -> None:
        self.processes = processes
        self.workers = workers
        self.serves: list[Serve] = []
        self.seen: set[int] = set()  # every server pid seen (for the final sweep)
        if workers:
            extra = ["--workers", str(processes)] if processes > 1 else []
            self.serves.append(Serve(["--db", db, *extra], logs / f"{tag}.log"))
        else:
            self.serves = [Serve(["--db", db], logs / f"{tag}-{i}.log") for i in range(processes)]
        self.ports = tuple(s.port() for s in self.serves)
        deadline = time.monotonic() + SERVE_START_S
        while not all(healthy(p) for p in self.ports) or len(self.pids()) < processes:
            if time.monotonic() > deadline:
                msg = f"{tag}: the servers did not all answer /healthz"
                raise SetupError(msg)
            time.sleep(0.1)

    def pids(self) -> list[int]:
        """The processes that serve requests: the workers (or the one process), or the hosts."""
        import psutil

        found: list[int] = []
        for serve in self.serves:
            if serve.proc.poll() is not None:
                continue
            if self.workers and self.processes > 1:
                with suppress(psutil.Error):
                    found.extend(c.pid for c in psutil.Process(serve.proc.pid).children())
            else:
                found.append(serve.proc.pid)
        self.seen.update(found)
        return found

    def all_pids(self) -> list[int]:
        """Every process of the servers (a supervisor and its workers), for CPU figures."""
        import psutil

        out: list[int] = []
        for serve in self.serves:
            with suppress(psutil.Error):
                parent = psutil.Process(serve.proc.pid)
                out.append(parent.pid)
                out.extend(c.pid for c in parent.children(recursive=True))
        return out

    def connections(self) -> dict[int, int]:
        """Serving pid -> the client connections it holds (ESTABLISHED on a server port):
        with one listening socket shared by workers, the kernel decides who gets which."""
        import psutil

        out: dict[int, int] = {}
        for pid in self.pids():
            with suppress(psutil.Error):
                out[pid] = sum(
                    1
                    for c in psutil.Process(pid).net_connections(kind="tcp")
                    if c.status == psutil.CONN_ESTABLISHED and c.laddr.port in self.ports
                )
        return out

    def kill_one(self) -> tuple[int, int, int]:
        """SIGKILL the serving process holding the most client connections (a worker, or
        a host): one under load, not an idle one. Its pid, its connections, and all the
        processes' connections at that same instant."""
        held = self.connections()
        victim = max(held, key=lambda pid: held[pid])
        os.kill(victim, signal.SIGKILL)
        return victim, held[victim], sum(held.values())

    def stop(self) -> None:
        import psutil

        self.pids()
        for serve in self.serves:
            serve.stop()
        for pid in self.seen:  # a worker its supervisor left behind would skew what follows
            with suppress(psutil.Error):
                proc = psutil.Process(pid)
                if proc.ppid() in {s.proc.pid for s in self.serves} or proc.ppid() == 1:
                    proc.kill()


# --------------------------------------------------------------------------- stores


class Databases:
    """Fresh databases: SQLite files in the work directory, PostgreSQL databases on one
    throwaway cluster (started on first use)."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.pg: Any = None
        self.count = 0

    def postgres_missing(self) -> str | None:
        from tests.pg_server import missing

        reason = missing()
        if reason is not None:
            return reason
        from bot.storage import StoreURLError, check_store_url

        try:
            check_store_url("postgresql://bench@127.0.0.1:5432/bench")
        except StoreURLError as exc:
            return f"this tree's store does not take PostgreSQL URLs yet ({exc})"
        return None

    def new(self, kind: str) -> str:
        self.count += 1
        if kind == "sqlite":
            url = str(self.work / f"scale-{self.count}.db")
        else:
            if self.pg is None:
                from tests.pg_server import PostgresServer

                self.pg = PostgresServer()
            url = str(self.pg.create_database("scale"))
        from bot.storage import open_store

        # Migrated here, once, as `python -m bot migrate --db URL` would: not by N
        # processes starting at once.
        try:
            open_store(url).close()
        except Exception as exc:
            msg = f"migrating the {kind} database failed: {exc!r}"
            raise SetupError(msg) from exc
        return url

    def postgres_pids(self) -> list[int]:
        """The cluster's processes (postmaster and backends), for CPU figures."""
        import psutil

        if self.pg is None:
            return []
        pid = int((Path(self.pg.data) / "postmaster.pid").read_text().split("\n", 1)[0])
        with suppress(psutil.Error):
            root = psutil.Process(pid)
            return [pid, *(c.pid for c in root.children(recursive=True))]
        return []

    def rows(self, url: str) -> dict[str, tuple[int, str]]:
        """key -> (version, state), straight from the sessions table."""
        query = "SELECT key, version, data FROM sessions"
        if url.startswith(("postgresql://", "postgres://")):
            import psycopg

            with psycopg.connect(url) as conn:
                found = conn.execute(query).fetchall()
        else:
            conn_s = sqlite3.connect(url)
            try:
                found = conn_s.execute(query).fetchall()
            finally:
                conn_s.close()
        return {str(k): (int(v), str(json.loads(d).get("state"))) for k, v, d in found}

    def close(self) -> None:
        if self.pg is not None:
            self.pg.stop()


# --------------------------------------------------------------------------- CPU


class CpuMeter:
    """CPU seconds of sets of processes between two samples (processes that appear in
    between count from zero; ones that die in between are lost, which only the kill run
    sees)."""

    def __init__(self) -> None:
        self.first: dict[int, float] = {}

    @staticmethod
    def _sample(pids: Sequence[int]) -> dict[int, float]:
        import psutil

        out: dict[int, float] = {}
        for pid in pids:
            with suppress(psutil.Error):
                t = psutil.Process(pid).cpu_times()
                out[pid] = float(t.user + t.system)
        return out

    def start(self, pids: Sequence[int]) -> None:
        self.first = self._sample(pids)

    def stop(self, pids: Sequence[int]) -> float:
        last = self._sample(pids)
        return sum(v - self.first.get(pid, 0.0) for pid, v in last.items())


def machine_busy() -> float:
    """CPU seconds the whole machine spent (all cores; not idle, not waiting for I/O)."""
    import psutil

    times = psutil.cpu_times()._asdict()
    return float(sum(times.get(k, 0.0) for k in ("user", "nice", "system", "irq", "softirq")))


# --------------------------------------------------------------------------- a phase


@dataclass(frozen=True, slots=True)
class Settings:
    users: int
    loaders: int
    warmup_s: float
    seconds: float
    kill_seconds: float
    kill_processes: int
    counts: tuple[int, ...]  # the PostgreSQL configurations' process counts
    hosts: bool
    seed: int


@dataclass(frozen=True, slots=True)
class Plan:
    """One configuration to run."""

    label: str
    store: str  # sqlite | postgresql
    processes: int
    kill: bool = False


@dataclass(slots=True)
class Run:
    """What one configuration's run left: the users' tallies, CPU, the stored versions."""

    tallies: list[Tally]
    times: Times
    seconds: float
    cpu: dict[str, float]
    rows: dict[str, tuple[int, str]]
    events: dict[str, Any]
    wall_s: float


@dataclass(slots=True)
class Result:
    """One configuration's figures."""

    label: str
    store: str
    processes: int
    seconds: float
    turns: int
    turns_per_s: float
    creations_per_s: float
    conversations_per_s: float
    p50_ms: float  # the answered request (send to last byte)
    p99_ms: float
    max_ms: float
    p99_with_retries_ms: float  # the turn as the user waited for it (429s waited out)
    create_p99_ms: float
    throttled: dict[str, int]
    failures: int
    cpu_server: float  # cores used during the window
    cpu_postgres: float
    cpu_loaders: float
    cpu_machine: float
    cpu_other: float  # everything else on the machine (other work slows the figures)
    wall_s: float  # the whole configuration, set-up included
    step_mean_ms: dict[str, float]  # mean of the answered request by the slot it answers
    consistency: dict[str, Any] = field(default_factory=dict)
    connections: list[int] = field(default_factory=list)  # per serving process, most first
    kill: dict[str, Any] | None = None


def percentile_ms(samples_ns: Sequence[int], pct: float) -> float:
    """Nearest-rank percentile, in ms (0 when there are no samples)."""
    if not samples_ns:
        return 0.0
    ordered = sorted(samples_ns)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1] / 1e6


def run_load(
    settings: Settings, ports: tuple[int, ...], seconds: float, on_window: Any
) -> tuple[list[Tally], Times]:
    """Start the load generators, run one phase, return their tallies. ``on_window`` is
    called in this process with the Times once the phase is scheduled (it samples CPU,
    and in the kill run kills); it returns when the phase's end has passed."""
    ctx = multiprocessing.get_context("spawn")
    per, extra = divmod(settings.users, settings.loaders)
    specs, first = [], 0
    for i in range(settings.loaders):
        count = per + (i < extra)
        specs.append(LoaderSpec(i, ports, first, count, settings.hosts, settings.seed))
        first += count
    pipes: list[Connection] = []
    procs = []
    for spec in specs:
        mine, theirs = ctx.Pipe()
        proc = ctx.Process(target=loader_main, args=(spec, theirs), daemon=True)
        proc.start()
        theirs.close()
        pipes.append(mine)
        procs.append(proc)
    try:
        for pipe in pipes:
            if not pipe.poll(60) or pipe.recv() != "ready":
                msg = "a load generator did not start"
                raise SetupError(msg)
        start = time.monotonic() + 0.2
        times = Times(start, start + settings.warmup_s, start + settings.warmup_s + seconds)
        for pipe in pipes:
            pipe.send(times)
        on_window(times)
        tallies: list[Tally] = []
        for pipe in pipes:
            if not pipe.poll(REQUEST_TIMEOUT_S * 4):
                msg = "a load generator did not finish"
                raise BenchError(msg)
            tallies.append(pipe.recv())
        return tallies, times
    finally:
        for proc in procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
                proc.join()


def phase(plan: Plan, settings: Settings, dbs: Databases, logs: Path) -> Result:
    """One configuration: fresh database, servers, load, figures, consistency."""
    began = time.monotonic()
    url = dbs.new(plan.store)
    tag = f"{plan.store}-{plan.processes}{'-kill' if plan.kill else ''}"
    cluster = Cluster(url, plan.processes, not settings.hosts, logs, tag)
    seconds = settings.kill_seconds if plan.kill else settings.seconds
    cpu: dict[str, float] = {}
    events: dict[str, Any] = {}
    try:
        meters = {"server": CpuMeter(), "postgres": CpuMeter()}

        def window(times: Times) -> None:
            time.sleep(max(0.0, times.warm_end - time.monotonic()))
            meters["server"].start(cluster.all_pids())
            meters["postgres"].start(dbs.postgres_pids())
            busy, me = machine_busy(), time.process_time()
            events["connections"] = sorted(cluster.connections().values(), reverse=True)
            if plan.kill:
                kill_at = times.warm_end + seconds / 3
                time.sleep(max(0.0, kill_at - time.monotonic()))
                before = set(cluster.pids())
                (
                    events["victim"],
                    events["victim_connections"],
                    events["connections_at_kill"],
                ) = cluster.kill_one()
                events["killed_at"] = time.monotonic()
                while time.monotonic() < times.end:  # a supervisor's replacement worker
                    now = set(cluster.pids())
                    if cluster.workers and now - before and len(now) >= plan.processes:
                        events["replaced_after_s"] = time.monotonic() - events["killed_at"]
                        break
                    time.sleep(0.02)
            time.sleep(max(0.0, times.end - time.monotonic()))
            cpu["server"] = meters["server"].stop(cluster.all_pids())
            cpu["postgres"] = meters["postgres"].stop(dbs.postgres_pids())
            cpu["machine"] = machine_busy() - busy
            cpu["bench"] = time.process_time() - me  # this process (counted as load)

        tallies, times = run_load(settings, cluster.ports, seconds, window)
    finally:
        cluster.stop()
    run = Run(tallies, times, seconds, cpu, dbs.rows(url), events, 0.0)
    run.wall_s = time.monotonic() - began
    return summarize(plan, run)


def summarize(plan: Plan, run: Run) -> Result:
    times, tallies, seconds, cpu = run.times, run.tallies, run.seconds, run.cpu

    def inside(t: float) -> bool:
        return times.warm_end <= t < times.end

    turn_ns, total_ns = [], []
    for tl in tallies:
        for t, ns, total in zip(tl.turn_done, tl.turn_ns, tl.turn_total_ns, strict=True):
            if inside(t):
                turn_ns.append(ns)
                total_ns.append(total)
    create_ns = [
        ns
        for tl in tallies
        for t, ns in zip(tl.create_done, tl.create_ns, strict=True)
        if inside(t)
    ]
    verdicts = sum(1 for tl in tallies for t in tl.verdict_done if inside(t))
    errors = [e for tl in tallies for e in tl.errors]
    if errors:
        msg = f"{plan.label}: {len(errors)} errors from the users; first: {errors[:3]}"
        raise BenchError(msg)
    if not turn_ns:
        msg = f"{plan.label}: no turn was answered in the measured window"
        raise BenchError(msg)
    throttled: dict[str, int] = {}
    for tl in tallies:
        for why, n in tl.throttled.items():
            throttled[why] = throttled.get(why, 0) + n
    loaders = sum(tl.cpu_s for tl in tallies) + cpu["bench"]
    steps: dict[str, list[int]] = {}
    for tl in tallies:
        for slot, (n, ns) in tl.steps.items():
            both = steps.setdefault(slot, [0, 0])
            both[0] += n
            both[1] += ns
    result = Result(
        label=plan.label,
        store=plan.store,
        processes=plan.processes,
        seconds=seconds,
        turns=len(turn_ns),
        turns_per_s=len(turn_ns) / seconds,
        creations_per_s=len(create_ns) / seconds,
        conversations_per_s=verdicts / seconds,
        p50_ms=percentile_ms(turn_ns, 50),
        p99_ms=percentile_ms(turn_ns, 99),
        max_ms=max(turn_ns) / 1e6,
        p99_with_retries_ms=percentile_ms(total_ns, 99),
        create_p99_ms=percentile_ms(create_ns, 99),
        throttled=throttled,
        failures=sum(len(tl.failures) for tl in tallies),
        cpu_server=cpu["server"] / seconds,
        cpu_postgres=cpu["postgres"] / seconds,
        cpu_loaders=loaders / seconds,
        cpu_machine=cpu["machine"] / seconds,
        cpu_other=max(0.0, cpu["machine"] - cpu["server"] - cpu["postgres"] - loaders) / seconds,
        wall_s=run.wall_s,
        step_mean_ms={slot: ns / n / 1e6 for slot, (n, ns) in steps.items()},
    )
    result.consistency = consistency(tallies, run.rows)
    result.connections = list(run.events.get("connections", []))
    if "victim" in run.events:
        result.kill = kill_figures(tallies, times, run.events)
    return result


def consistency(tallies: list[Tally], rows: dict[str, tuple[int, str]]) -> dict[str, Any]:
    """Every session the users know, against its row: version == 1 + acknowledged turns,
    and each difference explained by a turn that committed without its answer."""
    records = [r for tl in tallies for r in tl.sessions]
    known = {"web:" + r.session_id for r in records}
    lost_turns = 0
    missing = 0
    mismatched = 0
    explained = 0
    unexplained: list[str] = []
    not_at_verdict = 0
    for r in records:
        version, state = rows.get("web:" + r.session_id, (None, ""))
        if r.completed and state != "verdict":
            not_at_verdict += 1
            unexplained.append(f"{r.session_id[:6]}: the user saw the verdict, stored {state!r}")
        if version is None:
            missing += 1
            lost_turns += BASE_VERSION + r.acked
            unexplained.append(f"{r.session_id[:6]}: no row ({r.acked} turns acknowledged)")
            continue
        acked_version = BASE_VERSION + r.acked
        lost_turns += max(0, acked_version - version)
        if version != acked_version:
            mismatched += 1
            if version == acked_version + r.committed_unacked:
                explained += 1
            else:
                unexplained.append(
                    f"{r.session_id[:6]}: version {version}, acknowledged {r.acked}, "
                    f"committed unacknowledged {r.committed_unacked}"
                )
        elif r.committed_unacked:
            unexplained.append(
                f"{r.session_id[:6]}: the re-read said a turn committed, the version says not"
            )
    strays = len(set(rows) - known)
    unacked_creations = sum(tl.creations_unacked for tl in tallies)
    if strays > unacked_creations:
        unexplained.append(
            f"{strays} rows no user created, but only {unacked_creations} creations unanswered"
        )
    return {
        "sessions": len(records),
        "rows": len(rows),
        "acknowledged_turns": sum(r.acked for r in records),
        "completed": sum(r.completed for r in records),
        "completed_not_stored_at_verdict": not_at_verdict,
        "acknowledged_turns_lost": lost_turns,
        "sessions_missing": missing,
        "version_not_acknowledged": mismatched,
        "explained_by_unacknowledged_commit": explained,
        "committed_unacknowledged": sum(r.committed_unacked for r in records),
        "resent_not_committed": sum(r.resent for r in records),
        "creations_unacknowledged": unacked_creations,
        "rows_without_known_creation": strays,
        "unexplained": unexplained,
    }


def kill_figures(tallies: list[Tally], times: Times, events: dict[str, Any]) -> dict[str, Any]:
    killed = float(events["killed_at"])
    done = sorted(t for tl in tallies for t in tl.turn_done)
    before = [t for t in done if times.warm_end <= t < killed]
    after = [t for t in done if killed + 1 <= t < times.end]
    recoveries = sorted(r for tl in tallies for r in tl.recoveries)
    bins = [
        sum(1 for t in done if killed + s <= t < killed + s + 1)
        for s in range(int(times.end - killed))
    ]
    failures = sorted(t for tl in tallies for t in tl.failures)
    return {
        "victim_pid": events["victim"],
        "victim_connections": events["victim_connections"],
        "connections_at_kill": events["connections_at_kill"],
        "killed_after_s": killed - times.warm_end,
        "turns_per_s_before": len(before) / max(1e-9, killed - times.warm_end),
        "turns_per_s_after": len(after) / max(1e-9, times.end - killed - 1),
        "slowest_second_after": min(bins) if bins else 0,
        "first_second_after": bins[0] if bins else 0,
        "recovery_p50_ms": recoveries[len(recoveries) // 2] * 1e3 if recoveries else 0.0,
        "recovery_max_ms": recoveries[-1] * 1e3 if recoveries else 0.0,
        "failed_requests": len(failures),
        "replaced_after_s": events.get("replaced_after_s"),
    }


# --------------------------------------------------------------------------- report


def print_machine(settings: Settings, mode: str, notes: list[str]) -> dict[str, Any]:
    from bench_core import machine_facts

    facts = machine_facts()
    facts["mode"] = mode
    print(f"  python {facts['python']}, {facts['cpu_count']} cpus, sqlite {facts['sqlite']}")
    print(
        f"  {settings.users} users (closed loop, no think time) in {settings.loaders} load "
        f"processes; warm-up {settings.warmup_s:g} s, then {settings.seconds:g} s measured "
        f"per configuration; mode {mode}"
    )
    for note in notes:
        print(f"  NOTE: {note}")
    return facts


def print_table(results: list[Result]) -> None:
    base = results[0]
    print(
        f"  {'configuration':<20}{'turns/s':>8}{'x base':>8}{'p50 ms':>8}{'p99 ms':>8}"
        f"{'+429 waits':>11}{'conv/s':>7}{'429s':>6}  CPU cores: serve   pg load other"
    )
    for r in results:
        print(
            f"  {r.label:<20}{r.turns_per_s:>8,.0f}{r.turns_per_s / base.turns_per_s:>7.2f}x"
            f"{r.p50_ms:>8.1f}{r.p99_ms:>8.1f}{r.p99_with_retries_ms:>11.1f}"
            f"{r.conversations_per_s:>7.1f}{sum(r.throttled.values()):>6}{'':>13}"
            f"{r.cpu_server:>5.2f}{r.cpu_postgres:>5.2f}{r.cpu_loaders:>5.2f}{r.cpu_other:>6.2f}"
        )
    print(
        "  p99 = the answered request; +429 waits = the turn as the user waited for it; CPU "
        "in cores during the window (load = the load generators)"
    )
    for r in results:
        means = ", ".join(f"{slot} {ms:.0f}" for slot, ms in r.step_mean_ms.items())
        print(f"  {r.label}: mean ms by the slot answered: {means}")
        if r.processes > 1:
            held = ", ".join(str(n) for n in r.connections)
            print(f"  {'':<{len(r.label)}}  client connections per process: {held}")
    reasons: dict[str, int] = {}
    for r in results:
        for why, n in r.throttled.items():
            reasons[why] = reasons.get(why, 0) + n
    if reasons:
        print(f"  429 answers (waited out, sent again): {reasons}")
    for r in results:
        if r.cpu_other >= 0.2:
            print(
                f"  NOTE: other processes used {r.cpu_other:.2f} cores during {r.label}: the "
                "machine was not quiet, that figure is low"
            )


def prediction(results: list[Result]) -> dict[str, Any]:
    """What a core adds: turns per CPU-second of the serving side (serve + PostgreSQL),
    from the PostgreSQL configurations; and the measured 1 -> 2 process gain."""
    pg = [r for r in results if r.store == "postgresql"] or results[1:]
    out: dict[str, Any] = {}
    if not pg:
        return out
    best = max(pg, key=lambda r: r.turns_per_s)
    serve_per_turn = best.cpu_server / best.turns_per_s
    pg_per_turn = best.cpu_postgres / best.turns_per_s
    out["from"] = best.label
    out["serve_cpu_ms_per_turn"] = serve_per_turn * 1e3
    out["postgres_cpu_ms_per_turn"] = pg_per_turn * 1e3
    out["turns_per_s_per_serving_core"] = 1 / (serve_per_turn + pg_per_turn)
    out["turns_per_s_per_serve_core"] = 1 / serve_per_turn
    base = results[0]
    out["sqlite_cpu_ms_per_turn"] = base.cpu_server / base.turns_per_s * 1e3
    one = next((r for r in pg if r.processes == 1), None)
    two = next((r for r in pg if r.processes == 2), None)
    if one and two:
        out["measured_gain_1_to_2"] = two.turns_per_s / one.turns_per_s
    print()
    print(f"  Per added core (from the CPU each turn cost in {best.label}, the fastest):")
    print(
        f"    serve {out['serve_cpu_ms_per_turn']:.2f} ms + PostgreSQL "
        f"{out['postgres_cpu_ms_per_turn']:.2f} ms of CPU per turn (SQLite x1: "
        f"{out['sqlite_cpu_ms_per_turn']:.2f} ms) -> about "
        f"{out['turns_per_s_per_serving_core']:,.0f} turns/s per core,"
    )
    print(
        f"    or {out['turns_per_s_per_serve_core']:,.0f} turns/s per core given to serve "
        "workers when PostgreSQL runs on cores of its own; the load generator elsewhere"
    )
    if "measured_gain_1_to_2" in out:
        print(
            f"    measured here, 1 -> 2 processes: {out['measured_gain_1_to_2']:.2f}x (2 cores "
            "shared with PostgreSQL and the load generators: no idle core to add)"
        )
    return out


def print_consistency(results: list[Result]) -> list[str]:
    problems: list[str] = []
    print()
    print(
        f"  {'consistency':<26}{'sessions':>9}{'rows':>7}{'acked':>9}{'lost':>6}"
        f"{'v!=1+acked':>12}{'explained':>11}{'verdicts':>10}{'stored':>8}"
    )
    for r in results:
        c = r.consistency
        print(
            f"  {r.label:<26}{c['sessions']:>9,}{c['rows']:>7,}{c['acknowledged_turns']:>9,}"
            f"{c['acknowledged_turns_lost']:>6}{c['version_not_acknowledged']:>12}"
            f"{c['explained_by_unacknowledged_commit']:>11}{c['completed']:>10,}"
            f"{c['completed'] - c['completed_not_stored_at_verdict']:>8,}"
        )
        if c["acknowledged_turns_lost"] or c["unexplained"]:
            problems.append(f"{r.label}: {c['unexplained'][:3]}")
        if r.kill is None and r.failures:
            problems.append(f"{r.label}: {r.failures} requests failed without a kill")
    print(
        "  sessions = creations answered 201; rows = sessions in the database; lost = "
        "acknowledged turns not in the stored version;\n  explained = version is 1 + "
        "acknowledged + the turns the re-read found saved; verdicts = conversations whose "
        "user saw the verdict, stored = of those, stored in state verdict"
    )
    return problems


def print_kill(r: Result) -> None:
    assert r.kill is not None
    k, c = r.kill, r.consistency
    print()
    print(f"== kill -9 under load: {r.label}, {r.seconds:g} s ==")
    replaced = (
        f"; the supervisor had forked a new worker {k['replaced_after_s']:.2f} s later"
        if k["replaced_after_s"] is not None
        else "; nothing restarts it (the others carry the load)"
    )
    print(
        f"  SIGKILL to pid {k['victim_pid']} (holding {k['victim_connections']} of the "
        f"{k['connections_at_kill']} client connections) {k['killed_after_s']:.1f} s into the "
        f"window{replaced}"
    )
    print(
        f"  turns/s before {k['turns_per_s_before']:,.0f}, after (from 1 s on) "
        f"{k['turns_per_s_after']:,.0f}; first second after {k['first_second_after']:,}, "
        f"slowest second {k['slowest_second_after']:,}"
    )
    print(
        f"  {k['failed_requests']} requests failed (connection reset or refused): "
        f"{c['committed_unacknowledged']} event posts had committed (the re-read showed the "
        f"next question; not sent again), {c['resent_not_committed']} had not (sent again), "
        f"{c['creations_unacknowledged']} were creations; a failed turn's user had the "
        f"stored session again after {k['recovery_p50_ms']:.0f} ms (median), "
        f"{k['recovery_max_ms']:.0f} ms (slowest)"
    )
    print(
        f"  acknowledged turns lost: {c['acknowledged_turns_lost']}; sessions whose version "
        f"!= 1 + acknowledged: {c['version_not_acknowledged']}, of which "
        f"{c['explained_by_unacknowledged_commit']} are exactly 1 + acknowledged + the turn "
        "that committed in flight"
    )
    print(
        f"  creations in flight: {c['creations_unacknowledged']} unanswered, "
        f"{c['rows_without_known_creation']} of them saved before the process died (rows no "
        "user knows; retention deletes them)"
    )
    for line in c["unexplained"][:5]:
        print(f"  UNEXPLAINED: {line}")


def write_sizing(path: Path, results: list[Result], pred: dict[str, Any], mode: str) -> None:
    """The deploy guide's sizing table, from this run, with what it does and does not say."""
    cores = os.cpu_count()
    lines = [
        "# Sizing (draft from `bench/bench_scale.py`; integrator: check before the deploy guide)",
        "",
        f"Measured on one machine with {cores} cores, shared by the `serve` processes, "
        f"PostgreSQL and the load generator (mode {mode}; PostgreSQL is a throwaway cluster "
        "with fsync off, SQLite runs WAL with synchronous=NORMAL). Users are closed-loop with "
        "no think time, so these are saturation figures. A conversation is 1 creation + 8 "
        "turns (9 requests); a turn is one `POST /api/v1/sessions/{id}/events`.",
        "",
        "| configuration | turns/s | p99 ms | conversations/hour at saturation | "
        "CPU ms per turn (serve + PostgreSQL) | CPU used by other work (cores) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        per_turn = (r.cpu_server + r.cpu_postgres) / r.turns_per_s * 1e3
        lines.append(
            f"| {r.label} | {r.turns_per_s:,.0f} | {r.p99_ms:.0f} | "
            f"{r.conversations_per_s * 3600:,.0f} | {per_turn:.2f} | {r.cpu_other:.2f} |"
        )
    base = results[0]
    lines += [
        "",
        f"- One process on SQLite ({base.turns_per_s:,.0f} turns/s here) is the fastest "
        "setup on a small machine: a turn costs less CPU than on PostgreSQL. PostgreSQL is "
        "for more cores, several hosts, or a database that outlives the host.",
        "- One `serve` process uses at most about one core (Python): more throughput takes "
        "more processes (`--workers N`, about one per core) or hosts.",
    ]
    if pred:
        per_core = pred["turns_per_s_per_serving_core"]
        half = per_core / 2
        lines += [
            f"- Per core added to serving (serve + PostgreSQL): about {per_core:,.0f} turns/s "
            f"({per_core / (EVENTS_PER_CONVERSATION + 1) * 3600:,.0f} conversations/hour, the "
            "creation counted as a turn), from the CPU each turn cost in "
            f"{pred['from']}. On {cores} cores the load generator took its share, so the "
            "measured gain from more processes is smaller than that.",
            f"- Planning: keep the peak at half of saturation ({half:,.0f} turns/s per core). "
            "People read and type between turns: with 10 s per turn, one person makes 0.1 "
            f"turns/s, so a core serves about {half * 10:,.0f} people at once.",
        ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Scale-out benchmark over the HTTP API: turns/s and p50/p99 with 1, 2 "
        "and 4 serve processes on PostgreSQL against 1 on SQLite, then kill -9 of one "
        "process under load with every session's version checked in the database. Prints "
        "a report and a final `RESULT {json}` line."
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run under 60 s: 3 s per configuration, no 4-process run",
    )
    parser.add_argument(
        "--mode",
        choices=("workers", "hosts"),
        default="workers",
        help="one `serve --workers N` (default), or N serve processes on N ports",
    )
    parser.add_argument(
        "--users", type=int, default=DEFAULT_USERS, help=f"simulated users ({DEFAULT_USERS})"
    )
    parser.add_argument(
        "--loaders",
        type=int,
        default=DEFAULT_LOADERS,
        help=f"load-generator processes ({DEFAULT_LOADERS})",
    )
    parser.add_argument(
        "--seconds", type=float, help="measured seconds per configuration (15; quick 3)"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE")
    parser.add_argument(
        "--sizing", metavar="FILE", help="write the sizing table draft (Markdown) to FILE"
    )
    parser.add_argument("--no-kill", action="store_true", help="skip the kill -9 run")
    args = parser.parse_args(argv)
    if args.users < 1 or args.loaders < 1 or args.users < args.loaders:
        parser.error("--users and --loaders must be >= 1, and users >= loaders")
    if args.seconds is not None and args.seconds <= 0:
        parser.error("--seconds must be > 0")
    return args


def settings_from(args: argparse.Namespace, notes: list[str]) -> Settings:
    quick: bool = args.quick
    seconds: float = args.seconds or (3.0 if quick else 15.0)
    mode: str = args.mode
    if mode == "workers" and "--workers" not in serve_help():
        notes.append("`serve --workers` is not in this tree yet: hosts mode (N serve processes)")
        mode = "hosts"
    return Settings(
        users=args.users,
        loaders=args.loaders,
        warmup_s=0.5 if quick else 3.0,
        seconds=seconds,
        kill_seconds=max(seconds, 5.0 if quick else 20.0),
        kill_processes=2 if quick else 4,
        counts=PROCESS_COUNTS[:2] if quick else PROCESS_COUNTS,
        hosts=mode == "hosts",
        seed=14,
    )


def run_all(
    settings: Settings, dbs: Databases, work: Path, notes: list[str], *, kill: bool
) -> tuple[list[Result], Result | None]:
    scale_store = "postgresql"
    missing = dbs.postgres_missing()
    if missing:
        notes.append(f"no PostgreSQL ({missing}): the scale-out runs share a SQLite file")
        scale_store = "sqlite"
    plans = [Plan("sqlite x1 (base)", "sqlite", 1)]
    plans += [Plan(f"{scale_store} x{n}", scale_store, n) for n in settings.counts]
    for note in notes:
        print(f"  NOTE: {note}")
    results: list[Result] = []
    for plan in plans:
        print(f"  running {plan.label} ...", end=" ", flush=True)
        results.append(phase(plan, settings, dbs, work))
        print(f"{results[-1].wall_s:.1f} s", flush=True)
    if not kill:
        return results, None
    n = settings.kill_processes
    plan = Plan(f"{scale_store} x{n}, kill -9", scale_store, n, kill=True)
    print(f"  running {plan.label} ...", end=" ", flush=True)
    killed = phase(plan, settings, dbs, work)
    print(f"{killed.wall_s:.1f} s", flush=True)
    return results, killed


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from bench_core import check_catalogs

    problem = check_catalogs()
    if problem:
        print(f"error: {problem} (run `make compile`)", file=sys.stderr)
        return 2
    notes: list[str] = []
    settings = settings_from(args, notes)
    mode = "hosts" if settings.hosts else "workers"
    print(f"Zairyu Guide scale-out benchmark ({'quick' if args.quick else 'full'} run)")
    facts = print_machine(settings, mode, [])
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        dbs = Databases(Path(tmp))
        try:
            results, kill = run_all(settings, dbs, Path(tmp), notes, kill=not args.no_kill)
        except SetupError as exc:
            print(f"\nerror: {exc}", file=sys.stderr)
            return 2
        except BenchError as exc:
            print(f"\nFAILED: {exc}", file=sys.stderr)
            return 1
        finally:
            dbs.close()
    print(f"\n== Turns/s and latency per API turn ({settings.users} users) ==")
    print_table(results)
    pred = prediction(results)
    problems = print_consistency(results + ([kill] if kill else []))
    if kill is not None:
        print_kill(kill)
    if args.sizing:
        write_sizing(Path(args.sizing), results, pred, mode)
        print(f"\n  sizing table draft written to {args.sizing}")
    figures = {
        "machine": facts,
        "settings": asdict(settings),
        "notes": notes,
        "results": [asdict(r) for r in results],
        "kill": asdict(kill) if kill else None,
        "prediction": pred,
        "problems": problems,
    }
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    for p in problems:
        print(f"  FAILED: {p}")
    print("RESULT " + json.dumps(figures, sort_keys=True))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
