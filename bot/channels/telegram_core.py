"""What both Telegram adapters share, with no Telegram library import.

The python-telegram-bot application (:mod:`bot.channels.telegram`) and the aiogram
router (:mod:`bot.channels.aiogram`) reduce an update to a :class:`TgEvent` and hand it
to :meth:`TelegramTurns.run` with a :class:`Sender`: their library's three primitives
(answer a button press, edit a keyboard, send a message). The turn (the engine), the
per-chat order and the delivery (:func:`deliver`, on the model of Rasa's
``OutputChannel.send_response``) are here, once, so both adapters give the same texts
and buttons as every other channel.

Also here: per-chat ordering (:class:`ChatLocks`), the flood limits
(:class:`FloodLimiter`), the command list for ``setMyCommands`` and the retry rule
for ``RetryAfter``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final, Protocol, TypeVar

from bot.channels.telegram_render import (
    CAL_PREFIX,
    OutMessage,
    calendar_markup,
    parse_calendar_page,
    parse_start_payload,
    render_reply,
)
from bot.clock import today_in_tokyo
from bot.engine import Engine
from bot.i18n import DEFAULT_LOCALE, LOCALES, translator
from bot.i18n_marker import N_
from bot.models import Event, Reply
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
class TgAction:
    """What to do for one event, in order: answer the button press (if it was one),
    edit the pressed message's keyboard (calendar paging), then send the messages."""

    messages: list[OutMessage] = field(default_factory=list)
    answer_callback: bool = False
    edit_markup: dict[str, Any] | None = None


def user_key(chat_id: int) -> str:
    return f"{KEY_PREFIX}{chat_id}"


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


async def deliver(action: TgAction, sender: Sender) -> None:
    """Carry out a :class:`TgAction` in order: answer the press, edit the keyboard, then
    send the messages."""
    if action.answer_callback:
        await sender.answer_callback()
    if action.edit_markup is not None:
        await sender.edit_markup(action.edit_markup)
    for out in action.messages:
        await sender.send_message(out.text, out.reply_markup)


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
    """

    def __init__(self, engine: Engine, partners: Collection[str] | None = None) -> None:
        self.engine = engine
        self.locks = ChatLocks()
        self.partners = frozenset(partners) if partners is not None else None

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
        reply = await self.engine.ahandle(Event(user_key=key, choice=data, locale_hint=hint))
        return TgAction(self._render(reply), answer_callback=True)

    def _today(self) -> date:
        return today_in_tokyo(self.engine.clock())

    def _render(self, reply: Reply) -> list[OutMessage]:
        return render_reply(reply, self._today())


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
