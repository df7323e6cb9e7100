"""One turn of a conversation: read the event, move the flow, render the step.

``step()`` is pure: it takes a session and an event and returns the new session and
the reply. I/O (locking, loading, saving) is the engine's job (:mod:`bot.engine`).
A turn reads top to bottom: a command, a button press or typed text; typed text is
read by the current step's own parser (:mod:`bot.understand`), and what it means is
stored by the step's own ``fill``. Nothing here names a step.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from bot.clock import today_in_tokyo
from bot.faq.answer import answer_messages
from bot.faq.search import asks, detect_locale, is_fragment, looks_like_question, search
from bot.flows import (
    Answer,
    Elsewhere,
    Filled,
    Offer,
    Parsed,
    Problem,
    Say,
    Step,
)
from bot.flows.guide import GUIDE
from bot.i18n import LOCALE_NAMES, LOCALES, normalize_locale, translator
from bot.i18n_marker import N_
from bot.models import (
    MAX_TEXT,
    Button,
    CommandName,
    Event,
    FaqRef,
    Message,
    Reply,
    Role,
    Session,
)
from bot.privacy import contains_id_number
from bot.render import current_step, flow_of, label, render, step_buttons
from bot.understand import NOT_UNDERSTOOD, as_command, command_word, normalize_text, pick
from bot.verdict import INFO_CENTER

# The answer that is not a Slots field: the conversation's language.
LANG_SLOT = "lang"
# Without a question mark or question words, text is taken for a question only when
# the FAQ is this sure; otherwise it is a wrong answer and gets the re-prompt.
SURE = 0.8

GREETING = N_(
    "Hello! I help you check whether an application to the Immigration Services Agency "
    "can be filed online, and what to prepare. I explain and link; I never fill in or "
    "submit applications. Please don't send names or card, passport or My Number numbers."
)
HELP_COMMANDS = N_(
    "You can type at any time: back, restart, help, lang (change language), forget "
    "(delete my data)."
)
FORGOTTEN = N_(
    "Done: I have deleted everything stored about this conversation. Send any "
    "message to start again."
)
CHOOSE_OR_TYPE = N_("Please choose one of the options or type an answer.")
STALE = N_("That button belongs to an earlier question. Here is the current one.")
NOT_AVAILABLE = N_("That choice is not available here. Please choose one of these.")
TOO_LONG = N_(
    "That message is too long for me (over {limit} characters). Please send a short answer."
)
ID_NUMBER = N_(
    "That looks like a card, passport or My Number number. I have not kept "
    "it, and I never need it: please don't send such numbers."
)
COMPLETE = N_("Your answers are complete. Choose Start over or Back.")
CHOOSE_NUMBER = N_("Please choose a number from 1 to {count}.")


@dataclass(slots=True)
class Turn:
    """What one turn collects before the step is rendered."""

    session: Session
    today: date
    is_new: bool
    says: list[Say] = field(default_factory=list)
    extra: list[Message] = field(default_factory=list)
    # Shown after the step (the /lang chooser): the step's buttons keep numbers 1 to n.
    after: list[Message] = field(default_factory=list)
    faq: FaqRef | None = None
    notice_role: Role = "notice"
    forget: bool = False

    @property
    def step(self) -> Step:
        return current_step(self.session)

    def say(self, msgid: str, **params: object) -> None:
        self.says.append(Say(msgid, dict(params)))


@dataclass(slots=True)
class TurnResult:
    session: Session | None  # None: the user asked us to forget them
    reply: Reply


def new_session(key: str, locale_hint: str | None, flow: str = GUIDE.name) -> Session:
    """A fresh session at the flow's first step."""
    locale = normalize_locale(locale_hint) or "en"
    return Session(key=key, flow=flow, state=GUIDE.initial, locale=locale)


def step(session: Session, event: Event, now: datetime, *, is_new: bool = False) -> TurnResult:
    """One turn. ``session`` is updated in place (the engine loads a fresh copy every
    turn and saves it only if the turn completes); the result holds it."""
    session.turns += 1
    if event.partner and session.partner is None:
        session.partner = event.partner
    when = event.now or now
    turn = Turn(session, today_in_tokyo(when), is_new)

    command = event.command or _button_command(event.choice)
    if command is not None:
        _command(turn, command, event.arg)
    elif event.choice is not None:
        _choice(turn, event.choice)
    elif event.text is not None:
        _text(turn, event.text)
    elif not is_new:
        turn.say(CHOOSE_OR_TYPE)

    if turn.forget:
        tr = translator(session.locale)
        return TurnResult(
            None, Reply(messages=[Message(text=tr.t(FORGOTTEN), role="notice")], expects=None)
        )
    if is_new:
        # A conversation always opens with the greeting and its warning about card
        # numbers, whatever the first message was (/help, a question, a number).
        turn.says.insert(0, Say(GREETING))
    reply = render(
        session,
        turn.says,
        turn.extra,
        now=when,
        faq=turn.faq,
        notice_role=turn.notice_role,
        after=turn.after,
    )
    return TurnResult(session, reply)


def _button_command(choice: str | None) -> CommandName | None:
    """``cmd:back`` and the like: a command on a button."""
    if choice is None or not choice.startswith("cmd:"):
        return None
    return as_command(choice.partition(":")[2])


# --------------------------------------------------------------------------- commands


def _command(turn: Turn, name: CommandName, arg: str | None) -> None:
    sess = turn.session
    if name == "forget":
        turn.forget = True
    elif name == "help":
        turn.say(turn.step.help)
        turn.say(HELP_COMMANDS)
        turn.says.append(INFO_CENTER)
        turn.notice_role = "help"
    elif name == "back":
        if not flow_of(sess).back(sess):
            turn.say(N_("This is the first question."))
    elif name == "restart":
        flow_of(sess).restart(sess)
        turn.say(N_("Let's start again."))
    elif name == "lang":
        locale = normalize_locale(arg)
        if locale is not None:
            _set_locale(turn, locale)
        else:
            tr = translator(sess.locale)
            # After the pending question, not before it: its buttons (the readings of
            # an ambiguous date, say) keep the numbers they were shown with.
            turn.after.append(
                Message(
                    text=tr.t(N_("Choose a language:")),
                    buttons=[Button(id=f"lang:{loc}", label=LOCALE_NAMES[loc]) for loc in LOCALES],
                    role="prompt",
                )
            )


def _set_locale(turn: Turn, locale: str) -> None:
    """The language: the answer of the language step, or a change at any other step."""
    if turn.step.slot == LANG_SLOT:
        _fill(turn, turn.step, locale)
    else:
        turn.session.locale = locale
        turn.say(N_("Language changed."))


# --------------------------------------------------------------------------- buttons


def _choice(turn: Turn, choice: str) -> None:
    slot, sep, value = choice[:120].partition(":")
    current = turn.step
    if not sep:
        turn.say(STALE)
    elif slot == LANG_SLOT:
        if value in LOCALES:
            _set_locale(turn, value)
        else:
            turn.say(NOT_AVAILABLE)
    elif current.group_button is not None and slot == current.group_button:
        _offer_group(turn, current, value)
    elif slot != current.slot:
        if not turn.is_new:
            turn.say(STALE)
    elif not _fill(turn, current, value):
        turn.say(NOT_AVAILABLE)


def _offer_group(turn: Turn, current: Step, group: str) -> None:
    if current.offers is None:  # pragma: no cover - a step with groups offers them
        return
    if group == "all":
        setattr(turn.session, current.offers, None)
    elif group in current.groups:
        setattr(turn.session, current.offers, list(current.groups[group]))
    else:
        turn.say(NOT_AVAILABLE)


def _fill(turn: Turn, current: Step, value: str) -> bool:
    """Store a value of the current step, then move on. False if it is not one."""
    if current.fill is None:
        return False
    done = current.fill(turn.session, value, turn.today)
    if done is None:
        return False
    if isinstance(done, Problem):
        turn.says.append(done.say)
        return True
    if isinstance(done, Filled) and done.say is not None:
        turn.says.append(done.say)
    flow_of(turn.session).advance(turn.session)
    return True


# --------------------------------------------------------------------------- typed text


def _text(turn: Turn, raw: str) -> None:
    if len(raw) > MAX_TEXT:
        turn.say(TOO_LONG, limit=MAX_TEXT)
        return
    if contains_id_number(raw):
        turn.say(ID_NUMBER)
        return
    text = normalize_text(raw)
    if not text:
        if not turn.is_new:
            turn.say(CHOOSE_OR_TYPE)
        return
    command = command_word(text)
    if command is not None:
        _command(turn, command, None)
        return
    current = turn.step
    if current.slot is None:  # the verdict: answers are complete
        if is_fragment(raw) or not _ask_faq(turn, raw, questions_only=False):
            turn.say(COMPLETE)
        return
    # A number picks a button, except where a number is the answer (a 告示 number).
    buttons = step_buttons(turn.session, current) if current.kind != "text" else ()
    picked = pick([b.id for b in buttons], text)
    if picked is not None:
        _choice(turn, picked)
        return
    if text.isdigit() and current.kind == "choice" and buttons:
        turn.say(CHOOSE_NUMBER, count=len(buttons))  # a number, but not one shown
        return
    # A valid answer fills the slot; anything else may be a question for the FAQ,
    # after which the same step is asked again (the flow does not move).
    _understood(turn, current, current.parse(raw), raw)


def _understood(turn: Turn, current: Step, parsed: Parsed, raw: str) -> None:
    """Act on what the step's parser read."""
    if isinstance(parsed, Answer):
        if not _fill(turn, current, parsed.value):
            _unsure(turn, current, raw, NOT_UNDERSTOOD, None)
    elif isinstance(parsed, Offer):
        _offer(turn, current, parsed)
    elif isinstance(parsed, Problem):
        turn.says.append(parsed.say)
    elif isinstance(parsed, Elsewhere):
        _correct(turn, parsed)
    else:
        _unsure(turn, current, raw, parsed.reprompt, parsed.then)


def _unsure(
    turn: Turn, current: Step, raw: str, reprompt: str, then: Answer | Offer | None
) -> None:
    # "I'm a student", 「留学生です」: a plain statement that names one answer is that
    # answer; a question that mentions it is still a question for the FAQ.
    if isinstance(then, Answer) and not asks(raw):
        _fill(turn, current, then.value)
        return
    if _ask_faq(turn, raw):
        return
    if isinstance(then, Answer):
        _fill(turn, current, then.value)
    elif isinstance(then, Offer):
        _offer(turn, current, then)
    elif not turn.is_new:
        turn.say(reprompt)


def _offer(turn: Turn, current: Step, offer: Offer) -> None:
    if current.offers is not None:
        setattr(turn.session, current.offers, list(offer.options))
    turn.says.append(offer.say)


def _correct(turn: Turn, elsewhere: Elsewhere) -> None:
    """An answer to an earlier step: go back to it and answer it there; the flow then
    asks again whatever that answer needs."""
    sess = turn.session
    flow = flow_of(sess)
    target = flow.by_slot[elsewhere.slot]
    if target.name not in sess.history:  # pragma: no cover - the flow asks it earlier
        return
    while sess.state != target.name and flow.back(sess):
        pass
    if _fill(turn, target, elsewhere.value):
        bid, msgid, official = target.buttons((elsewhere.option,))[0]
        name = label(translator(sess.locale), msgid, official, bid)
        turn.says.append(Say(elsewhere.confirm, {elsewhere.placeholder: name}))


# --------------------------------------------------------------------------- questions


def _ask_faq(turn: Turn, raw: str, *, questions_only: bool = True) -> bool:
    """Answer ``raw`` from the FAQ if it is a question the FAQ covers, or decline a
    question it doesn't cover. False: not treated as a question (re-prompt instead)."""
    sess = turn.session
    # Before a language is chosen, answer in the language the question is in.
    reading = detect_locale(raw) if turn.step.slot == LANG_SLOT else sess.locale
    result = search(raw, top=1, locale=reading)
    question = looks_like_question(raw)
    top = result.top
    tr = translator(reading)
    sure = top is not None and top.confidence >= SURE
    if result.answered and top is not None and (question or sure or not questions_only):
        turn.extra.extend(answer_messages(tr, result))
        turn.faq = FaqRef(id=top.entry.id, confidence=top.confidence)
        return True
    if question or not questions_only:
        declined = replace(result, hits=())
        turn.extra.extend(answer_messages(tr, declined))
        turn.faq = FaqRef(id=None, confidence=top.confidence if top else 0.0)
        return True
    return False
