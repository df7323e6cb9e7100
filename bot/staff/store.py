"""What the staff console keeps, behind one narrow protocol (issue 15).

Implemented on SQLite (bot/staff/store_sqlite.py) and PostgreSQL
(bot/staff/store_postgres.py), sharing the session store's connection, with their own
named migration set ``zairyu_console``. :func:`console_store` picks the backend. Nothing
here holds a per-person trail: counters are daily totals, declined questions are scrubbed
text grouped by their normalised form, login sessions are kept by the hash of their token.
So :meth:`bot.storage.SessionStore.delete` (``/forget``) has nothing here to delete: no
row names a user key. Declined questions go with the retention purge
(:meth:`ConsoleStore.purge_console`); counters are aggregates and stay.

Times are aware datetimes from the caller's injected clock (nothing here reads the time);
a counter's ``day`` is the Asia/Tokyo date (:func:`bot.clock.today_in_tokyo`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.storage import SessionStore


@dataclass(frozen=True, slots=True)
class StaffAccount:
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class LoginSession:
    name: str
    csrf: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class UnansweredGroup:
    """Declined questions with one normalised form: the newest scrubbed text as the example."""

    norm: str
    example: str
    locale: str
    count: int
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class DailyCount:
    day: date
    metric: str
    label: str
    count: int


class ConsoleStore(Protocol):
    """Every method is safe from several threads and processes at once."""

    blocking: bool

    # -- staff accounts (the hash is an Argon2 PHC string; never logged or returned to pages)
    def add_staff(self, name: str, password_hash: str, now: datetime) -> bool:
        """False if the name exists."""
        ...

    def staff_hash(self, name: str) -> str | None: ...

    def set_staff_hash(self, name: str, password_hash: str, *, end_logins: bool = False) -> bool:
        """``end_logins``: also end the account's login sessions (a changed password
        must shut out whoever holds a stolen cookie; a re-hash on login must not)."""
        ...

    def remove_staff(self, name: str) -> bool:
        """Also ends the account's login sessions."""
        ...

    def list_staff(self) -> list[StaffAccount]: ...

    # -- login sessions, by the SHA-256 of the cookie's token
    def create_login(
        self, token_hash: bytes, name: str, csrf: str, expires_at: datetime
    ) -> None: ...

    def get_login(self, token_hash: bytes, now: datetime) -> LoginSession | None: ...

    def delete_login(self, token_hash: bytes) -> None: ...

    # -- declined questions (already scrubbed)
    def record_unanswered(
        self, at: datetime, locale: str, source: str, norm: str, text: str
    ) -> None: ...

    def unanswered_groups(self, locale: str | None, limit: int) -> list[UnansweredGroup]:
        """Newest first (by last_seen), with their counts."""
        ...

    def delete_unanswered(self, norm: str) -> int: ...

    # -- daily counters
    def bump(self, day: date, metric: str, label: str, by: int = 1) -> None:
        """Add ``by`` to the counter, creating it at ``by``: one atomic upsert, so
        processes counting at once lose nothing."""
        ...

    def bump_many(self, day: date, items: Sequence[tuple[str, str]]) -> None:
        """Add one to each ``(metric, label)`` (a pair listed twice gets two), in one
        transaction: what one turn counts costs one write."""
        ...

    def counts(self, start: date, end: date) -> list[DailyCount]:
        """Inclusive range, ordered by day, metric, label."""
        ...

    def purge_console(self, older_than: datetime, now: datetime) -> int:
        """Delete declined questions recorded before ``older_than`` and logins expired at
        ``now``; returns how many declined questions went. Counters are aggregates and
        stay."""
        ...


def console_store(store: SessionStore) -> ConsoleStore:
    """The console's store on the session store's backend, sharing its connection (SQLite)
    or pool (PostgreSQL); creates or upgrades the console's tables (migration set
    ``zairyu_console``). TypeError for a store of another kind."""
    # Imported here: each backend module imports its driver and this module.
    from bot.storage import SQLiteStore  # noqa: PLC0415

    if isinstance(store, SQLiteStore):
        from bot.staff.store_sqlite import SQLiteConsoleStore  # noqa: PLC0415

        return SQLiteConsoleStore(store)
    # Not SQLite: PostgreSQL, the only other backend (its module checks the type).
    from bot.staff.store_postgres import PostgresConsoleStore  # noqa: PLC0415

    return PostgresConsoleStore(store)
