"""The store contracts, run against every backend.

On the model of aiogram's tests/test_fsm/storage/test_storages.py: test classes
parametrized by a fixture that builds each store: SQLite in memory, on a file, and on a
file named by a ``sqlite:///`` URL, and PostgreSQL (a fresh database on the throwaway
cluster of tests/pg_server.py). A new backend adds a builder to ``BUILDERS`` and must
pass every test of :class:`TestContract`, :class:`TestReminderContract` and
:class:`TestSharedLimits` (and of :class:`TestSharedData` when two stores can open the
same data). The backend-specific part is small: writing a raw row (as older or newer
code would have written it), reading the quarantine's error texts, ageing shared-limit
rows, counting rows and listing the applied migrations.

Then migrations (from empty, from the previous schema, ``python -m bot migrate``), two
real processes taking turns on one session, :func:`open_store`'s URL table, and the
CLI's answer to a refused URL.

Then :func:`open_store`'s URL table, and the CLI's answer to a refused URL.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time as time_module
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bot import storage
from bot.keydates import DateKind
from bot.models import SCHEMA_VERSION, Session, Slots
from bot.storage import (
    REMINDER_LEASE,
    SIGHTING_TTL,
    ConcurrentUpdate,
    NewReminder,
    ReminderState,
    ReminderStore,
    SessionStore,
    SharedLimits,
    SQLiteStore,
    StoreURLError,
    check_store_url,
    open_store,
    postgres_location,
    purge_idle,
)

ROOT = Path(__file__).resolve().parent.parent
KEY = "test:1"
JST = timezone(timedelta(hours=9))

T = TypeVar("T")


def _at_once(n: int, action: Callable[[int], T]) -> list[T]:
    """``action(0)`` … ``action(n - 1)`` in ``n`` threads released together by a barrier;
    their results in the order they finished. An exception in a thread is raised here."""
    barrier = threading.Barrier(n)
    lock = threading.Lock()
    results: list[T] = []
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            result = action(i)
        except BaseException as exc:  # raised below, in the test's thread
            with lock:
                errors.append(exc)
        else:
            with lock:
                results.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


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
    # Move a shared-limits table's times (rate_buckets, sightings) back by some seconds,
    # as if its rows had been written that long ago.
    age: Callable[[str, float], None]
    # How many rows a table holds.
    rows: Callable[[str], int]
    # The names of the applied migrations, in the order they were applied.
    migrations: Callable[[], list[str]]


MIGRATIONS = [
    "m001_create_sessions",
    "m002_create_quarantine",
    "m003_create_reminders",
    "m004_create_shared_limits",
]
AGED_COLUMNS = {"rate_buckets": ("updated_at", "full_at"), "sightings": ("seen_at",)}


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

    def age(table: str, seconds: float) -> None:
        moves = ", ".join(f"{c} = {c} - ?" for c in AGED_COLUMNS[table])
        store.db.execute(f"UPDATE {table} SET {moves}", [seconds] * len(AGED_COLUMNS[table]))

    def rows(table: str) -> int:
        return int(store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def migrations() -> list[str]:
        found = store.db.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid",
            ["zairyu_guide"],
        ).fetchall()
        return [str(r[0]) for r in found]

    reopen = (lambda: open_store(url)) if shared else None
    return Backend(store, plant_raw, quarantined, reopen, age, rows, migrations)


def _postgres(url: str) -> Backend:
    import psycopg

    store = open_store(url)

    def sql(query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(url, autocommit=True) as conn:
            cur = conn.execute(query.encode(), params)
            return cur.fetchall() if cur.description else []

    def plant_raw(key: str, data: str) -> None:
        version, updated_at = _row_meta(data)
        sql(
            "INSERT INTO sessions (key, data, version, updated_at) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (key) DO UPDATE SET data = excluded.data, version = excluded.version, "
            "updated_at = excluded.updated_at",
            (key, data, version, datetime.fromisoformat(updated_at)),
        )

    def quarantined(key: str) -> list[str]:
        return [
            str(r[0])
            for r in sql("SELECT error FROM quarantine WHERE key = %s ORDER BY id", (key,))
        ]

    def age(table: str, seconds: float) -> None:
        moves = ", ".join(f"{c} = {c} - make_interval(secs => %s)" for c in AGED_COLUMNS[table])
        sql(f"UPDATE {table} SET {moves}", (float(seconds),) * len(AGED_COLUMNS[table]))

    def rows(table: str) -> int:
        return int(sql(f"SELECT count(*) FROM {table}")[0][0])

    def migrations() -> list[str]:
        return [
            str(r[0]) for r in sql("SELECT name FROM schema_migrations ORDER BY applied_at, name")
        ]

    return Backend(store, plant_raw, quarantined, lambda: open_store(url), age, rows, migrations)


Builder = Callable[[pytest.FixtureRequest, Path], Backend]
BUILDERS: dict[str, Builder] = {
    "sqlite-memory": lambda req, tmp: _sqlite(":memory:", shared=False),
    "sqlite-file": lambda req, tmp: _sqlite(str(tmp / "s.db"), shared=True),
    # tmp is absolute, so this is the four-slash form: sqlite:////tmp/.../u.db
    "sqlite-url": lambda req, tmp: _sqlite(f"sqlite:///{tmp / 'u.db'}", shared=True),
    # A fresh database on the throwaway cluster (tests/pg_server.py); the fixture is
    # asked for only here, so the SQLite params never start the server.
    "postgres": lambda req, tmp: _postgres(req.getfixturevalue("pg_url")),
}


@pytest.fixture(params=sorted(BUILDERS))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    b = BUILDERS[request.param](request, tmp_path)
    yield b
    b.store.close()


@pytest.fixture(params=sorted(k for k in BUILDERS if k != "sqlite-memory"))
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    b = BUILDERS[request.param](request, tmp_path)
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

        def save(turns: int) -> str:
            try:
                store.save(loaded.model_copy(update={"turns": turns}))
            except ConcurrentUpdate:
                return "conflict"
            return "saved"

        results = _at_once(8, save)
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
            stores = (mine, other)

            def drain(i: int) -> list[int]:
                claimed: list[int] = []
                while batch := stores[i].due(datetime(2027, 1, 1, tzinfo=UTC), 3):
                    claimed += [r.id for r in batch]
                return claimed

            both = [claim for claims in _at_once(2, drain) for claim in claims]
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


KINDS = "a SQLite file path, a sqlite:/// URL or a postgresql:// URL"
REFUSED = [
    (
        "postgresql+psycopg://zairyu:secret@db.internal:5432/zairyu",
        f"unsupported database URL scheme 'postgresql+psycopg': use {KINDS} (write "
        "postgresql://user@host:port/dbname, with no driver name)",
    ),
    (
        "postgresql://zairyu:secret@db.internal:99999/zairyu",
        "the port of postgresql://zairyu@db.internal:99999/zairyu is not a number from 0 to 65535",
    ),
    (
        "postgres://u:secret@h",
        "a postgresql URL names its database: postgresql://user@host:port/dbname",
    ),
    (
        "postgresql://u:secret@h/db?nonsense=1&password=secret",
        "not a valid postgresql URL: postgresql://u@h/db?nonsense=1",
    ),
    (
        "mysql://u:secret@h/db",
        f"unsupported database URL scheme 'mysql': use {KINDS}",
    ),
    (
        "http://example.org/s.db",
        f"unsupported database URL scheme 'http': use {KINDS}",
    ),
    (
        "file:///tmp/s.db",
        f"unsupported database URL scheme 'file': use {KINDS}",
    ),
    (
        "sqlite+aiosqlite:///s.db",
        f"unsupported database URL scheme 'sqlite+aiosqlite': use {KINDS}",
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
        (("migrate", "--db", "mysql://u:secret@h/db"), None, "--db"),
        (("chat", "--jsonl", "--db", "mysql://u:secret@h/db"), None, "--db"),
        (("chat", "--jsonl"), {"ZAIRYU_DB": "mysql://u:secret@h/db"}, "$ZAIRYU_DB"),
        (("serve", "--port", "0", "--db", "mysql://u:secret@h/db"), None, "--db"),
        (("purge", "--db", "mysql://u:secret@h/db"), None, "--db"),
    ],
    ids=["migrate", "chat", "chat-env", "serve", "purge"],
)
def test_the_cli_refuses_a_database_url_in_one_line(
    args: tuple[str, ...], env: dict[str, str] | None, source: str, tmp_path: Path
) -> None:
    """Before issue 14 ``postgresql://u@h/db`` created a folder named ``postgresql:``; a
    scheme with no store is refused in one line naming where the URL came from
    (``--db`` or ``$ZAIRYU_DB``)."""
    proc = _cli(*args, cwd=tmp_path, env=env)
    assert proc.returncode == 2
    assert proc.stderr == f"error: {source}: unsupported database URL scheme 'mysql': use {KINDS}\n"
    assert proc.stdout == ""
    assert list(tmp_path.iterdir()) == []


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("command", ["migrate", "purge"])
def test_an_unreachable_postgresql_server_is_one_line(command: str, tmp_path: Path) -> None:
    """Nothing listens on the port: exit 2, one line, the URL without its password."""
    port = _closed_port()
    proc = _cli(command, "--db", f"postgresql://u:secret@127.0.0.1:{port}/db", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith(
        f"error: --db: cannot connect to postgresql://u@127.0.0.1:{port}/db: "
    )
    assert proc.stderr.count("\n") == 1
    assert "secret" not in proc.stderr
    assert proc.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_check_store_url_connects_to_nothing() -> None:
    """A well-formed PostgreSQL URL passes the check even with no server behind it."""
    check_store_url(f"postgresql://u:secret@127.0.0.1:{_closed_port()}/db")
    check_store_url("postgres://u@db.internal/zairyu?sslmode=require")


def test_postgresql_without_the_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage, "find_spec", lambda name: None)
    for check in (check_store_url, open_store):
        with pytest.raises(StoreURLError) as info:
            check("postgresql://u@127.0.0.1/db")
        assert str(info.value) == (
            "PostgreSQL support is not installed: install the postgres extra "
            "(pip install 'zairyu-guide[postgres]')"
        )


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("postgresql://u:pw@h:5432/db", "postgresql://u@h:5432/db"),
        ("postgres://u@h/db", "postgres://u@h/db"),
        (
            "postgresql://u:p%40w@[::1]:5/db?sslmode=require",
            "postgresql://u@[::1]:5/db?sslmode=require",
        ),
        (
            "postgresql:///db?host=/run/postgresql&password=pw",
            "postgresql:///db?host=/run/postgresql",
        ),
        # libpq decodes option names: pass%77ord is password
        (
            "postgresql://u@h/db?pass%77ord=pw&sslmode=require",
            "postgresql://u@h/db?sslmode=require",
        ),
        ("postgresql://u@h/db?PASSWORD=pw", "postgresql://u@h/db"),
    ],
)
def test_a_postgresql_location_has_no_password(url: str, location: str) -> None:
    assert postgres_location(url) == location


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
        claims = _at_once(8, lambda _: [r.id for r in store.due(T0, 5)])
        got = [claim for ids in claims for claim in ids]
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


# ---------------------------------------------------------------------- shared limits

SLOW = 0.001  # one token every 1000 seconds: no refill worth counting during a test
CLIENT = b"\x01" * 16


def _limits(store: SessionStore) -> SharedLimits:
    assert isinstance(store, SharedLimits)
    return store


class TestSharedLimits:
    """What every store promises for state shared by processes (bot/storage.py,
    SharedLimits): token buckets and sightings."""

    def test_a_new_bucket_is_full_then_empties(self, backend: Backend) -> None:
        limits = _limits(backend.store)
        assert [limits.take_tokens("web", CLIENT, SLOW, 3, 1) for _ in range(3)] == [0.0] * 3
        wait = limits.take_tokens("web", CLIENT, SLOW, 3, 1)
        # About 1000 s (one token at SLOW), less the little refill since the first take.
        assert 990 < wait <= 1000
        # Refused takes take nothing: the same wait again, give or take that refill.
        assert 990 < limits.take_tokens("web", CLIENT, SLOW, 3, 1) <= wait

    def test_a_bucket_refills_with_time(self, backend: Backend) -> None:
        limits = _limits(backend.store)
        assert limits.take_tokens("web", CLIENT, SLOW, 2, 2) == 0.0
        assert limits.take_tokens("web", CLIENT, SLOW, 2, 1) > 0
        backend.age("rate_buckets", 1000)  # one token's worth of time
        assert limits.take_tokens("web", CLIENT, SLOW, 2, 1) == 0.0
        assert limits.take_tokens("web", CLIENT, SLOW, 2, 1) > 0
        backend.age("rate_buckets", 10**6)  # never more than the burst
        assert limits.take_tokens("web", CLIENT, SLOW, 2, 2) == 0.0
        assert limits.take_tokens("web", CLIENT, SLOW, 2, 1) > 0

    def test_costs(self, backend: Backend) -> None:
        """A cost over the burst is charged as the burst (as in memory); a zero rate
        means no limit."""
        limits = _limits(backend.store)
        assert limits.take_tokens("faq", CLIENT, SLOW, 2, 5) == 0.0
        assert 1990 < limits.take_tokens("faq", CLIENT, SLOW, 2, 5) <= 2000
        assert limits.take_tokens("off", CLIENT, 0.0, 1, 1) == 0.0
        assert limits.take_tokens("off", CLIENT, 0.0, 1, 1) == 0.0

    def test_buckets_are_per_name_and_client(self, backend: Backend) -> None:
        limits = _limits(backend.store)
        assert limits.take_tokens("web", CLIENT, SLOW, 1, 1) == 0.0
        assert limits.take_tokens("web", CLIENT, SLOW, 1, 1) > 0
        assert limits.take_tokens("faq", CLIENT, SLOW, 1, 1) == 0.0
        assert limits.take_tokens("web", b"\x02" * 16, SLOW, 1, 1) == 0.0

    def test_simultaneous_takes_never_overdraw(self, backend: Backend) -> None:
        """8 threads take 10 tokens each from a bucket of 40: exactly 40 are given."""
        limits = _limits(backend.store)

        def take(_: int) -> list[bool]:
            return [limits.take_tokens("web", CLIENT, SLOW, 40, 1) == 0.0 for _ in range(10)]

        given = [ok for oks in _at_once(8, take) for ok in oks]
        assert given.count(True) == 40
        assert len(given) == 80

    def test_first_sighting_once(self, backend: Backend) -> None:
        limits = _limits(backend.store)
        assert limits.first_sighting("telegram", 41) is True
        assert limits.first_sighting("telegram", 41) is False
        assert limits.first_sighting("telegram", 42) is True
        assert limits.first_sighting("other", 41) is True
        limits.forget_sighting("telegram", 41)
        assert limits.first_sighting("telegram", 41) is True
        assert limits.first_sighting("telegram", 41) is False
        limits.forget_sighting("telegram", 999)  # unknown: harmless
        assert limits.first_sighting("telegram", 2**62) is True

    def test_a_sighting_is_forgotten_after_the_ttl(self, backend: Backend) -> None:
        limits = _limits(backend.store)
        assert limits.first_sighting("telegram", 7)
        backend.age("sightings", SIGHTING_TTL.total_seconds() - 60)
        assert not limits.first_sighting("telegram", 7)
        backend.age("sightings", 120)
        assert limits.first_sighting("telegram", 7)
        assert not limits.first_sighting("telegram", 7)

    def test_simultaneous_sightings_give_one_first(self, backend: Backend) -> None:
        limits = _limits(backend.store)
        firsts = _at_once(8, lambda _: limits.first_sighting("telegram", 5))
        assert sorted(firsts) == [False] * 7 + [True]

    def test_purge_prunes_old_sightings_and_full_buckets(self, backend: Backend) -> None:
        limits = _limits(backend.store)
        limits.first_sighting("telegram", 1)
        limits.take_tokens("web", CLIENT, SLOW, 2, 1)  # full again 1000 s from now
        limits.take_tokens("web", b"\x02" * 16, SLOW, 2, 2)  # full again in 2000 s
        backend.age("sightings", SIGHTING_TTL.total_seconds() + 1)
        limits.first_sighting("telegram", 2)
        backend.age("rate_buckets", 1500)
        backend.store.purge(datetime.now(UTC) - timedelta(days=30))
        assert backend.rows("sightings") == 1
        assert not limits.first_sighting("telegram", 2)
        assert backend.rows("rate_buckets") == 1
        # The pruned bucket was full: a new one is the same.
        assert limits.take_tokens("web", CLIENT, SLOW, 2, 2) == 0.0
        assert limits.take_tokens("web", b"\x02" * 16, SLOW, 2, 1) == 0.0
        assert limits.take_tokens("web", b"\x02" * 16, SLOW, 2, 1) > 0


def test_two_stores_share_limits(shared: Backend) -> None:
    """Two processes' stores on one database see one bucket and one set of sightings."""
    assert shared.reopen is not None
    other_store = shared.reopen()
    other = _limits(other_store)
    mine = _limits(shared.store)
    try:
        assert mine.first_sighting("telegram", 100) is True
        assert other.first_sighting("telegram", 100) is False
        other.forget_sighting("telegram", 100)
        assert mine.first_sighting("telegram", 100) is True
        assert mine.take_tokens("web", CLIENT, SLOW, 2, 1) == 0.0
        assert other.take_tokens("web", CLIENT, SLOW, 2, 1) == 0.0
        assert mine.take_tokens("web", CLIENT, SLOW, 2, 1) > 0
        assert other.take_tokens("web", CLIENT, SLOW, 2, 1) > 0
    finally:
        other_store.close()


# ---------------------------------------------------------------------- migrations


class TestMigrations:
    def test_from_empty_every_migration_is_applied_once(self, backend: Backend) -> None:
        assert backend.migrations() == MIGRATIONS
        for table in ("sessions", "quarantine", "reminders", "rate_buckets", "sightings"):
            assert backend.rows(table) == 0
        if backend.reopen is not None:
            backend.reopen().close()
            assert backend.migrations() == MIGRATIONS


def _sqlite_at_m003(path: Path) -> None:
    """A database as the code before issue 14 left it: m001 to m003 only."""
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    old = Migrations("zairyu_guide")
    for step in (
        storage.m001_create_sessions,
        storage.m002_create_quarantine,
        storage.m003_create_reminders,
    ):
        old()(step)
    db = Database(path)
    old.apply(db)
    db.execute(
        "INSERT INTO sessions (key, data, version, updated_at) VALUES (?, ?, ?, ?)",
        [KEY, _session(version=3).model_dump_json(), 3, datetime.now(UTC).isoformat()],
    )
    db.execute(
        "INSERT INTO reminders (chat_key, kind, day, due_at, locale) VALUES (?, ?, ?, ?, ?)",
        [CHAT_KEY, "expiry", "2027-01-15", "2027-01-15T00:00:00+00:00", "en"],
    )
    db.conn.close()


def _postgres_at_m003(url: str) -> None:
    import psycopg

    from bot.storage_postgres import PG_MIGRATIONS, apply_migrations

    with psycopg.connect(url, autocommit=True) as conn:
        assert apply_migrations(conn, PG_MIGRATIONS[:3]) == MIGRATIONS[:3]
        conn.execute(
            "INSERT INTO sessions (key, data, version, updated_at) VALUES (%s, %s, %s, now())",
            (KEY, _session(version=3).model_dump_json(), 3),
        )
        conn.execute(
            "INSERT INTO reminders (chat_key, kind, day, due_at, locale) "
            "VALUES (%s, 'expiry', '2027-01-15', '2027-01-15T00:00:00Z', 'en')",
            (CHAT_KEY,),
        )


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_migrating_from_the_previous_schema_keeps_the_data(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A database made before issue 14 (m001 to m003, with rows): opening it applies
    m004 only, and what was stored is still served."""
    if kind == "sqlite":
        url = str(tmp_path / "old.db")
        _sqlite_at_m003(tmp_path / "old.db")
        backend = _sqlite(url, shared=True)
    else:
        url = request.getfixturevalue("pg_url")
        _postgres_at_m003(url)
        backend = _postgres(url)
    try:
        assert backend.migrations() == MIGRATIONS
        loaded = backend.store.load(KEY)
        assert loaded == _session(version=3).model_copy(update={"updated_at": None})
        reminders = _reminders(backend)
        [reminder] = reminders.list_reminders(CHAT_KEY)
        assert (reminder.kind, reminder.day) == (DateKind.EXPIRY, date(2027, 1, 15))
        assert _limits(backend.store).take_tokens("web", CLIENT, SLOW, 1, 1) == 0.0
        assert backend.store.save(loaded).version == 4
    finally:
        backend.store.close()


def test_postgres_stores_opening_together_apply_migrations_once(pg_url: str) -> None:
    """Several processes starting at once on an empty database: the advisory lock lets
    one apply the migrations; the others find them applied."""
    stores = _at_once(6, lambda _: open_store(pg_url))
    for store in stores:
        store.close()
    assert len(stores) == 6
    backend = _postgres(pg_url)
    try:
        assert backend.migrations() == MIGRATIONS
    finally:
        backend.store.close()


def test_migrate_command_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    """``python -m bot migrate --db postgresql://...`` creates the tables, says where
    (never the password), and is harmless run again."""
    url = pg_url.replace("@", ":secret@", 1)  # the test cluster trusts; shown nowhere
    location = postgres_location(url)
    for _ in range(2):
        proc = _cli("migrate", "--db", url, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == f"database ready: {location} (0 sessions)\n"
        assert "secret" not in proc.stdout + proc.stderr
    backend = _postgres(pg_url)
    try:
        assert backend.migrations() == MIGRATIONS
    finally:
        backend.store.close()
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------- two processes

TURNS = 40
WORKER = """
import json, sys
from bot.engine import Engine
from bot.models import Incoming
from bot.storage import open_store

store = open_store(sys.argv[1])
engine = Engine(store)
print("ready", flush=True)
sys.stdin.readline()
done = failed = 0
for n in range(int(sys.argv[2])):
    try:
        engine.handle(Incoming(user_key=sys.argv[3], text="hello"))
        done += 1
    except RuntimeError:
        failed += 1
store.close()
print(json.dumps({"done": done, "failed": failed}), flush=True)
"""


def _two_process_url(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if kind == "sqlite":
        return str(tmp_path / "two.db")
    return str(request.getfixturevalue("pg_url"))


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_two_processes_on_one_session_lose_no_turn(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Two real processes each run TURNS turns of one user at the same time on one
    store. Every turn saves once (version + 1, turns + 1); a save that lost the race is
    replayed by the engine. So the session ends at version 2 * TURNS with 2 * TURNS
    turns counted: none lost, none applied twice."""
    url = _two_process_url(kind, request, tmp_path)
    open_store(url).close()  # migrations first, so both start on a ready database
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZAIRYU_"))}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, url, str(TURNS), "web:shared"],
            cwd=tmp_path,
            env={**env, "PYTHONPATH": str(ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            assert proc.stdout.readline() == "ready\n"
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outputs = [proc.communicate(timeout=120) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    results = []
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    assert results == [{"done": TURNS, "failed": 0}] * 2
    store = open_store(url)
    try:
        session = store.load("web:shared")
        assert session is not None
        assert session.version == 2 * TURNS
        assert session.turns == 2 * TURNS
    finally:
        store.close()


def test_sqlite_store_waits_for_a_writer_holding_a_new_file(tmp_path: Path) -> None:
    """Switching a file to WAL needs it to itself, and SQLite says "database is locked"
    at once, without waiting out busy_timeout, while another process holds a write lock
    on a file still in rollback mode: the race of two serves opening a new file, which
    once failed CI. The store retries until the writer is done."""
    db = tmp_path / "new.db"
    other = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE other_tool (x)")
    other.execute("BEGIN IMMEDIATE")
    released = threading.Timer(0.3, lambda: other.execute("COMMIT"))
    released.start()
    try:
        store = SQLiteStore(db)
    finally:
        released.join()
        other.close()
    try:
        mode = store.db.execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"
        assert store.load("nobody") is None
    finally:
        store.close()


def test_only_a_race_lost_to_another_process_is_tried_again(tmp_path: Path) -> None:
    """Opening a file retries what another process opening it at the same time causes
    (its table already made, its lock) and raises anything else at once: a read-only
    file stays read-only however long one waits. Real SQLite errors, counted attempts."""
    db = tmp_path / "t.db"
    writable = sqlite3.connect(db, isolation_level=None)
    writable.execute("CREATE TABLE made_by_another (x)")
    read_only = sqlite3.connect(f"file:{db}?mode=ro", uri=True, isolation_level=None)
    tries: list[str] = []

    def write_read_only() -> None:
        tries.append("read-only")
        read_only.execute("CREATE TABLE mine (x)")

    def make_the_table_twice_then_find_it() -> None:
        tries.append("race")
        if tries.count("race") < 3:
            writable.execute("CREATE TABLE made_by_another (x)")  # already exists

    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            storage._retry_race(write_read_only, storage._LOST_MIGRATION_RACE)
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            storage._use_wal(read_only)
        storage._retry_race(make_the_table_twice_then_find_it, storage._LOST_MIGRATION_RACE)
    finally:
        read_only.close()
        writable.close()
    assert tries == ["read-only", "race", "race", "race"]


def test_sqlite_stores_opening_a_new_file_together_apply_migrations_once(
    tmp_path: Path,
) -> None:
    """Processes started together (``serve`` on a new file, twice) race to migrate it:
    each migration is applied once, the session and console sets alike, and no opener
    fails. Real processes, released at the same instant."""
    db = tmp_path / "new.db"
    go = time_module.time() + 1.5
    script = (
        "import sys, time\n"
        "from bot.storage import open_store\n"
        "from bot.staff.store import console_store\n"
        f"time.sleep(max(0.0, {go!r} - time.time()))\n"
        "store = open_store(sys.argv[1])\n"
        "console_store(store)\n"
        "store.close()\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(db)],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    outcomes = [(p.communicate(timeout=60)[1], p.returncode) for p in procs]
    failures = [err for err, code in outcomes if code != 0]
    assert failures == []
    store = open_store(str(db))
    assert isinstance(store, SQLiteStore)
    try:
        rows = store.db.execute(
            "SELECT migration_set, name, count(*) FROM _sqlite_migrations "
            "GROUP BY migration_set, name"
        ).fetchall()
    finally:
        store.close()
    assert {count for _, _, count in rows} == {1}
    assert {s for s, _, _ in rows} == {"zairyu_guide", "zairyu_console"}
