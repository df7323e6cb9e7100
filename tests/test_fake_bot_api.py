"""The fake Bot API server answers the real python-telegram-bot library over loopback HTTP."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import RetryAfter

from tests.fake_bot_api import running


def test_ptb_talks_to_the_fake_over_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # retry_after as a timedelta (PTB 22.2+)
    with running() as fake:

        async def scenario() -> None:
            bot = Bot(fake.token, base_url=fake.base_url)
            async with bot:
                me = await bot.get_me()
                assert me.username == "zairyu_guide_test_bot"
                markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="a:1")]])
                sent = await bot.send_message(
                    1, "<b>hi</b>", parse_mode="HTML", reply_markup=markup
                )
                assert sent.text == "<b>hi</b>"
                fake.push_update(
                    {
                        "message": {
                            "message_id": 1,
                            "date": 0,
                            "chat": {"id": 1, "type": "private"},
                            "from": {"id": 1, "is_bot": False, "first_name": "A"},
                            "text": "hello",
                        }
                    }
                )
                updates = await bot.get_updates(offset=0, timeout=1)
                assert [u.message.text for u in updates if u.message] == ["hello"]
                fake.fail_next("sendMessage", retry_after=3)
                with pytest.raises(RetryAfter) as caught:
                    await bot.send_message(1, "again")
                retry_after = caught.value.retry_after
                assert not isinstance(retry_after, int)
                assert retry_after.total_seconds() == 3

        asyncio.run(scenario())
        [call] = fake.calls("sendMessage")
        assert call.params["reply_markup"] == {
            "inline_keyboard": [[{"text": "Yes", "callback_data": "a:1"}]]
        }
        assert call.params["parse_mode"] == "HTML"
        assert [c.method for c in fake.calls()][-1] == "sendMessage:429"
