"""Flow definitions: validated at import, every step reachable by real answers."""

from __future__ import annotations

from collections import deque
from dataclasses import replace

import pytest

from bot.clock import fixed_clock
from bot.engine import Engine
from bot.flows import (
    Flow,
    FlowError,
    MissingPromptError,
    Step,
    UnknownStateError,
    UnreachableStateError,
    validate,
)
from bot.flows.guide import GUIDE, STEPS, sample_sessions
from bot.models import Incoming, Session
from bot.storage import SQLiteStore
from tests.conftest import NOW


def never(_session: Session) -> bool:
    """A guard that never passes."""
    return False


def _flow(steps: tuple[Step, ...], **kw: str) -> Flow:
    return Flow(
        "t",
        steps,
        restart_to=kw.get("restart_to", "ask_user_type"),
        terminal=kw.get("terminal", "verdict"),
    )


def test_guide_is_valid() -> None:
    """The shipped flow passes validation (it is validated at import, too)."""
    assert validate(GUIDE, sample_sessions()) is GUIDE


def test_unreachable_step_raises() -> None:
    """A step whose guard no answer can satisfy is reported unreachable."""
    steps = tuple(replace(s, guard=never) if s.name == "ask_new_status" else s for s in STEPS)
    with pytest.raises(UnreachableStateError, match="ask_new_status"):
        validate(_flow(steps), sample_sessions())


def test_missing_prompt_raises() -> None:
    """A step without prompt text is refused."""
    steps = tuple(replace(s, prompt=" ") if s.name == "ask_status" else s for s in STEPS)
    with pytest.raises(MissingPromptError, match="ask_status"):
        validate(_flow(steps), sample_sessions())


def test_unknown_restart_target_raises() -> None:
    """restart_to must name a step."""
    with pytest.raises(UnknownStateError, match="nowhere"):
        validate(_flow(STEPS, restart_to="nowhere"), sample_sessions())


def test_duplicate_step_raises() -> None:
    """Step names are unique."""
    with pytest.raises(FlowError, match="duplicate"):
        validate(_flow((*STEPS[:2], STEPS[1], *STEPS[2:])), sample_sessions())


def test_terminal_must_be_last() -> None:
    """The verdict comes last."""
    with pytest.raises(FlowError, match="must come last"):
        validate(_flow((*STEPS[:-2], STEPS[-1], STEPS[-2])), sample_sessions())


def test_transitions_are_generated_from_order() -> None:
    """next/back/restart transitions are derived data; no auto to_<state> triggers."""
    triggers = {t["trigger"] for t in GUIDE.transitions()}
    assert triggers == {"next", "back", "restart"}


def test_every_step_is_reachable_by_buttons() -> None:
    """A breadth-first walk over real button presses reaches every step of the flow.

    Each (step, button that led there, user type and procedure) is expanded once, so
    every branch is tried for every kind of filer and application; group buttons open
    their statuses.
    """
    engine = Engine(SQLiteStore(":memory:"), clock=fixed_clock(NOW))
    seen: set[str] = set()
    expanded: set[tuple[str, str, str]] = set()
    start = engine.handle(Incoming(user_key="walk:0", text="hi"))
    queue: deque[tuple[tuple[str, ...], list[str]]] = deque(
        [((), [b.id for b in start.messages[-1].buttons])]
    )
    key = 0
    while queue and len(seen) < len(STEPS):
        path, buttons = queue.popleft()
        for button in buttons:
            if button.startswith(("cmd:", "link:", "status_group:all")):
                continue
            key += 1
            user = f"walk:{key}"
            engine.handle(Incoming(user_key=user, text="hi"))
            reply = None
            for pressed in (*path, button):
                reply = engine.handle(
                    Incoming(user_key=user, choice=pressed)
                    if not pressed.startswith("text=")
                    else Incoming(user_key=user, text=pressed[5:])
                )
            assert reply is not None
            filer = " ".join(p for p in path if p.startswith(("user_type:", "procedure:")))
            if reply.state is None or (reply.state, button, filer) in expanded:
                continue
            seen.add(reply.state)
            expanded.add((reply.state, button, filer))
            nxt = [b.id for b in reply.messages[-1].buttons]
            if reply.expects is not None and reply.expects.kind == "date":
                nxt = ["text=2027-01-15"]
            if reply.expects is not None and reply.expects.kind == "text":
                nxt = [*nxt, "text=46"]
            queue.append(((*path, button), nxt))
    assert seen | {"ask_lang"} == {s.name for s in STEPS}
