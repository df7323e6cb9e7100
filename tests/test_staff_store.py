"""The ConsoleStore contract (bot/staff/store.py), run against every backend.

As tests/test_store_contract.py does for sessions: one class of tests, parametrized by a
fixture that builds each store on real data (SQLite on a file, PostgreSQL on a throwaway
cluster), plus what only sharing the data shows (two stores, as two processes).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.staff.store import ConsoleStore, DailyCount, console_store
from bot.storage import SessionStore, open_store

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
DAY = date(2026, 11, 22)
TOKYO = ZoneInfo("Asia/Tokyo")


@dataclass
class Backend:
    store: SessionStore
    console: ConsoleStore
    # Another session store and console on the same data (as another process).
    reopen: Callable[[], tuple[SessionStore, ConsoleStore]]


def _on(url: str) -> tuple[SessionStore, ConsoleStore]:
    store = open_store(url)
    return store, console_store(store)


def _sqlite(tmp: Path, _: pytest.FixtureRequest) -> Backend:
    url = str(tmp / "console.db")
    store, console = _on(url)
    return Backend(store, console, lambda: _on(url))


def _postgres(_: Path, request: pytest.FixtureRequest) -> Backend:
    url = str(request.getfixturevalue("pg_url"))
    store, console = _on(url)
    return Backend(store, console, lambda: _on(url))


BUILDERS: dict[str, Callable[[Path, pytest.FixtureRequest], Backend]] = {
    "sqlite-file": _sqlite,
    "postgres": _postgres,
}


@pytest.fixture(params=sorted(BUILDERS))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    b = BUILDERS[request.param](tmp_path, request)
    yield b
    b.store.close()


def _token(n: int) -> bytes:
    return hashlib.sha256(f"token-{n}".encode()).digest()


class TestAccounts:
    def test_add_list_and_hash(self, backend: Backend) -> None:
        c = backend.console
        assert c.list_staff() == []
        assert c.add_staff("mika", "$argon2id$one", NOW) is True
        assert c.add_staff("mika", "$argon2id$two", NOW) is False  # the name exists
        assert c.add_staff("aki", "$argon2id$three", NOW + timedelta(hours=1)) is True
        listed = c.list_staff()
        assert [a.name for a in listed] == ["aki", "mika"]
        assert listed[1].created_at == NOW
        assert listed[0].created_at.utcoffset() == timedelta(0)
        assert c.staff_hash("mika") == "$argon2id$one"
        assert c.staff_hash("nobody") is None

    def test_set_hash(self, backend: Backend) -> None:
        c = backend.console
        c.add_staff("mika", "old", NOW)
        assert c.set_staff_hash("mika", "new") is True
        assert c.staff_hash("mika") == "new"
        assert c.set_staff_hash("nobody", "new") is False
        assert c.staff_hash("nobody") is None

    def test_remove_ends_the_logins(self, backend: Backend) -> None:
        c = backend.console
        c.add_staff("mika", "h", NOW)
        c.add_staff("aki", "h", NOW)
        later = NOW + timedelta(hours=8)
        c.create_login(_token(1), "mika", "csrf-1", later)
        c.create_login(_token(2), "aki", "csrf-2", later)
        assert c.remove_staff("mika") is True
        assert c.remove_staff("mika") is False
        assert c.get_login(_token(1), NOW) is None
        assert c.get_login(_token(2), NOW) is not None
        assert [a.name for a in c.list_staff()] == ["aki"]


class TestLogins:
    def test_round_trip_and_expiry(self, backend: Backend) -> None:
        c = backend.console
        c.add_staff("mika", "h", NOW)
        expires = NOW + timedelta(hours=8)
        c.create_login(_token(1), "mika", "csrf-value", expires)
        login = c.get_login(_token(1), NOW)
        assert login is not None
        assert (login.name, login.csrf, login.expires_at) == ("mika", "csrf-value", expires)
        assert c.get_login(_token(2), NOW) is None  # another token
        assert c.get_login(_token(1), expires) is None  # expired at its instant
        assert c.get_login(_token(1), expires - timedelta(microseconds=1)) is not None
        c.delete_login(_token(1))
        assert c.get_login(_token(1), NOW) is None
        c.delete_login(_token(1))  # deleting twice is fine

    def test_times_in_other_zones_compare_as_instants(self, backend: Backend) -> None:
        c = backend.console
        c.add_staff("mika", "h", NOW)
        tokyo = datetime(2026, 11, 22, 20, 0, tzinfo=UTC).astimezone(TOKYO)
        c.create_login(_token(1), "mika", "x", tokyo)
        assert c.get_login(_token(1), datetime(2026, 11, 22, 19, 59, tzinfo=UTC)) is not None
        assert c.get_login(_token(1), datetime(2026, 11, 22, 20, 0, tzinfo=UTC)) is None

    def test_naive_times_are_refused(self, backend: Backend) -> None:
        with pytest.raises(ValueError, match="aware"):
            backend.console.create_login(_token(1), "mika", "x", datetime(2026, 1, 1))


class TestUnanswered:
    def test_groups_newest_first_with_counts(self, backend: Backend) -> None:
        c = backend.console
        c.record_unanswered(NOW, "en", "conversation", "visa fee", "Visa fee?")
        c.record_unanswered(NOW + timedelta(minutes=1), "ja", "faq", "手数料", "手数料は？")
        c.record_unanswered(NOW + timedelta(minutes=2), "en", "faq", "visa fee", "visa fee??")
        groups = c.unanswered_groups(None, 10)
        assert [(g.norm, g.count) for g in groups] == [("visa fee", 2), ("手数料", 1)]
        assert groups[0].example == "visa fee??"  # the newest text
        assert groups[0].locale == "en"
        assert groups[0].last_seen == NOW + timedelta(minutes=2)
        assert groups[1].example == "手数料は？"

    def test_filter_by_language_and_limit(self, backend: Backend) -> None:
        c = backend.console
        for i in range(5):
            c.record_unanswered(NOW + timedelta(minutes=i), "en", "faq", f"q{i}", f"Q{i}?")
        c.record_unanswered(NOW, "vi", "faq", "phí", "Phí?")
        assert [g.norm for g in c.unanswered_groups("vi", 10)] == ["phí"]
        assert [g.norm for g in c.unanswered_groups("en", 2)] == ["q4", "q3"]
        assert c.unanswered_groups("ko", 10) == []

    def test_delete_a_group(self, backend: Backend) -> None:
        c = backend.console
        c.record_unanswered(NOW, "en", "faq", "visa fee", "Visa fee?")
        c.record_unanswered(NOW, "ja", "faq", "visa fee", "visa fee")
        c.record_unanswered(NOW, "en", "faq", "other", "Other?")
        assert c.delete_unanswered("visa fee") == 2
        assert c.delete_unanswered("visa fee") == 0
        assert [g.norm for g in c.unanswered_groups(None, 10)] == ["other"]


class TestCounters:
    def test_bump_and_counts(self, backend: Backend) -> None:
        c = backend.console
        c.bump(DAY, "conversations", "web")
        c.bump(DAY, "conversations", "web", by=2)
        c.bump(DAY, "conversations", "telegram")
        c.bump(DAY + timedelta(days=1), "step", "ask_lang")
        c.bump(DAY + timedelta(days=5), "step", "ask_lang")
        assert c.counts(DAY, DAY + timedelta(days=1)) == [
            DailyCount(DAY, "conversations", "telegram", 1),
            DailyCount(DAY, "conversations", "web", 3),
            DailyCount(DAY + timedelta(days=1), "step", "ask_lang", 1),
        ]
        assert c.counts(DAY + timedelta(days=2), DAY + timedelta(days=4)) == []

    def test_bump_many_counts_repeats(self, backend: Backend) -> None:
        c = backend.console
        c.bump_many(DAY, [("step", "a"), ("step", "b"), ("step", "a")])
        c.bump_many(DAY, [])
        assert [(x.label, x.count) for x in c.counts(DAY, DAY)] == [("a", 2), ("b", 1)]

    def test_concurrent_bumps_lose_nothing(self, backend: Backend) -> None:
        """Threads on one store and a second store (another process's view) at once."""
        other_store, other = backend.reopen()
        try:
            consoles = [backend.console, other]

            def work(n: int) -> None:
                for _ in range(25):
                    consoles[n % 2].bump_many(DAY, [("conversations", "web"), ("step", "x")])

            threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert [(x.label, x.count) for x in backend.console.counts(DAY, DAY)] == [
                ("web", 100),
                ("x", 100),
            ]
        finally:
            other_store.close()


class TestPurge:
    def test_purge_keeps_recent_questions_and_counters(self, backend: Backend) -> None:
        c = backend.console
        c.record_unanswered(NOW - timedelta(days=40), "en", "faq", "old", "Old?")
        c.record_unanswered(NOW - timedelta(days=1), "en", "faq", "new", "New?")
        c.bump(DAY - timedelta(days=60), "conversations", "web")
        c.add_staff("mika", "h", NOW)
        c.create_login(_token(1), "mika", "x", NOW - timedelta(seconds=1))
        c.create_login(_token(2), "mika", "y", NOW + timedelta(hours=1))
        assert c.purge_console(NOW - timedelta(days=30), NOW) == 1
        assert [g.norm for g in c.unanswered_groups(None, 10)] == ["new"]
        assert len(c.counts(DAY - timedelta(days=90), DAY)) == 1
        assert c.get_login(_token(2), NOW) is not None
        assert c.purge_console(NOW - timedelta(days=30), NOW) == 0

    def test_forgetting_a_session_leaves_the_console_alone(self, backend: Backend) -> None:
        """No console row names a user key: SessionStore.delete has nothing to do here."""
        c = backend.console
        c.bump(DAY, "conversations", "web")
        backend.store.delete("web:someone")
        assert len(c.counts(DAY, DAY)) == 1


class TestSharing:
    def test_another_process_sees_the_same_data(self, backend: Backend) -> None:
        backend.console.add_staff("mika", "h", NOW)
        backend.console.record_unanswered(NOW, "en", "faq", "n", "N?")
        store, other = backend.reopen()
        try:
            assert other.staff_hash("mika") == "h"
            assert [g.norm for g in other.unanswered_groups(None, 5)] == ["n"]
        finally:
            store.close()

    def test_migrations_run_once(self, backend: Backend) -> None:
        """Opening the console again (a restart) keeps what is there."""
        backend.console.bump(DAY, "locale", "ja")
        store, again = backend.reopen()
        try:
            assert again.counts(DAY, DAY) == [DailyCount(DAY, "locale", "ja", 1)]
        finally:
            store.close()


def test_blocking_matches_the_session_store(backend: Backend) -> None:
    assert backend.console.blocking is backend.store.blocking


def test_console_store_refuses_another_kind_of_store() -> None:
    class Other:
        blocking = False

    with pytest.raises(TypeError):
        console_store(Other())  # type: ignore[arg-type]
