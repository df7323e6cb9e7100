"""``python -m bot serve`` as a user runs it: a real process, real HTTP on 127.0.0.1,
the real python-telegram-bot talking to the fake Bot API server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.channels.telegram_core import command_sets, telegram_messages
from bot.clock import system_clock, today_in_tokyo
from bot.engine import Engine
from bot.models import Incoming
from bot.storage import SQLiteStore
from tests.fake_bot_api import FakeBotApi, button_update, running, text_update
from tests.serve_process import ROOT, serve
from tests.telegram_harness import sent

TOKEN = "123:TEST"
CHAT = 4321


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with running(FakeBotApi(TOKEN)) as fake:
        yield fake


def _root(api: FakeBotApi) -> str:
    return api.base_url.removesuffix("/bot")


def _conversation() -> list[tuple[dict[str, Any], Incoming]]:
    """A renewal 60 days before expiry, as Telegram updates and as engine events."""
    expiry = (today_in_tokyo(system_clock()) + timedelta(days=60)).isoformat()
    steps = [
        "hello",
        "lang:en",
        "user_type:foreign_national",
        "renewal",
        "留学",
        expiry,
        "stay_over_3_months:yes",
        "has_my_number_card:yes",
        "location:japan",
    ]
    out = []
    for s in steps:
        if ":" in s:
            out.append((button_update(CHAT, s), Incoming(user_key="ref", choice=s)))
        else:
            out.append((text_update(CHAT, s), Incoming(user_key="ref", text=s)))
    return out


def _expected(tmp_path: Path, events: list[Incoming]) -> list[list[dict[str, Any]]]:
    """What the engine answers in-process, rendered for Telegram."""
    store = SQLiteStore(tmp_path / "reference.db")
    engine = Engine(store)
    now = system_clock()
    try:
        return [
            [{"text": m.text, "reply_markup": m.reply_markup} for m in telegram_messages(r, now)]
            for r in (engine.handle(e) for e in events)
        ]
    finally:
        store.close()


def _play(api: FakeBotApi, pairs: list[tuple[dict[str, Any], list[dict[str, Any]]]]) -> list[Any]:
    got = []
    for update, want in pairs:
        before = len(api.calls("sendMessage"))
        api.push_update(update)
        api.wait_for("sendMessage", before + len(want), timeout=20)
        got.append(sent(api, before))
    return got


def test_serve_runs_a_whole_conversation_over_long_polling_across_a_restart(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """The issue's done-when: TELEGRAM_BOT_TOKEN and TELEGRAM_API_BASE_URL point the bot at
    our server; a conversation (interrupted by a restart) ends with verdict, checklist and
    hand-off button, exactly as the engine answers in-process."""
    conversation = _conversation()
    expected = _expected(tmp_path, [e for _, e in conversation])
    pairs = [(u, w) for (u, _), w in zip(conversation, expected, strict=True)]
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": _root(api)}
    db = tmp_path / "sessions.db"
    got: list[Any] = []
    for part in (pairs[:4], pairs[4:]):
        with serve(db, env) as served:
            assert served.get("/healthz") == (200, b'{"status":"ok"}')
            got += _play(api, part)
        assert served.proc.returncode == 0
        assert "Traceback" not in served.stderr
        assert any("long polling as @zairyu_guide_test_bot" in x for x in served.lines)
    assert got == expected
    last = "\n".join(m["text"] for m in got[-1])
    assert "online" in last.lower()
    urls = [
        cell["url"]
        for m in got[-1]
        if m["reply_markup"]
        for row in m["reply_markup"]["inline_keyboard"]
        for cell in row
        if "url" in cell
    ]
    assert urls
    assert all(u.startswith("https://") for u in urls)
    # Each start registers the default commands and each locale's.
    assert len(api.calls("setMyCommands")) == 2 * len(command_sets())


def test_serve_without_a_token_says_telegram_is_off(tmp_path: Path) -> None:
    with serve(tmp_path / "s.db", {}) as served:
        assert served.get("/healthz")[0] == 200
        assert served.get("/telegram/webhook")[0] == 404
    assert served.proc.returncode == 0
    assert "Telegram: off" in served.lines[0]
    assert "TELEGRAM_BOT_TOKEN" in served.lines[0]


def test_webhook_mode_checks_the_secret_token(api: FakeBotApi, tmp_path: Path) -> None:
    secret = "s3cret_-token-0123456789abcdefghij"  # 34: the minimum is 32
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": _root(api),
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg/hook",
        "TELEGRAM_WEBHOOK_SECRET": secret,
    }
    update = json.dumps({"update_id": 1, **text_update(CHAT, "hello")}).encode()
    good = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret}
    with serve(tmp_path / "s.db", env) as served:
        hook = api.wait_for("setWebhook", 1)[0]
        wrong = {**good, "X-Telegram-Bot-Api-Secret-Token": "nope"}
        missing = {"Content-Type": "application/json"}
        assert served.post("/tg/hook", update, wrong)[0] == 403
        assert served.post("/tg/hook", update, missing)[0] == 403
        assert served.post("/tg/hook", b"{not json", good)[0] == 400
        assert served.post("/tg/hook", b'{"no": "update_id"}', good)[0] == 400
        bad_message = b'{"update_id": 9, "message": {"chat": "not a chat"}}'
        assert served.post("/tg/hook", bad_message, good)[0] == 400
        assert served.post("/tg/hook", b"x" * 1_000_001, good)[0] == 413
        assert api.calls("sendMessage") == []
        status, body = served.post("/tg/hook", update, good)
        assert (status, json.loads(body)) == (200, {"ok": True})
        reply = api.wait_for("sendMessage", 1)[0]
    assert hook.params["url"] == "https://bot.example.org/tg/hook"
    assert hook.params["secret_token"] == secret
    assert api.calls("getUpdates") == []
    assert reply.params["chat_id"] == str(CHAT)
    assert served.proc.returncode == 0


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TELEGRAM_WEBHOOK_URL": "https://x.example/h"}, "TELEGRAM_BOT_TOKEN is not"),
        (
            {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_URL": "https://x.example/h"},
            "needs TELEGRAM_WEBHOOK_SECRET",
        ),
        (
            {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_WEBHOOK_URL": "ftp://x.example/h",
                "TELEGRAM_WEBHOOK_SECRET": "abc",
            },
            "must be an http(s) URL",
        ),
        (
            {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_WEBHOOK_URL": "https://x.example/h",
                "TELEGRAM_WEBHOOK_SECRET": "has spaces",
            },
            "needs TELEGRAM_WEBHOOK_SECRET",
        ),
        (
            {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_WEBHOOK_URL": "https://x.example/h",
                "TELEGRAM_WEBHOOK_SECRET": "a" * 31,  # Telegram accepts it; too guessable
            },
            "32-256 characters",
        ),
    ],
)
def test_inconsistent_settings_are_refused_clearly(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--port", "0", "--db", str(tmp_path / "s.db")],
        cwd=ROOT,
        env={**full_env, **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_busy_port_is_a_clear_error(tmp_path: Path) -> None:
    with serve(tmp_path / "a.db", {}) as served:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
        proc = subprocess.run(
            [sys.executable, "-m", "bot", "serve", "--port", str(served.port), "--db", "b.db"],
            cwd=tmp_path,
            env={**full_env, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert proc.returncode == 1
    assert "Address already in use" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_serve_help_lists_the_telegram_settings() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_API_BASE_URL",
        "TELEGRAM_WEBHOOK_URL",
        "TELEGRAM_WEBHOOK_SECRET",
    ):
        assert name in proc.stdout


def test_serve_keeps_only_deep_link_partners_from_the_partners_file(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """Issue 12: `/start <code>` is checked against the partners file in `serve` too; an
    unknown code is not stored."""
    partners = tmp_path / "partners.toml"
    partners.write_text('[partners.acme]\norigins = ["https://acme.example"]\n', encoding="utf-8")
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": _root(api)}
    db = tmp_path / "sessions.db"
    with serve(db, env, ["--partners", str(partners)]) as served:
        for chat, text in ((501, "/start p-acme"), (502, "/start p-rogue")):
            before = len(api.calls("sendMessage"))
            api.push_update(text_update(chat, text))
            api.wait_for("sendMessage", before + 1, timeout=20)
    assert "Traceback" not in served.stderr
    store = SQLiteStore(db)
    try:
        first, second = store.load("tg:501"), store.load("tg:502")
    finally:
        store.close()
    assert first is not None
    assert second is not None
    assert first.partner == "acme"
    assert second.partner is None
