"""Spot identity numbers a user pasted, so the engine can warn and keep nothing.

We never need a residence card, passport or My Number; a match means the text
is dropped (never stored or logged) and the user is told so. The patterns are shared with
bot.staff.scrub (which replaces them in declined questions), so they are written once, here.
They expect NFKC, upper-cased text, or compile them again with re.IGNORECASE.
"""

from __future__ import annotations

import re
import unicodedata

# Residence card number: 2 letters, 8 digits, 2 letters (e.g. AB12345678CD).
RESIDENCE_CARD = re.compile(r"(?<![A-Z0-9])[A-Z]{2}\d{8}[A-Z]{2}(?![A-Z0-9])")
# Japanese passport: 2 letters + 7 digits; many others: 1–2 letters + 7–8 digits.
PASSPORT = re.compile(r"(?<![A-Z0-9])[A-Z]{1,2}\d{7,8}(?![A-Z0-9])")
# My Number: 12 digits, optionally grouped 4-4-4 with spaces or hyphens.
MY_NUMBER = re.compile(r"(?<!\d)\d{4}[ -]?\d{4}[ -]?\d{4}(?!\d)")


def contains_id_number(text: str) -> bool:
    """True if ``text`` looks like it holds a card, passport or My Number number."""
    norm = unicodedata.normalize("NFKC", text).upper()
    return bool(RESIDENCE_CARD.search(norm) or PASSPORT.search(norm) or MY_NUMBER.search(norm))
