"""Benchmark of ``python -m bot serve`` under abuse, BEFORE and AFTER issue 12 (hardening for
the open internet). Figures are printed; nothing fails a build.

BEFORE is the code as it was: commit :data:`BEFORE_COMMIT` (the last one before issue 12),
taken with ``git archive`` into a temporary directory (its catalogs compiled there) and run
with this venv as ``python -m bot serve`` with its defaults: uvicorn's own settings (no
deadline for receiving a request, no connection cap, ``X-Forwarded-For`` believed from
127.0.0.1), the FAQ search on the event loop, tracebacks in the log. AFTER is the work tree
with its defaults. Both are real server processes on 127.0.0.1 with a SQLite file in a
temporary directory; each phase starts a fresh one. Without git history BEFORE is skipped.

Phases (the four figures of issue 12's "done when"):

1. **Idle connections.** The server runs with an open-files limit of :data:`NOFILE`
   (``setrlimit`` in the child: running out is cheap). :data:`IDLE` connections are opened
   and send nothing. For :data:`IDLE_SECONDS` s, /healthz is asked once a second (1.5 s
   timeout) and the server's established connections are counted (psutil, from outside).
   Printed: the most idle connections the server held, how many probes were answered (any
   HTTP status: over the cap the answer is 503), the connections still held at the end,
   and the bytes the server logged.
2. **Header spam.** :data:`SPAM` requests to ``GET /api/v1/config``, each on a new
   connection with a different ~60 KB ``X-Forwarded-For``; the server's RSS before and
   after. BEFORE believes the header from 127.0.0.1 (every value is a new rate-limit key);
   AFTER by default ignores it, and AFTER with ``--forwarded-allow-ips 127.0.0.1`` (a proxy
   on this host) believes it, with bounded buckets. RSS also moves with the allocator:
   with 60 KB headers glibc's heap fragments (asyncio reads into 256 KB buffers), and
   in some runs RSS grew by up to ~100 MiB while the Python heap stayed flat (checked
   with tracemalloc), so one run's AFTER figure can show growth that is not retention;
   BEFORE's ~57 KB a request is retention (every value kept as a key).
3. **A bystander while the worst FAQ query runs.** One client (one ``X-Forwarded-For``)
   sends ``GET /api/v1/faq`` with 300 random CJK characters (the most expensive question
   found: every character is an unknown term) at :data:`ATTACK_RATE`/s for
   :data:`ATTACK_SECONDS` s, open loop; the server answers 200 or 429 as its limits allow
   (the "allowed rate"). Meanwhile a bystander asks ``GET /api/v1/config`` 10 times a
   second on a keep-alive connection, each time as another client (a new
   ``X-Forwarded-For``, so the bystander is never rate-limited): p50/p99 of its latency,
   and the same without the attack. Both servers believe ``X-Forwarded-For`` from
   127.0.0.1 here (BEFORE by default, AFTER with ``--forwarded-allow-ips 127.0.0.1``) so
   that clients can be told apart on loopback.
4. **Dropped uploads.** :data:`DROPS` clients each send ``POST /api/v1/sessions`` with
   ``Content-Length: 10000``, 5,000 bytes of body, and hang up. Printed: bytes logged per
   dropped upload.

Run::

    .venv/bin/python bench/bench_abuse.py            # about 2-3 minutes
    .venv/bin/python bench/bench_abuse.py --quick    # shorter phases, about 1 minute

The last line is ``RESULT {json}``. Exit status: 0 after a completed run, 1 if a server did
not start or a phase could not run, 2 on a setup problem.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import queue
import random
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

import psutil

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
BEFORE_COMMIT: Final = "599c815e6cb1ed2def2c420b7d5fff40864f0d12"
HOST: Final = "127.0.0.1"
NOFILE: Final = 256
IDLE: Final = 600
IDLE_SECONDS: Final = 20
SPAM: Final = 2000
SPAM_BYTES: Final = 60_000
ATTACK_RATE: Final = 16.0
ATTACK_SECONDS: Final = 10.0
BYSTANDER_RATE: Final = 10.0
QUERY_CHARS: Final = 300
DROPS: Final = 200


class BenchError(RuntimeError):
    """A server did not start or a phase could not run."""


@dataclass
class Server:
    proc: subprocess.Popen[str]
    port: int
    log: Path

    def log_bytes(self) -> int:
        return self.log.stat().st_size

    def rss(self) -> int:
        return int(psutil.Process(self.proc.pid).memory_info().rss)

    def established(self) -> int:
        conns = psutil.Process(self.proc.pid).net_connections("tcp")
        return sum(1 for c in conns if c.status == psutil.CONN_ESTABLISHED)


@dataclass(frozen=True)
class Variant:
    name: str
    root: Path  # where ``python -m bot`` runs (its ``bot`` package)
    args: tuple[str, ...] = ()


@contextlib.contextmanager
def running(
    variant: Variant, work: Path, args: Sequence[str] = (), nofile: int | None = None
) -> Iterator[Server]:
    """``python -m bot serve --port 0`` from ``variant.root``; stderr to a file; SIGTERM
    (then SIGKILL) at the end."""
    log = Path(tempfile.mkstemp(dir=work, suffix=".log")[1])
    db = Path(tempfile.mkstemp(dir=work, suffix=".db")[1])
    db.unlink()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZAIRYU_"))}
    env["PYTHONPATH"] = str(variant.root)

    def limit() -> None:
        if nofile is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    with log.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--port", "0", "--db", str(db), *args],
            cwd=variant.root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            preexec_fn=limit if nofile is not None else None,  # noqa: PLW1509 - setrlimit only
        )
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stdout is not None
    stdout = proc.stdout

    def pump() -> None:
        for line in stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    port = 0
    try:
        started = time.monotonic()
        while not port:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                line = ""
            if line.startswith("HTTP: "):
                port = int(line.rsplit(":", 1)[1].split("/")[0])
            elif proc.poll() is not None or time.monotonic() - started > 30:
                msg = f"{variant.name}: serve did not start: {log.read_text()[-500:]}"
                raise BenchError(msg)
        yield Server(proc, port, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def get(port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 5) -> int:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


# --------------------------------------------------------------------------- phases


def phase_idle(variant: Variant, work: Path, seconds: int) -> dict[str, Any]:
    with running(variant, work, variant.args, nofile=NOFILE) as server:
        log0 = server.log_bytes()
        socks: list[socket.socket] = []
        refused = 0
        try:
            for _ in range(IDLE):
                try:
                    socks.append(socket.create_connection((HOST, server.port), timeout=2))
                except OSError:
                    refused += 1
            held_max = 0
            answered = 0
            first_answer: float | None = None
            statuses: dict[int, int] = {}
            started = time.monotonic()
            for _ in range(seconds):
                tick = time.monotonic()
                held_max = max(held_max, server.established())
                try:
                    status = get(server.port, "/healthz", timeout=1.5)
                except OSError:
                    status = 0
                if status:
                    answered += 1
                    statuses[status] = statuses.get(status, 0) + 1
                    if first_answer is None:
                        first_answer = time.monotonic() - started
                time.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))
            held_end = server.established()
            log = server.log_bytes() - log0
        finally:
            for s in socks:
                s.close()
    return {
        "opened": len(socks),
        "refused": refused,
        "held_max": held_max,
        "healthz_answered": f"{answered}/{seconds}",
        "healthz_statuses": statuses,
        "first_answer_s": None if first_answer is None else round(first_answer, 1),
        "held_at_end": held_end,
        "log_bytes": log,
    }


def phase_spam(variant: Variant, work: Path, args: Sequence[str], count: int) -> dict[str, Any]:
    with running(variant, work, args) as server:
        for i in range(50):  # warm-up: the first requests fill caches
            spam(server.port, i)
        rss0 = server.rss()
        statuses: dict[str, int] = {}
        for i in range(50, 50 + count):
            status = spam(server.port, i)
            statuses[status] = statuses.get(status, 0) + 1
        rss1 = server.rss()
        alive = get(server.port, "/healthz") == 200
    return {
        "requests": count,
        "rss_mb_before": round(rss0 / 2**20, 1),
        "rss_mb_after": round(rss1 / 2**20, 1),
        "grew_mb": round((rss1 - rss0) / 2**20, 1),
        "statuses": statuses,
        "healthz_after": alive,
    }


def spam(port: int, i: int) -> str:
    # One ~60 KB "address", different each time (the rightmost untrusted entry of the
    # header is taken as the client, so a comma-separated list would not do).
    value = f"{i}.".encode() + b"9" * SPAM_BYTES
    with socket.create_connection((HOST, port), timeout=10) as s:
        head = b"GET /api/v1/config HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: "
        s.sendall(head + value + b"\r\nConnection: close\r\n\r\n")
        answer = s.recv(64)
    return answer[9:12].decode("ascii", "replace") or "closed"


def worst_query(rng: random.Random) -> str:
    return "".join(chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(QUERY_CHARS))


def phase_bystander(
    variant: Variant, work: Path, args: Sequence[str], seconds: float
) -> dict[str, Any]:
    with running(variant, work, args) as server:
        for _ in range(20):  # warm-up, as different clients
            get(server.port, "/api/v1/config", {"X-Forwarded-For": "10.9.9.9"})
        quiet = bystander(server.port, seconds / 2, None)
        stop = threading.Event()
        attack: dict[str, int] = {}
        thread = threading.Thread(target=attacker, args=(server.port, seconds, attack, stop))
        thread.start()
        try:
            loud = bystander(server.port, seconds, stop)
        finally:
            stop.set()
            thread.join()
    return {
        "quiet_p50_ms": quiet[0],
        "quiet_p99_ms": quiet[1],
        "attack_p50_ms": loud[0],
        "attack_p99_ms": loud[1],
        "bystander_requests": loud[2],
        "attacker_statuses": attack,
    }


def attacker(port: int, seconds: float, statuses: dict[str, int], stop: threading.Event) -> None:
    """Open loop at ATTACK_RATE: each query on its own thread, so a slow answer does not
    lower the rate."""
    rng = random.Random(12)
    lock = threading.Lock()
    threads = []

    def one(query: str) -> None:
        try:
            status = str(
                get(port, "/api/v1/faq?q=" + quote(query), {"X-Forwarded-For": "10.6.6.6"}, 30)
            )
        except OSError as exc:
            status = type(exc).__name__
        with lock:
            statuses[status] = statuses.get(status, 0) + 1

    started = time.monotonic()
    n = 0
    while not stop.is_set() and time.monotonic() - started < seconds:
        t = threading.Thread(target=one, args=(worst_query(rng),))
        t.start()
        threads.append(t)
        n += 1
        time.sleep(max(0.0, started + n / ATTACK_RATE - time.monotonic()))
    for t in threads:
        t.join()


def bystander(port: int, seconds: float, stop: threading.Event | None) -> tuple[float, float, int]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    samples: list[float] = []
    started = time.monotonic()
    n = 0
    try:
        while time.monotonic() - started < seconds and not (stop and stop.is_set()):
            n += 1
            headers = {"X-Forwarded-For": f"10.1.{n // 256 % 256}.{n % 256}"}
            t0 = time.perf_counter()
            conn.request("GET", "/api/v1/config", headers=headers)
            resp = conn.getresponse()
            resp.read()
            samples.append((time.perf_counter() - t0) * 1000)
            if resp.status != 200:
                msg = f"the bystander got {resp.status}"
                raise BenchError(msg)
            time.sleep(max(0.0, started + n / BYSTANDER_RATE - time.monotonic()))
    finally:
        conn.close()
    samples.sort()

    def pct(p: float) -> float:
        return round(samples[min(len(samples) - 1, int(p / 100 * len(samples)))], 1)

    return pct(50), pct(99), len(samples)


def phase_drops(variant: Variant, work: Path, count: int) -> dict[str, Any]:
    with running(variant, work, variant.args) as server:
        get(server.port, "/healthz")
        log0 = server.log_bytes()
        for _ in range(count):
            with socket.create_connection((HOST, server.port), timeout=5) as s:
                s.sendall(
                    b"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\n"
                    b"Content-Type: application/json\r\nContent-Length: 10000\r\n\r\n" + b" " * 5000
                )
        time.sleep(1.0)
        log = server.log_bytes() - log0
        alive = get(server.port, "/healthz") == 200
    return {
        "drops": count,
        "log_bytes": log,
        "bytes_per_drop": round(log / count, 1),
        "healthz_after": alive,
    }


# --------------------------------------------------------------------------- setup


def before_tree(work: Path) -> Path | None:
    """The BEFORE code, unpacked and with its catalogs compiled; None without git history."""
    root = work / "before"
    root.mkdir()
    try:
        archive = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "archive", "--format=tar", BEFORE_COMMIT],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
        subprocess.run(
            [sys.executable, "tools/catalogs.py", "compile"],
            cwd=root,
            capture_output=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"BEFORE skipped: cannot unpack commit {BEFORE_COMMIT[:7]}: {exc}")
        return None
    return root


def run(quick: bool) -> dict[str, Any]:
    seconds = 12 if quick else IDLE_SECONDS
    spam_count = 500 if quick else SPAM
    attack_seconds = 5.0 if quick else ATTACK_SECONDS
    drops = 50 if quick else DROPS
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-abuse-") as tmp:
        work = Path(tmp)
        variants = [Variant("AFTER", REPO_ROOT)]
        old = before_tree(work)
        if old is not None:
            variants.insert(0, Variant("BEFORE", old))
        for v in variants:
            print(f"{v.name}: idle connections ...", flush=True)
            results.setdefault("idle", {})[v.name] = phase_idle(v, work, seconds)
        for v in variants:
            print(f"{v.name}: header spam ...", flush=True)
            results.setdefault("spam", {})[v.name] = phase_spam(v, work, (), spam_count)
        trusted = ("--forwarded-allow-ips", "127.0.0.1")
        print("AFTER behind a proxy: header spam ...", flush=True)
        results["spam"]["AFTER, proxy trusted"] = phase_spam(
            variants[-1], work, trusted, spam_count
        )
        for v in variants:
            print(f"{v.name}: bystander under the worst FAQ query ...", flush=True)
            args = () if v.name == "BEFORE" else trusted
            results.setdefault("bystander", {})[v.name] = phase_bystander(
                v, work, args, attack_seconds
            )
        for v in variants:
            print(f"{v.name}: dropped uploads ...", flush=True)
            results.setdefault("drops", {})[v.name] = phase_drops(v, work, drops)
    return results


def report(results: dict[str, Any]) -> None:
    names = list(results["idle"])
    width = 34

    def row(label: str, values: list[str]) -> None:
        print(f"  {label:<{width}}" + "".join(f"{v:>26}" for v in values))

    print()
    print(f"== 1. {IDLE} idle connections, open-files limit {NOFILE}")
    row("", names)
    idle = [results["idle"][n] for n in names]
    row("most idle connections held", [str(r["held_max"]) for r in idle])
    row("/healthz answered (1 s probes)", [r["healthz_answered"] for r in idle])
    row(
        "  statuses",
        [",".join(f"{k}x{v}" for k, v in r["healthz_statuses"].items()) or "-" for r in idle],
    )
    row("still held at the end", [str(r["held_at_end"]) for r in idle])
    row("log bytes", [f"{r['log_bytes']:,}" for r in idle])
    print()
    spam_names = list(results["spam"])
    print(
        f"== 2. server RSS under X-Forwarded-For spam ({SPAM_BYTES // 1000} KB values, "
        "all different)"
    )
    row("", spam_names)
    spam_rows = [results["spam"][n] for n in spam_names]
    row("requests", [str(r["requests"]) for r in spam_rows])
    row(
        "RSS before -> after (MiB)",
        [f"{r['rss_mb_before']} -> {r['rss_mb_after']}" for r in spam_rows],
    )
    row("grew (MiB)", [str(r["grew_mb"]) for r in spam_rows])
    row("answers", [",".join(f"{k}x{v}" for k, v in r["statuses"].items()) for r in spam_rows])
    print()
    print(
        f"== 3. bystander GET /api/v1/config ({BYSTANDER_RATE:g}/s) while one client sends the "
        f"worst FAQ query ({QUERY_CHARS} random CJK) at {ATTACK_RATE:g}/s"
    )
    row("", names)
    by = [results["bystander"][n] for n in names]
    row(
        "bystander p50 / p99 alone (ms)", [f"{r['quiet_p50_ms']} / {r['quiet_p99_ms']}" for r in by]
    )
    row(
        "bystander p50 / p99 attacked (ms)",
        [f"{r['attack_p50_ms']} / {r['attack_p99_ms']}" for r in by],
    )
    row(
        "attacker answers",
        [",".join(f"{k}x{v}" for k, v in sorted(r["attacker_statuses"].items())) for r in by],
    )
    print()
    print("== 4. dropped uploads (half a body, then the client hangs up)")
    row("", names)
    drops = [results["drops"][n] for n in names]
    row("log bytes per dropped upload", [str(r["bytes_per_drop"]) for r in drops])
    row("/healthz afterwards", ["ok" if r["healthz_after"] else "DOWN" for r in drops])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="shorter phases")
    args = parser.parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < IDLE + 100:
        if hard != resource.RLIM_INFINITY and hard < IDLE + 100:
            print(f"error: the open-files limit ({hard}) is under {IDLE + 100}", file=sys.stderr)
            return 2
        resource.setrlimit(
            resource.RLIMIT_NOFILE, (IDLE + 100 if hard == resource.RLIM_INFINITY else hard, hard)
        )
    print(
        f"bench_abuse: BEFORE = commit {BEFORE_COMMIT[:7]} (before issue 12), "
        "AFTER = this work tree"
    )
    try:
        results = run(args.quick)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    report(results)
    print("RESULT " + json.dumps(results, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
