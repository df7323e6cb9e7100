"""やさしい日本語 (Easy Japanese): the lint's rules, and every ja-easy message keeps them.

The rules (issue 6): sentences of at most 30 characters; a kanji beyond the grade 1-3
list carries its reading in parentheses at its first use in a message (or is written in
kana); no honorific keigo such as ございます or いたします.
"""

from __future__ import annotations

from datetime import date

import pytest
from babel.messages.pofile import read_po

from bot.faq.content import entries
from bot.i18n import LOCALE_DIR, translator
from tools.easy_japanese import KANJI_FILE, allowed_kanji, problems

ALLOWED = allowed_kanji()
CATALOG = LOCALE_DIR / "ja_easy" / "LC_MESSAGES" / "messages.po"


def _catalog() -> list[tuple[str, str]]:
    with CATALOG.open("rb") as fh:
        return [(str(m.id), str(m.string)) for m in read_po(fh) if m.id]


def test_the_kanji_list_is_the_sourced_grade_1_to_3_table() -> None:
    text = KANJI_FILE.read_text(encoding="utf-8")
    assert "mext.go.jp" in text  # the source is named
    rows = dict(line.split(": ", 1) for line in text.splitlines() if line.startswith("grade"))
    assert [len(rows[g]) for g in ("grade1", "grade2", "grade3")] == [80, 160, 200]
    assert len(ALLOWED) == 440
    assert {"一", "学", "生", "年", "日", "本", "語"} <= ALLOWED
    assert "申" in ALLOWED  # grade 3; 申請 still needs a reading for 請
    assert not {"在", "留", "請", "更", "許", "可", "資", "格"} & ALLOWED


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("あした 学校に 行きます。", True),
        ("これは とても 長い 文です。三十文字を こえると だめです。ほんとうに だめですよ。", True),
        ("この ぶんしょうは さんじゅうもじを こえて しまうので だめに なってしまいます。", False),
        ("在留カードを 見せます。", False),
        ("在留（ざいりゅう）カードを 見せます。", True),
        ("申請（しんせい）します。もう一度 申請します。", True),
        ("よろしく おねがい いたします。", False),
        ("ここに ございます。", False),
        ("{date}までに {place}へ 行きます。", True),
    ],
)
def test_the_lint(text: str, ok: bool) -> None:
    assert (problems(text, ALLOWED) == []) is ok, problems(text, ALLOWED)


def test_every_ja_easy_message_keeps_the_rules() -> None:
    bad = [(msgid, p) for msgid, text in _catalog() for p in problems(text, ALLOWED)]
    assert bad == [], bad[:10]


def test_every_ja_easy_faq_question_and_answer_keeps_the_rules() -> None:
    bad = []
    for eid, entry in entries().items():
        text = entry.texts["ja-easy"]
        for field, value in (("question", text.question), ("answer", text.answer)):
            bad += [(eid, field, p) for p in problems(value, ALLOWED)]
    assert bad == [], bad[:10]


def test_ja_easy_formats_dates_as_japanese() -> None:
    day = date(2027, 1, 15)
    assert translator("ja-easy").date(day) == translator("ja").date(day) == "2027年1月15日"
