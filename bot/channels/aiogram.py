"""The guide as an aiogram 3 :class:`~aiogram.Router`, for bots that already run on aiogram.

It gives the same guidance as the standalone bot (:mod:`bot.channels.telegram`): every
text message (commands and captions included) and every button press goes to
:class:`~bot.channels.telegram_core.TelegramTurns` on the event loop, and the replies
are sent with ``parse_mode=HTML`` and link previews off. A chat's updates are handled
in order (one lock per chat) while different chats run concurrently. Edited messages
are ignored: the answer to the original stands. Install with ``pip install .[aiogram]``;
the standalone bot never imports this module.

Include it in your own bot::

    from aiogram import Bot, Dispatcher

    from bot.channels.aiogram import FloodMiddleware, make_router, register_commands
    from bot.engine import Engine
    from bot.storage import SQLiteStore

    engine = Engine(SQLiteStore("zairyu.db"))
    bot = Bot(token)
    bot.session.middleware(FloodMiddleware())  # flood limits, RetryAfter waited out
    dp = Dispatcher()
    dp.include_router(your_router)
    dp.include_router(make_router(engine))  # last: see below
    await register_commands(bot)  # /start, /help ... in English and Japanese
    await dp.start_polling(bot)

The router answers **every** message a person sends (text, captions; a sticker or a
photo without a caption gets "please choose one of the options", as in the standalone
bot) and **every** button press routed to it, including presses of buttons your own
bot made. So include it last, after your own routers, or put a filter on it, e.g.
``router.message.filter(F.chat.type == "private")`` or a filter on your users. Service
messages (members joining, pinned messages ...) are left alone. The guide stores its
conversations under ``tg:<chat id>`` in the engine's store, apart from aiogram's FSM.
"""

from __future__ import annotations

from typing import Any, Final

from aiogram import Bot, Router
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
)

from bot.channels.telegram_core import (
    ChatLocks,
    SendGuard,
    TelegramTurns,
    TgAction,
    TgEvent,
    command_sets,
)
from bot.engine import Engine

__all__ = ["FloodMiddleware", "make_router", "markup", "register_commands"]


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


class GuideHandlers:
    """The update handlers: translate, run the turn, send in order."""

    def __init__(self, engine: Engine) -> None:
        self.turns = TelegramTurns(engine)
        self.locks = ChatLocks()

    async def on_message(self, message: Message, bot: Bot) -> None:
        user = message.from_user
        event = TgEvent(
            chat_id=message.chat.id,
            text=message.text or message.caption or "",
            language_code=user.language_code if user else None,
        )
        await self._run(bot, event, None)

    async def on_callback(self, callback_query: CallbackQuery, bot: Bot) -> None:
        query = callback_query
        message = query.message
        chat_id = message.chat.id if message is not None else query.from_user.id
        event = TgEvent(
            chat_id=chat_id, data=query.data or "", language_code=query.from_user.language_code
        )
        await self._run(bot, event, query)

    async def _run(self, bot: Bot, event: TgEvent, query: CallbackQuery | None) -> None:
        async with self.locks.hold(event.chat_id):
            action = self.turns.turn(event)  # on the loop: see TelegramTurns
            await self._send(bot, event.chat_id, action, query)

    @staticmethod
    async def _send(bot: Bot, chat_id: int, action: TgAction, query: CallbackQuery | None) -> None:
        if query is not None and action.answer_callback:
            await bot.answer_callback_query(callback_query_id=query.id)
        if query is not None and action.edit_markup is not None and query.message is not None:
            await bot.edit_message_reply_markup(
                chat_id=chat_id,
                message_id=query.message.message_id,
                reply_markup=markup(action.edit_markup),
            )
        for out in action.messages:
            await bot.send_message(
                chat_id=chat_id,
                text=out.text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup(out.reply_markup),
                link_preview_options=NO_PREVIEW,
            )


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
