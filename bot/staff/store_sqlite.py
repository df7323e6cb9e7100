"""The staff console's store on SQLite, in the session store's database file.

It shares :class:`~bot.storage.SQLiteStore`'s connection and lock (one connection per
process; WAL and ``busy_timeout`` make several processes safe) and keeps its tables under
its own sqlite-utils migration set, ``zairyu_console``, so the session store's migrations
and these never step on each other. Times are stored as UTC ISO 8601 text, which sorts
as time does (as bot/storage.py does); days as ``YYYY-MM-DD``.

Declined questions are deleted with ``secure_delete`` on and a truncating WAL checkpoint
after, as sessions are: scrubbed or not, a deleted question leaves no copy in the files.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bot.staff.store import DailyCount, LoginSession, StaffAccount, UnansweredGroup
from bot.storage import SQLiteStore, apply_sqlite_migrations

migrations = Migrations("zairyu_console")


@migrations()
def m001_create_console(db: Database) -> None:
    """Accounts, login sessions, declined questions and daily counters (issue 15)."""
    db.execute(
        "CREATE TABLE staff_accounts ("
        " name TEXT PRIMARY KEY,"
        " password_hash TEXT NOT NULL,"
        " created_at TEXT NOT NULL)"
    )
    db.execute(
        "CREATE TABLE staff_logins ("
        " token_hash BLOB PRIMARY KEY,"
        " name TEXT NOT NULL,"
        " csrf TEXT NOT NULL,"
        " expires_at TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX staff_logins_name ON staff_logins (name)")
    db.execute(
        "CREATE TABLE unanswered ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " at TEXT NOT NULL,"
        " locale TEXT NOT NULL,"
        " source TEXT NOT NULL,"
        " norm TEXT NOT NULL,"
        " text TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX unanswered_norm ON unanswered (norm)")
    db.execute("CREATE INDEX unanswered_at ON unanswered (at)")
    db.execute(
        "CREATE TABLE daily_counts ("
        " day TEXT NOT NULL,"
        " metric TEXT NOT NULL,"
        " label TEXT NOT NULL,"
        " count INTEGER NOT NULL,"
        " PRIMARY KEY (day, metric, label))"
    )


def _utc(instant: datetime) -> str:
    if instant.utcoffset() is None:
        msg = "the console store needs aware datetimes (with a time zone)"
        raise ValueError(msg)
    return instant.astimezone(UTC).isoformat()


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# One statement: concurrent processes never lose an increment.
_BUMP = (
    "INSERT INTO daily_counts (day, metric, label, count) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (day, metric, label) DO UPDATE SET count = count + excluded.count"
)
# The newest row of each normalised form, with the form's count (ties: the later id).
_GROUPS = """
WITH ranked AS (
  SELECT norm, text, locale, at,
         row_number() OVER (PARTITION BY norm ORDER BY at DESC, id DESC) AS rn,
         count(*) OVER (PARTITION BY norm) AS n
  FROM unanswered {where}
)
SELECT norm, text, locale, n, at FROM ranked WHERE rn = 1
ORDER BY at DESC, norm LIMIT ?
"""


class SQLiteConsoleStore:
    """:class:`~bot.staff.store.ConsoleStore` on the session store's SQLite database."""

    blocking = False

    def __init__(self, store: SQLiteStore) -> None:
        self._store = store
        # The session store's own connection and lock: one writer per process, and
        # sqlite3 connections are not to be used from two threads at once.
        self._conn: sqlite3.Connection = store._conn
        self._lock: threading.Lock = store._lock
        with self._lock:
            apply_sqlite_migrations(migrations, store.db)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken up front (no upgrade deadlock between processes)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def _checkpoint(self) -> None:
        """As the session store does after a delete (see SQLiteStore._checkpoint)."""
        if self._store.path != ":memory:":
            with self._lock:
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()

    # -- staff accounts

    def add_staff(self, name: str, password_hash: str, now: datetime) -> bool:
        with self._lock:
            cur = self._conn.execute(
                "INSERT INTO staff_accounts (name, password_hash, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO NOTHING",
                (name, password_hash, _utc(now)),
            )
        return cur.rowcount > 0

    def staff_hash(self, name: str) -> str | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT password_hash FROM staff_accounts WHERE name = ?", (name,)
            ).fetchone()
        return None if row is None else str(row[0])

    def set_staff_hash(self, name: str, password_hash: str, *, end_logins: bool = False) -> bool:
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE staff_accounts SET password_hash = ? WHERE name = ?",
                (password_hash, name),
            )
            if end_logins:
                conn.execute("DELETE FROM staff_logins WHERE name = ?", (name,))
        return cur.rowcount > 0

    def remove_staff(self, name: str) -> bool:
        with self._write() as conn:
            cur = conn.execute("DELETE FROM staff_accounts WHERE name = ?", (name,))
            conn.execute("DELETE FROM staff_logins WHERE name = ?", (name,))
        return cur.rowcount > 0

    def list_staff(self) -> list[StaffAccount]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT name, created_at FROM staff_accounts ORDER BY name"
            ).fetchall()
        return [StaffAccount(name=str(n), created_at=_instant(at)) for n, at in rows]

    # -- login sessions

    def create_login(self, token_hash: bytes, name: str, csrf: str, expires_at: datetime) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT INTO staff_logins (token_hash, name, csrf, expires_at) VALUES (?, ?, ?, ?)",
                (token_hash, name, csrf, _utc(expires_at)),
            )

    def get_login(self, token_hash: bytes, now: datetime) -> LoginSession | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT l.name, l.csrf, l.expires_at FROM staff_logins l"
                " JOIN staff_accounts a ON a.name = l.name"
                " WHERE l.token_hash = ? AND l.expires_at > ?",
                (token_hash, _utc(now)),
            ).fetchone()
        if row is None:
            return None
        return LoginSession(name=str(row[0]), csrf=str(row[1]), expires_at=_instant(row[2]))

    def delete_login(self, token_hash: bytes) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM staff_logins WHERE token_hash = ?", (token_hash,))

    # -- declined questions

    def record_unanswered(
        self, at: datetime, locale: str, source: str, norm: str, text: str
    ) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT INTO unanswered (at, locale, source, norm, text) VALUES (?, ?, ?, ?, ?)",
                (_utc(at), locale, source, norm, text),
            )

    def unanswered_groups(self, locale: str | None, limit: int) -> list[UnansweredGroup]:
        where, params = ("WHERE locale = ?", [locale]) if locale is not None else ("", [])
        with self._lock:
            rows = self._conn.execute(_GROUPS.format(where=where), [*params, limit]).fetchall()
        return [
            UnansweredGroup(
                norm=str(norm),
                example=str(text),
                locale=str(loc),
                count=int(n),
                last_seen=_instant(at),
            )
            for norm, text, loc, n, at in rows
        ]

    def delete_unanswered(self, norm: str) -> int:
        with self._lock:
            cur = self._conn.execute("DELETE FROM unanswered WHERE norm = ?", (norm,))
        if cur.rowcount > 0:
            self._checkpoint()
        return int(cur.rowcount)

    # -- daily counters

    def bump(self, day: date, metric: str, label: str, by: int = 1) -> None:
        with self._lock:
            self._conn.execute(_BUMP, (day.isoformat(), metric, label, by))

    def bump_many(self, day: date, items: Sequence[tuple[str, str]]) -> None:
        if not items:
            return
        when = day.isoformat()
        with self._write() as conn:
            conn.executemany(_BUMP, [(when, metric, label, 1) for metric, label in items])

    def counts(self, start: date, end: date) -> list[DailyCount]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT day, metric, label, count FROM daily_counts"
                " WHERE day BETWEEN ? AND ? ORDER BY day, metric, label",
                (start.isoformat(), end.isoformat()),
            ).fetchall()
        return [
            DailyCount(day=date.fromisoformat(d), metric=str(m), label=str(lb), count=int(c))
            for d, m, lb, c in rows
        ]

    def purge_console(self, older_than: datetime, now: datetime) -> int:
        with self._write() as conn:
            cur = conn.execute("DELETE FROM unanswered WHERE at < ?", (_utc(older_than),))
            conn.execute("DELETE FROM staff_logins WHERE expires_at <= ?", (_utc(now),))
        if cur.rowcount > 0:
            self._checkpoint()
        return int(cur.rowcount)
