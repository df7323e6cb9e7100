"""Hypothesis: random event sequences never crash the engine or lose a session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock import fixed_clock
from bot.engine import Engine
from bot.flows.guide import GUIDE, STEP_CHOICES
from bot.models import Incoming
from bot.storage import SQLiteStore
from bot.understand import command_word, normalize_text
from tests.conftest import NOW

BUTTONS = [f"{slot}:{value}" for slot, choices in STEP_CHOICES.items() for value, _, _ in choices]
BUTTONS += [f"status:{s}" for s in ("student", "permanent_resident", "diplomat", "dependent")]
BUTTONS += [
    "status_group:work",
    "status_group:all",
    "cmd:back",
    "cmd:restart",
    "expiry:2027-01-15",
    "expiry:not-a-date",
    "new_status:student",
    "bogus",
    ":",
    "link:isa_online",
]
TEXTS = [
    "2027-01-15",
    "03/04/2027",
    "令和9年1月15日",
    "2027-02-30",
    "1",
    "7",
    "99",
    "student",
    "ssw",
    "技人国",
    "back",
    "help",
    "日本語",
    "はい",
    "AB12345678CD",
    "<b>x</b>",
    "🙂",
]

events = st.one_of(
    st.builds(lambda c: {"choice": c}, st.sampled_from(BUTTONS)),
    st.builds(lambda t: {"text": t}, st.sampled_from(TEXTS)),
    st.builds(lambda t: {"text": t}, st.text(max_size=60)),
    st.builds(
        lambda c, a: {"command": c, "arg": a},
        st.sampled_from(["back", "restart", "help", "lang", "forget"]),
        st.sampled_from([None, "ja", "en", "xx"]),
    ),
    st.builds(
        lambda h: {"text": "hi", "now": (NOW + timedelta(hours=h)).isoformat()},
        st.integers(-24 * 400, 24 * 400),
    ),
)

STATES = {s.name for s in GUIDE.steps}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(events, min_size=1, max_size=25))
def test_random_event_sequences(sequence: list[dict[str, object]]) -> None:
    """Any sequence of events gets replies; the session is always stored and valid."""
    store = SQLiteStore(":memory:")
    engine = Engine(store, clock=fixed_clock(datetime(2026, 11, 22, 3, 0, tzinfo=UTC)))
    for fields in sequence:
        reply = engine.handle(Incoming.model_validate({"user_key": "fuzz", **fields}))
        assert reply.messages
        assert all(m.text for m in reply.messages)
        stored = store.load("fuzz")
        text = fields.get("text")
        typed_forget = isinstance(text, str) and command_word(normalize_text(text)) == "forget"
        if fields.get("command") == "forget" or typed_forget:
            assert stored is None
            continue
        assert stored is not None
        assert stored.state in STATES
        assert reply.state == stored.state
        assert (reply.expects is None) == (stored.state == "verdict")
