"""The console's SVG charts, their tables, and the CSV export (issue 15)."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from bot.staff.charts import (
    BAR,
    TEXT,
    Bar,
    bars_svg,
    bars_table,
    breakdown,
    daily,
    daily_svg,
    daily_table,
    funnel,
    step_totals,
    table_html,
)
from bot.staff.export import csv_bytes, safe_cell
from bot.staff.store import DailyCount

SVG = "{http://www.w3.org/2000/svg}"
D1, D2, D3 = date(2027, 3, 1), date(2027, 3, 2), date(2027, 3, 3)
ROWS = [
    DailyCount(D1, "conversations", "web", 3),
    DailyCount(D1, "conversations", "telegram", 1),
    DailyCount(D3, "conversations", "web", 2),
    DailyCount(D1, "step", "user_type", 4),
    DailyCount(D1, "step", "procedure", 3),
    DailyCount(D3, "step", "user_type", 2),
    DailyCount(D3, "locale", "vi", 2),
    DailyCount(D1, "locale", "ja", 4),
    DailyCount(date(2027, 4, 1), "conversations", "web", 99),  # outside the range
]


def _contrast(a: str, b: str) -> float:
    def lum(hex_colour: str) -> float:
        chans = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in chans]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_daily_fills_missing_days_with_zeros() -> None:
    assert daily(ROWS, D1, D3, "conversations") == [(D1, 4), (D2, 0), (D3, 2)]
    assert daily(ROWS, D1, D3, "conversations", "web") == [(D1, 3), (D2, 0), (D3, 2)]
    assert daily([], D1, D2, "conversations") == [(D1, 0), (D2, 0)]


def test_breakdown_and_funnel_numbers() -> None:
    assert breakdown(ROWS[:8], "locale") == [Bar("ja", 4), Bar("vi", 2)]
    steps = step_totals(ROWS, ["user_type", "procedure", "status"])
    assert steps == [("user_type", 6), ("procedure", 3), ("status", 0)]
    assert funnel([("started", 8), *steps], started=8) == [
        Bar("started", 8, 100),
        Bar("user_type", 6, 75),
        Bar("procedure", 3, 38),
        Bar("status", 0, 0),
    ]
    assert funnel([("a", 0), ("b", 0)], started=0) == [Bar("a", 0, None), Bar("b", 0, None)]


def test_daily_svg_is_an_accessible_image_with_one_column_per_day() -> None:
    series = daily(ROWS, D1, D3, "conversations")
    svg = daily_svg(series, "started", "Conversations started", "Per day, 1–3 March")
    root = ET.fromstring(str(svg))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "started-title started-desc"
    assert root.find(f"{SVG}title").text == "Conversations started"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == "Per day, 1–3 March"  # type: ignore[union-attr]
    rects = root.findall(f"{SVG}rect")
    assert [r.find(f"{SVG}title").text for r in rects] == [  # type: ignore[union-attr]
        "2027-03-01: 4",
        "2027-03-02: 0",
        "2027-03-03: 2",
    ]
    heights = [float(r.get("height", "")) for r in rects]
    assert heights[1] == 0
    assert heights[0] == 2 * heights[2]
    assert "<script" not in svg
    assert svg == daily_svg(series, "started", "Conversations started", "Per day, 1–3 March")


def test_a_long_range_labels_at_most_eight_days() -> None:
    start = date(2027, 1, 1)
    series = daily([], start, date(2027, 3, 31), "conversations")
    root = ET.fromstring(str(daily_svg(series, "c", "t", "d")))
    assert len(root.findall(f"{SVG}rect")) == 90
    day_labels = [t for t in root.findall(f"{SVG}text") if "-" in (t.text or "")]
    assert 1 < len(day_labels) <= 8


def test_bars_svg_escapes_labels_and_shows_the_share() -> None:
    bars = funnel([("<script>alert(1)</script>", 10), ("step & more", 4)], started=10)
    svg = str(bars_svg(bars, "funnel", 'Funnel "all"', "Steps <reached>"))
    assert "<script>" not in svg
    root = ET.fromstring(svg)
    texts = [t.text for t in root.findall(f"{SVG}text")]
    assert "<script>alert(1)</script>" in texts
    assert "step & more" in texts
    assert "4 (40%)" in texts
    assert root.find(f"{SVG}title").text == 'Funnel "all"'  # type: ignore[union-attr]
    widths = [float(r.get("width", "")) for r in root.findall(f"{SVG}rect")]
    assert widths[0] == pytest.approx(widths[1] * 10 / 4)


def test_the_table_holds_the_same_numbers_as_the_chart() -> None:
    series = daily(ROWS, D1, D3, "conversations")
    table = daily_table(series, "Conversations started", ("Day", "Conversations"))
    assert table.rows == (("2027-03-01", "4"), ("2027-03-02", "0"), ("2027-03-03", "2"))
    html = str(table_html(table))
    root = ET.fromstring(html)
    assert root.find("caption").text == "Conversations started"  # type: ignore[union-attr]
    assert [th.get("scope") for th in root.iter("th")][:2] == ["col", "col"]
    assert len(root.findall("tbody/tr")) == 3
    bars = funnel([("a<b", 8), ("c", 2)], started=8)
    ftable = bars_table(bars, "Funnel", ("Step", "Reached", "Share"))
    assert ftable.rows == (("a<b", "8", "100%"), ("c", "2", "25%"))
    assert "a&lt;b" in str(table_html(ftable))
    assert bars_table(bars, "x", ("Label", "Count")).rows == (("a<b", "8"), ("c", "2"))


def test_colours_meet_wcag_aa() -> None:
    assert _contrast(TEXT, "#ffffff") >= 4.5
    assert _contrast(BAR, "#ffffff") >= 3


def test_csv_has_bom_header_and_range() -> None:
    data = csv_bytes(ROWS, D1, D3)
    assert data.startswith(b"\xef\xbb\xbfday,metric,label,count\r\n")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["day", "metric", "label", "count"]
    assert len(rows) == 1 + 8  # the April row is outside the range
    assert rows[1] == ["2027-03-01", "conversations", "telegram", "1"]
    assert all(r[0] <= "2027-03-03" for r in rows[1:])
    assert csv_bytes([], D1, D3) == b"\xef\xbb\xbfday,metric,label,count\r\n"


@pytest.mark.parametrize(
    ("label", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+81", "'+81"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("-", "-"),
        ("refused:-", "refused:-"),
        ("日本語", "日本語"),
    ],
)
def test_csv_neutralises_formulas(label: str, cell: str) -> None:
    assert safe_cell(label) == cell
    data = csv_bytes([DailyCount(D1, "partner", label, 1)], D1, D1)
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1][2] == cell


def test_a_step_after_a_branch_is_no_rise_after_minus_100_percent() -> None:
    """A branch step few conversations visit, then a step everyone reaches: shares of the
    started conversations, never a chained -100% followed by a rise."""
    bars = funnel([("lang", 10), ("ask_relative_condition", 0), ("status", 7)], started=10)
    assert [b.share_pct for b in bars] == [100, 0, 70]
    assert funnel([("lang", 0)], started=0)[0].share_pct is None
