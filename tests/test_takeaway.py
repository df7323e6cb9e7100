"""What a person keeps after the verdict (issue 13): the calendar file and the printable
checklist, made by the real assessment, read back with ``icalendar`` and an HTML parser,
served by uvicorn on 127.0.0.1 over a real SQLite file, printed by ``python -m bot``, and
shown in Debian's Chromium under the page's own CSP."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from icalendar import Calendar

from bot.assess import AssessRequest, AssessResponse, ChecklistEntry, assess, parse_request
from bot.calendar_file import PRODID, calendar_bytes, calendar_ics
from bot.channels.web import WebConfig
from bot.checklist_page import STYLE, STYLE_HASH, checklist_html
from bot.clock import fixed_clock
from bot.data.registry import HANDOFF_LINK_ID, LINK_INFO
from bot.engine import Engine
from bot.i18n import translator
from bot.keydates import OFFICIAL_TERMS, TITLES, DateKind
from bot.storage import SQLiteStore
from bot.verdict import assess_request
from tests.conftest import NOW
from tests.test_web_api import serving

ROOT = Path(__file__).resolve().parent.parent
ISA = LINK_INFO[HANDOFF_LINK_ID].url
K = DateKind


def request(expiry: str, lang: str = "en", **more: Any) -> AssessRequest:
    return parse_request(
        {
            "user_type": "foreign_national",
            "procedure": "extension",
            "status": "student",
            "expiry": expiry,
            "has_my_number_card": True,
            "stay_over_3_months": True,
            "lang": lang,
            **more,
        }
    )


def events(ics: bytes) -> list[tuple[DateKind, date]]:
    """(kind, day) of each event, read back from the file: the kind from the UID."""
    cal = Calendar.from_ical(ics)
    out = []
    for event in cal.events:
        assert type(event.start) is date  # all-day: VALUE=DATE, no time, no zone
        assert event.end == event.start + timedelta(days=1)
        kind, _, rest = str(event["uid"]).partition("-")
        assert rest == f"{event.start.isoformat()}@zairyu-guide"
        out.append((DateKind(kind), event.start))
    return out


# --------------------------------------------------------------------------- the .ics file

# Today is 2026-11-22 in Tokyo (tests.conftest.NOW). Each case: the expiry, and the events
# the calendar must hold, worked out by hand: filing opens 3 months before expiry and
# ends the day before it; a counter takes the next business day after a closed expiry.
CASES = {
    "future window": (
        "2027-06-30",  # a Wednesday
        [
            (K.WINDOW_OPENS, date(2027, 3, 30)),
            (K.TWO_WEEKS_LEFT, date(2027, 6, 15)),
            (K.LAST_ONLINE_DAY, date(2027, 6, 29)),
            (K.EXPIRY, date(2027, 6, 30)),
        ],
    ),
    "open window": (
        "2027-01-20",  # opened on 2026-10-20: no event for the past
        [
            (K.TWO_WEEKS_LEFT, date(2027, 1, 5)),
            (K.LAST_ONLINE_DAY, date(2027, 1, 19)),
            (K.EXPIRY, date(2027, 1, 20)),
        ],
    ),
    "weekend expiry": (
        "2027-03-20",  # Saturday; Sunday the 21st; Monday the 22nd a substitute holiday
        [
            (K.WINDOW_OPENS, date(2026, 12, 20)),
            (K.TWO_WEEKS_LEFT, date(2027, 3, 5)),
            (K.LAST_ONLINE_DAY, date(2027, 3, 19)),
            (K.EXPIRY, date(2027, 3, 20)),
            (K.COUNTER_DEADLINE, date(2027, 3, 23)),
        ],
    ),
    "two weeks already past": (
        "2026-11-30",
        [(K.LAST_ONLINE_DAY, date(2026, 11, 29)), (K.EXPIRY, date(2026, 11, 30))],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_the_calendar_holds_the_verdicts_dates_still_ahead(case: str) -> None:
    expiry, expected = CASES[case]
    req = request(expiry)
    verdict = assess(req, now=NOW)
    ics = calendar_ics(req, verdict, NOW)
    assert ics is not None
    assert events(ics) == expected
    # The same dates as the verdict itself says them.
    got = dict(events(ics))
    if verdict.opens_on is not None and verdict.opens_on > verdict.today:
        assert got[K.WINDOW_OPENS] == verdict.opens_on
    else:
        assert K.WINDOW_OPENS not in got
    assert got[K.LAST_ONLINE_DAY] == verdict.last_online_day
    assert got[K.EXPIRY] == req.expiry
    if verdict.counter_deadline not in (None, req.expiry):
        assert got[K.COUNTER_DEADLINE] == verdict.counter_deadline


def test_the_calendar_is_a_well_formed_tokyo_calendar() -> None:
    req = request("2027-03-20")
    ics = calendar_ics(req, assess(req, now=NOW), NOW)
    assert ics is not None
    cal = Calendar.from_ical(ics)
    assert (str(cal["prodid"]), str(cal["version"])) == (PRODID, "2.0")
    assert str(cal["x-wr-timezone"]) == "Asia/Tokyo"
    assert [str(tz["tzid"]) for tz in cal.timezones] == ["Asia/Tokyo"]
    assert b"DTSTART;VALUE=DATE:20270319\r\n" in ics
    for event in cal.events:
        assert event.DTSTAMP == NOW  # the injected clock, in UTC
        assert str(event["url"]) == ISA
        (alarm,) = event.walk("VALARM")
        assert alarm.decoded("trigger") == timedelta(hours=9)
        assert alarm["trigger"].params["RELATED"] == "START"
    # Made again later, the same events keep their UIDs (an update, not duplicates).
    later = datetime(2026, 11, 23, 3, tzinfo=UTC)
    again = calendar_ics(req, assess(req, now=later), later)
    assert again is not None
    uids = [str(e["uid"]) for e in cal.events]
    assert uids == [str(e["uid"]) for e in Calendar.from_ical(again).events]
    assert len(set(uids)) == len(uids)


@pytest.mark.parametrize("lang", ["en", "ja", "my"])
def test_titles_and_descriptions_are_in_the_sessions_language(lang: str) -> None:
    req = request("2027-03-20", lang)
    ics = calendar_ics(req, assess(req, now=NOW), NOW)
    assert ics is not None
    tr = translator(lang)
    cal = Calendar.from_ical(ics)
    assert str(cal["x-wr-calname"]) == tr.t("Zairyu Guide: online residence applications")
    page_line = tr.t("Official page, with the login button of the online system: {url}", url=ISA)
    for event, (kind, day) in zip(cal.events, events(ics), strict=True):
        summary, description = str(event["summary"]), str(event["description"])
        assert tr.t(TITLES[kind]) in summary
        assert OFFICIAL_TERMS[kind] in summary
        assert tr.date(day) in description
        assert OFFICIAL_TERMS[kind] in description
        assert page_line in description
    if lang == "ja":  # the catalog's own Japanese, not the English msgid
        assert "公式ページ" in page_line


def test_no_date_ahead_means_no_calendar() -> None:
    req = request("2026-11-01")  # expired three weeks ago
    verdict = assess(req, now=NOW)
    assert verdict.reasons
    assert verdict.today > date(2026, 11, 2)
    assert calendar_ics(req, verdict, NOW) is None


# --------------------------------------------------------------------------- the page


class Page(HTMLParser):
    """The page as a browser reads it: its text (entities decoded), its elements, and
    what sits in its <style>."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, dict[str, str | None]]] = []
        self.style = ""
        self._in: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.append((tag, dict(attrs)))
        if tag not in ("br", "meta"):
            self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if self._in and self._in[-1] == "style":
            self.style += data
        else:
            self.text.append(data)

    @property
    def words(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.text))


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("lang", ["en", "ja", "ne"])
def test_the_page_shows_every_item_with_its_japanese_beside_it(lang: str) -> None:
    req = request("2027-01-20", lang)
    verdict = assess(req, now=NOW)
    in_ja = assess(req.model_copy(update={"lang": "ja"}), now=NOW)
    html = checklist_html(req, verdict, NOW)
    page = Page(html)
    tr = translator(lang)
    assert len(verdict.checklist) >= 8
    rows = re.findall(r"<tr>.*?</tr>", html, re.S)
    for item, ja in zip(verdict.checklist, in_ja.checklist, strict=True):
        assert _flat(item.text) in page.words
        assert _flat(ja.text) in page.words
        if lang != "ja":  # side by side: the item's row holds its Japanese too
            (row,) = [r for r in rows if f"<td>{_e(item.text)}</td>" in r]
            assert f'<td lang="ja">{_e(ja.text)}</td>' in row
    assert tr.t("Online now") in page.words
    for kind, day in [(K.LAST_ONLINE_DAY, date(2027, 1, 19)), (K.EXPIRY, date(2027, 1, 20))]:
        assert tr.t(TITLES[kind]) in page.words
        assert tr.date(day) in page.words
    assert ISA in page.words
    assert ("html", {"lang": lang, "dir": "ltr"}) in page.attrs


def _e(text: str) -> str:
    from html import escape

    return escape(text, quote=True)


def test_the_page_is_printable_and_has_no_script() -> None:
    req = request("2027-06-30")
    html = checklist_html(req, assess(req, now=NOW), NOW)
    page = Page(html)
    assert "script" not in page.tags
    assert not any(k.startswith("on") for _, attrs in page.attrs for k in attrs)
    assert not any("style" in attrs for _, attrs in page.attrs)  # no style="" attributes
    assert page.tags.count("style") == 1
    assert "@media print" in page.style
    assert "@page{size:A4" in page.style
    assert page.style == STYLE  # what the CSP hash covers
    assert base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode() == STYLE_HASH
    # Not yet: said in words, with the day it opens.
    tr = translator("en")
    assert tr.t("Not yet online") in page.words
    assert tr.date(date(2027, 3, 30)) in page.words
    for _, attrs in page.attrs:
        if "href" in attrs:  # links leak no address (the page's carries the session id)
            assert attrs["rel"] == "noreferrer noopener"


def test_every_text_on_the_page_is_escaped() -> None:
    req = request("2027-01-20")
    verdict = assess(req, now=NOW)
    hostile = '<script>alert("x")</script> & <img src=x onerror=alert(1)> "q"'
    entry = ChecklistEntry(id="hostile", text=hostile, source=ISA, as_of=date(2026, 5, 12))
    tampered = verdict.model_copy(update={"checklist": [*verdict.checklist, entry]})
    html = checklist_html(req, tampered, NOW)
    page = Page(html)
    assert "script" not in page.tags
    assert "img" not in page.tags
    assert hostile in page.words  # shown as text, exactly
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img" in html


def test_a_page_that_cannot_be_filed_online_says_why() -> None:
    req = request("2027-01-20", procedure="permanent_residence")
    verdict = assess(req, now=NOW)
    assert not verdict.online
    assert not verdict.checklist
    page = Page(checklist_html(req, verdict, NOW))
    tr = translator("en")
    assert tr.t("Not online") in page.words
    assert "This procedure is not available online" in page.words
    assert "Sources" in page.words


# --------------------------------------------------------------------------- over HTTP


@dataclass
class Site:
    http: httpx.Client
    engine: Engine


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    store = SQLiteStore(tmp_path / "web.db")
    engine = Engine(store, clock=fixed_clock(NOW))
    config = WebConfig(per_minute=0)
    with serving(engine, config) as base, httpx.Client(base_url=base, timeout=10) as http:
        yield Site(http, engine)
    store.close()


def start(http: httpx.Client, lang: str) -> str:
    resp = http.post("/api/v1/sessions", json={"lang": lang})
    assert resp.status_code == 201, resp.text
    sid: str = resp.json()["session_id"]
    return sid


def to_verdict(http: httpx.Client, lang: str, expiry: str) -> tuple[str, dict[str, Any]]:
    """A conversation driven through the API, button by button, to its verdict."""
    sid = start(http, lang)
    reply: dict[str, Any] = {}
    for choice in (
        f"lang:{lang}",
        "user_type:foreign_national",
        "procedure:extension",
        "status:student",
        f"expiry:{expiry}",
        "stay_over_3_months:yes",
        "has_my_number_card:yes",
        "location:japan",
    ):
        resp = http.post(f"/api/v1/sessions/{sid}/events", json={"choice": choice})
        assert resp.status_code == 200, resp.text
        reply = resp.json()
    assert reply["verdict"] is not None
    return sid, reply


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_calendar_endpoint_serves_the_verdicts_dates(site: Site, lang: str) -> None:
    sid, reply = to_verdict(site.http, lang, "2027-03-20")
    resp = site.http.get(f"/api/v1/sessions/{sid}/calendar.ics")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "text/calendar; charset=utf-8"
    assert resp.headers["content-disposition"].startswith("attachment;")
    assert resp.headers["cache-control"] == "no-store"
    verdict = AssessResponse.model_validate(reply["verdict"])
    got = dict(events(resp.content))
    assert got == {
        K.WINDOW_OPENS: verdict.opens_on,
        K.TWO_WEEKS_LEFT: date(2027, 3, 5),
        K.LAST_ONLINE_DAY: verdict.last_online_day,
        K.EXPIRY: date(2027, 3, 20),
        K.COUNTER_DEADLINE: verdict.counter_deadline,
    }
    assert sid.encode() not in resp.content  # the session id is a bearer token
    tr = translator(lang)
    summaries = [str(e["summary"]) for e in Calendar.from_ical(resp.content).events]
    assert tr.t(TITLES[K.LAST_ONLINE_DAY]) in summaries[2]
    # What the Telegram bot sends is the same file.
    session = site.engine.snapshot(f"web:{sid}")
    assert session is not None
    assert calendar_bytes(session, NOW) == resp.content


def test_the_checklist_endpoint_serves_the_page_under_a_strict_csp(site: Site) -> None:
    sid, reply = to_verdict(site.http, "vi", "2027-01-20")
    resp = site.http.get(f"/api/v1/sessions/{sid}/checklist.html")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "text/html; charset=utf-8"
    assert resp.headers["cache-control"] == "no-store"
    assert resp.headers["referrer-policy"] == "no-referrer"
    csp = resp.headers["content-security-policy"]
    assert "unsafe-inline" not in csp
    assert "script-src" not in csp
    assert "default-src 'none'" in csp
    page = Page(resp.text)
    digest = base64.b64encode(hashlib.sha256(page.style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in csp
    for item in reply["verdict"]["checklist"]:
        assert _flat(item["text"]) in page.words
    assert ("html", {"lang": "vi", "dir": "ltr"}) in page.attrs
    assert sid not in resp.text


@pytest.mark.parametrize("doc", ["calendar.ics", "checklist.html"])
def test_unknown_and_unfinished_sessions_get_json_errors(site: Site, doc: str) -> None:
    for sid in ("x" * 43, "short", "a" * 44):
        resp = site.http.get(f"/api/v1/sessions/{sid}/{doc}")
        assert resp.status_code == 404
        assert resp.json() in ({"error": "unknown session"}, {"error": "not found"})
    sid = start(site.http, "en")  # still asking the questions
    resp = site.http.get(f"/api/v1/sessions/{sid}/{doc}")
    assert resp.status_code == 409
    assert set(resp.json()) == {"error"}
    assert resp.headers["cache-control"] == "no-store"
    # Forgotten: gone.
    assert site.http.delete(f"/api/v1/sessions/{sid}").status_code == 204
    assert site.http.get(f"/api/v1/sessions/{sid}/{doc}").status_code == 404


def test_an_expired_verdict_has_a_page_but_no_calendar(site: Site) -> None:
    sid, _ = to_verdict(site.http, "en", "2026-11-01")
    cal = site.http.get(f"/api/v1/sessions/{sid}/calendar.ics")
    assert cal.status_code == 409
    assert "error" in cal.json()
    page = site.http.get(f"/api/v1/sessions/{sid}/checklist.html")
    assert page.status_code == 200
    assert translator("en").t("Not online") in Page(page.text).words


# --------------------------------------------------------------------------- the CLI


def bot(*args: str, stdin: bytes, **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, **env},
        check=False,
    )


def test_assess_format_html_prints_the_same_page_as_the_api(site: Site) -> None:
    sid, _ = to_verdict(site.http, "ja", "2027-03-20")
    served = site.http.get(f"/api/v1/sessions/{sid}/checklist.html")
    session = site.engine.snapshot(f"web:{sid}")
    assert session is not None
    req = assess_request(session, NOW).model_dump_json(exclude_none=True)
    # UTF-8, as the page's <meta> says, even where the terminal's encoding is not.
    proc = bot(
        "assess", "--json", "-", "--format", "html", stdin=req.encode(), PYTHONIOENCODING="ascii"
    )
    assert (proc.returncode, proc.stderr) == (0, b"")
    assert proc.stdout == served.content
    # JSON stays the default.
    plain = bot("assess", "--json", "-", stdin=req.encode())
    as_json = bot("assess", "--json", "-", "--format", "json", stdin=req.encode())
    assert plain.returncode == as_json.returncode == 0
    assert plain.stdout == as_json.stdout
    assert AssessResponse.model_validate_json(plain.stdout).counter_deadline == date(2027, 3, 23)


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["--format", "html"], b"{not json"),
        (["--format", "html"], b'{"user_type": "alien", "procedure": "extension"}'),
        (["--format", "html"], b'{"user_type": "foreign_national"}'),
        (["--format", "pdf"], b"{}"),
    ],
)
def test_assess_format_html_rejects_bad_input_in_one_line(args: list[str], stdin: bytes) -> None:
    proc = bot("assess", "--json", "-", *args, stdin=stdin)
    assert proc.returncode == 2
    assert proc.stdout == b""
    lines = proc.stderr.decode().splitlines()
    assert len(lines) == 1
    assert "error" in lines[0]


# --------------------------------------------------------------------------- in a browser


def test_the_page_is_styled_under_its_csp_and_prints_on_a4_in_chromium(site: Site) -> None:
    """Debian's Chromium applies the page's own <style> under the served CSP (the hash
    matches), switches to the print rules, and prints an A4 page."""
    from playwright.sync_api import ConsoleMessage, sync_playwright

    from tests.test_widget_browser import CHROMIUM, CHROMIUM_ARGS

    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: run `make browser-deps`"
    sid, reply = to_verdict(site.http, "en", "2027-01-20")
    url = str(site.http.base_url.join(f"/api/v1/sessions/{sid}/checklist.html"))
    errors: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            errors.append(msg.text)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("console", on_console)
            assert page.goto(url) is not None
            body = "() => getComputedStyle(document.body)"
            assert page.evaluate(f"{body}.maxWidth") == "800px"  # the <style> applied
            first = reply["verdict"]["checklist"][0]["text"]
            assert page.get_by_text(first).is_visible()
            page.emulate_media(media="print")
            assert page.evaluate(f"{body}.maxWidth") == "none"  # the print rules
            pdf = page.pdf(prefer_css_page_size=True)
        finally:
            browser.close()
    assert errors == []  # no CSP violation, nothing blocked
    assert pdf.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]", pdf)
    assert boxes
    assert all(abs(float(w) - 595.9) < 1 and abs(float(h) - 842.9) < 1 for w, h in boxes)  # A4
