"""Session storage behind a narrow interface; SQLite (sqlite-utils) by default.

:func:`open_store` builds a store from a database URL or path (``--db``, ``$ZAIRYU_DB``).
Every store keeps the :class:`SessionStore` contract, which tests/test_store_contract.py
runs against each backend.

The SQLite store runs in WAL mode with named migrations and is written on every
turn, so a restart loses nothing. Saves are optimistic: each carries the version
it was loaded at, and a save that lost a race raises :class:`ConcurrentUpdate`
(another process wrote first); the engine then replays the turn.

Stored sessions carry the ``schema_version`` they were written with. A session
written by older code is upgraded on load by :data:`SESSION_MIGRATIONS`; one that
cannot be read (newer than this code, no migration, or invalid) is moved to the
``quarantine`` table and treated as absent.

Deleting leaves nothing: SQLite runs with ``secure_delete`` (freed content is zeroed)
and every delete ends with a truncating WAL checkpoint, so no copy of a deleted
session stays in the database file or its ``-wal`` file; a session's quarantined
copies go with it. New database files are created 0600 (SQLite gives ``-wal`` and
``-shm`` the database's mode) in folders created 0700: session keys act as bearer
tokens. :func:`purge_idle` is the retention rule (``python -m bot purge``, and
``serve`` hourly). Nothing here logs a key or a stored value.

Reminders (issue 13) live in their own table behind the separate :class:`ReminderStore`
protocol, which the SQLite store also implements: the minimum to send one (the chat's
user key, the day, the instant it is due, the locale, what it is about) and its delivery
state, never an answer or a text. :meth:`ReminderStore.due` claims due rows atomically,
so each is sent once however many processes run the scheduler (see bot/reminders.py).

A ``postgresql://`` (or ``postgres://``) URL opens the PostgreSQL store instead
(bot/storage_postgres.py, the ``postgres`` extra), for several ``serve`` processes or
hosts on one database. Both stores also keep the state those processes must share
(:class:`SharedLimits`: rate-limit buckets, Telegram update ids), and apply the same
named migrations (m001 to m004).
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import unquote, urlsplit

from pydantic import ValidationError
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bot.assess_contract import check_date_range
from bot.keydates import DateKind
from bot.models import SCHEMA_VERSION, Session

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


@migrations()
def m003_create_reminders(db: Database) -> None:
    """Reminders of key dates (issue 13): one row per chat, date and kind, no answers.

    ``id`` never comes back after a delete (AUTOINCREMENT), so a cancel button on an old
    list cannot cancel a newer reminder. ``due_at`` and ``claimed_at`` are UTC ISO 8601
    text (they sort as time does); ``claim`` is the token of the pass that claimed it."""
    db.execute(
        "CREATE TABLE reminders ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " chat_key TEXT NOT NULL,"
        " kind TEXT NOT NULL,"
        " day TEXT NOT NULL,"
        " due_at TEXT NOT NULL,"
        " locale TEXT NOT NULL,"
        " state TEXT NOT NULL DEFAULT 'pending',"
        " claimed_at TEXT,"
        " claim TEXT)"
    )
    db.execute("CREATE UNIQUE INDEX reminders_chat_kind_day ON reminders (chat_key, kind, day)")
    db.execute("CREATE INDEX reminders_state_due ON reminders (state, due_at)")


@migrations()
def m004_create_shared_limits(db: Database) -> None:
    """State that several processes share (issue 14, :class:`SharedLimits`).

    ``rate_buckets``: one token bucket per (bucket, hashed client); times are Unix
    seconds (REAL). ``full_at`` is when the bucket will be full again (from then on the
    row means the same as no row, so a purge drops it); ``wait`` is the answer of the
    last take (kept for the PostgreSQL store's one-statement take, same shape here).
    ``sightings``: ids already handled (Telegram ``update_id``), with when."""
    db.execute(
        "CREATE TABLE rate_buckets ("
        " bucket TEXT NOT NULL,"
        " client BLOB NOT NULL,"
        " tokens REAL NOT NULL,"
        " updated_at REAL NOT NULL,"
        " full_at REAL NOT NULL,"
        " wait REAL NOT NULL DEFAULT 0,"
        " PRIMARY KEY (bucket, client))"
    )
    db.execute("CREATE INDEX rate_buckets_full_at ON rate_buckets (full_at)")
    db.execute(
        "CREATE TABLE sightings ("
        " name TEXT NOT NULL,"
        " item INTEGER NOT NULL,"
        " seen_at REAL NOT NULL,"
        " PRIMARY KEY (name, item))"
    )
    db.execute("CREATE INDEX sightings_seen_at ON sightings (seen_at)")


# How often a migration that lost a race with another process is retried.
MIGRATION_ATTEMPTS = 50


def apply_sqlite_migrations(steps: Migrations, db: Database) -> None:
    """Apply ``steps`` to ``db``, safe when several processes open a new file at once.

    sqlite-utils runs each migration in one transaction with the record of it, but reads
    what is pending before that transaction: a second process that read "pending" while
    the first was applying then fails (``table ... already exists``, or a duplicate record)
    and rolls back. Nothing half-done is left, so reading again and going on is right:
    the retry finds the migration recorded and moves to the next."""
    _retry_race(lambda: steps.apply(db), _LOST_MIGRATION_RACE)


# SQLite's primary result codes (the low byte of an extended code) that mean "another
# process got there first": its lock (busy, locked), its schema change, or its table or
# record (a plain error such as ``table ... already exists``, a constraint). Any other
# code (read-only, cannot open, disk full, corrupt) is raised at once: waiting would not
# change it.
_LOCK_RACE = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
_LOST_MIGRATION_RACE = _LOCK_RACE | {
    sqlite3.SQLITE_SCHEMA,
    sqlite3.SQLITE_ERROR,
    sqlite3.SQLITE_CONSTRAINT,
}


def _retry_race(action: Callable[[], object], lost: frozenset[int]) -> None:
    """Run ``action``, again after a short back-off each time it raises a SQLite error
    whose primary code is in ``lost`` (it lost a race with another process opening the
    same file), at most :data:`MIGRATION_ATTEMPTS` times; the last failure is raised."""
    for attempt in range(MIGRATION_ATTEMPTS):
        try:
            action()
        except sqlite3.Error as exc:
            code = getattr(exc, "sqlite_errorcode", None)
            if code is None or code & 0xFF not in lost or attempt == MIGRATION_ATTEMPTS - 1:
                raise
            time.sleep(0.02 * (attempt + 1))
        else:
            return


def _use_wal(conn: sqlite3.Connection) -> None:
    """Put the file in WAL mode (it stays so: the mode is kept in the file).

    Switching needs the file to itself, and SQLite reports "database is locked" at once,
    without waiting out ``busy_timeout``, when another process opening the same new file
    holds a write lock at that moment. Asking first skips the switch on every later open;
    retrying covers processes started together on a new file. A file system that cannot
    do WAL keeps its mode, as before."""

    def switch() -> None:
        if str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")

    _retry_race(switch, _LOCK_RACE)


SessionMigration = Callable[[dict[str, Any]], dict[str, Any]]

# Upgrades of a stored session's JSON: version N maps to a pure function taking the
# session as a dict at schema version N and returning it at N + 1 (the loader then sets
# ``schema_version``). When a change to Session or Slots would make stored sessions fail
# validation (a renamed or removed slot, a changed code), raise SCHEMA_VERSION in
# bot/models.py and register the step from the old version here, e.g.
#
#     def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
#         slots = data.get("slots", {})
#         if "card" in slots:
#             slots["has_my_number_card"] = slots.pop("card")
#         return data
#
#     SESSION_MIGRATIONS[1] = _v1_to_v2
#
# Never edit a step once released: sessions may be stored at any older version.
SESSION_MIGRATIONS: dict[int, SessionMigration] = {}


class ConcurrentUpdate(RuntimeError):
    """Another writer saved this session since it was loaded."""


class StoreURLError(ValueError):
    """The database URL names a backend this code does not have (exit 2 in the CLI)."""


class StoreUnavailable(StoreURLError):
    """The URL names a database server that cannot be reached or refused the
    connection. A :class:`StoreURLError`, so the CLI says it in one line (exit 2); the
    message names the URL without its password."""


class SessionStore(Protocol):
    """What the engine needs from storage, and nothing more.

    Every method but :meth:`close` is safe to call from several threads at once. A
    store is one connection (or pool) to data that other processes may share; writers
    meet in :meth:`save`, which refuses the second of two saves made from the same
    loaded copy.
    """

    #: True when calls wait on a network or another process (a server database): the
    #: engine's async methods then run them in a worker thread so the event loop is
    #: never blocked; False for the embedded SQLite store, whose calls are cheaper than
    #: a thread hop (see bot/channels/telegram_core.py's TelegramTurns docstring) and
    #: run on the loop.
    blocking: bool

    @property
    def location(self) -> str:
        """Where the sessions are kept, for messages: a file path or ``:memory:``
        (a server store gives its URL without the password)."""
        ...

    def load(self, key: str) -> Session | None:
        """The session stored under ``key``, or None. A stored session that cannot be
        read (it no longer validates, holds a date outside 1900-2199, or its schema
        version is newer than this code or has no migration) is quarantined and treated
        as absent: the user starts again, nothing crashes. An older schema version is
        upgraded first. Nothing about the key or the row is logged."""
        ...

    def save(self, session: Session) -> Session:
        """Write ``session`` if the stored copy is still at ``session.version`` (or, for
        a new session, if none is stored), and return what was written: the version
        plus one, ``updated_at`` now. Raises :class:`ConcurrentUpdate` otherwise, also
        when a loaded session's row was deleted meanwhile (it is never written back)."""
        ...

    def exists(self, key: str) -> bool:
        """Whether a session is stored under ``key``, without reading it."""
        ...

    def delete(self, key: str) -> bool:
        """Delete the session stored under ``key`` and its quarantined copies, leaving
        no copy in the backing files. True if there was a session."""
        ...

    def count(self) -> int:
        """How many sessions are stored."""
        ...

    def purge(self, older_than: datetime) -> int:
        """Delete the sessions last saved before ``older_than`` (an aware datetime;
        ValueError if naive) and return how many there were; as :meth:`delete`, no copy
        is left. :func:`purge_idle` states the retention rule with it."""
        ...

    def close(self) -> None:
        """Release the connection. The store is not used afterwards."""
        ...


# How long a claimed reminder is its claimer's: a claim older than this whose send never
# began (the process died between claiming and sending) may be claimed again.
REMINDER_LEASE = timedelta(minutes=5)


class ReminderState(StrEnum):
    """Where a reminder is on its way out (the ``state`` column).

    ``pending`` → ``claimed`` (a scheduler pass took it, under a lease) → ``sending``
    (written just before the Bot API call: from here it is never claimed again) →
    ``sent``. A pass that learns the message was certainly not delivered puts it back to
    ``pending``."""

    PENDING = "pending"
    CLAIMED = "claimed"
    SENDING = "sending"
    SENT = "sent"


@dataclass(frozen=True, slots=True)
class NewReminder:
    """A reminder to store: what it is about, its day, when to send it, in which language."""

    kind: DateKind
    day: date
    due_at: datetime  # aware
    locale: str


@dataclass(frozen=True, slots=True)
class Reminder:
    """A stored reminder. ``claim`` is set on the copies :meth:`ReminderStore.due` gives."""

    id: int
    chat_key: str
    kind: DateKind
    day: date
    due_at: datetime
    locale: str
    state: ReminderState
    claim: str | None = None


@runtime_checkable
class ReminderStore(Protocol):
    """What the reminders need from storage (bot/reminders.py), apart from sessions.

    Rows are keyed by the conversation's user key (``tg:<chat id>``).
    :meth:`SessionStore.delete` (``/forget``) deletes a key's reminders too, and
    :meth:`SessionStore.purge` those already sent or long overdue. Every method is safe
    to call from several threads and processes at once."""

    blocking: bool

    def add_reminders(self, chat_key: str, items: Sequence[NewReminder]) -> int:
        """Make ``items`` the chat's pending reminders, in one transaction: pending ones
        not among them are deleted, the others kept (same id; locale and due time
        updated), new ones added. A reminder of the same kind and day already claimed or
        sent is not added again. Returns how many were added."""
        ...

    def list_reminders(self, chat_key: str) -> list[Reminder]:
        """The chat's reminders still to be sent (pending or claimed), by due time."""
        ...

    def delete_reminders(self, chat_key: str, reminder_id: int | None = None) -> int:
        """Delete one of the chat's reminders (``reminder_id``) or all of them, in any
        state; returns how many. An id of another chat deletes nothing."""
        ...

    def due(
        self,
        now: datetime,
        limit: int,
        *,
        key_prefix: str = "",
        lease: timedelta = REMINDER_LEASE,
    ) -> list[Reminder]:
        """Claim up to ``limit`` reminders due at ``now`` (aware) whose key starts with
        ``key_prefix``, atomically: pending ones with ``due_at <= now``, and claimed ones
        whose claim is older than ``lease`` (their claimer died before sending). They
        are returned by due time, carrying this claim's token; no other call of
        :meth:`due` returns them while the claim is fresh."""
        ...

    def mark_sending(self, reminder: Reminder) -> bool:
        """Record that the claimed ``reminder`` is about to be sent; False if the claim
        was lost (deleted, or claimed again after the lease). Only after True may it be
        sent: a ``sending`` row is never claimed again."""
        ...

    def mark_sent(self, reminder: Reminder) -> None:
        """Record that ``reminder`` was delivered."""
        ...

    def release(self, reminder: Reminder) -> None:
        """Put a claimed or sending ``reminder`` back to pending (it was certainly not
        delivered), if its claim still holds."""
        ...


# Telegram resends an unacknowledged update for up to a day; an id is remembered longer.
SIGHTING_TTL = timedelta(days=2)


@runtime_checkable
class SharedLimits(Protocol):
    """State that every ``serve`` process must agree on when several share one store
    (issue 14): rate-limit buckets and the Telegram ``update_id`` s already handled.

    One process keeps these in memory (bot/channels/web_guards.py); ``serve --workers N``
    and several hosts on one PostgreSQL keep them here instead, so a client's budget
    and a replayed update are the same whichever process the proxy picks. Time is the
    store's own clock (PostgreSQL: the server's), so hosts whose clocks drift agree.
    Client keys are hashed before they get here (never an address in clear).
    :meth:`SessionStore.purge` also drops sightings older than :data:`SIGHTING_TTL` and
    buckets idle long enough to be full again."""

    blocking: bool

    def take_tokens(
        self, bucket: str, client: bytes, per_second: float, burst: float, cost: float
    ) -> float:
        """A token bucket per (``bucket``, ``client``), ``burst`` deep, refilled at
        ``per_second``: 0.0 if ``cost`` tokens were there (and are now taken), else the
        seconds until they will be (nothing taken). One atomic step across processes."""
        ...

    def first_sighting(self, name: str, item: int) -> bool:
        """Record ``item`` under ``name`` (e.g. ``telegram``, an update_id): True the
        first time, False if any process recorded it within :data:`SIGHTING_TTL`."""
        ...

    def forget_sighting(self, name: str, item: int) -> None:
        """Forget ``item`` (its handling failed, so a resend must run it)."""
        ...


_URL_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_POSTGRES = ("postgres", "postgresql")
_URL_KINDS = "a SQLite file path, a sqlite:/// URL or a postgresql:// URL"


def _scheme(url: str) -> str | None:
    """The URL's scheme in lower case, or None for a path."""
    match = _URL_SCHEME.match(url)
    return match.group(1).lower() if match else None


def _sqlite_path(url: str) -> str:
    """The SQLite file a database URL or path names, or ``:memory:``; touches nothing.

    Anything without ``scheme://`` at the start is a path, taken as written
    (``var/zairyu.db``, ``/srv/zairyu.db``, ``./a:b.db``, ``:memory:``). URLs follow
    SQLAlchemy's convention: the path is what follows the third slash, so
    ``sqlite:///var/zairyu.db`` is relative, ``sqlite:////srv/zairyu.db`` absolute, and
    ``sqlite://``, ``sqlite://:memory:`` and ``sqlite:///:memory:`` are in memory. The
    path is not percent-decoded. A URL of another scheme raises :class:`StoreURLError`.
    """
    match = _URL_SCHEME.match(url)
    if match is None:
        if not url:
            msg = "the database path is empty"
            raise StoreURLError(msg)
        return url
    scheme = match.group(1).lower()
    if scheme != "sqlite":
        hint = ""
        if scheme.split("+")[0] in _POSTGRES:
            hint = " (write postgresql://user@host:port/dbname, with no driver name)"
        msg = f"unsupported database URL scheme {scheme!r}: use {_URL_KINDS}{hint}"
        raise StoreURLError(msg)
    host, _, path = url[match.end() :].partition("/")
    if host == ":memory:" and not path:
        return ":memory:"
    if host:
        msg = (
            "a sqlite URL names no host: write sqlite:///relative/path.db or "
            "sqlite:////absolute/path.db"
        )
        raise StoreURLError(msg)
    if "?" in path:
        msg = "sqlite URL options (?...) are not supported: give the file path only"
        raise StoreURLError(msg)
    return path or ":memory:"


def postgres_location(url: str) -> str:
    """A ``postgresql://`` URL without its password (in the authority or as a
    ``password=`` option): what messages may show."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        netloc = f"{userinfo.partition(':')[0]}@{hostport}"
    query = "&".join(
        item
        for item in parts.query.split("&")
        # libpq percent-decodes option names too: ``pass%77ord=`` is ``password=``.
        if item and unquote(item.split("=", 1)[0]).strip().lower() != "password"
    )
    return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")


def _check_postgres_url(url: str) -> None:
    """Raise :class:`StoreURLError` unless ``url`` is a PostgreSQL URL the store can
    try, with its driver installed. Connects to nothing; the messages quote no
    password."""
    if find_spec("psycopg") is None or find_spec("psycopg_pool") is None:
        msg = (
            "PostgreSQL support is not installed: install the postgres extra "
            "(pip install 'zairyu-guide[postgres]')"
        )
        raise StoreURLError(msg)
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - parsing it is the check
    except ValueError:
        msg = f"the port of {postgres_location(url)} is not a number from 0 to 65535"
        raise StoreURLError(msg) from None
    if not parts.path.strip("/"):
        msg = "a postgresql URL names its database: postgresql://user@host:port/dbname"
        raise StoreURLError(msg)
    from psycopg.conninfo import conninfo_to_dict  # noqa: PLC0415 - the optional extra

    try:
        conninfo_to_dict(url)
    except Exception:  # psycopg.ProgrammingError; its text may quote the password
        msg = f"not a valid postgresql URL: {postgres_location(url)}"
        raise StoreURLError(msg) from None


def check_store_url(url: str) -> None:
    """Raise :class:`StoreURLError` if :func:`open_store` would refuse ``url``. Creates
    nothing and connects to nothing (for checking settings before starting servers)."""
    if _scheme(url) in _POSTGRES:
        _check_postgres_url(url)
    else:
        _sqlite_path(url)


def open_store(url: str) -> SessionStore:
    """The store a database URL or path names.

    Accepted (SQLAlchemy's convention for SQLite URLs):

    * a path: ``var/zairyu.db``, ``/srv/zairyu.db`` (anything without ``scheme://``);
    * ``sqlite:///var/zairyu.db`` (relative: three slashes) and
      ``sqlite:////srv/zairyu.db`` (absolute: four slashes);
    * in memory: ``:memory:``, ``sqlite://``, ``sqlite://:memory:``, ``sqlite:///:memory:``;
    * ``postgresql://user[:password]@host:port/dbname`` (or ``postgres://``; libpq's
      ``?option=value`` settings such as ``sslmode`` are passed on): the PostgreSQL
      store, whose tables are created or upgraded as it opens.

    A SQLite file's folder is created if missing. Any other scheme (``mysql://``,
    ``http://``, ``postgresql+psycopg://``) raises :class:`StoreURLError` before
    anything is created; a PostgreSQL server that cannot be reached raises
    :class:`StoreUnavailable`.
    """
    if _scheme(url) in _POSTGRES:
        _check_postgres_url(url)
        from bot.storage_postgres import PostgresStore  # noqa: PLC0415 - the optional extra

        return PostgresStore(url)
    return SQLiteStore(_sqlite_path(url))


def _create_private(path: Path) -> None:
    """Create the database's missing folders 0700 and, when it is absent, the empty
    database file 0600 (SQLite takes an empty file as a new database, and creates
    ``-wal`` and ``-shm`` with the database's mode). Existing folders and files are
    left as they are. Errors are left to :func:`sqlite3.connect`, which reports them as
    before."""
    missing: list[Path] = []
    folder = path.parent
    while folder != folder.parent and not folder.exists() and not folder.is_symlink():
        missing.append(folder)
        folder = folder.parent
    try:
        for folder in reversed(missing):
            folder.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return
    os.close(fd)


# Retention: sessions idle for longer are deleted (``python -m bot purge``, ``serve``).
RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 3650


def parse_retention_days(text: str) -> int:
    """``--days`` / ``--retention-days`` as a whole number from 1 to
    :data:`MAX_RETENTION_DAYS`; ValueError with a one-line message otherwise."""
    value = text.strip()
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_RETENTION_DAYS:
        msg = f"expected a whole number of days from 1 to {MAX_RETENTION_DAYS}, got {text!r}"
        raise ValueError(msg)
    return int(value)


def purge_idle(store: SessionStore, days: int, now: datetime) -> int:
    """Delete the sessions idle for more than ``days`` days at ``now`` (an aware time,
    from the injected clock) and return how many. Quarantined copies moved before the
    same cutoff go too. ValueError if ``days`` is outside 1 to
    :data:`MAX_RETENTION_DAYS` or ``now`` is naive.

    A session is idle from its last save: ``updated_at`` older than ``now - days``."""
    if isinstance(days, bool) or not 1 <= days <= MAX_RETENTION_DAYS:
        msg = f"expected a whole number of days from 1 to {MAX_RETENTION_DAYS}, got {days!r}"
        raise ValueError(msg)
    return store.purge(now - timedelta(days=days))


class _Unreadable(Exception):
    """A stored session that cannot be served.

    The message (which may quote stored values) goes to the quarantine row only;
    ``kind`` is a fixed word, the only part that is logged."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _check_dates(session: Session) -> None:
    """Raise :class:`_Unreadable` if a stored date lies outside 1900-2199.

    Such a date validates as a ``date`` but fails every verdict, so a session holding
    one (written before the range was checked, or by hand) would fail on every turn."""
    slots = session.slots
    dates = [v for n in type(slots).model_fields if isinstance(v := getattr(slots, n), date)]
    for value in [*dates, *session.pending_dates]:
        try:
            check_date_range(value)
        except ValueError as exc:
            msg = f"a stored date {exc}: {value.isoformat()}"
            raise _Unreadable("date-out-of-range", msg) from exc


def _upgrade(data: str, error: ValidationError | None) -> Session:
    """The session in ``data`` at the current schema version, upgraded if older.

    ``error`` is the failure of validating ``data`` as it is (None if it validated but
    carries another schema version). Raises :class:`_Unreadable`."""
    current = SCHEMA_VERSION
    try:
        doc = json.loads(data)
    except ValueError as exc:
        msg = f"not JSON: {exc}"
        raise _Unreadable("not-json", msg) from exc
    if not isinstance(doc, dict):
        msg = "not a JSON object"
        raise _Unreadable("not-an-object", msg)
    version = doc.get("schema_version", 1)
    if type(version) is not int:
        msg = f"schema_version is not a whole number: {version!r}"
        raise _Unreadable("bad-schema-version", msg)
    if version > current:
        msg = f"schema_version {version} is newer than this code ({current})"
        raise _Unreadable("newer-schema-version", msg)
    if version == current and error is not None:
        msg = f"{error.error_count()} validation errors"
        raise _Unreadable("invalid", msg) from error
    start = version
    while version < current:
        step = SESSION_MIGRATIONS.get(version)
        if step is None:
            msg = f"no migration from schema_version {version} (to {current})"
            raise _Unreadable("no-migration", msg)
        try:
            doc = step(doc)
            doc["schema_version"] = version + 1
        except Exception as exc:
            msg = f"migration from schema_version {version} failed: {exc!r}"
            raise _Unreadable("migration-failed", msg) from exc
        version += 1
    try:
        session = Session.model_validate(doc)
    except ValidationError as exc:
        msg = f"{exc.error_count()} validation errors after migrating from schema_version {start}"
        raise _Unreadable("invalid-after-migration", msg) from exc
    log.info("session upgraded from schema_version %d to %d", start, current)
    return session


def _read_session(data: str) -> Session:
    """The session a stored row's ``data`` holds, upgraded to the current schema
    version and date-checked; raises :class:`_Unreadable` (after logging its kind only:
    the message may quote stored values) when it cannot be served. Every store's
    :meth:`~SessionStore.load` reads rows through this."""
    # The common case is one validation; only another schema version or an invalid
    # row is parsed as a dict.
    session: Session | None
    error: ValidationError | None = None
    try:
        session = Session.model_validate_json(data)
    except ValidationError as exc:
        session, error = None, exc
    try:
        if session is None or session.schema_version != SCHEMA_VERSION:
            session = _upgrade(data, error)
        _check_dates(session)
    except _Unreadable as exc:
        log.warning("a stored session was quarantined (%s)", exc.kind)
        raise
    return session


def utc_now() -> datetime:
    """The current instant, aware in UTC: when a row was saved or quarantined. (The
    stores' own bookkeeping; the conversation's "today" comes from the engine's clock.)"""
    return datetime.now(UTC)


def _next_version(session: Session) -> Session:
    """What a save of ``session`` writes: the version plus one, ``updated_at`` now."""
    return session.model_copy(update={"version": session.version + 1, "updated_at": utc_now()})


def take_from_bucket(
    tokens: float, elapsed: float, per_second: float, burst: float, cost: float
) -> tuple[float, float]:
    """One token-bucket step: the tokens left and the wait (0.0 if ``cost`` was taken),
    from ``tokens`` stored ``elapsed`` seconds ago. ``cost`` is clipped to
    ``[0, burst]`` (a cost over the burst is charged as the burst, as in memory)."""
    have = min(burst, tokens + max(0.0, elapsed) * per_second)
    if have < cost:
        return have, (cost - have) / per_second
    return have - cost, 0.0


class SQLiteStore:
    """The embedded default store. ``path=":memory:"`` gives a private in-memory DB.

    ``path`` (the file) and ``db`` (the sqlite-utils Database, for tests) stay public;
    messages should use :attr:`location`.
    """

    blocking = False

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            _create_private(Path(self.path))
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.db = Database(conn)
        self._conn = conn
        self._lock = threading.Lock()
        conn.execute("PRAGMA busy_timeout = 5000")
        # Freed content is overwritten with zeros, in the tables and their indexes.
        conn.execute("PRAGMA secure_delete = ON")
        if self.path != ":memory:":
            _use_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
        apply_sqlite_migrations(migrations, self.db)

    @property
    def location(self) -> str:
        """The database file as given, or ``:memory:``."""
        return self.path

    def load(self, key: str) -> Session | None:
        """The stored session, or None. A row that cannot be read (it no longer
        validates, or its schema version is newer than this code or has no migration)
        is moved to the ``quarantine`` table and treated as absent (the user restarts;
        nothing crashes). A row at an older schema version is upgraded in memory; the
        next save writes it at the current version."""
        with self._lock:
            row = self._conn.execute(
                "SELECT data, version FROM sessions WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        try:
            return _read_session(row[0])
        except _Unreadable as exc:
            self._quarantine(key, row[0], row[1], str(exc))
            return None

    def _quarantine(self, key: str, data: str, version: int, error: str) -> None:
        moved_at = utc_now().isoformat()
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute(
                    "INSERT INTO quarantine (key, data, version, moved_at, error) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (key, data, version, moved_at, error),
                )
                self._conn.execute(
                    "DELETE FROM sessions WHERE key = ? AND version = ?", (key, version)
                )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def save(self, session: Session) -> Session:
        """Write ``session`` if nobody else wrote it since it was loaded.

        A new session (version 0) is inserted only if no row exists; a loaded one
        (version > 0) updates its row only if the row is still at that version. A row
        deleted meanwhile (``/forget``, DELETE, a purge) is therefore never written back:
        the save raises :class:`ConcurrentUpdate` and the engine replays the turn on a
        fresh session. The message names no key (keys are bearer tokens)."""
        new = _next_version(session)
        data = new.model_dump_json()
        updated_at = new.updated_at.isoformat() if new.updated_at else ""
        with self._lock:
            if session.version == 0:
                cur = self._conn.execute(
                    "INSERT INTO sessions (key, data, version, updated_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT(key) DO NOTHING",
                    (new.key, data, new.version, updated_at),
                )
            else:
                cur = self._conn.execute(
                    "UPDATE sessions SET data = ?, version = ?, updated_at = ? "
                    "WHERE key = ? AND version = ?",
                    (data, new.version, updated_at, new.key, session.version),
                )
            if cur.rowcount != 1:
                msg = "the session changed or was deleted since it was loaded"
                raise ConcurrentUpdate(msg)
        return new

    def exists(self, key: str) -> bool:
        """Whether a session is stored under ``key`` (cheaper than :meth:`load`)."""
        with self._lock:
            row = self._conn.execute("SELECT 1 FROM sessions WHERE key = ?", (key,)).fetchone()
        return row is not None

    def delete(self, key: str) -> bool:
        """Forget a user: delete their session, its quarantined copies and their
        reminders, then checkpoint so that no copy stays in the ``-wal`` file. True if
        there was a session (quarantined copies and reminders alone do not count)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                cur = self._conn.execute("DELETE FROM sessions WHERE key = ?", (key,))
                gone = self._conn.execute("DELETE FROM quarantine WHERE key = ?", (key,))
                reminders = self._conn.execute("DELETE FROM reminders WHERE chat_key = ?", (key,))
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            if cur.rowcount > 0 or gone.rowcount > 0 or reminders.rowcount > 0:
                self._checkpoint()
        return cur.rowcount > 0

    def _checkpoint(self) -> None:
        """Copy the WAL into the database file and truncate it to zero bytes, so that
        pages holding deleted rows (zeroed in the file by ``secure_delete``) are gone
        from the WAL too. Called with the lock held. If another process is reading,
        the checkpoint waits up to the busy timeout; if it still cannot finish, the
        next delete's checkpoint will (nothing is logged: it is not an error)."""
        if self.path != ":memory:":
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()

    def count(self) -> int:
        with self._lock:
            row = self._conn.execute("SELECT count(*) FROM sessions").fetchone()
        return int(row[0])

    def purge(self, older_than: datetime) -> int:
        """Delete the sessions last saved before ``older_than`` and return how many.
        Quarantined rows moved before it go too (they hold the same data; not counted),
        and so do reminders already sent or due before it (not counted). A reminder
        still to come stays when its session goes: it is the user's own request, holds
        no answer, and would otherwise never be sent (a window opening 3 months ahead
        outlives a 30-day retention); ``/forget`` and ``/reminders`` delete it. Shared
        state is pruned too: sightings older than :data:`SIGHTING_TTL`, and rate buckets
        full again (a full bucket and no bucket mean the same).

        ``updated_at`` is stored as UTC ISO 8601 text, which sorts as time does (a time
        written without microseconds sorts before the same second with them), so the
        cutoff is compared as text in the same form."""
        if older_than.utcoffset() is None:
            msg = "purge needs an aware datetime (with a time zone)"
            raise ValueError(msg)
        cutoff = older_than.astimezone(UTC).isoformat()
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                cur = self._conn.execute("DELETE FROM sessions WHERE updated_at < ?", (cutoff,))
                gone = self._conn.execute("DELETE FROM quarantine WHERE moved_at < ?", (cutoff,))
                old = self._conn.execute(
                    "DELETE FROM reminders WHERE state = ? OR due_at < ?",
                    (ReminderState.SENT.value, cutoff),
                )
                now = time.time()
                self._conn.execute(
                    "DELETE FROM sightings WHERE seen_at < ?",
                    (now - SIGHTING_TTL.total_seconds(),),
                )
                self._conn.execute("DELETE FROM rate_buckets WHERE full_at <= ?", (now,))
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            if cur.rowcount > 0 or gone.rowcount > 0 or old.rowcount > 0:
                self._checkpoint()
        return cur.rowcount

    # -- reminders (ReminderStore)

    def add_reminders(self, chat_key: str, items: Sequence[NewReminder]) -> int:
        wanted = {(item.kind.value, item.day.isoformat()) for item in items}
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                rows = self._conn.execute(
                    "SELECT id, kind, day FROM reminders WHERE chat_key = ? AND state = ?",
                    (chat_key, ReminderState.PENDING.value),
                ).fetchall()
                for rid, kind, day in rows:
                    if (kind, day) not in wanted:
                        self._conn.execute("DELETE FROM reminders WHERE id = ?", (rid,))
                count = "SELECT count(*) FROM reminders WHERE chat_key = ?"
                before = self._conn.execute(count, (chat_key,)).fetchone()[0]
                for item in items:
                    self._conn.execute(
                        "INSERT INTO reminders (chat_key, kind, day, due_at, locale, state) "
                        "VALUES (?, ?, ?, ?, ?, ?) "
                        "ON CONFLICT (chat_key, kind, day) DO UPDATE SET "
                        "due_at = excluded.due_at, locale = excluded.locale "
                        "WHERE state = excluded.state",
                        (
                            chat_key,
                            item.kind.value,
                            item.day.isoformat(),
                            _utc_text(item.due_at),
                            item.locale,
                            ReminderState.PENDING.value,
                        ),
                    )
                added = int(self._conn.execute(count, (chat_key,)).fetchone()[0]) - int(before)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return added

    def list_reminders(self, chat_key: str) -> list[Reminder]:
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_REMINDER_COLUMNS} FROM reminders "
                "WHERE chat_key = ? AND state IN (?, ?) ORDER BY due_at, id",
                (chat_key, ReminderState.PENDING.value, ReminderState.CLAIMED.value),
            ).fetchall()
        return [_reminder(row) for row in rows]

    def delete_reminders(self, chat_key: str, reminder_id: int | None = None) -> int:
        with self._lock:
            if reminder_id is None:
                cur = self._conn.execute("DELETE FROM reminders WHERE chat_key = ?", (chat_key,))
            else:
                cur = self._conn.execute(
                    "DELETE FROM reminders WHERE chat_key = ? AND id = ?", (chat_key, reminder_id)
                )
            if cur.rowcount > 0:
                self._checkpoint()
        return cur.rowcount

    def due(
        self,
        now: datetime,
        limit: int,
        *,
        key_prefix: str = "",
        lease: timedelta = REMINDER_LEASE,
    ) -> list[Reminder]:
        """One UPDATE ... RETURNING: SQLite runs it as one write transaction, so two
        processes claiming at once never get the same row."""
        if now.utcoffset() is None:
            msg = "due needs an aware datetime (with a time zone)"
            raise ValueError(msg)
        at, stale = _utc_text(now), _utc_text(now - lease)
        token = secrets.token_hex(8)
        with self._lock:
            rows = self._conn.execute(
                "UPDATE reminders SET state = :claimed, claimed_at = :at, claim = :token "
                "WHERE id IN (SELECT id FROM reminders "
                " WHERE substr(chat_key, 1, length(:prefix)) = :prefix AND ("
                "  (state = :pending AND due_at <= :at)"
                "  OR (state = :claimed AND claimed_at <= :stale))"
                " ORDER BY due_at, id LIMIT :limit) "
                f"RETURNING {_REMINDER_COLUMNS}",
                {
                    "claimed": ReminderState.CLAIMED.value,
                    "pending": ReminderState.PENDING.value,
                    "at": at,
                    "stale": stale,
                    "token": token,
                    "prefix": key_prefix,
                    "limit": limit,
                },
            ).fetchall()
        return sorted((_reminder(row) for row in rows), key=lambda r: (r.due_at, r.id))

    def mark_sending(self, reminder: Reminder) -> bool:
        with self._lock:
            cur = self._conn.execute(
                "UPDATE reminders SET state = ? WHERE id = ? AND state = ? AND claim = ?",
                (
                    ReminderState.SENDING.value,
                    reminder.id,
                    ReminderState.CLAIMED.value,
                    reminder.claim,
                ),
            )
        return cur.rowcount == 1

    def mark_sent(self, reminder: Reminder) -> None:
        with self._lock:
            self._conn.execute(
                "UPDATE reminders SET state = ? WHERE id = ? AND claim = ?",
                (ReminderState.SENT.value, reminder.id, reminder.claim),
            )

    def release(self, reminder: Reminder) -> None:
        with self._lock:
            self._conn.execute(
                "UPDATE reminders SET state = ?, claimed_at = NULL, claim = NULL "
                "WHERE id = ? AND claim = ? AND state IN (?, ?)",
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
        """Read, step and write the bucket in one write transaction (``BEGIN
        IMMEDIATE`` serializes writers across processes), on this host's clock."""
        if per_second <= 0:
            return 0.0
        cost = min(max(cost, 0.0), burst)
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                now = time.time()
                row = self._conn.execute(
                    "SELECT tokens, updated_at FROM rate_buckets WHERE bucket = ? AND client = ?",
                    (bucket, client),
                ).fetchone()
                tokens, last = (float(row[0]), float(row[1])) if row else (burst, now)
                left, wait = take_from_bucket(tokens, now - last, per_second, burst, cost)
                self._conn.execute(
                    "INSERT OR REPLACE INTO rate_buckets "
                    "(bucket, client, tokens, updated_at, full_at, wait) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        bucket,
                        client,
                        left,
                        max(last, now),
                        now + (burst - left) / per_second,
                        wait,
                    ),
                )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return wait

    def first_sighting(self, name: str, item: int) -> bool:
        """One upsert: a new row, or an expired one renewed, returns a row."""
        now = time.time()
        with self._lock:
            row = self._conn.execute(
                "INSERT INTO sightings (name, item, seen_at) VALUES (?, ?, ?) "
                "ON CONFLICT (name, item) DO UPDATE SET seen_at = excluded.seen_at "
                "WHERE seen_at < ? RETURNING 1",
                (name, item, now, now - SIGHTING_TTL.total_seconds()),
            ).fetchone()
        return row is not None

    def forget_sighting(self, name: str, item: int) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM sightings WHERE name = ? AND item = ?", (name, item))

    def close(self) -> None:
        with self._lock:
            self._conn.close()


_REMINDER_COLUMNS = "id, chat_key, kind, day, due_at, locale, state, claim"


def _utc_text(instant: datetime) -> str:
    """An aware instant as the UTC ISO 8601 text the reminders table compares."""
    return instant.astimezone(UTC).isoformat()


def _reminder(row: tuple[Any, ...]) -> Reminder:
    rid, chat_key, kind, day, due_at, locale, state, claim = row
    return Reminder(
        id=int(rid),
        chat_key=str(chat_key),
        kind=DateKind(kind),
        day=date.fromisoformat(day),
        due_at=datetime.fromisoformat(due_at),
        locale=str(locale),
        state=ReminderState(state),
        claim=claim,
    )
