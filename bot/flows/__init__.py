"""Flows as data: steps in order, each with a guard saying whether it is asked.

A flow is a list of :class:`Step` records. Each step carries what the conversation
needs to know about it: the slot it fills, how typed text is read (``parse``), which
answers it accepts and what they write (``answers``), its buttons, and its guard.
The turn (:mod:`bot.conversation`) names no step; a new question is one more
``Step`` in a flow module plus its msgids.

The moves between steps are a :class:`transitions.Machine`, one per flow, declared
from the order: ``next`` goes from a step to the first later step whose guard passes
(transitions tries a trigger's transitions in the order they were added, so one
guarded transition per destination, in flow order, is the whole of the branching),
``back`` returns to the step on top of the session's history, and ``restart`` goes to
``restart_to``. Turns move a long-lived carrier model (a small pool, one per
concurrent turn), set to the session's state with ``Machine.set_state``.
:func:`validate` runs when a flow module is imported and raises :class:`FlowError` on
structural mistakes.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from transitions import Machine

from bot.i18n import Translator
from bot.models import Session, Slots

Guard = Callable[[Session], bool]
Kind = Literal["choice", "date", "text"]
Choice = tuple[str, str, str | None]  # value, label msgid, official Japanese


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


# --------------------------------------------------------------------------- what text means


@dataclass(frozen=True, slots=True)
class Say:
    """A message to render in the turn's final locale: a msgid and its parameters."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, tr: Translator) -> str:
        """Translated and formatted (dates in the locale's style)."""
        params = {k: tr.date(v) if isinstance(v, date) else v for k, v in self.params.items()}
        return tr.t(self.msgid, **params)


@dataclass(frozen=True, slots=True)
class Answer:
    """The text answers the step: ``value`` as its button would send it."""

    value: str


@dataclass(frozen=True, slots=True)
class Offer:
    """The text could mean several answers: offer them as buttons and say ``say``."""

    options: tuple[Any, ...]
    say: Say


@dataclass(frozen=True, slots=True)
class Problem:
    """The text is an answer of the right kind but impossible: say why, ask again."""

    say: Say


@dataclass(frozen=True, slots=True)
class Elsewhere:
    """The text answers an earlier step (``slot``) instead: a correction. ``option`` is
    the value as that step offers it (for its label); ``confirm`` says what changed,
    with the label in its placeholder ``placeholder``."""

    slot: str
    value: str
    option: Any
    confirm: str
    placeholder: str


@dataclass(frozen=True, slots=True)
class Unsure:
    """Not an answer the step is sure of. It may be a question for the FAQ; if it is
    not, ``then`` is what the text means after all (a partial match), else the step
    says ``reprompt``."""

    reprompt: str
    then: Answer | Offer | None = None


Parsed = Answer | Offer | Problem | Elsewhere | Unsure
Parser = Callable[[str], Parsed]
# A step's buttons: (button id, label msgid, official Japanese) for the options on offer.
Buttons = Callable[[tuple[Any, ...]], list[Choice]]


@dataclass(frozen=True, slots=True)
class Filled:
    """A value was stored; ``say`` is its confirmation, if any."""

    say: Say | None = None


# What storing a value did: Filled; a Problem (say why, ask again); None: not a value
# this step accepts.
Fill = Callable[[Session, str, date], "Filled | Problem | None"]


def _no_buttons(_options: tuple[Any, ...]) -> list[Choice]:
    return []


def _no_parse(_text: str) -> Parsed:
    return Unsure(reprompt="")


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One question (or the terminal verdict) of a flow."""

    name: str
    slot: str | None  # the answer it takes (a Slots field, or "lang"); None: the verdict
    kind: Kind  # what the channel offers: buttons, a date picker, a text box
    prompt: str  # msgid
    help: str  # msgid
    guard: Guard = always
    # Reads typed text (bot.understand builds these from the step's data).
    parse: Parser = _no_parse
    # Stores a value (a button's value, or what parse read).
    fill: Fill | None = None
    # The Slots fields a value writes: cleared when the user goes back to this step.
    fills: tuple[str, ...] = ()
    # The buttons for the options on offer (the default set when none are).
    buttons: Buttons = _no_buttons
    # Other prompts, the first whose guard passes: (guard, msgid).
    prompts: tuple[tuple[Guard, str], ...] = ()
    # The Session field that holds the options on offer (readings of an ambiguous date,
    # the statuses of a group or of a partial match), shown as buttons instead.
    offers: Literal["pending_dates", "status_filter"] | None = None
    # Buttons "<group_button>:<group>" put a group's options on offer ("all": none).
    group_button: str | None = None
    groups: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)

    def prompt_for(self, session: Session) -> str:
        """The prompt msgid for this session."""
        for guard, msgid in self.prompts:
            if guard(session):
                return msgid
        return self.prompt


# --------------------------------------------------------------------------- the flow


class _Carrier:
    """The model transitions moves: a plain object holding the session of one turn."""

    state: str

    def __init__(self) -> None:
        self.session: Session | None = None


@dataclass(frozen=True)
class Flow:
    name: str
    steps: tuple[Step, ...]
    restart_to: str
    terminal: str
    by_name: dict[str, Step] = field(init=False, repr=False, compare=False)
    by_slot: dict[str, Step] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {s.name: s for s in self.steps})
        object.__setattr__(self, "by_slot", {s.slot: s for s in self.steps if s.slot})
        object.__setattr__(self, "_machine", None)
        object.__setattr__(self, "_carriers", queue.SimpleQueue())

    @property
    def initial(self) -> str:
        return self.steps[0].name

    # -- the declaration

    def transitions(self) -> list[dict[str, Any]]:
        """``next``, ``back`` and ``restart``, derived from the order of the steps.

        ``next``: one transition per step, from every earlier step, guarded by the
        step's guard, in flow order (so the first later step whose guard passes wins).
        ``back``: one per step, from every later step, taken when that step is on top
        of the session's history."""
        names = [s.name for s in self.steps]
        nexts = [
            {
                "trigger": "next",
                "source": names[:i],
                "dest": step.name,
                "conditions": [_guard_on_event(step.guard)],
            }
            for i, step in enumerate(self.steps)
            if i > 0
        ]
        backs = [
            {
                "trigger": "back",
                "source": names[i + 1 :],
                "dest": name,
                "conditions": [_history_top_is(name)],
            }
            for i, name in enumerate(names[:-1])
        ]
        restart = {"trigger": "restart", "source": "*", "dest": self.restart_to}
        return [*nexts, *backs, restart]

    @property
    def machine(self) -> Machine:
        """The flow's one Machine, built on first use (after :func:`validate`)."""
        machine: Machine | None = getattr(self, "_machine")  # noqa: B009 - set in __post_init__
        if machine is None:
            machine = Machine(
                model=None,
                states=[s.name for s in self.steps],
                initial=self.initial,
                transitions=self.transitions(),
                auto_transitions=False,
                send_event=True,
                ignore_invalid_triggers=False,
            )
            object.__setattr__(self, "_machine", machine)
        return machine

    # -- the moves

    def current(self, session: Session) -> Step:
        return self.by_name[session.state]

    def fire(self, session: Session, trigger: str) -> bool:
        """Fire ``trigger`` for the session; True if the state changed."""
        machine = self.machine
        carriers: queue.SimpleQueue[_Carrier] = getattr(self, "_carriers")  # noqa: B009
        try:
            carrier = carriers.get_nowait()
        except queue.Empty:
            carrier = _Carrier()
            machine.add_model(carrier, initial=self.initial)
        try:
            carrier.session = session
            machine.set_state(session.state, model=carrier)
            moved = bool(getattr(carrier, "trigger")(trigger))  # noqa: B009 - attached by transitions
            session.state = carrier.state
        finally:
            carrier.session = None
            carriers.put(carrier)
        return moved

    def advance(self, session: Session) -> None:
        """On to the next step that is asked (the current one goes on the history)."""
        session.history.append(session.state)
        session.pending_dates = []
        session.status_filter = None
        if not self.fire(session, "next"):  # pragma: no cover - validate() ensures a terminal
            session.history.pop()

    def back(self, session: Session) -> bool:
        """Back to the previous step, its answer and every later one cleared. False at
        the first question."""
        if not session.history:
            return False
        if not self.fire(session, "back"):  # history and flow disagree: a stale row; recover
            session.state = session.history[-1]
        session.history.pop()
        self.clear_from(session, session.state)
        return True

    def restart(self, session: Session) -> None:
        """To ``restart_to`` with every answer cleared (the language is kept)."""
        self.fire(session, "restart")
        session.slots = Slots()
        session.history = []
        session.pending_dates = []
        session.status_filter = None

    def clear_from(self, session: Session, state: str) -> None:
        """Clear what ``state`` and every later step filled."""
        names = [s.name for s in self.steps]
        cleared = {f for s in self.steps[names.index(state) :] for f in s.fills}
        values = session.slots.model_dump()
        for name in cleared:
            values[name] = Slots.model_fields[name].default
        session.slots = Slots.model_validate(values)
        session.pending_dates = []
        session.status_filter = None


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
    slots = [s.slot for s in flow.steps if s.slot is not None]
    if len(set(slots)) != len(slots):
        msg = f"flow {flow.name!r}: two steps fill the same slot in {slots}"
        raise FlowError(msg)
    for step in flow.steps:
        if not step.prompt.strip() or not step.help.strip():
            msg = f"flow {flow.name!r}: step {step.name!r} has no prompt or help text"
            raise MissingPromptError(msg)
        if step.name != flow.terminal and (step.slot is None or step.fill is None):
            msg = f"flow {flow.name!r}: step {step.name!r} fills no slot"
            raise FlowError(msg)
        unknown = set(step.fills) - set(Slots.model_fields)
        if unknown:
            msg = f"flow {flow.name!r}: step {step.name!r} fills unknown slots {sorted(unknown)}"
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
    _ = flow.machine  # declared through transitions: a bad declaration fails here
    return flow


def answers_of(values: Mapping[str, Mapping[str, Any]]) -> tuple[str, ...]:
    """The Slots fields a table of answers writes (for ``Step.fills``)."""
    return tuple(dict.fromkeys(f for updates in values.values() for f in updates))


# --------------------------------------------------------------------------- storing answers


def fill_from(table: Mapping[str, Mapping[str, Any]]) -> Fill:
    """A choice: each accepted value and the Slots fields it writes."""

    def fill(session: Session, value: str, _today: date) -> Filled | Problem | None:
        updates = table.get(value)
        if updates is None:
            return None
        for name, new in updates.items():
            setattr(session.slots, name, new)
        return Filled()

    return fill


def fill_date(
    name: str, *, earliest: date, max_years_ahead: int, too_far: str, confirm: str
) -> Fill:
    """A date (ISO, as its button sends it) from ``earliest`` to ``max_years_ahead`` years
    from now: it is stored and confirmed with ``confirm``; a later one gets ``too_far``,
    an earlier one is not a value (a forged button)."""

    def fill(session: Session, value: str, today: date) -> Filled | Problem | None:
        try:
            picked = date.fromisoformat(value)
        except ValueError:
            return None
        if picked < earliest:
            return None
        if picked >= date(today.year + max_years_ahead, 1, 1):
            return Problem(Say(too_far, {"date": picked}))
        setattr(session.slots, name, picked)
        return Filled(Say(confirm, {"date": picked}))

    return fill
