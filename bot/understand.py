"""Understanding typed input: normalisation, command words, numbered picks, and one
parser per kind of answer (a language, a choice, a status of residence, a date).

Parsers are pure: they read text and say what it means (:mod:`bot.flows` outcomes);
the turn (:mod:`bot.conversation`) decides what to do with that. Each step of a flow
gets its parser from here, built from the step's own data (its choices and the words
people type instead), so a new question needs no new code in the turn.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache

from bot.codes import Status
from bot.data.registry import STATUS_INFO, STATUSES
from bot.dates import DateAmbiguous, DateInvalid, DateOK, parse_date
from bot.flows import Answer, Choice, Elsewhere, Offer, Parsed, Parser, Problem, Say, Unsure
from bot.i18n import LOCALES, normalize_locale, translator
from bot.i18n_marker import N_
from bot.models import COMMANDS, CommandName

NOT_UNDERSTOOD = N_("Sorry, I didn't understand. Please choose one of these.")

_SPACES = re.compile(r"\s+")
_TRIM = " \t\r\n.。!！?？、,;:：「」\"'()（）"


def normalize_text(text: str) -> str:
    """NFKC, case-folded, single spaces, surrounding punctuation trimmed."""
    norm = unicodedata.normalize("NFKC", text).casefold()
    return _SPACES.sub(" ", norm).strip(_TRIM)


# --------------------------------------------------------------------------- commands

COMMAND_WORDS: dict[str, CommandName] = {
    **dict.fromkeys(("back", "/back", "戻る", "もどる", "前へ", "undo"), "back"),
    **dict.fromkeys(("restart", "/restart", "start over", "やり直し", "最初から"), "restart"),
    **dict.fromkeys(("help", "/help", "ヘルプ", "助けて", "?", "？"), "help"),
    **dict.fromkeys(("lang", "/lang", "language", "言語"), "lang"),
    **dict.fromkeys(("forget", "/forget", "forget me", "delete my data", "削除"), "forget"),
}


def command_word(normalized: str) -> CommandName | None:
    """A typed command word (``back``, ``戻る``, ``/help`` ...) in normalised text."""
    return COMMAND_WORDS.get(normalized)


def slash_command(text: str) -> tuple[str, str] | None:
    """``/lang ja`` or ``/lang@my_bot ja`` → ("lang", "ja"); None if not a slash command.
    The name is lower-cased; it may be one the engine does not know (``start``)."""
    if not text.startswith("/"):
        return None
    head, _, arg = text[1:].partition(" ")
    name = head.split("@", 1)[0].lower()
    return name, arg.strip()


def as_command(name: str) -> CommandName | None:
    """``name`` if it is one of the engine's commands."""
    for command in COMMANDS:
        if command == name:
            return command
    return None


def pick(button_ids: Sequence[str], text: str) -> str | None:
    """A typed number (``2``) picks the button shown with that number (1-based)."""
    stripped = text.strip()
    if stripped.isdigit() and 1 <= int(stripped) <= len(button_ids):
        return button_ids[int(stripped) - 1]
    return None


# --------------------------------------------------------------------------- label indexes


def labels_index(choices: Iterable[Choice], synonyms: Mapping[str, str]) -> dict[str, str]:
    """Normalised value, label (in every locale), official name and synonyms → value."""
    index: dict[str, str] = {}
    for value, label, official in choices:
        index[normalize_text(value)] = value
        for loc in LOCALES:
            index[normalize_text(translator(loc).t(label))] = value
        if official:
            index[normalize_text(official)] = value
    for word, value in synonyms.items():
        index[normalize_text(word)] = value
    return index


def status_choices(statuses: Iterable[Status]) -> list[Choice]:
    return [(s.value, STATUS_INFO[s].label, STATUS_INFO[s].official_ja) for s in statuses]


@cache
def status_index() -> dict[str, Status]:
    """Typed status names, labels and synonyms → status (built once)."""
    idx = labels_index(status_choices([s.code for s in STATUSES]), {})
    for info in STATUSES:
        for syn in info.synonyms:
            idx[normalize_text(syn)] = info.code.value
    return {k: Status(v) for k, v in idx.items()}


def match_status(text: str) -> list[Status]:
    """Statuses a typed name may mean: one exact match, or the partial matches."""
    norm = normalize_text(text)
    if not norm:
        return []
    index = status_index()
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


# --------------------------------------------------------------------------- parsers


def choice_parser(choices: Iterable[Choice], synonyms: Mapping[str, str]) -> Parser:
    """A choice step: a label, value, official name or synonym (any locale)."""
    items = tuple(choices)
    built: Callable[[], dict[str, str]] = cache(lambda: labels_index(items, synonyms))

    def parse(text: str) -> Parsed:
        value = built().get(normalize_text(text))
        return Answer(value) if value is not None else Unsure(NOT_UNDERSTOOD)

    return parse


def language_parser(choices: Iterable[Choice], synonyms: Mapping[str, str]) -> Parser:
    """The language step: a language's name (in any script) or a language tag."""
    by_label = choice_parser(choices, synonyms)

    def parse(text: str) -> Parsed:
        found = by_label(text)
        if isinstance(found, Answer):
            return found
        locale = normalize_locale(normalize_text(text))
        return Answer(locale) if locale else found

    return parse


STATUS_UNKNOWN = N_("I don't know that status of residence. Please choose from the list.")
DID_YOU_MEAN = N_("Did you mean one of these?")
# At most this many partial matches are offered as buttons.
MAX_OFFERED = 12


def parse_status(text: str) -> Parsed:
    """A status of residence: an exact name is an answer; partial matches come after
    the FAQ has had its chance (a question mentioning a status is still a question)."""
    exact = status_index().get(normalize_text(text))
    if exact is not None:
        return Answer(exact.value)
    matches = match_status(text)
    then: Answer | Offer | None = None
    if len(matches) == 1:
        then = Answer(matches[0].value)
    elif matches:
        then = Offer(tuple(matches[:MAX_OFFERED]), Say(DID_YOU_MEAN))
    return Unsure(STATUS_UNKNOWN, then)


INVALID_DATE: dict[str, str] = {
    "month_out_of_range": N_("There is no month {month}. Please check the date."),
    "day_out_of_range": N_(
        "That date does not exist: month {month} of {year} has {max_day} days. Please "
        "check the date."
    ),
    "year_out_of_range": N_("The year {year} cannot be right. Please check the date."),
    "era_out_of_range": N_("That date is outside the {era} era. Please check the date."),
    "two_digit_year": N_("Please write the year in full, for example 2027-01-15."),
}
NOT_A_DATE = N_(
    "I couldn't read that as a date. Please type it like 2027-01-15, "
    "15 January 2027 or 2027年1月15日."
)
WHICH_DATE = N_("Which date do you mean: {a} or {b}?")
STATUS_CHANGED = N_("Status of residence changed to: {status}.")


def date_parser(correction_slot: str) -> Parser:
    """A date. A status name typed at a date step is an answer too: a correction of
    the status (``correction_slot``) asked earlier."""

    def parse(text: str) -> Parsed:
        result = parse_date(text)
        if isinstance(result, DateOK):
            return Answer(result.value.isoformat())
        if isinstance(result, DateAmbiguous):
            first, second = result.options
            return Offer(tuple(result.options), Say(WHICH_DATE, {"a": first, "b": second}))
        if isinstance(result, DateInvalid):
            return Problem(Say(INVALID_DATE[result.reason], dict(result.params)))
        status = status_index().get(normalize_text(text))
        if status is not None:
            return Elsewhere(correction_slot, status.value, status, STATUS_CHANGED, "status")
        return Unsure(NOT_A_DATE)

    return parse


NOT_A_NOTICE = N_(
    "Please type the public notice (告示) number on the designation paper, for example 46 or "
    "33の2, or choose one of these."
)
_NOTICE = re.compile(r"^(?:第)?\s*([1-9][0-9]?)\s*(?:(?:の|-|‐|no\.?)\s*([2-9]))?\s*(?:号)?$")


def notice_parser(choices: Iterable[Choice], synonyms: Mapping[str, str]) -> Parser:
    """A 告示 number as people write it (``46``, ``46号``, ``第46号``, ``33の2``, ``33-2``,
    full-width digits), or one of the step's choices (告示外, not sure)."""
    by_label = choice_parser(choices, synonyms)

    def parse(text: str) -> Parsed:
        found = by_label(text)
        if isinstance(found, Answer):
            return found
        norm = normalize_text(text).removeprefix("告示").strip()
        match = _NOTICE.match(norm)
        if match is None:
            return Unsure(NOT_A_NOTICE)
        number, sub = match.groups()
        return Answer(f"{number}の{sub}" if sub else number)

    return parse
