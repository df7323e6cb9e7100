"""Every FAQ answer, in every locale, opens with a sentence that is true on its own.

A bare "Yes." / "No." / "Possibly." opening is right only under the entry's own
question; when another question matches the entry it becomes a forbidden claim (issue 11:
"Will a VPN let me file from abroad?" got "Possibly."). So the first sentence must name
its subject and state its claim: "Filing from abroad is not possible, with or without a
VPN." The patterns below are each language's bare openings.
"""

from __future__ import annotations

import re

import pytest

from bot.faq import entries
from bot.i18n import LOCALES

# A bare yes / no / maybe (or "usually yes") as the whole first clause, per language.
BARE_OPENINGS: dict[str, str] = {
    "en": r"(yes|no|possibly|maybe|probably|perhaps|usually( yes| no)?|it depends|not always"
    r"|generally,?( yes| no)?|normally,?( yes| no)?|in general,?( yes| no)?|in most cases"
    r"|sometimes|not yet|often not|often)\s*[.,!:;—(-]",
    "ja": r"(はい|いいえ|その可能性があります|可能性があります|そうかもしれません|通常は同じです"
    r"|おそらく|たぶん|多分|通常は|ふつうは"
    r"|場合によります)\s*[。、！]",
    "ja-easy": r"(はい|いいえ|たぶん|ふつうは|ばあいによります|できるかもしれません"
    r"|そうかもしれません)\s*[。、！]",
    "zh-Hans": r"(是的|是|不是|不|可以|不可以|可能|也许|通常可以|通常|一般可以"
    r"|视情况而定)\s*[。，！,.]",
    "vi": r"(có|không|có thể|thường là có|thường có|thường là không|tùy trường hợp)\s*[.,!:]",
    "ko": r"(네|예|아니요|아니오|가능합니다|아마도|아마|보통은|대체로"
    r"|경우에 따라 다릅니다)\s*[.,!]",
    "tl": r"(oo|opo|hindi|hindi po|posible|marahil|siguro|karaniwan( ay oo)?|depende)\s*[.,!]",
    "pt-BR": r"(sim|não|possivelmente|talvez|provavelmente|geralmente,?( sim| não)?|depende"
    r"|normalmente,?( sim| não)?|em geral,?( sim| não)?|muitas vezes( não| sim)?|ainda não)"
    r"\s*[.,!:]",
    "ne": r"(हो|होइन|सम्भव छ|सायद|हुन सक्छ|सामान्यतया (हो|सक्नुहुन्छ|सकिन्छ)|सकिँदैन"
    r"|सक्नुहुन्छ|सक्दिनँ|अझै होइन)\s*[।,.!]",
    "id": r"(ya|tidak|mungkin( saja)?|bisa|biasanya( ya| tidak)?|tergantung|umumnya( ya| tidak)?"
    r"|sering kali( ya| tidak)?|belum)\s*[.,!]",
    "my": r"(ဟုတ်ကဲ့|မဟုတ်ပါ|ဖြစ်နိုင်သည်|ဖြစ်နိုင်ပါသည်|ရပါသည်|မရပါ|မရသေးပါ|မပြုလုပ်ပေးပါ"
    r"|များသောအားဖြင့် ဟုတ်ပါသည်|ယေဘုယျအားဖြင့် ရပါသည်)\s*[။၊.,]",
}
# The first sentence ends at the first sentence-final mark.
_SENTENCE_END = re.compile(r"[.!?。！？।။](\s|$)|[。！？।။]")


def first_sentence(answer: str) -> str:
    text = answer.strip()
    match = _SENTENCE_END.search(text)
    return text[: match.end()].strip() if match else text


def test_every_locale_has_patterns() -> None:
    assert set(BARE_OPENINGS) == set(LOCALES)


CASES = [(locale, eid) for locale in LOCALES for eid in sorted(entries())]


@pytest.mark.parametrize(("locale", "eid"), CASES, ids=[f"{loc}-{eid}" for loc, eid in CASES])
def test_answers_open_with_a_claim_not_a_bare_yes_or_no(locale: str, eid: str) -> None:
    answer = entries()[eid].text(locale).answer
    opening = re.compile(rf"^\s*{BARE_OPENINGS[locale]}", re.IGNORECASE)
    assert not opening.match(answer), (locale, eid, first_sentence(answer))
    # A claim names its subject: the first sentence is more than a word or two.
    sentence = first_sentence(answer)
    spaced = locale not in ("ja", "ja-easy", "zh-Hans", "my")
    size = len(sentence.split()) if spaced else len(sentence)
    # Burmese spells a bare "no" in 5 code points: it needs a longer minimum.
    minimum = 4 if spaced else 15 if locale == "my" else 8
    assert size >= minimum, (locale, eid, sentence)


@pytest.mark.parametrize(
    ("locale", "answer"),
    [
        ("en", "Yes. You can."),
        ("en", "Possibly. The system blocks foreign IP addresses."),
        ("en", "Usually yes, but check."),
        ("ja", "はい。オンラインで申請できます。"),
        ("ja", "その可能性があります。"),
        ("vi", "Có thể. Hệ thống chặn IP nước ngoài."),
        ("zh-Hans", "可能。系统会屏蔽境外IP。"),
        ("pt-BR", "Sim, é possível."),
    ],
)
def test_the_patterns_catch_bare_openings(locale: str, answer: str) -> None:
    assert re.match(rf"^\s*{BARE_OPENINGS[locale]}", answer, re.IGNORECASE)


@pytest.mark.parametrize(
    ("locale", "answer"),
    [
        ("en", "Filing from abroad is not possible, with or without a VPN."),
        ("en", "No passport is mailed: only the residence card goes back."),
        ("ja", "パスポートは郵送しません。"),
        ("vi", "Không thể nộp từ nước ngoài, dù dùng VPN."),
    ],
)
def test_the_patterns_let_claims_through(locale: str, answer: str) -> None:
    assert not re.match(rf"^\s*{BARE_OPENINGS[locale]}", answer, re.IGNORECASE)
