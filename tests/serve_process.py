"""Run ``python -m bot serve`` as a user runs it: a real process on a free port."""

from __future__ import annotations

import os
import queue
import resource
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Served:
    proc: subprocess.Popen[str]
    port: int
    lines: list[str] = field(default_factory=list)
    stderr: str = ""

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        return _request("GET", f"http://127.0.0.1:{self.port}{path}", headers=headers)

    def get_full(
        self, path: str, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """Status, headers (lower-case names) and body."""
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", method="GET", headers=headers or {}
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                got = {k.lower(): v for k, v in resp.headers.items()}
                return resp.status, got, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        return _request("POST", f"http://127.0.0.1:{self.port}{path}", body, headers)


def _request(
    method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _clean_env(env: dict[str, str]) -> dict[str, str]:
    """Our environment without TELEGRAM_ and ZAIRYU_ settings, plus ``env``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZAIRYU_"))}
    return {**clean, **env}


def serve_refused(
    db: Path | str, env: dict[str, str], args: Sequence[str] = (), *, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bot serve --port 0 --db DB [args]`` that is expected to refuse its
    settings and exit (the environment as :func:`serve` builds it); its result."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--port", "0", "--db", str(db), *args],
        cwd=ROOT,
        env=_clean_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@contextmanager
def serve(
    db: Path | str, env: dict[str, str], args: Sequence[str] = (), *, nofile: int | None = None
) -> Iterator[Served]:
    """Start ``python -m bot serve --port 0 [args]`` and wait for its HTTP line; SIGTERM on
    exit. The environment is ours without TELEGRAM_ and ZAIRYU_ settings, plus ``env``.
    ``nofile``: the server's open-files limit (to run it out of descriptors cheaply).
    ``db``: a SQLite file, or a database URL (PostgreSQL)."""
    full_env = _clean_env(env)

    def limit() -> None:
        if nofile is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", "0", "--db", str(db), *args],
        cwd=ROOT,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=limit if nofile is not None else None,  # noqa: PLW1509 - setrlimit only
    )
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stdout is not None
    stdout = proc.stdout

    def pump() -> None:
        for line in stdout:
            lines.put(line)

    pumping = threading.Thread(target=pump, daemon=True)
    pumping.start()
    seen: list[str] = []
    port = 0
    try:
        while not port:
            try:
                line = lines.get(timeout=20)
            except queue.Empty:
                proc.kill()
                pytest.fail(
                    f"serve did not start: {seen} {proc.stderr.read() if proc.stderr else ''}"
                )
            seen.append(line)
            if line.startswith("HTTP: "):
                port = int(line.rsplit(":", 1)[1].split("/")[0])
        served = Served(proc, port, seen)
        yield served
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
        pumping.join(timeout=10)  # every line the server wrote, in `seen` below
        while not lines.empty():
            seen.append(lines.get())
        assert proc.stderr is not None
        err = proc.stderr.read()
        proc.stderr.close()
        stdout.close()
        if port:
            served.stderr = err
