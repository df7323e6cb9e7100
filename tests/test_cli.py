"""The command line, run as a user would: real processes, real files, JSON in and out."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
NOW = "2026-11-22T03:00:00Z"


def bot(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, **(env or {})},
        check=False,
    )


REQUEST = {
    "user_type": "foreign_national",
    "procedure": "extension",
    "status": "student",
    "expiry": "2027-01-15",
    "now": NOW,
}


def test_assess_prints_the_contract() -> None:
    """assess --json prints one JSON object with every contract field."""
    proc = bot("assess", "--json", json.dumps(REQUEST))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert {
        "online",
        "reasons",
        "last_online_day",
        "opens_on",
        "requirements",
        "checklist",
        "links",
        "as_of",
    } <= set(out)
    assert out["online"] is True
    assert out["last_online_day"] == "2027-01-14"
    assert all({"id", "text", "source"} <= set(item) for item in out["checklist"])
    assert all({"id", "url"} <= set(link) for link in out["links"])


def test_assess_reads_stdin() -> None:
    """--json - reads the request from standard input."""
    proc = bot("assess", "--json", "-", stdin=json.dumps({**REQUEST, "expiry": "2026-11-22"}))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["reasons"] == ["expiry_today"]


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        (json.dumps({**REQUEST, "status": "tourist"}), "valid values: diplomat"),
        (json.dumps({**REQUEST, "expiry": None}), "expiry"),
        ("{not json", "not valid JSON"),
        ("[]", "JSON object"),
        # issue 17: dates outside 1900-2199 and unknown 0.4 values are invalid input
        (json.dumps({**REQUEST, "expiry": "0001-01-01"}), "1900-01-01"),
        (json.dumps({**REQUEST, "expiry": "9999-12-31"}), "2199-12-31"),
        (json.dumps({**REQUEST, "now": "0001-01-01T00:00:00+00:00"}), "now"),
        (json.dumps({**REQUEST, "da_notice": "999"}), "da_notice"),
        (json.dumps({**REQUEST, "training_type": "solo"}), "training_type"),
    ],
)
def test_assess_invalid_exits_2(payload: str, needle: str) -> None:
    """Invalid input exits 2 with a clear message on stderr and nothing on stdout."""
    proc = bot("assess", "--json", payload)
    assert proc.returncode == 2
    assert needle in proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("args", [(), ("assess",), ("chat",), ("migrate",)])
def test_help(args: tuple[str, ...]) -> None:
    """--help works for the program and each command."""
    proc = bot(*args, "--help")
    assert proc.returncode == 0
    assert "usage:" in proc.stdout


GOLDENS = sorted(GOLDEN.glob("*.in.jsonl"))


@pytest.mark.parametrize("source", GOLDENS, ids=[p.name.split(".")[0] for p in GOLDENS])
def test_golden_transcript(source: Path, tmp_path: Path) -> None:
    """chat --jsonl answers each recorded conversation exactly as approved."""
    expected = source.with_name(source.name.replace(".in.jsonl", ".out.jsonl"))
    proc = bot(
        "chat", "--jsonl", "--db", str(tmp_path / "g.db"), stdin=source.read_text(encoding="utf-8")
    )
    assert proc.returncode == 0, proc.stderr
    got = [json.loads(line) for line in proc.stdout.splitlines()]
    want = [json.loads(line) for line in expected.read_text(encoding="utf-8").splitlines()]
    assert len(got) == len(source.read_text(encoding="utf-8").splitlines())
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g == w, f"{source.name} line {i + 1} differs"


def test_goldens_cover_both_languages_and_a_verdict() -> None:
    """The golden set has en and ja transcripts that end in a verdict."""
    names = {p.name for p in GOLDENS}
    assert any(n.startswith("en_") for n in names)
    assert any(n.startswith("ja_") for n in names)
    for source in GOLDENS:
        out = source.with_name(source.name.replace(".in.jsonl", ".out.jsonl"))
        replies = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert any(r.get("verdict") for r in replies), source.name


def _send(proc: subprocess.Popen[str], event: dict[str, Any]) -> dict[str, Any]:
    assert proc.stdin is not None
    assert proc.stdout is not None
    proc.stdin.write(json.dumps({**event, "now": NOW}) + "\n")
    proc.stdin.flush()
    reply: dict[str, Any] = json.loads(proc.stdout.readline())
    return reply


def _chat(db: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "chat", "--jsonl", "--db", str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def test_kill_mid_conversation_and_continue(tmp_path: Path) -> None:
    """SIGKILL mid-conversation, start again: the next answer continues the same session."""
    db = tmp_path / "kill.db"
    proc = _chat(db)
    _send(proc, {"text": "hi"})
    _send(proc, {"choice": "lang:en"})
    reply = _send(proc, {"choice": "user_type:foreign_national"})
    assert reply["expects"]["slot"] == "procedure"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    _close(proc)
    proc = _chat(db)
    try:
        reply = _send(proc, {"choice": "procedure:extension"})
        assert reply["expects"] == {"slot": "status", "kind": "choice"}
    finally:
        _close(proc)
        proc.wait(timeout=30)


def _close(proc: subprocess.Popen[str]) -> None:
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            with contextlib.suppress(BrokenPipeError):
                stream.close()


def test_jsonl_bad_lines_get_errors_and_the_chat_goes_on(tmp_path: Path) -> None:
    """A malformed line gets an error object; the following lines are still answered."""
    lines = ["not json", '{"command": "dance"}', "[1]", json.dumps({"text": "hi"})]
    proc = bot("chat", "--jsonl", "--db", str(tmp_path / "e.db"), stdin="\n".join(lines) + "\n")
    assert proc.returncode == 0
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [("error" in o) for o in out] == [True, True, True, False]
    assert out[3]["expects"]["slot"] == "lang"


def test_db_path_from_environment(tmp_path: Path) -> None:
    """ZAIRYU_DB sets the database file when --db is not given."""
    db = tmp_path / "env.db"
    proc = bot("chat", "--jsonl", stdin='{"text": "hi"}\n', env={"ZAIRYU_DB": str(db)})
    assert proc.returncode == 0, proc.stderr
    assert db.exists()


def test_human_chat_numbers_choices(tmp_path: Path) -> None:
    """The human chat numbers the buttons; typing a number presses one."""
    proc = bot("chat", "--db", str(tmp_path / "h.db"), stdin="1\n1\n/back\n")
    assert proc.returncode == 0, proc.stderr
    assert "  1. English" in proc.stdout
    assert "  1. The foreign national (myself)" in proc.stdout
    assert proc.stdout.count("Who will file the application?") == 2


def test_migrate(tmp_path: Path) -> None:
    """migrate creates the database and reports it."""
    proc = bot("migrate", "--db", str(tmp_path / "m.db"))
    assert proc.returncode == 0
    assert "database ready" in proc.stdout
