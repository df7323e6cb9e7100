"""The FAQ knowledge base: sourced, dated entries per locale and their search.

``search(query)`` is the library entry point (the CLI ``faq`` command and the
web API use it); :mod:`bot.faq.answer` turns a result into reply messages.
"""

from bot.faq.content import FaqEntry, FaqText, entries
from bot.faq.search import Hit, SearchResult, search
from bot.faq.tuning import THRESHOLD, threshold_for

__all__ = [
    "THRESHOLD",
    "FaqEntry",
    "FaqText",
    "Hit",
    "SearchResult",
    "entries",
    "search",
    "threshold_for",
]
