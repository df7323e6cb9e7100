"""The daily counters of a date range as CSV, for /staff/export.csv (issue 15).

UTF-8 *with* a byte-order mark: Excel on Japanese Windows opens a BOM-less CSV as Shift_JIS
and garbles every label that is not ASCII (language names, step names in the future);
with the BOM it reads UTF-8. LibreOffice, Google Sheets, Numbers and Python's
``encoding="utf-8-sig"`` all accept it. Rows are the stored ones (days without a row are
left out, not written as zeros), ordered by day, metric, label.

A cell a spreadsheet would read as a formula (starting with = + - @, or a tab or carriage
return) gets a leading apostrophe (OWASP "CSV injection"); a lone "-" (the "no partner"
label) is left alone, since no spreadsheet reads it as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from typing import Final

from bot.staff.store import DailyCount

HEADER: Final = ("day", "metric", "label", "count")
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """``text`` as a spreadsheet will show it, never run it."""
    if text != "-" and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def csv_bytes(rows: Iterable[DailyCount], start: date, end: date) -> bytes:
    """The rows inside ``start``..``end`` (inclusive) as a UTF-8 (BOM) CSV."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADER)
    kept = sorted(
        (r for r in rows if start <= r.day <= end), key=lambda r: (r.day, r.metric, r.label)
    )
    for r in kept:
        writer.writerow((r.day.isoformat(), safe_cell(r.metric), safe_cell(r.label), r.count))
    return buf.getvalue().encode("utf-8-sig")
