"""The FAQ search's settings per locale, as data: answer thresholds and key-concept guards.

**Thresholds.** An answer needs this much of the query covered (0..1); below it the bot
says it does not know. Each locale's value is read off the precision/recall curve that
``bench/bench_faq.py --calibrate`` prints for that locale's held-out set: the highest
top-1 rate at which the share of out-of-scope questions declined still meets the locale's
target (95% en/ja, 90% elsewhere), never below :data:`THRESHOLD_FLOOR`. A locale whose
curve never meets its target keeps the default. Because the value is chosen on the same
held-out set the bench reports, the bench prints the figures at the default beside it.

**Key-concept guards.** Some words decide which entries may answer at all, whatever
else the question says: a question that mentions a VPN or a proxy is about reaching the
system from outside Japan (or through a foreign connection), so only those entries may
answer it. Without the guard, "Will a VPN let me renew from Osaka?" could match an
entry about renewals whose answer opens with a claim that is true only for its own
question (issue 11).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The default, and the value for English and Japanese (tuned on tests/faq_eval.jsonl).
THRESHOLD = 0.5
THRESHOLD_FLOOR = 0.4
# Calibrated with ``bench/bench_faq.py --calibrate`` on 2026-12-02 (see the module text).
THRESHOLDS: dict[str, float] = {
    "ja-easy": 0.48,
    "zh-Hans": 0.42,
    "vi": 0.52,
    "ko": 0.54,
    "tl": 0.60,
    "pt-BR": 0.46,
    "ne": 0.44,
}


def threshold_for(locale: str | None) -> float:
    """The answer threshold for a user reading ``locale`` (None: the default)."""
    return THRESHOLDS.get(locale or "", THRESHOLD)


@dataclass(frozen=True, slots=True)
class ConceptGuard:
    """When a query contains one of ``words``, only ``entries`` may answer it."""

    name: str
    words: tuple[str, ...]
    entries: frozenset[str]
    pattern: re.Pattern[str]


def _guard(name: str, words: tuple[str, ...], entries: tuple[str, ...]) -> ConceptGuard:
    # ASCII words match whole ("vpn", not "vpnx"), but next to any other script too
    # ("VPN経由"): Japanese and Chinese have no spaces. Other words match as substrings.
    parts = [
        rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])" if w.isascii() else re.escape(w) for w in words
    ]
    return ConceptGuard(name, words, frozenset(entries), re.compile("|".join(parts)))


GUARDS: tuple[ConceptGuard, ...] = (
    _guard(
        "foreign_access",
        (
            "vpn",
            "proxy",
            "proxies",
            "proksi",
            "proxy server",
            "プロキシ",
            "ブイピーエヌ",
            "代理服务器",
            "梯子",
            "翻墙",
            "프록시",
            "प्रोक्सी",
            "ပရောက်စီ",
        ),
        ("abroad", "foreign_ip_vpn", "abroad_reentry"),
    ),
)


def guard_for(normalized_query: str) -> ConceptGuard | None:
    """The first guard whose words occur in the (normalized, case-folded) query."""
    for guard in GUARDS:
        if guard.pattern.search(normalized_query):
            return guard
    return None
