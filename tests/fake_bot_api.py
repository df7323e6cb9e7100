"""A fake Telegram Bot API server on 127.0.0.1 for tests (the lowest boundary we fake).

It speaks the Bot API's HTTP shape: ``POST /bot<token>/<method>`` with form data or
JSON, answering ``{"ok": true, "result": ...}``. It serves ``getMe`` and long-polled
``getUpdates`` from a queue the test fills, and records every other call
(``sendMessage``, ``sendDocument``, ``editMessageText``, ``answerCallbackQuery``,
``setMyCommands`` ...) with its parameters. Both python-telegram-bot and aiogram POST
form data, so ``reply_markup`` arrives as a JSON string; :func:`_params` decodes it. A
file upload (``sendDocument``) comes as multipart/form-data, parsed with the standard
library's ``email`` package; the file is recorded as an :class:`Upload` under its field
name (``params["document"]``), with its filename and exact bytes.
``fail_next(method, retry_after)`` makes the next call of a method answer 429.
"""

from __future__ import annotations

import email
import email.policy
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

BOT_USER = {
    "id": 4242,
    "is_bot": True,
    "first_name": "Zairyu Guide",
    "username": "zairyu_guide_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
JSON_FIELDS = ("reply_markup", "commands", "allowed_updates", "scope", "link_preview_options")


@dataclass(frozen=True)
class Upload:
    """A file sent as multipart/form-data (``sendDocument``'s ``document``)."""

    filename: str | None
    content_type: str
    data: bytes


@dataclass
class Call:
    """One recorded Bot API call."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class FakeBotApi:
    """The server state; use :func:`running` to start it on a free loopback port."""

    def __init__(self, token: str = "123:TEST") -> None:
        self.token = token
        self._lock = threading.Condition()
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._next_message_id = 1000
        self._calls: list[Call] = []
        self._failures: dict[str, list[int]] = {}
        self._gates: dict[str, threading.Event] = {}
        self.base_url = ""

    # ------------------------------------------------------------------ test side

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update (``update_id`` is assigned); returns the id."""
        with self._lock:
            uid = self._next_update_id
            self._next_update_id += 1
            self._updates.append({"update_id": uid, **update})
            self._lock.notify_all()
            return uid

    def fail_next(self, method: str, retry_after: int) -> None:
        """The next call of ``method`` answers 429 Too Many Requests."""
        with self._lock:
            self._failures.setdefault(method, []).append(retry_after)

    def gate_chat(self, chat_id: int) -> threading.Event:
        """Hold every ``sendMessage`` to ``chat_id`` (a slow network to that chat) until
        the returned event is set; the call is recorded when it is let through."""
        gate = threading.Event()
        with self._lock:
            self._gates[str(chat_id)] = gate
        return gate

    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def wait_for(self, method: str, count: int, timeout: float = 10.0) -> list[Call]:
        """Block until ``count`` calls of ``method`` were recorded."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [c for c in self._calls if c.method == method]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    msg = f"{method}: {len(found)} of {count} calls after {timeout} s"
                    raise TimeoutError(msg)
                self._lock.wait(left)

    # ------------------------------------------------------------------ server side

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            failures = self._failures.get(method)
            if failures:
                retry_after = failures.pop(0)
                self._calls.append(Call(method + ":429", params))
                return 429, {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {retry_after}",
                    "parameters": {"retry_after": retry_after},
                }
        if method == "getMe":
            return 200, {"ok": True, "result": BOT_USER}
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._poll(params)}
        if method in ("deleteWebhook", "setWebhook", "setMyCommands", "answerCallbackQuery"):
            self._record(method, params)
            return 200, {"ok": True, "result": True}
        if method in ("sendMessage", "sendDocument", "editMessageText", "editMessageReplyMarkup"):
            with self._lock:
                gate = self._gates.get(str(params.get("chat_id")))
            if gate is not None and method == "sendMessage":
                gate.wait(10)
            self._record(method, params)
            with self._lock:
                self._next_message_id += 1
                mid = self._next_message_id
            chat_id = int(params.get("chat_id", 0))
            message = {
                "message_id": mid,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
            upload = params.get("document")
            if method == "sendDocument" and isinstance(upload, Upload):
                del message["text"]
                message["caption"] = params.get("caption", "")
                message["document"] = {
                    "file_id": f"doc{mid}",
                    "file_unique_id": f"udoc{mid}",
                    "file_name": upload.filename or "",
                    "mime_type": upload.content_type,
                    "file_size": len(upload.data),
                }
            return 200, {"ok": True, "result": message}
        self._record(method, params)
        return 200, {"ok": True, "result": True}

    def _record(self, method: str, params: dict[str, Any]) -> None:
        with self._lock:
            self._calls.append(Call(method, params))
            self._lock.notify_all()

    def _poll(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 2.0)
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates or time.monotonic() >= deadline:
                    return list(self._updates)
                self._lock.wait(max(0.0, deadline - time.monotonic()))


def _multipart(ctype: str, body: bytes) -> dict[str, Any]:
    """multipart/form-data fields: text as ``str``, files as :class:`Upload` (under the
    field that names them with ``attach://``, if one does)."""
    head = b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n"
    message = email.message_from_bytes(head + body, policy=email.policy.HTTP)
    assert isinstance(message, EmailMessage)
    assert message.is_multipart(), f"not a multipart body: {ctype}"
    data: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        assert isinstance(name, str), "a form field without a name"
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        filename = part.get_filename()
        if filename is None:  # a plain field (chat_id, caption, reply_markup ...)
            data[name] = payload.decode(part.get_content_charset() or "utf-8")
        else:
            data[name] = Upload(filename, part.get_content_type(), payload)
    # A field may name its file's part instead ("document": "attach://<part>", aiogram).
    for name, value in list(data.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            data[name] = data.pop(value.removeprefix("attach://"))
    return data


def _body(handler: BaseHTTPRequestHandler) -> bytes:
    """The request body, by Content-Length or chunked (aiohttp sends uploads chunked)."""
    if "chunked" not in handler.headers.get("Transfer-Encoding", "").lower():
        length = int(handler.headers.get("Content-Length") or 0)
        return handler.rfile.read(length) if length else b""
    chunks: list[bytes] = []
    while True:
        size = int(handler.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        chunks.append(handler.rfile.read(size))
        handler.rfile.readline()  # the CRLF after the chunk


def _params(handler: BaseHTTPRequestHandler) -> dict[str, Any]:
    raw = _body(handler)
    ctype = handler.headers.get("Content-Type", "")
    data: dict[str, Any]
    if "json" in ctype:
        data = json.loads(raw.decode("utf-8") or "{}")
    elif ctype.startswith("multipart/form-data"):
        data = _multipart(ctype, raw)
    else:
        body = raw.decode("utf-8")
        data = {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}
    for key in JSON_FIELDS:
        if isinstance(data.get(key), str):
            data[key] = json.loads(data[key])
    return data


@contextmanager
def running(api: FakeBotApi | None = None) -> Iterator[FakeBotApi]:
    """Serve ``api`` on 127.0.0.1 and a free port for the duration of the block."""
    fake = api or FakeBotApi()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            prefix = f"/bot{fake.token}/"
            if not self.path.startswith(prefix):
                self._send(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            status, payload = fake.handle(self.path[len(prefix) :], _params(self))
            self._send(status, payload)

        do_GET = do_POST

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            body = json.dumps(payload).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                return  # the client gave up on a long poll while stopping

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}/bot"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# ---------------------------------------------------------------------- update builders

_MESSAGE_IDS = iter(range(1, 1_000_000))


def _user(chat_id: int, language_code: str | None) -> dict[str, Any]:
    user: dict[str, Any] = {"id": chat_id, "is_bot": False, "first_name": "Test"}
    if language_code:
        user["language_code"] = language_code
    return user


def _message(chat_id: int, text: str, language_code: str | None) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": next(_MESSAGE_IDS),
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private"},
        "from": _user(chat_id, language_code),
        "text": text,
    }
    if text.startswith("/"):
        length = len(text.split(" ", 1)[0])
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return message


def text_update(chat_id: int, text: str, language_code: str | None = None) -> dict[str, Any]:
    """A private-chat text message (commands get their bot_command entity)."""
    return {"message": _message(chat_id, text, language_code)}


def edited_update(chat_id: int, text: str) -> dict[str, Any]:
    """An ``edited_message`` update: a user edited an earlier message."""
    message = _message(chat_id, text, None)
    message["edit_date"] = message["date"]
    return {"edited_message": message}


def button_update(
    chat_id: int, data: str, message_id: int = 1, language_code: str | None = None
) -> dict[str, Any]:
    """A press of an inline button with ``callback_data`` on message ``message_id``."""
    return {
        "callback_query": {
            "id": f"cb{next(_MESSAGE_IDS)}",
            "from": _user(chat_id, language_code),
            "chat_instance": f"ci{chat_id}",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "text": "an earlier question",
            },
        }
    }
