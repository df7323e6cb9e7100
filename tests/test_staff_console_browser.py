"""The staff console in a real browser (issue 15): Debian's Chromium driven by Playwright,
against a real ``python -m bot serve --record-unanswered`` process whose first account
was made with ``python -m bot staff add``.

Covers signing in, searching in Japanese and in Vietnamese and copying the answer (read
back from the clipboard), a declined question from a conversation run over the web API,
the funnel moving after three conversations, the CSV, the language switch, signing out,
and axe-core with no violation on every console page at 1280x800 and at a tablet's
768x1024. Needs what tests/test_widget_browser.py needs (``make browser-deps``).
"""

# The browser fixtures of tests/test_widget_browser.py are imported by name, and pytest
# passes them back as the tests' arguments of the same names.
# ruff: noqa: F811

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

try:
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        ConsoleMessage,
        Page,
        ViewportSize,
        expect,
    )
except ImportError as exc:  # a clear failure, never a skip
    raise ImportError("the playwright package is missing: run `make install`") from exc

from bot.faq.search import search
from bot.i18n import translator
from tests.serve_process import serve

# Chromium, axe-core and their checks are the widget tests' (one place for the launch
# flags and the install hints); pytest finds the fixtures by name.
from tests.test_widget_browser import (  # noqa: F401 - fixtures, used by name
    _axe_source,
    browser,
    playwright,
)

ROOT = Path(__file__).resolve().parent.parent
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
TABLET: ViewportSize = {"width": 768, "height": 1024}
TIMEOUT_MS = 15_000
NAME = "aiko"
PASSWORD = "a long staff password"
JA_QUESTION = "海外からオンライン申請できる？"
VI_QUESTION = "Tôi có thể nộp đơn trực tuyến từ nước ngoài không?"
DECLINED = "Can my pet hamster get a residence card? Write to me at hamster.owner@example.com"
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
}, true);
"""
EN = translator("en")


# --------------------------------------------------------------------------- the server


@dataclass
class Server:
    base: str
    lines: list[str] = field(default_factory=list)

    def api(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(req, timeout=10) as resp:
            raw = resp.read()
            return json.loads(raw) if raw else None

    def conversation(self, *texts: str, choices: tuple[str, ...] = ("lang:en",)) -> None:
        """One conversation over the web API: started, then buttons, then typed texts."""
        started = self.api("POST", "/api/v1/sessions", {"lang": "en"})
        events = f"/api/v1/sessions/{started['session_id']}/events"
        for choice in choices:
            self.api("POST", events, {"choice": choice})
        for text in texts:
            self.api("POST", events, {"text": text})


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("console")
    db = tmp / "console.db"
    made = subprocess.run(
        [sys.executable, "-m", "bot", "staff", "add", NAME, "--password-stdin", "--db", str(db)],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    with serve(db, {}, ["--rate-limit", "0", "--record-unanswered"]) as served:
        yield Server(f"http://127.0.0.1:{served.port}", served.lines)
    assert "Traceback" not in served.stderr, served.stderr
    assert PASSWORD not in served.stderr
    assert PASSWORD not in "".join(served.lines)


@dataclass
class Desk:
    """One browser context on the console."""

    page: Page
    server: Server
    errors: list[str]

    def goto(self, path: str) -> None:
        self.page.goto(self.server.base + path)

    def sign_in(self) -> None:
        self.goto("/staff")
        self.page.get_by_label(EN.t("Name"), exact=True).fill(NAME)
        self.page.get_by_label(EN.t("Password"), exact=True).fill(PASSWORD)
        self.page.get_by_role("button", name=EN.t("Sign in"), exact=True).click()
        expect(self.page.get_by_role("heading", level=1)).to_have_text(EN.t("Answer a caller"))

    def search(self, question: str) -> None:
        box = self.page.locator("#q")
        box.fill(question)
        box.press("Enter")
        expect(self.page.locator("article.answer").first).to_be_visible()

    def assert_clean(self) -> None:
        assert self.errors == []
        assert self.page.evaluate("() => window.__cspViolations || []") == []

    def axe(self) -> list[dict[str, Any]]:
        """axe-core's violations on this page (the context must bypass the CSP)."""
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.add_script_tag(content=_axe_source())
        found: list[dict[str, Any]] = self.page.evaluate(
            """async () => {
                const r = await axe.run(document, {resultTypes: ['violations']});
                return r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5)}));
            }"""
        )
        return found

    def overflows(self) -> bool:
        """Whether the page scrolls sideways (it must not, at desktop or tablet widths)."""
        return bool(
            self.page.evaluate(
                "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
            )
        )


@pytest.fixture
def desk(browser: Browser, server: Server) -> Iterator[Callable[..., Desk]]:
    contexts: list[BrowserContext] = []

    def make(*, viewport: ViewportSize = DESKTOP, bypass_csp: bool = False) -> Desk:
        ctx = browser.new_context(
            locale="en-US", timezone_id="Asia/Tokyo", viewport=viewport, bypass_csp=bypass_csp
        )
        ctx.set_default_timeout(TIMEOUT_MS)
        ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base)
        ctx.add_init_script(CSP_LISTENER)
        contexts.append(ctx)
        page = ctx.new_page()
        errors: list[str] = []

        def on_console(msg: ConsoleMessage) -> None:
            if msg.type == "error":
                errors.append(f"{msg.text} ({msg.location.get('url')})")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        return Desk(page, server, errors)

    yield make
    for ctx in contexts:
        ctx.close()


# --------------------------------------------------------------------------- answering


def _clipboard(d: Desk) -> str:
    return str(d.page.evaluate("() => navigator.clipboard.readText()"))


def test_sign_in_search_in_japanese_and_vietnamese_copy_and_sign_out(
    desk: Callable[..., Desk],
) -> None:
    d = desk()
    d.goto("/staff/funnel")  # no login: back to the sign-in form
    expect(d.page.get_by_label(EN.t("Password"), exact=True)).to_be_visible()
    d.sign_in()

    # "/" from anywhere on the page focuses the search box.
    d.page.locator("h1").click()
    d.page.keyboard.press("/")
    expect(d.page.locator("#q")).to_be_focused()

    # Japanese: the answer in Japanese, with the English beside it.
    d.search(JA_QUESTION)
    top = search(JA_QUESTION, locale="ja").hits[0].entry
    first = d.page.locator("article.answer").first
    expect(first.locator('div.version[lang="ja"] .version-answer')).to_have_text(
        top.text("ja").answer
    )
    expect(first.locator('div.version[lang="en"] .version-answer')).to_have_text(
        top.text("en").answer
    )
    expect(first.locator("ul.sources li").first).to_contain_text(
        translator("en").date(top.sources[0].as_of)
    )
    link = first.locator("ul.links a").first
    assert (link.get_attribute("href") or "").startswith("https://www.moj.go.jp/")
    first.get_by_role("button", name=EN.t("Copy the answer")).click()
    expect(first.locator(".copy-status")).to_have_text(EN.t("Copied"))
    copied = _clipboard(d)
    assert copied == first.locator("textarea").input_value()
    assert copied.startswith(top.text("ja").answer)
    assert "https://www.moj.go.jp/" in copied
    assert "<" not in copied.replace("<https://", "")  # plain text, no markup

    # Vietnamese, chosen explicitly: Vietnamese, Japanese and English side by side.
    d.page.locator("#lang").select_option("vi")
    d.search(VI_QUESTION)
    top = search(VI_QUESTION, locale="vi").hits[0].entry
    first = d.page.locator("article.answer").first
    langs = first.locator("div.version").evaluate_all("(els) => els.map((e) => e.lang)")
    assert langs == ["vi", "ja", "en"]
    expect(first.locator('div.version[lang="vi"] .version-answer')).to_have_text(
        top.text("vi").answer
    )
    expect(first.locator('div.version[lang="ja"] .version-answer')).to_have_text(
        top.text("ja").answer
    )
    first.get_by_role("button", name=EN.t("Copy the answer")).click()
    expect(first.locator(".copy-status")).to_have_text(EN.t("Copied"))
    copied = _clipboard(d)
    assert copied.startswith(top.text("vi").answer)
    assert top.text("ja").answer not in copied  # the caller's language only
    d.assert_clean()

    # Signing out ends it: the pages lead back to the sign-in form.
    d.page.get_by_role("button", name=EN.t("Sign out")).click()
    expect(d.page.get_by_label(EN.t("Name"), exact=True)).to_be_visible()
    d.goto("/staff/unanswered")
    expect(d.page.get_by_label(EN.t("Password"), exact=True)).to_be_visible()
    assert d.page.url.endswith("/staff")
    d.assert_clean()


def test_an_unanswerable_question_says_so_and_still_copies(desk: Callable[..., Desk]) -> None:
    d = desk()
    d.sign_in()
    d.search("Can my pet hamster get a residence card?")
    expect(d.page.locator(".results .notice")).to_be_visible()
    first = d.page.locator("article.answer").first
    first.get_by_role("button", name=EN.t("Copy the answer")).click()
    expect(first.locator(".copy-status")).to_have_text(EN.t("Copied"))
    assert "0570-013904" in _clipboard(d)


# --------------------------------------------------------------------------- declined


def test_a_declined_question_from_the_api_shows_scrubbed_and_can_be_deleted(
    desk: Callable[..., Desk], server: Server
) -> None:
    server.conversation(DECLINED)
    server.conversation(DECLINED.replace("hamster.owner", "someone.else"))
    d = desk()
    d.sign_in()
    d.page.get_by_role("link", name=EN.t("Declined questions")).click()
    row = d.page.locator("table.groups tbody tr", has_text="hamster")
    expect(row).to_have_count(1)
    expect(row.locator("td.num")).to_have_text("2")  # one group, both asked
    expect(row).to_contain_text("English")
    text = d.page.locator("main").inner_text()
    assert "@example.com" not in text
    assert "hamster.owner" not in text
    # The language filter: nothing in Japanese, the question under English.
    d.page.locator("#filter-lang").select_option("ja")
    d.page.get_by_role("button", name=EN.t("Filter")).click()
    expect(d.page.locator("table.groups tbody tr", has_text="hamster")).to_have_count(0)
    d.page.locator("#filter-lang").select_option("en")
    d.page.get_by_role("button", name=EN.t("Filter")).click()
    row = d.page.locator("table.groups tbody tr", has_text="hamster")
    expect(row).to_have_count(1)
    row.get_by_role("button").click()
    expect(d.page.locator("p.notice[role=status]")).to_be_visible()
    expect(d.page.locator("table.groups tbody tr", has_text="hamster")).to_have_count(0)
    assert "lang=en" in d.page.url  # the filter is kept
    d.assert_clean()


# --------------------------------------------------------------------------- the funnel


def _csv_counts(d: Desk) -> dict[tuple[str, str], int]:
    """The CSV export of the funnel page's range, summed over its days."""
    href = d.page.get_by_role("link", name=EN.t("Download these counts as CSV")).get_attribute(
        "href"
    )
    assert href is not None
    assert href.startswith("/staff/export.csv?start=")
    with d.page.expect_download() as info:
        d.page.get_by_role("link", name=EN.t("Download these counts as CSV")).click()
    path = info.value.path()
    assert info.value.suggested_filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8"))))
    totals: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row["metric"], row["label"])
        totals[key] = totals.get(key, 0) + int(row["count"])
    return totals


def _conversations_shown(d: Desk) -> int:
    """The conversations started, as the funnel page's data table says."""
    cell = d.page.locator('[data-metric="conversations"] [data-total]').first
    return int(cell.get_attribute("data-total") or "0")


def test_the_funnel_moves_after_three_conversations_and_the_csv_agrees(
    desk: Callable[..., Desk], server: Server
) -> None:
    d = desk()
    d.sign_in()
    d.page.get_by_role("link", name=EN.t("Funnel")).click()
    before = _csv_counts(d)
    shown_before = _conversations_shown(d)
    for _ in range(3):
        server.conversation(choices=("lang:en", "user_type:foreign_national"))
    d.page.reload()
    after = _csv_counts(d)
    assert after.get(("conversations", "web"), 0) == before.get(("conversations", "web"), 0) + 3
    assert after.get(("locale", "en"), 0) == before.get(("locale", "en"), 0) + 3
    assert _conversations_shown(d) == shown_before + 3
    svg = d.page.locator("main svg").first
    expect(svg).to_be_visible()
    d.assert_clean()


# --------------------------------------------------------------------------- languages


def test_the_console_switches_to_japanese_and_back(desk: Callable[..., Desk]) -> None:
    d = desk()
    d.sign_in()
    d.page.get_by_role("link", name=EN.t("Funnel")).click()
    d.page.get_by_role("link", name="日本語").click()
    ja = translator("ja")
    expect(d.page.locator("html")).to_have_attribute("lang", "ja")
    expect(d.page.get_by_role("heading", level=1)).to_have_text(ja.t("Funnel and outcomes"))
    assert d.page.url.endswith("/staff/funnel")  # back on the page it was chosen on
    d.goto("/staff")
    expect(d.page.get_by_role("heading", level=1)).to_have_text(ja.t("Answer a caller"))
    d.page.get_by_role("link", name="English").click()
    expect(d.page.locator("html")).to_have_attribute("lang", "en")


# --------------------------------------------------------------------------- a11y, layout


@pytest.mark.parametrize("viewport", [DESKTOP, TABLET], ids=["1280x800", "768x1024"])
def test_every_page_passes_axe_and_fits(
    desk: Callable[..., Desk], server: Server, viewport: ViewportSize
) -> None:
    server.conversation("Is there a visa for a pet hamster?")
    d = desk(viewport=viewport, bypass_csp=True)
    found: dict[str, list[dict[str, Any]]] = {}
    wide: list[str] = []

    def check(name: str) -> None:
        found[name] = d.axe()
        if d.overflows():
            wide.append(name)

    d.goto("/staff")
    check("sign-in")
    d.page.get_by_role("button", name=EN.t("Sign in")).click()  # empty: the browser says so
    d.sign_in()
    check("home")
    d.search(JA_QUESTION)
    d.page.locator("article.answer details summary").first.click()
    check("search ja")
    d.page.locator("#lang").select_option("vi")
    d.search(VI_QUESTION)
    check("search vi")
    d.search("Can my pet hamster get a residence card?")
    check("search declined")
    d.goto("/staff/unanswered")
    check("declined")
    d.goto("/staff/funnel")
    check("funnel")
    d.goto("/staff/funnel?start=2026-12-01&end=2026-01-01")
    check("funnel, bad range")
    d.goto("/staff/nowhere")
    check("not found")
    d.page.get_by_role("link", name="日本語").first.click()
    d.goto("/staff/funnel")
    check("funnel ja")
    for name, violations in found.items():
        for v in violations:
            print(f"axe [{name}] {v['impact']}: {v['id']} - {v['help']} {v['nodes']}")
    assert {name: [v["id"] for v in vs] for name, vs in found.items() if vs} == {}
    assert wide == []
