"""Structured logs (issue 14): ``serve --log-format json`` writes one JSON object a line,
with the request id, an access line per request, and no session id or user text."""

from __future__ import annotations

import io
import json
import logging
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import logs
from tests.serve_process import Served, serve

QUESTION = "How much is the fee for an online application?"


def _post(
    served: Served, path: str, data: dict[str, object], rid: str
) -> tuple[str, dict[str, Any]]:
    """POST JSON with an X-Request-ID; returns the response's X-Request-ID and body."""
    req = urllib.request.Request(
        f"http://127.0.0.1:{served.port}{path}",
        json.dumps(data).encode(),
        {"Content-Type": "application/json", "X-Request-ID": rid},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status in (200, 201)
        return str(resp.headers["X-Request-ID"]), json.loads(resp.read())


def test_json_logs_carry_request_ids_and_no_personal_data(tmp_path: Path) -> None:
    with serve(tmp_path / "l.db", {}, ["--log-format", "json"]) as served:
        echoed, created = _post(served, "/api/v1/sessions", {"lang": "en"}, rid="client.id-1")
        assert echoed == "client.id-1"
        sid = str(created["session_id"])
        events = f"/api/v1/sessions/{sid}/events"
        generated, _ = _post(served, events, {"choice": "lang:en"}, rid="bad id with spaces")
        assert generated != "bad id with spaces"
        assert logs.REQUEST_ID.match(generated)
        long_id, answered = _post(served, events, {"text": QUESTION}, rid="x" * 65)
        assert answered["faq"]["id"] is not None
        assert long_id != "x" * 65
        status, headers, _ = served.get_full(f"/nowhere/{sid}?q=secret", {"X-Request-ID": "r404"})
        assert status == 404
        assert headers["x-request-id"] == "r404"
    lines = [json.loads(line) for line in served.stderr.splitlines()]
    access = [line for line in lines if line["logger"] == logs.ACCESS_LOGGER]
    assert [(a["method"], a["route"], a["status"]) for a in access] == [
        ("POST", "/api/v1/sessions", 201),
        ("POST", "/api/v1/sessions/{session_id}/events", 200),
        ("POST", "/api/v1/sessions/{session_id}/events", 200),
        ("GET", "unmatched", 404),
    ]
    assert [a["request_id"] for a in access] == ["client.id-1", generated, long_id, "r404"]
    for line in lines:
        assert set(line) >= {"ts", "level", "logger", "msg"}
        assert line["ts"].endswith("Z")
        assert isinstance(line.get("duration_ms", 0.0), float | int)
    assert sid not in served.stderr
    assert "fee" not in served.stderr
    assert "secret" not in served.stderr
    assert "127.0.0.1" not in served.stderr


def test_text_logs_stay_quiet_for_requests(tmp_path: Path) -> None:
    """The default: warnings and errors only, so a terminal is not flooded."""
    with serve(tmp_path / "l.db", {}) as served:
        assert served.get("/healthz")[0] == 200
    assert served.stderr == ""


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    before = (list(root.handlers), root.level, logging.getLogger("bot").level)
    logs.setup_logging("json", stream)
    try:
        yield stream
    finally:
        root.handlers[:] = before[0]
        root.setLevel(before[1])
        logging.getLogger("bot").setLevel(before[2])


def test_existing_log_calls_keep_working(captured: io.StringIO) -> None:
    log = logging.getLogger("bot.engine")
    log.warning("a stored session names an unknown %s; deleted it", "flow")
    log.info("line one\nline two", extra={"count": 3, "thing": object()})
    token = logs.set_request_id("req-7")
    try:
        log.error("unhandled %s on %s %s", "KeyError", "GET", "/x")
    finally:
        logs.reset_request_id(token)
    logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot123:abc/x")
    lines = [json.loads(x) for x in captured.getvalue().splitlines()]
    assert [x["msg"] for x in lines] == [
        "a stored session names an unknown flow; deleted it",
        "line one\nline two",
        "unhandled KeyError on GET /x",
    ]
    assert lines[1]["count"] == 3
    assert isinstance(lines[1]["thing"], str)
    assert "request_id" not in lines[0]
    assert lines[2]["request_id"] == "req-7"
    assert lines[0]["level"] == "WARNING"
    assert lines[0]["logger"] == "bot.engine"


def test_text_format() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    logs.setup_logging("text", stream)
    try:
        logging.getLogger("bot.web").info("not shown")
        token = logs.set_request_id("abc")
        logging.getLogger("bot.web").warning("shown %d", 1)
        logs.reset_request_id(token)
    finally:
        root.handlers[:] = before[0]
        root.setLevel(before[1])
        logging.getLogger("bot").setLevel(logging.NOTSET)
    (line,) = stream.getvalue().splitlines()
    assert line.endswith(" WARNING bot.web [abc] shown 1")


@pytest.mark.parametrize(
    ("header", "kept"),
    [("a", True), ("A-z_0.9", True), ("x" * 64, True), ("x" * 65, False), ("", False)]
    + [(bad, False) for bad in ("a b", "a\nb", 'a"b', "é", "a/b")],
)
def test_request_ids(header: str, kept: bool) -> None:
    got = logs.request_id_from(header)
    assert (got == header) is kept
    assert logs.REQUEST_ID.match(got)
    assert logs.request_id_from(None) != logs.request_id_from(None)
