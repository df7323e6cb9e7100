"""Session storage behind a narrow interface; SQLite (sqlite-utils) by default.

The SQLite store runs in WAL mode with named migrations and is written on every
turn, so a restart loses nothing. Saves are optimistic: each carries the version
it was loaded at, and a save that lost a race raises :class:`ConcurrentUpdate`
(another process wrote first); the engine then replays the turn.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from pydantic import ValidationError
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bot.models import Session

log = logging.getLogger(__name__)

migrations = Migrations("zairyu_guide")


@migrations()
def m001_create_sessions(db: Database) -> None:
    """Sessions: one JSON document per user key, with a version for optimistic saves."""
    db["sessions"].create(  # type: ignore[union-attr]
        {"key": str, "data": str, "version": int, "updated_at": str},
        pk="key",
        not_null={"data", "version", "updated_at"},
    )


@migrations()
def m002_create_quarantine(db: Database) -> None:
    """Rows that no longer validate are moved here (kept for inspection, never served)."""
    db["quarantine"].create(  # type: ignore[union-attr]
        {"key": str, "data": str, "version": int, "moved_at": str, "error": str}
    )


class ConcurrentUpdate(RuntimeError):
    """Another writer saved this session since it was loaded."""


class SessionStore(Protocol):
    """What the engine needs from storage, and nothing more."""

    def load(self, key: str) -> Session | None: ...

    def save(self, session: Session) -> Session: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> bool: ...

    def count(self) -> int: ...

    def close(self) -> None: ...


class SQLiteStore:
    """The embedded default store. ``path=":memory:"`` gives a private in-memory DB."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.db = Database(conn)
        self._conn = conn
        self._lock = threading.Lock()
        conn.execute("PRAGMA busy_timeout = 5000")
        if self.path != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        migrations.apply(self.db)

    def load(self, key: str) -> Session | None:
        """The stored session, or None. A row that no longer validates is moved to the
        ``quarantine`` table and treated as absent (the user restarts; nothing crashes)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT data, version FROM sessions WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        try:
            return Session.model_validate_json(row[0])
        except ValidationError as exc:
            log.warning("session row failed validation; quarantined (%d errors)", exc.error_count())
            self._quarantine(key, row[0], row[1], exc.error_count())
            return None

    def _quarantine(self, key: str, data: str, version: int, errors: int) -> None:
        moved_at = datetime.now(UTC).isoformat()
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute(
                    "INSERT INTO quarantine (key, data, version, moved_at, error) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (key, data, version, moved_at, f"{errors} validation errors"),
                )
                self._conn.execute(
                    "DELETE FROM sessions WHERE key = ? AND version = ?", (key, version)
                )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def save(self, session: Session) -> Session:
        """Write ``session`` if nobody else wrote it since it was loaded."""
        new = session.model_copy(
            update={"version": session.version + 1, "updated_at": datetime.now(UTC)}
        )
        data = new.model_dump_json()
        with self._lock:
            cur = self._conn.execute(
                "INSERT INTO sessions (key, data, version, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET data = excluded.data, "
                "version = excluded.version, updated_at = excluded.updated_at "
                "WHERE sessions.version = excluded.version - 1",
                (new.key, data, new.version, new.updated_at.isoformat() if new.updated_at else ""),
            )
            if cur.rowcount != 1:
                msg = f"session {session.key!r} changed since it was loaded"
                raise ConcurrentUpdate(msg)
        return new

    def exists(self, key: str) -> bool:
        """Whether a session is stored under ``key`` (cheaper than :meth:`load`)."""
        with self._lock:
            row = self._conn.execute("SELECT 1 FROM sessions WHERE key = ?", (key,)).fetchone()
        return row is not None

    def delete(self, key: str) -> bool:
        """Forget a user: delete their session. True if there was one."""
        with self._lock:
            cur = self._conn.execute("DELETE FROM sessions WHERE key = ?", (key,))
        return cur.rowcount > 0

    def count(self) -> int:
        with self._lock:
            row = self._conn.execute("SELECT count(*) FROM sessions").fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()
