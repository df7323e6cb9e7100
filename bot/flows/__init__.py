"""Flows as data: steps in order, each with a guard saying whether it is asked.

A flow is a list of :class:`Step` records. The transitions are derived from the
order: from any step, ``next`` goes to the first later step whose guard passes
(transitions picks the first matching transition in insertion order), so the
guards are the whole of the branching logic. :func:`validate` runs when a flow
module is imported and raises :class:`FlowError` on structural mistakes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.models import Session

Guard = Callable[[Session], bool]
Kind = Literal["choice", "date", "text"]


class FlowError(Exception):
    """A flow definition is broken. Raised at import, never at a user's turn."""


class UnknownStateError(FlowError):
    pass


class UnreachableStateError(FlowError):
    pass


class MissingPromptError(FlowError):
    pass


def always(_session: Session) -> bool:
    """The guard of a step that is always asked."""
    return True


@dataclass(frozen=True, slots=True)
class Step:
    """One question (or the terminal verdict) of a flow."""

    name: str
    slot: str | None  # the Slots field it fills (None for the terminal step)
    kind: Kind
    prompt: str  # msgid
    help: str  # msgid
    guard: Guard = always
    # Slots cleared when the user goes back to this step (its own and dependants).
    clears: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Flow:
    name: str
    steps: tuple[Step, ...]
    restart_to: str
    terminal: str
    by_name: dict[str, Step] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {s.name: s for s in self.steps})

    @property
    def initial(self) -> str:
        return self.steps[0].name

    def next_transitions(self) -> list[dict[str, Any]]:
        """``next``: from each step to every later one, guarded, in priority order."""
        out: list[dict[str, Any]] = []
        names = [s.name for s in self.steps]
        for i, source in enumerate(names[:-1]):
            for later in self.steps[i + 1 :]:
                out.append(
                    {
                        "trigger": "next",
                        "source": source,
                        "dest": later.name,
                        "conditions": [_guard_on_event(later.guard)],
                    }
                )
        return out

    def back_transitions(self) -> list[dict[str, Any]]:
        """``back``: to whichever earlier step is on top of the session's history."""
        out: list[dict[str, Any]] = []
        names = [s.name for s in self.steps]
        for i, source in enumerate(names):
            for earlier in names[:i]:
                out.append(
                    {
                        "trigger": "back",
                        "source": source,
                        "dest": earlier,
                        "conditions": [_history_top_is(earlier)],
                    }
                )
        return out

    def transitions(self) -> list[dict[str, Any]]:
        restart = {"trigger": "restart", "source": "*", "dest": self.restart_to}
        return [*self.next_transitions(), *self.back_transitions(), restart]


def _guard_on_event(guard: Guard) -> Callable[[Any], bool]:
    def condition(event: Any) -> bool:
        return guard(event.model.session)

    condition.__name__ = f"guard_{getattr(guard, '__name__', 'anon')}"
    return condition


def _history_top_is(name: str) -> Callable[[Any], bool]:
    def condition(event: Any) -> bool:
        history: list[str] = event.model.session.history
        return bool(history) and history[-1] == name

    condition.__name__ = f"history_top_is_{name}"
    return condition


def validate(flow: Flow, samples: Iterable[Session]) -> Flow:
    """Check a flow; raise FlowError with a precise message.

    ``samples`` are sessions covering the answers a user can give; a step whose
    guard passes for none of them can never be asked, and is reported unreachable.
    """
    names = [s.name for s in flow.steps]
    if len(set(names)) != len(names):
        msg = f"flow {flow.name!r}: duplicate step names in {names}"
        raise FlowError(msg)
    for special in (flow.restart_to, flow.terminal):
        if special not in flow.by_name:
            msg = f"flow {flow.name!r}: {special!r} is not a step"
            raise UnknownStateError(msg)
    if names[-1] != flow.terminal:
        msg = f"flow {flow.name!r}: the terminal step {flow.terminal!r} must come last"
        raise FlowError(msg)
    for step in flow.steps:
        if not step.prompt.strip() or not step.help.strip():
            msg = f"flow {flow.name!r}: step {step.name!r} has no prompt or help text"
            raise MissingPromptError(msg)
        if step.name != flow.terminal and step.slot is None:
            msg = f"flow {flow.name!r}: step {step.name!r} fills no slot"
            raise FlowError(msg)
    if flow.steps[-1].guard is not always:
        msg = f"flow {flow.name!r}: the terminal step must always be reachable (guard=always)"
        raise FlowError(msg)
    pending = {s.name: s.guard for s in flow.steps[1:]}
    for sample in samples:
        for name in [n for n, guard in pending.items() if guard(sample)]:
            del pending[name]
        if not pending:
            break
    unreachable = [n for n in names if n in pending]
    if unreachable:
        msg = f"flow {flow.name!r}: steps {unreachable} can not be reached from {flow.initial!r}"
        raise UnreachableStateError(msg)
    return flow
