"""What the web app tells its operator: a request id, an access line and the HTTP
metrics per request, and the token-guarded ``/metrics`` route.

Requests are labelled by the matched route's template (``/api/v1/sessions/{session_id}``),
never by the path: a path holds a session id, which is a bearer token, and any client
can make up paths, which would make a new metric series each. An unmatched request is
``unmatched``; the Telegram webhook is ``telegram_webhook`` (operators sometimes put
the bot's token in that path).
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Final

import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot import metrics
from bot.logs import (
    REQUEST_ID_HEADER,
    log_access,
    request_id_from,
    reset_request_id,
    set_request_id,
)

UNMATCHED: Final = "unmatched"
WEBHOOK_ROUTE: Final = "telegram_webhook"
_HEADER: Final = REQUEST_ID_HEADER.lower().encode("latin-1")


def route_label(scope: Scope) -> str:
    """The matched route's template (set by Starlette's router), from the app's fixed
    set of routes."""
    route = scope.get("route")
    if route is None:
        return UNMATCHED
    if getattr(route, "name", None) == WEBHOOK_ROUTE:
        return WEBHOOK_ROUTE
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


class Observe:
    """ASGI middleware, outermost: binds the request id (the client's ``X-Request-ID``
    when it is safe, else a new one) for every log line of the request, echoes it in the
    response, and at the end counts the request and writes its access line.

    An exception that escapes the app is counted (a 500, by type) and re-raised for
    Starlette's error handler, which runs outside this middleware: the request id stays
    bound, so that handler's log line and response carry it too (uvicorn runs each
    request in its own task, so it goes no further)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == _HEADER), None)
        request_id = request_id_from(given.decode("latin-1") if given is not None else None)
        token = set_request_id(request_id)
        start = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            metrics.count_exception(exc)
            _finish(scope, status or 500, start)
            raise
        _finish(scope, status, start)
        reset_request_id(token)


def _finish(scope: Scope, status: int, start: float) -> None:
    seconds = time.perf_counter() - start
    method = metrics.http_method(str(scope.get("method", "")))
    route = route_label(scope)
    metrics.count_request(method, route, status, seconds)
    log_access(method, route, status, seconds * 1000)


def metrics_endpoint(token: str) -> Callable[[Request], Awaitable[Response]]:
    """``GET /metrics`` with ``Authorization: Bearer <token>`` (compared in constant
    time); 401 otherwise. Only routed when a token is configured (else 404)."""

    async def endpoint(request: Request) -> Response:
        if not metrics.token_ok(request.headers.get("authorization"), token):
            return JSONResponse(
                {"error": "a bearer token is required"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer", "Cache-Control": "no-store"},
            )
        body, content_type = metrics.exposition(request.headers.get("accept", ""))
        return Response(body, headers={"Content-Type": content_type, "Cache-Control": "no-store"})

    return endpoint


def metrics_app() -> Starlette:
    """The separate metrics listener (``serve --metrics-port``): ``GET /metrics`` and
    nothing else, no token: bind it where only the scraper reaches it (127.0.0.1 by
    default). Its requests are not counted, so scraping does not move what it reads."""

    async def endpoint(request: Request) -> Response:
        body, content_type = metrics.exposition(request.headers.get("accept", ""))
        return Response(body, headers={"Content-Type": content_type, "Cache-Control": "no-store"})

    async def not_found(request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": "not found"}, status_code=404)

    return Starlette(
        routes=[Route("/metrics", endpoint, methods=["GET"])],
        exception_handlers={404: not_found, 405: not_found},
    )


class _Listener(uvicorn.Server):
    """uvicorn for the metrics listener: the main server owns the signals."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_metrics(sock: socket.socket) -> None:
    """Serve :func:`metrics_app` on ``sock`` until cancelled; then stop as uvicorn does
    (close the listener, finish the scrape under way)."""
    server = _Listener(
        uvicorn.Config(metrics_app(), log_level="warning", lifespan="off", server_header=False)
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        server.should_exit = True
        await task
        raise
