"""The adversarial bank: questions whose honest answer is "no", in every locale.

Each file ``tests/bait/<locale folder>.toml`` holds ``[[bait]]`` items: the question as
people type it (``q``), the truth it baits against (``truth``, one of TRUTHS) and
``must_not``: regular expressions (case-insensitive) for what the guide must never say
to it in that language. Every bait is asked through the FAQ search (the answer shown
under it, as the chat and the CLI show it) and in the middle of a conversation; neither
may match a must-not pattern. To extend: add an item to a file; nothing else.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.clock import fixed_clock
from bot.engine import Engine
from bot.faq.answer import entry_text
from bot.faq.search import search
from bot.i18n import LOCALES, catalog_name, translator
from bot.models import Event
from bot.storage import SQLiteStore
from tests.conftest import NOW

BAIT_DIR = Path(__file__).resolve().parent / "bait"
# The truths that are "no" (issue 11).
TRUTHS = frozenset(
    {
        "vpn_from_abroad",  # a VPN or proxy does not make filing from abroad possible
        "mail_passport",  # the passport is never mailed
        "expiry_day_or_after",  # no online filing on the expiry day or after it
        "examination_complete",  # "examination complete" is not permission
        "permission_alone",  # activity permission or re-entry alone is not online
        "pr_or_card_online",  # permanent residence and card renewal are not online
        "expired_my_number",  # an expired My Number Card cannot log in
        "employer_applicant_abroad",  # nobody files an extension for an applicant abroad
    }
)
MIN_PER_LOCALE = 20
MIN_TOTAL = 300


@dataclass(frozen=True, slots=True)
class Bait:
    locale: str
    q: str
    truth: str
    must_not: tuple[re.Pattern[str], ...]


def _load() -> list[Bait]:
    out: list[Bait] = []
    for locale in LOCALES:
        path = BAIT_DIR / f"{catalog_name(locale)}.toml"
        if not path.exists():
            continue
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for item in data.get("bait", []):
            patterns = tuple(re.compile(p, re.IGNORECASE) for p in item["must_not"])
            out.append(Bait(locale, item["q"], item["truth"], patterns))
    return out


BANK = _load()


def test_the_bank_is_large_and_covers_every_truth() -> None:
    per_locale = Counter(b.locale for b in BANK)
    assert len(BANK) >= MIN_TOTAL
    assert {loc: n for loc, n in per_locale.items() if n < MIN_PER_LOCALE} == {}
    assert set(per_locale) == set(LOCALES)
    assert {b.truth for b in BANK} == TRUTHS
    assert {b.truth for b in BANK if b.truth not in TRUTHS} == set()
    assert all(b.must_not for b in BANK)


def _said(bait: Bait, text: str) -> list[str]:
    return [p.pattern for p in bait.must_not if p.search(text)]


@pytest.mark.parametrize("locale", LOCALES)
def test_no_search_answer_says_what_it_must_not(locale: str) -> None:
    """The top answer (as shown, with its matched question above it) for each bait."""
    tr = translator(locale)
    failures = []
    for bait in (b for b in BANK if b.locale == locale):
        result = search(bait.q, top=3, locale=locale)
        for hit in result.hits if result.answered else ():
            said = _said(bait, entry_text(tr, hit.entry))
            if said:
                failures.append((bait.q, hit.entry.id, said))
    assert failures == []


@pytest.mark.parametrize("locale", LOCALES)
def test_no_mid_flow_answer_says_what_it_must_not(locale: str) -> None:
    """Each bait asked at the procedure question of a conversation in its language."""
    engine = Engine(SQLiteStore(":memory:"), clock=fixed_clock(NOW))
    failures = []
    for n, bait in enumerate(b for b in BANK if b.locale == locale):
        key = f"bait:{locale}:{n}"
        engine.handle(Event(user_key=key, text="hi"))
        engine.handle(Event(user_key=key, choice=f"lang:{locale}"))
        engine.handle(Event(user_key=key, choice="user_type:foreign_national"))
        reply = engine.handle(Event(user_key=key, text=bait.q))
        said = _said(bait, "\n".join(m.text for m in reply.messages))
        if said:
            failures.append((bait.q, reply.faq, said))
    assert failures == []
