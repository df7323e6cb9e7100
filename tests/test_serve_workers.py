"""``serve --workers N`` (issue 14) as a user runs it: real processes on one port, a real
SQLite file or PostgreSQL database, real HTTP on 127.0.0.1.

Which worker answers a request is found without any debug hook: a kept-alive
connection stays with the worker that accepted it, and psutil shows which worker holds
it. Requests on connections held by different workers thus reach different processes.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import signal
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import psutil
import pytest

from bot.channels.serve import LONG_POLLING_ONE_PROCESS, shared_limits
from bot.channels.telegram_core import command_sets
from bot.channels.web_guards import Limiter, RateLimiter, limiter_for, sightings_for
from bot.storage import open_store
from tests.fake_bot_api import FakeBotApi, running, text_update
from tests.serve_process import Served, serve, serve_refused

TOKEN = "123:TEST"
SECRET = "s3cret_-token-0123456789abcdefghij"
# Kept-alive connections must outlive the test (the default closes idle ones after 5 s).
KEEP = ("--keep-alive", "120")
JSON = {"Content-Type": "application/json"}
# A conversation over the API, one event per turn, after the session's creation.
TURNS: list[dict[str, Any]] = [
    {"choice": "lang:en"},
    {"choice": "user_type:foreign_national"},
    {"text": "renewal"},
    {"text": "留学"},
    {"command": "restart"},
    {"choice": "lang:en"},
]


def _workers(served: Served, count: int, *, other_than: frozenset[int] = frozenset()) -> list[int]:
    """The pids of the server's ``count`` workers, once that many are running (none of
    them in ``other_than``)."""
    parent = psutil.Process(served.proc.pid)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pids = [p.pid for p in parent.children() if p.status() != psutil.STATUS_ZOMBIE]
        if len(pids) == count and not set(pids) & other_than:
            return sorted(pids)
        time.sleep(0.05)
    pytest.fail(f"expected {count} workers, found {parent.children()}")


def _holder(pids: list[int], port: int, local: int) -> int | None:
    """The worker holding our connection from local port ``local`` to ``port``."""
    for pid in pids:
        for conn in psutil.Process(pid).net_connections(kind="tcp"):
            if conn.raddr and conn.raddr.port == local and conn.laddr.port == port:
                return pid
    return None


@contextmanager
def pinned(served: Served, pids: list[int]) -> Iterator[dict[int, http.client.HTTPConnection]]:
    """A kept-alive connection held by each worker (new connections until every worker
    has accepted one), closed afterwards."""
    found: dict[int, http.client.HTTPConnection] = {}
    with ExitStack() as stack:
        for _ in range(500):
            conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
            stack.callback(conn.close)
            status, _ = call(conn, "GET", "/healthz")
            assert status == 200
            assert conn.sock is not None
            holder = _holder(pids, served.port, conn.sock.getsockname()[1])
            assert holder is not None
            if holder not in found:
                found[holder] = conn
            if len(found) == len(pids):
                break
        assert sorted(found) == pids
        yield found


def call(
    conn: http.client.HTTPConnection, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    """One request on a kept-alive connection: status and decoded JSON (None if empty)."""
    data = None if body is None else json.dumps(body).encode()
    conn.request(method, path, body=data, headers=JSON if data is not None else {})
    resp = conn.getresponse()
    raw = resp.read()
    return resp.status, json.loads(raw) if raw else None


def _clean_stop(served: Served, pids: list[int]) -> None:
    """SIGTERM to the parent stops every worker, and the parent exits 0."""
    served.proc.send_signal(signal.SIGTERM)
    assert served.proc.wait(timeout=30) == 0
    assert not [p for p in pids if psutil.pid_exists(p)]


def _alternating_turns(
    conns: list[http.client.HTTPConnection],
) -> tuple[str, int]:
    """A session created on the first connection, then its turns alternating between
    all of them; the session id and the turns acknowledged (creation included)."""
    status, created = call(conns[0], "POST", "/api/v1/sessions", {})
    assert status == 201
    sid = created["session_id"]
    for n, event in enumerate(TURNS):
        status, reply = call(
            conns[(n + 1) % len(conns)], "POST", f"/api/v1/sessions/{sid}/events", event
        )
        assert status == 200, reply
        assert reply["messages"]
    return sid, 1 + len(TURNS)


def _assert_consistent(db: str, sid: str, acknowledged: int) -> None:
    store = open_store(db)
    try:
        session = store.load("web:" + sid)
    finally:
        store.close()
    assert session is not None
    assert session.turns == acknowledged
    assert session.version == acknowledged


# --------------------------------------------------------------------------- SQLite


def test_two_workers_share_the_port_and_both_answer_turns_of_one_session(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with serve(db, {}, ["--workers", "2", *KEEP]) as served:
        pids = _workers(served, 2)
        with pinned(served, pids) as conns:
            sid, acknowledged = _alternating_turns([conns[pids[0]], conns[pids[1]]])
            status, again = call(conns[pids[1]], "GET", f"/api/v1/sessions/{sid}")
            assert status == 200
            assert again["messages"]
        _clean_stop(served, pids)
    assert "Traceback" not in served.stderr
    _assert_consistent(str(db), sid, acknowledged)
    # The start-up lines once, not once per worker.
    assert sum(line.startswith("HTTP: ") for line in served.lines) == 1
    assert sum(line.startswith("Workers: 2 processes") for line in served.lines) == 1
    assert any("kept in the store, shared" in line for line in served.lines)


@pytest.mark.parametrize(
    ("number", "name"),
    [(signal.SIGKILL, "SIGKILL"), (signal.SIGRTMIN + 6, f"signal {signal.SIGRTMIN + 6}")],
    ids=["sigkill", "realtime-signal"],
)
def test_a_worker_killed_with_a_signal_is_restarted_and_requests_go_on(
    tmp_path: Path, number: int, name: str
) -> None:
    """kill -9, and a real-time signal Python has no name for (which once made the
    parent's message raise and take every worker down)."""
    with serve(tmp_path / "s.db", {}, ["--workers", "2", *KEEP]) as served:
        first = _workers(served, 2)
        victim, survivor = first
        os.kill(victim, number)
        # Requests keep succeeding while the parent restarts the dead worker.
        for _ in range(20):
            assert served.post("/api/v1/sessions", b"{}", JSON)[0] == 201
        now = _workers(served, 2, other_than=frozenset({victim}))
        assert survivor in now
        with pinned(served, now) as conns:
            _alternating_turns(list(conns.values()))
        _clean_stop(served, now)
    assert "Traceback" not in served.stderr
    said = [line for line in served.lines if f"(pid {victim})" in line]
    assert len(said) == 1
    assert f"was killed by {name}; restarting it" in said[0]
    assert any("restarted as pid" in line for line in served.lines)


def _burst(served: Served, count: int) -> list[http.client.HTTPConnection]:
    """``count`` kept-alive connections opened at once (all connected before any sends),
    then one GET /healthz sent on each; the answers are left to read."""
    conns = [http.client.HTTPConnection("127.0.0.1", served.port, timeout=60) for _ in range(count)]
    for conn in conns:
        conn.connect()
    for conn in conns:
        conn.request("GET", "/healthz")
    return conns


def _local_port(conn: http.client.HTTPConnection) -> int:
    assert conn.sock is not None
    return int(conn.sock.getsockname()[1])


def test_a_burst_of_connections_is_spread_over_the_workers(tmp_path: Path) -> None:
    """20 connections arriving at once: on one shared socket the first worker to wake
    accepted them all; with a SO_REUSEPORT socket each, the kernel hashes them over both
    (all 20 on one of 2 sockets by chance: 1 in 500 000)."""
    with serve(tmp_path / "s.db", {}, ["--workers", "2", *KEEP]) as served:
        pids = _workers(served, 2)
        conns = _burst(served, 20)
        try:
            statuses = [conn.getresponse().status for conn in conns]
            holders = [_holder(pids, served.port, _local_port(conn)) for conn in conns]
        finally:
            for conn in conns:
                conn.close()
        _clean_stop(served, pids)
    assert statuses == [200] * 20
    spread = {pid: holders.count(pid) for pid in pids}
    assert None not in holders, spread
    assert all(spread.values()), spread
    assert "Traceback" not in served.stderr


def test_connections_queued_for_a_killed_worker_are_served_by_its_replacement(
    tmp_path: Path,
) -> None:
    """A worker stopped (SIGSTOP) while 20 connections arrive, then killed with SIGKILL:
    those the kernel gave its socket wait in the socket's backlog (the parent keeps it
    open) and the replacement answers them; none is refused or reset, and new requests
    sent right after the kill succeed too."""
    with serve(tmp_path / "s.db", {}, ["--workers", "2", *KEEP]) as served:
        pids = _workers(served, 2)
        with pinned(served, pids):  # both workers up and serving
            victim, survivor = pids
            os.kill(victim, signal.SIGSTOP)
            conns = _burst(served, 20)  # none can be accepted by the victim
            try:
                os.kill(victim, signal.SIGKILL)
                right_after = [served.get("/healthz")[0] for _ in range(10)]
                statuses = [conn.getresponse().status for conn in conns]
                now = _workers(served, 2, other_than=frozenset({victim}))
                holders = [_holder(now, served.port, _local_port(conn)) for conn in conns]
            finally:
                for conn in conns:
                    conn.close()
        _clean_stop(served, now)
    assert right_after == [200] * 10
    assert statuses == [200] * 20
    # Some were queued at the victim's socket, and its replacement took them.
    replacement = next(pid for pid in now if pid != survivor)
    assert replacement in holders, holders
    assert None not in holders
    said = [line for line in served.lines if f"(pid {victim})" in line]
    assert len(said) == 1
    assert "was killed by SIGKILL; restarting it" in said[0]
    assert "Traceback" not in served.stderr


def test_the_rate_limit_is_one_budget_across_the_workers(tmp_path: Path) -> None:
    """--rate-limit 12 gives a burst of 3 (refilled one per 5 s): three requests in all,
    whichever worker takes them, then 429 from both."""
    with serve(tmp_path / "s.db", {}, ["--workers", "2", "--rate-limit", "12", *KEEP]) as served:
        pids = _workers(served, 2)
        with pinned(served, pids) as conns:
            a, b = conns[pids[0]], conns[pids[1]]
            statuses = [call(conn, "GET", "/api/v1/config")[0] for conn in (a, b, a, b, a)]
        _clean_stop(served, pids)
    assert statuses == [200, 200, 200, 429, 429]


def test_a_webhook_update_posted_to_two_workers_runs_once(tmp_path: Path) -> None:
    with running(FakeBotApi(TOKEN)) as api:
        env = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": api.base_url.removesuffix("/bot"),
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg/hook",
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
        }
        headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
        with serve(tmp_path / "s.db", env, ["--workers", "2", *KEEP]) as served:
            pids = _workers(served, 2)
            with pinned(served, pids) as conns:
                answers = []
                for n, (update_id, pid) in enumerate(((7, pids[0]), (7, pids[1]), (8, pids[1]))):
                    body = json.dumps({"update_id": update_id, **text_update(50 + n, "hello")})
                    conns[pid].request("POST", "/tg/hook", body=body.encode(), headers=headers)
                    resp = conns[pid].getresponse()
                    answers.append((resp.status, json.loads(resp.read())))
                # Updates 7 and 8 each answered, once: one chat each.
                api.wait_for("sendMessage", 2, timeout=20)
            _clean_stop(served, pids)
        sent_to = sorted(int(c.params["chat_id"]) for c in api.calls("sendMessage"))
        # Telegram-wide registrations are made once (worker 0), not once per worker.
        assert len(api.calls("setWebhook")) == 1
        assert len(api.calls("setMyCommands")) == len(command_sets())
    assert answers == [
        (200, {"ok": True}),
        (200, {"ok": True, "duplicate": True}),
        (200, {"ok": True}),
    ]
    assert sent_to[0] == 50
    assert 51 not in sent_to
    assert 52 in sent_to
    assert "Traceback" not in served.stderr


def test_workers_stop_by_themselves_when_the_parent_is_killed(tmp_path: Path) -> None:
    """kill -9 of the parent leaves nobody to restart or stop the workers: they stop,
    and the port is free for the next `serve`."""
    with serve(tmp_path / "s.db", {}, ["--workers", "2"]) as served:
        pids = _workers(served, 2)
        served.proc.kill()
        served.proc.wait(timeout=10)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and [p for p in pids if _alive(p)]:
            time.sleep(0.1)
        assert not [p for p in pids if _alive(p)]
    with serve(tmp_path / "s.db", {}, ["--port", str(served.port)]) as again:
        assert again.get("/healthz")[0] == 200


def _alive(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


def test_long_polling_with_several_workers_is_refused_in_one_line(tmp_path: Path) -> None:
    proc = serve_refused(tmp_path / "s.db", {"TELEGRAM_BOT_TOKEN": TOKEN}, ["--workers", "2"])
    assert proc.returncode == 2
    assert proc.stderr == f"error: {LONG_POLLING_ONE_PROCESS}\n"
    assert proc.stdout == ""


@pytest.mark.parametrize("value", ["0", "33", "two", "1.5", "-1"])
def test_a_bad_worker_count_is_one_line_and_exit_2(tmp_path: Path, value: str) -> None:
    proc = serve_refused(tmp_path / "s.db", {}, ["--workers", value])
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert "--workers: expected a whole number from 1 to 32" in proc.stderr


# --------------------------------------------------------------------------- the limiters


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A real store of each kind, as the store-backed limiters use it."""
    url = str(tmp_path / "s.db") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    store = open_store(url)
    yield store
    store.close()


def test_the_store_backed_limiter_answers_as_the_memory_one(shared_store: Any) -> None:
    """Burst 2 at one a minute: two requests go, the third waits about a minute, another
    client is not affected; as RateLimiter with a clock that stands still."""
    shared = limiter_for(shared_store, "api", 1, 2)
    memory = RateLimiter(1, 2, clock=lambda: 0.0)

    async def takes(limiter: Limiter) -> list[float]:
        return [await limiter.take(c, cost) for c, cost in (("a", 1), ("a", 1), ("a", 1), ("b", 5))]

    got, want = asyncio.run(takes(shared)), asyncio.run(takes(memory))
    assert got[:2] == want[:2] == [0.0, 0.0]
    assert want[2] == pytest.approx(60.0)
    assert 55.0 < got[2] <= 60.0
    assert got[3] == want[3] == 0.0  # a cost over the burst is charged as the burst


def test_the_store_backed_sightings_run_an_update_once(shared_store: Any) -> None:
    async def steps() -> list[bool]:
        seen = sightings_for(shared_store, "telegram", 10)
        first, again = await seen.first(41), await seen.first(41)
        await seen.forget(41)  # its handling failed: a resend must run it
        return [first, again, await seen.first(41), await seen.first(42)]

    assert asyncio.run(steps()) == [True, False, True, True]


def test_one_process_on_sqlite_keeps_the_limits_in_memory(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "s.db"))
    try:
        assert shared_limits(store, 1) is None
        assert id(shared_limits(store, 2)) == id(store)  # several workers: the store
    finally:
        store.close()


# --------------------------------------------------------------------------- PostgreSQL


def test_two_serve_processes_on_one_postgresql_database_share_a_session(pg_url: str) -> None:
    """Two separate `serve` processes (as on two hosts), one database: the turns of one
    session alternate between them and the stored session counts every one."""
    with (
        serve(pg_url, {}, KEEP) as one,
        serve(pg_url, {}, ["--workers", "2", *KEEP]) as two,
    ):
        assert one.port != two.port
        first = http.client.HTTPConnection("127.0.0.1", one.port, timeout=10)
        second = http.client.HTTPConnection("127.0.0.1", two.port, timeout=10)
        try:
            sid, acknowledged = _alternating_turns([first, second])
        finally:
            first.close()
            second.close()
    for served in (one, two):
        assert served.proc.returncode == 0
        assert "Traceback" not in served.stderr
        # A server store: the limits are shared even by the single process.
        assert any("kept in the store, shared" in line for line in served.lines)
    _assert_consistent(pg_url, sid, acknowledged)


@pytest.mark.parametrize(("number", "name"), [(9, "SIGKILL"), (15, "SIGTERM"), (40, "signal 40")])
def test_a_worker_killed_by_any_signal_is_named(number: int, name: str) -> None:
    """A real-time signal has no name in Python: the restart message must not raise."""
    from bot.channels.workers import signal_name

    assert signal_name(number) == name
