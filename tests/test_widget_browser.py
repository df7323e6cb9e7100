"""The chat widget in a real browser: Debian's Chromium driven by Playwright, against a real
``python -m bot serve`` process, on the hostile test page ``/demo/hostile`` (aggressive page
CSS, strict CSP), and on the demo partner page ``/`` (readable, accessible).

Needs /usr/bin/chromium, the Noto fonts of every shipped script and node_modules/axe-core
(``make browser-deps`` runs tools/browser_deps.sh). Playwright never downloads a browser
here. The README's screenshots are made by tools/screenshots.py (``make screenshots``).
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

try:
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        ConsoleMessage,
        Dialog,
        Locator,
        Page,
        Playwright,
        Route,
        ViewportSize,
        expect,
        sync_playwright,
    )
except ImportError as exc:  # a clear failure, never a skip
    raise ImportError("the playwright package is missing: run `make install`") from exc

from bot.channels.web import ui_strings
from bot.conversation import GREETING
from bot.i18n import LOCALE_NAMES, LOCALES, translator
from tests.serve_process import serve

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
HOSTILE = "/demo/hostile"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOST = "zairyu-guide"
PARTNER_ACCENT = "#7a1f5c"
PARTNERS_TOML = """
[partners.demo]
default_lang = "en"
accent = "#1f5fae"

[partners.acme]
origins = ["{origin}"]
default_lang = "ja"
accent = "{accent}"
"""
# The partner's own page, on its own origin; {api} is the bot server's origin.
PARTNER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme help desk</title>
<link rel="icon" href="data:,"></head>
<body><main><h1>Acme help desk</h1></main>
<script src="{api}/widget.js" data-partner="acme" data-lang="en" defer></script>
</body></html>
"""
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 360, "height": 740}
TIMEOUT_MS = 15_000
YES_ONLINE = "Yes: this can be filed online now."


def _install_hint(what: str) -> str:
    return f"{what} is missing: run `make install` (tools/browser_deps.sh installs it)"


def expiry_in_60_days() -> date:
    """About 60 days from today in Tokyo: inside the 3-month window, so online now."""
    return datetime.now(ZoneInfo("Asia/Tokyo")).date() + timedelta(days=60)


# --------------------------------------------------------------------------- the servers


@dataclass
class PartnerSite:
    """A partner's site on another origin (another port of 127.0.0.1)."""

    origin: str
    api: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def partner_site() -> Iterator[PartnerSite]:
    site = PartnerSite("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = PARTNER_PAGE.format(api=site.api[0]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.origin = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield site
    httpd.shutdown()
    httpd.server_close()


@dataclass
class Server:
    base: str
    proc: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                raw = resp.read()
                return resp.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            return exc.code, json.loads(raw) if raw else None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, partner_site: PartnerSite) -> Iterator[Server]:
    """``python -m bot serve --port 0`` (no rate limit, a second partner on another origin)."""
    tmp = tmp_path_factory.mktemp("widget")
    partners = tmp / "partners.toml"
    toml = PARTNERS_TOML.format(origin=partner_site.origin, accent=PARTNER_ACCENT)
    partners.write_text(toml, encoding="utf-8")
    args = ["--partners", str(partners), "--rate-limit", "0"]
    with serve(tmp / "w.db", {}, args) as served:
        base = f"http://127.0.0.1:{served.port}"
        partner_site.api.append(base)
        yield Server(base, served.proc, served.lines)
    assert "Traceback" not in served.stderr, served.stderr


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(_install_hint(f"Chromium ({CHROMIUM})"))
    b = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    yield b
    b.close()


@dataclass
class Watch:
    """What the page said that it should not have: console errors, CSP, exceptions."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def csp_violations(self, page: Page) -> list[str]:
        return list(page.evaluate("() => window.__cspViolations || []"))

    def assert_clean(self, page: Page) -> None:
        assert self.console_errors == [], self.console_errors
        assert self.page_errors == [], self.page_errors
        assert self.csp_violations(page) == []


CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
}, true);
"""


@dataclass
class Widget:
    """The page with the widget, seen through its open shadow root."""

    page: Page
    server: Server
    watch: Watch
    partner: str = "demo"

    def q(self, selector: str) -> Locator:
        # Playwright's CSS locators pierce open shadow roots.
        return self.page.locator(f"{HOST} {selector}")

    @property
    def launcher(self) -> Locator:
        return self.q(".zg-launcher")

    @property
    def text_box(self) -> Locator:
        return self.q("input#zg-text")

    @property
    def date_box(self) -> Locator:
        return self.q("input#zg-date")

    def choice(self, button_id: str) -> Locator:
        """The live (not yet disabled) button with this id."""
        return self.q(f'button.zg-choice[data-id="{button_id}"]:enabled').last

    def open(self) -> None:
        expect(self.launcher).to_be_visible()
        if self.launcher.get_attribute("aria-expanded") != "true":
            self.launcher.click()
        expect(self.q(".zg-panel")).to_be_visible()

    def press(self, button_id: str, then: str | None = None) -> None:
        """Click a choice; with ``then``, wait for the next reply's button of that id."""
        self.choice(button_id).click()
        if then is not None:
            expect(self.choice(then)).to_be_visible()

    def say(self, text: str) -> None:
        """Type and send a text; wait until the bot has answered it."""
        before = self.q(".zg-bot").count()
        self.text_box.fill(text)
        self.text_box.press("Enter")
        self.page.wait_for_function(
            "([tag, n]) => document.querySelector(tag).shadowRoot"
            ".querySelectorAll('.zg-bot').length > n && "
            "!document.querySelector(tag).shadowRoot.querySelector('[aria-busy]')",
            arg=[HOST, before],
        )

    def log_text(self) -> str:
        return str(self.q(".zg-log").inner_text())

    def session_id(self) -> str | None:
        value = self.page.evaluate(
            "(k) => localStorage.getItem(k)", f"zairyu-guide:session:{self.partner}"
        )
        return None if value is None else str(value)

    def active(self) -> dict[str, Any]:
        """The focused element inside the widget (through the shadow root)."""
        result: dict[str, Any] = self.page.evaluate(
            """(tag) => {
              const host = document.querySelector(tag);
              const el = host && host.shadowRoot ? host.shadowRoot.activeElement : null;
              if (document.activeElement !== host || !el) return {inside: false};
              const s = getComputedStyle(el);
              return {inside: true, tag: el.tagName.toLowerCase(), id: el.id,
                      dataId: el.dataset.id || null, cls: el.className,
                      outline: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth)};
            }""",
            HOST,
        )
        return result

    def wait_for_text(self, text: str) -> None:
        expect(self.q(".zg-log")).to_contain_text(text, timeout=TIMEOUT_MS)


@pytest.fixture
def open_page(browser: Browser, server: Server) -> Iterator[Callable[..., Widget]]:
    """A factory: a fresh context (its own localStorage) on the hostile page or ``url``."""
    contexts: list[BrowserContext] = []

    def make(
        *,
        locale: str = "en-US",
        viewport: ViewportSize | None = None,
        bypass_csp: bool = False,
        url: str | None = None,
        partner: str = "demo",
        mobile: bool = False,
    ) -> Widget:
        ctx = browser.new_context(
            locale=locale,
            timezone_id="Asia/Tokyo",
            viewport=viewport or DESKTOP,
            bypass_csp=bypass_csp,
            is_mobile=mobile,
            has_touch=mobile,
            device_scale_factor=2 if mobile else 1,
        )
        ctx.set_default_timeout(TIMEOUT_MS)
        contexts.append(ctx)
        ctx.add_init_script(CSP_LISTENER)
        page = ctx.new_page()
        watch = Watch()

        def on_console(msg: ConsoleMessage) -> None:
            if msg.type == "error":
                watch.console_errors.append(f"{msg.text} ({msg.location.get('url')})")

        def on_dialog(dialog: Dialog) -> None:
            watch.dialogs.append(f"{dialog.type}: {dialog.message}")
            if dialog.type == "confirm":
                dialog.accept()
            else:
                dialog.dismiss()

        page.on("console", on_console)
        page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
        page.on("dialog", on_dialog)
        page.goto(url or server.base + HOSTILE)
        return Widget(page, server, watch, partner)

    yield make
    for ctx in contexts:
        ctx.close()


def _axe_source() -> str:
    if not AXE.exists():
        pytest.fail(_install_hint(f"axe-core ({AXE.relative_to(ROOT)})"))
    return AXE.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- conversations


def _to_expiry(w: Widget, lang: str, *, typed_status: bool) -> None:
    """From the closed widget to the date step: language, user type, procedure, status."""
    w.open()
    w.press(f"lang:{lang}", then="user_type:foreign_national")
    w.press("user_type:foreign_national", then="procedure:extension")
    w.press("procedure:extension", then="status:student")
    if typed_status:
        w.say("留学")
    else:
        w.press("status:student")
    expect(w.date_box).to_be_visible()


def _finish(w: Widget, lang: str, expiry: date) -> None:
    """From the date step to the verdict, through the native date input."""
    w.date_box.fill(expiry.isoformat())
    w.q(".zg-date-form button[type=submit]").click()
    expect(w.choice("stay_over_3_months:yes")).to_be_visible()
    expect(w.date_box).to_be_hidden()
    tr = translator(lang)
    w.wait_for_text(tr.date(expiry))
    w.press("stay_over_3_months:yes", then="has_my_number_card:yes")
    w.press("has_my_number_card:yes", then="location:japan")
    w.press("location:japan")
    w.wait_for_text(tr.t(YES_ONLINE))
    link = w.q('a.zg-link[data-id="link:isa_online"]').last
    expect(link).to_be_visible()
    assert link.get_attribute("target") == "_blank"
    assert set((link.get_attribute("rel") or "").split()) >= {"noopener", "noreferrer"}
    assert (link.get_attribute("href") or "").startswith("https://")
    # Only http(s) links: the last day online is the day before expiry.
    w.wait_for_text(tr.date(expiry - timedelta(days=1)))


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_whole_conversation(open_page: Callable[..., Widget], lang: str) -> None:
    """Buttons, a typed status (ja), the native date input, the verdict with its link; no
    console error, exception or CSP violation on the way."""
    w = open_page(locale="ja-JP" if lang == "ja" else "en-US")
    ui = ui_strings(lang)
    expect(w.launcher).to_have_text(ui["open"])
    assert w.session_id() is None  # nothing is created before the visitor opens the guide
    _to_expiry(w, lang, typed_status=lang == "ja")
    expect(w.q(".zg-title")).to_have_text(ui["title"])
    expect(w.q(".zg-date-label")).to_have_text(ui["date_label"])
    _finish(w, lang, expiry_in_60_days())
    # Earlier messages' buttons are disabled: only the verdict's are live.
    live = w.q("button.zg-choice:enabled")
    assert sorted(live.evaluate_all("els => els.map(e => e.dataset.id)")) == [
        "cmd:back",
        "cmd:restart",
    ]
    assert w.q('button.zg-choice[data-id="lang:en"]').first.is_disabled()
    # The user's own answers are shown as their bubbles.
    expect(w.q(".zg-user").first).to_have_text("English" if lang == "en" else "日本語")
    w.watch.assert_clean(w.page)
    assert w.watch.dialogs == []


def test_reload_mid_flow_resumes_the_same_session(open_page: Callable[..., Widget]) -> None:
    w = open_page()
    w.open()
    w.press("lang:en", then="user_type:foreign_national")
    w.press("user_type:foreign_national", then="procedure:extension")
    sid = w.session_id()
    assert sid is not None
    assert len(sid) == 43
    w.page.reload()
    # Open again (the panel's state follows the tab) at the same step, same session.
    expect(w.q(".zg-panel")).to_be_visible()
    expect(w.choice("procedure:extension")).to_be_visible()
    assert w.session_id() == sid
    status, reply = w.server.request("GET", f"/api/v1/sessions/{sid}")
    assert status == 200
    assert reply["state"] == "ask_procedure"
    # Answers kept: the verdict names the user type chosen before the reload.
    w.press("procedure:extension", then="status:student")
    w.press("status:student")
    expect(w.date_box).to_be_visible()
    _finish(w, "en", expiry_in_60_days())
    w.wait_for_text("The foreign national (myself)")
    # Closed panel stays closed across a reload; the session is still resumed on opening.
    w.launcher.click()
    expect(w.q(".zg-panel")).to_be_hidden()
    w.page.reload()
    expect(w.launcher).to_have_attribute("aria-expanded", "false")
    w.open()
    expect(w.choice("cmd:restart")).to_be_visible()
    assert w.session_id() == sid
    w.watch.assert_clean(w.page)


def test_phone_viewport(open_page: Callable[..., Widget]) -> None:
    """360x740: no horizontal scrolling, everything inside the screen, controls >= 24 px."""
    w = open_page(locale="ja-JP", viewport=PHONE, mobile=True)
    w.open()
    w.q('button.zg-choice[data-id="lang:ja"]:enabled').tap()
    expect(w.choice("user_type:foreign_national")).to_be_visible()
    w.choice("user_type:foreign_national").tap()
    expect(w.choice("procedure:extension")).to_be_visible()
    w.choice("procedure:extension").tap()
    expect(w.choice("status:student")).to_be_visible()
    page_width = w.page.evaluate(
        "() => [document.documentElement.scrollWidth, document.body.scrollWidth, innerWidth]"
    )
    assert max(page_width[:2]) <= page_width[2] == PHONE["width"], page_width
    boxes: list[dict[str, Any]] = w.page.evaluate(
        """(tag) => [...document.querySelector(tag).shadowRoot
                      .querySelectorAll('button, a, input, select, .zg-panel')]
            .filter((e) => e.getClientRects().length)
            .map((e) => {const r = e.getBoundingClientRect();
                         return {what: e.className || e.tagName, id: e.dataset.id || e.id,
                                 x: r.left, right: r.right, w: r.width, h: r.height,
                                 top: r.top, bottom: r.bottom}; })""",
        HOST,
    )
    assert boxes
    for b in boxes:
        assert b["x"] >= 0
        assert b["right"] <= PHONE["width"], b
        if b["what"] != "zg-panel":
            assert b["w"] >= 24, b
            assert b["h"] >= 24, b
    panel = next(b for b in boxes if b["what"] == "zg-panel")
    assert panel["top"] >= 0
    assert panel["bottom"] <= PHONE["height"]
    # Still usable: type the status, then the date.
    w.text_box.tap()
    w.say("留学")
    expect(w.date_box).to_be_visible()
    _finish(w, "ja", expiry_in_60_days())
    w.watch.assert_clean(w.page)


def test_keyboard_only(open_page: Callable[..., Widget]) -> None:
    """Tab to the launcher, Enter/Space through the steps, type the date; focus follows each
    reply to its first new button (the date input at the date step, the verdict card's
    headline at the end), and is visible."""
    w = open_page()
    keyboard = w.page.keyboard
    for _ in range(12):
        keyboard.press("Tab")
        if w.active().get("cls") == "zg-launcher":
            break
    else:
        pytest.fail("Tab never reached the launcher")
    assert w.active()["outline"] != "none"
    keyboard.press("Enter")
    expect(w.q(".zg-panel")).to_be_visible()
    expect(w.choice("lang:en")).to_be_focused()
    keyboard.press("Enter")
    expect(w.choice("user_type:foreign_national")).to_be_focused()
    focused = w.active()
    assert focused["outline"] != "none"
    assert focused["outlineWidth"] >= 2
    keyboard.press("Space")
    expect(w.choice("procedure:extension")).to_be_focused()
    keyboard.press("Enter")
    expect(w.choice("status:engineer_specialist_humanities_international")).to_be_focused()
    keyboard.press("Tab")
    expect(w.choice("status:student")).to_be_focused()
    keyboard.press("Space")
    expect(w.date_box).to_be_focused()
    expiry = expiry_in_60_days()
    # en-US date fields: month, day, year; Enter submits the date form.
    keyboard.type(f"{expiry.month:02d}{expiry.day:02d}{expiry.year}")
    assert w.date_box.input_value() == expiry.isoformat()
    keyboard.press("Enter")
    expect(w.choice("stay_over_3_months:yes")).to_be_focused()
    keyboard.press("Enter")
    expect(w.choice("has_my_number_card:yes")).to_be_focused()
    keyboard.press("Enter")
    expect(w.choice("location:japan")).to_be_focused()
    keyboard.press("Enter")
    w.wait_for_text(YES_ONLINE)
    # The verdict: focus on the card's headline (issue 13), not on the link below it.
    expect(w.q(".zg-card .zg-card-head")).to_be_focused()
    # Escape closes the panel and gives the focus back to the launcher.
    keyboard.press("Escape")
    expect(w.q(".zg-panel")).to_be_hidden()
    expect(w.launcher).to_be_focused()
    expect(w.launcher).to_have_attribute("aria-expanded", "false")
    w.watch.assert_clean(w.page)


def test_host_page_css_does_not_reach_the_widget(open_page: Callable[..., Widget]) -> None:
    w = open_page()
    # The hostile page CSS is live: the page's own button is hidden, its text red 30px.
    page_button = w.page.locator("main button")
    expect(page_button).to_be_hidden()
    page_style = w.page.locator("main h1").evaluate(
        "e => [getComputedStyle(e).fontSize, getComputedStyle(e).color]"
    )
    assert page_style == ["30px", "rgb(255, 0, 0)"]
    w.open()
    button = w.choice("lang:en")
    expect(button).to_be_visible()
    style = button.evaluate(
        """e => { const s = getComputedStyle(e);
                  return {size: s.fontSize, color: s.color, display: s.display,
                          transform: s.textTransform, family: s.fontFamily}; }"""
    )
    assert style["display"] != "none"
    assert style["color"] != "rgb(255, 0, 0)"
    assert style["size"] == "16px"
    assert style["transform"] == "none"
    assert "Comic" not in style["family"]
    host_style = w.page.locator(HOST).evaluate(
        "e => [getComputedStyle(e).transform, getComputedStyle(e).display]"
    )
    assert host_style == ["none", "block"]
    # The panel is pinned to the viewport's bottom right, whole.
    box = w.q(".zg-panel").bounding_box()
    assert box is not None
    assert box["x"] > 0
    assert box["y"] > 0
    assert box["x"] + box["width"] <= DESKTOP["width"]
    assert box["y"] + box["height"] <= DESKTOP["height"]
    text_colour = w.q(".zg-bot .zg-text").first.evaluate("e => getComputedStyle(e).color")
    assert text_colour != "rgb(255, 0, 0)"
    w.watch.assert_clean(w.page)


def test_text_is_never_html(open_page: Callable[..., Widget]) -> None:
    """Markup typed by the user (and anything the bot echoes) is shown as text."""
    w = open_page()
    w.open()
    w.press("lang:en", then="user_type:foreign_national")
    payloads = ["<img src=x onerror=alert(1)>", "<b>bold</b> <script>alert(2)</script>"]
    for payload in payloads:
        w.say(payload)
        expect(w.choice("user_type:foreign_national")).to_be_visible()
        expect(w.q(".zg-user").last).to_have_text(payload)
    counts = w.page.evaluate(
        """(tag) => { const r = document.querySelector(tag).shadowRoot;
                      return ['img', 'b', 'script'].map((t) => r.querySelectorAll(t).length); }""",
        HOST,
    )
    assert counts == [0, 0, 0]
    assert w.page.locator("img").count() == 0
    assert w.watch.dialogs == []
    w.watch.assert_clean(w.page)


def test_language_switch_restart_and_forget(open_page: Callable[..., Widget]) -> None:
    w = open_page()
    w.open()
    w.press("lang:en", then="user_type:foreign_national")
    w.press("user_type:foreign_national", then="procedure:extension")
    w.press("procedure:extension", then="status:student")
    sid = w.session_id()
    # Switch to Japanese: the chrome and the current question re-render, answers kept.
    ja = ui_strings("ja")
    w.q("select#zg-lang").select_option("ja")
    expect(w.q(".zg-title")).to_have_text(ja["title"])
    expect(w.q(".zg-restart")).to_have_text(ja["restart"])
    expect(w.text_box).to_have_attribute("placeholder", ja["placeholder"])
    expect(w.q(".zg-root")).to_have_attribute("lang", "ja")
    w.wait_for_text(translator("ja").t("Language changed."))
    expect(w.choice("status:student")).to_have_text("留学")
    assert w.session_id() == sid
    w.press("status:student")
    expect(w.date_box).to_be_visible()
    _finish(w, "ja", expiry_in_60_days())
    # Start over: a clean log at the first question, same session.
    w.q(".zg-restart").click()
    expect(w.choice("user_type:foreign_national")).to_be_visible()
    expect(w.q(".zg-msg")).to_have_count(1)
    assert w.session_id() == sid
    status, reply = w.server.request("GET", f"/api/v1/sessions/{sid}")
    assert (status, reply["state"]) == (200, "ask_user_type")
    # Delete my data: confirmed, deleted on the server and in the browser.
    w.q(".zg-forget").click()
    w.wait_for_text(ja["forgotten"])
    assert w.watch.dialogs == [f"confirm: {ja['forget_confirm']}"]
    assert w.session_id() is None
    assert w.server.request("GET", f"/api/v1/sessions/{sid}")[0] == 404
    expect(w.q("button.zg-choice")).to_have_count(0)
    # The next message starts a new session (in the language chosen).
    w.say("hello")
    expect(w.choice("lang:ja")).to_be_visible()
    new_sid = w.session_id()
    assert new_sid is not None
    assert new_sid != sid
    status, reply = w.server.request("GET", f"/api/v1/sessions/{new_sid}")
    assert (status, reply["locale"]) == (200, "ja")
    w.watch.assert_clean(w.page)


def test_errors_offer_a_retry_and_keep_the_session(open_page: Callable[..., Widget]) -> None:
    """A 5xx, a network failure and a 429 (with Retry-After): the error text and a retry
    button; the retry sends the same answer; the session is never lost."""
    w = open_page()
    w.open()
    w.press("lang:en", then="user_type:foreign_national")
    sid = w.session_id()
    ui = ui_strings("en")
    failures: list[str] = ["500", "abort", "429"]
    seen: list[str] = []

    def flaky(route: Route) -> None:
        if not failures:
            route.continue_()
            return
        kind = failures.pop(0)
        seen.append(kind)
        if kind == "abort":
            route.abort("connectionreset")
        elif kind == "429":
            route.fulfill(
                status=429,
                headers={"Retry-After": "2", "Content-Type": "application/json"},
                body='{"error": "too many requests"}',
            )
        else:
            route.fulfill(status=500, content_type="application/json", body='{"error": "x"}')

    w.page.route("**/api/v1/sessions/*/events", flaky)
    w.press("user_type:foreign_national")
    for kind in ("500", "abort"):
        retry = w.q(".zg-error .zg-retry")
        expect(retry).to_be_visible()
        expect(w.q(".zg-error")).to_contain_text(ui["error"])
        expect(retry).to_have_text(ui["retry"])
        assert seen[-1] == kind
        retry.click()
    retry = w.q(".zg-error .zg-retry")
    expect(retry).to_be_disabled()  # 429: not before Retry-After
    started = time.monotonic()
    expect(retry).to_be_enabled(timeout=5_000)
    assert time.monotonic() - started > 1.0
    retry.click()
    expect(w.choice("procedure:extension")).to_be_visible()
    assert seen == ["500", "abort", "429"]
    expect(w.q(".zg-error")).to_have_count(0)
    assert w.session_id() == sid
    # A failed resume on reload keeps the stored session too.
    w.page.unroute("**/api/v1/sessions/*/events")
    w.page.route(
        f"**/api/v1/sessions/{sid}", lambda r: r.fulfill(status=503, body='{"error": "x"}')
    )
    w.page.reload()
    expect(w.q(".zg-error .zg-retry")).to_be_visible()
    assert w.session_id() == sid
    w.page.unroute(f"**/api/v1/sessions/{sid}")
    w.q(".zg-error .zg-retry").click()
    expect(w.choice("procedure:extension")).to_be_visible()
    assert w.session_id() == sid


def test_partner_on_another_origin(
    open_page: Callable[..., Widget], partner_site: PartnerSite, server: Server
) -> None:
    """Embedded as a partner would on its own site: the API is the script's origin (CORS),
    data-lang, the partner's accent and its own storage key."""
    w = open_page(url=partner_site.origin + "/help.html", partner="acme", locale="ja-JP")
    assert not partner_site.origin.startswith(server.base)
    # data-lang wins over the browser's Japanese and over the partner's default (ja).
    expect(w.launcher).to_have_text(ui_strings("en")["open"])
    w.open()
    w.press("lang:en", then="user_type:foreign_national")
    assert w.session_id() is not None
    accent = w.launcher.evaluate("e => getComputedStyle(e).backgroundColor")
    assert accent == "rgb(122, 31, 92)"
    w.watch.assert_clean(w.page)


def test_axe_finds_no_serious_violations(open_page: Callable[..., Widget]) -> None:
    """axe-core over the page and the widget's shadow DOM at several steps (the axe script
    needs the CSP bypassed; the widget itself never does)."""
    source = _axe_source()
    w = open_page(bypass_csp=True)
    w.page.add_script_tag(content=source)
    found: dict[str, list[dict[str, Any]]] = {}

    def scan(step: str) -> None:
        violations: list[dict[str, Any]] = w.page.evaluate(
            """async () => {
                const r = await axe.run(document, {resultTypes: ['violations']});
                return r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5)}));
            }"""
        )
        found[step] = violations

    scan("closed")
    w.open()
    expect(w.choice("lang:en")).to_be_visible()
    scan("greeting")
    w.press("lang:en", then="user_type:foreign_national")
    w.press("user_type:foreign_national", then="procedure:extension")
    w.press("procedure:extension", then="status:student")
    scan("status")
    w.press("status:student")
    expect(w.date_box).to_be_visible()
    scan("date")
    _finish(w, "en", expiry_in_60_days())
    scan("verdict")
    w.q(".zg-forget").click()
    w.wait_for_text(ui_strings("en")["forgotten"])
    scan("forgotten")
    for step, violations in found.items():
        for v in violations:
            print(f"axe [{step}] {v['impact']}: {v['id']} - {v['help']} {v['nodes']}")
    serious = [
        (step, v["id"], v["nodes"])
        for step, violations in found.items()
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    # The scan does see into the shadow root: a nameless button planted there is found.
    w.page.evaluate(
        """(tag) => document.querySelector(tag).shadowRoot.querySelector('.zg-log')
                      .append(Object.assign(document.createElement('button'),
                                            {className: 'zg-planted'}))""",
        HOST,
    )
    scan("planted")
    planted = [v for v in found["planted"] if v["id"] == "button-name"]
    assert planted
    assert any("zg-planted" in n for n in planted[0]["nodes"])


def test_the_watch_sees_csp_violations(open_page: Callable[..., Widget]) -> None:
    """The checks above would notice: an inline style planted in the shadow root is refused
    by the page's CSP and reported (console and securitypolicyviolation)."""
    w = open_page()
    w.open()
    expect(w.choice("lang:en")).to_be_visible()
    w.page.evaluate(
        """(tag) => { const d = document.createElement('div');
                      d.setAttribute('style', 'color: red');
                      document.querySelector(tag).shadowRoot.append(d); }""",
        HOST,
    )
    w.page.wait_for_function("() => window.__cspViolations.length > 0")
    assert w.watch.csp_violations(w.page)[0].startswith("style-src")
    assert any("Content Security Policy" in e for e in w.watch.console_errors)


# --------------------------------------------------------------------------- the partner page


def test_partner_page_is_readable_and_embeds_the_guide(
    open_page: Callable[..., Widget], server: Server
) -> None:
    """The default page ``/`` is a plain partner page: ordinary type, no horizontal
    scrolling on a phone, the hostile CSS nowhere; the widget opens and answers on it."""
    w = open_page(url=server.base + "/", viewport=PHONE, mobile=True)
    h1 = w.page.locator("main h1")
    expect(h1).to_have_text("Residence procedures: check before you go")
    style = w.page.evaluate(
        """() => { const h = getComputedStyle(document.querySelector('main h1'));
                   const p = getComputedStyle(document.querySelector('main p.lead'));
                   return {h1: parseFloat(h.fontSize), p: parseFloat(p.fontSize),
                           colour: p.color, transform: h.textTransform,
                           scroll: document.documentElement.scrollWidth}; }"""
    )
    assert 20 <= style["h1"] <= 40, style
    assert 15 <= style["p"] <= 20, style
    assert style["colour"] != "rgb(255, 0, 0)"
    assert style["transform"] == "none"
    assert style["scroll"] <= PHONE["width"], style
    expect(w.page.locator("main button")).to_have_count(0)  # the hostile page's, not here
    w.open()
    w.press("lang:en", then="user_type:foreign_national")
    w.watch.assert_clean(w.page)


def test_axe_finds_nothing_serious_on_the_partner_page(
    open_page: Callable[..., Widget], server: Server
) -> None:
    """axe-core over the partner page, closed and open: no violation at all (the page is
    part of what a visitor sees, not only the widget)."""
    source = _axe_source()
    w = open_page(url=server.base + "/", bypass_csp=True)
    w.page.add_script_tag(content=source)
    found: dict[str, list[dict[str, Any]]] = {}
    for state in ("closed", "open"):
        if state == "open":
            w.open()
            expect(w.choice("lang:en")).to_be_visible()
        found[state] = w.page.evaluate(
            """async () => {
                const r = await axe.run(document, {resultTypes: ['violations']});
                return r.violations.map((v) => ({id: v.id, impact: v.impact,
                    nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5)}));
            }"""
        )
    assert found == {"closed": [], "open": []}


# --------------------------------------------------------------------------- fonts

# The font family that must draw each non-Latin language's name (fonts-noto-cjk and
# fonts-noto-core, installed by tools/browser_deps.sh). Without it Chromium draws empty
# boxes (tofu), which no text assertion notices.
SCRIPT_FONTS = {
    "ja": "Noto Sans CJK",
    "ja-easy": "Noto Sans CJK",
    "zh-Hans": "Noto Sans CJK",
    "ko": "Noto Sans CJK",
    "ne": "Noto Sans Devanagari",
    "my": "Noto Sans Myanmar",
}


def _platform_fonts(page: Page, attribute: str, value: str) -> dict[str, int]:
    """The fonts Chromium used for the text of the element with ``attribute=value``
    (searched through shadow roots), and how many glyphs each drew (DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]
    stack = [root]
    while stack:
        node = stack.pop()
        attrs = node.get("attributes", [])
        if dict(zip(attrs[::2], attrs[1::2], strict=True)).get(attribute) == value:
            fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
            cdp.detach()
            return {f["familyName"]: f["glyphCount"] for f in fonts}
        stack += node.get("children", []) + node.get("shadowRoots", [])
    cdp.detach()
    pytest.fail(f"no element with {attribute}={value!r}")


def test_every_script_is_drawn_by_a_real_font(open_page: Callable[..., Widget]) -> None:
    """The widget's language buttons, and the greeting in Nepali and Burmese, are drawn
    with the script's Noto font: all glyphs from it, none from a fallback's empty box."""
    w = open_page()
    w.open()
    expect(w.choice("lang:my")).to_be_visible()
    used = {loc: _platform_fonts(w.page, "data-id", f"lang:{loc}") for loc in LOCALES}
    for loc, family in SCRIPT_FONTS.items():
        fonts = used[loc]
        assert [f for f in fonts if f.startswith(family)], (loc, LOCALE_NAMES[loc], fonts)
        assert sum(fonts.values()) == sum(n for f, n in fonts.items() if f.startswith(family)), (
            loc,
            fonts,
        )
    for loc in set(LOCALES) - set(SCRIPT_FONTS):
        assert used[loc], loc  # Latin: some font drew it
    # Longer text: the greeting, as a reply would show it.
    for loc in ("ne", "my"):
        text = translator(loc).t(GREETING)
        assert text != GREETING, f"the {loc} catalog lacks the greeting"
        w.page.evaluate(
            """([loc, text]) => { const p = document.createElement('p');
                 p.lang = loc; p.dataset.fontProbe = loc; p.textContent = text;
                 document.querySelector('main').append(p); }""",
            [loc, text],
        )
        # Laid out before its fonts are asked for: under load the query could run first
        # and find no text drawn yet (an empty answer, not a wrong font).
        w.page.wait_for_function(
            'loc => document.querySelector(`[data-font-probe="${loc}"]`).getClientRects()'
            ".length > 0",
            arg=loc,
        )
        fonts = {}
        for _ in range(50):
            fonts = _platform_fonts(w.page, "data-font-probe", loc)
            if fonts:
                break
            w.page.wait_for_timeout(100)
        family = SCRIPT_FONTS[loc]
        assert any(f.startswith(family) for f in fonts), (loc, fonts)
