"""Metrics (issue 14): a real ``python -m bot serve`` scraped over HTTP after real turns,
the token on the main port, the separate ``--metrics-port``, and several workers adding
up; plus the label rules that keep series few and free of personal data."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import metrics
from bot.clock import system_clock, today_in_tokyo
from tests.serve_process import Served, serve

TOKEN = "metrics-token-for-tests-0123456789"
SAMPLE = re.compile(r"^([a-z_]+)(\{.*\})? (\S+)$")


def _scrape(body: bytes) -> dict[str, float]:
    """``name{labels}`` -> value, from the Prometheus text format."""
    out: dict[str, float] = {}
    for line in body.decode("utf-8").splitlines():
        match = SAMPLE.match(line)
        if match:
            out[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return out


def _metrics_port(served: Served) -> int:
    line = next(x for x in served.lines if x.startswith("Metrics: "))
    return int(line.split()[1].rsplit(":", 1)[1].split("/")[0])


def _post(served: Served, path: str, data: dict[str, Any]) -> dict[str, Any]:
    status, body = served.post(
        path, json.dumps(data).encode(), {"Content-Type": "application/json"}
    )
    assert status in (200, 201), body
    result: dict[str, Any] = json.loads(body)
    return result


def _conversation(served: Served) -> tuple[str, dict[str, Any]]:
    """A renewal whose window is not open yet (expiry in 200 days): a verdict with the
    reason window_not_open, and one FAQ question on the way. Returns the session id and
    the last reply."""
    sid = _post(served, "/api/v1/sessions", {"lang": "en"})["session_id"]
    expiry = (today_in_tokyo(system_clock()) + timedelta(days=200)).isoformat()
    reply: dict[str, Any] = {}
    for event in (
        {"choice": "lang:en"},
        {"choice": "user_type:foreign_national"},
        {"text": "How much is the fee for an online application?"},
        {"text": "renewal"},
        {"text": "留学"},
        {"text": expiry},
        {"choice": "stay_over_3_months:yes"},
        {"choice": "has_my_number_card:yes"},
        {"choice": "location:japan"},
    ):
        reply = _post(served, f"/api/v1/sessions/{sid}/events", event)
    return sid, reply


def test_metrics_count_turns_verdicts_and_faq_without_personal_data(tmp_path: Path) -> None:
    env = {metrics.TOKEN_ENV: TOKEN}
    with serve(tmp_path / "m.db", env, ["--metrics-port", "0"]) as served:
        sid, last = _conversation(served)
        assert last["verdict"] is not None
        assert last["verdict"]["reasons"] == ["window_not_open"]
        served.get(f"/no-such-page/{sid}")  # a 404 with the id in its path
        auth = {"Authorization": f"Bearer {TOKEN}"}
        status, headers, body = served.get_full("/metrics", auth)
        assert status == 200
        assert headers["content-type"].startswith("text/plain")
        # The separate listener serves the same counts, without a token.
        port = _metrics_port(served)
        status, separate = Served(served.proc, port).get("/metrics")
        assert status == 200
    got = _scrape(body)
    assert got['zairyu_turns_total{channel="web",outcome="ok"}'] == 10
    assert got['zairyu_turns_total{channel="web",outcome="error"}'] == 0
    assert got['zairyu_verdicts_total{outcome="not_yet"}'] == 1
    assert got['zairyu_verdict_reasons_total{reason="window_not_open"}'] == 1
    assert got['zairyu_faq_questions_total{locale="en",result="answered",source="turn"}'] == 1
    assert got['zairyu_turn_duration_seconds_count{channel="web"}'] == 10
    events = 'route="/api/v1/sessions/{session_id}/events"'
    assert got[f'zairyu_http_responses_total{{{events},status_class="2xx"}}'] == 9
    assert got['zairyu_http_responses_total{route="unmatched",status_class="4xx"}'] == 1
    assert got[f'zairyu_http_request_duration_seconds_count{{method="POST",{events}}}'] == 9
    for text in (body, separate):
        assert sid.encode() not in text
        assert b"How much is the fee" not in text
        assert b"renewal" not in text
    assert _scrape(separate)['zairyu_turns_total{channel="web",outcome="ok"}'] == 10


def test_metrics_on_the_main_port_need_the_token(tmp_path: Path) -> None:
    with serve(tmp_path / "m.db", {metrics.TOKEN_ENV: TOKEN}) as served:
        assert served.get("/metrics")[0] == 401
        assert served.get("/metrics", {"Authorization": "Bearer wrong-token-0123456789"})[0] == 401
        assert served.get("/metrics", {"Authorization": f"Basic {TOKEN}"})[0] == 401
        assert served.get("/metrics", {"Authorization": f"bearer {TOKEN}"})[0] == 200
        assert not any(line.startswith("Metrics: ") for line in served.lines)
    with serve(tmp_path / "m.db", {}) as served:
        assert served.get("/metrics", {"Authorization": f"Bearer {TOKEN}"})[0] == 404


def test_a_short_metrics_token_is_refused(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--port", "0", "--db", str(tmp_path / "m.db")],
        env={"PATH": "/usr/bin:/bin", metrics.TOKEN_ENV: "short"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert metrics.TOKEN_ENV in proc.stderr


def test_several_workers_add_up(tmp_path: Path) -> None:
    """With --workers 2 every worker counts into the parent's directory: both the
    separate listener and /metrics on the main port (whichever worker answers) see the
    sum of all the turns, whichever worker ran them."""
    db = tmp_path / "w.db"
    subprocess.run([sys.executable, "-m", "bot", "migrate", "--db", str(db)], check=True)
    env = {metrics.TOKEN_ENV: TOKEN}
    with serve(db, env, ["--workers", "2", "--metrics-port", "0"]) as served:
        sessions = 12
        for _ in range(sessions):  # each on a new connection: the kernel spreads them
            _post(served, "/api/v1/sessions", {})
        port = _metrics_port(served)
        status, separate = Served(served.proc, port).get("/metrics")
        assert status == 200
        for _ in range(3):
            status, main = served.get("/metrics", {"Authorization": f"Bearer {TOKEN}"})
            assert status == 200
            assert _scrape(main)['zairyu_turns_total{channel="web",outcome="ok"}'] == sessions
    got = _scrape(separate)
    assert got['zairyu_turns_total{channel="web",outcome="ok"}'] == sessions
    created = 'zairyu_http_responses_total{route="/api/v1/sessions",status_class="2xx"}'
    assert got[created] == sessions


# --------------------------------------------------------------------------- labels


def test_label_values_come_from_fixed_sets() -> None:
    assert metrics.channel_of("web:abc") == "web"
    assert metrics.channel_of("tg:42") == "telegram"
    assert metrics.channel_of("anything else") == "other"
    assert metrics.http_method("GET") == "GET"
    assert metrics.http_method("BREW") == "other"
    assert metrics.status_class(204) == "2xx"
    assert metrics.status_class(503) == "5xx"
    assert metrics.status_class(0) == "other"


def test_exception_types_are_bounded() -> None:
    class Custom(ValueError):
        pass

    assert metrics.exception_type(Custom("user text")) == "ValueError"
    assert metrics.exception_type(sqlite3.OperationalError("x")) == "db.OperationalError"
    assert metrics.exception_type(sqlite3.IntegrityError("x")) == "db.IntegrityError"
    assert metrics.exception_type(KeyError("x")) == "KeyError"

    class Odd(Exception):
        pass

    assert metrics.exception_type(Odd()) == "Exception"


@pytest.mark.parametrize(
    ("header", "ok"),
    [
        (f"Bearer {TOKEN}", True),
        (f"BEARER {TOKEN}", True),
        (f"Bearer {TOKEN}x", False),
        (f"Token {TOKEN}", False),
        ("Bearer", False),
        (None, False),
    ],
)
def test_the_token_check(header: str | None, ok: bool) -> None:
    assert metrics.token_ok(header, TOKEN) is ok


def test_token_settings() -> None:
    assert metrics.check_token(None) is None
    assert metrics.check_token("  ") is None
    assert metrics.check_token(TOKEN) == TOKEN
    for bad in ("short", "has a space in it 0123", "x" * 257):
        with pytest.raises(ValueError, match=metrics.TOKEN_ENV):
            metrics.check_token(bad)
