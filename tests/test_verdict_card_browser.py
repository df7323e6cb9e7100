"""The verdict card in a real browser (issue 13): Debian's Chromium driven by Playwright,
against a real ``python -m bot serve``, with the servers, pages and helpers of
tests/test_widget_browser.py.

After the last answer the card's headline is in view and has the focus (phone and
desktop); the outcome is said by a symbol with a text alternative and in words; the tick
boxes survive a reload; the print view holds the checklist; axe-core finds nothing.
"""

# The fixtures of tests/test_widget_browser.py are imported by name, and pytest passes them
# back as the tests' arguments of the same names.
# ruff: noqa: F811

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import ViewportSize, expect

from bot.channels.web import ui_strings
from bot.i18n import translator
from bot.takeaway import OUTCOME_TEXT, Outcome
from tests.test_widget_browser import (  # noqa: F401 - fixtures, used by name
    DESKTOP,
    HOST,
    HOSTILE,
    PHONE,
    Server,
    Widget,
    _axe_source,
    _finish,
    _to_expiry,
    browser,
    expiry_in_60_days,
    open_page,
    partner_site,
    playwright,
    server,
)

BROWSER_LOCALE = {"en": "en-US", "ja": "ja-JP", "ko": "ko-KR"}
LANGS = ["en", "ja", "ko"]  # ko: a non-Latin script besides Japanese


def _tokyo_today() -> date:
    return datetime.now(ZoneInfo("Asia/Tokyo")).date()


def _to_verdict(w: Widget, lang: str, expiry: date) -> None:
    """From the date step to the verdict card, whatever the outcome."""
    w.date_box.fill(expiry.isoformat())
    w.q(".zg-date-form button[type=submit]").click()
    w.press("stay_over_3_months:yes", then="has_my_number_card:yes")
    w.press("has_my_number_card:yes", then="location:japan")
    w.press("location:japan")
    expect(w.q(".zg-card")).to_have_count(1)


def _headline_placement(w: Widget) -> dict[str, Any]:
    """Where the card's headline is: against the window and the log's visible area."""
    result: dict[str, Any] = w.page.evaluate(
        """(tag) => {
          const root = document.querySelector(tag).shadowRoot;
          const head = root.querySelector('.zg-card .zg-card-head');
          const log = root.querySelector('.zg-log');
          const h = head.getBoundingClientRect();
          const l = log.getBoundingClientRect();
          return {top: h.top, bottom: h.bottom, left: h.left, right: h.right,
                  logTop: l.top, logBottom: l.bottom,
                  width: innerWidth, height: innerHeight,
                  focused: root.activeElement === head};
        }""",
        HOST,
    )
    return result


def _axe(w: Widget) -> list[dict[str, Any]]:
    violations: list[dict[str, Any]] = w.page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5)}));
        }"""
    )
    return violations


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_verdict_card_is_in_view_and_has_the_focus(
    open_page: Callable[..., Widget], lang: str, viewport: ViewportSize
) -> None:
    """After the last answer: the card's headline is inside the window and the log's view
    and has the focus; the outcome is a symbol with a text alternative plus words; the
    dates, checklist, hand-off, calendar and print links and "More details" are there."""
    phone = viewport == PHONE
    w = open_page(locale=BROWSER_LOCALE[lang], viewport=viewport, mobile=phone)
    _to_expiry(w, lang, typed_status=False)
    expiry = expiry_in_60_days()
    _finish(w, lang, expiry)
    ui = ui_strings(lang)
    tr = translator(lang)
    card = w.q(".zg-card")
    expect(card).to_have_count(1)
    head = card.locator(".zg-card-head")
    expect(head).to_be_focused()
    where = _headline_placement(w)
    assert where["focused"]
    assert where["top"] >= 0, where
    assert where["bottom"] <= where["height"], where
    assert where["left"] >= 0, where
    assert where["right"] <= where["width"], where
    assert where["top"] >= where["logTop"], where  # not hidden by the log's scrolling
    assert where["bottom"] <= where["logBottom"], where
    # The outcome: a heading, a symbol with its text alternative, and the words.
    assert head.evaluate("e => e.tagName") == "H3"
    assert head.get_attribute("tabindex") == "-1"
    icon = head.locator(".zg-card-icon")
    expect(icon).to_have_attribute("role", "img")
    expect(icon).to_have_attribute("aria-label", ui["card_icon_online_now"])
    expect(head.locator(".zg-card-outcome")).to_have_text(tr.t(OUTCOME_TEXT[Outcome.ONLINE_NOW]))
    expect(card).to_have_class("zg-msg zg-card zg-card-online_now")
    # The timeline, in date order, the dates as the rest of the verdict writes them.
    kinds = card.locator(".zg-tl-item").evaluate_all("els => els.map(e => e.dataset.kind)")
    assert kinds == ["window_opens", "last_online_day", "expiry", "counter_deadline"][: len(kinds)]
    assert "expiry" in kinds
    expect(card.locator('.zg-tl-item[data-kind="expiry"] time')).to_have_text(tr.date(expiry))
    expect(card.locator('.zg-tl-item[data-kind="expiry"] time')).to_have_attribute(
        "datetime", expiry.isoformat()
    )
    expect(card.locator('.zg-tl-item[data-kind="last_online_day"] time')).to_have_text(
        tr.date(expiry - timedelta(days=1))
    )
    # The checklist as tick boxes, each with its label; the hand-off; the take-aways.
    boxes = card.locator("input.zg-check[type=checkbox]")
    assert boxes.count() >= 3
    expect(card.locator(".zg-checklist legend")).not_to_be_empty()
    expect(card.locator('.zg-card-handoff a.zg-link[data-id="link:isa_online"]')).to_be_visible()
    expect(card.locator('button.zg-choice[data-id="cmd:back"]')).to_be_enabled()
    expect(card.locator('button.zg-choice[data-id="cmd:restart"]')).to_be_enabled()
    sid = w.session_id()
    assert sid is not None
    calendar = card.locator('a.zg-action[data-id="calendar"]')
    expect(calendar).to_have_text(ui["card_calendar"])
    calendar_url = f"{w.server.base}/api/v1/sessions/{sid}/calendar.ics"
    assert calendar.get_attribute("href") == calendar_url
    printable = card.locator('a.zg-action[data-id="print"]')
    expect(printable).to_have_text(ui["card_print"])
    checklist_url = f"{w.server.base}/api/v1/sessions/{sid}/checklist.html"
    assert printable.get_attribute("href") == checklist_url
    assert printable.get_attribute("target") == "_blank"
    # Both lead somewhere: the calendar file and the printable page are served.
    for url, media in ((calendar_url, "text/calendar"), (checklist_url, "text/html")):
        with urllib.request.urlopen(url, timeout=10) as resp:
            assert resp.status == 200
            assert resp.headers.get_content_type() == media
    # The notes fold under "More details": closed at first, open on a press.
    more = card.locator("details.zg-card-more")
    expect(more.locator("summary")).to_have_text(ui["card_more"])
    assert more.get_attribute("open") is None
    more.locator("summary").click()
    expect(more.locator(".zg-text").first).to_be_visible()
    w.watch.assert_clean(w.page)


def test_not_yet_is_said_in_words_and_lists_the_reason(open_page: Callable[..., Widget]) -> None:
    """An expiry five months ahead: the window is not open yet; the card says so with its
    own symbol and words, lists the reason and the day the window opens."""
    w = open_page()
    _to_expiry(w, "en", typed_status=False)
    _to_verdict(w, "en", _tokyo_today() + timedelta(days=150))
    card = w.q(".zg-card")
    expect(card).to_have_class("zg-msg zg-card zg-card-not_yet")
    expect(card.locator(".zg-card-icon")).to_have_attribute(
        "aria-label", ui_strings("en")["card_icon_not_yet"]
    )
    expect(card.locator(".zg-card-outcome")).to_have_text(OUTCOME_TEXT[Outcome.NOT_YET])
    expect(card.locator(".zg-reasons li")).to_have_count(1)
    expect(card.locator(".zg-tl-item").first).to_have_attribute("data-kind", "window_opens")
    expect(card.locator(".zg-card-head")).to_be_focused()
    w.watch.assert_clean(w.page)


def test_tick_boxes_survive_a_reload_and_go_with_delete_my_data(
    open_page: Callable[..., Widget],
) -> None:
    w = open_page()
    _to_expiry(w, "en", typed_status=False)
    _finish(w, "en", expiry_in_60_days())
    boxes = w.q(".zg-card input.zg-check")
    boxes.nth(0).check()
    boxes.nth(2).check()
    sid = w.session_id()
    key = f"zairyu-guide:checks:{sid}"
    stored = w.page.evaluate("(k) => localStorage.getItem(k)", key)
    ids = boxes.evaluate_all("els => els.map(e => e.dataset.item)")
    assert sorted(json.loads(stored)) == sorted([ids[0], ids[2]])
    w.page.reload()
    # The panel stays open for the tab; the verdict is resumed as a card.
    expect(w.q(".zg-card")).to_have_count(1)
    boxes = w.q(".zg-card input.zg-check")
    checked = boxes.evaluate_all("els => els.map(e => e.checked)")
    assert checked[0]
    assert checked[2]
    assert sum(checked) == 2
    boxes.nth(0).uncheck()
    w.page.reload()
    expect(w.q(".zg-card")).to_have_count(1)
    checked = w.q(".zg-card input.zg-check").evaluate_all("els => els.map(e => e.checked)")
    assert [i for i, c in enumerate(checked) if c] == [2]
    # Delete my data: the ticks go too.
    w.q(".zg-forget").click()
    w.wait_for_text(ui_strings("en")["forgotten"])
    assert w.page.evaluate("(k) => localStorage.getItem(k)", key) is None
    w.watch.assert_clean(w.page)


@pytest.mark.parametrize(("lang", "path"), [("en", "/"), ("ja", "/"), ("ko", "/"), ("en", HOSTILE)])
def test_axe_finds_nothing_on_the_card(
    open_page: Callable[..., Widget], server: Server, lang: str, path: str
) -> None:
    """axe-core: no violation at all with the card shown, its details open, a box ticked;
    on the demo partner page (in three languages) and on the hostile page."""
    source = _axe_source()
    w = open_page(locale=BROWSER_LOCALE[lang], bypass_csp=True, url=server.base + path)
    w.page.add_script_tag(content=source)
    _to_expiry(w, lang, typed_status=False)
    _finish(w, lang, expiry_in_60_days())
    found = {"card": _axe(w)}
    w.q(".zg-card details summary").click()
    w.q(".zg-card input.zg-check").first.check()
    found["details open, box ticked"] = _axe(w)
    assert found == {"card": [], "details open, box ticked": []}


@pytest.mark.parametrize("lang", LANGS)
def test_the_print_view_holds_the_checklist(open_page: Callable[..., Widget], lang: str) -> None:
    """The "Print / save as PDF" page, printed by Chromium to a PDF. No PDF text library
    is installed (nor pdftotext), so the PDF is checked to be one, and the texts in the
    print-emulated page that produced it."""
    w = open_page(locale=BROWSER_LOCALE[lang])
    _to_expiry(w, lang, typed_status=False)
    _finish(w, lang, expiry_in_60_days())
    items = w.q(".zg-card .zg-check-label").all_inner_texts()
    assert items
    href = w.q('.zg-card a.zg-action[data-id="print"]').get_attribute("href")
    assert href is not None
    with w.page.context.expect_page() as opened:
        w.q('.zg-card a.zg-action[data-id="print"]').click()
    page = opened.value
    page.wait_for_load_state()
    assert page.url == href
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 5_000
    printed = page.locator("body").inner_text()
    missing = [text for text in items if " ".join(text.split()) not in " ".join(printed.split())]
    assert missing == []


def test_a_language_switch_at_the_verdict_shows_the_card_again(
    open_page: Callable[..., Widget],
) -> None:
    """/lang at the verdict: a new card in the new language comes into view, the focus
    stays on the language select, and a tick on one card shows on the other."""
    w = open_page()
    _to_expiry(w, "en", typed_status=False)
    _finish(w, "en", expiry_in_60_days())
    w.q("select#zg-lang").focus()  # as a visitor's Tab or click would
    w.q("select#zg-lang").select_option("ja")
    expect(w.q(".zg-card")).to_have_count(2)
    latest = w.q(".zg-card").last
    ja = translator("ja")
    expect(latest.locator(".zg-card-outcome")).to_have_text(ja.t(OUTCOME_TEXT[Outcome.ONLINE_NOW]))
    expect(latest.locator(".zg-card-icon")).to_have_attribute(
        "aria-label", ui_strings("ja")["card_icon_online_now"]
    )
    expect(w.q("select#zg-lang")).to_be_focused()
    top = w.page.evaluate(
        """(tag) => { const r = document.querySelector(tag).shadowRoot;
                      const cards = r.querySelectorAll('.zg-card');
                      const h = cards[cards.length - 1].getBoundingClientRect();
                      const l = r.querySelector('.zg-log').getBoundingClientRect();
                      return [h.top, l.top, l.bottom]; }""",
        HOST,
    )
    assert top[1] <= top[0] < top[2], top
    latest.locator("input.zg-check").first.check()
    expect(w.q(".zg-card").first.locator("input.zg-check").first).to_be_checked()
    w.watch.assert_clean(w.page)
