"""The per-locale held-out FAQ sets (issue 11, section 4) are well formed.

Only their shape is checked here: every file loads as ``Case`` lines, each labelled with a
real entry id or "none", big enough and with enough out-of-scope questions. Their accuracy
is measured by bench/bench_faq.py (the project measures quality in bench/, not in tests).
"""

from __future__ import annotations

import pytest

from bot.faq.content import load
from bot.i18n import LOCALES
from tests.faq_cases import HOLDOUT_DIR, Case, load_holdout

HOLDOUT = load_holdout()
ENTRY_IDS = frozenset(load())
# Issue 11: at least 40 questions per locale, and 100 more for en and ja.
MIN_QUESTIONS = {"en": 100, "ja": 100}
MIN_QUESTIONS_OTHER = 40
MIN_OUT_OF_SCOPE_SHARE = 0.15


def test_every_locale_has_a_holdout_file() -> None:
    assert list(HOLDOUT) == list(LOCALES), f"files in {HOLDOUT_DIR}"


@pytest.mark.parametrize("locale", LOCALES)
def test_holdout_locale_is_well_formed(locale: str) -> None:
    cases = HOLDOUT[locale]
    assert all(isinstance(c, Case) for c in cases)
    assert {c.lang for c in cases} == {locale}
    assert {c.style for c in cases} == {"holdout"}
    assert all(c.q.strip() for c in cases)
    assert len({c.q for c in cases}) == len(cases), "duplicate questions"
    unknown = {c.expect for c in cases} - ENTRY_IDS - {"none"}
    assert not unknown, f"not an entry id: {sorted(unknown)}"
    assert len(cases) >= MIN_QUESTIONS.get(locale, MIN_QUESTIONS_OTHER)
    out_of_scope = sum(c.expect == "none" for c in cases)
    assert out_of_scope >= MIN_OUT_OF_SCOPE_SHARE * len(cases)
