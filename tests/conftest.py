"""Shared fixtures: a real SQLite file per test, a frozen clock, a conversation driver."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.clock import fixed_clock
from bot.engine import Engine
from bot.models import Incoming, Reply
from bot.storage import SQLiteStore

# 2026-11-22 12:00 in Tokyo.
NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)

Talk = Callable[..., Reply]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "sessions.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(db_path)
    yield s
    s.close()


@pytest.fixture
def engine(store: SQLiteStore) -> Engine:
    return Engine(store, clock=fixed_clock(NOW))


def event(**fields: Any) -> Incoming:
    fields.setdefault("user_key", "test:1")
    return Incoming.model_validate(fields)


@pytest.fixture
def talk(engine: Engine) -> Talk:
    """Send one event as the test user: ``talk(choice="lang:en")``, ``talk(text="...")``."""

    def send(**fields: Any) -> Reply:
        return engine.handle(event(**fields))

    return send


def drive(talk: Talk, *steps: str) -> Reply:
    """Send several events: 'slot:value' strings are button presses, others are text."""
    reply = talk(text="hello")
    for s in steps:
        if s.startswith("/"):
            reply = talk(command=s[1:])
        elif ":" in s and " " not in s and not s[0].isdigit():
            reply = talk(choice=s)
        else:
            reply = talk(text=s)
    return reply


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """One throwaway PostgreSQL cluster for the whole run (tests/pg_server.py). Skipped,
    saying why, only where the binaries are missing; ``make test`` installs them."""
    from tests.pg_server import PostgresServer, missing

    reason = missing()
    if reason is not None:
        pytest.skip(reason)
    server = PostgresServer()
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server: Any) -> Iterator[str]:
    """The URL of a new, empty database on the test cluster, dropped afterwards."""
    url = pg_server.create_database()
    yield url
    pg_server.drop_database(url)
