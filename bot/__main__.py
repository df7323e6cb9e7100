"""Command line: ``python -m bot {assess,chat,faq,serve,staff,migrate,purge}``. Run with
``--help``."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from bot.i18n import LOCALES

if TYPE_CHECKING:
    from bot.storage import SessionStore

DB_ENV = "ZAIRYU_DB"
PARTNERS_ENV = "ZAIRYU_PARTNERS"
# The partners file used when neither --partners nor $ZAIRYU_PARTNERS names one (as serve).
DEFAULT_PARTNERS = Path("config") / "partners.toml"
DEFAULT_DB = Path("var") / "zairyu.db"
DB_HELP = (
    "SQLite file, sqlite:/// URL or postgresql://user@host:port/dbname "
    f"(default: ${DB_ENV} or {DEFAULT_DB})"
)
SERVE_ENV_HELP = """environment:
  TELEGRAM_BOT_TOKEN       turn the Telegram bot on (long polling by default)
  TELEGRAM_API_BASE_URL    a self-hosted Bot API server, e.g. http://127.0.0.1:8081
  TELEGRAM_WEBHOOK_URL     webhook mode: the public URL Telegram posts to; its path is
                           served here (e.g. https://bot.example.org/telegram/webhook)
  TELEGRAM_WEBHOOK_SECRET  required with the webhook: 32-256 of A-Za-z0-9_-
  ZAIRYU_DB                the database: a SQLite file path, a sqlite:/// URL or
                           postgresql://user@host:port/dbname (default: var/zairyu.db)
  ZAIRYU_PARTNERS          the partners file (default: config/partners.toml)
  ZAIRYU_METRICS_TOKEN     serve /metrics on the main port to this bearer token
                           (16-256 visible characters; unset: no /metrics there)"""


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (``usage:`` and a message on two lines is the
    default); sub-command parsers inherit it."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def db_path(arg: str | None) -> str:
    """``--db``, else ``$ZAIRYU_DB``, else ``var/zairyu.db`` (git-ignored)."""
    return arg or os.environ.get(DB_ENV) or str(DEFAULT_DB)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
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
    assess.add_argument(
        "--format",
        choices=("json", "html"),
        default="json",
        help="json: the assess response (default); html: the printable checklist page",
    )

    chat = sub.add_parser(
        "chat",
        help="chat in the terminal (or JSON lines with --jsonl)",
        description="A terminal chat with numbered choices; --jsonl for one JSON event "
        "per input line and one JSON reply per output line.",
    )
    chat.add_argument("--jsonl", action="store_true", help="machine mode: JSON lines in and out")
    chat.add_argument("--db", help=DB_HELP)
    chat.add_argument(
        "--user",
        type=_user_key,
        default="cli:local",
        help="the session key (default: cli:local)",
    )
    chat.add_argument(
        "--new",
        action="store_true",
        help="start afresh: delete the conversation stored under --user first (as /forget "
        "does); without it, chat resumes that conversation after a recap of its answers",
    )
    chat.add_argument(
        "--partners",
        metavar="PATH",
        help="partners file: a partner code in a --jsonl event must be one of its codes "
        "(default: $ZAIRYU_PARTNERS or config/partners.toml when present)",
    )

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
    serve.add_argument(
        "--forwarded-allow-ips",
        metavar="ADDRS",
        help="the reverse proxy's addresses or networks, comma-separated (or *): only "
        "their X-Forwarded-For and X-Forwarded-Proto are believed (default: none)",
    )
    serve.add_argument(
        "--public-origin",
        metavar="ORIGIN",
        help="the origin browsers see, e.g. https://guide.example.org: pages from it may "
        "call the API (default: http://HOST:PORT, the bind address)",
    )
    serve.add_argument(
        "--retention-days",
        metavar="N",
        help="delete sessions idle for more than N days, at start and hourly (default: 30; "
        "the same rule as `python -m bot purge`)",
    )
    serve.add_argument(
        "--record-unanswered",
        action="store_true",
        help="keep the questions the guide could not answer, scrubbed of personal data, "
        "for the staff console, for --retention-days (default: off; they are only counted)",
    )
    serve.add_argument(
        "--purge-interval",
        metavar="SECONDS",
        help="seconds between retention purges (default: 3600)",
    )
    serve.add_argument(
        "--request-timeout",
        metavar="SECONDS",
        help="a client must send its whole request within this time, from its first byte "
        "or from connecting; slower connections are closed (default: 10)",
    )
    serve.add_argument(
        "--keep-alive",
        metavar="SECONDS",
        help="idle keep-alive connections are closed after this time (default: 5)",
    )
    serve.add_argument(
        "--max-connections",
        metavar="N",
        help="connections served at once; a request on one more is answered 503 "
        "(default: 1000, lowered to fit the open-files limit)",
    )
    serve.add_argument(
        "--workers",
        metavar="N",
        help="processes serving the port, 1-32 (default: 1); one that dies is restarted. "
        "With more than 1, rate limits and Telegram update ids are kept in the database, "
        "and Telegram needs webhook mode (long polling runs in one process)",
    )
    serve.add_argument(
        "--metrics-port",
        type=_port,
        metavar="PORT",
        help="serve Prometheus metrics at /metrics on this port, without a token (0 picks "
        "a free one; default: none)",
    )
    serve.add_argument(
        "--metrics-host",
        metavar="HOST",
        help="address for --metrics-port (default: 127.0.0.1: keep it private)",
    )
    serve.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="log lines on standard error: text (warnings and errors) or json (one object "
        "a line, with request ids and an access line per request) (default: text)",
    )

    _staff_parser(sub)

    migrate = sub.add_parser("migrate", help="create or upgrade the database, then exit")
    migrate.add_argument("--db", help=DB_HELP)

    purge = sub.add_parser(
        "purge",
        help="delete sessions idle for more than N days, then exit",
        description="Delete the sessions nobody has used for more than N days (and their "
        "quarantined copies). On SQLite no copy is left in the database files; on "
        "PostgreSQL the freed space is vacuumed for reuse (see docs/deploy.md). Prints how many.",
    )
    purge.add_argument(
        "--days", default="30", metavar="N", help="idle days before deletion (default: 30)"
    )
    purge.add_argument("--db", help=DB_HELP)
    return parser


def _staff_parser(sub: argparse._SubParsersAction[_Parser]) -> None:
    """``staff add|list|remove|passwd``: the staff console's accounts (issue 15)."""
    staff = sub.add_parser(
        "staff",
        help="manage staff console accounts (add, list, remove, passwd)",
        description="Staff console accounts. Passwords (at least 12 characters) are read "
        "from standard input, one line, and stored as Argon2 hashes.",
    )
    actions = staff.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, text in (
        ("add", "add an account"),
        ("list", "list the accounts (names and dates, never a hash)"),
        ("remove", "remove an account and end its logins"),
        ("passwd", "set an account's password"),
    ):
        parser = actions.add_parser(action, help=text, description=text)
        if action != "list":
            parser.add_argument("name", metavar="NAME", help="1-64 characters, no spaces")
        if action in ("add", "passwd"):
            parser.add_argument(
                "--password-stdin",
                action="store_true",
                required=True,
                help="read the password from standard input (one line)",
            )
        parser.add_argument("--db", help=DB_HELP)


def _staff(args: argparse.Namespace) -> int:
    from bot.clock import system_clock  # noqa: PLC0415
    from bot.staff.accounts import AccountError, staff_command  # noqa: PLC0415
    from bot.staff.store import console_store  # noqa: PLC0415

    store = open_db(args.db)
    try:
        name = getattr(args, "name", None)
        return staff_command(
            console_store(store), args.action, name, system_clock(), stdin=sys.stdin
        )
    except AccountError as exc:
        raise CliError(str(exc)) from None
    finally:
        store.close()


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


def _user_key(value: str) -> str:
    from bot.models import MAX_KEY  # noqa: PLC0415

    if not 1 <= len(value) <= MAX_KEY:
        msg = f"expected 1 to {MAX_KEY} characters, got {len(value)}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 1 <= number <= 20:
        msg = f"expected a whole number from 1 to 20, got {value!r}"
        raise argparse.ArgumentTypeError(msg)
    return number


class CliError(Exception):
    """A usage or input error: :func:`main` prints it as one line and exits 2."""


def _fail(message: str, code: int = 2) -> int:
    """Print ``error: message`` as one line (a multi-line message's lines joined by
    "; "), cut at :data:`MAX_ERROR` characters; return ``code``."""
    head, *rest = [line.strip() for line in message.splitlines() if line.strip()] or [""]
    line = " ".join([head, "; ".join(rest)]) if rest else head
    if len(line) > MAX_ERROR:
        line = line[: MAX_ERROR - 1] + "…"
    print(f"error: {line}", file=sys.stderr)
    return code


# The longest error line printed; the longest request or question read from stdin.
MAX_ERROR = 2_000
MAX_STDIN = 1_000_000


def _read_stdin(what: str) -> bytes:
    """Standard input as bytes (the locale's decoder would die on bytes that are not
    UTF-8), at most :data:`MAX_STDIN` of them."""
    if sys.stdin is None:
        msg = f"{what}: standard input is closed"
        raise CliError(msg)
    try:
        data = sys.stdin.buffer.read(MAX_STDIN + 1)
    except OSError as exc:
        msg = f"{what}: cannot read standard input: {exc.strerror or exc}"
        raise CliError(msg) from None
    if len(data) > MAX_STDIN:
        msg = f"{what} is longer than {MAX_STDIN} bytes"
        raise CliError(msg)
    return data


def open_db(arg: str | None) -> SessionStore:
    """The store ``--db`` (or ``$ZAIRYU_DB``) names, created if missing; a
    :class:`CliError` that names the problem (a directory, a file that is not SQLite, a
    folder that cannot be created) instead of an SQLite traceback."""
    import sqlite3  # noqa: PLC0415

    from bot.storage import StoreURLError, open_store  # noqa: PLC0415

    url = db_path(arg)
    name = "--db" if arg or not os.environ.get(DB_ENV) else f"${DB_ENV}"
    try:
        return open_store(url)
    except StoreURLError as exc:
        raise CliError(f"{name}: {exc}") from None
    except sqlite3.DatabaseError as exc:
        if Path(url).is_dir():
            msg = f"{name}: a directory, not a database file: {url}"
        elif getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_NOTADB:
            msg = f"{name}: not an SQLite database: {url}"
        else:
            msg = f"{name}: cannot open the database {url}: {exc}"
        raise CliError(msg) from None
    except OSError as exc:
        msg = f"{name}: cannot create {url}: {exc.strerror or exc}"
        raise CliError(msg) from None


def _partner_codes(arg: str | None) -> frozenset[str]:
    """The partner codes of ``--partners``, ``$ZAIRYU_PARTNERS`` or config/partners.toml
    (when present); none without a partners file."""
    from bot.channels.web import PartnersError, load_partners  # noqa: PLC0415

    path = arg or os.environ.get(PARTNERS_ENV) or None
    if path is None and DEFAULT_PARTNERS.exists():
        path = str(DEFAULT_PARTNERS)
    if path is None:
        return frozenset()
    try:
        return frozenset(load_partners(path))
    except PartnersError as exc:
        raise CliError(str(exc)) from None


def _faq(question: str, lang: str | None, *, as_json: bool, top: int) -> int:
    from bot.faq.answer import result_json, result_text  # noqa: PLC0415
    from bot.faq.search import MAX_QUERY, detect_locale, search  # noqa: PLC0415
    from bot.i18n import CatalogError, translator  # noqa: PLC0415

    if question == "-":
        try:
            text = _read_stdin("the question").decode("utf-8")
        except UnicodeDecodeError:
            msg = "the question on standard input is not valid UTF-8"
            raise CliError(msg) from None
    else:
        text = question
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


def _assess(raw: str, fmt: str = "json") -> int:
    from bot.assess import AssessInputError, assess, parse_request  # noqa: PLC0415
    from bot.clock import system_clock  # noqa: PLC0415
    from bot.i18n import CatalogError  # noqa: PLC0415
    from bot.json_input import JSONInputError, decode_json  # noqa: PLC0415

    try:
        data = decode_json(_read_stdin("the request") if raw == "-" else raw)
    except JSONInputError as exc:
        return _fail(f"the request is not valid JSON: {exc}")
    now = system_clock()
    try:
        request = parse_request(data)
        response = assess(request, now=now)
    except AssessInputError as exc:
        return _fail(str(exc))
    except CatalogError as exc:
        return _fail(str(exc), code=1)
    if fmt == "html":
        from bot.checklist_page import checklist_html  # noqa: PLC0415

        page = checklist_html(request, response, now)
        binary = getattr(sys.stdout, "buffer", None)
        if binary is None:  # a text stream (an in-process caller's StringIO)
            sys.stdout.write(page)
            return 0
        sys.stdout.flush()
        binary.write(page.encode("utf-8"))  # UTF-8 whatever the locale, as its <meta> says
        binary.flush()
        return 0
    print(response.model_dump_json(indent=2))
    return 0


def _purge(days_text: str, db: str | None) -> int:
    """``purge``: the retention rule once (``serve`` applies the same rule hourly)."""
    from bot.clock import system_clock  # noqa: PLC0415
    from bot.storage import parse_retention_days, purge_idle  # noqa: PLC0415

    try:
        days = parse_retention_days(days_text)
    except ValueError as exc:
        raise CliError(f"--days: {exc}") from None
    from bot.staff.analytics import purge_old  # noqa: PLC0415
    from bot.staff.store import console_store  # noqa: PLC0415

    store = open_db(db)
    try:
        now = system_clock()
        deleted = purge_idle(store, days, now)
        # The staff console's declined questions (serve --record-unanswered) follow the
        # same retention, as serve's own purge applies it.
        questions = purge_old(console_store(store), days, now)
    finally:
        store.close()
    print(f"deleted {deleted} sessions idle for more than {days} days")
    print(f"deleted {questions} declined questions recorded more than {days} days ago")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Every failure ends here as one line on stderr: exit 2 for bad
    input or settings, 1 for an internal error, 130 for Ctrl-C; never a traceback."""
    try:
        return _run(_parser().parse_args(argv))
    except CliError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly; point stdout at nothing so
        # the interpreter's final flush does not complain either.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:  # the last guard: a bug, said in one line
        return _fail(f"internal error ({type(exc).__name__})", code=1)


def _run(args: argparse.Namespace) -> int:
    if args.command == "assess":
        return _assess(args.json, args.format)
    if args.command == "faq":
        return _faq(args.question, args.lang, as_json=args.json, top=args.top)
    if args.command == "migrate":
        store = open_db(args.db)
        print(f"database ready: {store.location} ({store.count()} sessions)")
        store.close()
        return 0
    if args.command == "purge":
        return _purge(args.days, args.db)
    if args.command == "staff":
        return _staff(args)
    if args.command == "serve":
        from bot.channels.serve import main_serve  # noqa: PLC0415

        open_db(args.db).close()  # a bad --db is a one-line error before any server starts
        return main_serve(
            args.host,
            args.port,
            db_path(args.db),
            os.environ,
            partners=args.partners,
            rate_limit=args.rate_limit,
            forwarded_allow_ips=args.forwarded_allow_ips,
            public_origin=args.public_origin,
            retention_days=args.retention_days,
            purge_interval=args.purge_interval,
            request_timeout=args.request_timeout,
            keep_alive=args.keep_alive,
            max_connections=args.max_connections,
            workers=args.workers,
            metrics_port=args.metrics_port,
            metrics_host=args.metrics_host,
            log_format=args.log_format,
            record_unanswered=args.record_unanswered,
        )
    if args.command == "chat":
        from bot.channels.terminal import main_chat  # noqa: PLC0415
        from bot.engine import Engine  # noqa: PLC0415

        partners = _partner_codes(args.partners) if args.jsonl else frozenset()
        engine = Engine(open_db(args.db))
        return main_chat(engine, args.user, jsonl=args.jsonl, partners=partners, new=args.new)
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
