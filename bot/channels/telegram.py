"""The standalone Telegram bot on python-telegram-bot: a thin translation around the engine.

Every text message (commands included) and every button press goes to
:class:`~bot.channels.telegram_core.TelegramTurns`, which runs the turn and delivers the
replies through :class:`PtbSender` (``parse_mode=HTML``, link previews off). A chat's
updates are handled in order (one lock per chat) while different chats run
concurrently; sends respect the flood limits and wait out a ``RetryAfter``
(:class:`PtbFloodLimiter`). Edited messages are ignored: the
answer to the original stands, and nothing is replayed.

Use :func:`build_application` and run it with long polling or feed it webhook
updates (``python -m bot serve`` does both). :func:`run_reminders` sends the due
reminders through the application's bot (so through its flood limiter); ``serve`` runs
it beside the application.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Collection, Coroutine
from datetime import timedelta
from typing import Any

import httpx

# Opt in to PTB's timedelta durations (RetryAfter.retry_after) and its warning-free API.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    BaseRateLimiter,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.channels import telegram_core
from bot.channels.telegram_core import (
    ReminderSend,
    SendGuard,
    TelegramTurns,
    TgEvent,
    command_sets,
)
from bot.engine import Engine
from bot.reminders import DEFAULT_INTERVAL, Outcome, Tally

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
DEFAULT_API = "https://api.telegram.org"
NO_PREVIEW = {"is_disabled": True}


def api_base_url(base: str | None) -> tuple[str, str]:
    """``TELEGRAM_API_BASE_URL`` (``http://127.0.0.1:8081``) as PTB's base_url and
    base_file_url (``.../bot`` and ``.../file/bot``, the token is appended)."""
    root = (base or DEFAULT_API).rstrip("/")
    if root.endswith("/bot"):
        root = root[: -len("/bot")]
    return f"{root}/bot", f"{root}/file/bot"


def markup(data: dict[str, Any] | None) -> InlineKeyboardMarkup | None:
    if data is None:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(**cell) for cell in row] for row in data["inline_keyboard"]]
    )


class PtbFloodLimiter(BaseRateLimiter[None]):
    """PTB's rate-limiter hook around every Bot API call: a :class:`SendGuard` (flood
    limits on sends, ``RetryAfter`` waited out instead of crashing)."""

    def __init__(self, guard: SendGuard | None = None) -> None:
        self.guard = guard or SendGuard()

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(  # noqa: PLR0917 - PTB's signature
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        return await self.guard.call(
            endpoint, data.get("chat_id"), lambda: callback(*args, **kwargs), _retry_after
        )


def _retry_after(exc: Exception) -> timedelta | float | None:
    return exc.retry_after if isinstance(exc, RetryAfter) else None


class PtbSender:
    """The Bot API primitives for one update, on python-telegram-bot."""

    def __init__(self, bot: Bot, chat_id: int, query: CallbackQuery | None = None) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.query = query

    async def answer_callback(self) -> None:
        if self.query is not None:
            await self.query.answer()

    async def edit_markup(self, reply_markup: dict[str, Any]) -> None:
        if self.query is not None and self.query.message is not None:
            await self.bot.edit_message_reply_markup(
                chat_id=self.chat_id,
                message_id=self.query.message.message_id,
                reply_markup=markup(reply_markup),
            )

    async def send_message(self, text: str, reply_markup: dict[str, Any] | None) -> None:
        params: dict[str, Any] = {
            "chat_id": self.chat_id,
            "text": text,
            "parse_mode": ParseMode.HTML.value,
            "link_preview_options": NO_PREVIEW,
        }
        if reply_markup is not None:
            params["reply_markup"] = reply_markup
        await send_raw(self.bot, "sendMessage", params)

    async def send_document(self, filename: str, data: bytes, caption: str | None) -> None:
        # The public method (not send_raw): it uploads the file as multipart/form-data,
        # through the rate limiter like every call.
        await self.bot.send_document(
            chat_id=self.chat_id, document=InputFile(data, filename=filename), caption=caption
        )


class TelegramBot:
    """The update handlers: read the update, and let the shared core run it."""

    def __init__(self, engine: Engine, partners: Collection[str] | None = None) -> None:
        self.turns = TelegramTurns(engine, partners)

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None:
            return
        user = message.from_user
        event = TgEvent(
            chat_id=message.chat_id,
            text=message.text or message.caption or "",
            language_code=user.language_code if user else None,
        )
        await self.turns.run(event, PtbSender(context.bot, event.chat_id))

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        chat_id = query.message.chat.id if query.message else query.from_user.id
        event = TgEvent(
            chat_id=chat_id, data=query.data or "", language_code=query.from_user.language_code
        )
        await self.turns.run(event, PtbSender(context.bot, chat_id, query))


async def send_raw(bot: Bot, method: str, params: dict[str, Any]) -> Any:
    """One Bot API call with the API's own JSON, its answer not parsed into objects.

    ``Bot.send_message`` builds PTB objects for every button and parses the answer (which
    echoes the keyboard) into a ``Message`` we never read: with the 45-button calendar
    that cost more than the whole engine turn (bench/bench_telegram.py: 0.52x of the
    ConversationHandler baseline with it, 0.82x without). ``Bot._post`` is the path every
    PTB method takes (defaults, the rate limiter, errors such as RetryAfter); the public
    ``do_api_request`` warns when used for a known method. PTB is pinned below 23, and
    the tests run this against the real library.
    """
    return await bot._post(method, params)


def install(
    application: Application[Any, Any, Any, Any, Any, Any],
    engine: Engine,
    partners: Collection[str] | None = None,
) -> TelegramBot:
    """Add the guide's handlers to an application (new messages and button presses);
    ``partners``: the partner codes a deep link may carry (None: any well-formed one)."""
    handlers = TelegramBot(engine, partners)
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL, handlers.on_message)
    )
    application.add_handler(CallbackQueryHandler(handlers.on_callback))
    return handlers


async def register_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """setMyCommands in every shipped locale, and English for all other languages."""
    bot = application.bot
    for language_code, commands in command_sets():
        await bot.set_my_commands(
            [BotCommand(n, d) for n, d in commands], language_code=language_code
        )


def build_application(
    engine: Engine,
    token: str,
    *,
    base_url: str | None = None,
    request: BaseRequest | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    partners: Collection[str] | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The standalone bot: concurrent updates, flood limits, commands registered at
    start-up. ``base_url`` is ``TELEGRAM_API_BASE_URL`` (a self-hosted Bot API server)."""
    api, files = api_base_url(base_url)
    builder = (
        Application.builder()
        .token(token)
        .base_url(api)
        .base_file_url(files)
        .concurrent_updates(True)
        .rate_limiter(rate_limiter or PtbFloodLimiter())
        .post_init(register_commands)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    install(application, engine, partners)
    return application


# httpx errors PTB wraps that mean the request never reached Telegram.
NOT_SENT: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)


def send_outcome(exc: Exception) -> Outcome:
    """What an error of a reminder's sendMessage means for the reminder."""
    if isinstance(exc, Forbidden):  # blocked by the user, or the account is gone
        return Outcome.BLOCKED
    if isinstance(exc, BadRequest):
        return Outcome.BLOCKED if "chat not found" in exc.message.lower() else Outcome.FAILED
    if isinstance(exc, RetryAfter):  # still flooded after SendGuard's retries
        return Outcome.RETRY
    if isinstance(exc, NetworkError):  # includes TimedOut and 5xx answers
        return Outcome.RETRY if isinstance(exc.__cause__, NOT_SENT) else Outcome.UNKNOWN
    if isinstance(exc, TelegramError):  # answered: invalid token, chat migrated ...
        return Outcome.FAILED
    raise exc


def reminder_send(bot: Bot) -> ReminderSend:
    """Send one reminder with ``bot`` (the application's: its rate limiter applies the
    flood limits and waits out RetryAfter) and say how it went."""

    async def send(chat_id: int, text: str) -> Outcome:
        params: dict[str, Any] = {
            "chat_id": chat_id,
            "text": text,
            "parse_mode": ParseMode.HTML.value,
            "link_preview_options": NO_PREVIEW,
        }
        return await telegram_core.reminder_outcome(
            lambda: send_raw(bot, "sendMessage", params), send_outcome
        )

    return send


async def run_reminders(
    bot: Bot,
    engine: Engine,
    *,
    interval: float = DEFAULT_INTERVAL,
    stop: asyncio.Event | None = None,
    report: Callable[[Tally], None] | None = None,
) -> None:
    """Send the due reminders of the engine's store through ``bot`` at start and then
    every ``interval`` seconds, until ``stop`` is set; returns at once when the store
    keeps no reminders."""
    await telegram_core.run_engine_reminders(
        engine, reminder_send(bot), interval=interval, stop=stop, report=report
    )
