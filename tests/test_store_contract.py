"""The SessionStore contract, run against every backend.

On the model of aiogram's tests/test_fsm/storage/test_storages.py: one test class,
parametrized by a fixture that builds each store. Today that is SQLite in memory, on a
file, and on a file named by a ``sqlite:///`` URL; a new backend adds a builder to
``BUILDERS`` and must pass every test of :class:`TestContract` (and of
:class:`TestSharedData` when two stores can open the same data); a store that keeps
reminders (the ReminderStore protocol) also every test of :class:`TestReminderContract`.
The backend-specific part is small: writing a raw row (as older or newer code would
have written it) and reading the quarantine's error texts.

Then :func:`open_store`'s URL table, and the CLI's answer to a refused URL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bot import storage
from bot.keydates import DateKind
from bot.models import SCHEMA_VERSION, Session, Slots
from bot.storage import (
    REMINDER_LEASE,
    ConcurrentUpdate,
    NewReminder,
    ReminderState,
    ReminderStore,
    SessionStore,
    SQLiteStore,
    StoreURLError,
    check_store_url,
    open_store,
    purge_idle,
)

ROOT = Path(__file__).resolve().parent.parent
KEY = "test:1"
JST = timezone(timedelta(hours=9))


@dataclass
class Backend:
    """A store under test, with the few backend-specific hooks the contract needs."""

    store: SessionStore
    # Write a row as it is, bypassing save(): data is the JSON document; the row's
    # version and updated_at are taken from it when present.
    plant_raw: Callable[[str, str], None]
    # The error texts of the rows quarantined under a key, oldest first.
    quarantined: Callable[[str], list[str]]
    # Another store on the same data (as another process would open it), or None when
    # the data is private to the store (in memory).
    reopen: Callable[[], SessionStore] | None


def _row_meta(data: str) -> tuple[int, str]:
    """The version and updated_at columns a row holding ``data`` would have."""
    version, updated = 1, datetime.now(UTC)
    try:
        doc = json.loads(data)
    except ValueError:
        return version, updated.isoformat()
    if isinstance(doc, dict):
        if type(doc.get("version")) is int:
            version = doc["version"]
        if isinstance(doc.get("updated_at"), str):
            updated = datetime.fromisoformat(doc["updated_at"]).astimezone(UTC)
    return version, updated.isoformat()


def _sqlite(url: str, *, shared: bool) -> Backend:
    store = open_store(url)
    assert isinstance(store, SQLiteStore)

    def plant_raw(key: str, data: str) -> None:
        version, updated_at = _row_meta(data)
        store.db.execute(
            "INSERT OR REPLACE INTO sessions (key, data, version, updated_at) VALUES (?, ?, ?, ?)",
            [key, data, version, updated_at],
        )

    def quarantined(key: str) -> list[str]:
        rows = store.db.execute(
            "SELECT error FROM quarantine WHERE key = ? ORDER BY rowid", [key]
        ).fetchall()
        return [str(r[0]) for r in rows]

    return Backend(store, plant_raw, quarantined, (lambda: open_store(url)) if shared else None)


BUILDERS: dict[str, Callable[[Path], Backend]] = {
    "sqlite-memory": lambda tmp: _sqlite(":memory:", shared=False),
    "sqlite-file": lambda tmp: _sqlite(str(tmp / "s.db"), shared=True),
    # tmp is absolute, so this is the four-slash form: sqlite:////tmp/.../u.db
    "sqlite-url": lambda tmp: _sqlite(f"sqlite:///{tmp / 'u.db'}", shared=True),
}


@pytest.fixture(params=sorted(BUILDERS))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    b = BUILDERS[request.param](tmp_path)
    yield b
    b.store.close()


@pytest.fixture(params=sorted(k for k in BUILDERS if k != "sqlite-memory"))
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    b = BUILDERS[request.param](tmp_path)
    assert b.reopen is not None
    yield b
    b.store.close()


def _session(key: str = KEY, **fields: Any) -> Session:
    """A new session (version 0), as the engine makes one."""
    base: dict[str, Any] = {
        "key": key,
        "flow": "guide",
        "state": "status",
        "locale": "en",
        "slots": Slots(user_type="foreign_national", procedure="extension"),
        "history": ["lang", "user_type", "procedure"],
        "pending_dates": [date(2027, 3, 4), date(2027, 4, 3)],
        "turns": 4,
        "partner": "acme",
    }
    return Session.model_validate({**base, **fields})


def _doc(session: Session, **fields: Any) -> dict[str, Any]:
    """A session's stored JSON as a dict, with some fields changed."""
    return {**session.model_dump(mode="json"), **fields}


class TestContract:
    """What every store promises (bot/storage.py, SessionStore)."""

    def test_attributes(self, backend: Backend) -> None:
        assert isinstance(backend.store.blocking, bool)
        assert isinstance(backend.store.location, str)
        assert backend.store.location

    def test_save_then_load_round_trips(self, backend: Backend) -> None:
        store = backend.store
        before = datetime.now(UTC)
        saved = store.save(_session())
        assert saved.version == 1
        assert saved.updated_at is not None
        assert saved.updated_at >= before
        assert saved.updated_at.utcoffset() == timedelta(0)
        assert store.load(KEY) == saved
        again = store.save(saved)
        assert again.version == 2
        assert store.load(KEY) == again

    def test_save_does_not_change_its_argument(self, backend: Backend) -> None:
        session = _session()
        backend.store.save(session)
        assert session.version == 0
        assert session.updated_at is None

    def test_unknown_key_loads_as_none(self, backend: Backend) -> None:
        assert backend.store.load("nobody") is None
        backend.store.save(_session())
        assert backend.store.load("nobody") is None

    def test_exists(self, backend: Backend) -> None:
        store = backend.store
        assert not store.exists(KEY)
        store.save(_session())
        assert store.exists(KEY)
        assert not store.exists("nobody")
        store.delete(KEY)
        assert not store.exists(KEY)

    def test_delete_returns_true_then_false(self, backend: Backend) -> None:
        store = backend.store
        store.save(_session())
        store.save(_session("test:2"))
        assert store.delete(KEY) is True
        assert store.delete(KEY) is False
        assert store.load(KEY) is None
        assert store.exists("test:2")
        # A deleted user starts again from a new session.
        assert store.save(_session()).version == 1

    def test_a_stale_save_conflicts(self, backend: Backend) -> None:
        """Two copies loaded at one version, both saved: the second fails, the first stays."""
        store = backend.store
        store.save(_session())
        first, second = store.load(KEY), store.load(KEY)
        assert first is not None
        assert second is not None
        kept = store.save(first.model_copy(update={"turns": 10}))
        with pytest.raises(ConcurrentUpdate):
            store.save(second.model_copy(update={"turns": 20}))
        assert store.load(KEY) == kept

    def test_a_new_session_saved_twice_conflicts(self, backend: Backend) -> None:
        """Two writers both starting a conversation for one key: the second fails."""
        store = backend.store
        new = _session()
        kept = store.save(new)
        with pytest.raises(ConcurrentUpdate):
            store.save(new.model_copy(update={"locale": "ja"}))
        assert store.load(KEY) == kept

    def test_only_one_of_many_simultaneous_saves_wins(self, backend: Backend) -> None:
        store = backend.store
        store.save(_session())
        loaded = store.load(KEY)
        assert loaded is not None
        barrier = threading.Barrier(8)
        results: list[str] = []

        def save(turns: int) -> None:
            barrier.wait()
            try:
                store.save(loaded.model_copy(update={"turns": turns}))
                results.append("saved")
            except ConcurrentUpdate:
                results.append("conflict")

        threads = [threading.Thread(target=save, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == ["conflict"] * 7 + ["saved"]
        final = store.load(KEY)
        assert final is not None
        assert final.version == 2

    def test_count(self, backend: Backend) -> None:
        store = backend.store
        assert store.count() == 0
        for n in range(3):
            store.save(_session(f"test:{n}"))
        assert store.count() == 3
        saved = store.load("test:0")
        assert saved is not None
        store.save(saved)
        assert store.count() == 3
        store.delete("test:1")
        assert store.count() == 2

    def test_a_row_that_does_not_validate_is_quarantined(self, backend: Backend) -> None:
        """It is treated as absent, moved aside with the reason, and the key is free again."""
        store = backend.store
        backend.plant_raw(KEY, '{"not": "a session"}')
        assert store.exists(KEY)
        assert store.load(KEY) is None
        assert not store.exists(KEY)
        assert store.count() == 0
        assert backend.quarantined(KEY) == ["5 validation errors"]
        assert store.save(_session()).version == 1

    def test_a_row_at_the_current_version_is_read_as_written(self, backend: Backend) -> None:
        """A row written by the current code (schema_version now, or absent: version 1)."""
        session = _session(version=3, updated_at=datetime(2026, 1, 2, tzinfo=UTC))
        backend.plant_raw(KEY, session.model_dump_json())
        assert backend.store.load(KEY) == session
        if SCHEMA_VERSION == 1:
            doc = _doc(session, key="test:2")
            del doc["schema_version"]
            backend.plant_raw("test:2", json.dumps(doc))
            assert backend.store.load("test:2") == session.model_copy(update={"key": "test:2"})
        assert backend.quarantined(KEY) == []

    @pytest.mark.parametrize(
        ("data", "error"),
        [
            ("{", "not JSON: "),
            ("[1, 2]", "not a JSON object"),
            ('{"schema_version": "two"}', "schema_version is not a whole number: 'two'"),
            ('{"schema_version": 0}', f"no migration from schema_version 0 (to {SCHEMA_VERSION})"),
            (
                json.dumps(_doc(_session(), schema_version=SCHEMA_VERSION + 6)),
                f"schema_version {SCHEMA_VERSION + 6} is newer than this code ({SCHEMA_VERSION})",
            ),
        ],
        ids=["not-json", "not-an-object", "bad-version", "no-migration", "newer"],
    )
    def test_an_unreadable_row_is_quarantined_with_its_reason(
        self, backend: Backend, data: str, error: str
    ) -> None:
        backend.plant_raw(KEY, data)
        assert backend.store.load(KEY) is None
        assert not backend.store.exists(KEY)
        [got] = backend.quarantined(KEY)
        assert got.startswith(error)

    def test_an_older_schema_version_is_upgraded(
        self, backend: Backend, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Pretend version 2 renamed the slot ``card`` to ``has_my_number_card``: a row
        written by version 1 is upgraded on load and saved at version 2."""

        def v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
            data["slots"]["has_my_number_card"] = data["slots"].pop("card")
            return data

        monkeypatch.setattr(storage, "SCHEMA_VERSION", 2)
        monkeypatch.setitem(storage.SESSION_MIGRATIONS, 1, v1_to_v2)
        session = _session(version=4, updated_at=datetime(2026, 1, 2, tzinfo=UTC))
        old = _doc(session, schema_version=1)
        del old["slots"]["has_my_number_card"]
        old["slots"]["card"] = True
        backend.plant_raw(KEY, json.dumps(old))
        loaded = backend.store.load(KEY)
        assert loaded is not None
        assert loaded.schema_version == 2
        assert loaded.slots.has_my_number_card is True
        assert loaded.version == 4
        saved = backend.store.save(loaded)
        assert saved.schema_version == 2
        assert backend.store.load(KEY) == saved
        assert backend.quarantined(KEY) == []

    def test_a_row_without_schema_version_is_version_1(
        self, backend: Backend, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(storage, "SCHEMA_VERSION", 2)
        monkeypatch.setitem(storage.SESSION_MIGRATIONS, 1, lambda d: {**d, "locale": "ja"})
        doc = _doc(_session(version=1))
        del doc["schema_version"]
        backend.plant_raw(KEY, json.dumps(doc))
        loaded = backend.store.load(KEY)
        assert loaded is not None
        assert (loaded.schema_version, loaded.locale) == (2, "ja")

    def test_a_row_that_validates_at_an_older_version_is_still_upgraded(
        self, backend: Backend, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Pretend version 2 counts turns from 1 and version 3 renamed the flow: both
        steps run, in order, on a row whose shape did not change."""
        ran: list[int] = []

        def v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
            ran.append(1)
            data["turns"] += 1
            return data

        def v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
            ran.append(2)
            assert data["schema_version"] == 2
            return {**data, "flow": "guide2"}

        monkeypatch.setattr(storage, "SCHEMA_VERSION", 3)
        monkeypatch.setitem(storage.SESSION_MIGRATIONS, 1, v1_to_v2)
        monkeypatch.setitem(storage.SESSION_MIGRATIONS, 2, v2_to_v3)
        backend.plant_raw(KEY, _session(version=1).model_dump_json())
        loaded = backend.store.load(KEY)
        assert ran == [1, 2]
        assert loaded is not None
        assert (loaded.schema_version, loaded.turns, loaded.flow) == (3, 5, "guide2")

    def test_a_failed_or_invalid_migration_quarantines(
        self, backend: Backend, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken(data: dict[str, Any]) -> dict[str, Any]:
            return {**data, "slots": {"nonsense": 1}}

        monkeypatch.setattr(storage, "SCHEMA_VERSION", 2)
        monkeypatch.setitem(storage.SESSION_MIGRATIONS, 1, broken)
        backend.plant_raw(KEY, _session(version=1).model_dump_json())
        assert backend.store.load(KEY) is None
        monkeypatch.setitem(storage.SESSION_MIGRATIONS, 1, lambda d: d["missing"])
        backend.plant_raw("test:2", _session("test:2", version=1).model_dump_json())
        assert backend.store.load("test:2") is None
        assert backend.quarantined(KEY) == [
            "1 validation errors after migrating from schema_version 1"
        ]
        assert backend.quarantined("test:2") == [
            "migration from schema_version 1 failed: KeyError('missing')"
        ]
        assert backend.store.count() == 0

    def test_purge(self, backend: Backend) -> None:
        """Sessions last saved before the cutoff go; the rest stay; the count is returned."""
        store = backend.store
        # Whole seconds: stored times then have no microseconds, unlike their neighbours.
        cutoff = (datetime.now(UTC) - timedelta(days=30)).replace(microsecond=0)
        times = {
            "old:1": cutoff - timedelta(days=400),
            "old:2": cutoff - timedelta(microseconds=1),
            "old:3": (cutoff - timedelta(seconds=1)).astimezone(JST),
            "at": cutoff,
            "new:1": cutoff + timedelta(microseconds=1),
            "new:2": (cutoff + timedelta(seconds=1)).astimezone(JST),
        }
        for key, at in times.items():
            backend.plant_raw(key, _session(key, version=1, updated_at=at).model_dump_json())
        saved = store.save(_session("now"))
        assert store.purge(cutoff) == 3
        assert sorted(k for k in times if store.exists(k)) == ["at", "new:1", "new:2"]
        assert store.count() == 4
        # The same instant in another time zone is the same cutoff.
        assert store.purge(cutoff.astimezone(JST)) == 0
        assert store.purge(cutoff - timedelta(days=1000)) == 0
        assert saved.updated_at is not None
        assert store.purge(saved.updated_at) == 3
        assert store.load("now") == saved
        assert store.purge(saved.updated_at + timedelta(seconds=1)) == 1
        assert store.count() == 0

    def test_purge_takes_quarantined_rows_too(self, backend: Backend) -> None:
        """They hold the same kind of data, so a retention purge removes them as well."""
        backend.plant_raw(KEY, "{")
        assert backend.store.load(KEY) is None
        assert len(backend.quarantined(KEY)) == 1
        assert backend.store.purge(datetime.now(UTC) - timedelta(days=1)) == 0
        assert len(backend.quarantined(KEY)) == 1
        assert backend.store.purge(datetime.now(UTC) + timedelta(seconds=1)) == 0
        assert backend.quarantined(KEY) == []

    def test_purge_needs_an_aware_datetime(self, backend: Backend) -> None:
        with pytest.raises(ValueError, match="aware"):
            backend.store.purge(datetime(2026, 1, 1))

    def test_purge_idle_deletes_sessions_idle_more_than_n_days(self, backend: Backend) -> None:
        """The retention rule (``python -m bot purge``, ``serve`` hourly), at the clock's
        ``now``: idle more than N days goes; exactly N days, or less, stays."""
        now = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
        idle = {"a": 400, "b": 31, "c": 30, "d": 29, "e": 0}
        for key, days in idle.items():
            at = now - timedelta(days=days, microseconds=1 if key == "c" else 0)
            backend.plant_raw(key, _session(key, version=1, updated_at=at).model_dump_json())
        assert purge_idle(backend.store, 30, now) == 3
        assert sorted(k for k in idle if backend.store.exists(k)) == ["d", "e"]
        assert purge_idle(backend.store, 1, now) == 1
        assert purge_idle(backend.store, 1, now) == 0
        assert backend.store.count() == 1

    @pytest.mark.parametrize("days", [0, -1, 3651, True])
    def test_purge_idle_refuses_a_bad_number_of_days(self, backend: Backend, days: int) -> None:
        backend.store.save(_session())
        with pytest.raises(ValueError, match="whole number of days from 1 to 3650"):
            purge_idle(backend.store, days, datetime.now(UTC))
        assert backend.store.count() == 1

    def test_delete_takes_the_quarantined_copies_too(self, backend: Backend) -> None:
        """DELETE and /forget leave nothing: not the session, not its quarantined rows."""
        store = backend.store
        backend.plant_raw(KEY, "{")
        backend.plant_raw("test:2", "{")
        assert store.load(KEY) is None
        assert store.load("test:2") is None
        store.save(_session())
        assert len(backend.quarantined(KEY)) == 1
        assert store.delete(KEY) is True
        assert backend.quarantined(KEY) == []
        assert store.load(KEY) is None
        # Only quarantined copies left: they go too (nothing counted: no session was there).
        assert len(backend.quarantined("test:2")) == 1
        assert store.delete("test:2") is False
        assert backend.quarantined("test:2") == []

    def test_a_save_after_a_delete_does_not_bring_the_session_back(self, backend: Backend) -> None:
        """A turn that loaded the session before a delete (another process's /forget, a
        purge) must not write it back when it saves."""
        store = backend.store
        store.save(_session())
        loaded = store.load(KEY)
        assert loaded is not None
        assert store.delete(KEY)
        with pytest.raises(ConcurrentUpdate) as info:
            store.save(loaded.model_copy(update={"turns": 9}))
        assert KEY not in str(info.value)
        assert not store.exists(KEY)
        assert store.count() == 0
        # A new conversation (version 0) may start under the key.
        assert store.save(_session()).version == 1

    @pytest.mark.parametrize(
        "fields",
        [
            {"slots": {"expiry": "0001-01-01"}},
            {"slots": {"expiry": "9999-12-31"}},
            {"slots": {"expiry": "1899-12-31"}},
            {"pending_dates": ["2027-03-04", "2200-01-01"]},
        ],
        ids=["year-1", "year-9999", "1899", "pending-2200"],
    )
    def test_a_stored_date_out_of_range_is_quarantined(
        self, backend: Backend, fields: dict[str, Any]
    ) -> None:
        """Such a date validates as a date but fails every verdict: the row is moved
        aside on load, so the session does not fail on every turn."""
        doc = _doc(_session(version=3))
        for name, value in fields.items():
            doc[name] = {**doc[name], **value} if isinstance(value, dict) else value
        backend.plant_raw(KEY, json.dumps(doc))
        assert backend.store.load(KEY) is None
        assert not backend.store.exists(KEY)
        [error] = backend.quarantined(KEY)
        assert error.startswith("a stored date must be between 1900-01-01 and 2199-12-31")
        assert backend.store.save(_session()).version == 1
        edge = _doc(_session("test:2", version=1))
        edge["slots"]["expiry"], edge["pending_dates"] = "1900-01-01", ["2199-12-31"]
        backend.plant_raw("test:2", json.dumps(edge))
        loaded = backend.store.load("test:2")
        assert loaded is not None
        assert loaded.slots.expiry == date(1900, 1, 1)

    def test_logs_name_no_key_and_no_stored_value(
        self, backend: Backend, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A quarantine is logged by its kind only: the key is a bearer token and the
        quarantine reason may quote the stored value."""
        key = "web:SECRETKEY123"
        caplog.set_level("DEBUG")
        backend.plant_raw(key, '{"schema_version": "SECRETVALUE"}')
        assert backend.store.load(key) is None
        # The reason, with the value, is kept in the quarantine row (never served).
        assert backend.quarantined(key) == ["schema_version is not a whole number: 'SECRETVALUE'"]
        backend.store.save(_session(key))
        loaded = backend.store.load(key)
        assert loaded is not None
        backend.store.delete(key)
        with pytest.raises(ConcurrentUpdate):
            backend.store.save(loaded)
        assert [r.getMessage() for r in caplog.records if r.name == "bot.storage"] == [
            "a stored session was quarantined (bad-schema-version)"
        ]
        assert "SECRET" not in caplog.text

    def test_close_twice_is_harmless(self, backend: Backend) -> None:
        backend.store.save(_session())
        backend.store.close()
        backend.store.close()


class TestSharedData:
    """Two stores on the same data, as two processes would open it."""

    def test_writes_are_seen_and_survive_a_reopen(self, shared: Backend) -> None:
        assert shared.reopen is not None
        other = shared.reopen()
        try:
            saved = shared.store.save(_session())
            assert other.exists(KEY)
            assert other.load(KEY) == saved
            assert other.delete(KEY)
            assert shared.store.load(KEY) is None
            kept = other.save(_session("test:2"))
        finally:
            other.close()
        shared.store.close()
        again = shared.reopen()
        try:
            assert again.load("test:2") == kept
            assert again.count() == 1
        finally:
            again.close()

    def test_a_stale_save_across_stores_conflicts(self, shared: Backend) -> None:
        assert shared.reopen is not None
        other = shared.reopen()
        try:
            shared.store.save(_session())
            mine, theirs = shared.store.load(KEY), other.load(KEY)
            assert mine is not None
            assert theirs is not None
            kept = other.save(theirs.model_copy(update={"turns": 10}))
            with pytest.raises(ConcurrentUpdate):
                shared.store.save(mine.model_copy(update={"turns": 20}))
            assert shared.store.load(KEY) == kept
            # Both start a conversation for a new key: the second writer loses.
            other.save(_session("test:2"))
            with pytest.raises(ConcurrentUpdate):
                shared.store.save(_session("test:2"))
        finally:
            other.close()

    def test_two_stores_never_claim_the_same_reminder(self, shared: Backend) -> None:
        """Two processes running the scheduler on one database: each due reminder is
        claimed by exactly one of them."""
        assert shared.reopen is not None
        other = shared.reopen()
        assert isinstance(other, ReminderStore)
        mine = shared.store
        assert isinstance(mine, ReminderStore)
        try:
            for n in range(30):
                mine.add_reminders(f"tg:{n}", [_due_item()])
            claims: dict[str, list[int]] = {"mine": [], "other": []}
            barrier = threading.Barrier(2)

            def drain(name: str, store: ReminderStore) -> None:
                barrier.wait()
                while batch := store.due(datetime(2027, 1, 1, tzinfo=UTC), 3):
                    claims[name] += [r.id for r in batch]

            threads = [
                threading.Thread(target=drain, args=("mine", mine)),
                threading.Thread(target=drain, args=("other", other)),
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            both = claims["mine"] + claims["other"]
            assert len(both) == len(set(both)) == 30
        finally:
            other.close()


def _due_item() -> NewReminder:
    return NewReminder(
        DateKind.EXPIRY, date(2026, 12, 31), datetime(2026, 12, 31, tzinfo=UTC), "en"
    )


def test_sqlite_store_attributes(tmp_path: Path) -> None:
    """The embedded store runs on the event loop; path and db stay for tests."""
    store = SQLiteStore(tmp_path / "a.db")
    try:
        assert store.blocking is False
        assert SQLiteStore.blocking is False
        assert store.location == store.path == str(tmp_path / "a.db")
        assert store.db["sessions"].count == 0
    finally:
        store.close()


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("var/zairyu.db", "var/zairyu.db"),
        ("s.db", "s.db"),
        ("./a:b.db", "./a:b.db"),
        ("postgresql:x.db", "postgresql:x.db"),
        ("dir/x://y.db", "dir/x://y.db"),
        ("{tmp}/abs.db", "{tmp}/abs.db"),
        (":memory:", ":memory:"),
        ("sqlite://", ":memory:"),
        ("sqlite:///", ":memory:"),
        ("sqlite://:memory:", ":memory:"),
        ("sqlite:///:memory:", ":memory:"),
        ("sqlite:///rel/s.db", "rel/s.db"),
        ("SQLite:///s.db", "s.db"),
        ("sqlite:///a#b.db", "a#b.db"),
        ("sqlite:///{tmp}/abs.db", "{tmp}/abs.db"),
    ],
)
def test_open_store_urls(
    url: str, location: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Paths and SQLAlchemy-style sqlite URLs (three slashes: relative; four: absolute)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    url, location = url.format(tmp=tmp_path / "sub"), location.format(tmp=tmp_path / "sub")
    check_store_url(url)
    store = open_store(url)
    try:
        assert store.location == location
        store.save(_session())
        assert store.exists(KEY)
    finally:
        store.close()
    if location != ":memory:":
        assert Path(location).is_file()
    else:
        assert sorted(p.name for p in tmp_path.iterdir()) == ["sub"]


REFUSED = [
    (
        "postgresql://zairyu:secret@db.internal/zairyu",
        "unsupported database URL scheme 'postgresql': use a SQLite file path or a "
        "sqlite:/// URL (PostgreSQL support is planned)",
    ),
    (
        "postgresql+psycopg://zairyu:secret@db.internal:5432/zairyu",
        "unsupported database URL scheme 'postgresql+psycopg': use a SQLite file path or a "
        "sqlite:/// URL (PostgreSQL support is planned)",
    ),
    (
        "postgres://u@h/db",
        "unsupported database URL scheme 'postgres': use a SQLite file path or a "
        "sqlite:/// URL (PostgreSQL support is planned)",
    ),
    (
        "mysql://u:secret@h/db",
        "unsupported database URL scheme 'mysql': use a SQLite file path or a sqlite:/// URL",
    ),
    (
        "http://example.org/s.db",
        "unsupported database URL scheme 'http': use a SQLite file path or a sqlite:/// URL",
    ),
    (
        "file:///tmp/s.db",
        "unsupported database URL scheme 'file': use a SQLite file path or a sqlite:/// URL",
    ),
    (
        "sqlite+aiosqlite:///s.db",
        "unsupported database URL scheme 'sqlite+aiosqlite': use a SQLite file path or a "
        "sqlite:/// URL",
    ),
    (
        "sqlite://localhost/s.db",
        "a sqlite URL names no host: write sqlite:///relative/path.db or "
        "sqlite:////absolute/path.db",
    ),
    (
        "sqlite:///s.db?mode=ro",
        "sqlite URL options (?...) are not supported: give the file path only",
    ),
    ("", "the database path is empty"),
]


@pytest.mark.parametrize(("url", "message"), REFUSED)
def test_open_store_refuses_other_urls(
    url: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clear one-line error naming the scheme (never the password); nothing is created."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StoreURLError) as info:
        open_store(url)
    assert str(info.value) == message
    assert "secret" not in str(info.value)
    with pytest.raises(StoreURLError):
        check_store_url(url)
    assert list(tmp_path.iterdir()) == []


def _cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZAIRYU_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**base, "PYTHONPATH": str(ROOT), **(env or {})},
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "env", "source"),
    [
        (("migrate", "--db", "postgresql://u:secret@h/db"), None, "--db"),
        (("chat", "--jsonl", "--db", "postgresql://u:secret@h/db"), None, "--db"),
        (("chat", "--jsonl"), {"ZAIRYU_DB": "postgresql://u:secret@h/db"}, "$ZAIRYU_DB"),
        (("serve", "--port", "0", "--db", "postgresql://u:secret@h/db"), None, "--db"),
        (("purge", "--db", "postgresql://u:secret@h/db"), None, "--db"),
    ],
    ids=["migrate", "chat", "chat-env", "serve", "purge"],
)
def test_the_cli_refuses_a_database_url_in_one_line(
    args: tuple[str, ...], env: dict[str, str] | None, source: str, tmp_path: Path
) -> None:
    """Today ``postgresql://u@h/db`` would have created a folder named ``postgresql:``.
    The message names where the URL came from (``--db`` or ``$ZAIRYU_DB``)."""
    proc = _cli(*args, cwd=tmp_path, env=env)
    assert proc.returncode == 2
    assert proc.stderr == (
        f"error: {source}: unsupported database URL scheme 'postgresql': use a SQLite file "
        "path or a sqlite:/// URL (PostgreSQL support is planned)\n"
    )
    assert proc.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_migrate_accepts_a_sqlite_url(tmp_path: Path) -> None:
    proc = _cli("migrate", "--db", "sqlite:///var/x.db", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "database ready: var/x.db (0 sessions)\n"
    assert (tmp_path / "var" / "x.db").is_file()


# ---------------------------------------------------------------------- reminders

CHAT_KEY = "tg:1"
T0 = datetime(2026, 12, 31, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo


def _item(kind: DateKind, day: date, locale: str = "en") -> NewReminder:
    """A reminder due at 09:00 JST on ``day``."""
    return NewReminder(kind, day, datetime(day.year, day.month, day.day, tzinfo=UTC), locale)


ITEMS = [
    _item(DateKind.TWO_WEEKS_LEFT, date(2026, 12, 31)),
    _item(DateKind.LAST_ONLINE_DAY, date(2027, 1, 14)),
    _item(DateKind.EXPIRY, date(2027, 1, 15)),
]


def _reminders(backend: Backend) -> ReminderStore:
    store = backend.store
    assert isinstance(store, ReminderStore)
    return store


class TestReminderContract:
    """What every store that keeps reminders promises (bot/storage.py, ReminderStore)."""

    def test_add_then_list(self, backend: Backend) -> None:
        store = _reminders(backend)
        assert store.add_reminders(CHAT_KEY, list(reversed(ITEMS))) == 3
        listed = store.list_reminders(CHAT_KEY)
        assert [(r.kind, r.day, r.due_at, r.locale) for r in listed] == [
            (i.kind, i.day, i.due_at, i.locale) for i in ITEMS
        ]
        assert all(r.chat_key == CHAT_KEY and r.state is ReminderState.PENDING for r in listed)
        assert len({r.id for r in listed}) == 3
        assert store.list_reminders("tg:2") == []

    def test_adding_again_replaces_the_pending_ones_keeping_ids(self, backend: Backend) -> None:
        """A new "Remind me" makes its dates the chat's pending reminders: the same
        reminder keeps its id (a cancel button stays right), others go, new ones come."""
        store = _reminders(backend)
        store.add_reminders(CHAT_KEY, ITEMS[:2])
        first = store.list_reminders(CHAT_KEY)
        newer = _item(DateKind.LAST_ONLINE_DAY, date(2027, 1, 14), "ja")
        assert store.add_reminders(CHAT_KEY, [newer, ITEMS[2]]) == 1
        now = store.list_reminders(CHAT_KEY)
        assert [(r.kind, r.locale) for r in now] == [
            (DateKind.LAST_ONLINE_DAY, "ja"),
            (DateKind.EXPIRY, "en"),
        ]
        assert now[0].id == first[1].id
        assert store.add_reminders(CHAT_KEY, [newer, ITEMS[2]]) == 0

    def test_a_reminder_claimed_or_sent_is_not_added_again(self, backend: Backend) -> None:
        store = _reminders(backend)
        store.add_reminders(CHAT_KEY, ITEMS)
        [claimed] = store.due(T0, 10)
        assert store.mark_sending(claimed)
        store.mark_sent(claimed)
        assert store.add_reminders(CHAT_KEY, ITEMS) == 0
        assert [r.kind for r in store.list_reminders(CHAT_KEY)] == [
            DateKind.LAST_ONLINE_DAY,
            DateKind.EXPIRY,
        ]

    def test_delete_one_or_all_of_a_chat(self, backend: Backend) -> None:
        store = _reminders(backend)
        store.add_reminders(CHAT_KEY, ITEMS)
        store.add_reminders("tg:2", ITEMS)
        mine = store.list_reminders(CHAT_KEY)
        theirs = store.list_reminders("tg:2")
        assert store.delete_reminders("tg:2", mine[0].id) == 0  # not their reminder
        assert store.delete_reminders(CHAT_KEY, mine[0].id) == 1
        assert store.delete_reminders(CHAT_KEY, mine[0].id) == 0
        assert [r.id for r in store.list_reminders(CHAT_KEY)] == [r.id for r in mine[1:]]
        assert store.delete_reminders(CHAT_KEY) == 2
        assert store.list_reminders(CHAT_KEY) == []
        assert store.list_reminders("tg:2") == theirs

    def test_ids_are_never_reused(self, backend: Backend) -> None:
        """A cancel button on an old list must not cancel a newer reminder."""
        store = _reminders(backend)
        store.add_reminders(CHAT_KEY, ITEMS)
        last = store.list_reminders(CHAT_KEY)[-1].id
        store.delete_reminders(CHAT_KEY)
        store.add_reminders(CHAT_KEY, ITEMS[:1])
        assert store.list_reminders(CHAT_KEY)[0].id > last

    def test_due_claims_what_is_due_once(self, backend: Backend) -> None:
        store = _reminders(backend)
        store.add_reminders(CHAT_KEY, ITEMS)
        store.add_reminders("web:x", ITEMS)
        assert store.due(T0 - timedelta(microseconds=1), 10) == []
        got = store.due(T0 + timedelta(days=14), 10, key_prefix="tg:")
        assert [(r.chat_key, r.kind) for r in got] == [
            (CHAT_KEY, DateKind.TWO_WEEKS_LEFT),
            (CHAT_KEY, DateKind.LAST_ONLINE_DAY),
        ]
        assert all(r.state is ReminderState.CLAIMED and r.claim for r in got)
        assert len({r.claim for r in got}) == 1
        # Claimed: no other call gets them while the claim is fresh.
        later = T0 + timedelta(days=14, minutes=4)
        assert store.due(later, 10, key_prefix="tg:") == []
        # Still listed (not sent yet), as claimed.
        assert [r.state for r in store.list_reminders(CHAT_KEY)][:2] == [ReminderState.CLAIMED] * 2
        with pytest.raises(ValueError, match="aware"):
            store.due(datetime(2027, 1, 1), 10)

    def test_due_respects_the_limit_in_due_order(self, backend: Backend) -> None:
        store = _reminders(backend)
        store.add_reminders(CHAT_KEY, ITEMS)
        end = T0 + timedelta(days=30)
        assert [r.kind for r in store.due(end, 2)] == [
            DateKind.TWO_WEEKS_LEFT,
            DateKind.LAST_ONLINE_DAY,
        ]
        assert [r.kind for r in store.due(end, 2)] == [DateKind.EXPIRY]
        assert store.due(end, 2) == []

    def test_a_stale_claim_is_claimed_again_and_the_old_one_is_void(self, backend: Backend) -> None:
        """The claimer died before sending: after the lease another pass takes it, and the
        dead claimer's token can no longer start the send."""
        store = _reminders(backend)
        store.add_reminders(CHAT_KEY, ITEMS[:1])
        [old] = store.due(T0, 10)
        assert store.due(T0 + REMINDER_LEASE - timedelta(seconds=1), 10) == []
        [new] = store.due(T0 + REMINDER_LEASE, 10)
        assert new.id == old.id
        assert new.claim != old.claim
        assert not store.mark_sending(old)
        assert store.mark_sending(new)
        assert not store.mark_sending(new)  # once

    def test_a_send_begun_is_never_claimed_again(self, backend: Backend) -> None:
        store = _reminders(backend)
        store.add_reminders(CHAT_KEY, ITEMS[:1])
        [claimed] = store.due(T0, 10)
        assert store.mark_sending(claimed)
        assert store.due(T0 + timedelta(days=1), 10) == []
        assert store.list_reminders(CHAT_KEY) == []
        store.mark_sent(claimed)
        assert store.due(T0 + timedelta(days=1), 10) == []

    def test_release_puts_it_back(self, backend: Backend) -> None:
        store = _reminders(backend)
        store.add_reminders(CHAT_KEY, ITEMS[:1])
        [claimed] = store.due(T0, 10)
        assert store.mark_sending(claimed)
        store.release(claimed)
        [listed] = store.list_reminders(CHAT_KEY)
        assert listed.state is ReminderState.PENDING
        [again] = store.due(T0, 10)
        assert again.id == claimed.id
        store.release(claimed)  # the old claim no longer holds: nothing changes
        assert store.list_reminders(CHAT_KEY)[0].state is ReminderState.CLAIMED

    def test_simultaneous_claims_share_nothing(self, backend: Backend) -> None:
        store = _reminders(backend)
        for n in range(20):
            store.add_reminders(f"tg:{n}", ITEMS[:1])
        barrier = threading.Barrier(8)
        got: list[int] = []
        lock = threading.Lock()

        def claim() -> None:
            barrier.wait()
            ids = [r.id for r in store.due(T0, 5)]
            with lock:
                got.extend(ids)

        threads = [threading.Thread(target=claim) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(got) == len(set(got)) == 20

    def test_delete_takes_the_reminders_too(self, backend: Backend) -> None:
        """/forget leaves nothing, also when only reminders are left (session purged)."""
        store = backend.store
        reminders = _reminders(backend)
        store.save(_session(CHAT_KEY))
        reminders.add_reminders(CHAT_KEY, ITEMS)
        reminders.add_reminders("tg:2", ITEMS)
        assert store.delete(CHAT_KEY) is True
        assert reminders.list_reminders(CHAT_KEY) == []
        reminders.add_reminders(CHAT_KEY, ITEMS)
        assert store.delete(CHAT_KEY) is False
        assert reminders.list_reminders(CHAT_KEY) == []
        assert len(reminders.list_reminders("tg:2")) == 3

    def test_purge_takes_sent_and_overdue_reminders_and_keeps_those_to_come(
        self, backend: Backend
    ) -> None:
        """A reminder still to come outlives its idle session (it is the user's request,
        holds no answer); sent ones go, and so do ones due before the cutoff."""
        store = backend.store
        reminders = _reminders(backend)
        old = datetime(2026, 1, 1, tzinfo=UTC)
        backend.plant_raw(CHAT_KEY, _session(CHAT_KEY, version=1, updated_at=old).model_dump_json())
        reminders.add_reminders(CHAT_KEY, ITEMS)
        [sent] = reminders.due(T0, 1)
        assert reminders.mark_sending(sent)
        reminders.mark_sent(sent)
        cutoff = T0 + timedelta(days=14, hours=1)  # after the second one's due time
        assert store.purge(cutoff) == 1
        assert not store.exists(CHAT_KEY)
        assert [r.kind for r in reminders.list_reminders(CHAT_KEY)] == [DateKind.EXPIRY]
