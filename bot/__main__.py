"""Command line: ``python -m bot {assess,chat,migrate}``. Run with ``--help``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

DB_ENV = "ZAIRYU_DB"
DEFAULT_DB = Path("var") / "zairyu.db"


def db_path(arg: str | None) -> str:
    """``--db``, else ``$ZAIRYU_DB``, else ``var/zairyu.db`` (git-ignored)."""
    return arg or os.environ.get(DB_ENV) or str(DEFAULT_DB)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Zairyu Guide: can this residence application be filed online now?",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    assess = sub.add_parser(
        "assess",
        help="assess one case and print the JSON verdict",
        description="Print the assessment of one case as JSON. Exit 2 on invalid input.",
    )
    assess.add_argument(
        "--json",
        required=True,
        metavar="REQUEST",
        help="the request as a JSON object, or - to read it from standard input",
    )

    chat = sub.add_parser(
        "chat",
        help="chat in the terminal (or JSON lines with --jsonl)",
        description="A terminal chat with numbered choices; --jsonl for one JSON event "
        "per input line and one JSON reply per output line.",
    )
    chat.add_argument("--jsonl", action="store_true", help="machine mode: JSON lines in and out")
    chat.add_argument("--db", help=f"SQLite file (default: ${DB_ENV} or {DEFAULT_DB})")
    chat.add_argument("--user", default="cli:local", help="the session key (default: cli:local)")

    migrate = sub.add_parser("migrate", help="create or upgrade the database, then exit")
    migrate.add_argument("--db", help=f"SQLite file (default: ${DB_ENV} or {DEFAULT_DB})")
    return parser


def _assess(raw: str) -> int:
    from bot.assess import AssessInputError, assess, parse_request  # noqa: PLC0415
    from bot.clock import system_clock  # noqa: PLC0415
    from bot.i18n import CatalogError  # noqa: PLC0415

    text = sys.stdin.read() if raw == "-" else raw
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        print(f"error: the request is not valid JSON: {exc}", file=sys.stderr)
        return 2
    try:
        response = assess(parse_request(data), now=system_clock())
    except AssessInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except CatalogError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(response.model_dump_json(indent=2))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "assess":
        return _assess(args.json)
    if args.command == "migrate":
        from bot.storage import SQLiteStore  # noqa: PLC0415

        store = SQLiteStore(db_path(args.db))
        print(f"database ready: {store.path} ({store.count()} sessions)")
        store.close()
        return 0
    if args.command == "chat":
        from bot.channels.terminal import main_chat  # noqa: PLC0415
        from bot.engine import Engine  # noqa: PLC0415
        from bot.storage import SQLiteStore  # noqa: PLC0415

        engine = Engine(SQLiteStore(db_path(args.db)))
        try:
            return main_chat(engine, args.user, jsonl=args.jsonl)
        except KeyboardInterrupt:
            return 130
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
