"""The PostgreSQL store (issue 14): sessions, reminders and shared limits on a server
that several ``serve`` processes, or hosts, use at once.

It keeps the contracts of bot/storage.py (:class:`~bot.storage.SessionStore`,
:class:`~bot.storage.ReminderStore`, :class:`~bot.storage.SharedLimits`) with the same
meaning as the SQLite store; tests/test_store_contract.py runs the same tests on both.
psycopg 3 with a :class:`psycopg_pool.ConnectionPool` (the ``postgres`` extra); every
call borrows a connection for one statement or one transaction, so the store is safe
from many threads. ``blocking`` is True: the engine's async methods run it in a thread.

Schema: the same named migrations as SQLite (m001 to m004, PostgreSQL DDL), recorded
in ``schema_migrations`` and applied in one transaction under an advisory lock, so
processes starting together neither race nor apply one twice.

Per-session ordering across processes: a save is one conditional statement. An update
(``UPDATE ... WHERE key = %s AND version = %s``) takes the row's lock; a second writer
of the same row waits for the first to commit, then re-checks its ``WHERE`` against the
committed row (READ COMMITTED), finds the version moved on and updates nothing, which
raises :class:`~bot.storage.ConcurrentUpdate`, as does an update of a deleted row. A new
session is ``INSERT ... ON CONFLICT DO NOTHING``: of two, the unique key lets one in.
So exactly one of two writers from one loaded version wins, whichever process runs it.

Reminders are claimed with ``FOR UPDATE SKIP LOCKED``: N schedulers each take
different rows and never wait on each other. Rate buckets and sightings use the
server's clock (``clock_timestamp()``), one atomic statement each.

What a delete guarantees here (measured with pageinspect on PostgreSQL 15): at commit
the session, its quarantined copies and its reminders are gone from every query, in one
transaction. PostgreSQL has no ``secure_delete``: a deleted (or superseded: every save
writes a new row version) row's bytes stay in the table and index pages until
overwritten. After a delete or purge the store runs a plain ``VACUUM`` of the touched
tables (after the commit, on its own; ``SKIP_LOCKED``, so it never waits on another
vacuum): it frees the dead row versions and their index entries, so that new rows
reuse and overwrite that space, but it does not zero them (the bytes were still in the
file after ``VACUUM`` and ``VACUUM (FREEZE)``; gone after ``VACUUM FULL``, which
rewrites the table under an exclusive lock and is therefore left to the operator's
maintenance window). A vacuum cannot free rows an older open transaction may still
see. Copies also live on, outside this store's reach, in the write-ahead log until its
segments are recycled, in WAL archives, replicas' files and base backups (``pg_dump``
files hold only live rows): their retention is the operator's (docs/deploy.md).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool

from bot import storage
from bot.keydates import DateKind
from bot.models import Session
from bot.storage import (
    REMINDER_LEASE,
    SIGHTING_TTL,
    ConcurrentUpdate,
    NewReminder,
    Reminder,
    ReminderState,
    StoreUnavailable,
    postgres_location,
)

log = logging.getLogger(__name__)

# The named migrations, in order: the same names as the SQLite store's (bot/storage.py).
PG_MIGRATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "m001_create_sessions",
        (
            "CREATE TABLE sessions ("
            " key text PRIMARY KEY,"
            " data text NOT NULL,"
            " version integer NOT NULL,"
            " updated_at timestamptz NOT NULL)",
            "CREATE INDEX sessions_updated_at ON sessions (updated_at)",
        ),
    ),
    (
        "m002_create_quarantine",
        (
            "CREATE TABLE quarantine ("
            " id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
            " key text NOT NULL,"
            " data text NOT NULL,"
            " version integer NOT NULL,"
            " moved_at timestamptz NOT NULL,"
            " error text NOT NULL)",
            "CREATE INDEX quarantine_key ON quarantine (key)",
            "CREATE INDEX quarantine_moved_at ON quarantine (moved_at)",
        ),
    ),
    (
        "m003_create_reminders",
        (
            # An identity never gives an id twice: a cancel button on an old list
            # cannot cancel a newer reminder.
            "CREATE TABLE reminders ("
            " id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
            " chat_key text NOT NULL,"
            " kind text NOT NULL,"
            " day date NOT NULL,"
            " due_at timestamptz NOT NULL,"
            " locale text NOT NULL,"
            " state text NOT NULL DEFAULT 'pending',"
            " claimed_at timestamptz,"
            " claim text,"
            " CONSTRAINT reminders_chat_kind_day UNIQUE (chat_key, kind, day))",
            "CREATE INDEX reminders_state_due ON reminders (state, due_at)",
        ),
    ),
    (
        "m004_create_shared_limits",
        (
            # full_at: when the bucket is full again (a purge drops it from then on);
            # wait: the answer of the last take, so that one upsert can return it.
            "CREATE TABLE rate_buckets ("
            " bucket text NOT NULL,"
            " client bytea NOT NULL,"
            " tokens double precision NOT NULL,"
            " updated_at timestamptz NOT NULL,"
            " full_at timestamptz NOT NULL,"
            " wait double precision NOT NULL DEFAULT 0,"
            " PRIMARY KEY (bucket, client))",
            "CREATE INDEX rate_buckets_full_at ON rate_buckets (full_at)",
            "CREATE TABLE sightings ("
            " name text NOT NULL,"
            " item bigint NOT NULL,"
            " seen_at timestamptz NOT NULL,"
            " PRIMARY KEY (name, item))",
            "CREATE INDEX sightings_seen_at ON sightings (seen_at)",
        ),
    ),
)

# pg_advisory_xact_lock's key for applying migrations ("zairyu" in ASCII, then 1).
MIGRATION_LOCK = 0x7A6169727975_0001

MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " name text PRIMARY KEY,"
    " applied_at timestamptz NOT NULL DEFAULT clock_timestamp())"
)


def apply_migrations(
    conn: psycopg.Connection[Any],
    steps: Sequence[tuple[str, Sequence[str]]] = PG_MIGRATIONS,
) -> list[str]:
    """Apply the ``steps`` not yet recorded, in one transaction under an advisory lock
    (a second process starting at the same moment waits, then finds them applied), and
    return their names. DDL is transactional in PostgreSQL: a failed step leaves none."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute(MIGRATIONS_TABLE)
        done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}
        applied = []
        for name, statements in steps:
            if name in done:
                continue
            for statement in statements:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (name,))
            applied.append(name)
    return applied


def _configure(conn: psycopg.Connection[Any]) -> None:
    """Every pooled connection: autocommit (transactions are explicit) and UTC."""
    conn.autocommit = True
    conn.execute("SET TIME ZONE 'UTC'")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class PostgresStore:
    """Sessions, reminders and shared limits on PostgreSQL. ``url`` is a libpq URL
    (``postgresql://user[:password]@host:port/dbname``); messages use :attr:`location`,
    which has no password. Opening connects once (a server that cannot be reached
    raises :class:`~bot.storage.StoreUnavailable`) and applies pending migrations."""

    blocking = True

    def __init__(self, url: str, *, max_connections: int = 10, timeout: float = 30.0) -> None:
        self._location = postgres_location(url)
        try:
            with psycopg.connect(url, connect_timeout=10, autocommit=True) as conn:
                apply_migrations(conn)
        except psycopg.OperationalError as exc:
            msg = f"cannot connect to {self._location}: {_first_line(exc)}"
            raise StoreUnavailable(msg) from None
        self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url,
            min_size=1,
            max_size=max_connections,
            timeout=timeout,
            configure=_configure,
            open=True,
            name="zairyu-store",
        )

    @property
    def location(self) -> str:
        """The URL without its password."""
        return self._location

    @contextmanager
    def _conn(self) -> Iterator[psycopg.Connection[Any]]:
        with self._pool.connection() as conn:
            yield conn

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Connection[Any]]:
        with self._pool.connection() as conn, conn.transaction():
            yield conn

    def _vacuum(self, *tables: str) -> None:
        """Free the dead row versions a delete left (see the module docstring: the
        space is reused, not zeroed). After the commit, on an autocommit connection;
        never waits on another vacuum of the same table."""
        if not tables:
            return
        names = sql.SQL(", ").join(sql.Identifier(t) for t in tables)
        with self._conn() as conn:
            conn.execute(sql.SQL("VACUUM (SKIP_LOCKED) {}").format(names))

    # -- sessions (SessionStore)

    def load(self, key: str) -> Session | None:
        with self._conn() as conn:
            row = conn.execute(
                "SELECT data, version FROM sessions WHERE key = %s", (key,)
            ).fetchone()
        if row is None:
            return None
        try:
            return storage._read_session(row[0])
        except storage._Unreadable as exc:
            self._quarantine(key, row[0], row[1], str(exc))
            return None

    def _quarantine(self, key: str, data: str, version: int, error: str) -> None:
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO quarantine (key, data, version, moved_at, error) "
                "VALUES (%s, %s, %s, %s, %s)",
                (key, data, version, storage.utc_now(), error),
            )
            conn.execute("DELETE FROM sessions WHERE key = %s AND version = %s", (key, version))

    def save(self, session: Session) -> Session:
        """One conditional statement (see the module docstring for the ordering)."""
        new = storage._next_version(session)
        data = new.model_dump_json()
        with self._conn() as conn:
            if session.version == 0:
                cur = conn.execute(
                    "INSERT INTO sessions (key, data, version, updated_at) "
                    "VALUES (%s, %s, %s, %s) ON CONFLICT (key) DO NOTHING",
                    (new.key, data, new.version, new.updated_at),
                )
            else:
                cur = conn.execute(
                    "UPDATE sessions SET data = %s, version = %s, updated_at = %s "
                    "WHERE key = %s AND version = %s",
                    (data, new.version, new.updated_at, new.key, session.version),
                )
            if cur.rowcount != 1:
                msg = "the session changed or was deleted since it was loaded"
                raise ConcurrentUpdate(msg)
        return new

    def exists(self, key: str) -> bool:
        with self._conn() as conn:
            row = conn.execute("SELECT 1 FROM sessions WHERE key = %s", (key,)).fetchone()
        return row is not None

    def delete(self, key: str) -> bool:
        """The session, its quarantined copies and its reminders in one transaction,
        then a vacuum of the tables that lost rows."""
        with self._transaction() as conn:
            counts = {
                "sessions": conn.execute("DELETE FROM sessions WHERE key = %s", (key,)).rowcount,
                "quarantine": conn.execute(
                    "DELETE FROM quarantine WHERE key = %s", (key,)
                ).rowcount,
                "reminders": conn.execute(
                    "DELETE FROM reminders WHERE chat_key = %s", (key,)
                ).rowcount,
            }
        self._vacuum(*(table for table, n in counts.items() if n > 0))
        return counts["sessions"] > 0

    def count(self) -> int:
        with self._conn() as conn:
            row = conn.execute("SELECT count(*) FROM sessions").fetchone()
        assert row is not None
        return int(row[0])

    def purge(self, older_than: datetime) -> int:
        """As the SQLite store's (sessions saved before ``older_than``, quarantined rows
        moved before it, reminders sent or due before it; sightings older than
        :data:`~bot.storage.SIGHTING_TTL` and full buckets by the server's clock), in one
        transaction, then a vacuum of the tables that lost rows."""
        if older_than.utcoffset() is None:
            msg = "purge needs an aware datetime (with a time zone)"
            raise ValueError(msg)
        with self._transaction() as conn:
            counts = {
                "sessions": conn.execute(
                    "DELETE FROM sessions WHERE updated_at < %s", (older_than,)
                ).rowcount,
                "quarantine": conn.execute(
                    "DELETE FROM quarantine WHERE moved_at < %s", (older_than,)
                ).rowcount,
                "reminders": conn.execute(
                    "DELETE FROM reminders WHERE state = %s OR due_at < %s",
                    (ReminderState.SENT.value, older_than),
                ).rowcount,
            }
            conn.execute(
                "DELETE FROM sightings WHERE seen_at < clock_timestamp() - %s", (SIGHTING_TTL,)
            )
            conn.execute("DELETE FROM rate_buckets WHERE full_at <= clock_timestamp()")
        self._vacuum(*(table for table, n in counts.items() if n > 0))
        return counts["sessions"]

    def close(self) -> None:
        self._pool.close()

    # -- reminders (ReminderStore)

    def add_reminders(self, chat_key: str, items: Sequence[NewReminder]) -> int:
        """One transaction, serialized per chat by an advisory lock (as SQLite's
        ``BEGIN IMMEDIATE`` serializes all writers), so that the count is this call's."""
        wanted = {(item.kind.value, item.day) for item in items}
        with self._transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (chat_key,))
            rows = conn.execute(
                "SELECT id, kind, day FROM reminders WHERE chat_key = %s AND state = %s",
                (chat_key, ReminderState.PENDING.value),
            ).fetchall()
            stale = [rid for rid, kind, day in rows if (kind, day) not in wanted]
            if stale:
                conn.execute("DELETE FROM reminders WHERE id = ANY(%s)", (stale,))
            count = "SELECT count(*) FROM reminders WHERE chat_key = %s"
            before = _scalar(conn.execute(count, (chat_key,)).fetchone())
            for item in items:
                conn.execute(
                    "INSERT INTO reminders (chat_key, kind, day, due_at, locale, state) "
                    "VALUES (%s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT (chat_key, kind, day) DO UPDATE SET "
                    "due_at = excluded.due_at, locale = excluded.locale "
                    "WHERE reminders.state = excluded.state",
                    (
                        chat_key,
                        item.kind.value,
                        item.day,
                        item.due_at,
                        item.locale,
                        ReminderState.PENDING.value,
                    ),
                )
            after = _scalar(conn.execute(count, (chat_key,)).fetchone())
        return int(after - before)

    def list_reminders(self, chat_key: str) -> list[Reminder]:
        with self._conn() as conn:
            rows = conn.execute(
                f"SELECT {_REMINDER_COLUMNS} FROM reminders "
                "WHERE chat_key = %s AND state IN (%s, %s) ORDER BY due_at, id",
                (chat_key, ReminderState.PENDING.value, ReminderState.CLAIMED.value),
            ).fetchall()
        return [_reminder(row) for row in rows]

    def delete_reminders(self, chat_key: str, reminder_id: int | None = None) -> int:
        with self._conn() as conn:
            if reminder_id is None:
                cur = conn.execute("DELETE FROM reminders WHERE chat_key = %s", (chat_key,))
            else:
                cur = conn.execute(
                    "DELETE FROM reminders WHERE chat_key = %s AND id = %s",
                    (chat_key, reminder_id),
                )
        if cur.rowcount > 0:
            self._vacuum("reminders")
        return cur.rowcount

    def due(
        self,
        now: datetime,
        limit: int,
        *,
        key_prefix: str = "",
        lease: timedelta = REMINDER_LEASE,
    ) -> list[Reminder]:
        """One UPDATE whose rows are picked ``FOR UPDATE SKIP LOCKED``: a row another
        pass is claiming is skipped rather than waited for, and re-checked once locked,
        so two passes never get the same row."""
        if now.utcoffset() is None:
            msg = "due needs an aware datetime (with a time zone)"
            raise ValueError(msg)
        with self._conn() as conn:
            rows = conn.execute(
                "UPDATE reminders SET state = %(claimed)s, claimed_at = %(at)s, claim = %(token)s "
                "WHERE id IN (SELECT id FROM reminders "
                " WHERE starts_with(chat_key, %(prefix)s) AND ("
                "  (state = %(pending)s AND due_at <= %(at)s)"
                "  OR (state = %(claimed)s AND claimed_at <= %(stale)s))"
                " ORDER BY due_at, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED) "
                f"RETURNING {_REMINDER_COLUMNS}",
                {
                    "claimed": ReminderState.CLAIMED.value,
                    "pending": ReminderState.PENDING.value,
                    "at": now,
                    "stale": now - lease,
                    "token": secrets.token_hex(8),
                    "prefix": key_prefix,
                    "limit": limit,
                },
            ).fetchall()
        return sorted((_reminder(row) for row in rows), key=lambda r: (r.due_at, r.id))

    def mark_sending(self, reminder: Reminder) -> bool:
        with self._conn() as conn:
            cur = conn.execute(
                "UPDATE reminders SET state = %s WHERE id = %s AND state = %s AND claim = %s",
                (
                    ReminderState.SENDING.value,
                    reminder.id,
                    ReminderState.CLAIMED.value,
                    reminder.claim,
                ),
            )
        return cur.rowcount == 1

    def mark_sent(self, reminder: Reminder) -> None:
        with self._conn() as conn:
            conn.execute(
                "UPDATE reminders SET state = %s WHERE id = %s AND claim = %s",
                (ReminderState.SENT.value, reminder.id, reminder.claim),
            )

    def release(self, reminder: Reminder) -> None:
        with self._conn() as conn:
            conn.execute(
                "UPDATE reminders SET state = %s, claimed_at = NULL, claim = NULL "
                "WHERE id = %s AND claim = %s AND state IN (%s, %s)",
                (
                    ReminderState.PENDING.value,
                    reminder.id,
                    reminder.claim,
                    ReminderState.CLAIMED.value,
                    ReminderState.SENDING.value,
                ),
            )

    # -- shared state (SharedLimits)

    def take_tokens(
        self, bucket: str, client: bytes, per_second: float, burst: float, cost: float
    ) -> float:
        """One upsert on the server's clock. A new bucket starts full, so it always
        gives (``cost`` is at most ``burst``); an existing one is refilled for the time
        since its last take, then taken from if it holds ``cost``. The row lock orders
        takes across processes; ``RETURNING wait`` gives this take's answer."""
        if per_second <= 0:
            return 0.0
        cost = min(max(cost, 0.0), burst)
        with self._conn() as conn:
            row = conn.execute(
                _TAKE_TOKENS,
                {
                    "bucket": bucket,
                    "client": client,
                    "rate": float(per_second),
                    "burst": float(burst),
                    "cost": float(cost),
                },
            ).fetchone()
        return float(_scalar(row, float))

    def first_sighting(self, name: str, item: int) -> bool:
        """One upsert: a new row, or one older than the TTL renewed, returns a row."""
        with self._conn() as conn:
            row = conn.execute(
                "INSERT INTO sightings AS s (name, item, seen_at) "
                "VALUES (%s, %s, clock_timestamp()) "
                "ON CONFLICT (name, item) DO UPDATE SET seen_at = excluded.seen_at "
                "WHERE s.seen_at < excluded.seen_at - %s RETURNING 1",
                (name, item, SIGHTING_TTL),
            ).fetchone()
        return row is not None

    def forget_sighting(self, name: str, item: int) -> None:
        with self._conn() as conn:
            conn.execute("DELETE FROM sightings WHERE name = %s AND item = %s", (name, item))


# The refilled level of an existing bucket ``b`` at this take's time (``excluded``).
_HAVE = (
    "least(%(burst)s, b.tokens + greatest(0.0, "
    "extract(epoch FROM excluded.updated_at - b.updated_at)::float8) * %(rate)s)"
)
_LEFT = f"CASE WHEN {_HAVE} >= %(cost)s THEN {_HAVE} - %(cost)s ELSE {_HAVE} END"
_TAKE_TOKENS = f"""
INSERT INTO rate_buckets AS b (bucket, client, tokens, updated_at, full_at, wait)
SELECT %(bucket)s, %(client)s, %(burst)s - %(cost)s, n.t,
       n.t + make_interval(secs => %(cost)s / %(rate)s), 0.0
FROM (SELECT clock_timestamp() AS t) AS n
ON CONFLICT (bucket, client) DO UPDATE SET
    tokens = {_LEFT},
    updated_at = greatest(b.updated_at, excluded.updated_at),
    full_at = excluded.updated_at + make_interval(secs => (%(burst)s - {_LEFT}) / %(rate)s),
    wait = CASE WHEN {_HAVE} >= %(cost)s THEN 0.0 ELSE (%(cost)s - {_HAVE}) / %(rate)s END
RETURNING wait
"""

_REMINDER_COLUMNS = "id, chat_key, kind, day, due_at, locale, state, claim"


def _scalar(row: tuple[Any, ...] | None, kind: type = int) -> Any:
    assert row is not None
    return kind(row[0])


def _reminder(row: tuple[Any, ...]) -> Reminder:
    rid, chat_key, kind, day, due_at, locale, state, claim = row
    assert isinstance(day, date)
    assert isinstance(due_at, datetime)
    return Reminder(
        id=int(rid),
        chat_key=str(chat_key),
        kind=DateKind(kind),
        day=day,
        due_at=due_at.astimezone(UTC),
        locale=str(locale),
        state=ReminderState(state),
        claim=claim,
    )
