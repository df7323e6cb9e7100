"""What both Telegram adapters share, with no Telegram library import.

The python-telegram-bot application (:mod:`bot.channels.telegram`) and the aiogram
router (:mod:`bot.channels.aiogram`) reduce an update to a :class:`TgEvent` and hand it
to :meth:`TelegramTurns.run` with a :class:`Sender`: their library's four primitives
(answer a button press, edit a keyboard, send a message, send a document). The turn
(the engine), the per-chat order and the delivery (:func:`deliver`, on the model of
Rasa's ``OutputChannel.send_response``) are here, once, so both adapters give the same
texts and buttons as every other channel.

Also here: per-chat ordering (:class:`ChatLocks`), the flood limits
(:class:`FloodLimiter`), the command list for ``setMyCommands``, the retry rule
for ``RetryAfter``, and the reminders (issue 13, :mod:`bot.reminders`): the "Remind me"
button on a verdict with a date ahead (``remind:on``), ``/reminders`` with its cancel
buttons (``remind:cancel:<id>``, ``remind:cancel_all``), and the reminder messages the
scheduler sends through an adapter's :data:`ReminderSend` (:func:`run_reminders`).
And the calendar file (:mod:`bot.calendar_file`): a "Calendar file" button on a verdict
with a date ahead (``ics:get``) and ``/calendar`` send the .ics as a document.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Final, Protocol, TypeVar

from bot import reminders as rem
from bot.assess_contract import AssessResponse
from bot.calendar_file import FILENAME as CALENDAR_FILENAME
from bot.calendar_file import calendar_bytes
from bot.channels.telegram_render import (
    CAL_PREFIX,
    OutMessage,
    calendar_markup,
    parse_calendar_page,
    parse_start_payload,
    render_reply,
)
from bot.clock import Clock, today_in_tokyo
from bot.engine import Engine
from bot.i18n import DEFAULT_LOCALE, LOCALES, normalize_locale, translator
from bot.i18n_marker import N_
from bot.keydates import TITLES, DateKind, key_dates, upcoming
from bot.models import Event, Reply
from bot.storage import NewReminder, Reminder, ReminderStore
from bot.understand import as_command, slash_command

log = logging.getLogger(__name__)
T = TypeVar("T")

KEY_PREFIX: Final = "tg:"
# What each command does, for setMyCommands (registered in every shipped locale).
COMMAND_HELP: Final[dict[str, str]] = {
    "start": N_("Start, or show the current question again"),
    "restart": N_("Start over"),
    "back": N_("Go back one question"),
    "help": N_("Help, and how to reach the ISA information centre"),
    "lang": N_("Change the language"),
    "forget": N_("Delete everything stored about this conversation"),
    "reminders": N_("List or cancel your reminders"),
    "calendar": N_("Get your dates as a calendar file"),
}
# Bot API methods that post into a chat, and so count against the flood limits.
SENDING_METHODS: Final = frozenset(
    {"sendMessage", "editMessageText", "editMessageReplyMarkup", "sendPhoto", "sendDocument"}
)
MAX_RETRIES: Final = 3
MAX_RETRY_WAIT: Final = 60.0


@dataclass(frozen=True, slots=True)
class TgEvent:
    """One update, library-neutral: a text message or a button press in a chat."""

    chat_id: int
    text: str | None = None
    data: str | None = None  # callback_data of an inline button
    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class OutDocument:
    """A file to send to the chat as a document (the calendar file), with a caption in
    plain text."""

    filename: str
    data: bytes
    caption: str | None = None


@dataclass(frozen=True, slots=True)
class TgAction:
    """What to do for one event, in order: answer the button press (if it was one),
    edit the pressed message's keyboard (calendar paging), send the messages, then the
    documents."""

    messages: list[OutMessage] = field(default_factory=list)
    answer_callback: bool = False
    edit_markup: dict[str, Any] | None = None
    documents: list[OutDocument] = field(default_factory=list)


def user_key(chat_id: int) -> str:
    return f"{KEY_PREFIX}{chat_id}"


def chat_of(key: str) -> int:
    """The chat id in a user key (``tg:123`` → 123)."""
    return int(key.removeprefix(KEY_PREFIX))


def bot_commands(locale: str) -> list[tuple[str, str]]:
    """``(command, description)`` pairs for setMyCommands in ``locale``."""
    tr = translator(locale)
    return [(name, tr.t(text)) for name, text in COMMAND_HELP.items()]


def command_sets() -> list[tuple[str | None, list[tuple[str, str]]]]:
    """Every setMyCommands call: ``(language_code, commands)``, first the default (no
    language_code: English), then each shipped locale under its two-letter ISO 639-1
    code, which is what Telegram takes (zh-Hans → zh, pt-BR → pt)."""
    sets: list[tuple[str | None, list[tuple[str, str]]]] = [(None, bot_commands(DEFAULT_LOCALE))]
    seen: set[str] = set()
    for locale in LOCALES:
        code = locale.split("-")[0]
        if code not in seen:  # ja-easy shares Telegram's "ja" with Japanese, which comes first
            seen.add(code)
            sets.append((code, bot_commands(locale)))
    return sets


class Sender(Protocol):
    """An adapter's Bot API primitives for one update (its chat, and the pressed button's
    message if the update was a button press)."""

    async def answer_callback(self) -> None:
        """Answer the button press (a no-op for a message)."""

    async def edit_markup(self, reply_markup: dict[str, Any]) -> None:
        """Replace the keyboard of the pressed button's message."""

    async def send_message(self, text: str, reply_markup: dict[str, Any] | None) -> None:
        """Send one HTML message to the chat, link previews off."""

    async def send_document(self, filename: str, data: bytes, caption: str | None) -> None:
        """Send ``data`` to the chat as a document named ``filename``, the caption in
        plain text."""


async def deliver(action: TgAction, sender: Sender) -> None:
    """Carry out a :class:`TgAction` in order: answer the press, edit the keyboard, send
    the messages, then the documents."""
    if action.answer_callback:
        await sender.answer_callback()
    if action.edit_markup is not None:
        await sender.edit_markup(action.edit_markup)
    for out in action.messages:
        await sender.send_message(out.text, out.reply_markup)
    for doc in action.documents:
        await sender.send_document(doc.filename, doc.data, doc.caption)


class TelegramTurns:
    """Turns a :class:`TgEvent` into a :class:`TgAction` through the engine, and runs
    an update from end to end (:meth:`run`).

    The engine's async methods run the turn on the event loop for the embedded SQLite
    store: a turn is about 130 µs of CPU (SQLite in WAL mode with synchronous=NORMAL does
    not wait for the disk on commit), less than a hop to a worker thread and back, and
    worker threads would only queue on the store's lock and the GIL
    (bench/bench_telegram.py --profile). A store that waits on a server runs in a
    worker thread instead (see bot.engine).

    ``partners`` are the codes of the partners file: a deep link's partner code is kept
    only if it is one of them (anyone can make a ``t.me/bot?start=p-anything`` link).
    None (a partner's own bot with no partners file) keeps any well-formed code.

    Reminders are on when the engine's store keeps them (:func:`bot.reminders.
    reminder_store`; the SQLite store does): verdicts with a date ahead get a "Remind me"
    button, and ``/reminders`` and the ``remind:`` buttons are answered here. The
    calendar file needs no store of its own: ``/calendar`` and the ``ics:get`` button
    send it from the stored conversation.
    """

    def __init__(self, engine: Engine, partners: Collection[str] | None = None) -> None:
        self.engine = engine
        self.locks = ChatLocks()
        self.partners = frozenset(partners) if partners is not None else None
        self.reminders: ReminderStore | None = rem.reminder_store(engine)

    async def run(self, event: TgEvent, sender: Sender) -> None:
        """One update: a chat's updates in arrival order, chats concurrently."""
        async with self.locks.hold(event.chat_id):
            await deliver(await self.turn(event), sender)

    async def turn(self, event: TgEvent) -> TgAction:
        key = user_key(event.chat_id)
        hint = event.language_code
        if event.data is not None:
            return await self._press(key, event.data, hint)
        text = event.text or ""
        command = slash_command(text)
        if command is not None:
            name, arg = command
            if name == "start":
                return TgAction(self._render(await self._start(key, arg, hint)))
            if name == "reminders" and self.reminders is not None:
                return await self._list_reminders(key, hint)
            if name == "calendar":
                return await self._calendar(key, hint)
            known = as_command(name)
            if known is not None:
                incoming = Event(user_key=key, command=known, arg=arg or None, locale_hint=hint)
                return TgAction(self._render(await self.engine.ahandle(incoming)))
        reply = await self.engine.ahandle(Event(user_key=key, text=text, locale_hint=hint))
        return TgAction(self._render(reply))

    async def _start(self, key: str, payload: str, hint: str | None) -> Reply:
        """``/start [payload]``: a new user is greeted (in the deep link's language, if
        any); a returning user sees the current question again, answers kept."""
        start = parse_start_payload(payload)
        partner = start.partner
        if partner is not None and self.partners is not None and partner not in self.partners:
            partner = None  # an unknown code is ignored, as the web API ignores one
        if start.locale is not None:
            return await self.engine.ahandle(
                Event(
                    user_key=key,
                    command="lang",
                    arg=start.locale,
                    locale_hint=start.locale,
                    partner=partner,
                )
            )
        resumed = await self.engine.aresume(key)
        if resumed is not None:
            return resumed
        return await self.engine.ahandle(Event(user_key=key, locale_hint=hint, partner=partner))

    async def _press(self, key: str, data: str, hint: str | None) -> TgAction:
        if data.startswith(CAL_PREFIX):
            page = parse_calendar_page(data)
            if page is None:  # the month title or an empty cell
                return TgAction(answer_callback=True)
            locale = await self.engine.alocale_of(key)
            markup = calendar_markup(page[0], page[1], self._today(), locale)
            return TgAction(answer_callback=True, edit_markup=markup)
        if data.startswith(REMIND_PREFIX) and self.reminders is not None:
            return await self._remind(key, data, hint)
        if data.startswith(ICS_PREFIX):
            action = await self._calendar(key, hint)
            return TgAction(action.messages, answer_callback=True, documents=action.documents)
        reply = await self.engine.ahandle(Event(user_key=key, choice=data, locale_hint=hint))
        return TgAction(self._render(reply), answer_callback=True)

    def _today(self) -> date:
        return today_in_tokyo(self.engine.clock())

    def _render(self, reply: Reply) -> list[OutMessage]:
        return telegram_messages(reply, self.engine.clock(), remind=self.reminders is not None)

    async def _calendar(self, key: str, hint: str | None) -> TgAction:
        """``/calendar`` and the ``ics:get`` button: the verdict's dates ahead as an .ics
        document, or a short message when there is no verdict or no date ahead."""
        session = await self.engine.asnapshot(key)
        now = self.engine.clock()
        # Off the loop, as the web API does: the assessment and iCalendar are pure CPU.
        data = None if session is None else await asyncio.to_thread(calendar_bytes, session, now)
        tr = translator(await self._locale(key, hint, []))
        if data is None:
            return TgAction([OutMessage(html.escape(tr.t(NO_CALENDAR), quote=False))])
        return TgAction(documents=[OutDocument(CALENDAR_FILENAME, data, tr.t(CALENDAR_CAPTION))])

    # -- reminders

    async def _db(self, call: Callable[[], T]) -> T:
        """A reminder-store call: on the loop for the embedded store, as the turn's own
        calls are; in a worker thread for a store that waits on a server."""
        assert self.reminders is not None
        if self.reminders.blocking:
            return await asyncio.to_thread(call)
        return call()

    async def _locale(self, key: str, hint: str | None, listed: list[Reminder]) -> str:
        """The conversation's language; else the reminders' (the conversation was
        purged), else the user's Telegram language."""
        stored = await self.engine.alocale_of(key)
        if stored is not None:
            return stored
        if listed and listed[0].locale in LOCALES:
            return listed[0].locale
        return normalize_locale(hint) or DEFAULT_LOCALE

    async def _remind(self, key: str, data: str, hint: str | None) -> TgAction:
        store = self.reminders
        assert store is not None
        if data == rem.REMIND_ON:
            session = await self.engine.asnapshot(key)
            items = rem.session_plan(session, self.engine.clock())
            locale = await self._locale(key, hint, [])
            if not items:
                text = html.escape(translator(locale).t(rem.NOTHING_AHEAD), quote=False)
                return TgAction([OutMessage(text)], answer_callback=True)
            await self._db(lambda: store.add_reminders(key, items))
            return TgAction([OutMessage(confirmation_html(items, locale))], answer_callback=True)
        before = await self._db(lambda: store.list_reminders(key))
        locale = await self._locale(key, hint, before)
        tr = translator(locale)
        if data == rem.CANCEL_ALL:
            await self._db(lambda: store.delete_reminders(key))
            text = tr.t(rem.CANCELLED_ALL)
            return TgAction([OutMessage(text)], answer_callback=True, edit_markup=NO_BUTTONS)
        rid = parse_cancel(data)
        gone = next((r for r in before if r.id == rid), None)
        if rid is None or gone is None:
            return TgAction([OutMessage(tr.t(rem.ALREADY_GONE))], answer_callback=True)
        await self._db(lambda: store.delete_reminders(key, rid))
        left = [r for r in before if r.id != rid]
        text = html.escape(tr.t(rem.CANCELLED_ONE, date=tr.date(gone.day)), quote=False)
        return TgAction(
            [OutMessage(text)], answer_callback=True, edit_markup=list_markup(left, locale)
        )

    async def _list_reminders(self, key: str, hint: str | None) -> TgAction:
        """``/reminders``: the chat's reminders, a cancel button for each and one for all."""
        store = self.reminders
        assert store is not None
        listed = await self._db(lambda: store.list_reminders(key))
        locale = await self._locale(key, hint, listed)
        tr = translator(locale)
        if not listed:
            return TgAction([OutMessage(html.escape(tr.t(rem.LIST_EMPTY), quote=False))])
        lines = [tr.t(rem.LIST_HEAD)]
        lines += ["• " + rem.date_line(locale, TITLES[r.kind], r.day) for r in listed]
        text = html.escape("\n".join(lines), quote=False)
        return TgAction([OutMessage(text, list_markup(listed, locale))])


# -- the calendar file (bot/calendar_file.py makes it)

# Not CAL_PREFIX ("cal:", the date picker's month paging) nor any "<slot>:" button id.
ICS_PREFIX: Final = "ics:"
ICS_GET: Final = "ics:get"
CALENDAR_BUTTON = N_("Calendar file")
CALENDAR_CAPTION = N_("Your dates ahead as a calendar file: open it to add them to your calendar.")
NO_CALENDAR = N_(
    "There is no date ahead for a calendar file yet: it comes with a verdict that has one."
)


def offers_calendar(verdict: AssessResponse, expiry: date | None) -> bool:
    """Whether a verdict's calendar file has an event (:func:`bot.calendar_file.
    calendar_ics`'s own rule: a key date today or later in Japan)."""
    return bool(upcoming(key_dates(verdict, expiry), verdict.today))


# -- reminders: buttons, messages and the sender loop (bot/reminders.py has the rules)

REMIND_PREFIX: Final = "remind:"
NO_BUTTONS: Final[dict[str, Any]] = {"inline_keyboard": []}
# An adapter's send of one reminder: an HTML message to a chat, and how it went.
ReminderSend = Callable[[int, str], Awaitable[rem.Outcome]]


def telegram_messages(reply: Reply, now: datetime, *, remind: bool = True) -> list[OutMessage]:
    """The reply as Telegram messages (:func:`render_reply`), and on a verdict with a date
    ahead one more row under the last message's buttons: "Remind me" (``remind``: the
    store keeps reminders) and "Calendar file"."""
    out = render_reply(reply, today_in_tokyo(now))
    verdict = reply.verdict
    if verdict is None or not out:
        return out
    expiry = None
    if reply.card is not None:
        expiry = next((d.date for d in reply.card.dates if d.kind == DateKind.EXPIRY), None)
    tr = translator(reply.locale if reply.locale in LOCALES else DEFAULT_LOCALE)
    row: list[dict[str, str]] = []
    if remind and rem.offers_reminders(verdict, expiry, now):
        row.append({"text": "🔔 " + tr.t(rem.REMIND_BUTTON), "callback_data": rem.REMIND_ON})
    if offers_calendar(verdict, expiry):
        row.append({"text": "📅 " + tr.t(CALENDAR_BUTTON), "callback_data": ICS_GET})
    if not row:
        return out
    last = out[-1]
    rows = list(last.reply_markup["inline_keyboard"]) if last.reply_markup else []
    out[-1] = OutMessage(last.text, {"inline_keyboard": [*rows, row]})
    return out


def confirmation_html(items: list[NewReminder], locale: str) -> str:
    """What ``remind:on`` answers: the days a reminder will come, and how to cancel."""
    tr = translator(locale)
    lines = [tr.t(rem.CONFIRMED)]
    lines += ["• " + rem.date_line(locale, TITLES[i.kind], i.day) for i in items]
    lines += ["", tr.t(rem.HOW_TO_CANCEL)]
    return html.escape("\n".join(lines), quote=False)


def list_markup(listed: list[Reminder], locale: str) -> dict[str, Any]:
    """One cancel button per reminder, then "Cancel all" (none when the list is empty)."""
    if not listed:
        return NO_BUTTONS
    tr = translator(locale)
    rows = [
        [
            {
                "text": tr.t(rem.CANCEL_ONE, date=tr.date(r.day)),
                "callback_data": f"{rem.CANCEL_PREFIX}{r.id}",
            }
        ]
        for r in listed
    ]
    rows.append([{"text": tr.t(rem.CANCEL_EVERY), "callback_data": rem.CANCEL_ALL}])
    return {"inline_keyboard": rows}


def parse_cancel(data: str) -> int | None:
    """``remind:cancel:42`` → 42; None for anything else."""
    number = data.removeprefix(rem.CANCEL_PREFIX)
    if number == data or not number.isascii() or not number.isdigit() or len(number) > 18:
        return None
    return int(number)


def reminder_html(reminder: Reminder) -> str:
    """A reminder as a Telegram message: the title in bold, the date with the official
    Japanese term, the official page, how to stop them."""
    title, lines = rem.reminder_parts(reminder)
    e = html.escape
    return "\n".join([f"<b>🔔 {e(title, quote=False)}</b>", *(e(x, quote=False) for x in lines)])


def reminder_deliver(send: ReminderSend) -> rem.Deliver:
    """The scheduler's delivery through an adapter's :data:`ReminderSend`."""

    async def deliver(reminder: Reminder) -> rem.Outcome:
        return await send(chat_of(reminder.chat_key), reminder_html(reminder))

    return deliver


async def reminder_outcome(
    call: Callable[[], Awaitable[object]], classify: Callable[[Exception], rem.Outcome]
) -> rem.Outcome:
    """Make one reminder's Bot API call and say how it went: a failure is classified by
    the adapter (``classify`` re-raises what it does not know) and logged by its type
    only, never the chat or the text."""
    try:
        await call()
    except Exception as exc:
        outcome = classify(exc)
        log.info("a reminder was not sent: %s (%s)", type(exc).__name__, outcome.value)
        return outcome
    return rem.Outcome.SENT


async def run_engine_reminders(
    engine: Engine,
    send: ReminderSend,
    *,
    interval: float = rem.DEFAULT_INTERVAL,
    stop: asyncio.Event | None = None,
    report: Callable[[rem.Tally], None] | None = None,
) -> None:
    """:func:`run_reminders` on the engine's store, with its clock; returns at once when
    the store keeps no reminders (what each adapter's ``run_reminders`` runs)."""
    store = rem.reminder_store(engine)
    if store is None:
        return
    await run_reminders(store, send, engine.clock, interval, stop=stop, report=report)


async def run_reminders(
    store: ReminderStore,
    send: ReminderSend,
    clock: Clock,
    interval: float = rem.DEFAULT_INTERVAL,
    *,
    stop: asyncio.Event | None = None,
    report: Callable[[rem.Tally], None] | None = None,
) -> None:
    """Send the Telegram chats' due reminders at start and then every ``interval``
    seconds, until ``stop`` is set (:func:`bot.reminders.run_every`)."""
    await rem.run_every(
        store,
        reminder_deliver(send),
        clock,
        interval,
        key_prefix=KEY_PREFIX,
        stop=stop,
        report=report,
    )


class ChatLocks:
    """One asyncio lock per chat, so a chat's updates are handled in arrival order while
    different chats run concurrently. Locks of idle chats are dropped."""

    def __init__(self) -> None:
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, chat_id: int) -> AsyncIterator[None]:
        lock, users = self._locks.get(chat_id, (asyncio.Lock(), 0))
        self._locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock_now, left = self._locks[chat_id]
            if left <= 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock_now, left - 1)

    def __len__(self) -> int:
        return len(self._locks)


class FloodLimiter:
    """Token buckets for Telegram's flood limits: about 30 messages a second overall
    and one a second per chat. A chat may burst ``chat_burst`` messages (one reply's
    verdict, checklist and hand-off), then gets one a second, as Telegram's FAQ
    allows ("short bursts that go over this limit")."""

    def __init__(
        self,
        *,
        overall_rate: float = 30.0,
        chat_rate: float = 1.0,
        chat_burst: int = 3,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.overall_rate = overall_rate
        self.chat_rate = chat_rate
        self.chat_burst = chat_burst
        self._clock = clock
        self._sleep = sleep
        # Earliest start of the next message: overall, and per chat (GCRA).
        self._overall_next = 0.0
        self._chat_next: dict[int | str, float] = {}

    def _reserve(self, chat_id: int | str | None) -> float:
        """Book the next slot and return how long to wait for it."""
        now = self._clock()
        start = max(now, self._overall_next)
        if chat_id is not None:
            tolerance = (self.chat_burst - 1) / self.chat_rate
            start = max(start, self._chat_next.get(chat_id, now) - tolerance)
            self._chat_next[chat_id] = max(self._chat_next.get(chat_id, now), start) + (
                1 / self.chat_rate
            )
            if len(self._chat_next) > 10_000:
                self._chat_next = {k: v for k, v in self._chat_next.items() if v > now}
        self._overall_next = start + 1 / self.overall_rate
        return start - now

    async def wait(self, chat_id: int | str | None) -> None:
        """Wait until a message to ``chat_id`` (None: no chat) may be sent."""
        delay = self._reserve(chat_id)
        if delay > 0:
            await self._sleep(delay)


class SendGuard:
    """What both adapters put around every Bot API call: sends wait for their flood-limit
    slot, and a flood-control answer (RetryAfter) is waited out and retried, up to
    ``max_retries`` times with each wait capped, instead of failing the turn."""

    def __init__(
        self,
        limiter: FloodLimiter | None = None,
        *,
        max_retries: int = MAX_RETRIES,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limiter = limiter or FloodLimiter()
        self.max_retries = max_retries
        self._sleep = sleep

    async def call(
        self,
        endpoint: str,
        chat_id: int | str | None,
        attempt: Callable[[], Awaitable[T]],
        retry_after: Callable[[Exception], float | timedelta | None],
    ) -> T:
        """Run ``attempt``; ``retry_after(exc)`` is the library's wait for a flood-control
        error, None for any other error (which is raised at once)."""
        sending = endpoint in SENDING_METHODS
        for tries in range(self.max_retries + 1):
            if sending:
                await self.limiter.wait(chat_id)
            try:
                return await attempt()
            except Exception as exc:
                wait = retry_after(exc)
                if wait is None or tries == self.max_retries:
                    raise
                seconds = retry_seconds(wait)
                log.warning("Telegram flood control on %s: waiting %.0f s", endpoint, seconds)
                await self._sleep(seconds)
        raise AssertionError("unreachable")  # pragma: no cover


def retry_seconds(retry_after: float | timedelta) -> float:
    """A RetryAfter's wait in seconds (libraries give an int or a timedelta), capped."""
    seconds = (
        retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)
    )
    return min(max(seconds, 0.0), MAX_RETRY_WAIT)
