"""Make the README's screenshots: the verdict card on the demo partner page, in English
and Japanese, on a phone (360x740) and a desktop (1280x800): docs/verdict-*.png.

Run by ``make screenshots`` (after ``make browser-deps``: Debian's Chromium and the Noto
fonts, so that no script is drawn as empty boxes). It serves the bot as a user would
(``python -m bot serve`` on a free port, a throwaway database), walks the widget through
an extension that can be filed online now (expiry 60 days ahead), waits for the verdict
card to take the focus, and captures the window. It fails when the card, its headline in
view or its focus is missing, instead of writing a screenshot of something else.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

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
def serving(db: Path) -> Iterator[str]:
    """``python -m bot serve --port 0``; yields its base URL; SIGTERM at the end."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZAIRYU_"))}
    args = ["serve", "--port", "0", "--db", str(db), "--rate-limit", "0"]
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DOCS, help="directory (default: docs/)")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: run `make browser-deps`", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as tmp,
        serving(Path(tmp) / "screenshots.db") as base,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            for lang in BROWSER_LOCALE:
                for shot in SHOTS:
                    path = shoot(browser, base, lang, shot, args.out)
                    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
