"""The guide as an aiogram 3 :class:`~aiogram.Router`, for bots that already run on aiogram.

It gives the same guidance as the standalone bot (:mod:`bot.channels.telegram`): every
text message (commands and captions included) and every button press goes to
:class:`~bot.channels.telegram_core.TelegramTurns`, which runs the turn and delivers the
replies through :class:`AiogramSender` (``parse_mode=HTML``, link previews off). A
chat's updates are handled in order (one lock per chat) while different chats run
concurrently. Edited messages
are ignored: the answer to the original stands. Install with ``pip install .[aiogram]``;
the standalone bot never imports this module.

Include it in your own bot::

    from aiogram import Bot, Dispatcher

    from bot.channels.aiogram import (
        FloodMiddleware, make_router, register_commands, run_reminders
    )
    from bot.engine import Engine
    from bot.storage import SQLiteStore

    engine = Engine(SQLiteStore("zairyu.db"))
    bot = Bot(token)
    bot.session.middleware(FloodMiddleware())  # flood limits, RetryAfter waited out
    dp = Dispatcher()
    dp.include_router(your_router)
    dp.include_router(make_router(engine))  # last: see below
    await register_commands(bot)  # /start, /help ... in English and Japanese
    reminders = asyncio.create_task(run_reminders(bot, engine))  # see below
    await dp.start_polling(bot)

The router answers **every** message a person sends (text, captions; a sticker or a
photo without a caption gets "please choose one of the options", as in the standalone
bot) and **every** button press routed to it, including presses of buttons your own
bot made. So include it last, after your own routers, or put a filter on it, e.g.
``router.message.filter(F.chat.type == "private")`` or a filter on your users. Service
messages (members joining, pinned messages ...) are left alone. The guide stores its
conversations under ``tg:<chat id>`` in the engine's store, apart from aiogram's FSM.

Reminders (``/reminders``, the "Remind me" button on a verdict) are kept in the engine's
store; :func:`run_reminders` sends the due ones at 09:00 Japan time through your bot
(and so through its ``FloodMiddleware``). Run it once per store beside your polling, as
above; a reminder is sent once even when several processes run it. Stop it by setting
its ``stop`` event (or cancel the task). ``/calendar`` and the "Calendar file" button
send the verdict's dates as an .ics document through the same bot; nothing to set up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Final

import aiohttp
from aiogram import Bot, Router
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
)

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

__all__ = [
    "FloodMiddleware",
    "make_router",
    "markup",
    "register_commands",
    "reminder_send",
    "run_reminders",
]
log = logging.getLogger(__name__)


# What a person sends (aiogram's Message.content_type). Everything else is a service
# message (members joined, title changed, pinned ...), which the standalone bot skips
# too (``~filters.StatusUpdate.ALL``). Strings, so older aiogram 3 releases work too.
USER_CONTENT: Final = frozenset(
    {
        "text",
        "animation",
        "audio",
        "document",
        "live_photo",
        "paid_media",
        "photo",
        "sticker",
        "story",
        "video",
        "video_note",
        "voice",
        "checklist",
        "contact",
        "dice",
        "game",
        "poll",
        "venue",
        "location",
    }
)
NO_PREVIEW: Final = LinkPreviewOptions(is_disabled=True)


def markup(data: dict[str, Any] | None) -> InlineKeyboardMarkup | None:
    """A rendered ``reply_markup`` dict as aiogram's keyboard."""
    if data is None:
        return None
    return InlineKeyboardMarkup.model_validate(data)


def is_user_content(message: Message) -> bool:
    """The router's message filter: new messages a person sent, not service messages."""
    return message.content_type in USER_CONTENT


class FloodMiddleware(BaseRequestMiddleware):
    """A request middleware for the bot's session around every Bot API call: a
    :class:`SendGuard` (flood limits on sends, ``TelegramRetryAfter`` waited out instead
    of failing). ``bot.session.middleware(FloodMiddleware())``."""

    def __init__(self, guard: SendGuard | None = None) -> None:
        self.guard = guard or SendGuard()

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        return await self.guard.call(
            method.__api_method__,
            getattr(method, "chat_id", None),
            lambda: make_request(bot, method),
            _retry_after,
        )


def _retry_after(exc: Exception) -> float | None:
    return exc.retry_after if isinstance(exc, TelegramRetryAfter) else None


class AiogramSender:
    """The Bot API primitives for one update, on aiogram."""

    def __init__(self, bot: Bot, chat_id: int, query: CallbackQuery | None = None) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.query = query

    async def answer_callback(self) -> None:
        if self.query is not None:
            await self.bot.answer_callback_query(callback_query_id=self.query.id)

    async def edit_markup(self, reply_markup: dict[str, Any]) -> None:
        if self.query is not None and self.query.message is not None:
            await self.bot.edit_message_reply_markup(
                chat_id=self.chat_id,
                message_id=self.query.message.message_id,
                reply_markup=markup(reply_markup),
            )

    async def send_message(self, text: str, reply_markup: dict[str, Any] | None) -> None:
        await self.bot.send_message(
            chat_id=self.chat_id,
            text=text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup(reply_markup),
            link_preview_options=NO_PREVIEW,
        )

    async def send_document(self, filename: str, data: bytes, caption: str | None) -> None:
        await self.bot.send_document(
            chat_id=self.chat_id,
            document=BufferedInputFile(data, filename=filename),
            caption=caption,
        )


class GuideHandlers:
    """The update handlers: read the update, and let the shared core run it."""

    def __init__(self, engine: Engine) -> None:
        self.turns = TelegramTurns(engine)

    async def on_message(self, message: Message, bot: Bot) -> None:
        user = message.from_user
        event = TgEvent(
            chat_id=message.chat.id,
            text=message.text or message.caption or "",
            language_code=user.language_code if user else None,
        )
        await self.turns.run(event, AiogramSender(bot, event.chat_id))

    async def on_callback(self, callback_query: CallbackQuery, bot: Bot) -> None:
        query = callback_query
        message = query.message
        chat_id = message.chat.id if message is not None else query.from_user.id
        event = TgEvent(
            chat_id=chat_id, data=query.data or "", language_code=query.from_user.language_code
        )
        await self.turns.run(event, AiogramSender(bot, chat_id, query))


def make_router(engine: Engine, *, name: str = "zairyu_guide") -> Router:
    """A router with the guide's handlers: new messages and button presses (no
    ``edited_message`` handler). One per engine; include it in a Dispatcher once."""
    handlers = GuideHandlers(engine)
    router = Router(name=name)
    router.message.register(handlers.on_message, is_user_content)
    router.callback_query.register(handlers.on_callback)
    return router


async def register_commands(bot: Bot) -> None:
    """setMyCommands in every shipped locale, and English for all other languages."""
    for language_code, commands in command_sets():
        await bot.set_my_commands(
            [BotCommand(command=n, description=d) for n, d in commands], language_code=language_code
        )


# aiohttp errors aiogram wraps that mean the request never reached Telegram.
NOT_SENT: tuple[type[Exception], ...] = (
    aiohttp.ClientConnectorError,
    aiohttp.ConnectionTimeoutError,
)


def send_outcome(exc: Exception) -> Outcome:
    """What an error of a reminder's sendMessage means for the reminder."""
    if isinstance(exc, TelegramForbiddenError):  # blocked by the user, or the account is gone
        return Outcome.BLOCKED
    if isinstance(exc, TelegramBadRequest):
        return Outcome.BLOCKED if "chat not found" in exc.message.lower() else Outcome.FAILED
    if isinstance(exc, TelegramRetryAfter):  # still flooded after SendGuard's retries
        return Outcome.RETRY
    if isinstance(exc, TelegramNetworkError) and not isinstance(exc, TelegramEntityTooLarge):
        return Outcome.RETRY if isinstance(exc.__cause__, NOT_SENT) else Outcome.UNKNOWN
    if isinstance(exc, TelegramServerError):  # a 5xx answer: it may have been sent
        return Outcome.UNKNOWN
    if isinstance(exc, TelegramAPIError):  # answered: unauthorized, chat migrated ...
        return Outcome.FAILED
    raise exc


def reminder_send(bot: Bot) -> ReminderSend:
    """Send one reminder with ``bot`` (its session's ``FloodMiddleware`` applies the
    flood limits) and say how it went."""

    async def send(chat_id: int, text: str) -> Outcome:
        return await telegram_core.reminder_outcome(
            lambda: bot.send_message(
                chat_id=chat_id,
                text=text,
                parse_mode=ParseMode.HTML,
                link_preview_options=NO_PREVIEW,
            ),
            send_outcome,
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
    keeps no reminders. Schedule it beside your polling::

        task = asyncio.create_task(run_reminders(bot, engine))
    """
    await telegram_core.run_engine_reminders(
        engine, reminder_send(bot), interval=interval, stop=stop, report=report
    )
