"""The staff console's gate over real HTTP (issue 15): uvicorn on a free 127.0.0.1 port, a
real SQLite file, real Argon2 hashes. No page or export without a login, CSRF on every
POST, the lockout, the cookie's attributes, logout and expiry, and no secret in any
response or log line."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.web import WebConfig
from bot.engine import Engine
from bot.staff.accounts import hash_password, staff_command
from bot.staff.auth import (
    BUCKET,
    COOKIE,
    LOGIN_TTL,
    NAME_ATTEMPTS,
    NAME_ATTEMPTS_ANY_CLIENT,
    PRE_COOKIE,
    WINDOW,
    Auth,
    Granted,
    Locked,
    MemoryLimits,
    Refused,
    token_hash,
)
from bot.staff.console import Console, StaffRequest
from bot.staff.store import ConsoleStore, console_store
from bot.storage import SQLiteStore
from tests.conftest import NOW
from tests.test_web_api import serving as web_serving

NAME = "aiko"
PASSWORD = "correct horse battery staple"
PAGES = ("/staff/search?q=visa", "/staff/unanswered", "/staff/funnel")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Clock:
    """A clock the test moves."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Site:
    base: str
    console: ConsoleStore
    clock: Clock
    password_hash: str

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, follow_redirects=False, timeout=10)


@contextmanager
def serving(
    db: Path, public_origin: str | None = None, *, add_account: bool = True
) -> Iterator[Site]:
    store = SQLiteStore(db)
    clock = Clock(NOW)
    engine = Engine(store, clock=clock)
    console = console_store(store)
    password_hash = hash_password(PASSWORD)
    if add_account:
        assert console.add_staff(NAME, password_hash, NOW)
    # Debug logging, so that the test of what the logs keep reads every line there is.
    config = WebConfig(public_origin=public_origin, per_minute=0)
    try:
        with web_serving(engine, config, log_level="debug") as base:
            yield Site(base, console, clock, password_hash)
    finally:
        store.close()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with serving(tmp_path / "staff.db") as s:
        yield s


def _csrf(page: httpx.Response) -> str:
    match = CSRF.search(page.text)
    assert match is not None, page.text
    return match.group(1)


def _login(
    client: httpx.Client, name: str = NAME, password: str = PASSWORD, csrf: str | None = None
) -> httpx.Response:
    form = client.get("/staff")
    token = _csrf(form) if csrf is None else csrf
    return client.post("/staff/login", data={"csrf": token, "name": name, "password": password})


def _signed_in(site: Site) -> httpx.Client:
    client = site.client()
    answer = _login(client)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/staff"
    return client


def _set_cookies(response: httpx.Response) -> dict[str, str]:
    return {c.split("=", 1)[0]: c for c in response.headers.get_list("set-cookie")}


# --------------------------------------------------------------------------- the gate


def test_without_a_login_pages_redirect_and_the_export_answers_401(site: Site) -> None:
    with site.client() as client:
        for path in PAGES:
            answer = client.get(path)
            assert answer.status_code == 303, path
            assert answer.headers["location"] == "/staff"
        export = client.get("/staff/export.csv?start=2026-11-01&end=2026-11-22")
        assert export.status_code == 401
        assert "text/csv" not in export.headers["content-type"]
        assert "day" not in export.text
        post = client.post("/staff/unanswered/delete", data={"csrf": "x", "norm": "y"})
        assert post.status_code == 303
        # A made-up or stolen-looking cookie is no login either.
        client.cookies.set(COOKIE, "A" * 43, domain="127.0.0.1", path="/staff")
        assert client.get("/staff/funnel").status_code == 303
        assert client.get("/staff/export.csv").status_code == 401


def test_the_login_form_has_labelled_fields(site: Site) -> None:
    with site.client() as client:
        page = client.get("/staff")
    assert page.status_code == 200
    assert '<label for="name">Name</label>' in page.text
    assert '<label for="password">Password</label>' in page.text
    assert 'id="password" name="password" type="password"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"


def test_a_login_opens_every_page_with_a_strict_cookie(site: Site) -> None:
    client = site.client()
    answer = _login(client)
    assert answer.status_code == 303
    cookies = _set_cookies(answer)
    cookie = cookies[COOKIE]
    attributes = {part.strip() for part in cookie.split(";")[1:]}
    assert attributes == {
        "Max-Age=28800",
        "Path=/staff",
        "HttpOnly",
        "SameSite=Strict",
    }  # no Secure: this server is on plain http
    assert cookies[PRE_COOKIE].startswith(f"{PRE_COOKIE}=;")  # the pre-login token is spent
    token = cookie.split(";")[0].split("=", 1)[1]
    assert len(token) >= 43
    login = site.console.get_login(token_hash(token), NOW)
    assert login is not None
    assert login.name == NAME
    for path in PAGES:
        assert client.get(path).status_code == 200, path
    home = client.get("/staff")
    assert "Signed in as aiko" in home.text
    assert 'id="q" name="q" type="search"' in home.text
    client.close()


def test_the_cookie_is_secure_when_the_public_origin_is_https(tmp_path: Path) -> None:
    with serving(tmp_path / "s.db", public_origin="https://console.example") as site:
        client = site.client()
        form = client.get("/staff")
        assert "Secure" in form.headers["set-cookie"]
        # Our test client speaks http, so it would not send a Secure cookie back: send it.
        client.cookies.set(PRE_COOKIE, form.cookies[PRE_COOKIE], domain="127.0.0.1")
        answer = client.post(
            "/staff/login", data={"csrf": _csrf(form), "name": NAME, "password": PASSWORD}
        )
        assert answer.status_code == 303
        assert "; Secure" in _set_cookies(answer)[COOKIE]
        client.close()


def test_the_cookie_is_secure_when_the_request_came_over_https(tmp_path: Path) -> None:
    """uvicorn sets the scheme from the proxy's headers (serve --forwarded-allow-ips); the
    console takes it from the request."""
    store = SQLiteStore(tmp_path / "s.db")
    try:
        console = Console(console_store(store), lambda: NOW, public_origin="http://x.example")
        plain = console.handle(StaffRequest("GET", "/staff"))
        secure = console.handle(StaffRequest("GET", "/staff", https=True))
        assert not any("Secure" in c for c in plain.cookies)
        assert all(c.endswith("; Secure") for c in secure.cookies)
    finally:
        store.close()


def test_a_login_expires_after_eight_hours(site: Site) -> None:
    client = _signed_in(site)
    assert client.get("/staff/funnel").status_code == 200
    site.clock.now = NOW + LOGIN_TTL - timedelta(seconds=1)
    assert client.get("/staff/funnel").status_code == 200
    site.clock.now = NOW + LOGIN_TTL
    assert client.get("/staff/funnel").status_code == 303
    assert client.get("/staff/export.csv").status_code == 401
    client.close()


def test_logout_ends_the_session(site: Site) -> None:
    client = _signed_in(site)
    token = client.cookies[COOKIE]
    page = client.get("/staff/unanswered")
    answer = client.post("/staff/logout", data={"csrf": _csrf(page)})
    assert answer.status_code == 303
    assert _set_cookies(answer)[COOKIE].startswith(f"{COOKIE}=;")
    assert site.console.get_login(token_hash(token), NOW) is None
    # The old cookie, replayed, opens nothing.
    with site.client() as other:
        other.cookies.set(COOKIE, token, domain="127.0.0.1", path="/staff")
        assert other.get("/staff/funnel").status_code == 303
        assert other.get("/staff/export.csv").status_code == 401
    client.close()


# --------------------------------------------------------------------------- CSRF


def test_the_login_form_needs_its_pre_login_token(site: Site) -> None:
    with site.client() as client:
        form = client.get("/staff")
        token = _csrf(form)
        no_field = client.post("/staff/login", data={"name": NAME, "password": PASSWORD})
        wrong = client.post(
            "/staff/login", data={"csrf": token[:-2] + "xx", "name": NAME, "password": PASSWORD}
        )
        assert no_field.status_code == 403
        assert wrong.status_code == 403
        assert COOKIE not in _set_cookies(no_field)
        assert COOKIE not in _set_cookies(wrong)
    # The right field without its cookie (another site posting the form) is refused too.
    with site.client() as stranger:
        answer = stranger.post(
            "/staff/login", data={"csrf": token, "name": NAME, "password": PASSWORD}
        )
        assert answer.status_code == 403


def test_every_post_needs_the_logins_csrf_token(site: Site) -> None:
    now = NOW - timedelta(hours=1)
    site.console.record_unanswered(now, "en", "faq", "visa for my cat", "visa for my cat?")
    client = _signed_in(site)
    page = client.get("/staff/unanswered")
    token = _csrf(page)
    delete = {"norm": "visa for my cat"}
    assert client.post("/staff/unanswered/delete", data=delete).status_code == 403
    wrong = {**delete, "csrf": token[::-1]}
    assert client.post("/staff/unanswered/delete", data=wrong).status_code == 403
    # Another login's token is not this one's.
    other = _signed_in(site)
    theirs = _csrf(other.get("/staff/unanswered"))
    assert theirs != token
    assert (
        client.post("/staff/unanswered/delete", data={**delete, "csrf": theirs}).status_code == 403
    )
    assert len(site.console.unanswered_groups(None, 10)) == 1
    assert client.post("/staff/logout", data={}).status_code == 403
    assert client.get("/staff/funnel").status_code == 200  # still signed in
    done = client.post("/staff/unanswered/delete", data={**delete, "csrf": token})
    assert done.status_code == 303
    assert site.console.unanswered_groups(None, 10) == []
    # Only forms: JSON or anything else is refused before the console sees it.
    as_json = client.post("/staff/logout", json={"csrf": token})
    assert as_json.status_code == 415
    client.close()
    other.close()


# --------------------------------------------------------------------------- lockout


def test_five_failures_for_a_name_lock_it_with_retry_after(site: Site) -> None:
    with site.client() as client:
        for _ in range(5):
            answer = _login(client, password="not the password at all")
            assert answer.status_code == 401
            assert "Wrong name or password." in answer.text
        locked = _login(client)  # even the right password, now
        assert locked.status_code == 429
        wait = int(locked.headers["retry-after"])
        assert 0 < wait <= 15 * 60
        assert COOKIE not in _set_cookies(locked)
    # Another name from this client is not locked by that name's failures.
    assert site.console.add_staff("ben", hash_password(PASSWORD), NOW)
    with site.client() as client:
        assert _login(client, name="ben").status_code == 303


def test_the_lockout_holds_across_processes_sharing_the_database(tmp_path: Path) -> None:
    """Two servers on one database file (serve --workers 2): failures on one lock the
    name on the other, through the session store's shared buckets."""
    db = tmp_path / "shared.db"
    with serving(db) as first:
        with first.client() as client:
            for _ in range(5):
                assert _login(client, password="not the password at all").status_code == 401
        with serving(db, add_account=False) as second, second.client() as client:
            locked = _login(client)
            assert locked.status_code == 429
            assert int(locked.headers["retry-after"]) > 0


def test_the_in_memory_buckets_refill() -> None:
    """Without shared limits (a store that has none), one process counts in memory."""
    clock = Clock(NOW)
    limits = MemoryLimits(clock)
    rate = NAME_ATTEMPTS / WINDOW.total_seconds()
    for _ in range(NAME_ATTEMPTS):
        assert limits.take_tokens(BUCKET, b"k", rate, NAME_ATTEMPTS, 1) == 0
    wait = limits.take_tokens(BUCKET, b"k", rate, NAME_ATTEMPTS, 1)
    assert wait == pytest.approx(WINDOW.total_seconds() / NAME_ATTEMPTS)
    assert limits.take_tokens(BUCKET, b"other", rate, NAME_ATTEMPTS, 1) == 0
    clock.now = NOW + timedelta(seconds=wait)
    assert limits.take_tokens(BUCKET, b"k", rate, NAME_ATTEMPTS, 1) == 0
    assert limits.take_tokens(BUCKET, b"k", rate, NAME_ATTEMPTS, 1) > 0


def test_a_success_forgives_the_names_failures(site: Site) -> None:
    """Four failures, a success, then four more failures and a success: no lockout (the
    name's count starts again at a success); the fifth failure in a row locks."""
    for _ in range(2):
        with site.client() as client:
            for _ in range(4):
                assert _login(client, password="not the password at all").status_code == 401
            assert _login(client).status_code == 303
    with site.client() as client:
        for _ in range(5):
            assert _login(client, password="not the password at all").status_code == 401
        assert _login(client).status_code == 429


def test_twenty_failures_from_one_client_lock_it(site: Site) -> None:
    with site.client() as client:
        for index in range(20):
            answer = _login(client, name=f"nobody{index}", password="guess guess guess")
            assert answer.status_code == 401, index
        locked = _login(client)
        assert locked.status_code == 429
        assert int(locked.headers["retry-after"]) > 0


# --------------------------------------------------------------------------- secrets


def test_no_password_hash_or_token_in_any_response_or_log(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []

    def record(response: httpx.Response) -> None:
        response.read()
        headers = "\n".join(
            f"{k}: {v}" for k, v in response.headers.multi_items() if k.lower() != "set-cookie"
        )
        seen.append(headers + "\n" + response.text)

    def each(client: httpx.Client, calls: list[Callable[[], httpx.Response]]) -> None:
        for call in calls:
            record(call())

    client = site.client()
    client.event_hooks["response"] = [record]
    _login(client, password="wrong wrong wrong")
    _login(client)
    token = client.cookies[COOKIE]
    page = client.get("/staff/unanswered")
    each(
        client,
        [
            lambda: client.get("/staff/search", params={"q": "在留期間の更新はいつから"}),
            lambda: client.get("/staff/funnel"),
            lambda: client.get("/staff/nowhere"),
            lambda: client.post("/staff/logout", data={"csrf": "bad"}),
            lambda: client.post("/staff/logout", data={"csrf": _csrf(page)}),
        ],
    )
    client.close()
    # The server's log lines: every logger but the test client's own (httpx and httpcore
    # trace the headers they receive, the cookie included).
    logged = "\n".join(
        r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))
    )
    assert "POST /staff/login" in logged  # uvicorn's access log was captured
    for secret in (site.password_hash, site.password_hash.split("$")[-1], PASSWORD, token):
        for text in seen:
            assert secret not in text
        assert secret not in logged
    assert len(seen) >= 8


# --------------------------------------------------------------------------- review findings


def _auth_over(tmp_path: Path) -> tuple[Auth, ConsoleStore, SQLiteStore]:
    """The lockout as the console builds it: a real SQLite store, its shared buckets."""
    store = SQLiteStore(tmp_path / "auth.db")
    console = console_store(store)
    assert console.add_staff(NAME, hash_password(PASSWORD), NOW)
    return Auth(console, Clock(NOW), store), console, store


def test_one_address_cannot_lock_a_name_for_everyone(tmp_path: Path) -> None:
    """A guesser at another address, even one below its own limit, must not keep the
    real user out: the five-failure lock is per name and address."""
    auth, _, store = _auth_over(tmp_path)
    try:
        for _ in range(NAME_ATTEMPTS):
            assert isinstance(
                auth.attempt(NAME, "not the password at all", "198.51.100.7"), Refused
            )
        assert isinstance(auth.attempt(NAME, PASSWORD, "198.51.100.7"), Locked)
        assert isinstance(auth.attempt(NAME, PASSWORD, "203.0.113.9"), Granted)
    finally:
        store.close()


def test_guesses_at_one_name_from_many_addresses_still_lock_it(tmp_path: Path) -> None:
    """The per-address lock must not open the door to guessing from many addresses."""
    auth, _, store = _auth_over(tmp_path)
    try:
        results = [
            auth.attempt(NAME, "not the password at all", f"198.51.100.{n}")
            for n in range(NAME_ATTEMPTS_ANY_CLIENT)
        ]
        assert all(isinstance(r, Refused) for r in results)
        assert isinstance(auth.attempt(NAME, PASSWORD, "203.0.113.9"), Locked)
    finally:
        store.close()


def test_a_new_login_ends_the_one_the_browser_had(site: Site) -> None:
    """Signing in again (another tab, a shared desk) leaves no second live token."""
    first = _signed_in(site)
    old = first.cookies[COOKIE]
    first.close()
    with site.client() as again:
        form = again.get("/staff")
        again.cookies.set(COOKIE, old, domain="127.0.0.1", path="/staff")
        answer = again.post(
            "/staff/login", data={"csrf": _csrf(form), "name": NAME, "password": PASSWORD}
        )
        assert answer.status_code == 303
        assert again.cookies[COOKIE] != old
        assert site.console.get_login(token_hash(old), NOW) is None


def test_a_password_change_ends_the_accounts_logins(site: Site) -> None:
    client = _signed_in(site)
    token = client.cookies[COOKIE]
    out = io.StringIO()
    code = staff_command(
        site.console, "passwd", NAME, NOW, stdin=io.StringIO("a brand new password\n"), out=out
    )
    assert code == 0
    assert site.console.get_login(token_hash(token), NOW) is None
    assert client.get("/staff/funnel").status_code == 303
    client.close()


@pytest.mark.parametrize("target", ["/staff\n", "/staff/funnel\n", "/staff/..", "/staff/../x"])
def test_the_language_switch_sends_odd_targets_home(site: Site, target: str) -> None:
    with site.client() as client:
        answer = client.get("/staff/lang", params={"to": "ja", "next": target})
        assert answer.status_code == 303
        assert answer.headers["location"] == "/staff"


def test_the_deleted_notice_shows_only_a_count(site: Site) -> None:
    client = _signed_in(site)
    notice = re.compile(r'role="status">([^<]*)<')
    page = client.get("/staff/unanswered", params={"deleted": "9 questions. Call +1 555 0100"})
    assert page.status_code == 200
    assert notice.findall(page.text) == []
    page = client.get("/staff/unanswered?deleted=3")
    assert notice.findall(page.text) == ["Deleted 3 recorded questions."]
    client.close()


# --------------------------------------------------------------------------- fuzz

_FIELDS = ("q", "caller", "lang", "locale", "start", "end", "to", "next", "norm", "deleted")
_ODD = [
    "",
    "🙂🇯🇵" * 50,
    "<script>alert(1)</script>",
    "' OR 1=1; DROP TABLE staff_accounts; --",
    "0001-01-01",
    "2027-02-30",
    "9999-12-31",
    "/staff%0A",
    "//evil.example",
]
# Queries stay short enough for a URL (httpx refuses one over 64 KB); forms carry the
# 5,000-character pastes.
_short = st.text(max_size=60) | st.sampled_from([*_ODD, "x" * 2_000])
_texts = st.text(max_size=60) | st.sampled_from([*_ODD, "x" * 5_000, "ビザ" * 2_500])


def test_fuzz_the_console_never_5xx(site: Site) -> None:
    """Every /staff route, signed in or not, with odd paths, queries, forms, bodies and
    content types: an answer below 500, never a traceback, nosniff on each."""
    anonymous = site.client()
    signed = _signed_in(site)
    token = _csrf(signed.get("/staff/unanswered"))
    seen: set[int] = set()

    @settings(max_examples=250, deadline=None, derandomize=True, database=None)
    @given(
        who=st.sampled_from(["anonymous", "signed"]),
        method=st.sampled_from(["GET", "POST", "HEAD", "PUT", "DELETE"]),
        path=st.sampled_from(
            [
                "/staff",
                "/staff/",
                "/staff/login",
                "/staff/logout",
                "/staff/search",
                "/staff/unanswered",
                "/staff/unanswered/delete",
                "/staff/funnel",
                "/staff/export.csv",
                "/staff/lang",
                "/staff/static/console.css",
                "/staff/static/../console.py",
            ]
        )
        | st.text(
            st.characters(exclude_characters="?#", exclude_categories=("Cs", "Cc")), max_size=30
        ).map("/staff/".__add__),
        query=st.dictionaries(st.sampled_from(_FIELDS), _short, max_size=3),
        form=st.dictionaries(
            st.sampled_from((*_FIELDS, "csrf", "name", "password")), _texts, max_size=4
        ),
        real_token=st.booleans(),
        content_type=st.sampled_from(
            [
                "application/x-www-form-urlencoded",
                "application/json",
                "text/plain",
                "multipart/form-data; boundary=x",
                "",
            ]
        ),
    )
    def one(  # noqa: PLR0917 - hypothesis passes the drawn values by position
        who: str,
        method: str,
        path: str,
        query: dict[str, str],
        form: dict[str, str],
        real_token: bool,
        content_type: str,
    ) -> None:
        client = signed if who == "signed" else anonymous
        if real_token and who == "signed":
            form = {**form, "csrf": token}
        body = httpx.QueryParams(form).__str__().encode() if method == "POST" else b""
        headers = {"Content-Type": content_type} if content_type else {}
        resp = client.request(method, path, params=query, content=body, headers=headers)
        seen.add(resp.status_code)
        assert resp.status_code < 500, (method, path, query, form, resp.text[:200])
        assert "Traceback" not in resp.text
        assert resp.headers["x-content-type-options"] == "nosniff"

    try:
        one()
    finally:
        anonymous.close()
        signed.close()
    # It reached the pages (signed in) and the refusals; the redirect of a page asked
    # without a login is test_without_a_login_pages_redirect_and_the_export_answers_401.
    assert 200 in seen, seen
    assert {c for c in seen if 400 <= c < 500}, seen
