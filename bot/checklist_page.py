"""The verdict as a printable page: what a person hands to an employer or a scrivener
(issue 13).

One self-contained HTML page (A4 or Letter, on screen or saved as PDF): the outcome in
words, the key dates, every checklist item in the person's language with the Japanese
text beside it (so a Japanese reader can act on it), what the filer needs, the notes,
the sources with their as-of dates, and the official page. The web API serves it, and
``python -m bot assess --format html`` prints the same page.

Every text is escaped; the page has no script and one ``<style>`` element, allowed by the
hash in :data:`STYLE_CSP` (the site's CSP has no ``unsafe-inline``).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from datetime import datetime
from html import escape
from typing import Any, Final

from bot.assess import assess
from bot.assess_contract import AssessRequest, AssessResponse
from bot.clock import today_in_tokyo
from bot.data.checklist import ITEMS
from bot.data.registry import (
    HANDOFF_LINK_ID,
    LINK_INFO,
    PROCEDURE_INFO,
    STATUS_INFO,
    USER_TYPE_INFO,
)
from bot.data.sources import AUTHORITATIVE_GRADES, SOURCES, Source
from bot.faq.answer import SOURCE_LINE, THIRD_PARTY_SOURCE_LINE, source_title
from bot.flows import Say
from bot.i18n import Translator, translator
from bot.i18n_marker import N_
from bot.keydates import OFFICIAL_TERMS, TITLES, key_dates, upcoming
from bot.models import Session
from bot.takeaway import (
    BRAND,
    OUTCOME_SYMBOL,
    OUTCOME_TEXT,
    Outcome,
    outcome,
    verdict_request,
    with_official,
)
from bot.verdict import INFO_CENTER, NOTE_TEXT, REQUIREMENT_TEXT, reason_text

TITLE = N_("Checklist: {procedure}")
APPLICATION = N_("Application")
STATUS = N_("Status of residence")
NEW_STATUS = N_("Status applied for")
FILED_BY = N_("Filed by")
EXPIRY = N_("Expiry date of your period of stay")
KEY_DATES = N_("Key dates")
ITEM = N_("Item")
SOURCES_HEADING = N_("Sources")
PREPARED_ON = N_("Prepared on {date} (Japan time).")
# The verdict's own words (bot/verdict.py), the same msgids.
YES = N_("Yes: this can be filed online now.")
NO = N_("No: this cannot be filed online now.")
PREPARE = N_("What to prepare (as of {date}):")
NEEDS = N_("Before the first online filing, the filer needs:")
GOOD_TO_KNOW = N_("Good to know:")
OFFICIAL_PAGE = N_("Official page, with the login button of the online system: {url}")
NOT_A_FILER = N_(
    "This guide explains and links. It never fills in or submits an application: "
    "that is done by the person, their employer, or a lawyer or gyoseishoshi."
)
ANSWERED_FOR = N_("Answered for: {user}. Information as of {date}.")
JAPANESE = "日本語"

STYLE: Final = """
*{box-sizing:border-box}
html{color-scheme:light}
body{margin:0 auto;max-width:50rem;padding:1.5rem;color:#111;background:#fff;
font:16px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK JP",
"Noto Sans Devanagari","Noto Sans Myanmar",sans-serif}
h1{font-size:1.5rem;margin:.25rem 0 .75rem}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem;padding-bottom:.2rem;border-bottom:1px solid #888}
.brand{margin:0;font-size:.9rem;color:#444}
.case{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0}
.case dt{font-weight:600}
.case dd{margin:0}
.verdict{border:2px solid #111;border-radius:6px;padding:.75rem 1rem;margin:1rem 0}
.outcome{font-size:1.35rem;font-weight:700;margin:0 0 .25rem}
.symbol{display:inline-block;min-width:1.4em}
.verdict ul,.notes{margin:.5rem 0 0;padding-inline-start:1.25rem}
table{border-collapse:collapse;width:100%}
th,td{text-align:start;vertical-align:top;padding:.35rem .5rem;border-bottom:1px solid #bbb}
th{font-size:.9rem}
.box{width:1.75rem;font-size:1.2rem;line-height:1.2}
.date{white-space:nowrap}
[lang=ja]{font-family:"Noto Sans CJK JP","Hiragino Sans","Yu Gothic",sans-serif}
a{color:#1f4f8f;overflow-wrap:anywhere}
.sources li{margin-bottom:.35rem}
footer{margin-top:2rem;padding-top:.5rem;border-top:1px solid #888;font-size:.9rem}
footer p{margin:.35rem 0}
@media (max-width:40rem){body{padding:1rem}
.case{grid-template-columns:1fr;gap:0}.case dd{margin-bottom:.4rem}
.dates tr{display:block;padding:.3rem 0;border-bottom:1px solid #bbb}
.dates td{display:block;padding:0 .25rem;border:0}
.checklist thead{display:none}
.checklist tr{display:grid;grid-template-columns:1.75rem 1fr;border-bottom:1px solid #bbb}
.checklist td{border:0}.checklist td:nth-child(3){grid-column:2;padding-top:0}}
@page{size:A4;margin:15mm}
@media print{body{max-width:none;padding:0;font-size:10.5pt}
a{color:#000;text-decoration:none}
.verdict,tr,li{break-inside:avoid}h2{break-after:avoid}}
"""
STYLE_HASH: Final = base64.b64encode(hashlib.sha256(STYLE.encode("utf-8")).digest()).decode()
# The page's CSP: no script, nothing loaded, only this page's own <style>.
STYLE_CSP: Final = (
    f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors {ancestors}"
)

_ITEMS = {item.id: item for item in ITEMS}


def _e(text: str) -> str:
    """Escaped for HTML text and attributes, line breaks kept."""
    return escape(text, quote=True).replace("\n", "<br>")


def _link(url: str) -> str:
    return f'<a href="{_e(url)}" rel="noreferrer noopener">{_e(url)}</a>'


def _heading(tr: Translator, msgid: str, **params: Any) -> str:
    """A verdict line used as a heading, without its closing colon."""
    return tr.t(msgid, **params).rstrip(":：")


def _html_lang(locale: str) -> str:
    return "ja" if locale == "ja-easy" else locale


def _sources(req: AssessRequest, verdict: AssessResponse) -> list[Source]:
    ids = [_ITEMS[c.id].source_id for c in verdict.checklist if c.id in _ITEMS]
    ids += [
        LINK_INFO[HANDOFF_LINK_ID].source_id,
        PROCEDURE_INFO[req.procedure].source_id,
        USER_TYPE_INFO[req.user_type].source_id,
    ]
    return [SOURCES[i] for i in dict.fromkeys(ids)]


def _case(tr: Translator, req: AssessRequest) -> list[str]:
    procedure = PROCEDURE_INFO[req.procedure]
    user = USER_TYPE_INFO[req.user_type]
    status = STATUS_INFO[req.status]
    rows = [
        (APPLICATION, with_official(tr, procedure.label, procedure.official_ja)),
        (STATUS, with_official(tr, status.label, status.official_ja)),
    ]
    if req.new_status is not None:
        new = STATUS_INFO[req.new_status]
        rows.append((NEW_STATUS, with_official(tr, new.label, new.official_ja)))
    rows.append((FILED_BY, with_official(tr, user.label, user.official_ja)))
    if req.expiry is not None:
        rows.append((EXPIRY, tr.date(req.expiry)))
    out = ['<dl class="case">']
    out += [f"<dt>{_e(tr.t(label))}</dt><dd>{_e(value)}</dd>" for label, value in rows]
    return [*out, "</dl>"]


def _params(req: AssessRequest, verdict: AssessResponse) -> dict[str, Any]:
    """The placeholders of the reason and note texts (as in bot/verdict.py)."""
    return {
        "today": verdict.today,
        "expiry": req.expiry,
        "opens_on": verdict.opens_on,
        "deadline": verdict.counter_deadline,
    }


def _verdict(tr: Translator, req: AssessRequest, verdict: AssessResponse) -> list[str]:
    result = outcome(verdict)
    params = _params(req, verdict)
    reasons = [
        Say(reason_text(r, verdict, abroad=not req.applicant_in_japan), params).text(tr)
        for r in verdict.reasons
    ]
    out = [
        f'<section class="verdict" data-outcome="{result.value}">',
        f'<p class="outcome"><span class="symbol" aria-hidden="true">'
        f"{OUTCOME_SYMBOL[result]}</span>{_e(tr.t(OUTCOME_TEXT[result]))}</p>",
        f"<p>{_e(tr.t(YES if result is Outcome.ONLINE_NOW else NO))}</p>",
    ]
    if reasons:
        out += ["<ul>", *(f"<li>{_e(r)}</li>" for r in reasons), "</ul>"]
    return [*out, "</section>"]


def _dates(tr: Translator, req: AssessRequest, verdict: AssessResponse) -> list[str]:
    dates = upcoming(key_dates(verdict, req.expiry), verdict.today)
    if not dates:
        return []
    out = [f"<h2>{_e(tr.t(KEY_DATES))}</h2>", '<table class="dates"><tbody>']
    out += [
        f'<tr><td class="date">{_e(tr.date(k.day))}</td><td>{_e(tr.t(TITLES[k.kind]))}</td>'
        f'<td lang="ja">{_e(OFFICIAL_TERMS[k.kind])}</td></tr>'
        for k in dates
    ]
    return [*out, "</tbody></table>"]


def _checklist(
    tr: Translator, req: AssessRequest, verdict: AssessResponse, now: datetime
) -> list[str]:
    if not verdict.checklist:
        return []
    japanese: dict[str, str] = {}
    if tr.locale != "ja":
        in_ja = assess(req.model_copy(update={"lang": "ja"}), now=now)
        japanese = {c.id: c.text for c in in_ja.checklist}
    head = f"<th>{_e(tr.t(ITEM))}</th>" + (f'<th lang="ja">{JAPANESE}</th>' if japanese else "")
    out = [
        f"<h2>{_e(_heading(tr, PREPARE, date=tr.date(verdict.as_of)))}</h2>",
        '<table class="checklist">',
        f'<thead><tr><td class="box"></td>{head}</tr></thead><tbody>',
    ]
    for c in verdict.checklist:
        ja = f'<td lang="ja">{_e(japanese.get(c.id, ""))}</td>' if japanese else ""
        out.append(f'<tr><td class="box" aria-hidden="true">☐</td><td>{_e(c.text)}</td>{ja}</tr>')
    return [*out, "</tbody></table>"]


def _bullets(tr: Translator, heading: str, lines: Iterable[str]) -> list[str]:
    items = [f"<li>{_e(line)}</li>" for line in lines]
    if not items:
        return []
    return [f"<h2>{_e(_heading(tr, heading))}</h2>", '<ul class="notes">', *items, "</ul>"]


def _needs(tr: Translator, req: AssessRequest, verdict: AssessResponse) -> list[str]:
    out: list[str] = []
    if verdict.online or verdict.last_online_day is not None:
        out += _bullets(tr, NEEDS, (tr.t(REQUIREMENT_TEXT[r]) for r in verdict.requirements))
    params = _params(req, verdict)
    out += _bullets(tr, GOOD_TO_KNOW, (Say(NOTE_TEXT[n], params).text(tr) for n in verdict.notes))
    return out


def _source_lines(tr: Translator, req: AssessRequest, verdict: AssessResponse) -> list[str]:
    out = [f"<h2>{_e(tr.t(SOURCES_HEADING))}</h2>", '<ul class="sources">']
    for source in _sources(req, verdict):
        line = SOURCE_LINE if source.grade in AUTHORITATIVE_GRADES else THIRD_PARTY_SOURCE_LINE
        text = tr.t(line, source=source_title(tr, source), date=tr.date(source.as_of))
        out.append(f"<li>{_e(text)}<br>{_link(source.url)}</li>")
    return [*out, "</ul>"]


def _footer(tr: Translator, req: AssessRequest, verdict: AssessResponse, now: datetime) -> str:
    url = LINK_INFO[HANDOFF_LINK_ID].url
    page = _e(tr.t(OFFICIAL_PAGE, url="\0")).replace("\0", _link(url))
    user = tr.t(USER_TYPE_INFO[req.user_type].label)
    lines = [
        page,
        _e(INFO_CENTER.text(tr)),
        _e(tr.t(NOT_A_FILER)),
        _e(tr.t(ANSWERED_FOR, user=user, date=tr.date(verdict.as_of))),
        _e(tr.t(PREPARED_ON, date=tr.date(today_in_tokyo(now)))),
    ]
    return "<footer>" + "".join(f"<p>{line}</p>" for line in lines) + "</footer>"


def checklist_html(req: AssessRequest, verdict: AssessResponse, now: datetime) -> str:
    """The printable page of one verdict, in ``req.lang``. ``now`` is when it is made
    (the request's own ``now`` wins, as in the assessment)."""
    instant = req.now or now
    tr = translator(req.lang)
    procedure = PROCEDURE_INFO[req.procedure]
    title = tr.t(TITLE, procedure=with_official(tr, procedure.label, procedure.official_ja))
    body = [
        "<header>",
        f'<p class="brand">{_e(tr.t(BRAND))}</p>',
        f"<h1>{_e(title)}</h1>",
        *_case(tr, req),
        "</header>",
        "<main>",
        *_verdict(tr, req, verdict),
        *_dates(tr, req, verdict),
        *_checklist(tr, req, verdict, instant),
        *_needs(tr, req, verdict),
        *_source_lines(tr, req, verdict),
        "</main>",
        _footer(tr, req, verdict, instant),
    ]
    return "\n".join(
        [
            "<!doctype html>",
            f'<html lang="{_e(_html_lang(req.lang))}" dir="ltr">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="referrer" content="no-referrer">',
            '<meta name="robots" content="noindex">',
            f"<title>{_e(title)}</title>",
            f"<style>{STYLE}</style>",
            "</head>",
            "<body>",
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )


def checklist_page(session: Session, now: datetime) -> str | None:
    """The printable page of a conversation at its verdict; None before the verdict."""
    req = verdict_request(session, now)
    if req is None:
        return None
    return checklist_html(req, assess(req, now=now), now)
