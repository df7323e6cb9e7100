"""One turn of a conversation: interpret the event, move the flow, render the step.

One :class:`transitions.Machine` is built per flow, once, at import. Each turn
attaches a plain :class:`Turn` carrier holding the session, fires one trigger
and removes the carrier again. ``step()`` is pure apart from that: it takes a
session and an event and returns the new session and the reply. I/O (locking,
loading, saving) is the engine's job (:mod:`bot.engine`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any

from transitions import Machine

from bot.assess import AssessRequest, AssessResponse, assess
from bot.clock import today_in_tokyo
from bot.codes import (
    Location,
    Note,
    Procedure,
    Reason,
    RelativeCondition,
    Requirement,
    Status,
    UserType,
)
from bot.data.registry import (
    HANDOFF_LINK_ID,
    INFO_CENTER_PHONE,
    INFO_CENTER_PHONE_ALT,
    INFO_CENTER_TEXT,
    LINK_INFO,
    STATUSES,
    USER_TYPE_INFO,
)
from bot.dates import DateAmbiguous, DateInvalid, DateOK, parse_date
from bot.faq.answer import answer_messages
from bot.faq.search import detect_locale, looks_like_question, search
from bot.flows import Flow, Step
from bot.flows.guide import (
    COMMON_STATUS_CHOICES,
    GROUP_CHOICES,
    GROUP_MEMBERS,
    GUIDE,
    STEP_CHOICES,
    SYNONYMS,
    Choice,
    status_choices,
)
from bot.i18n import LOCALE_NAMES, LOCALES, Translator, normalize_locale, translator
from bot.i18n_marker import N_
from bot.models import (
    COMMANDS,
    MAX_TEXT,
    Button,
    CommandName,
    Expects,
    FaqRef,
    Incoming,
    Message,
    Reply,
    Session,
    Slots,
)
from bot.privacy import contains_id_number

# The longest a period of stay can be is 5 years; an expiry further out is a typo.
MAX_YEARS_AHEAD = 6
STATUS_SLOTS = ("status", "new_status")


# --------------------------------------------------------------------------- the machine


class Turn:
    """The plain, hashable carrier transitions attaches to for one turn."""

    state: str

    def __init__(self, session: Session) -> None:
        self.session = session


class FlowMachine(Machine):
    """A Machine whose per-turn model attachment is cheap.

    transitions attaches ``is_<state>`` helpers and probes the model for
    ``on_enter_<state>`` methods on every ``add_model``; our Turn carrier uses
    neither (flows have no state callbacks, only guards on transitions), so that
    per-state work (two thirds of ``add_model``) is skipped. Triggers are still
    attached on ``add_model``.
    """

    def _add_model_to_state(self, state: Any, model: Any) -> None:
        return None


def build_machine(flow: Flow) -> Machine:
    """The flow's one Machine; models are attached per turn."""
    return FlowMachine(
        model=None,
        states=[s.name for s in flow.steps],
        initial=flow.initial,
        transitions=flow.transitions(),
        auto_transitions=False,
        send_event=True,
        ignore_invalid_triggers=False,
    )


MACHINES: dict[str, tuple[Flow, Machine]] = {GUIDE.name: (GUIDE, build_machine(GUIDE))}


def fire(session: Session, trigger: str) -> bool:
    """Fire ``trigger`` on the session's flow; True if the state changed."""
    _flow, machine = MACHINES[session.flow]
    turn = Turn(session)
    machine.add_model(turn, initial=session.state)
    try:
        moved = bool(getattr(turn, "trigger")(trigger))  # noqa: B009 - attached by transitions
        session.state = turn.state
    finally:
        machine.remove_model(turn)
    return moved


# --------------------------------------------------------------------------- turn results


@dataclass(frozen=True, slots=True)
class Say:
    """A message to render in the turn's final locale."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Out:
    """What a turn adds before the step's prompt: messages and the FAQ it answered."""

    extra: list[Message] = field(default_factory=list)
    faq: FaqRef | None = None


@dataclass(slots=True)
class TurnResult:
    session: Session | None  # None: the user asked us to forget them
    reply: Reply


def new_session(key: str, locale_hint: str | None, flow: str = GUIDE.name) -> Session:
    """A fresh session at the flow's first step."""
    locale = normalize_locale(locale_hint) or "en"
    return Session(key=key, flow=flow, state=MACHINES[flow][0].initial, locale=locale)


# --------------------------------------------------------------------------- text matching

_SPACES = re.compile(r"\s+")
_TRIM = " \t\r\n.。!！?？、,;:：「」\"'()（）"


def normalize_text(text: str) -> str:
    """NFKC, case-folded, single spaces, surrounding punctuation trimmed."""
    norm = unicodedata.normalize("NFKC", text).casefold()
    return _SPACES.sub(" ", norm).strip(_TRIM)


_COMMAND_WORDS: dict[str, CommandName] = {
    **dict.fromkeys(("back", "/back", "戻る", "もどる", "前へ", "undo"), "back"),
    **dict.fromkeys(("restart", "/restart", "start over", "やり直し", "最初から"), "restart"),
    **dict.fromkeys(("help", "/help", "ヘルプ", "助けて", "?", "？"), "help"),
    **dict.fromkeys(("lang", "/lang", "language", "言語"), "lang"),
    **dict.fromkeys(("forget", "/forget", "forget me", "delete my data", "削除"), "forget"),
}


def _labels_index(slot: str, choices: Iterable[Choice]) -> dict[str, str]:
    """Normalized value, label (every locale) and official name → value."""
    index: dict[str, str] = {}
    for value, label, official in choices:
        index[normalize_text(value)] = value
        for loc in LOCALES:
            index[normalize_text(translator(loc).t(label))] = value
        if official:
            index[normalize_text(official)] = value
    for word, value in SYNONYMS.get(slot, {}).items():
        index[normalize_text(word)] = value
    return index


@cache
def _choice_index(slot: str) -> dict[str, str]:
    """Typed answers for a simple choice step (built once per slot)."""
    return _labels_index(slot, STEP_CHOICES[slot])


@cache
def _status_index() -> dict[str, Status]:
    """Typed status names, labels and synonyms → status (built once)."""
    idx = _labels_index("status", status_choices([s.code for s in STATUSES]))
    for info in STATUSES:
        for syn in info.synonyms:
            idx[normalize_text(syn)] = info.code.value
    return {k: Status(v) for k, v in idx.items()}


def match_status(text: str) -> list[Status]:
    """Statuses a typed name may mean: one exact match, or the partial matches."""
    norm = normalize_text(text)
    if not norm:
        return []
    index = _status_index()
    if norm in index:
        return [index[norm]]
    compact = norm.replace(" ", "")
    found: dict[Status, None] = {}
    if len(compact) >= 2:
        for key, status in index.items():
            k = key.replace(" ", "")
            if len(k) >= 2 and (compact in k or (len(k) >= 3 and k in compact)):
                found[status] = None
    return list(found)


# --------------------------------------------------------------------------- the step


def step(session: Session, event: Incoming, now: datetime, *, is_new: bool = False) -> TurnResult:
    """One turn. ``session`` is updated in place (the engine loads a fresh copy every
    turn and saves it only if the turn completes); the result holds it."""
    sess = session
    sess.turns += 1
    if event.partner and sess.partner is None:
        sess.partner = event.partner
    today = today_in_tokyo(event.now or now)
    says: list[Say] = []
    out = Out()

    command: CommandName | None = event.command
    arg = event.arg
    if command is None and event.choice is not None and event.choice.startswith("cmd:"):
        name = event.choice.partition(":")[2]
        if name in COMMANDS:
            command, arg = name, None
    if command is not None:
        result = _command(sess, command, arg, says, out.extra)
        if result is not None:
            return result
    elif event.choice is not None:
        _choice(sess, event.choice, today, says, is_new=is_new)
    elif event.text is not None:
        result = _text(sess, event.text, today, says, out, is_new=is_new)
        if result is not None:
            return result
    elif not is_new:
        says.append(Say(N_("Please choose one of the options or type an answer.")))

    if is_new and not says:
        says.insert(0, Say(GREETING))
    reply = render(sess, today, says, out.extra, now=event.now or now, faq=out.faq)
    return TurnResult(sess, reply)


GREETING = N_(
    "Hello! I help you check whether an application to the Immigration Services Agency "
    "can be filed online, and what to prepare. I explain and link; I never fill in or "
    "submit applications. Please don't send names or card, passport or My Number numbers."
)
HELP_COMMANDS = N_(
    "You can type at any time: back, restart, help, lang (change language), forget "
    "(delete my data)."
)


def _current(sess: Session) -> Step:
    return MACHINES[sess.flow][0].by_name[sess.state]


def _command(
    sess: Session, name: CommandName, arg: str | None, says: list[Say], extra: list[Message]
) -> TurnResult | None:
    if name == "forget":
        tr = translator(sess.locale)
        text = tr.t(
            N_(
                "Done: I have deleted everything stored about this conversation. Send any "
                "message to start again."
            )
        )
        return TurnResult(None, Reply(messages=[Message(text=text)], expects=None))
    if name == "help":
        says.append(Say(_current(sess).help))
        says.append(Say(HELP_COMMANDS))
        says.append(INFO_CENTER)
    elif name == "back":
        _go_back(sess, says)
    elif name == "restart":
        _restart(sess)
        says.append(Say(N_("Let's start again.")))
    elif name == "lang":
        locale = normalize_locale(arg)
        if locale is not None:
            _set_locale(sess, locale, says)
        else:
            tr = translator(sess.locale)
            extra.append(
                Message(
                    text=tr.t(N_("Choose a language:")),
                    buttons=[Button(id=f"lang:{loc}", label=LOCALE_NAMES[loc]) for loc in LOCALES],
                )
            )
    return None


def _go_back(sess: Session, says: list[Say]) -> None:
    if not sess.history:
        says.append(Say(N_("This is the first question.")))
        return
    flow = MACHINES[sess.flow][0]
    if not fire(sess, "back"):  # history and flow disagree: a stale row; recover
        sess.state = sess.history[-1]
    sess.history.pop()
    _clear_from(sess, flow, sess.state)


def _clear_from(sess: Session, flow: Flow, state: str) -> None:
    names = [s.name for s in flow.steps]
    values = sess.slots.model_dump()
    for s in flow.steps[names.index(state) :]:
        for slot in (s.slot, *s.clears):
            if slot in values and slot != "lang":
                values[slot] = Slots.model_fields[slot].default
    sess.slots = Slots.model_validate(values)
    sess.pending_dates = []
    sess.status_filter = None


def _restart(sess: Session) -> None:
    fire(sess, "restart")
    sess.slots = Slots()
    sess.history = []
    sess.pending_dates = []
    sess.status_filter = None


def _set_locale(sess: Session, locale: str, says: list[Say]) -> None:
    sess.locale = locale
    if sess.state == "ask_lang":
        _advance(sess)
    else:
        says.append(Say(N_("Language changed.")))


def _advance(sess: Session) -> None:
    sess.history.append(sess.state)
    sess.pending_dates = []
    sess.status_filter = None
    if not fire(sess, "next"):  # pragma: no cover - validate() guarantees a terminal step
        sess.history.pop()


def _choice(sess: Session, choice: str, today: date, says: list[Say], *, is_new: bool) -> None:
    slot, sep, value = choice[:120].partition(":")
    current = _current(sess)
    if not sep:
        says.append(Say(STALE))
        return
    if slot == "lang":
        if value in LOCALES:
            _set_locale(sess, value, says)
        else:
            says.append(Say(NOT_AVAILABLE))
        return
    if slot == "status_group" and current.slot in STATUS_SLOTS:
        if value == "all":
            sess.status_filter = None
        elif value in GROUP_MEMBERS:
            sess.status_filter = list(GROUP_MEMBERS[value])
        else:
            says.append(Say(NOT_AVAILABLE))
        return
    if slot != current.slot:
        if not is_new:
            says.append(Say(STALE))
        return
    if slot == "expiry":
        try:
            picked = date.fromisoformat(value)
        except ValueError:
            says.append(Say(NOT_AVAILABLE))
            return
        _fill_date(sess, picked, today, says)
        return
    if not _fill(sess, slot, value):
        says.append(Say(NOT_AVAILABLE))


STALE = N_("That button belongs to an earlier question. Here is the current one.")
NOT_AVAILABLE = N_("That choice is not available here. Please choose one of these.")
INFO_CENTER = Say(
    INFO_CENTER_TEXT, {"phone": INFO_CENTER_PHONE, "phone_alt": INFO_CENTER_PHONE_ALT}
)


def _fill(sess: Session, slot: str, value: str) -> bool:
    """Validate and store a slot value, then move on. False if the value is invalid."""
    s = sess.slots
    try:
        if slot == "user_type":
            s.user_type = UserType(value)
        elif slot == "relative_condition":
            s.relative_condition = RelativeCondition(value)
        elif slot == "procedure":
            s.procedure = Procedure(value)
        elif slot == "with_procedure":
            if value == "none":
                s.with_procedure, s.main_declined = None, True
            else:
                main = Procedure(value)
                if main not in (
                    Procedure.CHANGE_OF_STATUS,
                    Procedure.EXTENSION,
                    Procedure.ACQUISITION,
                ):
                    return False
                s.with_procedure, s.main_declined = main, False
        elif slot in STATUS_SLOTS:
            setattr(s, slot, Status(value))
        elif slot == "has_my_number_card":
            if value not in ("yes", "no", "unknown"):
                return False
            s.has_my_number_card = {"yes": True, "no": False}.get(value)
        elif slot == "location":
            s.location = Location(value)
        else:
            return False
    except ValueError:
        return False
    _advance(sess)
    return True


def _fill_date(sess: Session, value: date, today: date, says: list[Say]) -> None:
    limit = date(today.year + MAX_YEARS_AHEAD, 1, 1)
    if value >= limit:
        says.append(
            Say(
                N_(
                    "{date} is too far ahead: a period of stay is at most 5 years. Please "
                    "check the date on the residence card."
                ),
                {"date": value},
            )
        )
        return
    sess.slots.expiry = value
    says.append(Say(N_("Expiry date: {date}."), {"date": value}))
    _advance(sess)


_INVALID_DATE: dict[str, str] = {
    "month_out_of_range": N_("There is no month {month}. Please check the date."),
    "day_out_of_range": N_(
        "That date does not exist: month {month} of {year} has {max_day} days. Please "
        "check the date."
    ),
    "year_out_of_range": N_("The year {year} cannot be right. Please check the date."),
    "era_out_of_range": N_("That date is outside the {era} era. Please check the date."),
    "two_digit_year": N_("Please write the year in full, for example 2027-01-15."),
}


def _text(
    sess: Session,
    raw: str,
    today: date,
    says: list[Say],
    out: Out,
    *,
    is_new: bool,
) -> TurnResult | None:
    if len(raw) > MAX_TEXT:
        says.append(
            Say(
                N_(
                    "That message is too long for me (over {limit} characters). Please send a "
                    "short answer."
                ),
                {"limit": MAX_TEXT},
            )
        )
        return None
    if contains_id_number(raw):
        says.append(
            Say(
                N_(
                    "That looks like a card, passport or My Number number. I have not kept "
                    "it, and I never need it: please don't send such numbers."
                )
            )
        )
        return None
    text = normalize_text(raw)
    if not text:
        if not is_new:
            says.append(Say(N_("Please choose one of the options or type an answer.")))
        return None
    command = _COMMAND_WORDS.get(text)
    if command is not None:
        return _command(sess, command, None, says, out.extra)
    if text.startswith("/start"):
        if not is_new:
            _restart(sess)
            says.append(Say(N_("Let's start again.")))
        return None
    current = _current(sess)
    slot = current.slot
    buttons = _current_buttons(sess, current) if slot is not None else ()
    if text.isdigit() and buttons and 1 <= int(text) <= len(buttons):
        _choice(sess, buttons[int(text) - 1].id, today, says, is_new=False)
        return None
    # A valid answer fills the slot; anything else may be a question for the FAQ,
    # after which the same step is asked again (the flow does not move).
    if slot is None:  # the verdict: answers are complete
        if not _ask_faq(sess, raw, out, questions_only=False):
            says.append(Say(N_("Your answers are complete. Choose Start over or Back.")))
        return None
    if slot == "lang":
        locale = _choice_index("lang").get(text) or normalize_locale(text)
        if locale:
            _set_locale(sess, locale, says)
        elif not _ask_faq(sess, raw, out) and not is_new:
            says.append(Say(NOT_UNDERSTOOD))
        return None
    if slot == "expiry":
        _text_date(sess, raw, today, says, out)
        return None
    if slot in STATUS_SLOTS:
        _text_status(sess, slot, raw, says, out)
        return None
    value = _choice_index(slot).get(text)
    if value is not None and _fill(sess, slot, value):
        return None
    if not _ask_faq(sess, raw, out):
        says.append(Say(NOT_UNDERSTOOD))
    return None


def _ask_faq(
    sess: Session,
    raw: str,
    out: Out,
    *,
    questions_only: bool = True,
) -> bool:
    """Answer ``raw`` from the FAQ if it is a question the FAQ covers, or decline a
    question it doesn't cover. False: not treated as a question (re-prompt instead)."""
    # Before a language is chosen, answer in the language the question is in.
    reading = detect_locale(raw) if sess.state == "ask_lang" else sess.locale
    result = search(raw, top=1, locale=reading)
    question = looks_like_question(raw)
    top = result.top
    tr = translator(reading)
    sure = top is not None and top.confidence >= SURE
    if result.answered and top is not None and (question or sure or not questions_only):
        out.extra.extend(answer_messages(tr, result))
        out.faq = FaqRef(id=top.entry.id, confidence=top.confidence)
        return True
    if question or not questions_only:
        declined = replace(result, hits=())
        out.extra.extend(answer_messages(tr, declined))
        out.faq = FaqRef(id=None, confidence=top.confidence if top else 0.0)
        return True
    return False


# Without a question mark or question words, text is taken for a question only when
# the FAQ is this sure; otherwise it is a wrong answer and gets the re-prompt.
SURE = 0.8


def _text_status(sess: Session, slot: str, raw: str, says: list[Say], out: Out) -> None:
    text = normalize_text(raw)
    exact = _status_index().get(text)
    if exact is not None:
        _fill(sess, slot, exact.value)
        return
    if _ask_faq(sess, raw, out):
        return
    matches = match_status(text)
    if len(matches) == 1:
        _fill(sess, slot, matches[0].value)
    elif matches:
        sess.status_filter = matches[:12]
        says.append(Say(N_("Did you mean one of these?")))
    else:
        says.append(Say(N_("I don't know that status of residence. Please choose from the list.")))


NOT_UNDERSTOOD = N_("Sorry, I didn't understand. Please choose one of these.")


def _text_date(
    sess: Session,
    raw: str,
    today: date,
    says: list[Say],
    out: Out,
) -> None:
    result = parse_date(raw)
    if isinstance(result, DateOK):
        _fill_date(sess, result.value, today, says)
    elif isinstance(result, DateAmbiguous):
        sess.pending_dates = list(result.options)
        first, second = result.options
        says.append(Say(N_("Which date do you mean: {a} or {b}?"), {"a": first, "b": second}))
    elif isinstance(result, DateInvalid):
        says.append(Say(_INVALID_DATE[result.reason], dict(result.params)))
    elif (status := _status_index().get(normalize_text(raw))) is not None:
        # A status typed at the date step is an answer too: a correction of the
        # status question. Go back to it and answer it; the flow then asks again
        # whatever that status needs (the date, or nothing for a permanent resident).
        _correct_status(sess, status, says)
    elif not _ask_faq(sess, raw, out):
        says.append(
            Say(
                N_(
                    "I couldn't read that as a date. Please type it like 2027-01-15, "
                    "15 January 2027 or 2027年1月15日."
                )
            )
        )


def _correct_status(sess: Session, status: Status, says: list[Say]) -> None:
    if "ask_status" not in sess.history:  # pragma: no cover - the date step follows it
        return
    while sess.state != "ask_status" and sess.history:
        _go_back(sess, says)
    if _fill(sess, "status", status.value):
        [(value, label, official)] = status_choices([status])
        name = _label(translator(sess.locale), label, official, f"status:{value}")
        says.append(Say(N_("Status of residence changed to: {status}."), {"status": name}))


# --------------------------------------------------------------------------- rendering


def _step_buttons(
    slot: str | None,
    status_filter: tuple[Status, ...] | None,
    pending_dates: tuple[date, ...],
) -> list[tuple[str, str, str | None]]:
    """(button id, label msgid, official Japanese) for a step."""
    if slot is None:
        return []
    if slot in STATUS_SLOTS:
        if status_filter:
            rows = [(f"{slot}:{v}", label, off) for v, label, off in status_choices(status_filter)]
            return [*rows, ("status_group:all", N_("◀ All groups"), None)]
        rows = [(f"{slot}:{v}", label, off) for v, label, off in COMMON_STATUS_CHOICES]
        groups = [
            (f"status_group:{g}", N_("More: {group}"), label) for g, label, _ in GROUP_CHOICES
        ]
        return rows + groups
    if slot == "expiry":
        return [(f"expiry:{d.isoformat()}", "", None) for d in pending_dates]
    return [(f"{slot}:{v}", label, off) for v, label, off in STEP_CHOICES[slot]]


@lru_cache(maxsize=1024)
def _buttons(
    locale: str,
    slot: str | None,
    status_filter: tuple[Status, ...] | None,
    pending_dates: tuple[date, ...],
) -> tuple[Button, ...]:
    """A step's buttons in a locale: deterministic, so built once and shared (frozen)."""
    tr = translator(locale)
    return tuple(
        Button(id=bid, label=_label(tr, msgid, off, bid))
        for bid, msgid, off in _step_buttons(slot, status_filter, pending_dates)
    )


def _current_buttons(sess: Session, current: Step) -> tuple[Button, ...]:
    """The buttons the session's current step shows (render and number picks use these)."""
    return _buttons(
        sess.locale,
        current.slot,
        tuple(sess.status_filter) if sess.status_filter else None,
        tuple(sess.pending_dates),
    )


def _label(tr: Translator, msgid: str, official: str | None, bid: str) -> str:
    if bid.startswith("expiry:"):
        return tr.date(date.fromisoformat(bid.partition(":")[2]))
    if bid.startswith("status_group:") and official is not None:
        return tr.t(msgid, group=tr.t(official))
    text = tr.t(msgid)
    if official and tr.locale != "ja":
        return f"{text} ({official})"
    return text


def _fmt(tr: Translator, say: Say) -> str:
    params = {k: tr.date(v) if isinstance(v, date) else v for k, v in say.params.items()}
    return tr.t(say.msgid, **params)


def render(
    sess: Session,
    today: date,
    says: list[Say],
    extra: list[Message],
    *,
    now: datetime,
    faq: FaqRef | None = None,
) -> Reply:
    """The reply for the session's current step, with this turn's notices first.

    After an FAQ answer the step is asked again; at the verdict only its last
    message (the hand-off, with its buttons) is repeated, not the whole verdict."""
    tr = translator(sess.locale)
    current = _current(sess)
    messages = list(extra)
    notice = "\n".join(_fmt(tr, s) for s in says)
    if current.slot is None:
        verdict = _assess_session(sess, now)
        body = verdict_messages(tr, sess, verdict)
        if notice:
            messages.append(Message(text=notice))
        messages += body[-1:] if faq is not None else body
        return Reply(
            messages=messages,
            expects=None,
            verdict=verdict,
            state=sess.state,
            locale=sess.locale,
            faq=faq,
        )
    prompt_text = _prompt(tr, sess, current)
    buttons = list(_current_buttons(sess, current))
    text = f"{notice}\n\n{prompt_text}" if notice else prompt_text
    messages.append(Message(text=text, buttons=buttons))
    return Reply(
        messages=messages,
        expects=Expects(slot=current.slot, kind=current.kind),
        state=sess.state,
        locale=sess.locale,
        faq=faq,
    )


def _prompt(tr: Translator, sess: Session, current: Step) -> str:
    if current.name == "ask_status" and sess.slots.procedure in (
        Procedure.CERTIFICATE_OF_ELIGIBILITY,
        Procedure.ACQUISITION,
    ):
        return tr.t(N_("Which status of residence is applied for? Choose or type its name."))
    if current.name == "ask_expiry" and sess.pending_dates:
        return tr.t(N_("Please choose the date you mean."))
    return tr.t(current.prompt)


def assess_request(sess: Session, now: datetime) -> AssessRequest:
    """The assess request the collected answers amount to."""
    s = sess.slots
    if s.user_type is None or s.procedure is None or s.status is None:
        msg = "the verdict needs user_type, procedure and status"
        raise ValueError(msg)
    return AssessRequest(
        user_type=s.user_type,
        procedure=s.procedure,
        with_procedure=s.with_procedure,
        status=s.status,
        new_status=s.new_status,
        expiry=s.expiry,
        filer_in_japan=s.location is not Location.ABROAD,
        foreign_ip=s.location is Location.JAPAN_FOREIGN_NETWORK,
        applicant_under_16=(
            s.relative_condition is RelativeCondition.UNDER_16 if s.relative_condition else None
        ),
        applicant_unable=(
            s.relative_condition is RelativeCondition.UNABLE if s.relative_condition else None
        ),
        has_my_number_card=s.has_my_number_card,
        now=now,
        lang=sess.locale,
    )


def _assess_session(sess: Session, now: datetime) -> AssessResponse:
    return assess(assess_request(sess, now), now=now)


REASON_TEXT: dict[Reason, str] = {
    Reason.ABROAD: N_(
        "You are outside Japan: the online system cannot be used from abroad. Someone in "
        "Japan who may file (an employer, a lawyer or gyoseishoshi) can file some "
        "applications, such as a Certificate of Eligibility."
    ),
    Reason.FOREIGN_IP: N_(
        "The system refuses foreign IP addresses, even inside Japan. Turn off any VPN or "
        "proxy and use a Japanese internet connection."
    ),
    Reason.STATUS_EXCLUDED: N_(
        "Diplomat, Temporary Visitor and Designated Activities (preparation for departure) "
        "are outside the online system, whether held or applied for. Apply at a regional "
        "immigration office."
    ),
    Reason.PROCEDURE_NOT_ONLINE: N_(
        "This procedure is not available online. Apply at the regional immigration office "
        "for your address."
    ),
    Reason.NEEDS_MAIN_APPLICATION: N_(
        "Re-entry permission and permission for activity other than status can be filed "
        "online only together with a change of status, an extension or an acquisition. On "
        "its own, apply at a regional immigration office."
    ),
    Reason.EXPIRY_TODAY: N_(
        "Today ({today}) is the last day of the period of stay. Online filing is not "
        "possible today: go to the nearest regional immigration office today, during its "
        "opening hours."
    ),
    Reason.EXPIRED: N_(
        "The period of stay ended on {expiry}. Do not file online: contact the regional "
        "immigration office at once. Staying past the expiry without an application is "
        "overstaying."
    ),
    Reason.WINDOW_NOT_OPEN: N_(
        "It is too early: an extension can be filed from about 3 months before expiry, so "
        "from {opens_on}. With a special reason (a hospital stay, a long business trip), ask "
        "the office first."
    ),
    Reason.RELATIVE_CONDITION_NOT_MET: N_(
        "A relative may file only if the applicant is under 16 or cannot apply because of "
        "illness or another reason. The applicant can file themselves, or an employer, "
        "lawyer or gyoseishoshi can."
    ),
    Reason.SELF_FILER_INELIGIBLE: N_(
        "A foreign national may file for themselves only as a mid- to long-term resident "
        "aged 15 or over, and not with the status Official. A legal representative, lawyer "
        "or gyoseishoshi can file instead."
    ),
    Reason.MY_NUMBER_CARD_REQUIRED: N_(
        "Filing online needs the filer's own valid My Number Card with its electronic "
        "certificates. Get or renew it at the city office, or have an employer, lawyer or "
        "gyoseishoshi file."
    ),
    Reason.NO_PERIOD_OF_STAY: N_(
        "This status has no period of stay, so there is nothing to extend."
    ),
    Reason.USER_TYPE_NOT_ALLOWED: N_(
        "This kind of user may not file this application online. See the ISA table of which "
        "user may file which procedure, or ask an employer, lawyer or gyoseishoshi."
    ),
}

REQUIREMENT_TEXT: dict[Requirement, str] = {
    Requirement.USER_REGISTRATION: N_(
        "User registration (利用者情報登録) in the online system before the first filing."
    ),
    Requirement.MY_NUMBER_CARD: N_(
        "A valid My Number Card with its electronic certificates, and a card reader or a "
        "phone that can read it."
    ),
    Requirement.USE_APPLICATION: N_(
        "An approved use application (利用申出) by the organisation to the regional bureau "
        "for its location."
    ),
    Requirement.AGENT_APPROVAL: N_(
        "Approval as an application agent (申請等取次者), or meeting its requirements."
    ),
    Requirement.NOTIFICATION_CERTIFICATE: N_(
        "The notification certificate (届出済証明書) with the 12-digit agent certificate "
        "number, from your bar or gyoseishoshi association."
    ),
    Requirement.REQUEST_FROM_RECEIVING_ORG: N_(
        "A request to file from the employer or school that accepts the foreign national."
    ),
}

NOTE_TEXT: dict[Note, str] = {
    Note.EMPLOYER_CATEGORY_UNKNOWN: N_(
        "The documents depend on the employer's category (1 to 4), which only the employer "
        "knows, so this list is the longest one (categories 3 and 4). Ask HR which category "
        "applies: categories 1 and 2 need fewer documents."
    ),
    Note.STATUS_SCOPE_LIMITS: N_(
        "Some statuses have limits on online filing (for example by employer type or notice "
        "number). Check the ISA scope PDF, or ask the information centre."
    ),
    Note.DESIGNATED_ACTIVITIES_NOTICE_NUMBER: N_(
        "For Designated Activities, what applies depends on the notice number (告示) on the "
        "designation paper (指定書)."
    ),
    Note.TECHNICAL_INTERN_SUPERVISING_ORG_ONLY: N_(
        "For Technical Intern Training of the supervising-organisation type, only the "
        "supervising organisation's (監理団体) staff may file, not the implementing company."
    ),
    Note.TECHNICAL_INTERN_ENDS_2027: N_(
        "Technical Intern Training is being replaced by Employment for Skill Development "
        "(育成就労) from 2027-04-01 (third-party reports citing ISA)."
    ),
    Note.SUPPORT_ORG_SSW_ONLY: N_(
        "Registered support organisations file only for Specified Skilled Workers whose "
        "employer entrusted them with the support plan."
    ),
    Note.RELATIVE_COE_STATUS_LIST: N_(
        "A relative may file a Certificate of Eligibility only for some statuses (for "
        "example Student, Dependent, Spouse or Child of Japanese National). Our reading of "
        "the ISA list may be incomplete: check the ISA PDF."
    ),
    Note.MY_NUMBER_CARD_EXPIRES_WITH_STAY: N_(
        "A foreign resident's My Number Card usually expires with the period of stay and "
        "is not extended automatically: extend it at the city office, or you cannot log in."
    ),
    Note.SHORT_STAY_WINDOW_UNVERIFIED: N_(
        "The 3-month rule is for periods of stay of 6 months or more. For shorter stays ISA "
        "gives no start date beyond 'before expiry': ask the office or a gyoseishoshi."
    ),
    Note.FILE_BY_PREVIOUS_BUSINESS_DAY: N_(
        "The expiry date falls on a weekend: file online well before it. The counter "
        "deadline may move to the next business day (third-party sources)."
    ),
    Note.SPECIAL_PERIOD: N_(
        "If you file before expiry and there is no decision by then, you may stay until the "
        "decision or 2 months after expiry, whichever is earlier (special period)."
    ),
    Note.PR_NO_SPECIAL_PERIOD: N_(
        "A permanent residence application gives no special period: keep renewing your "
        "current status while it is pending."
    ),
    Note.FEES_MAY_CHANGE: N_(
        "Fees are those for applications received from 2025-04-01. A 2026 law allows higher "
        "fees from a date set by cabinet order, by 2027-03-31 at the latest."
    ),
    Note.SELF_FILER_AGE_15: N_(
        "Filing for yourself needs a mid- to long-term resident aged 15 or over; a period "
        "of stay of 3 months or less cannot use the system."
    ),
    Note.PASSPORT_STICKER_COUNTER: N_(
        "Anyone who must have a sticker put in the passport is asked to come to the counter."
    ),
    Note.NO_PERIOD_OF_STAY_CARD_VALIDITY: N_(
        "Permanent Residents and Highly Skilled Professionals (ii) have no period of stay, "
        "but the residence card has its own validity date. Renewing the card is done at the "
        "counter, not online."
    ),
    Note.ACQUISITION_30_DAYS: N_(
        "An acquisition must be filed within 30 days of birth or of losing Japanese "
        "nationality (third-party sources)."
    ),
}


def verdict_messages(tr: Translator, sess: Session, v: AssessResponse) -> list[Message]:
    """The verdict as 3–4 messages: answer, what you need, checklist, hand-off."""
    lines = [
        tr.t(N_("Yes: this can be filed online now."))
        if v.online
        else tr.t(N_("No: this cannot be filed online now."))
    ]
    expiry = sess.slots.expiry
    for reason in v.reasons:
        params: dict[str, Any] = {"today": v.today, "expiry": expiry, "opens_on": v.opens_on}
        lines.append("• " + _fmt(tr, Say(REASON_TEXT[reason], params)))
    if v.last_online_day and v.last_online_day >= v.today:
        lines.append(tr.t(N_("Last day to file online: {date}."), date=tr.date(v.last_online_day)))
    if v.opens_on and v.opens_on > v.today:
        lines.append(tr.t(N_("Online filing opens on: {date}."), date=tr.date(v.opens_on)))
    messages = [Message(text="\n".join(lines))]

    need = [tr.t(N_("Before the first online filing, the filer needs:"))]
    need += ["• " + tr.t(REQUIREMENT_TEXT[r]) for r in v.requirements]
    if v.notes:
        need.append("")
        need.append(tr.t(N_("Good to know:")))
        need += ["• " + tr.t(NOTE_TEXT[n]) for n in v.notes]
    need.append("")
    need.append(_fmt(tr, INFO_CENTER))
    messages.append(Message(text="\n".join(need)))

    if v.checklist:
        items = [tr.t(N_("What to prepare (as of {date}):"), date=tr.date(v.as_of))]
        items += ["• " + item.text for item in v.checklist]
        messages.append(Message(text="\n".join(items)))

    handoff = LINK_INFO[HANDOFF_LINK_ID]
    user_label = tr.t(USER_TYPE_INFO[sess.slots.user_type].label) if sess.slots.user_type else ""
    hand = [
        tr.t(
            N_("Official page, with the login button of the online system: {url}"),
            url=handoff.url,
        ),
        tr.t(
            N_(
                "This guide explains and links. It never fills in or submits an application: "
                "that is done by the person, their employer, or a lawyer or gyoseishoshi."
            )
        ),
        tr.t(
            N_("Answered for: {user}. Information as of {date}."),
            user=user_label,
            date=tr.date(v.as_of),
        ),
    ]
    messages.append(
        Message(
            text="\n".join(hand),
            buttons=[
                Button(id=f"link:{handoff.id}", label=tr.t(handoff.label), url=handoff.url),
                Button(id="cmd:back", label=tr.t(N_("Back"))),
                Button(id="cmd:restart", label=tr.t(N_("Start over"))),
            ],
        )
    )
    return messages
