"""What channels may ask the engine (and nothing else): the Event model and its one
validator, turns sync and async, resume, forget and a conversation's language."""

from __future__ import annotations

import asyncio
import io
import json
import threading
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.channels.terminal import run_jsonl
from bot.clock import fixed_clock
from bot.engine import Engine, UnknownSession
from bot.models import Event, Session
from bot.storage import SQLiteStore
from tests.conftest import NOW


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"text": "hi", "choice": "lang:en"}, "not text and choice"),
        ({"text": "hi", "command": "back"}, "not text and command"),
        ({"choice": "lang:en", "command": "help"}, "not choice and command"),
        ({"text": "hi", "arg": "ja"}, "arg goes with a command"),
        ({"arg": "ja"}, "arg goes with a command"),
        ({"command": "fly"}, "command"),
        ({"text": "hi", "partner": "no spaces"}, "partner"),
        ({"text": "hi", "shout": True}, "shout"),
    ],
)
def test_event_refuses_mixed_or_unknown_kinds(fields: dict[str, object], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        Event.model_validate({"user_key": "u", **fields})


@pytest.mark.parametrize(
    "fields",
    [{}, {"text": ""}, {"choice": "lang:en"}, {"command": "lang", "arg": "ja"}, {"text": "x"}],
)
def test_event_takes_one_kind_or_none(fields: dict[str, object]) -> None:
    event = Event.model_validate({"user_key": "u", **fields})
    assert event.is_open is (fields == {})


def test_jsonl_answers_a_mixed_event_with_an_error_line_and_goes_on(engine: Engine) -> None:
    """chat --jsonl validates with the same model as the web API: text and choice
    together is one error line, and the next line is still read."""
    lines = [
        json.dumps({"text": "hi", "choice": "lang:en"}),
        json.dumps({"text": "hi"}),
    ]
    out = io.StringIO()
    assert run_jsonl(engine, "cli:1", io.StringIO("\n".join(lines) + "\n"), out) == 0
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert "not text and choice" in first["error"]
    assert second["expects"]["slot"] == "lang"


def test_handle_without_create_refuses_an_unknown_key(engine: Engine, store: SQLiteStore) -> None:
    with pytest.raises(UnknownSession):
        engine.handle(Event(user_key="web:nobody", text="hi"), create=False)
    assert store.count() == 0
    engine.handle(Event(user_key="web:someone"))
    reply = engine.handle(Event(user_key="web:someone", choice="lang:en"), create=False)
    assert reply.expects is not None
    assert reply.expects.slot == "user_type"


def test_resume_shows_the_current_step_and_changes_nothing(
    engine: Engine, store: SQLiteStore
) -> None:
    assert engine.resume("u") is None
    engine.handle(Event(user_key="u", text="hello"))
    last = engine.handle(Event(user_key="u", choice="lang:ja"))
    before = store.load("u")
    again = engine.resume("u")
    assert again is not None
    assert again.messages[-1] == last.messages[-1]
    assert (again.state, again.locale) == ("ask_user_type", "ja")
    assert store.load("u") == before


def test_forget_and_locale_of(engine: Engine) -> None:
    assert engine.locale_of("u") is None
    engine.handle(Event(user_key="u", text="hello", locale_hint="vi"))
    assert engine.locale_of("u") == "vi"
    assert engine.forget("u") is True
    assert engine.forget("u") is False
    assert engine.locale_of("u") is None
    assert engine.resume("u") is None


class ThreadRecordingStore(SQLiteStore):
    """A real SQLite store that records which thread each load ran on."""

    def __init__(self, path: Path, *, blocking: bool) -> None:
        super().__init__(path)
        self.blocking = blocking
        self.threads: list[int] = []

    def load(self, key: str) -> Session | None:
        self.threads.append(threading.get_ident())
        return super().load(key)


@pytest.mark.parametrize("blocking", [False, True])
def test_async_methods_keep_a_blocking_store_off_the_loop(tmp_path: Path, blocking: bool) -> None:
    """On a store that waits on a server the turn runs in a worker thread; on the
    embedded store it runs on the loop (cheaper than the hop)."""
    store = ThreadRecordingStore(tmp_path / "s.db", blocking=blocking)
    engine = Engine(store, clock=fixed_clock(NOW))

    async def main() -> int:
        await engine.ahandle(Event(user_key="u", text="hello"))
        await engine.ahandle(Event(user_key="u", choice="lang:en"))
        assert await engine.aresume("u") is not None
        assert await engine.alocale_of("u") == "en"
        assert await engine.aforget("u") is True
        return threading.get_ident()

    loop_thread = asyncio.run(main())
    store.close()
    assert store.threads
    on_loop = {t == loop_thread for t in store.threads}
    assert on_loop == {not blocking}
