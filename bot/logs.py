"""Log lines for ``serve``: plain text for a terminal, or JSON lines for a log collector.

``--log-format text`` (the default) shows warnings and errors, as before, now with a
time, level and logger. ``--log-format json`` writes one JSON object per line (``ts`` in
UTC, ``level``, ``logger``, ``msg``, the ``request_id`` of the request being served,
and any ``extra`` fields) from INFO up, which includes one access line per HTTP request.
The access log is left out of the text format on purpose: a terminal (and a test's
unread pipe) would fill up with it, and the reverse proxy keeps its own.

The request id lives in a context variable, so every line logged while a request is
served carries it without the code in between passing it along. A client may choose
it (``X-Request-ID``, to follow one request through its own logs) but only within a
small safe alphabet: a header is client text, and log lines must never carry it raw.

Nothing here decides what is logged; the callers already never log a session id, an
address or user text, and the access line has the route template, not the path.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Final, Literal

LogFormat = Literal["text", "json"]
LOG_FORMATS: Final = ("text", "json")
REQUEST_ID_HEADER: Final = "X-Request-ID"
# 1-64 of these, or the server makes one: no spaces, quotes or control characters, so
# the id is safe in a header, a JSON line and a text line alike.
REQUEST_ID: Final = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
ACCESS_LOGGER: Final = "bot.access"

_request_id: ContextVar[str | None] = ContextVar("zairyu_request_id", default=None)

# What every LogRecord has; anything else on a record came in through ``extra=``.
_STANDARD: Final = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}
_HANDLER_NAME: Final = "zairyu"


def request_id_from(header: str | None) -> str:
    """The client's request id when it is 1-64 of ``[A-Za-z0-9._-]``, else a new one."""
    if header is not None and REQUEST_ID.match(header):
        return header
    return secrets.token_hex(8)


def current_request_id() -> str | None:
    """The id of the request being served in this context, or None outside a request."""
    return _request_id.get()


def set_request_id(value: str | None) -> object:
    """Bind the request id to the current context; returns a token for :func:`reset_request_id`."""
    return _request_id.set(value)


def reset_request_id(token: object) -> None:
    _request_id.reset(token)  # type: ignore[arg-type]


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (newlines in a message are escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = current_request_id()
        if request_id is not None:
            line["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in line:
                line[key] = (
                    value if isinstance(value, str | int | float | bool | None) else str(value)
                )
        if record.exc_info and record.exc_info[0] is not None:
            line["exc_type"] = record.exc_info[0].__name__
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


class TextFormatter(logging.Formatter):
    """``2026-01-02T03:04:05.678Z WARNING bot.engine [request id] message``."""

    def format(self, record: logging.LogRecord) -> str:
        ts = (
            datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z")
        )
        request_id = current_request_id()
        where = f" [{request_id}]" if request_id is not None else ""
        text = f"{ts} {record.levelname} {record.name}{where} {record.getMessage()}"
        if record.exc_info and record.exc_info[0] is not None:
            text += "\n" + self.formatException(record.exc_info)
        return text


def setup_logging(fmt: LogFormat = "text", stream: IO[str] | None = None) -> None:
    """Send the root logger's records to ``stream`` (standard error) in ``fmt``: JSON from
    INFO up for the project's loggers (with the access log) and from WARNING up for
    libraries; text from WARNING up. Calling it again replaces the
    handler it installed, so a test or a worker can switch formats."""
    if fmt not in LOG_FORMATS:
        msg = f"--log-format: expected text or json, got {fmt!r}"
        raise ValueError(msg)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    # INFO for the project's own loggers only: libraries log requests at INFO, and an
    # HTTP client's line carries the URL, which for the Bot API holds the bot's token.
    logging.getLogger("bot").setLevel(logging.INFO if fmt == "json" else logging.NOTSET)


def log_access(method: str, route: str, status: int, duration_ms: float) -> None:
    """The access line of one HTTP request: the route template (never the path, whose
    session id is a bearer token), never the query, the client's address or the body."""
    logging.getLogger(ACCESS_LOGGER).info(
        "%s %s %d",
        method,
        route,
        status,
        extra={
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round(duration_ms, 2),
        },
    )
