"""The text the scrubber (bot/staff/scrub.py) searches: a *view* of what was typed, NFKC
per character cluster with every decimal digit as an ASCII digit, and a map back to the
original, so that only the matched stretches are replaced; the placeholders it puts in."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

CARD: Final = "[card]"
MY_NUMBER_TAG: Final = "[my-number]"
PASSPORT_TAG: Final = "[passport]"
PHONE: Final = "[phone]"
EMAIL: Final = "[email]"
NAME: Final = "[name]"
NUMBER: Final = "[number]"  # 10+ digits that are no phone shape we know: kept out anyway
PLACEHOLDERS: Final = (CARD, MY_NUMBER_TAG, PASSPORT_TAG, PHONE, EMAIL, NAME, NUMBER)

MASK = "\ufffc"
_COMPACT_SEPS = frozenset(" -\u2010\u2011\u2012\u2013\u2014\u2015\u2212ー")


@dataclass(frozen=True, slots=True)
class View:
    """Text to search, and for each of its characters the original span it came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original(self, start: int, end: int) -> tuple[int, int]:
        return self.starts[start], self.ends[end - 1]


def clusters(text: str) -> Iterator[tuple[int, int]]:
    """A starter and the combining marks after it: the unit NFKC is applied to."""
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        yield i, j
        i = j


def detection_view(text: str) -> View:
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, j in clusters(text):
        for c in unicodedata.normalize("NFKC", text[i:j]):
            chars.append(str(unicodedata.decimal(c)) if unicodedata.category(c) == "Nd" else c)
            starts.append(i)
            ends.append(j)
    return View("".join(chars), tuple(starts), tuple(ends))


def masked(view: View, covered: bytearray) -> View:
    """The view with what earlier finders took blanked out, so finds never overlap."""
    text = "".join(MASK if covered[i] else c for c, i in zip(view.text, view.starts, strict=True))
    return View(text, view.starts, view.ends)


def compact(view: View) -> View:
    """Drop a lone space or hyphen between a digit and a digit or an ASCII letter (so "at
    1234567 yen" reads as a passport number: over-scrubbing beats leaking)."""
    t = view.text
    keep = [
        k
        for k, c in enumerate(t)
        if not (
            c in _COMPACT_SEPS
            and 0 < k < len(t) - 1
            and id_char(t[k - 1])
            and id_char(t[k + 1])
            and (t[k - 1].isdigit() or t[k + 1].isdigit())
        )
    ]
    return View(
        "".join(t[k] for k in keep),
        tuple(view.starts[k] for k in keep),
        tuple(view.ends[k] for k in keep),
    )


def id_char(c: str) -> bool:
    return c.isascii() and c.isalnum()


def wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())
