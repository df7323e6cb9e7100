"""Telegram rendering: a channel-neutral :class:`~bot.models.Reply` as Bot API messages.

Pure functions with no Telegram library import, shared by the python-telegram-bot
application and the aiogram router:

* text is escaped for ``parse_mode=HTML`` and split under the 4,096-character limit;
* buttons become an inline keyboard; ``callback_data`` is the button id (at most 64
  bytes, checked), link buttons become URL buttons;
* the date step gets an inline calendar (month paging within sensible years) beside
  typed input; a day press sends the same ``expiry:YYYY-MM-DD`` id the engine accepts
  from every channel, and paging (``cal:YYYY-MM``) is handled by the channel alone;
* ``/start`` deep-link payloads (``ja_p-acme``) give a language and a partner code.
"""

from __future__ import annotations

import calendar
import html
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache, partial
from typing import Any

from babel.dates import format_skeleton

from bot.i18n import LOCALES, babel_name, translator
from bot.i18n_marker import N_
from bot.models import PARTNER_CODE, Button, Message, Reply

TEXT_LIMIT = 4096
CALLBACK_LIMIT = 64
SHORT_LABEL = 18  # labels up to this long sit two to a row
GROUP_JOIN = "\n\n"
CAL_PREFIX = "cal:"
CAL_IGNORE = "cal:-"
# Expiry dates further ahead than this are typos (a period of stay is at most 5 years).
CAL_YEARS_AHEAD = 6
PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
PARTNER = re.compile(PARTNER_CODE)
# Beside a verdict card's date that is today, or already past.
TODAY_MARK = N_("today")
PAST_MARK = N_("passed")


@dataclass(frozen=True, slots=True)
class OutMessage:
    """One ``sendMessage`` call: HTML text and an optional inline keyboard."""

    text: str
    reply_markup: dict[str, Any] | None = None


class CallbackTooLong(ValueError):
    """A button id does not fit Telegram's 64-byte callback_data."""


def _button(button: Button) -> dict[str, str]:
    if button.url:
        return {"text": button.label, "url": button.url}
    if len(button.id.encode("utf-8")) > CALLBACK_LIMIT:
        msg = f"button id {button.id!r} is over {CALLBACK_LIMIT} bytes"
        raise CallbackTooLong(msg)
    return {"text": button.label, "callback_data": button.id}


def keyboard(buttons: list[Button]) -> dict[str, Any] | None:
    """An inline keyboard: short labels two to a row, long ones alone.

    Cached per button list (the engine's buttons are frozen): the result is shared, so
    callers must not change it."""
    return _keyboard(tuple(buttons)) if buttons else None


@lru_cache(maxsize=2048)
def _keyboard(buttons: tuple[Button, ...]) -> dict[str, Any]:
    rows: list[list[dict[str, str]]] = []
    pair: list[dict[str, str]] = []
    for button in buttons:
        cell = _button(button)
        if len(button.label) <= SHORT_LABEL and not button.url:
            pair.append(cell)
            if len(pair) == 2:
                rows.append(pair)
                pair = []
            continue
        if pair:
            rows.append(pair)
            pair = []
        rows.append([cell])
    if pair:
        rows.append(pair)
    return {"inline_keyboard": rows}


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split at line breaks (or hard, for one huge line) so every part fits ``limit``."""
    parts: list[str] = []
    current = ""
    for whole in text.split("\n"):
        line = whole
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current or not parts:
        parts.append(current)
    return parts


def render_reply(reply: Reply, today: date) -> list[OutMessage]:
    """The reply as Telegram messages.

    A verdict with a card comes in the card's order: the outcome in bold, the dates and
    the reasons, then the checklist, then the rest and the hand-off (see
    :func:`_card_order`); any other headline has its first line bold. Consecutive messages are
    joined (with a blank line) into one Telegram message while they fit in 4,096
    characters; a message with buttons ends the group and its keyboard goes on it. So
    the verdict, checklist and hand-off arrive as one message with the hand-off buttons:
    one notification, and no waiting on the one-message-a-second flood limit. A text too
    long for one message is split at line breaks, the keyboard on its last part.
    """
    out: list[OutMessage] = []
    pending: list[str] = []

    def flush(markup: dict[str, Any] | None) -> None:
        if not pending:
            return
        parts = split_text(GROUP_JOIN.join(pending))
        out.extend(OutMessage(part) for part in parts[:-1])
        out.append(OutMessage(parts[-1], markup))
        pending.clear()

    for message in _card_order(reply):
        text = html.escape(message.text, quote=False)
        if message.role == "headline":
            text = _headline_html(reply, message.text)
        size = sum(map(len, pending)) + len(GROUP_JOIN) * len(pending) + len(text)
        if pending and size > TEXT_LIMIT:
            flush(None)
        pending.append(text)
        if message.buttons:
            flush(keyboard(message.buttons))
    flush(None)
    expects = reply.expects
    if expects is not None and expects.kind == "date" and out and out[-1].reply_markup is None:
        last = out[-1]
        out[-1] = OutMessage(
            last.text, calendar_markup(today.year, today.month, today, reply.locale)
        )
    return out


def _card_order(reply: Reply) -> list[Message]:
    """The messages in the verdict card's order: the headline (the outcome, the dates and
    the reasons), then the checklist, then the rest (what the filer needs, notes), then
    the hand-off. Without a card, or without a headline in the reply, as they came."""
    card = reply.card
    if card is None or not any(m.role == "headline" for m in reply.messages):
        return list(reply.messages)
    title = card.checklist_title
    checklist = [
        m for m in reply.messages if title and m.role == "body" and m.text.startswith(title)
    ]
    rest = [m for m in reply.messages if m not in checklist]
    at = next(i for i, m in enumerate(rest) if m.role == "headline") + 1
    return rest[:at] + checklist + rest[at:]


def _headline_html(reply: Reply, text: str) -> str:
    """The verdict's headline in HTML: with a card, the outcome in bold, the answer, the
    dates (marked when they are today or past) and the reasons; else the message with
    its first line bold."""
    card, verdict = reply.card, reply.verdict
    if card is None or verdict is None:
        head, sep, rest = html.escape(text, quote=False).partition("\n")
        return f"<b>{head}</b>{sep}{rest}"
    tr = translator(reply.locale if reply.locale in LOCALES else "en")
    e = partial(html.escape, quote=False)
    lines = [f"<b>{e(card.symbol)} {e(card.headline)}</b>", e(card.answer)]
    dates = []
    for d in card.dates:
        mark = ""
        if d.date == verdict.today:
            mark = f" ({tr.t(TODAY_MARK)})"
        elif d.date < verdict.today:
            mark = f" ({tr.t(PAST_MARK)})"
        dates.append(f"{e(d.label)}: {e(d.text)}{e(mark)}")
    for block in (dates, ["• " + e(r) for r in card.reasons]):
        if block:
            lines += ["", *block]
    return "\n".join(lines)


def calendar_bounds(today: date) -> tuple[tuple[int, int], tuple[int, int]]:
    """The first and last month the calendar pages to: last year to 6 years ahead."""
    return (today.year - 1, 1), (today.year + CAL_YEARS_AHEAD - 1, 12)


@lru_cache(maxsize=512)
def calendar_markup(year: int, month: int, today: date, locale: str | None) -> dict[str, Any]:
    """A month of day buttons (``expiry:YYYY-MM-DD``) with paging (``cal:YYYY-MM``).

    Cached (Babel's month title and 45 buttons are the dearest part of a reply): the
    result is shared, so callers must not change it."""
    lang = locale if locale in LOCALES else "en"
    first, last = calendar_bounds(today)
    year, month = max(first, min(last, (year, month)))
    title = format_skeleton("yMMMM", date(year, month, 1), locale=babel_name(lang))
    prev_month = (year - 1, 12) if month == 1 else (year, month - 1)
    next_month = (year + 1, 1) if month == 12 else (year, month + 1)

    def nav(target: tuple[int, int], label: str) -> dict[str, str]:
        if first <= target <= last:
            return {"text": label, "callback_data": f"{CAL_PREFIX}{target[0]:04d}-{target[1]:02d}"}
        return {"text": " ", "callback_data": CAL_IGNORE}

    rows: list[list[dict[str, str]]] = [
        [nav(prev_month, "«"), {"text": title, "callback_data": CAL_IGNORE}, nav(next_month, "»")]
    ]
    for week in calendar.Calendar(firstweekday=0).monthdayscalendar(year, month):
        rows.append(
            [
                {"text": str(day), "callback_data": f"expiry:{year:04d}-{month:02d}-{day:02d}"}
                if day
                else {"text": " ", "callback_data": CAL_IGNORE}
                for day in week
            ]
        )
    return {"inline_keyboard": rows}


def parse_calendar_page(data: str) -> tuple[int, int] | None:
    """``cal:2027-03`` → (2027, 3); None for anything else (including ``cal:-``)."""
    match = re.fullmatch(r"cal:(\d{4})-(\d{2})", data)
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    return (year, month) if 1 <= month <= 12 else None


@dataclass(frozen=True, slots=True)
class StartPayload:
    """What a ``/start`` deep link carries: a language and a partner code, both optional."""

    locale: str | None = None
    partner: str | None = None


def parse_start_payload(payload: str | None) -> StartPayload:
    """``ja``, ``ja_p-acme`` or ``p-acme`` (at most 64 of A-Za-z0-9_-); anything else is
    ignored rather than refused."""
    if not payload or not PAYLOAD.match(payload):
        return StartPayload()
    locale: str | None = None
    partner: str | None = None
    for part in payload.split("_"):
        if part in LOCALES and locale is None:
            locale = part
        elif part.startswith("p-") and PARTNER.match(part[2:]) and partner is None:
            partner = part[2:]
    return StartPayload(locale, partner)
