"""The funnel page's charts: server-rendered SVG, no JavaScript (issue 15).

Two shapes: columns for one metric per day over a date range (days without a row are
zeros), and horizontal bars for a breakdown or a funnel (steps in flow order, each with
the share of the conversations started that reached it). Each chart is ``role="img"``
with a ``<title>`` and a ``<desc>`` (named by ``aria-labelledby``), and
:func:`table_html` gives the same numbers as a plain table for the page to show beside
it: the table is what screen readers and copy-paste use, the chart is for the eye.

Colours meet WCAG AA: text #1a1a1a on white (17:1), bars #1f5f99 (6.6:1 against white,
above the 3:1 non-text minimum). Every label is escaped. Output depends only on the input
(no random ids, no clock), so tests compare structure. The caller passes translated
titles and column headings; this module holds no user-facing wording.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from markupsafe import Markup, escape

from bot.staff.store import DailyCount

TEXT: Final = "#1a1a1a"
BAR: Final = "#1f5f99"
GRID: Final = "#767676"

_W: Final = 640  # viewBox units; the SVG scales to its container
_PLOT_TOP: Final = 16
_PLOT_H: Final = 160
_LEFT: Final = 40
_BOTTOM: Final = 40
_ROW_H: Final = 24
_LABEL_W: Final = 180
_MAX_X_LABELS: Final = 8


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    count: int
    share_pct: int | None = None  # funnel only: % of the conversations started that got here


@dataclass(frozen=True, slots=True)
class Table:
    caption: str
    headings: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def days(start: date, end: date) -> list[date]:
    """Every day of the inclusive range (empty when end is before start)."""
    return [start + timedelta(n) for n in range((end - start).days + 1)]


def daily(
    rows: Iterable[DailyCount], start: date, end: date, metric: str, label: str | None = None
) -> list[tuple[date, int]]:
    """One metric per day (all its labels summed, or one label), zeros where no row."""
    per_day: dict[date, int] = defaultdict(int)
    for r in rows:
        if r.metric == metric and (label is None or r.label == label) and start <= r.day <= end:
            per_day[r.day] += r.count
    return [(d, per_day[d]) for d in days(start, end)]


def breakdown(rows: Iterable[DailyCount], metric: str) -> list[Bar]:
    """A metric's labels with their totals over the rows, largest first (then by label)."""
    totals: dict[str, int] = defaultdict(int)
    for r in rows:
        if r.metric == metric:
            totals[r.label] += r.count
    return [Bar(k, v) for k, v in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))]


def funnel(steps: Sequence[tuple[str, int]], started: int) -> list[Bar]:
    """Steps in the order a conversation meets them, each with the share of the
    ``started`` conversations that reached it (None when none started).

    Not the loss since the step before: the flow branches (a relative's condition, a
    second procedure, the new status, where the applicant is are asked on some paths
    only), so a step after a branch can be reached by more conversations than the branch
    step before it, and a chained drop-off would read -100% then a rise. The share of
    the started conversations is true on every path; the drop-off between two steps on
    one path is the difference of their shares."""
    return [
        Bar(label, count, round(100 * count / started) if started > 0 else None)
        for label, count in steps
    ]


def step_totals(rows: Iterable[DailyCount], order: Sequence[str]) -> list[tuple[str, int]]:
    """("step", name) totals in flow order, zeros for steps nobody reached."""
    totals = {b.label: b.count for b in breakdown(rows, "step")}
    return [(name, totals.get(name, 0)) for name in order]


def _nice_max(value: int) -> int:
    """The axis top: 1, 2 or 5 times a power of ten, at least the value (and at least 1)."""
    power = 1
    while True:
        for factor in (1, 2, 5):
            if power * factor >= value:
                return power * factor
        power *= 10


def _open(chart_id: str, title: str, desc: str, height: int) -> list[str]:
    cid = escape(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" id="{cid}" '
        f'aria-labelledby="{cid}-title {cid}-desc" viewBox="0 0 {_W} {height}" '
        # No style attribute: the console's CSP allows no inline styles; console.css sizes
        # the chart and sets its font (font-family/font-size attributes are the fallback).
        f'width="100%" font-family="system-ui, sans-serif" font-size="12">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(desc)}</desc>',
    ]


def daily_svg(series: Sequence[tuple[date, int]], chart_id: str, title: str, desc: str) -> Markup:
    """Columns, one per day; the x axis labels at most 8 days (MM-DD), the y axis 0 and top."""
    height = _PLOT_TOP + _PLOT_H + _BOTTOM
    top = _nice_max(max((c for _, c in series), default=0))
    plot_w = _W - _LEFT - 8
    slot = plot_w / max(len(series), 1)
    base = _PLOT_TOP + _PLOT_H
    out = _open(chart_id, title, desc, height)
    out += [
        f'<line x1="{_LEFT}" y1="{base}" x2="{_W - 8}" y2="{base}" stroke="{GRID}"/>',
        f'<text x="{_LEFT - 4}" y="{base}" text-anchor="end" fill="{TEXT}">0</text>',
        f'<text x="{_LEFT - 4}" y="{_PLOT_TOP + 4}" text-anchor="end" fill="{TEXT}">{top}</text>',
        f'<line x1="{_LEFT}" y1="{_PLOT_TOP}" x2="{_W - 8}" y2="{_PLOT_TOP}" '
        f'stroke="{GRID}" stroke-dasharray="2 3"/>',
    ]
    every = max(1, -(-len(series) // _MAX_X_LABELS))
    for n, (day, count) in enumerate(series):
        h = round(_PLOT_H * count / top, 1)
        x = round(_LEFT + n * slot + slot * 0.1, 1)
        label = escape(f"{day.isoformat()}: {count}")
        out.append(
            f'<rect x="{x}" y="{round(base - h, 1)}" width="{round(slot * 0.8, 1)}" '
            f'height="{h}" fill="{BAR}"><title>{label}</title></rect>'
        )
        if n % every == 0:
            out.append(
                f'<text x="{round(x + slot * 0.4, 1)}" y="{base + 16}" text-anchor="middle" '
                f'fill="{TEXT}">{day:%m-%d}</text>'
            )
    out.append("</svg>")
    return Markup("\n".join(out))


def bars_svg(bars: Sequence[Bar], chart_id: str, title: str, desc: str) -> Markup:
    """Horizontal bars: the label left, the bar, then the count (and the funnel's share) right."""
    height = _ROW_H * max(len(bars), 1) + 8
    top = max((b.count for b in bars), default=0) or 1
    room = _W - _LABEL_W - 110
    out = _open(chart_id, title, desc, height)
    for n, b in enumerate(bars):
        y = 4 + n * _ROW_H
        w = round(room * b.count / top, 1)
        value = f"{b.count}" if b.share_pct is None else f"{b.count} ({b.share_pct}%)"
        out += [
            f'<text x="{_LABEL_W - 6}" y="{y + 15}" text-anchor="end" fill="{TEXT}">'
            f"{escape(_short(b.label))}</text>",
            f'<rect x="{_LABEL_W}" y="{y + 3}" width="{w}" height="{_ROW_H - 8}" '
            f'fill="{BAR}"><title>{escape(b.label)}: {escape(value)}</title></rect>',
            f'<text x="{round(_LABEL_W + w + 6, 1)}" y="{y + 15}" fill="{TEXT}">'
            f"{escape(value)}</text>",
        ]
    out.append("</svg>")
    return Markup("\n".join(out))


def _short(label: str, limit: int = 28) -> str:
    """A long label is cut on the chart (the <title> and the table keep it whole)."""
    return label if len(label) <= limit else label[: limit - 1] + "…"


def daily_table(
    series: Sequence[tuple[date, int]], caption: str, headings: tuple[str, str]
) -> Table:
    return Table(caption, headings, tuple((d.isoformat(), str(c)) for d, c in series))


def bars_table(bars: Sequence[Bar], caption: str, headings: tuple[str, ...]) -> Table:
    """Label and count; a third heading adds the share column (funnels)."""

    def row(b: Bar) -> tuple[str, ...]:
        if len(headings) < 3:
            return (b.label, str(b.count))
        return (b.label, str(b.count), "" if b.share_pct is None else f"{b.share_pct}%")

    return Table(caption, headings, tuple(row(b) for b in bars))


def table_html(table: Table) -> Markup:
    """The same numbers as a plain table: caption, column headers, one row per value."""
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in table.headings)
    body = "".join(
        "<tr>"
        + f'<th scope="row">{escape(r[0])}</th>'
        + "".join(f"<td>{escape(c)}</td>" for c in r[1:])
        + "</tr>"
        for r in table.rows
    )
    return Markup(
        f"<table><caption>{escape(table.caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )
