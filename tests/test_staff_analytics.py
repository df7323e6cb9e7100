"""The funnel's counters and the declined questions, counted from real turns through the
engine on real stores (a SQLite file; PostgreSQL on the throwaway cluster)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import fixed_clock
from bot.engine import Engine
from bot.models import Event, Reply
from bot.staff.analytics import Recorder, channel_of, purge_old
from bot.staff.scrub import normalise, scrub
from bot.staff.store import ConsoleStore, console_store
from bot.storage import SessionStore, open_store
from tests.conftest import NOW
from tests.test_engine import EXTENSION_EN

DAY = date(2026, 11, 22)  # NOW is 12:00 in Tokyo that day
# Expires today (a Sunday): "not online", reason expiry_today.
EXPIRES_TODAY = (*EXTENSION_EN[:4], "2026-11-22", *EXTENSION_EN[5:])
# Not covered by the FAQ, with personal data in it.
UNKNOWN = "What does a photo booth in Osaka cost? My email is taro.yamada@example.com"


def _sqlite(tmp: Path, _: pytest.FixtureRequest) -> SessionStore:
    return open_store(str(tmp / "zairyu.db"))


def _postgres(_: Path, request: pytest.FixtureRequest) -> SessionStore:
    return open_store(str(request.getfixturevalue("pg_url")))


BUILDERS: dict[str, Callable[[Path, pytest.FixtureRequest], SessionStore]] = {
    "sqlite-file": _sqlite,
    "postgres": _postgres,
}


@pytest.fixture(params=sorted(BUILDERS))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SessionStore]:
    s = BUILDERS[request.param](tmp_path, request)
    yield s
    s.close()


@pytest.fixture
def console(store: SessionStore) -> ConsoleStore:
    return console_store(store)


def _engine(
    store: SessionStore, console: ConsoleStore, *, record: bool, at: datetime = NOW
) -> Engine:
    return Engine(store, fixed_clock(at), Recorder(console, record_text=record))


def _run(engine: Engine, key: str, *steps: str, partner: str | None = None) -> Reply:
    reply = engine.handle(Event(user_key=key, text="hello", partner=partner))
    for step in steps:
        if ":" in step and " " not in step:
            reply = engine.handle(Event(user_key=key, choice=step))
        elif step.startswith("/"):
            reply = engine.handle(Event(user_key=key, command=step[1:]))
        else:
            reply = engine.handle(Event(user_key=key, text=step))
    return reply


def _counts(console: ConsoleStore, metric: str, day: date = DAY) -> dict[str, int]:
    return {c.label: c.count for c in console.counts(day, day) if c.metric == metric}


def test_three_conversations_move_the_funnel(store: SessionStore, console: ConsoleStore) -> None:
    engine = _engine(store, console, record=False)
    assert _run(engine, "web:a", *EXTENSION_EN, partner="acme").verdict is not None
    assert _run(engine, "tg:1", *EXPIRES_TODAY).verdict is not None
    _run(engine, "cli:local", *EXTENSION_EN[:3])  # stops at the status question

    assert _counts(console, "conversations") == {"cli": 1, "telegram": 1, "web": 1}
    assert _counts(console, "channel") == {"cli": 1, "telegram": 1, "web": 1}
    assert _counts(console, "locale") == {"en": 3}
    assert _counts(console, "partner") == {"-": 2, "acme": 1}
    steps = _counts(console, "step")
    assert steps["ask_lang"] == steps["ask_user_type"] == steps["ask_status"] == 3
    assert steps["ask_expiry"] == steps["ask_location"] == steps["verdict"] == 2
    assert _counts(console, "verdict") == {"online_now:-": 1, "not_online:expiry_today": 1}
    assert _counts(console, "declined") == {}


def test_back_and_repeated_answers_do_not_count_again(
    store: SessionStore, console: ConsoleStore
) -> None:
    engine = _engine(store, console, record=False)
    _run(engine, "web:a", *EXTENSION_EN[:3], "/back", "/help", "hello?!")
    assert _counts(console, "step")["ask_status"] == 1
    assert _counts(console, "step")["ask_procedure"] == 1
    assert _counts(console, "conversations") == {"web": 1}
    engine.handle(Event(user_key="web:a", text="something"))  # another turn, same step
    assert _counts(console, "step")["ask_procedure"] == 1


def test_the_verdict_is_counted_once(store: SessionStore, console: ConsoleStore) -> None:
    engine = _engine(store, console, record=False)
    _run(engine, "web:a", *EXTENSION_EN, "/help", "thanks")
    assert _counts(console, "verdict") == {"online_now:-": 1}


def test_a_declined_question_is_kept_scrubbed_when_recording(
    store: SessionStore, console: ConsoleStore
) -> None:
    engine = _engine(store, console, record=True)
    reply = _run(engine, "web:a", *EXTENSION_EN[:3], UNKNOWN)
    assert reply.faq is not None
    assert reply.faq.id is None  # declined
    assert _counts(console, "declined") == {"en": 1}
    (group,) = console.unanswered_groups(None, 10)
    assert group.example == scrub(UNKNOWN)
    assert group.norm == normalise(scrub(UNKNOWN))
    assert "taro.yamada@example.com" not in group.example + group.norm
    assert group.locale == "en"
    assert group.last_seen == NOW
    # The same question again joins its group.
    _run(engine, "tg:2", *EXTENSION_EN[:3], UNKNOWN)
    (group,) = console.unanswered_groups("en", 10)
    assert group.count == 2


def test_nothing_is_kept_when_not_recording(store: SessionStore, console: ConsoleStore) -> None:
    engine = _engine(store, console, record=False)
    _run(engine, "web:a", *EXTENSION_EN[:3], UNKNOWN)
    assert _counts(console, "declined") == {"en": 1}  # counted, always
    assert console.unanswered_groups(None, 10) == []


def test_an_answered_question_is_not_declined(store: SessionStore, console: ConsoleStore) -> None:
    engine = _engine(store, console, record=True)
    reply = _run(engine, "web:a", *EXTENSION_EN[:3], "How much is the fee for an extension?")
    assert reply.faq is not None
    assert reply.faq.id is not None
    assert _counts(console, "declined") == {}
    assert console.unanswered_groups(None, 10) == []


def test_the_api_faq_search_declines_through_the_engine(
    store: SessionStore, console: ConsoleStore
) -> None:
    engine = _engine(store, console, record=True)
    engine.note_declined(UNKNOWN, "en")
    assert _counts(console, "declined") == {"en": 1}
    (group,) = console.unanswered_groups(None, 10)
    assert group.example == scrub(UNKNOWN)


def test_the_day_is_tokyos(store: SessionStore, console: ConsoleStore) -> None:
    """15:30 UTC on the 22nd is 00:30 on the 23rd in Tokyo."""
    late = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)
    _run(_engine(store, console, record=False, at=late), "web:a")
    assert _counts(console, "conversations") == {}
    assert _counts(console, "conversations", DAY + timedelta(days=1)) == {"web": 1}


def test_a_failing_store_never_breaks_the_turn(
    store: SessionStore, console: ConsoleStore, caplog: pytest.LogCaptureFixture
) -> None:
    """The console's tables gone (a real store error): turns go on, one line is logged
    with the error's type only, never the key or the text."""
    engine = _engine(store, console, record=True)
    _drop_console_tables(store)
    with caplog.at_level(logging.WARNING):
        reply = _run(engine, "web:secret-key", *EXTENSION_EN[:3], UNKNOWN)
        engine.note_declined(UNKNOWN, "en")
    assert reply.state == "ask_status"
    assert store.load("web:secret-key") is not None
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "failed" in logged
    assert "secret-key" not in logged
    assert "example.com" not in logged
    assert "photo booth" not in logged


def _drop_console_tables(store: SessionStore) -> None:
    from bot.storage import SQLiteStore

    if isinstance(store, SQLiteStore):
        store.db.execute("DROP TABLE daily_counts")
        store.db.execute("DROP TABLE unanswered")
        return
    from bot.storage_postgres import PostgresStore

    assert isinstance(store, PostgresStore)
    with store._conn() as conn:
        conn.execute("DROP TABLE daily_counts")
        conn.execute("DROP TABLE unanswered")


def test_without_a_recorder_the_engine_counts_nothing(
    store: SessionStore, console: ConsoleStore
) -> None:
    engine = Engine(store, fixed_clock(NOW))
    assert engine.recorder is None
    _run(engine, "web:a", *EXTENSION_EN[:3], UNKNOWN)
    engine.note_declined(UNKNOWN, "en")
    assert console.counts(DAY - timedelta(days=1), DAY + timedelta(days=1)) == []
    assert console.unanswered_groups(None, 10) == []


def test_purge_old_deletes_old_questions(store: SessionStore, console: ConsoleStore) -> None:
    console.record_unanswered(NOW - timedelta(days=31), "en", "faq", "old", "old?")
    console.record_unanswered(NOW - timedelta(days=29), "en", "faq", "new", "new?")
    assert purge_old(console, 30, NOW) == 1
    assert [g.norm for g in console.unanswered_groups(None, 10)] == ["new"]


@pytest.mark.parametrize(
    ("key", "channel"),
    [("web:abc", "web"), ("tg:123", "telegram"), ("cli:local", "cli"), ("test:1", "other")],
)
def test_channel_of(key: str, channel: str) -> None:
    assert channel_of(key) == channel


# --------------------------------------------------------------------------- serve


def _api_conversation(served: Any, question: str) -> None:
    headers = {"Content-Type": "application/json"}
    status, body = served.post("/api/v1/sessions", b"{}", headers)
    assert status == 201
    sid = json.loads(body)["session_id"]
    for event in [
        {"choice": "lang:en"},
        {"choice": "user_type:foreign_national"},
        {"choice": "procedure:extension"},
        {"text": question},
    ]:
        status, _ = served.post(
            f"/api/v1/sessions/{sid}/events", json.dumps(event).encode(), headers
        )
        assert status == 200


@pytest.mark.parametrize("record", [True, False])
def test_serve_counts_and_records_only_when_asked(tmp_path: Path, record: bool) -> None:
    """A real ``serve``: counters always; the scrubbed text with --record-unanswered."""
    from tests.serve_process import serve

    db = tmp_path / "zairyu.db"
    args = ["--record-unanswered"] if record else []
    with serve(db, {}, args) as served:
        said = "\n".join(served.lines)
        assert ("recorded scrubbed" in said) is record
        assert ("not recorded (--record-unanswered)" in said) is not record
        _api_conversation(served, UNKNOWN)
    store = open_store(str(db))
    try:
        console = console_store(store)
        days = console.counts(date(2000, 1, 1), date(2100, 1, 1))
        assert {(c.metric, c.label) for c in days} >= {
            ("conversations", "web"),
            ("channel", "web"),
            ("declined", "en"),
            ("step", "ask_status"),
        }
        groups = console.unanswered_groups(None, 10)
        if record:
            assert [g.example for g in groups] == [scrub(UNKNOWN)]
        else:
            assert groups == []
    finally:
        store.close()
