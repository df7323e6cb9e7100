"""The staff console's store on PostgreSQL, in the session store's database.

It borrows :class:`~bot.storage_postgres.PostgresStore`'s connection pool (one statement
or one transaction per call, so it is safe from many threads and processes) and applies
its tables with that store's :func:`~bot.storage_postgres.apply_migrations`, under the
same advisory lock. The migration names are the SQLite set's (``zairyu_console``), kept
in the same ``schema_migrations`` table as the session store's: that table has no column
for the set, so the console's names say ``console`` and never reuse a session store's.

Deleted declined questions are followed by a plain ``VACUUM`` of their table, as the
session store does after a delete (see bot/storage_postgres.py for what that does and
does not guarantee on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Final

from bot.staff.store import DailyCount, LoginSession, StaffAccount, UnansweredGroup
from bot.storage import SessionStore
from bot.storage_postgres import PostgresStore, apply_migrations

PG_CONSOLE_MIGRATIONS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    (
        "m001_create_console",
        (
            "CREATE TABLE staff_accounts ("
            " name text PRIMARY KEY,"
            " password_hash text NOT NULL,"
            " created_at timestamptz NOT NULL)",
            "CREATE TABLE staff_logins ("
            " token_hash bytea PRIMARY KEY,"
            " name text NOT NULL,"
            " csrf text NOT NULL,"
            " expires_at timestamptz NOT NULL)",
            "CREATE INDEX staff_logins_name ON staff_logins (name)",
            "CREATE TABLE unanswered ("
            " id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
            " at timestamptz NOT NULL,"
            " locale text NOT NULL,"
            " source text NOT NULL,"
            " norm text NOT NULL,"
            " text text NOT NULL)",
            "CREATE INDEX unanswered_norm ON unanswered (norm)",
            "CREATE INDEX unanswered_at ON unanswered (at)",
            "CREATE TABLE daily_counts ("
            " day date NOT NULL,"
            " metric text NOT NULL,"
            " label text NOT NULL,"
            " count bigint NOT NULL,"
            " PRIMARY KEY (day, metric, label))",
        ),
    ),
)

# One statement: concurrent processes never lose an increment.
_BUMP = (
    "INSERT INTO daily_counts (day, metric, label, count) VALUES (%s, %s, %s, %s) "
    "ON CONFLICT (day, metric, label) DO UPDATE SET count = daily_counts.count + EXCLUDED.count"
)
_GROUPS = """
WITH ranked AS (
  SELECT norm, text, locale, at,
         row_number() OVER (PARTITION BY norm ORDER BY at DESC, id DESC) AS rn,
         count(*) OVER (PARTITION BY norm) AS n
  FROM unanswered WHERE (%(locale)s::text IS NULL OR locale = %(locale)s::text)
)
SELECT norm, text, locale, n, at FROM ranked WHERE rn = 1
ORDER BY at DESC, norm LIMIT %(limit)s
"""


def _aware(instant: datetime) -> datetime:
    if instant.utcoffset() is None:
        msg = "the console store needs aware datetimes (with a time zone)"
        raise ValueError(msg)
    return instant


def _utc(value: object) -> datetime:
    assert isinstance(value, datetime)
    return value.astimezone(UTC)


class PostgresConsoleStore:
    """:class:`~bot.staff.store.ConsoleStore` on the session store's PostgreSQL pool."""

    blocking = True

    def __init__(self, store: SessionStore) -> None:
        if not isinstance(store, PostgresStore):
            msg = f"no staff console store for {type(store).__name__}"
            raise TypeError(msg)
        self._store = store
        with store._conn() as conn:
            apply_migrations(conn, PG_CONSOLE_MIGRATIONS)

    # -- staff accounts

    def add_staff(self, name: str, password_hash: str, now: datetime) -> bool:
        with self._store._conn() as conn:
            cur = conn.execute(
                "INSERT INTO staff_accounts (name, password_hash, created_at) "
                "VALUES (%s, %s, %s) ON CONFLICT (name) DO NOTHING",
                (name, password_hash, _aware(now)),
            )
        return cur.rowcount > 0

    def staff_hash(self, name: str) -> str | None:
        with self._store._conn() as conn:
            row = conn.execute(
                "SELECT password_hash FROM staff_accounts WHERE name = %s", (name,)
            ).fetchone()
        return None if row is None else str(row[0])

    def set_staff_hash(self, name: str, password_hash: str, *, end_logins: bool = False) -> bool:
        with self._store._transaction() as conn:
            cur = conn.execute(
                "UPDATE staff_accounts SET password_hash = %s WHERE name = %s",
                (password_hash, name),
            )
            if end_logins:
                conn.execute("DELETE FROM staff_logins WHERE name = %s", (name,))
        return cur.rowcount > 0

    def remove_staff(self, name: str) -> bool:
        with self._store._transaction() as conn:
            cur = conn.execute("DELETE FROM staff_accounts WHERE name = %s", (name,))
            conn.execute("DELETE FROM staff_logins WHERE name = %s", (name,))
        return cur.rowcount > 0

    def list_staff(self) -> list[StaffAccount]:
        with self._store._conn() as conn:
            rows = conn.execute(
                'SELECT name, created_at FROM staff_accounts ORDER BY name COLLATE "C"'
            ).fetchall()
        return [StaffAccount(name=str(n), created_at=_utc(at)) for n, at in rows]

    # -- login sessions

    def create_login(self, token_hash: bytes, name: str, csrf: str, expires_at: datetime) -> None:
        with self._store._conn() as conn:
            conn.execute(
                "INSERT INTO staff_logins (token_hash, name, csrf, expires_at) "
                "VALUES (%s, %s, %s, %s)",
                (token_hash, name, csrf, _aware(expires_at)),
            )

    def get_login(self, token_hash: bytes, now: datetime) -> LoginSession | None:
        with self._store._conn() as conn:
            row = conn.execute(
                "SELECT l.name, l.csrf, l.expires_at FROM staff_logins l"
                " JOIN staff_accounts a ON a.name = l.name"
                " WHERE l.token_hash = %s AND l.expires_at > %s",
                (token_hash, _aware(now)),
            ).fetchone()
        if row is None:
            return None
        return LoginSession(name=str(row[0]), csrf=str(row[1]), expires_at=_utc(row[2]))

    def delete_login(self, token_hash: bytes) -> None:
        with self._store._conn() as conn:
            conn.execute("DELETE FROM staff_logins WHERE token_hash = %s", (token_hash,))

    # -- declined questions

    def record_unanswered(
        self, at: datetime, locale: str, source: str, norm: str, text: str
    ) -> None:
        with self._store._conn() as conn:
            conn.execute(
                "INSERT INTO unanswered (at, locale, source, norm, text) "
                "VALUES (%s, %s, %s, %s, %s)",
                (_aware(at), locale, source, norm, text),
            )

    def unanswered_groups(self, locale: str | None, limit: int) -> list[UnansweredGroup]:
        with self._store._conn() as conn:
            rows = conn.execute(_GROUPS, {"locale": locale, "limit": limit}).fetchall()
        return [
            UnansweredGroup(
                norm=str(norm),
                example=str(text),
                locale=str(loc),
                count=int(n),
                last_seen=_utc(at),
            )
            for norm, text, loc, n, at in rows
        ]

    def delete_unanswered(self, norm: str) -> int:
        with self._store._conn() as conn:
            cur = conn.execute("DELETE FROM unanswered WHERE norm = %s", (norm,))
        if cur.rowcount > 0:
            self._store._vacuum("unanswered")
        return int(cur.rowcount)

    # -- daily counters

    def bump(self, day: date, metric: str, label: str, by: int = 1) -> None:
        with self._store._conn() as conn:
            conn.execute(_BUMP, (day, metric, label, by))

    def bump_many(self, day: date, items: Sequence[tuple[str, str]]) -> None:
        if not items:
            return
        # Sorted: two turns bumping the same counters lock their rows in the same order
        # (no deadlock); a pair listed twice is added once with its count.
        totals: dict[tuple[str, str], int] = {}
        for item in items:
            totals[item] = totals.get(item, 0) + 1
        rows = [(day, m, lb, n) for (m, lb), n in sorted(totals.items())]
        with self._store._transaction() as conn, conn.cursor() as cur:
            cur.executemany(_BUMP, rows)

    def counts(self, start: date, end: date) -> list[DailyCount]:
        with self._store._conn() as conn:
            rows = conn.execute(
                "SELECT day, metric, label, count FROM daily_counts"
                " WHERE day BETWEEN %s AND %s"
                ' ORDER BY day, metric COLLATE "C", label COLLATE "C"',
                (start, end),
            ).fetchall()
        return [
            DailyCount(day=d, metric=str(m), label=str(lb), count=int(c)) for d, m, lb, c in rows
        ]

    def purge_console(self, older_than: datetime, now: datetime) -> int:
        with self._store._transaction() as conn:
            cur = conn.execute("DELETE FROM unanswered WHERE at < %s", (_aware(older_than),))
            conn.execute("DELETE FROM staff_logins WHERE expires_at <= %s", (_aware(now),))
        if cur.rowcount > 0:
            self._store._vacuum("unanswered", "staff_logins")
        return int(cur.rowcount)
