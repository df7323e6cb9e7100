"""The command line, run as a user would: real processes, real files, JSON in and out."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
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


# --- issue 12: clean errors everywhere ---------------------------------------------------


def bot_bytes(
    *args: str | bytes, stdin: bytes = b"", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run the CLI with raw bytes in (undecodable stdin or arguments)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, **(env or {})},
        check=False,
    )


# Under a UTF-8 locale other than C.UTF-8 (en_US.UTF-8, ja_JP.UTF-8) Python decodes
# standard input strictly; this environment variable gives the same in any locale.
STRICT_STDIN = {"PYTHONIOENCODING": "utf-8:strict"}


def assert_one_line_error(stderr: str | bytes, needle: str) -> None:
    """The CLI error contract: one line on stderr, ``error:`` first, no traceback."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    assert "Traceback" not in text
    assert len(text.splitlines()) == 1, text
    assert needle in text


DEEP = "[" * 100_000 + "]" * 100_000
HUGE_INT = json.dumps(REQUEST)[:-1] + ', "applicant_age": ' + "9" * 5000 + "}"


@pytest.mark.parametrize(
    ("stdin", "needle"),
    [
        (HUGE_INT.encode(), "not valid JSON"),
        (DEEP.encode(), "not valid JSON"),
        (b'{"a": NaN}', "not valid JSON"),
        (b"\xff\xfe{}", "not valid JSON"),
        (json.dumps({**REQUEST, "lang": "\u00e9"}, ensure_ascii=False).encode("latin-1"), "JSON"),
        (json.dumps({**REQUEST, "status": [[[["x"]]]]}).encode(), "status"),
        (b"9" * 1_000_001, "longer than"),
    ],
    ids=["huge-int", "deep", "nan", "bad-utf8", "latin-1", "nested-enum", "too-long"],
)
def test_assess_hostile_stdin_exits_2_with_one_line(stdin: bytes, needle: str) -> None:
    """Issue 12: numbers over 4,300 digits, nesting past the recursion limit, bytes
    that are not UTF-8: exit 2 and one line, never a traceback."""
    proc = bot_bytes("assess", "--json", "-", stdin=stdin, env=STRICT_STDIN)
    assert proc.returncode == 2
    assert proc.stdout == b""
    assert_one_line_error(proc.stderr, needle)


def test_assess_undecodable_argument_exits_2() -> None:
    """A --json argument with bytes that are not UTF-8 (they arrive as surrogates)."""
    proc = bot_bytes("assess", "--json", b'{"user_type": "\xff"}')
    assert proc.returncode == 2
    assert_one_line_error(proc.stderr, "not valid UTF-8")


def test_assess_multi_line_message_is_one_line() -> None:
    """A request with several problems is still one line, each problem named."""
    proc = bot("assess", "--json", json.dumps({"user_type": "x"}))
    assert proc.returncode == 2
    assert_one_line_error(proc.stderr, "user_type: invalid 'x'")
    assert "procedure: missing" in proc.stderr
    assert "status: missing" in proc.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("assess",), "--json"),
        (("frobnicate",), "invalid choice"),
        (("faq", "x", "--top", "0"), "--top"),
        (("serve", "--port", "99999"), "--port"),
        (("chat", "--user", ""), "--user"),
        (("chat", "--user", "x" * 201), "--user"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args: tuple[str, ...], needle: str) -> None:
    """argparse's usage dump is replaced by one line that points to --help."""
    proc = bot(*args)
    assert proc.returncode == 2
    assert_one_line_error(proc.stderr, needle)
    assert "--help" in proc.stderr


def test_faq_invalid_utf8_on_stdin_exits_2() -> None:
    proc = bot_bytes("faq", "-", stdin=b"can I \xff\xfe apply online?", env=STRICT_STDIN)
    assert proc.returncode == 2
    assert_one_line_error(proc.stderr, "not valid UTF-8")


@pytest.mark.parametrize("command", ["chat", "migrate", "serve"])
def test_db_not_sqlite_is_a_clear_error(command: str, tmp_path: Path) -> None:
    """Issue 12: a file that is not SQLite as --db: one line that says so."""
    db = tmp_path / "notes.db"
    db.write_text("not a database\n" * 100, encoding="utf-8")
    args = [command, "--db", str(db)] + (["--port", "0"] if command == "serve" else [])
    proc = bot(*args, stdin="")
    assert proc.returncode == 2
    assert_one_line_error(proc.stderr, f"--db: not an SQLite database: {db}")
    assert db.read_text(encoding="utf-8") == "not a database\n" * 100


@pytest.mark.parametrize("command", ["chat", "migrate"])
def test_db_directory_is_a_clear_error(command: str, tmp_path: Path) -> None:
    proc = bot(command, "--db", str(tmp_path), stdin="")
    assert proc.returncode == 2
    assert_one_line_error(proc.stderr, f"--db: a directory, not a database file: {tmp_path}")


def test_db_directory_from_the_environment_names_the_variable(tmp_path: Path) -> None:
    proc = bot("migrate", env={"ZAIRYU_DB": str(tmp_path)})
    assert proc.returncode == 2
    assert_one_line_error(proc.stderr, "$ZAIRYU_DB: a directory")


def _jsonl(
    db: Path, lines: list[bytes], *extra: str
) -> tuple[list[dict[str, Any]], subprocess.CompletedProcess[bytes]]:
    proc = bot_bytes(
        "chat",
        "--jsonl",
        "--db",
        str(db),
        *extra,
        stdin=b"\n".join(lines) + b"\n",
        env=STRICT_STDIN,
    )
    assert proc.returncode == 0, proc.stderr
    assert b"Traceback" not in proc.stderr
    return [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()], proc


def test_jsonl_hostile_lines_each_get_an_error_and_the_rest_is_read(tmp_path: Path) -> None:
    """Issue 12: each bad line gets one error object; not one following line is skipped."""
    hi = json.dumps({"text": "hi", "now": NOW}).encode()
    bad = [
        b"\xff\xfe\xfd",  # not UTF-8
        DEEP.encode()[:20_000],  # past the nesting bound, within the line bound
        b"[" * 30_000,  # past the line bound
        b'{"text": ' + b"9" * 5000 + b"}",  # over 4,300 digits
        b'{"text": 1e999999}',
        b'{"text": NaN}',
        b'{"text": ["hi"]}',
        b'{"user_key": 5, "text": "hi"}',
        b'{"text": "hi", "now": "0001-01-01T00:00:00Z"}',
        b'{"text": "hi", "now": "9999-12-31T00:00:00+09:00"}',
        b'{"text": "\\ud800"}',  # a lone surrogate escape
        b"null",
        b'"hi"',
    ]
    lines = [hi]
    for line in bad:
        lines += [line, hi]
    out, _ = _jsonl(tmp_path / "h.db", lines)
    assert len(out) == len(lines)
    for i, reply in enumerate(out):
        if i % 2:
            assert set(reply) == {"error"}, (i, reply)
            assert "internal error" not in reply["error"]
        else:
            assert reply["expects"]["slot"] == "lang", (i, reply)


def test_jsonl_partner_codes_come_from_the_partners_file(tmp_path: Path) -> None:
    """Issue 12: a partner code in chat --jsonl must be in the partners file; an unknown
    one is an error object and nothing is stored for it."""
    partners = tmp_path / "partners.toml"
    partners.write_text('[partners.acme]\norigins = ["https://acme.example"]\n', encoding="utf-8")
    db = tmp_path / "p.db"
    events = [
        {"user_key": "cli:a", "text": "hi", "partner": "acme"},
        {"user_key": "cli:b", "text": "hi", "partner": "nope"},
        {"user_key": "cli:c", "text": "hi", "partner": "demo"},  # in config/, not this file
        {"user_key": "cli:d", "text": "hi"},
    ]
    lines = [json.dumps({**e, "now": NOW}).encode() for e in events]
    out, _ = _jsonl(db, lines, "--partners", str(partners))
    assert [("error" in o) for o in out] == [False, True, True, False]
    assert "partner" in out[1]["error"]
    with sqlite3.connect(db) as conn:
        rows = dict(conn.execute("SELECT key, json_extract(data, '$.partner') FROM sessions"))
    assert rows == {"cli:a": "acme", "cli:d": None}


def test_jsonl_partner_codes_default_to_config_partners(tmp_path: Path) -> None:
    """Without --partners, config/partners.toml (as serve) decides: ``demo`` is known."""
    lines = [json.dumps({"text": "hi", "partner": p, "now": NOW}).encode() for p in ("demo", "x")]
    out, _ = _jsonl(tmp_path / "d.db", lines)
    assert [("error" in o) for o in out] == [False, True]


def test_jsonl_unreadable_partners_file_exits_2(tmp_path: Path) -> None:
    proc = bot("chat", "--jsonl", "--db", str(tmp_path / "x.db"), "--partners", str(tmp_path))
    assert proc.returncode == 2
    assert_one_line_error(proc.stderr, "partners file")


def test_jsonl_forged_date_buttons_are_reprompted_and_the_session_goes_on(
    tmp_path: Path,
) -> None:
    """Issue 12: ``expiry:0001-01-01`` (and 9999, and a typed year 1) get the translated
    re-prompt; the session then reaches a verdict as if nothing had happened."""
    from bot.conversation import NOT_AVAILABLE
    from bot.i18n import translator

    ja = translator("ja")
    db = tmp_path / "f.db"
    proc = _chat(db)
    try:
        for choice in ("lang:ja", "user_type:foreign_national", "procedure:extension"):
            _send(proc, {"choice": choice})
        reply = _send(proc, {"choice": "status:student"})
        assert reply["state"] == "ask_expiry"
        for forged in ("expiry:0001-01-01", "expiry:1899-12-31", "expiry:+002027-01-15"):
            reply = _send(proc, {"choice": forged})
            assert reply["state"] == "ask_expiry", forged
            assert reply["messages"][0]["text"].startswith(ja.t(NOT_AVAILABLE)), forged
        reply = _send(proc, {"choice": "expiry:9999-12-31"})
        assert reply["state"] == "ask_expiry"
        assert "9999" in reply["messages"][0]["text"]
        for typed in ("0001-01-01", "9999/12/31"):
            reply = _send(proc, {"text": typed})
            assert reply["state"] == "ask_expiry", typed
        reply = _send(proc, {"text": "2027-01-15"})
        for _ in range(10):
            if reply["verdict"] is not None:
                break
            button = next(
                b["id"]
                for m in reply["messages"]
                for b in m["buttons"]
                if not b["id"].startswith(("cmd:", "link:"))
            )
            reply = _send(proc, {"choice": button})
        assert reply["verdict"] is not None
        assert reply["verdict"]["last_online_day"] == "2027-01-14"
    finally:
        _close(proc)
        proc.wait(timeout=30)
    with sqlite3.connect(db) as conn:
        (data,) = conn.execute("SELECT data FROM sessions").fetchone()
    assert json.loads(data)["slots"]["expiry"] == "2027-01-15"


def test_human_chat_survives_invalid_utf8_and_long_lines(tmp_path: Path) -> None:
    """The human chat reads bytes: undecodable ones become replacement characters, an
    endless line is answered as too long, and the chat goes on."""
    stdin = b"1\n\xff\xfe\n" + b"x" * 100_000 + b"\n/back\n"
    proc = bot_bytes("chat", "--db", str(tmp_path / "u.db"), stdin=stdin, env=STRICT_STDIN)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode("utf-8")
    assert "Sorry, I didn't understand" in out
    assert "That message is too long for me" in out
    assert out.count("Who will file the application?") == 3
    assert out.rsplit("Who will file the application?", 1)[1].count("Which language") == 1
    assert proc.stderr == b""


def test_jsonl_reader_gone_is_quiet(tmp_path: Path) -> None:
    """``chat --jsonl | head -1``: the reader leaves; no traceback, no stack of errors."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "chat", "--jsonl", "--db", str(tmp_path / "q.db")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    proc.stdin.write(b'{"text": "hi"}\n')
    proc.stdin.flush()
    assert json.loads(proc.stdout.readline())["expects"]["slot"] == "lang"
    proc.stdout.close()
    proc.stdin.write(b'{"text": "hi"}\n' * 50)
    proc.stdin.close()
    assert proc.wait(timeout=60) == 1
    assert proc.stderr is not None
    assert proc.stderr.read() == b""
    proc.stderr.close()


def _session_keys(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [key for (key,) in conn.execute("SELECT key FROM sessions")]


def test_human_chat_resumes_with_a_recap_and_new_starts_afresh(tmp_path: Path) -> None:
    """Run again, the chat recaps the answers so far before the question it stopped at;
    --new deletes the stored conversation (the same key) and starts at the language."""
    db = tmp_path / "r.db"
    first = bot("chat", "--db", str(db), stdin="1\n1\n1\n2\n")
    assert first.returncode == 0, first.stderr
    assert "So far:" not in first.stdout
    assert _session_keys(db) == ["cli:local"]

    again = bot("chat", "--db", str(db), stdin="")
    assert again.returncode == 0, again.stderr
    recap = "So far: The foreign national (myself) · Extension of Period of Stay · Student"
    lines = again.stdout.splitlines()
    assert recap in lines
    assert lines.index(recap) < lines.index(
        "When does the period of stay expire? Type the "
        "date, for example 2027-01-15 or 2027年1月15日."
    )
    assert "Which language" not in again.stdout

    fresh = bot("chat", "--new", "--db", str(db), stdin="")
    assert fresh.returncode == 0, fresh.stderr
    assert "So far:" not in fresh.stdout
    assert "Which language would you like to use?" in fresh.stdout
    assert _session_keys(db) == []  # deleted, not left behind under another key

    other = bot("chat", "--db", str(db), "--user", "cli:other", stdin="1\n1\n")
    assert other.returncode == 0, other.stderr
    bot("chat", "--new", "--db", str(db), stdin="")
    assert _session_keys(db) == ["cli:other"]  # --new forgets only its own --user


def test_chat_help_documents_new() -> None:
    """chat --help says what --new does."""
    proc = bot("chat", "--help")
    assert proc.returncode == 0
    assert "--new" in proc.stdout
    assert "delete the conversation stored under --user" in " ".join(proc.stdout.split())


def test_human_chat_help_first_keeps_the_greeting(tmp_path: Path) -> None:
    """/help typed before choosing a language shows the greeting with its warning."""
    proc = bot("chat", "--db", str(tmp_path / "g.db"), stdin="/help\n")
    assert proc.returncode == 0, proc.stderr
    assert "Please don't send names or card, passport or My Number numbers." in proc.stdout
    assert "You can type at any time: back, restart, help" in proc.stdout


def test_human_chat_lang_keeps_the_date_numbers(tmp_path: Path) -> None:
    """At the two readings of 03/04/2030, /lang lists the languages after the dates,
    which keep numbers 1 and 2; typing 2 then picks April 3."""
    db = tmp_path / "d.db"
    proc = bot("chat", "--db", str(db), stdin="1\n1\n1\n2\n03/04/2030\n/lang\n2\n")
    assert proc.returncode == 0, proc.stderr
    after_lang = proc.stdout.split("Choose a language:", 1)
    assert "  1. March 4, 2030\n  2. April 3, 2030\n" in after_lang[0].rsplit("> ", 1)[1]
    assert after_lang[1].startswith("\n  3. English\n")
    assert "Expiry date: April 3, 2030." in after_lang[1]
    with sqlite3.connect(db) as conn:
        (data,) = conn.execute("SELECT data FROM sessions").fetchone()
    assert json.loads(data)["slots"]["expiry"] == "2030-04-03"
