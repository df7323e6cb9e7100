"""The staff console's pages under ``/staff`` (issue 15): sign-in, answering a caller,
the declined questions and the funnel, in English or Japanese.

No web framework here (nothing outside bot/channels imports one): the web app
(bot/channels/web.py) turns a request into a :class:`StaffRequest`, calls
:meth:`Console.handle` in a worker thread (Argon2, the FAQ search and the store all
block) and sends the :class:`StaffResponse` back. Pages are Jinja2 templates with
autoescaping; every string goes through the gettext catalogs (``_()`` in the
templates). The pages carry their own CSP: scripts and styles from ``/staff/static``
only, forms posting only to this site, never framed.

Without a valid login, a page redirects (303) to the sign-in form and the CSV export
answers 401. Every POST carries the login's CSRF token (the sign-in form a pre-login
token bound to its cookie; see bot/staff/auth.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from bot.clock import Clock, today_in_tokyo
from bot.data.registry import LINK_INFO
from bot.data.sources import AUTHORITATIVE_GRADES, Source
from bot.engine import Engine
from bot.faq.answer import (
    DECLINE_LINKS,
    HEDGE_LINE,
    SOURCE_LINE,
    THIRD_PARTY_SOURCE_LINE,
    decline_text,
    source_title,
)
from bot.faq.content import FaqEntry
from bot.faq.search import MAX_QUERY, SearchResult, detect_locale, search
from bot.flows.guide import STEPS
from bot.i18n import LOCALE_NAMES, LOCALES, Translator, translator
from bot.i18n_marker import N_
from bot.staff import charts, export
from bot.staff.auth import (
    COOKIE,
    LOGIN_TTL,
    PRE_COOKIE,
    PRE_TTL,
    Auth,
    Granted,
    Locked,
    clear_cookie,
    cookie_header,
    new_token,
    same,
)
from bot.staff.store import ConsoleStore, DailyCount, LoginSession, console_store
from bot.storage import SharedLimits

HERE: Final = Path(__file__).resolve().parent
TEMPLATES: Final = HERE / "templates"
STATIC: Final = HERE / "static"
UI_LOCALES: Final = ("en", "ja")
LANG_COOKIE: Final = "zg_staff_lang"
CSP: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS: Final = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
}
ASSETS: Final = {
    "console.css": "text/css; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
}
DEFAULT_DAYS: Final = 30
MAX_DAYS: Final = 366
GROUPS_SHOWN: Final = 200
_TOKEN_CHARS: Final = re.compile(r"[A-Za-z0-9_-]{20,100}")
# Where the language switch may send the browser back to: console pages only (matched
# whole with fullmatch: ``$`` would let a trailing newline into the Location header,
# and no ``..`` segment leads out of /staff).
_NEXT: Final = re.compile(r"/staff(/[a-z]+(\.[a-z]+)?)?(\?[A-Za-z0-9_.=&%+-]*)?")

GRADE_NAMES: Final = {
    "isa": N_("Immigration Services Agency (official)"),
    "law": N_("Law or regulation (official)"),
    "3p": N_("Third-party source"),
    "unverified": N_("Unverified"),
}


@dataclass(frozen=True, slots=True)
class StaffRequest:
    """What a console page needs of an HTTP request."""

    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    form: Mapping[str, str] = field(default_factory=dict)
    cookies: Mapping[str, str] = field(default_factory=dict)
    client: str = "-"
    https: bool = False


@dataclass(slots=True)
class StaffResponse:
    status: int
    body: bytes = b""
    media_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    cookies: list[str] = field(default_factory=list)  # whole Set-Cookie values


def _redirect(location: str, cookies: list[str] | None = None) -> StaffResponse:
    return StaffResponse(
        303, headers={"Location": location, "Cache-Control": "no-store"}, cookies=cookies or []
    )


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _asset(name: str) -> bytes:
    return (STATIC / name).read_bytes()


def _count(value: str | None) -> str | None:
    """A count from the query (the page after a delete says how many went), or None:
    nothing else a link could carry is echoed into the page's notice."""
    return value if value is not None and value.isascii() and value.isdigit() else None


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class _Version:
    """An entry's text in one language, for the side-by-side view."""

    locale: str
    name: str
    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class _SourceView:
    label: str
    grade: str
    as_of: str
    url: str | None  # only for official sources: no address under a third-party claim


@dataclass(frozen=True, slots=True)
class _LinkView:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class _Answer:
    versions: tuple[_Version, ...]
    hedge: str | None
    sources: tuple[_SourceView, ...]
    links: tuple[_LinkView, ...]
    copy_text: str


def _source_line(tr: Translator, src: Source) -> str:
    if src.grade in AUTHORITATIVE_GRADES:
        return tr.t(
            SOURCE_LINE, source=f"{source_title(tr, src)} <{src.url}>", date=tr.date(src.as_of)
        )
    return tr.t(THIRD_PARTY_SOURCE_LINE, source=source_title(tr, src), date=tr.date(src.as_of))


def _answer(entry: FaqEntry, caller: str, ui: Translator) -> _Answer:
    """One entry for the page: the caller's language first, then Japanese and English;
    the sources and links in the console's language; the text to copy in the caller's."""
    versions = [
        _Version(loc, LOCALE_NAMES[loc], entry.text(loc).question, entry.text(loc).answer)
        for loc in dict.fromkeys((caller, "ja", "en"))
    ]
    tr = translator(caller)
    text = entry.text(caller)
    lines = [text.answer]
    if entry.hedged:
        lines.append(tr.t(HEDGE_LINE))
    lines.append("")
    lines += [_source_line(tr, s) for s in entry.sources]
    lines += [f"{tr.t(LINK_INFO[lid].label)}: {LINK_INFO[lid].url}" for lid in entry.link_ids]
    return _Answer(
        versions=tuple(versions),
        hedge=ui.t(HEDGE_LINE) if entry.hedged else None,
        sources=tuple(
            _SourceView(
                source_title(ui, s),
                ui.t(GRADE_NAMES[s.grade]),
                ui.date(s.as_of),
                s.url if s.grade in AUTHORITATIVE_GRADES else None,
            )
            for s in entry.sources
        ),
        links=tuple(
            _LinkView(ui.t(LINK_INFO[lid].label), LINK_INFO[lid].url) for lid in entry.link_ids
        ),
        copy_text="\n".join(lines),
    )


def _decline(caller: str) -> _Answer:
    tr = translator(caller)
    links = tuple(
        _LinkView(tr.t(LINK_INFO[lid].label), LINK_INFO[lid].url) for lid in DECLINE_LINKS
    )
    text = decline_text(tr)
    copy = "\n".join([text, "", *(f"{link.label}: {link.url}" for link in links)])
    version = _Version(caller, LOCALE_NAMES[caller], "", text)
    return _Answer((version,), None, (), links, copy)


@dataclass(frozen=True, slots=True)
class _Section:
    """One chart of the funnel page with the same numbers as a table."""

    metric: str
    title: str
    total: int
    svg: Markup
    table: Markup
    daily: bool  # a table per day is long: the page folds it away


BREAKDOWNS: Final = (
    ("verdict", N_("Verdicts by outcome and first reason")),
    ("locale", N_("Conversations by language")),
    ("channel", N_("Conversations by channel")),
    ("partner", N_("Conversations by partner")),
    ("declined", N_("Declined questions by language")),
)


def _funnel_sections(
    rows: list[DailyCount], ui: Translator, start: date, end: date
) -> list[_Section]:
    """The page's charts: conversations per day, the steps reached in flow order with the
    share of the conversations started, then each breakdown. Labels are the stored codes
    (step names, outcome and reason codes, language and partner codes) as the CSV has
    them."""
    period = ui.t(N_("{start} to {end}"), start=ui.date(start), end=ui.date(end))
    sections: list[_Section] = []
    series = charts.daily(rows, start, end, "conversations")
    title = ui.t(N_("Conversations started per day"))
    total = sum(count for _, count in series)
    desc = ui.t(N_("{total} in all, {period}."), total=total, period=period)
    headings = (ui.t(N_("Day")), ui.t(N_("Conversations")))
    sections.append(
        _Section(
            "conversations",
            title,
            total,
            charts.daily_svg(series, "chart-conversations", title, desc),
            charts.table_html(charts.daily_table(series, title, headings)),
            daily=True,
        )
    )
    steps = charts.funnel(charts.step_totals(rows, [step.name for step in STEPS]), total)
    title = ui.t(N_("Steps reached (share of the conversations started)"))
    first = steps[0].count if steps else 0
    desc = ui.t(N_("{total} in all, {period}."), total=first, period=period)
    headings3 = (
        ui.t(N_("Step")),
        ui.t(N_("Conversations")),
        ui.t(N_("Share of the conversations started")),
    )
    sections.append(
        _Section(
            "step",
            title,
            first,
            charts.bars_svg(steps, "chart-step", title, desc),
            charts.table_html(charts.bars_table(steps, title, headings3)),
            daily=False,
        )
    )
    for metric, msgid in BREAKDOWNS:
        bars = charts.breakdown(rows, metric)
        title = ui.t(msgid)
        total = sum(bar.count for bar in bars)
        desc = ui.t(N_("{total} in all, {period}."), total=total, period=period)
        headings = (ui.t(N_("Label")), ui.t(N_("Count")))
        sections.append(
            _Section(
                metric,
                title,
                total,
                charts.bars_svg(bars, f"chart-{metric}", title, desc),
                charts.table_html(charts.bars_table(bars, title, headings)),
                daily=False,
            )
        )
    return sections


class Console:
    """The console's pages over one :class:`ConsoleStore`."""

    def __init__(
        self,
        store: ConsoleStore,
        clock: Clock,
        *,
        public_origin: str | None = None,
        auth: Auth | None = None,
        searcher: Callable[[str, str], SearchResult] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.auth = auth or Auth(store, clock)
        self.https_origin = bool(public_origin and public_origin.lower().startswith("https://"))
        self.search = searcher or (lambda q, loc: search(q, locale=loc))

    # -- plumbing

    def _secure(self, req: StaffRequest) -> bool:
        return req.https or self.https_origin

    @staticmethod
    def _ui(req: StaffRequest) -> str:
        lang = req.cookies.get(LANG_COOKIE, "")
        return lang if lang in UI_LOCALES else "en"

    def _page(
        self,
        req: StaffRequest,
        template: str,
        *,
        status: int = 200,
        login: LoginSession | None = None,
        cookies: list[str] | None = None,
        **context: Any,
    ) -> StaffResponse:
        ui = self._ui(req)
        tr = translator(ui)
        here = req.path + (f"?{urlencode(dict(req.query))}" if req.query else "")
        body = (
            _environment()
            .get_template(template)
            .render(
                _=tr.t,
                ui=ui,
                ui_locales=[(code, LOCALE_NAMES[code]) for code in UI_LOCALES],
                here=here if _NEXT.fullmatch(here) else "/staff",
                path=req.path,
                login=login,
                csrf=login.csrf if login else "",
                **context,
            )
        )
        return StaffResponse(
            status, body.encode("utf-8"), headers=dict(PAGE_HEADERS), cookies=cookies or []
        )

    def _error_page(self, req: StaffRequest, status: int, message: str) -> StaffResponse:
        login = self.auth.current(req.cookies.get(COOKIE))
        return self._page(req, "error.html", status=status, login=login, message=message)

    def handle(self, req: StaffRequest) -> StaffResponse:
        """Answer one request under /staff."""
        path = req.path.rstrip("/") or "/"
        if path.startswith("/staff/static/"):
            return self._static(path.removeprefix("/staff/static/"))
        if path == "/staff/lang":
            return self._switch_language(req)
        if req.method == "POST":
            posts: dict[str, Callable[[StaffRequest], StaffResponse]] = {
                "/staff/login": self._login,
                "/staff/logout": self._logout,
                "/staff/unanswered/delete": self._delete_group,
            }
            handler = posts.get(path)
        else:
            gets: dict[str, Callable[[StaffRequest], StaffResponse]] = {
                "/staff": self._home,
                "/staff/search": self._search_page,
                "/staff/unanswered": self._unanswered,
                "/staff/funnel": self._funnel,
                "/staff/export.csv": self._export,
            }
            handler = gets.get(path)
        if handler is None:
            return self._error_page(req, 404, N_("There is no such page."))
        return handler(req)

    def _static(self, name: str) -> StaffResponse:
        media = ASSETS.get(name)
        if media is None:
            return StaffResponse(404, b"not found", "text/plain; charset=utf-8")
        return StaffResponse(200, _asset(name), media, headers={"Cache-Control": "no-cache"})

    def _switch_language(self, req: StaffRequest) -> StaffResponse:
        """The console's language, kept in a cookie; back to the page it was chosen on."""
        lang = req.query.get("to", "")
        target = req.query.get("next", "/staff")
        if not _NEXT.fullmatch(target):
            target = "/staff"
        if lang not in UI_LOCALES:
            return _redirect(target)
        secure = self._secure(req)
        year = 365 * 24 * 3600
        return _redirect(target, [cookie_header(LANG_COOKIE, lang, year, secure=secure)])

    def _login_of(self, req: StaffRequest) -> LoginSession | None:
        return self.auth.current(req.cookies.get(COOKIE))

    def _posted_csrf_ok(self, req: StaffRequest, login: LoginSession) -> bool:
        return same(login.csrf, req.form.get("csrf"))

    # -- signing in and out

    def _login_form(
        self, req: StaffRequest, *, status: int = 200, error: str | None = None, name: str = ""
    ) -> StaffResponse:
        pre = req.cookies.get(PRE_COOKIE, "")
        cookies: list[str] = []
        if not _TOKEN_CHARS.fullmatch(pre):
            pre = new_token()
            max_age = int(PRE_TTL.total_seconds())
            cookies.append(cookie_header(PRE_COOKIE, pre, max_age, secure=self._secure(req)))
        return self._page(
            req,
            "login.html",
            status=status,
            cookies=cookies,
            pre_csrf=pre,
            error=error,
            name=name,
        )

    def _home(self, req: StaffRequest) -> StaffResponse:
        login = self._login_of(req)
        if login is None:
            return self._login_form(req)
        return self._search_view(req, login)

    def _login(self, req: StaffRequest) -> StaffResponse:
        if not same(req.cookies.get(PRE_COOKIE), req.form.get("csrf")):
            return self._error_page(
                req, 403, N_("This form has expired or came from another site. Please try again.")
            )
        name = req.form.get("name", "").strip()
        result = self.auth.attempt(name, req.form.get("password", ""), req.client)
        if isinstance(result, Locked):
            wait = max(1, int(result.retry_after + 0.999))
            response = self._login_form(
                req,
                status=429,
                error=N_("Too many attempts. Please wait and try again."),
                name=name,
            )
            response.headers["Retry-After"] = str(wait)
            return response
        if not isinstance(result, Granted):
            return self._login_form(req, status=401, error=N_("Wrong name or password."), name=name)
        # The login this browser had, if any, ends here: one browser, one live token.
        self.auth.logout(req.cookies.get(COOKIE))
        secure = self._secure(req)
        cookies = [
            cookie_header(COOKIE, result.token, int(LOGIN_TTL.total_seconds()), secure=secure),
            clear_cookie(PRE_COOKIE, secure=secure),
        ]
        return _redirect("/staff", cookies)

    def _logout(self, req: StaffRequest) -> StaffResponse:
        login = self._login_of(req)
        if login is None:
            return _redirect("/staff")
        if not self._posted_csrf_ok(req, login):
            return self._error_page(req, 403, N_("This form has expired. Please try again."))
        self.auth.logout(req.cookies.get(COOKIE))
        return _redirect("/staff", [clear_cookie(COOKIE, secure=self._secure(req))])

    # -- answering a caller

    def _search_page(self, req: StaffRequest) -> StaffResponse:
        login = self._login_of(req)
        if login is None:
            return _redirect("/staff")
        return self._search_view(req, login)

    def _search_view(self, req: StaffRequest, login: LoginSession) -> StaffResponse:
        query = req.query.get("q", "").strip()[:MAX_QUERY]
        chosen = req.query.get("lang", "")
        chosen = chosen if chosen in LOCALES else ""
        ui = translator(self._ui(req))
        answers: list[_Answer] = []
        answered = False
        caller = chosen or (detect_locale(query) if query else "")
        if query:
            result = self.search(query, caller)
            answered = result.answered
            if answered:
                confident = [h for h in result.hits if h.confidence >= result.threshold]
                answers = [_answer(h.entry, caller, ui) for h in confident]
            else:
                answers = [_decline(caller)]
        return self._page(
            req,
            "search.html",
            login=login,
            query=query,
            chosen=chosen,
            caller=caller,
            caller_name=LOCALE_NAMES.get(caller, ""),
            locales=[(code, LOCALE_NAMES[code]) for code in LOCALES],
            answers=answers,
            answered=answered,
        )

    # -- what the guide could not answer

    def _unanswered(self, req: StaffRequest) -> StaffResponse:
        login = self._login_of(req)
        if login is None:
            return _redirect("/staff")
        lang = req.query.get("lang", "")
        lang = lang if lang in LOCALES else ""
        groups = self.store.unanswered_groups(lang or None, GROUPS_SHOWN)
        ui = translator(self._ui(req))
        rows = [
            {
                "norm": g.norm,
                "example": g.example,
                "locale": g.locale,
                "locale_name": LOCALE_NAMES.get(g.locale, g.locale),
                "count": g.count,
                "last_seen": ui.date(today_in_tokyo(g.last_seen)),
                "last_seen_iso": g.last_seen.isoformat(timespec="minutes"),
            }
            for g in groups
        ]
        return self._page(
            req,
            "unanswered.html",
            login=login,
            rows=rows,
            lang=lang,
            locales=[(code, LOCALE_NAMES[code]) for code in LOCALES],
            deleted=_count(req.query.get("deleted")),
        )

    def _delete_group(self, req: StaffRequest) -> StaffResponse:
        login = self._login_of(req)
        if login is None:
            return _redirect("/staff")
        if not self._posted_csrf_ok(req, login):
            return self._error_page(req, 403, N_("This form has expired. Please try again."))
        norm = req.form.get("norm", "")
        removed = self.store.delete_unanswered(norm) if norm else 0
        lang = req.form.get("lang", "")
        query = {"deleted": str(removed)}
        if lang in LOCALES:
            query["lang"] = lang
        return _redirect(f"/staff/unanswered?{urlencode(query)}")

    # -- the funnel

    def _range(self, req: StaffRequest) -> tuple[date, date, str | None]:
        today = today_in_tokyo(self.clock())
        end = _date(req.query.get("end")) or today
        start = _date(req.query.get("start")) or end - timedelta(days=DEFAULT_DAYS - 1)
        error = None
        if start > end:
            error = N_("The start date is after the end date.")
        elif (end - start).days >= MAX_DAYS:
            error = N_("Choose at most 366 days.")
        if error is not None:
            return end - timedelta(days=DEFAULT_DAYS - 1), end, error
        return start, end, None

    def _funnel(self, req: StaffRequest) -> StaffResponse:
        login = self._login_of(req)
        if login is None:
            return _redirect("/staff")
        start, end, error = self._range(req)
        ui = translator(self._ui(req))
        rows = self.store.counts(start, end)
        return self._page(
            req,
            "funnel.html",
            status=400 if error else 200,
            login=login,
            start=start.isoformat(),
            end=end.isoformat(),
            range_error=error,
            sections=_funnel_sections(rows, ui, start, end),
            export_url="/staff/export.csv?" + urlencode({"start": start, "end": end}),
            empty=not rows,
        )

    def _export(self, req: StaffRequest) -> StaffResponse:
        if self._login_of(req) is None:
            return StaffResponse(401, b"sign in at /staff first\n", "text/plain; charset=utf-8")
        start, end, error = self._range(req)
        if error is not None:
            ui = translator(self._ui(req))
            return StaffResponse(400, (ui.t(error) + "\n").encode(), "text/plain; charset=utf-8")
        body = export.csv_bytes(self.store.counts(start, end), start, end)
        filename = f"zairyu-funnel-{start.isoformat()}-{end.isoformat()}.csv"
        return StaffResponse(
            200,
            body,
            "text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
            },
        )


def console_for(engine: Engine, public_origin: str | None) -> Console | None:
    """The console over the engine's session store (sharing its connection), or None for
    a store the console cannot keep its tables in."""
    try:
        store = console_store(engine.store)
    except TypeError:
        return None
    limits = engine.store if isinstance(engine.store, SharedLimits) else None
    auth = Auth(store, engine.clock, limits)
    return Console(store, engine.clock, public_origin=public_origin, auth=auth)
