"""Privacy and retention (issue 12): what is deleted leaves nothing on disk, files are
private, idle sessions expire, a stale save cannot bring a deleted session back, and a
bad stored value never wedges a conversation.

Everything runs on a real SQLite file; the bytes of the database and its ``-wal`` and
``-shm`` files are read as they are on disk. The store's own promises (for every
backend) are in tests/test_store_contract.py.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock import fixed_clock
from bot.engine import Engine
from bot.models import Event, Reply, Session, Slots
from bot.storage import (
    MAX_RETENTION_DAYS,
    RETENTION_DAYS,
    ConcurrentUpdate,
    SQLiteStore,
    parse_retention_days,
    purge_idle,
)
from tests.conftest import NOW

ROOT = Path(__file__).resolve().parent.parent
MARKER = "ZQXMARKER7731"
KEY = f"web:{MARKER}-key"
TO_EXPIRY = ("lang:en", "user_type:foreign_national", "procedure:extension", "status:student")


def _files(db: Path) -> dict[str, bytes]:
    """The bytes on disk of the database and its WAL and shared-memory files."""
    return {
        suffix: Path(f"{db}{suffix}").read_bytes()
        for suffix in ("", "-wal", "-shm")
        if Path(f"{db}{suffix}").exists()
    }


def _holding(db: Path, needle: str) -> list[str]:
    """Which of the database files hold ``needle`` (as UTF-8 bytes)."""
    return [name or "db" for name, data in _files(db).items() if needle.encode() in data]


def _session(key: str = KEY, **fields: Any) -> Session:
    base: dict[str, Any] = {
        "key": key,
        "flow": "guide",
        "state": "ask_status",
        "locale": "en",
        "slots": Slots(user_type="foreign_national", procedure="extension"),
        # Step names only in real sessions; the key stands for anything stored.
        "history": ["ask_lang", f"{key}-history" * 40],
    }
    return Session.model_validate({**base, **fields})


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "s.db"


@pytest.fixture
def store(db: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(db)
    yield s
    s.close()


# -- nothing of a deleted session stays in the files


def _save_versions(store: SQLiteStore, key: str = KEY, times: int = 5) -> None:
    """Several saves, so the WAL holds several copies of the session."""
    saved = store.save(_session(key))
    for turns in range(1, times):
        saved = store.save(saved.model_copy(update={"turns": turns}))


def test_delete_leaves_no_copy_in_the_db_or_wal_files(store: SQLiteStore, db: Path) -> None:
    _save_versions(store)
    store.save(_session("web:other"))
    assert _holding(db, MARKER), "control: the marker is on disk before the delete"
    assert "-wal" in _files(db)
    assert store.delete(KEY)
    assert _holding(db, MARKER) == []
    assert _files(db)["-wal"] == b""  # truncated by the checkpoint
    # The store goes on working, and the other session is intact.
    assert store.load("web:other") is not None
    store.save(_session("web:third"))
    assert store.count() == 2


def test_delete_leaves_no_copy_with_another_connection_open(store: SQLiteStore, db: Path) -> None:
    """``serve`` and a ``purge`` (or a second worker) share the file."""
    other = SQLiteStore(db)
    try:
        _save_versions(other)
        assert other.load(KEY) is not None
        assert _holding(db, MARKER)
        assert store.delete(KEY)
        assert _holding(db, MARKER) == []
        assert other.load(KEY) is None
    finally:
        other.close()


def test_forget_through_the_engine_leaves_no_copy(store: SQLiteStore, db: Path) -> None:
    """The ``forget`` command (as the web API's DELETE does through Engine.forget)."""
    engine = Engine(store, clock=fixed_clock(NOW))
    for choice in TO_EXPIRY:
        engine.handle(Event(user_key=KEY, choice=choice))
    assert _holding(db, MARKER)
    engine.handle(Event(user_key=KEY, command="forget"))
    assert not store.exists(KEY)
    assert _holding(db, MARKER) == []


def test_quarantined_copies_leave_no_bytes_either(store: SQLiteStore, db: Path) -> None:
    raw = sqlite3.connect(db)
    try:
        doc = json.loads(_session().model_dump_json())
        doc["slots"]["expiry"] = "0001-01-01"
        with raw:
            raw.execute(
                "INSERT INTO sessions (key, data, version, updated_at) VALUES (?, ?, 1, ?)",
                (KEY, json.dumps(doc), datetime.now(UTC).isoformat()),
            )
    finally:
        raw.close()
    assert store.load(KEY) is None  # quarantined: the data is kept aside
    assert _holding(db, MARKER)
    assert store.delete(KEY) is False
    assert _holding(db, MARKER) == []


def test_purge_leaves_no_copy(store: SQLiteStore, db: Path) -> None:
    _save_versions(store)
    store.save(_session("web:fresh"))
    assert purge_idle(store, 30, datetime.now(UTC) + timedelta(days=31)) == 2
    assert _holding(db, MARKER) == []
    assert store.count() == 0


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    secret=st.text(alphabet="GHJKMNPQRSTVWXYZ", min_size=12, max_size=30),
    others=st.lists(st.uuids(), max_size=5, unique=True),
    size=st.integers(min_value=0, max_value=20_000),
    saves=st.integers(min_value=1, max_value=6),
    purge=st.booleans(),
)
def test_no_deleted_session_leaves_bytes_behind(
    tmp_path_factory: pytest.TempPathFactory,
    *,
    secret: str,
    others: list[object],
    size: int,
    saves: int,
    purge: bool,
) -> None:
    """Any size (rows that spill onto overflow pages included), any number of earlier
    versions in the WAL, deleted by ``delete`` or by a purge, beside other sessions
    (whose keys share no character with the secret's)."""
    db = tmp_path_factory.mktemp("fuzz") / "s.db"
    store = SQLiteStore(db)
    try:
        key = f"web:{secret}"
        saved = store.save(_session(key, history=["ask_lang", secret * (size // len(secret))]))
        for turns in range(1, saves):
            saved = store.save(saved.model_copy(update={"turns": turns}))
        for other in others:
            store.save(_session(f"web:{other}"))
        assert _holding(db, secret)
        if purge:
            assert saved.updated_at is not None
            assert store.purge(saved.updated_at + timedelta(microseconds=1)) >= 1
        else:
            assert store.delete(key)
        assert not store.exists(key)
        assert _holding(db, secret) == []
    finally:
        store.close()


# -- private files


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_files_and_folders_are_created_private(tmp_path: Path) -> None:
    """0700 folders and 0600 files (session keys are bearer tokens), whatever the umask;
    an existing folder keeps its mode."""
    os.chmod(tmp_path, 0o755)
    db = tmp_path / "var" / "deep" / "zairyu.db"
    old = os.umask(0)
    try:
        store = SQLiteStore(db)
        try:
            store.save(_session())
            modes = {
                str(p.relative_to(tmp_path)): _mode(p)
                for p in (
                    db.parent.parent,
                    db.parent,
                    *(Path(f"{db}{s}") for s in ("", "-wal", "-shm")),
                )
            }
        finally:
            store.close()
    finally:
        os.umask(old)
    assert modes == {
        "var": 0o700,
        "var/deep": 0o700,
        "var/deep/zairyu.db": 0o600,
        "var/deep/zairyu.db-wal": 0o600,
        "var/deep/zairyu.db-shm": 0o600,
    }
    assert _mode(tmp_path) == 0o755


def test_an_existing_database_file_keeps_its_mode(tmp_path: Path) -> None:
    """Permissions an operator chose are not changed behind their back."""
    db = tmp_path / "s.db"
    SQLiteStore(db).close()
    os.chmod(db, 0o640)
    store = SQLiteStore(db)
    try:
        store.save(_session())
        assert _mode(db) == 0o640
    finally:
        store.close()


# -- retention


def test_parse_retention_days() -> None:
    assert RETENTION_DAYS == 30
    assert parse_retention_days("30") == 30
    assert parse_retention_days(" 1 ") == 1
    assert parse_retention_days(str(MAX_RETENTION_DAYS)) == MAX_RETENTION_DAYS
    for bad in ("0", "-1", "1.5", "", "x", "3651", "٣", "1e3"):
        with pytest.raises(ValueError, match="whole number of days from 1 to 3650"):
            parse_retention_days(bad)


def test_purge_idle_uses_the_clock_it_is_given(store: SQLiteStore) -> None:
    saved = store.save(_session())
    assert saved.updated_at is not None
    assert purge_idle(store, 30, saved.updated_at + timedelta(days=30)) == 0
    assert purge_idle(store, 30, saved.updated_at + timedelta(days=30, seconds=1)) == 1
    with pytest.raises(ValueError, match="aware"):
        purge_idle(store, 30, datetime(2026, 1, 1))


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZAIRYU_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _plant(db: Path, key: str, idle_days: float) -> None:
    at = datetime.now(UTC) - timedelta(days=idle_days)
    store = SQLiteStore(db)
    try:
        data = _session(key, version=1, updated_at=at).model_dump_json()
        store.db.execute(
            "INSERT INTO sessions (key, data, version, updated_at) VALUES (?, ?, 1, ?)",
            [key, data, at.isoformat()],
        )
    finally:
        store.close()


def test_the_purge_command(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    for key, idle in {"web:a": 400, "web:b": 31, "web:c": 29, "web:d": 3, "web:e": 0}.items():
        _plant(db, key, idle)
    proc = _cli("purge", "--db", str(db), cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == (
        "deleted 2 sessions idle for more than 30 days\n"
        "deleted 0 declined questions recorded more than 30 days ago\n"
    )
    proc = _cli("purge", "--days", "2", "--db", f"sqlite:///{db}", cwd=tmp_path)
    assert proc.stdout.splitlines()[0] == "deleted 2 sessions idle for more than 2 days"
    store = SQLiteStore(db)
    try:
        assert store.count() == 1
        assert store.exists("web:e")
    finally:
        store.close()
    assert _holding(db, "web:e") == ["db"]
    assert _holding(db, "web:a") == []
    assert _holding(db, "web:b") == []


def test_the_purge_command_uses_zairyu_db_by_default(tmp_path: Path) -> None:
    _plant(tmp_path / "var" / "zairyu.db", "web:a", 40)
    proc = _cli("purge", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[0] == "deleted 1 sessions idle for more than 30 days"


def test_the_purge_command_takes_old_declined_questions_too(tmp_path: Path) -> None:
    """The console's declined questions (serve --record-unanswered) follow the sessions'
    retention in the command as in serve."""
    from bot.staff.store import console_store

    db = tmp_path / "s.db"
    store = SQLiteStore(db)
    try:
        console = console_store(store)
        now = datetime.now(UTC)
        console.record_unanswered(now - timedelta(days=40), "en", "faq", "old q", "old q")
        console.record_unanswered(now - timedelta(days=1), "en", "faq", "new q", "new q")
    finally:
        store.close()
    proc = _cli("purge", "--db", str(db), cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.splitlines()[1] == (
        "deleted 1 declined questions recorded more than 30 days ago"
    )
    store = SQLiteStore(db)
    try:
        groups = console_store(store).unanswered_groups(None, 10)
    finally:
        store.close()
    assert [g.norm for g in groups] == ["new q"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--days", "0"), "error: --days: expected a whole number of days from 1 to 3650, got '0'"),
        (("--days=-3",), "error: --days: expected a whole number of days from 1 to 3650, got '-3'"),
        (("--days", "x"), "error: --days: expected a whole number of days from 1 to 3650, got 'x'"),
        (
            ("--db", "mysql://u:secret@h/db"),
            "error: --db: unsupported database URL scheme 'mysql': use a SQLite file path, "
            "a sqlite:/// URL or a postgresql:// URL",
        ),
        (("--db", "."), "error: --db: a directory, not a database file: ."),
    ],
    ids=["zero", "negative", "word", "url", "directory"],
)
def test_the_purge_command_refuses_bad_input_in_one_line(
    args: tuple[str, ...], message: str, tmp_path: Path
) -> None:
    proc = _cli("purge", *args, cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (2, "", message + "\n")
    assert list(tmp_path.iterdir()) == []


# -- a stale save after a delete


def test_a_turn_racing_a_forget_does_not_bring_the_session_back(
    store: SQLiteStore, db: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Another process deletes the session while this one is mid-turn: the turn's save
    is refused and the turn is replayed on a fresh conversation."""
    engine = Engine(store, clock=fixed_clock(NOW))
    for choice in TO_EXPIRY:
        engine.handle(Event(user_key=KEY, choice=choice))
    other = SQLiteStore(db)
    real_save = store.save
    raced: list[bool] = []

    def save_after_a_forget(session: Session) -> Session:
        if not raced:
            raced.append(other.delete(KEY))
        return real_save(session)

    monkeypatch.setattr(store, "save", save_after_a_forget)
    caplog.set_level("DEBUG")
    try:
        reply = engine.handle(Event(user_key=KEY, text="2027-01-15"))
    finally:
        other.close()
    assert raced == [True]
    stored = store.load(KEY)
    assert stored is not None
    # A new conversation (the greeting), not the deleted one with the date added.
    assert (stored.version, stored.slots, stored.history) == (1, Slots(), [])
    assert reply.expects is not None
    assert reply.expects.slot == "lang"
    # The replay is logged, without the key.
    assert "replaying the turn" in caplog.text
    assert MARKER not in caplog.text


def test_a_stale_save_raises_without_naming_the_key(store: SQLiteStore) -> None:
    store.save(_session())
    loaded = store.load(KEY)
    assert loaded is not None
    store.delete(KEY)
    with pytest.raises(ConcurrentUpdate) as info:
        store.save(loaded)
    assert MARKER not in str(info.value)
    assert not store.exists(KEY)


# -- a bad stored value never wedges a session


def _rewrite(db: Path, key: str, change: dict[str, Any]) -> None:
    """Edit the stored row as a hand edit (or older code) would, bypassing the store."""
    raw = sqlite3.connect(db)
    try:
        (data,) = raw.execute("SELECT data FROM sessions WHERE key = ?", (key,)).fetchone()
        doc = json.loads(data)
        for name, value in change.items():
            doc[name] = {**doc[name], **value} if isinstance(value, dict) else value
        with raw:
            raw.execute("UPDATE sessions SET data = ? WHERE key = ?", (json.dumps(doc), key))
    finally:
        raw.close()


@pytest.mark.parametrize(
    "change",
    [
        {"slots": {"expiry": "0001-01-01"}},
        {"slots": {"expiry": "9999-12-31"}},
        {"pending_dates": ["0001-01-01"]},
        {"state": "ask_something_removed"},
        {"flow": "retired_flow"},
        {"locale": "xx"},
        {"history": ["ask_lang", "ask_something_removed"]},
    ],
    ids=["expiry-1", "expiry-9999", "pending-1", "state", "flow", "locale", "history"],
)
def test_a_bad_stored_value_starts_the_conversation_again(
    store: SQLiteStore, db: Path, change: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 12: a stored ``expiry`` of 0001-01-01 (a forged button, before buttons were
    checked) made every verdict fail, so the user could never get past the last
    question; so did a step, flow or language this code does not have. Now the session
    is set aside and the user starts again, at every entry point."""
    engine = Engine(store, clock=fixed_clock(NOW))
    before_verdict = (*TO_EXPIRY, "2027-01-15", "stay_over_3_months:yes", "has_my_number_card:yes")

    def answer(step: str) -> Reply:
        if ":" in step:
            return engine.handle(Event(user_key=KEY, choice=step))
        return engine.handle(Event(user_key=KEY, text=step))

    for step in before_verdict:
        answer(step)
    caplog.set_level("DEBUG")
    _rewrite(db, KEY, change)
    assert engine.resume(KEY) is None
    _rewrite_again(store, db, change)
    assert engine.locale_of(KEY) is None
    for _ in range(2):  # the verdict turn, twice: no exception, a new conversation
        _rewrite_again(store, db, change)
        reply = answer("location:japan")
        assert reply.expects is not None
        assert reply.expects.slot == "lang"
    for step in (*before_verdict, "location:japan"):
        reply = answer(step)
    assert reply.verdict is not None
    ours = [r for r in caplog.records if r.name in ("bot.storage", "bot.engine")]
    assert any(r.levelname == "WARNING" for r in ours), "control: the reset is logged"
    assert MARKER not in caplog.text


def _rewrite_again(store: SQLiteStore, db: Path, change: dict[str, Any]) -> None:
    """Store a session with the bad value again (the previous call set the last aside)."""
    if not store.exists(KEY):
        store.save(_session(state="ask_location", locale="en", history=["ask_lang"]))
    _rewrite(db, KEY, change)
