"""The verdict card (bot.card): its outcome, dates and reasons against the verdict and its
messages, in several languages; on the reply that shows the whole verdict only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.card import DATE_LABELS, verdict_card
from bot.clock import fixed_clock, today_in_tokyo
from bot.engine import Engine
from bot.i18n import translator
from bot.keydates import DateKind
from bot.models import Event, Reply
from bot.storage import SQLiteStore
from bot.takeaway import OUTCOME_TEXT, Outcome
from bot.verdict import answer_line
from tests.conftest import NOW

TODAY = today_in_tokyo(NOW)


def _verdict(lang: str, expiry: date, *, location: str = "japan") -> tuple[Engine, Reply]:
    engine = Engine(SQLiteStore(":memory:"), clock=fixed_clock(NOW))
    for choice in (f"lang:{lang}", "user_type:foreign_national", "procedure:extension"):
        engine.handle(Event(user_key="u", choice=choice))
    engine.handle(Event(user_key="u", choice="status:student"))
    engine.handle(Event(user_key="u", text=expiry.isoformat()))
    for choice in ("stay_over_3_months:yes", "has_my_number_card:yes", f"location:{location}"):
        reply = engine.handle(Event(user_key="u", choice=choice))
    return engine, reply


@pytest.mark.parametrize("lang", ["en", "ja", "ko", "my"])
def test_online_now_with_its_dates_in_order(lang: str) -> None:
    expiry = TODAY + timedelta(days=60)
    _, reply = _verdict(lang, expiry)
    card, verdict = reply.card, reply.verdict
    assert card is not None
    assert verdict is not None
    tr = translator(lang)
    assert card.outcome == Outcome.ONLINE_NOW.value
    assert card.headline == tr.t(OUTCOME_TEXT[Outcome.ONLINE_NOW])
    assert card.answer == answer_line(tr, verdict)
    assert reply.messages[0].text.startswith(card.answer)
    assert card.reasons == []
    kinds = [d.kind for d in card.dates]
    assert DateKind.TWO_WEEKS_LEFT.value not in kinds
    assert [d.date for d in card.dates] == sorted(d.date for d in card.dates)
    by_kind = {d.kind: d for d in card.dates}
    assert by_kind["expiry"].date == expiry
    assert by_kind["last_online_day"].date == verdict.last_online_day == expiry - timedelta(1)
    assert by_kind["window_opens"].date == verdict.opens_on
    for d in card.dates:
        assert d.text == tr.date(d.date)
        assert d.label == tr.t(DATE_LABELS[DateKind(d.kind)])
    assert card.checklist_title is not None
    assert any(m.text.startswith(card.checklist_title) for m in reply.messages)


def test_not_yet_and_not_online_carry_their_reasons() -> None:
    _, early = _verdict("en", TODAY + timedelta(days=200))
    assert early.card is not None
    assert early.card.outcome == Outcome.NOT_YET.value
    assert len(early.card.reasons) == 1
    assert f"• {early.card.reasons[0]}" in early.messages[0].text
    _, abroad = _verdict("en", TODAY + timedelta(days=60), location="abroad")
    assert abroad.card is not None
    assert abroad.card.outcome == Outcome.NOT_ONLINE.value
    assert abroad.card.reasons
    for reason in abroad.card.reasons:
        assert f"• {reason}" in abroad.messages[0].text


def test_the_card_goes_with_the_whole_verdict_only() -> None:
    """Resume shows the card again; an FAQ answer at the verdict (hand-off only) has none;
    a question step has none."""
    engine, reply = _verdict("ja", TODAY + timedelta(days=60))
    assert reply.card is not None
    assert engine.resume("u") == reply
    asked = engine.handle(Event(user_key="u", text="What is a My Number Card?"))
    assert asked.verdict is not None
    assert asked.faq is not None
    assert asked.card is None
    assert [m.role for m in asked.messages][-1] == "handoff"
    back = engine.handle(Event(user_key="u", command="back"))
    assert back.verdict is None
    assert back.card is None


def test_verdict_card_is_pure() -> None:
    engine, reply = _verdict("en", TODAY + timedelta(days=60))
    session = engine.store.load("u")
    assert session is not None
    assert reply.verdict is not None
    card = verdict_card(translator("en"), session, reply.verdict)
    assert card == reply.card
