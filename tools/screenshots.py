"""Make the README's screenshots: the verdict card on the demo partner page, in English
and Japanese, on a phone (360x740) and a desktop (1280x800): docs/verdict-*.png; and the
staff console at 1280x800: docs/console-{search,unanswered,funnel}.png.

Run by ``make screenshots`` (after ``make browser-deps``: Debian's Chromium and the Noto
fonts, so that no script is drawn as empty boxes). It serves the bot as a user would
(``python -m bot serve`` on a free port, a throwaway database), walks the widget through
an extension that can be filed online now (expiry 60 days ahead), waits for the verdict
card to take the focus, and captures the window. It fails when the card, its headline in
view or its focus is missing, instead of writing a screenshot of something else.

The console's pictures come from a second server of their own (``serve
--record-unanswered`` on another throwaway database, so the verdict pictures are made
exactly as before) with an account made by ``python -m bot staff add``. Conversations
run over the web API first, so the pages show real numbers: two reach a verdict, others
stop on the way, and made-up questions the guide declines are typed in several languages
(a repeated one in other words, to show a group's count; a fake address at example.com,
to show it scrubbed). Nothing in them is anyone's personal data. Then the browser signs
in and captures a Vietnamese caller's answer beside the Japanese and English, the
declined questions, and the funnel's charts.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

from bot.i18n import translator

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
HOST = "zairyu-guide"
TIMEOUT_MS = 20_000
BROWSER_LOCALE = {"en": "en-US", "ja": "ja-JP"}
# The answers, as the buttons' ids; the expiry is typed into the date input between them.
BEFORE_DATE = ("user_type:foreign_national", "procedure:extension", "status:student")
AFTER_DATE = ("stay_over_3_months:yes", "has_my_number_card:yes", "location:japan")


@dataclass(frozen=True)
class Shot:
    name: str
    viewport: ViewportSize
    mobile: bool


SHOTS = (
    Shot("phone", {"width": 360, "height": 740}, mobile=True),
    Shot("desktop", {"width": 1280, "height": 800}, mobile=False),
)


@contextmanager
def serving(db: Path, extra: Sequence[str] = ()) -> Iterator[str]:
    """``python -m bot serve --port 0 [extra]``; yields its base URL; SIGTERM at the end."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZAIRYU_"))}
    args = ["serve", "--port", "0", "--db", str(db), "--rate-limit", "0", *extra]
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None  # stdout=PIPE above
        for line in proc.stdout:
            if line.startswith("HTTP: "):
                port = int(line.rsplit(":", 1)[1].split("/")[0])
                # Keep reading what it prints, so a full pipe never stalls the server.
                threading.Thread(target=proc.stdout.read, daemon=True).start()
                break
        else:
            msg = "serve stopped before it printed its HTTP line"
            raise RuntimeError(msg)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)


def press(page: Page, button_id: str) -> None:
    """Click the live button with this id (the earlier ones are disabled)."""
    button = page.locator(f'{HOST} button.zg-choice[data-id="{button_id}"]:enabled').last
    button.click()


def to_verdict(page: Page, lang: str) -> None:
    """From the closed widget to the verdict card."""
    page.locator(f"{HOST} .zg-launcher").click()
    press(page, f"lang:{lang}")
    for button_id in BEFORE_DATE:
        press(page, button_id)
    expiry = datetime.now(ZoneInfo("Asia/Tokyo")).date() + timedelta(days=60)
    date_box = page.locator(f"{HOST} input#zg-date")
    expect(date_box).to_be_visible()
    date_box.fill(expiry.isoformat())
    page.locator(f"{HOST} .zg-date-form button[type=submit]").click()
    for button_id in AFTER_DATE:
        press(page, button_id)
    head = page.locator(f"{HOST} .zg-card .zg-card-head")
    expect(head).to_be_visible()
    expect(head).to_be_focused()
    # Let the log's scrolling settle (a few frames without movement).
    page.evaluate(
        """(tag) => new Promise((done) => {
             const log = document.querySelector(tag).shadowRoot.querySelector('.zg-log');
             let last = -1, still = 0;
             const tick = () => {
               still = log.scrollTop === last ? still + 1 : 0;
               last = log.scrollTop;
               if (still >= 5) { done(); } else { requestAnimationFrame(tick); }
             };
             requestAnimationFrame(tick);
           })""",
        HOST,
    )
    box = head.bounding_box()
    size = page.viewport_size
    if box is None or size is None:
        msg = "the card's headline has no box"
        raise RuntimeError(msg)
    if box["y"] < 0 or box["y"] + box["height"] > size["height"]:
        msg = f"the card's headline is out of view: {box} in {size}"
        raise RuntimeError(msg)


def shoot(browser: Browser, base: str, lang: str, shot: Shot, out: Path) -> Path:
    ctx = browser.new_context(
        locale=BROWSER_LOCALE[lang],
        timezone_id="Asia/Tokyo",
        viewport=shot.viewport,
        is_mobile=shot.mobile,
        has_touch=shot.mobile,
        device_scale_factor=2 if shot.mobile else 1,
    )
    ctx.set_default_timeout(TIMEOUT_MS)
    try:
        page = ctx.new_page()
        page.goto(base + "/")
        to_verdict(page, lang)
        path = out / f"verdict-{lang}-{shot.name}.png"
        page.screenshot(path=str(path), animations="disabled", caret="hide")
        return path
    finally:
        ctx.close()


# --------------------------------------------------------------------------- the console

CONSOLE_VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
# A made-up account on a database thrown away at the end: the picture shows its name.
STAFF_NAME = "desk-demo"
STAFF_PASSWORD = "screenshots only, thrown away"
EN = translator("en")
CALLER_LANG = "vi"
CALLER_QUESTION = "Tôi có thể nộp đơn trực tuyến từ nước ngoài không?"
# Made-up questions the guide declines, by the language of the conversation they are
# typed in. A repeat in other words shows a group's count; the address is example.com's.
DECLINED: tuple[tuple[str, str], ...] = (
    ("en", "CAN MY PET HAMSTER GET A RESIDENCE CARD!"),
    ("en", "can my pet hamster get a residence card"),
    ("en", "Can my pet hamster get a residence card?"),
    ("en", "Can my pet hamster get a residence card? Write to demo.caller@example.com"),
    ("vi", "Tôi có thể mang mèo sang Nhật không?"),
    ("vi", "Tôi có thể mang mèo sang Nhật không"),
    ("ja", "近くのおいしいラーメン屋を教えて！"),
    ("ja", "近くのおいしいラーメン屋を教えて"),
    ("zh-Hans", "可以带我的狗去日本吗？"),
    ("pt-BR", "Posso levar meu papagaio para o Japão?"),
)
# Conversations that stop on the way (the funnel's drop-off), by language and answers.
PARTIAL: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("vi", ("user_type:foreign_national", "procedure:extension")),
    ("ko", ("user_type:foreign_national",)),
    ("tl", ()),
    ("en", ("user_type:foreign_national", "procedure:extension", "status:student")),
)


class Api:
    """The web API of one server, as the widget uses it."""

    def __init__(self, base: str) -> None:
        self.base = base

    def call(self, method: str, path: str, body: dict[str, str]) -> Any:
        req = urllib.request.Request(
            self.base + path,
            data=json.dumps(body).encode(),
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())

    def conversation(self, lang: str, choices: Sequence[str], texts: Sequence[str] = ()) -> Any:
        """Start, pick the language, press ``choices`` (``expiry:`` ones type the date),
        type ``texts``; the last reply."""
        started = self.call("POST", "/api/v1/sessions", {"lang": lang})
        events = f"/api/v1/sessions/{started['session_id']}/events"
        reply = self.call("POST", events, {"choice": f"lang:{lang}"})
        for choice in choices:
            body = {"text": choice[7:]} if choice.startswith("expiry:") else {"choice": choice}
            reply = self.call("POST", events, body)
        for text in texts:
            reply = self.call("POST", events, {"text": text})
        return reply


def add_staff(db: Path) -> None:
    """The account, as an operator makes it: ``python -m bot staff add --password-stdin``."""
    command = [sys.executable, "-m", "bot", "staff", "add", STAFF_NAME, "--password-stdin"]
    made = subprocess.run(
        [*command, "--db", str(db)],
        input=STAFF_PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if made.returncode != 0:
        msg = f"staff add failed: {made.stderr.strip()}"
        raise RuntimeError(msg)


def converse(api: Api) -> None:
    """The traffic the console's pages show: verdicts, drop-offs, declined questions."""
    expiry = datetime.now(ZoneInfo("Asia/Tokyo")).date() + timedelta(days=60)
    to_verdict = (*BEFORE_DATE, f"expiry:{expiry.isoformat()}", *AFTER_DATE)
    for lang in ("en", "ja"):
        reply = api.conversation(lang, to_verdict)
        if reply.get("verdict") is None:
            msg = f"the {lang} conversation did not reach a verdict: {reply.get('state')}"
            raise RuntimeError(msg)
    for lang, choices in PARTIAL:
        api.conversation(lang, choices)
    for lang, text in DECLINED:
        api.conversation(lang, (), (text,))


def sign_in(page: Page, base: str) -> None:
    page.goto(base + "/staff")
    page.get_by_label(EN.t("Name"), exact=True).fill(STAFF_NAME)
    page.get_by_label(EN.t("Password"), exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name=EN.t("Sign in"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(EN.t("Answer a caller"))


def shoot_console(browser: Browser, base: str, out: Path) -> list[Path]:
    """The three console pages, signed in, in English (the answers in the caller's)."""
    ctx = browser.new_context(locale="en-US", timezone_id="Asia/Tokyo", viewport=CONSOLE_VIEWPORT)
    ctx.set_default_timeout(TIMEOUT_MS)
    written: list[Path] = []

    def capture(page: Page, name: str) -> None:
        path = out / f"console-{name}.png"
        page.screenshot(path=str(path), animations="disabled", caret="hide")
        written.append(path)

    try:
        page = ctx.new_page()
        sign_in(page, base)

        page.locator("#lang").select_option(CALLER_LANG)
        page.locator("#q").fill(CALLER_QUESTION)
        page.locator("#q").press("Enter")
        first = page.locator("article.answer").first
        expect(first).to_be_visible()
        langs = first.locator("div.version").evaluate_all("(els) => els.map((e) => e.lang)")
        if langs != [CALLER_LANG, "ja", "en"]:
            msg = f"the answer's versions are {langs}, not {CALLER_LANG}, ja and en"
            raise RuntimeError(msg)
        page.locator("#results-title").scroll_into_view_if_needed()
        capture(page, "search")

        page.get_by_role("link", name=EN.t("Declined questions")).click()
        rows = page.locator("table.groups tbody tr")
        expect(rows.first).to_be_visible()
        if "@example.com" in page.locator("main").inner_text():
            msg = "the declined questions show an address: the scrubbing did not happen"
            raise RuntimeError(msg)
        capture(page, "unanswered")

        # The steps reached (the funnel proper) at the top of the window, their table
        # beside them; the conversations per day are above, the breakdowns below.
        page.get_by_role("link", name=EN.t("Funnel")).click()
        steps = page.locator("#chart-step")
        expect(steps).to_be_visible()
        heading = page.get_by_role(
            "heading", name=EN.t("Steps reached (share of the conversations started)"), level=2
        )
        heading.evaluate(
            """(h) => window.scrollTo({top: h.getBoundingClientRect().top + window.scrollY - 24,
                                       behavior: "instant"})"""
        )
        box = steps.bounding_box()
        if box is None or box["y"] < 0 or box["y"] + box["height"] > CONSOLE_VIEWPORT["height"]:
            msg = f"the steps chart is out of view: {box}"
            raise RuntimeError(msg)
        capture(page, "funnel")
        return written
    finally:
        ctx.close()


def console_shots(browser: Browser, out: Path) -> list[Path]:
    """A server of its own with traffic and an account; then the pictures."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "console.db"
        add_staff(db)
        with serving(db, ["--record-unanswered"]) as base:
            converse(Api(base))
            return shoot_console(browser, base, out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DOCS, help="directory (default: docs/)")
    parser.add_argument(
        "--only",
        choices=("verdict", "console"),
        help="make only the verdict card's or only the console's pictures (default: both)",
    )
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: run `make browser-deps`", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)

    def wrote(path: Path) -> None:
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            if args.only != "console":
                with (
                    tempfile.TemporaryDirectory() as tmp,
                    serving(Path(tmp) / "screenshots.db") as base,
                ):
                    for lang in BROWSER_LOCALE:
                        for shot in SHOTS:
                            wrote(shoot(browser, base, lang, shot, args.out))
            if args.only != "verdict":
                for path in console_shots(browser, args.out):
                    wrote(path)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
