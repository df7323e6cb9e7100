"""The project's HTTP server (Starlette): health check and the Telegram webhook.

One ASGI app, served by uvicorn from ``python -m bot serve``. The Telegram webhook
route checks the ``X-Telegram-Bot-Api-Secret-Token`` header against the configured
secret before it reads the body, limits the body size, and hands the update to the
bot's queue; errors are short JSON, never a stack trace.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram updates are small; anything near this is not one.
MAX_UPDATE_BYTES = 1_000_000


@dataclass(frozen=True, slots=True)
class TelegramWebhook:
    """Where Telegram posts updates, the secret it must send, and who takes them."""

    path: str
    secret: str
    on_update: Callable[[dict[str, Any]], Awaitable[None]]


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def healthz(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def _webhook_endpoint(hook: TelegramWebhook) -> Callable[[Request], Awaitable[JSONResponse]]:
    expected = hook.secret.encode("utf-8")

    async def endpoint(request: Request) -> JSONResponse:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
        if not hmac.compare_digest(given, expected):
            return _error(403, "wrong or missing secret token")
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_UPDATE_BYTES):
            return _error(413, "update too large")
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_UPDATE_BYTES:
                return _error(413, "update too large")
        try:
            update = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _error(400, "the body is not JSON")
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            return _error(400, "not a Telegram update")
        try:
            await hook.on_update(update)
        except Exception:  # a boundary: a malformed update must not become a 500 with a trace
            log.warning("rejected a webhook update that could not be read", exc_info=True)
            return _error(400, "not a Telegram update")
        return JSONResponse({"ok": True})

    return endpoint


def create_app(*, telegram: TelegramWebhook | None = None) -> Starlette:
    """The ASGI app: ``/healthz``, and the Telegram webhook when one is configured."""
    routes = [Route("/healthz", healthz, methods=["GET"])]
    if telegram is not None:
        routes.append(Route(telegram.path, _webhook_endpoint(telegram), methods=["POST"]))
    return Starlette(routes=routes)
