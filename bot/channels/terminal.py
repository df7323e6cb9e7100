"""The terminal channel: a human chat with numbered choices, and a JSON-lines mode.

``chat`` prints each message and numbers every button of the reply; typing a
number presses that button (the question's own buttons are always 1 to n, as a number
typed in any channel means; the language buttons of ``/lang`` come after them),
``/back`` and the other commands work, and any other line is sent as text.
``chat --jsonl`` reads one JSON event per line and writes one JSON reply per line (the
contract in the README). Run again, ``chat`` resumes the stored conversation after a
one-line recap of the answers so far; ``chat --new`` deletes it and starts afresh.

Input comes from anyone's pipe, so neither mode trusts it: lines are read in bounded
pieces (an endless line costs no memory), bytes that are not UTF-8 are an error line
(``--jsonl``) or replacement characters (the human chat), JSON is decoded with bounded
nesting and number sizes (:mod:`bot.json_input`), and a line that fails in any way is
answered with an error object while the lines after it are still read.
"""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import IO, Any

from pydantic import ValidationError

from bot.engine import Engine
from bot.i18n import DEFAULT_LOCALE, translator
from bot.i18n_marker import N_
from bot.json_input import JSONInputError, decode_json
from bot.models import Event, Reply, reply_to_json
from bot.understand import as_command, pick, slash_command

log = logging.getLogger(__name__)

# The longest line read, in characters; the rest of a longer line is skipped unread.
MAX_LINE = 20_000
# UTF-8 takes at most 4 bytes a character: a line of MAX_LINE characters always fits.
_READ_LIMIT = 4 * MAX_LINE + 2
BANNER = N_("Zairyu Guide. Type a number to choose, /help for help, Ctrl-D to quit.")
INTERNAL_ERROR = "internal error: this line was not answered; the next lines are read"
# A line of only JSON's whitespace is skipped (no output line); any other line is answered.
JSON_SPACE = " \t\r"
UNKNOWN_PARTNER = "partner: not a partner code in the partners file"


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line that cannot be read as given: ``reason`` says why; ``head`` is its
    beginning (with replacement characters), for the human chat to answer."""

    reason: str
    head: str


def read_lines(stream: IO[Any], *, strict: bool = True) -> Iterator[str | BadLine]:
    """The lines of a text or binary stream, without their line ends.

    A line longer than :data:`MAX_LINE` characters is a :class:`BadLine` (its rest is
    read in pieces and dropped). From a binary stream, bytes that are not UTF-8 make
    a :class:`BadLine` when ``strict``, else replacement characters."""
    while chunk := stream.readline(_READ_LIMIT):
        data: str | bytes = chunk
        if not _ends_line(data) and len(data) >= _READ_LIMIT:
            _skip_rest(stream)
            yield BadLine(f"line longer than {MAX_LINE} characters", _text(data, "replace"))
            continue
        if isinstance(data, bytes):
            try:
                text = _text(data, "strict" if strict else "replace")
            except UnicodeDecodeError:
                yield BadLine("line is not valid UTF-8", _text(data, "replace"))
                continue
        else:
            text = data
        text = text.removesuffix("\n").removesuffix("\r")
        if len(text) > MAX_LINE:
            yield BadLine(f"line longer than {MAX_LINE} characters", text)
            continue
        yield text


def _text(data: str | bytes, errors: str) -> str:
    return data.decode("utf-8", errors) if isinstance(data, bytes) else data


def _ends_line(data: str | bytes) -> bool:
    return data.endswith(b"\n") if isinstance(data, bytes) else data.endswith("\n")


def _skip_rest(stream: IO[Any]) -> None:
    while chunk := stream.readline(_READ_LIMIT):
        if _ends_line(chunk):
            return


def run_jsonl(
    engine: Engine,
    user_key: str,
    stdin: IO[Any],
    stdout: IO[str],
    partners: Collection[str] = frozenset(),
) -> int:
    """Read JSON events, write JSON replies: exactly one output line per input line that
    is not blank (:data:`JSON_SPACE` only), an ``{"error": ...}`` object for a line that
    cannot be answered.

    ``partners``: the partner codes of the partners file; an event naming another is
    an error, and nothing is stored."""
    for line in read_lines(stdin):
        if isinstance(line, str) and not line.strip(JSON_SPACE):
            continue
        out = answer_line(engine, user_key, line, partners)
        stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        stdout.flush()
    return 0


def answer_line(
    engine: Engine, user_key: str, line: str | BadLine, partners: Collection[str]
) -> dict[str, Any]:
    """The reply to one line of ``chat --jsonl``, or an error object; never raises
    (except KeyboardInterrupt and the like)."""
    if isinstance(line, BadLine):
        return {"error": line.reason}
    try:
        event = decode_json(line)
        if not isinstance(event, dict):
            msg = "an event must be a JSON object"
            raise ValueError(msg)
        event.setdefault("user_key", user_key)
        incoming = Event.model_validate(event)
    except JSONInputError as exc:
        return {"error": f"not valid JSON: {exc}"}
    except ValueError as exc:  # ValidationError is a ValueError
        return {"error": _short_error(exc)}
    if incoming.partner is not None and incoming.partner not in partners:
        return {"error": UNKNOWN_PARTNER}
    try:
        return reply_to_json(engine.handle(incoming))
    except Exception as exc:  # one failed turn must not end the stream
        # The type only: the message may carry a session key or the user's text.
        log.error("chat --jsonl: a turn failed (%s)", type(exc).__name__)
        return {"error": INTERNAL_ERROR}


def _short_error(exc: ValueError) -> str:
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


def run_human(engine: Engine, user_key: str, stdin: IO[Any], stdout: IO[str]) -> int:
    """An interactive chat on a terminal (or any text or binary stream). A line too long
    is sent as its beginning, which the engine answers as too long.

    A stored conversation is resumed where it stopped, after a one-line recap of the
    answers so far (the question alone would not say how one got there)."""
    reply = engine.current(user_key)
    tr = translator(reply.locale or DEFAULT_LOCALE)
    stdout.write(tr.t(BANNER) + "\n")
    recap = engine.recap(user_key)
    if recap is not None:
        stdout.write("\n" + recap + "\n")
    ids = _print_reply(reply, stdout)
    lines = read_lines(stdin, strict=False)
    while True:
        stdout.write("> ")
        stdout.flush()
        line = next(lines, None)
        if line is None:
            stdout.write("\n")
            return 0
        text = line.head if isinstance(line, BadLine) else line
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


def main_chat(
    engine: Engine,
    user_key: str,
    *,
    jsonl: bool,
    partners: Collection[str] = frozenset(),
    new: bool = False,
) -> int:
    """The ``chat`` command on this process's standard streams. Input is read as bytes
    (the locale's decoder would die on bytes that are not UTF-8); ``--jsonl`` writes
    UTF-8, the human chat whatever the terminal takes (replacing what it cannot show).

    ``new``: start afresh. The conversation stored under the key is deleted first (as
    ``/forget`` would), rather than a fresh key being made up: the default key stays the
    one to resume next time, and no orphaned answers are left behind in the store."""
    if new:
        engine.forget(user_key)
    if isinstance(sys.stdout, io.TextIOWrapper):
        if jsonl:
            sys.stdout.reconfigure(encoding="utf-8", errors="strict")
        else:
            sys.stdout.reconfigure(errors="replace")
    # A closed standard input (``<&-``) is an empty one.
    stdin: IO[bytes] = sys.stdin.buffer if sys.stdin is not None else io.BytesIO()
    if jsonl:
        return run_jsonl(engine, user_key, stdin, sys.stdout, partners)
    return run_human(engine, user_key, stdin, sys.stdout)
