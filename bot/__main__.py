"""Command line: ``python -m bot {assess,chat,faq,serve,migrate}``. Run with ``--help``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.i18n import LOCALES

DB_ENV = "ZAIRYU_DB"
DEFAULT_DB = Path("var") / "zairyu.db"
DB_HELP = f"SQLite file or sqlite:/// URL (default: ${DB_ENV} or {DEFAULT_DB})"
SERVE_ENV_HELP = """environment:
  TELEGRAM_BOT_TOKEN       turn the Telegram bot on (long polling by default)
  TELEGRAM_API_BASE_URL    a self-hosted Bot API server, e.g. http://127.0.0.1:8081
  TELEGRAM_WEBHOOK_URL     webhook mode: the public URL Telegram posts to; its path is
                           served here (e.g. https://bot.example.org/telegram/webhook)
  TELEGRAM_WEBHOOK_SECRET  required with the webhook: 1-256 of A-Za-z0-9_-
  ZAIRYU_DB                the database: a SQLite file path or a sqlite:/// URL
                           (default: var/zairyu.db)
  ZAIRYU_PARTNERS          the partners file (default: config/partners.toml)"""


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
    chat.add_argument("--db", help=DB_HELP)
    chat.add_argument("--user", default="cli:local", help="the session key (default: cli:local)")

    faq = sub.add_parser(
        "faq",
        help="search the FAQ and print the best answers with their sources",
        description="Search the FAQ (Japanese or English) and print the best answers with "
        "source links, ready to paste. Below the confidence threshold it says it does not "
        "know and points to the ISA information centre.",
    )
    faq.add_argument("question", help="the question, or - to read it from standard input")
    faq.add_argument(
        "--lang",
        choices=LOCALES,
        help="language of the answers (default: guessed from the question's script, else en)",
    )
    faq.add_argument("--json", action="store_true", help="print the stable JSON shape (v1)")
    faq.add_argument(
        "--top", type=_positive, default=3, metavar="N", help="how many answers (default: 3)"
    )

    serve = sub.add_parser(
        "serve",
        help="run the HTTP server, and the Telegram bot when TELEGRAM_BOT_TOKEN is set",
        description="Serve HTTP on HOST:PORT (health check; the Telegram webhook in webhook "
        "mode) and run the Telegram bot when TELEGRAM_BOT_TOKEN is set. Stop with Ctrl-C.",
        epilog=SERVE_ENV_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument(
        "--port", type=_port, default=8080, help="port to bind (default: 8080; 0 picks a free one)"
    )
    serve.add_argument("--db", help=DB_HELP)
    serve.add_argument(
        "--partners",
        metavar="PATH",
        help="partners file: origins, language, colour (default: $ZAIRYU_PARTNERS or "
        "config/partners.toml when present)",
    )
    serve.add_argument(
        "--rate-limit",
        type=_rate,
        default=120,
        metavar="N",
        help="API requests per minute per client address (default: 120; 0 turns it off)",
    )

    migrate = sub.add_parser("migrate", help="create or upgrade the database, then exit")
    migrate.add_argument("--db", help=DB_HELP)
    return parser


def _rate(value: str) -> int:
    if not value.isdigit() or int(value) > 1_000_000:
        msg = f"expected a whole number from 0 to 1000000, got {value!r}"
        raise argparse.ArgumentTypeError(msg)
    return int(value)


def _port(value: str) -> int:
    if not value.isdigit() or not 0 <= int(value) <= 65535:
        msg = f"expected a port number from 0 to 65535, got {value!r}"
        raise argparse.ArgumentTypeError(msg)
    return int(value)


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 1 <= number <= 20:
        msg = f"expected a whole number from 1 to 20, got {value!r}"
        raise argparse.ArgumentTypeError(msg)
    return number


def _faq(question: str, lang: str | None, *, as_json: bool, top: int) -> int:
    from bot.faq.answer import result_json, result_text  # noqa: PLC0415
    from bot.faq.search import MAX_QUERY, detect_locale, search  # noqa: PLC0415
    from bot.i18n import CatalogError, translator  # noqa: PLC0415

    text = sys.stdin.read() if question == "-" else question
    if not text.strip():
        print("error: the question is empty", file=sys.stderr)
        return 2
    if len(text) > MAX_QUERY:
        print(f"note: only the first {MAX_QUERY} characters are searched", file=sys.stderr)
    try:
        tr = translator(lang or detect_locale(text))
    except CatalogError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    result = search(text, top=top, locale=lang or detect_locale(text))
    if as_json:
        print(json.dumps(result_json(tr, result), ensure_ascii=False, indent=2))
    else:
        print(result_text(tr, result))
    return 0


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
    if args.command == "faq":
        return _faq(args.question, args.lang, as_json=args.json, top=args.top)
    if args.command == "migrate":
        from bot.storage import StoreURLError, open_store  # noqa: PLC0415

        try:
            store = open_store(db_path(args.db))
        except StoreURLError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"database ready: {store.location} ({store.count()} sessions)")
        store.close()
        return 0
    if args.command == "serve":
        from bot.channels.serve import main_serve  # noqa: PLC0415

        return main_serve(
            args.host,
            args.port,
            db_path(args.db),
            os.environ,
            partners=args.partners,
            rate_limit=args.rate_limit,
        )
    if args.command == "chat":
        from bot.channels.terminal import main_chat  # noqa: PLC0415
        from bot.engine import Engine  # noqa: PLC0415
        from bot.storage import StoreURLError, open_store  # noqa: PLC0415

        try:
            store = open_store(db_path(args.db))
        except StoreURLError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        engine = Engine(store)
        try:
            return main_chat(engine, args.user, jsonl=args.jsonl)
        except KeyboardInterrupt:
            return 130
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
