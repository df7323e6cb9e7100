"""Every shipped locale: a whole conversation, official Japanese beside the terms, dates,
language switching, FAQ answers found from the locale's own words, Telegram's limit."""

from __future__ import annotations

import re
from datetime import date

import pytest
from babel.messages.pofile import read_po

from bot.faq.content import entries
from bot.faq.search import index_for
from bot.i18n import LOCALE_DIR, LOCALES, catalog_name, normalize_locale, translator
from tests.conftest import Talk
from tests.test_engine import EXTENSION_EN

# The extension conversation of the engine tests, after its language step.
STEPS = EXTENSION_EN[1:]

JAPANESE_IN_PARENS = re.compile(r"[(（][^)）]*[\u3040-\u30ff\u4e00-\u9fff][^)）]*[)）]")


@pytest.mark.parametrize("locale", LOCALES)
def test_a_whole_conversation_in_each_locale(talk: Talk, locale: str) -> None:
    reply = talk(text="hi")
    reply = talk(choice=f"lang:{locale}")
    assert reply.locale == locale
    for step in STEPS:
        reply = talk(choice=step) if ":" in step else talk(text=step)
    assert reply.state == "verdict"
    assert reply.verdict is not None
    assert reply.verdict.online is True
    assert reply.locale == locale
    text = "\n".join(m.text for m in reply.messages)
    # The checklist's documents and screens stay recognisable: official Japanese beside them.
    assert len(JAPANESE_IN_PARENS.findall(text)) >= 3, text
    if locale not in ("en", "ja"):
        english = translator("en").t("What to prepare (as of {date}):", date="")
        assert english.split("(")[0] not in text


@pytest.mark.parametrize("locale", LOCALES)
def test_official_japanese_names_stand_beside_the_terms(talk: Talk, locale: str) -> None:
    talk(text="hi")
    talk(choice=f"lang:{locale}")
    reply = talk(choice="user_type:foreign_national")
    labels = {b.id: b.label for m in reply.messages for b in m.buttons}
    for bid, official in (
        ("procedure:extension", "在留期間更新許可申請"),
        ("procedure:change_of_status", "在留資格変更許可申請"),
    ):
        if locale == "ja":
            assert labels[bid] == official
        else:
            assert labels[bid].endswith(f"({official})"), labels[bid]


@pytest.mark.parametrize("locale", LOCALES)
def test_switching_language_mid_flow_keeps_the_answers(talk: Talk, locale: str) -> None:
    talk(text="hi")
    talk(choice="lang:en")
    talk(choice="user_type:foreign_national")
    before = talk(choice="procedure:extension")
    after = talk(command="lang", arg=locale)
    assert after.state == before.state == "ask_status"
    assert after.locale == locale
    assert [b.id for b in after.messages[-1].buttons] == [b.id for b in before.messages[-1].buttons]


@pytest.mark.parametrize("locale", LOCALES)
def test_dates_are_formatted_for_the_locale(locale: str) -> None:
    text = translator(locale).date(date(2027, 1, 15))
    assert "2027" in text
    assert "15" in text or "١٥" in text


@pytest.mark.parametrize("locale", LOCALES)
def test_no_message_outgrows_telegram_after_translation(locale: str) -> None:
    path = LOCALE_DIR / catalog_name(locale) / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        long = [m.id for m in read_po(fh) if m.id and len(str(m.string)) > 4096]
    assert long == []


@pytest.mark.parametrize("locale", LOCALES)
def test_each_faq_question_finds_its_own_entry(locale: str) -> None:
    """An entry's question, asked in the locale's words, finds that entry (at least 95%
    of entries: a few questions are close to a neighbour's)."""
    index = index_for(locale)
    faq = entries()
    found = [
        eid
        for eid, entry in faq.items()
        if (best := index.search(entry.texts[locale].question, top=1)).hits
        and best.hits[0].entry.id == eid
    ]
    assert len(found) >= 0.95 * len(faq), sorted(set(faq) - set(found))


@pytest.mark.parametrize(
    ("tag", "locale"),
    [
        ("ja-JP", "ja"),
        ("zh-CN", "zh-Hans"),
        ("zh_Hans", "zh-Hans"),
        ("zh-TW", None),
        ("zh-Hant-HK", None),
        ("pt", "pt-BR"),
        ("pt-PT", "pt-BR"),
        ("fil", "tl"),
        ("tl-PH", "tl"),
        ("in", "id"),
        ("id-ID", "id"),
        ("ne-NP", "ne"),
        ("my-MM", "my"),
        ("ko-KR", "ko"),
        ("vi-VN", "vi"),
        ("EN-us", "en"),
        ("fr", None),
        ("", None),
    ],
)
def test_language_tags_map_to_our_locales(tag: str, locale: str | None) -> None:
    expected = locale if locale is None or locale in LOCALES else None
    assert normalize_locale(tag) == expected
