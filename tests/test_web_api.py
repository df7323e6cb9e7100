"""The web API v1 over real HTTP: uvicorn on a free 127.0.0.1 port, a real SQLite file."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.routing import Route

from bot.assess import assess, parse_request
from bot.channels.web import (
    SESSION_ID,
    UI_STRINGS,
    Partner,
    PartnersError,
    TelegramWebhook,
    WebConfig,
    _accept_language,
    create_app,
    load_partners,
)
from bot.channels.web_guards import RateLimiter
from bot.clock import fixed_clock
from bot.engine import Engine
from bot.i18n import LOCALES
from bot.storage import SQLiteStore
from tests.conftest import NOW

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
PARTNERS = {
    "acme": Partner("acme", ("https://acme.example",), "ja", "#aa3300", ("https://acme.example",))
}


@contextmanager
def serving(
    engine: Engine | None,
    config: WebConfig,
    telegram: TelegramWebhook | None = None,
    *,
    log_level: str = "warning",
) -> Iterator[str]:
    """The app on uvicorn in a thread, on a free loopback port; yields the base URL, which
    is also the app's public origin unless the config names one."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    if config.public_origin is None:
        config = replace(config, public_origin=base)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(engine=engine, config=config, telegram=telegram),
            log_level=log_level,
            lifespan="off",
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    store = SQLiteStore(tmp_path / "web.db")
    yield Engine(store, clock=fixed_clock(NOW))
    store.close()


@pytest.fixture
def client(engine: Engine) -> Iterator[httpx.Client]:
    config = WebConfig(partners=PARTNERS, per_minute=0)
    with serving(engine, config) as base, httpx.Client(base_url=base, timeout=10) as http:
        yield http


def start(client: httpx.Client, **body: Any) -> tuple[str, dict[str, Any]]:
    resp = client.post("/api/v1/sessions", json=body)
    assert resp.status_code == 201, resp.text
    data = resp.json()
    return data["session_id"], data["reply"]


def send(client: httpx.Client, sid: str, **event: Any) -> dict[str, Any]:
    resp = client.post(f"/api/v1/sessions/{sid}/events", json=event)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


# --------------------------------------------------------------------------- sessions


def test_a_session_starts_with_an_unguessable_id_and_the_first_step(client: httpx.Client) -> None:
    ids = {start(client)[0] for _ in range(20)}
    assert len(ids) == 20
    assert all(SESSION_ID.match(i) for i in ids)  # 43 url-safe characters = 256 bits
    _, reply = start(client, lang="ja")
    assert (reply["state"], reply["locale"]) == ("ask_lang", "ja")
    assert [b["id"] for b in reply["messages"][-1]["buttons"]] == [f"lang:{x}" for x in LOCALES]


@pytest.mark.parametrize(
    "source", sorted(GOLDEN.glob("*.in.jsonl")), ids=lambda p: p.name.split(".")[0]
)
def test_golden_transcripts_through_the_api_match_chat_jsonl(
    client: httpx.Client, source: Path
) -> None:
    """The API answers exactly what `chat --jsonl` answers. Creating the session opens the
    conversation, as a transcript's greeting does; a transcript that opens with a question
    sends it as the first event."""
    events = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()]
    target = source.with_name(source.name.replace(".in.jsonl", ".out.jsonl"))
    expected = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    sid, first = start(client)
    got = []
    opens_with_question = expected[0]["faq"] is not None
    if not opens_with_question:
        got.append(first)
        events = events[1:]
    for event in events:
        event.pop("now", None)
        resp = client.post(f"/api/v1/sessions/{sid}/events", json=event)
        assert resp.status_code == 200, resp.text
        got.append(resp.json())
        if event.get("command") == "forget":
            sid, _ = start(client)  # the transcript goes on as a new conversation
    assert len(got) == len(expected)
    if opens_with_question:
        # chat --jsonl greets in the same reply; the API greeted when the session was made.
        assert got[0]["faq"] == expected[0]["faq"]
        assert got[0]["messages"][0] == expected[0]["messages"][0]
        assert first["messages"][0]["text"] in expected[0]["messages"][-1]["text"]
        got, expected = got[1:], expected[1:]
    assert got == expected


def test_get_shows_the_current_step_again_for_resume(client: httpx.Client) -> None:
    sid, _ = start(client, lang="en")
    send(client, sid, choice="lang:en")
    asked = send(client, sid, choice="user_type:foreign_national")
    again = client.get(f"/api/v1/sessions/{sid}").json()
    assert again["state"] == asked["state"] == "ask_procedure"
    assert again["messages"][-1] == asked["messages"][-1]


@pytest.mark.parametrize("sid", ["x" * 43, "short", "../../etc/passwd", "a" * 44])
def test_unknown_sessions_are_404(client: httpx.Client, sid: str) -> None:
    for resp in (
        client.get(f"/api/v1/sessions/{sid}"),
        client.post(f"/api/v1/sessions/{sid}/events", json={"text": "hi"}),
    ):
        assert resp.status_code == 404
        assert resp.json() in ({"error": "unknown session"}, {"error": "not found"})


def test_delete_forgets_the_session(client: httpx.Client, engine: Engine) -> None:
    sid, _ = start(client)
    assert engine.store.load(f"web:{sid}") is not None
    assert client.delete(f"/api/v1/sessions/{sid}").status_code == 204
    assert engine.store.load(f"web:{sid}") is None
    assert client.get(f"/api/v1/sessions/{sid}").status_code == 404
    assert client.delete(f"/api/v1/sessions/{sid}").status_code == 204  # idempotent


def test_the_forget_command_deletes_too(client: httpx.Client) -> None:
    sid, _ = start(client)
    reply = send(client, sid, command="forget")
    assert reply["expects"] is None
    assert client.get(f"/api/v1/sessions/{sid}").status_code == 404


def test_language_hints(client: httpx.Client) -> None:
    """lang, then Accept-Language, then the partner's default language."""
    assert start(client, lang="en")[1]["locale"] == "en"
    resp = client.post("/api/v1/sessions", headers={"Accept-Language": "fr;q=1, ja;q=0.8"})
    assert resp.json()["reply"]["locale"] == "ja"
    assert start(client, partner="acme")[1]["locale"] == "ja"


def test_the_partner_code_is_kept_on_the_session(client: httpx.Client, engine: Engine) -> None:
    sid, _ = start(client, partner="acme")
    session = engine.store.load(f"web:{sid}")
    assert session is not None
    assert session.partner == "acme"
    # An unregistered code (a typo in data-partner) still gets the guide, without a partner.
    sid, reply = start(client, partner="nobody")
    session = engine.store.load(f"web:{sid}")
    assert session is not None
    assert (session.partner, reply["state"]) == (None, "ask_lang")


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("path", "kwargs", "status"),
    [
        (
            "/api/v1/sessions",
            {"content": b"{nope", "headers": {"Content-Type": "application/json"}},
            400,
        ),
        ("/api/v1/sessions", {"json": [1, 2]}, 400),
        (
            "/api/v1/sessions",
            {"content": b"lang=ja", "headers": {"Content-Type": "text/plain"}},
            415,
        ),
        ("/api/v1/sessions", {"json": {"lang": "xx"}}, 422),
        ("/api/v1/sessions", {"json": {"partner": 5}}, 422),
        ("/api/v1/sessions", {"json": {"lang": "en", "admin": True}}, 422),
        ("/api/v1/sessions", {"json": {"x": "y" * 20_000}}, 413),
    ],
)
def test_bad_requests_get_clear_json_errors(
    client: httpx.Client, path: str, kwargs: dict[str, Any], status: int
) -> None:
    resp = client.post(path, **kwargs)
    assert resp.status_code == status
    assert set(resp.json()) == {"error"}
    assert "Traceback" not in resp.text


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"text": "a", "choice": "lang:en"},
        {"command": "sudo"},
        {"text": 5},
        {"user_key": "web:someone-else", "text": "hi"},
        {"now": "2030-01-01T00:00:00Z", "text": "hi"},
    ],
)
def test_bad_events_are_422_and_change_nothing(
    client: httpx.Client, engine: Engine, event: dict[str, Any]
) -> None:
    sid, _ = start(client)
    before = engine.store.load(f"web:{sid}")
    resp = client.post(f"/api/v1/sessions/{sid}/events", json=event)
    assert resp.status_code == 422
    assert "error" in resp.json()
    assert engine.store.load(f"web:{sid}") == before


@pytest.mark.parametrize(
    "text",
    [
        "x" * 5000,
        "<script>alert(1)</script>",
        "'; DROP TABLE sessions; --",
        "😀🙏🏽",
        "03/04/2027",
    ],
)
def test_hostile_or_odd_text_gets_a_reply_not_an_error(client: httpx.Client, text: str) -> None:
    sid, _ = start(client)
    send(client, sid, choice="lang:en")
    reply = send(client, sid, text=text)
    assert reply["messages"]
    assert reply["state"] == "ask_user_type"


def test_a_stale_button_is_answered_with_the_current_step(client: httpx.Client) -> None:
    sid, _ = start(client)
    send(client, sid, choice="lang:en")
    send(client, sid, choice="user_type:foreign_national")
    reply = send(client, sid, choice="user_type:organization_staff")
    assert "earlier question" in reply["messages"][0]["text"]
    assert reply["state"] == "ask_procedure"


def test_a_pasted_card_number_is_not_stored(client: httpx.Client, tmp_path: Path) -> None:
    sid, _ = start(client)
    send(client, sid, choice="lang:en")
    reply = send(client, sid, text="my residence card is AB12345678CD")
    assert "not kept" in reply["messages"][0]["text"]
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("web.db*"))
    assert b"AB12345678CD" not in stored


def test_two_events_at_once_are_both_answered(client: httpx.Client, engine: Engine) -> None:
    sid, _ = start(client)
    before = engine.store.load(f"web:{sid}")
    assert before is not None
    with ThreadPoolExecutor(2) as pool:
        replies = list(
            pool.map(
                lambda e: client.post(f"/api/v1/sessions/{sid}/events", json=e),
                [{"choice": "lang:en"}, {"text": "hello"}],
            )
        )
    assert [r.status_code for r in replies] == [200, 200]
    after = engine.store.load(f"web:{sid}")
    assert after is not None
    assert after.version == before.version + 2


def test_unknown_routes_and_methods_are_json(client: httpx.Client) -> None:
    resp = client.get("/api/v2/sessions")
    assert (resp.status_code, resp.json()) == (404, {"error": "not found"})
    resp = client.put("/api/v1/sessions")
    assert (resp.status_code, resp.json()) == (405, {"error": "method not allowed"})


# --------------------------------------------------------------------------- origins, limits


def test_partner_and_own_origins_are_allowed_others_refused(client: httpx.Client) -> None:
    resp = client.post("/api/v1/sessions", headers={"Origin": "https://acme.example"})
    assert resp.status_code == 201
    assert resp.headers["access-control-allow-origin"] == "https://acme.example"
    own = str(client.base_url).rstrip("/")
    resp = client.post("/api/v1/sessions", headers={"Origin": own})
    assert resp.status_code == 201
    resp = client.post("/api/v1/sessions", headers={"Origin": "https://evil.example"})
    assert resp.status_code == 403
    assert "access-control-allow-origin" not in resp.headers


def test_preflight(client: httpx.Client) -> None:
    ok = client.options(
        "/api/v1/sessions",
        headers={"Origin": "https://acme.example", "Access-Control-Request-Method": "POST"},
    )
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == "https://acme.example"
    assert "POST" in ok.headers["access-control-allow-methods"]
    bad = client.options("/api/v1/sessions", headers={"Origin": "https://evil.example"})
    assert bad.status_code == 403


def test_rate_limit_answers_429_with_retry_after(engine: Engine) -> None:
    config = WebConfig(per_minute=60, burst=5)
    with serving(engine, config) as base, httpx.Client(base_url=base) as http:
        statuses = [http.get("/api/v1/config").status_code for _ in range(6)]
        limited = http.get("/api/v1/config")
    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.json() == {"error": "too many requests"}


def test_rate_limiter_refills() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=2, clock=lambda: now[0])
    assert [limiter.check("a"), limiter.check("a")] == [0.0, 0.0]
    assert limiter.check("a") == pytest.approx(1.0)
    assert limiter.check("b") == 0.0  # per client
    now[0] = 1.0
    assert limiter.check("a") == 0.0


# --------------------------------------------------------------------------- the rest


def test_assess_matches_the_cli_contract(client: httpx.Client) -> None:
    request = {
        "user_type": "foreign_national",
        "procedure": "extension",
        "status": "student",
        "expiry": "2027-01-15",
        "filer_in_japan": True,
    }
    resp = client.post("/api/v1/assess", json=request)
    assert resp.status_code == 200
    assert resp.json() == assess(parse_request(request), now=NOW).model_dump(mode="json")
    bad = client.post("/api/v1/assess", json={**request, "status": "astronaut"})
    assert bad.status_code == 422
    assert "astronaut" in bad.json()["error"]
    # issue 17: a date outside 1900-2199 is invalid input, not a 500
    for field, value in (("expiry", "0001-01-01"), ("now", "9999-12-31T00:00:00+09:00")):
        bad = client.post("/api/v1/assess", json={**request, field: value})
        assert bad.status_code == 422, (field, bad.text)
        assert "1900-01-01" in bad.json()["error"]


def test_faq_search(client: httpx.Client) -> None:
    resp = client.get("/api/v1/faq", params={"q": "オンライン申請は海外からできますか"})
    assert resp.status_code == 200
    data = resp.json()
    assert data["api_version"] == 1
    assert data["answered"] is True
    assert client.get("/api/v1/faq", params={"q": " "}).status_code == 400
    assert client.get("/api/v1/faq", params={"q": "x", "lang": "fr"}).status_code == 422


def test_config_gives_translated_words_and_the_partner_look(client: httpx.Client) -> None:
    en = client.get("/api/v1/config").json()
    ja = client.get("/api/v1/config", params={"partner": "acme"}).json()
    assert set(en["ui"]) == set(UI_STRINGS)
    assert ja["locale"] == "ja"
    assert all(ja["ui"][k] != en["ui"][k] for k in UI_STRINGS)
    assert (ja["partner"], ja["accent"]) == ("acme", "#aa3300")
    assert [loc["code"] for loc in en["locales"]] == list(LOCALES)


def test_openapi_describes_every_api_route(client: httpx.Client, engine: Engine) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    app = create_app(engine=engine)
    routes = {
        (r.path, m)
        for r in app.routes
        if isinstance(r, Route) and r.path.startswith("/api/v1/") and "{rest" not in r.path
        for m in r.methods or ()
        if m not in ("HEAD", "OPTIONS")
    }
    described = {
        (path, m.upper()) for path, ops in spec["paths"].items() for m in ops if m != "parameters"
    }
    assert routes == described
    assert "Reply" in spec["components"]["schemas"]


def test_pages_carry_security_headers(client: httpx.Client) -> None:
    page = client.get("/")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "unsafe-inline" not in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'self' https://acme.example" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    script = client.get("/widget.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["x-content-type-options"] == "nosniff"


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        ("ja-JP,ja;q=0.9,en;q=0.8", "ja"),
        ("en-US,en;q=0.9", "en"),
        ("fr-FR, en;q=0.5, ja;q=0.7", "ja"),
        ("fr", None),
        ("ja;q=0", None),
        ("", None),
        ("ja;q=abc, en", "en"),
    ],
)
def test_accept_language(header: str, locale: str | None) -> None:
    assert _accept_language(header) == locale


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[partners."bad code!"]\norigins = []', "partner code"),
        ('[partners.a]\norigins = ["example.org"]', "not an origin"),
        ('[partners.a]\ndefault_lang = "fr"', "default_lang"),
        ('[partners.a]\naccent = "red"', "accent"),
        ("[partners.a]\ncolour = 1", "unknown keys"),
        ("[partners.a", "cannot read"),
    ],
)
def test_partners_file_errors_are_clear(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "partners.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PartnersError, match=message):
        load_partners(path)


def test_the_shipped_partners_file_loads() -> None:
    partners = load_partners(ROOT / "config" / "partners.toml")
    assert "demo" in partners
    assert partners["demo"].origins
