"""Telegram rendering (pure): keyboards, callback limits, HTML, splitting, calendar, deep links."""

from __future__ import annotations

import html
import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.channels.telegram_render import (
    CALLBACK_LIMIT,
    TEXT_LIMIT,
    CallbackTooLong,
    StartPayload,
    calendar_markup,
    keyboard,
    parse_calendar_page,
    parse_start_payload,
    render_reply,
    split_text,
)
from bot.data.registry import STATUSES
from bot.flows.guide import GROUP_CHOICES, STEP_CHOICES
from bot.i18n import LOCALES
from bot.models import COMMANDS, Button, Message, Reply
from tests.conftest import Talk, drive

TODAY = date(2026, 11, 22)


def _all_button_ids() -> list[str]:
    ids = [f"{slot}:{value}" for slot, choices in STEP_CHOICES.items() for value, _, _ in choices]
    ids += [f"{slot}:{s.code.value}" for slot in ("status", "new_status") for s in STATUSES]
    ids += [f"status_group:{g}" for g, _, _ in GROUP_CHOICES] + ["status_group:all"]
    ids += [f"cmd:{c}" for c in COMMANDS] + [f"lang:{loc}" for loc in LOCALES]
    return ids


@pytest.mark.parametrize("bid", _all_button_ids())
def test_every_button_id_fits_callback_data(bid: str) -> None:
    assert len(bid.encode("utf-8")) <= CALLBACK_LIMIT


def test_a_long_button_id_is_refused_loudly() -> None:
    with pytest.raises(CallbackTooLong):
        keyboard([Button(id="x:" + "y" * 70, label="long")])


def test_keyboard_pairs_short_labels_and_gives_long_ones_a_row() -> None:
    markup = keyboard(
        [
            Button(id="a:1", label="Yes"),
            Button(id="a:2", label="No"),
            Button(id="a:3", label="A much longer label than fits"),
            Button(id="link:x", label="ISA", url="https://www.moj.go.jp/isa/"),
        ]
    )
    assert markup is not None
    rows = markup["inline_keyboard"]
    assert [[c["text"] for c in row] for row in rows] == [
        ["Yes", "No"],
        ["A much longer label than fits"],
        ["ISA"],
    ]
    assert rows[2][0] == {"text": "ISA", "url": "https://www.moj.go.jp/isa/"}
    assert keyboard([]) is None


def test_text_is_escaped_for_html_mode() -> None:
    reply = Reply(messages=[Message(text="<b>hi</b> & <script>")], expects=None)
    [out] = render_reply(reply, TODAY)
    assert out.text == "&lt;b&gt;hi&lt;/b&gt; &amp; &lt;script&gt;"


def test_messages_are_joined_until_one_has_buttons() -> None:
    """Verdict, checklist and hand-off become one message carrying the hand-off buttons;
    a message after buttons starts a new one; nothing is lost."""
    link = Button(id="link:isa", label="ISA", url="https://www.moj.go.jp/isa/")
    reply = Reply(
        messages=[
            Message(text="Yes: online."),
            Message(text="Checklist <1>"),
            Message(text="Hand-off", buttons=[link]),
            Message(text="Afterwards"),
        ],
        expects=None,
    )
    out = render_reply(reply, TODAY)
    assert [m.text for m in out] == [
        "Yes: online.\n\nChecklist &lt;1&gt;\n\nHand-off",
        "Afterwards",
    ]
    assert out[0].reply_markup == keyboard([link])
    assert out[1].reply_markup is None


def _golden_verdict(name: str) -> Reply:
    """The last reply with a verdict card in a golden transcript."""
    golden = Path(__file__).parent / "golden" / f"{name}.out.jsonl"
    replies = [Reply.model_validate_json(line) for line in golden.read_text().splitlines()]
    return [r for r in replies if r.card is not None][-1]


def test_the_verdict_headline_is_bold_and_the_rest_escaped() -> None:
    """With a card: the outcome (symbol and words) is the one bold line, the answer next."""
    reply = _golden_verdict("en_extension_online")
    assert reply.verdict is not None
    assert reply.card is not None
    [out] = render_reply(reply, TODAY)
    card = reply.card
    answer = html.escape(card.answer, quote=False)
    assert out.text.startswith(f"<b>{card.symbol} {card.headline}</b>\n{answer}\n\n")
    assert out.text.count("<b>") == 1
    # Without a card (a reply from before 0.5) the headline's first line is bold.
    old = reply.model_copy(update={"card": None})
    [out] = render_reply(old, TODAY)
    head = reply.messages[0].text.split("\n")[0]
    assert out.text.startswith(f"<b>{html.escape(head, quote=False)}</b>\n")
    assert out.text.count("<b>") == 1
    # Bold goes by the message's role, not by its place: no headline, no bold.
    bodies = [m.model_copy(update={"role": "body"}) for m in reply.messages]
    plain = reply.model_copy(update={"messages": bodies})
    assert "<b>" not in render_reply(plain, TODAY)[0].text


def _position(text: str, part: str) -> int:
    index = text.find(html.escape(part, quote=False))
    assert index >= 0, part
    return index


@pytest.mark.parametrize(
    "name",
    [
        "en_extension_online",
        "ja_extension_online",
        "ja-easy_extension_online",
        "ja_relative_abroad",
        "vi_extension_online",
        "ne_expiry_on_saturday",
        "my_permanent_residence_by_birth",
    ],
)
def test_the_verdict_comes_in_the_card_order(name: str) -> None:
    """A bold headline, then the dates, then the reasons, then the checklist, then what
    the filer needs and the notes, then the hand-off with its buttons: one message while
    it fits, and nothing of the verdict lost on the way."""
    reply = _golden_verdict(name)
    card = reply.card
    assert card is not None
    out = render_reply(reply, TODAY)
    text = "\n".join(m.text for m in out)
    assert out[-1].reply_markup == keyboard(reply.messages[-1].buttons)
    assert all(m.reply_markup is None for m in out[:-1])
    order = [_position(text, card.headline), _position(text, card.answer)]
    order += [_position(text, f"{d.label}: {d.text}") for d in card.dates]
    order += [_position(text, reason) for reason in card.reasons]
    if card.checklist_title:
        order.append(_position(text, card.checklist_title))
    body = next(m for m in reply.messages if m.role == "body")
    order += [_position(text, body.text), _position(text, reply.messages[-1].text)]
    assert order == sorted(order)
    # Every other message's text is there whole; the headline's answer and reasons too.
    for message in reply.messages:
        if message.role != "headline":
            _position(text, message.text)
    # The headline's own date sentences give way to the card's dates.
    headline = next(m for m in reply.messages if m.role == "headline")
    assert headline.text.startswith(card.answer)


def test_dates_today_or_past_are_marked() -> None:
    reply = _golden_verdict("en_extension_online")
    assert reply.card is not None
    assert reply.verdict is not None
    today = reply.verdict.today
    dates = [
        reply.card.dates[0].model_copy(update={"date": today - timedelta(days=3)}),
        reply.card.dates[1].model_copy(update={"date": today}),
        reply.card.dates[2],
    ]
    marked = reply.model_copy(update={"card": reply.card.model_copy(update={"dates": dates})})
    lines = render_reply(marked, TODAY)[0].text.split("\n")
    assert lines[3].endswith(f"{dates[0].text} (passed)")
    assert lines[4].endswith(f"{dates[1].text} (today)")
    assert lines[5].endswith(dates[2].text)
    assert lines[5] == f"{dates[2].label}: {dates[2].text}"


def test_an_faq_answer_at_the_verdict_keeps_its_order() -> None:
    """An FAQ answer at the verdict carries the hand-off only and no card: as it came."""
    golden = Path(__file__).parent / "golden" / "en_faq_interruptions.out.jsonl"
    replies = [Reply.model_validate_json(line) for line in golden.read_text().splitlines()]
    at_verdict = [r for r in replies if r.verdict is not None and r.faq is not None]
    assert at_verdict
    for reply in at_verdict:
        assert reply.card is None
        texts = [html.escape(m.text, quote=False) for m in reply.messages]
        assert "\n\n".join(m.text for m in render_reply(reply, TODAY)) == "\n\n".join(texts)


def test_help_at_the_verdict_is_not_bold() -> None:
    """/help at the verdict: the help text comes first, and only the headline is bold."""
    from bot.clock import fixed_clock
    from bot.engine import Engine
    from bot.models import Event
    from bot.storage import SQLiteStore
    from tests.conftest import NOW

    engine = Engine(SQLiteStore(":memory:"), clock=fixed_clock(NOW))
    golden = Path(__file__).parent / "golden" / "en_extension_online.in.jsonl"
    for line in golden.read_text(encoding="utf-8").splitlines():
        engine.handle(Event.model_validate({**json.loads(line), "user_key": "u"}))
    reply = engine.handle(Event(user_key="u", command="help"))
    assert reply.verdict is not None
    assert [m.role for m in reply.messages][:1] == ["help"]
    text = "".join(out.text for out in render_reply(reply, TODAY))
    help_head = html.escape(reply.messages[0].text.split("\n")[0], quote=False)
    assert f"<b>{help_head}" not in text


def test_joining_stops_before_the_telegram_limit() -> None:
    big = "x" * (TEXT_LIMIT - 10)
    reply = Reply(messages=[Message(text=big), Message(text="y" * 20)], expects=None)
    out = render_reply(reply, TODAY)
    assert [len(m.text) for m in out] == [TEXT_LIMIT - 10, 20]


@pytest.mark.parametrize("size", [0, 10, TEXT_LIMIT, TEXT_LIMIT + 1, 10_000])
def test_split_text_keeps_every_part_under_the_limit(size: int) -> None:
    text = "\n".join(f"line {i} " + "x" * 50 for i in range(size // 60)) + "y" * (size % 60)
    parts = split_text(text)
    assert all(len(p) <= TEXT_LIMIT for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")


def test_one_huge_line_is_cut_hard() -> None:
    parts = split_text("z" * 9000)
    assert [len(p) for p in parts] == [4096, 4096, 808]


def test_calendar_month_has_day_buttons_and_paging() -> None:
    markup = calendar_markup(2027, 2, TODAY, "en")
    rows = markup["inline_keyboard"]
    assert rows[0][1]["text"] == "February 2027"
    assert rows[0][0]["callback_data"] == "cal:2027-01"
    assert rows[0][2]["callback_data"] == "cal:2027-03"
    days = [c["callback_data"] for row in rows[1:] for c in row if c["text"].strip()]
    assert days[0] == "expiry:2027-02-01"
    assert days[-1] == "expiry:2027-02-28"
    assert len(days) == 28
    assert all(len(row) == 7 for row in rows[1:])
    cells = [c["callback_data"] for row in rows for c in row]
    assert all(len(c.encode()) <= CALLBACK_LIMIT for c in cells)


def test_calendar_is_japanese_in_ja_and_stops_at_its_bounds() -> None:
    assert calendar_markup(2027, 2, TODAY, "ja")["inline_keyboard"][0][1]["text"] == "2027年2月"
    first = calendar_markup(2025, 1, TODAY, "en")["inline_keyboard"][0]
    assert first[0]["callback_data"] == "cal:-"  # no paging before last January
    last = calendar_markup(2031, 12, TODAY, "en")["inline_keyboard"][0]
    assert last[2]["callback_data"] == "cal:-"
    clamped = calendar_markup(2099, 5, TODAY, "en")["inline_keyboard"][0][1]["text"]
    assert clamped == "December 2031"


@pytest.mark.parametrize(
    ("data", "page"),
    [("cal:2027-03", (2027, 3)), ("cal:2027-13", None), ("cal:-", None), ("expiry:x", None)],
)
def test_parse_calendar_page(data: str, page: tuple[int, int] | None) -> None:
    assert parse_calendar_page(data) == page


def test_the_date_step_gets_a_calendar_and_a_day_press_is_an_answer(talk: Talk) -> None:
    reply = drive(talk, "lang:en", "user_type:foreign_national", "procedure:extension")
    reply = talk(choice="status:student")
    assert reply.expects is not None
    assert reply.expects.kind == "date"
    out = render_reply(reply, TODAY)
    assert out[-1].reply_markup is not None
    assert out[-1].reply_markup["inline_keyboard"][0][1]["text"] == "November 2026"
    pressed = talk(choice="expiry:2027-01-15")
    assert pressed.state == "ask_stay_length"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (None, StartPayload()),
        ("", StartPayload()),
        ("ja", StartPayload("ja", None)),
        ("ja_p-acme", StartPayload("ja", "acme")),
        ("p-acme-2", StartPayload(None, "acme-2")),
        ("en_p-city-intl", StartPayload("en", "city-intl")),
        ("fr_p-acme", StartPayload(None, "acme")),
        ("p-" + "a" * 41, StartPayload()),
        ("x" * 65, StartPayload()),
        ("ja p-acme", StartPayload()),
        ("<script>", StartPayload()),
        ("日本語", StartPayload()),
    ],
)
def test_start_payloads(payload: str | None, expected: StartPayload) -> None:
    assert parse_start_payload(payload) == expected
