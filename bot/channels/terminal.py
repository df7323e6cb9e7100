"""The terminal channel: a human chat with numbered choices, and a JSON-lines mode.

``chat`` prints each message and numbers every button of the reply; typing a
number presses that button, ``/back`` and the other commands work, and any other
line is sent as text. ``chat --jsonl`` reads one JSON event per line and writes
one JSON reply per line (the contract in the README).
"""

from __future__ import annotations

import json
import sys
from typing import IO, Any

from pydantic import ValidationError

from bot.engine import Engine
from bot.i18n import DEFAULT_LOCALE, translator
from bot.i18n_marker import N_
from bot.models import Event, Reply, reply_to_json
from bot.understand import as_command, pick, slash_command

MAX_LINE = 20_000
BANNER = N_("Zairyu Guide. Type a number to choose, /help for help, Ctrl-D to quit.")


def run_jsonl(engine: Engine, user_key: str, stdin: IO[str], stdout: IO[str]) -> int:
    """Read JSON events, write JSON replies; a bad line gets an ``error`` line."""
    for line in stdin:
        if not line.strip():
            continue
        out: dict[str, Any]
        try:
            if len(line) > MAX_LINE:
                msg = f"line longer than {MAX_LINE} characters"
                raise ValueError(msg)
            event = json.loads(line)
            if not isinstance(event, dict):
                msg = "an event must be a JSON object"
                raise ValueError(msg)
            event.setdefault("user_key", user_key)
            incoming = Event.model_validate(event)
        except (ValueError, ValidationError) as exc:
            out = {"error": _short_error(exc)}
        else:
            out = reply_to_json(engine.handle(incoming))
        stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        stdout.flush()
    return 0


def _short_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'event'}: {e['msg']}"
            for e in exc.errors(include_url=False)
        )
    return str(exc)


def _print_reply(reply: Reply, stdout: IO[str]) -> list[str]:
    """Print a reply; return the button ids in the order they were numbered."""
    ids: list[str] = []
    for message in reply.messages:
        stdout.write("\n" + message.text + "\n")
        for button in message.buttons:
            if button.url:
                stdout.write(f"  → {button.label}: {button.url}\n")
                continue
            ids.append(button.id)
            stdout.write(f"  {len(ids)}. {button.label}\n")
    return ids


def run_human(engine: Engine, user_key: str, stdin: IO[str], stdout: IO[str]) -> int:
    """An interactive chat on a terminal (or any text stream)."""
    reply = engine.current(user_key)
    tr = translator(reply.locale or DEFAULT_LOCALE)
    stdout.write(tr.t(BANNER) + "\n")
    ids = _print_reply(reply, stdout)
    while True:
        stdout.write("> ")
        stdout.flush()
        line = stdin.readline()
        if not line:
            stdout.write("\n")
            return 0
        text = line.rstrip("\n")
        ids = _print_reply(engine.handle(_event(user_key, text, ids)), stdout)


def _event(user_key: str, text: str, ids: list[str]) -> Event:
    """A typed line: a number picks a button shown, ``/back`` and the other commands are
    commands, ``/start`` opens the conversation (or shows the current question), anything
    else is text."""
    picked = pick(ids, text)
    if picked is not None:
        return Event(user_key=user_key, choice=picked)
    command = slash_command(text.strip())
    if command is not None:
        name, arg = command
        known = as_command(name)
        if known is not None:
            return Event(user_key=user_key, command=known, arg=arg or None)
        if name == "start":
            return Event(user_key=user_key)
    return Event(user_key=user_key, text=text)


def main_chat(engine: Engine, user_key: str, *, jsonl: bool) -> int:
    if jsonl:
        return run_jsonl(engine, user_key, sys.stdin, sys.stdout)
    return run_human(engine, user_key, sys.stdin, sys.stdout)
