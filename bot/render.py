"""Rendering a session as a reply: the current step's prompt and buttons (or the
verdict), with this turn's notices first, in the session's language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache

from bot.flows import Flow, Say, Step
from bot.flows.guide import GUIDE
from bot.i18n import Translator, translator
from bot.models import Button, Expects, FaqRef, Message, Reply, Role, Session
from bot.verdict import assess_session, verdict_messages

FLOWS: dict[str, Flow] = {GUIDE.name: GUIDE}


def flow_of(session: Session) -> Flow:
    return FLOWS[session.flow]


def current_step(session: Session) -> Step:
    return flow_of(session).current(session)


def label(tr: Translator, msgid: str, official: str | None, bid: str) -> str:
    """A button's label: the translated msgid, with the official Japanese beside it
    outside Japanese; a date button shows the date; a group button names its group."""
    if not msgid and ":" in bid:
        try:
            return tr.date(date.fromisoformat(bid.partition(":")[2]))
        except ValueError:
            pass
    if bid.startswith("status_group:") and official is not None:
        return tr.t(msgid, group=tr.t(official))
    text = tr.t(msgid)
    if official and tr.locale != "ja":
        return f"{text} ({official})"
    return text


@lru_cache(maxsize=1024)
def _buttons(flow: str, step: str, locale: str, options: tuple[object, ...]) -> tuple[Button, ...]:
    """A step's buttons in a locale: deterministic, so built once and shared (frozen)."""
    tr = translator(locale)
    return tuple(
        Button(id=bid, label=label(tr, msgid, off, bid))
        for bid, msgid, off in FLOWS[flow].by_name[step].buttons(options)
    )


def offered(session: Session, step: Step) -> tuple[object, ...]:
    """The options the step has on offer for this session (none: its default set)."""
    if step.offers is None:
        return ()
    return tuple(getattr(session, step.offers) or ())


def step_buttons(session: Session, step: Step) -> tuple[Button, ...]:
    """The buttons the session's current step shows (render and number picks use these)."""
    return _buttons(session.flow, step.name, session.locale, offered(session, step))


def render(
    session: Session,
    says: list[Say],
    extra: list[Message],
    *,
    now: datetime,
    faq: FaqRef | None = None,
    notice_role: Role = "notice",
    after: Sequence[Message] = (),
) -> Reply:
    """The reply for the session's current step, with this turn's notices first and
    ``after`` last (a chooser the user asked for, numbered after the step's buttons).

    After an FAQ answer the step is asked again; at the verdict only its last
    message (the hand-off, with its buttons) is repeated, not the whole verdict."""
    tr = translator(session.locale)
    current = current_step(session)
    messages = list(extra)
    notice = "\n".join(say.text(tr) for say in says)
    if current.slot is None:
        verdict = assess_session(session, now)
        body = verdict_messages(tr, session, verdict)
        if notice:
            messages.append(Message(text=notice, role=notice_role))
        messages += body[-1:] if faq is not None else body
        messages += after
        # The card goes with the whole verdict (not with an FAQ answer's hand-off only).
        from bot.card import verdict_card  # noqa: PLC0415 - bot.card imports this module

        return Reply(
            messages=messages,
            expects=None,
            verdict=verdict,
            state=session.state,
            locale=session.locale,
            faq=faq,
            card=verdict_card(tr, session, verdict) if faq is None else None,
        )
    prompt_text = tr.t(current.prompt_for(session))
    text = f"{notice}\n\n{prompt_text}" if notice else prompt_text
    messages.append(Message(text=text, buttons=list(step_buttons(session, current)), role="prompt"))
    messages += after
    return Reply(
        messages=messages,
        expects=Expects(slot=current.slot, kind=current.kind),
        state=session.state,
        locale=session.locale,
        faq=faq,
    )
