"""The answers so far as one line: "So far: The foreign national · Extension · …".

Why: someone who comes back to a conversation (the terminal chat run again the next
day) sees what they already answered before the question they stopped at, instead of
an unexplained question in the middle of the flow. Only the answered steps (the
session's history) are listed, in the order they were asked, each as the label of the
button that answers it, in the session's language; the language itself is left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.flows import Step
from bot.flows.guide import ANSWERS, DA_NOTICE_CHOICES, STEP_CHOICES
from bot.i18n import Translator, translator
from bot.i18n_marker import N_
from bot.models import Session
from bot.render import flow_of
from bot.understand import status_choices

SO_FAR = N_("So far: {answers}")
SEPARATOR = " · "
EXPIRES = N_("expires {date}")
NOTICE = N_("public notice {number}")
# Answers whose label alone does not say which question it answers.
FRAMES: Mapping[str, str] = {
    "with_procedure": N_("together with: {answer}"),
    "new_status": N_("changing to: {answer}"),
    "has_my_number_card": N_("My Number Card: {answer}"),
}
# Values that need no frame ("None: on its own" says it already).
UNFRAMED = frozenset({"with_procedure:none"})


def recap_line(session: Session) -> str | None:
    """``So far: …`` in the session's language; None when nothing is answered yet."""
    tr = translator(session.locale)
    answers = recap_answers(session, tr)
    if not answers:
        return None
    return tr.t(SO_FAR, answers=SEPARATOR.join(answers))


def recap_answers(session: Session, tr: Translator) -> list[str]:
    """The label of each answered step's answer, in the order asked."""
    flow = flow_of(session)
    out: list[str] = []
    for name in session.history:
        step = flow.by_name.get(name)
        if step is None or step.slot is None or step.slot not in _ANSWERED:
            continue
        text = _ANSWERED[step.slot](step, session, tr)
        if text:
            out.append(text)
    return out


def _expiry(_step: Step, session: Session, tr: Translator) -> str | None:
    expiry = session.slots.expiry
    return tr.t(EXPIRES, date=tr.date(expiry)) if expiry is not None else None


def _notice(_step: Step, session: Session, tr: Translator) -> str | None:
    value = session.slots.da_notice or "unknown"
    for code, msgid, _official in DA_NOTICE_CHOICES:
        if code == value:
            return tr.t(msgid)
    return tr.t(NOTICE, number=value)


def _choice(step: Step, session: Session, tr: Translator) -> str | None:
    slot = step.slot or ""
    value = _value_of(ANSWERS[slot], session)
    if value is None:
        return None
    choices = STEP_CHOICES.get(slot) or status_choices(_statuses(slot, value))
    msgid = next((m for code, m, _off in choices if code == value), None)
    if msgid is None:
        return None
    answer = tr.t(msgid)
    frame = FRAMES.get(slot)
    if frame is None or f"{slot}:{value}" in UNFRAMED:
        return answer
    return tr.t(frame, answer=answer)


def _statuses(slot: str, value: str) -> list[Any]:
    """The status a status step stored (its labels come from the status table)."""
    fields = ANSWERS[slot][value]
    return [fields[slot]] if slot in fields else []


def _value_of(table: Mapping[str, Mapping[str, Any]], session: Session) -> str | None:
    """The answer whose stored fields are the session's (the reverse of ``fill``)."""
    slots = session.slots
    for value, fields in table.items():
        if all(getattr(slots, name) == stored for name, stored in fields.items()):
            return value
    return None


_ANSWERED = {
    **dict.fromkeys(ANSWERS, _choice),
    "expiry": _expiry,
    "da_notice": _notice,
}
