"""The project's HTTP server (Starlette): the web API v1, the widget, the demo page,
the health check and the Telegram webhook.

One ASGI app, served by uvicorn from ``python -m bot serve``. The contract is in
``docs/web-api.md``. The API only translates: an event becomes an
:class:`~bot.models.Incoming` for the engine, the reply goes back in the core's reply
shape. Around every API call: the origin check (the partners file and the configured
public origin, never the Host header), a per-client rate limit (429 with Retry-After), a
body limit (413), a strict media type (415), bounded JSON (400: nesting and numbers,
by :func:`bot.json_input.decode_json`), and JSON errors that never
carry a trace. Every response says ``nosniff`` and, for the API, ``no-store``. The FAQ
search, the one costly thing a request can ask for, runs in worker threads against a
per-client budget of characters searched. The defences themselves are in
:mod:`bot.channels.web_guards`. Pages carry a CSP without ``unsafe-inline``.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import secrets
import tomllib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Final, TypeVar
from urllib.parse import parse_qsl

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot import metrics, models
from bot.calendar_file import FILENAME as CALENDAR_FILENAME
from bot.calendar_file import MEDIA_TYPE as CALENDAR_MEDIA_TYPE
from bot.calendar_file import calendar_bytes
from bot.channels.observe import WEBHOOK_ROUTE, Observe, metrics_endpoint, route_label
from bot.channels.openapi import API_VERSION, openapi
from bot.channels.web_guards import (
    DEFAULT_MAX_CLIENTS,
    Busy,
    ClientGone,
    SecurityHeaders,
    WorkerPool,
    is_json_media_type,
    limiter_for,
    read_body,
    retry_after,
    sightings_for,
)
from bot.checklist_page import STYLE_CSP, checklist_page
from bot.engine import Engine, UnknownSession
from bot.faq.search import MAX_QUERY
from bot.i18n import LOCALE_NAMES, LOCALES, normalize_locale, translator
from bot.i18n_marker import N_
from bot.json_input import JSONInputError, decode_json
from bot.logs import REQUEST_ID_HEADER, current_request_id
from bot.models import COMMANDS, Event, Reply, reply_to_json
from bot.staff.console import Console, StaffRequest, console_for
from bot.storage import SharedLimits

log = logging.getLogger(__name__)
T = TypeVar("T")

SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
# Telegram updates are small; anything near this is not one.
MAX_UPDATE_BYTES: Final = 1_000_000
# An API event is a few hundred bytes; the engine reads at most 500 characters of text.
MAX_BODY_BYTES: Final = 16_384
SESSION_ID: Final = re.compile(r"^[A-Za-z0-9_-]{43}$")
KEY_PREFIX: Final = "web:"
STATIC: Final = Path(__file__).resolve().parent / "static"
DEFAULT_ACCENT: Final = "#1f5fae"
COLOUR: Final = re.compile(r"^#[0-9a-fA-F]{6}$")
ORIGIN: Final = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
PARTNER_CODE: Final = re.compile(models.PARTNER_CODE)
PAGE_CSP: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}"
)

# The widget's own words (the bot's words come in its replies).
UI_STRINGS: Final[dict[str, str]] = {
    "title": N_("Zairyu Guide: online residence applications"),
    "open": N_("Open the residence application guide"),
    "close": N_("Close the guide"),
    "send": N_("Send"),
    "placeholder": N_("Type an answer or a question"),
    "date_label": N_("Expiry date of your period of stay"),
    "date_submit": N_("Use this date"),
    "language": N_("Language"),
    "restart": N_("Start over"),
    "forget": N_("Delete my data"),
    "forget_confirm": N_("Delete everything stored about this conversation?"),
    "forgotten": N_("Deleted. Send a message to start again."),
    "error": N_("Sorry, the guide could not be reached. Please try again."),
    "retry": N_("Try again"),
    "new_messages": N_("New messages from the guide"),
    # The verdict card (added in 0.5): the symbol's text alternative per outcome, the
    # headings, the markers beside a date, and the card's own controls.
    "card_icon_online_now": N_("Yes"),
    "card_icon_not_yet": N_("Not yet"),
    "card_icon_not_online": N_("No"),
    "card_dates": N_("Key dates"),
    "card_reasons": N_("Why"),
    "card_today": N_("today"),
    "card_passed": N_("passed"),
    "card_checklist_hint": N_("Your ticks are kept in this browser only."),
    "card_calendar": N_("Add to calendar"),
    "card_print": N_("Print / save as PDF"),
    "card_more": N_("More details"),
}


class PartnersError(ValueError):
    """The partners file is missing fields or has invalid values."""


@dataclass(frozen=True, slots=True)
class Partner:
    """A site that embeds the widget: where it may call from, and how it looks."""

    code: str
    origins: tuple[str, ...] = ()
    default_lang: str | None = None
    accent: str = DEFAULT_ACCENT
    frame_ancestors: tuple[str, ...] = ()


def load_partners(path: str | Path) -> dict[str, Partner]:
    """Read ``[partners.<code>]`` tables (origins, default_lang, accent, frame_ancestors)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        msg = f"cannot read the partners file {path}: {exc}"
        raise PartnersError(msg) from exc
    partners: dict[str, Partner] = {}
    for code, raw in (data.get("partners") or {}).items():
        partners[code] = _partner(code, raw, path)
    return partners


def _partner(code: str, raw: Any, path: str | Path) -> Partner:
    where = f"{path}: partners.{code}"
    if not PARTNER_CODE.match(code) or not isinstance(raw, dict):
        msg = f"{where}: a partner code is 1-40 of A-Za-z0-9- and holds a table"
        raise PartnersError(msg)
    unknown = set(raw) - {"origins", "default_lang", "accent", "frame_ancestors"}
    if unknown:
        msg = f"{where}: unknown keys {sorted(unknown)}"
        raise PartnersError(msg)
    origins = tuple(raw.get("origins", ()))
    ancestors = tuple(raw.get("frame_ancestors", ()))
    for origin in (*origins, *ancestors):
        if not isinstance(origin, str) or not ORIGIN.match(origin):
            msg = f"{where}: {origin!r} is not an origin like https://example.org"
            raise PartnersError(msg)
    lang = raw.get("default_lang")
    if lang is not None and lang not in LOCALES:
        msg = f"{where}: default_lang {lang!r} is not one of {', '.join(LOCALES)}"
        raise PartnersError(msg)
    accent = raw.get("accent", DEFAULT_ACCENT)
    if not isinstance(accent, str) or not COLOUR.match(accent):
        msg = f"{where}: accent {accent!r} is not a colour like #1f5fae"
        raise PartnersError(msg)
    return Partner(code, origins, lang, accent, ancestors)


@dataclass(frozen=True, slots=True)
class TelegramWebhook:
    """Where Telegram posts updates, the secret it must send, and who takes them."""

    path: str
    secret: str
    on_update: Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class WebConfig:
    """The web side's settings (``serve`` fills them from its options). Every limit has
    a default safe for the open internet; 0 turns a rate limit off (tests)."""

    partners: dict[str, Partner] = field(default_factory=dict)
    # The server's own origin (``https://guide.example.org``): pages it serves may call the
    # API. None: only partner origins (and requests without Origin) are allowed. Never
    # taken from the Host header, which the client chooses (DNS rebinding).
    public_origin: str | None = None
    # Per client address: a bucket of ``burst`` requests refilled at ``per_minute``.
    per_minute: int = 120
    burst: int = 30
    # Most rate-limit buckets kept (least recently seen dropped first), per limiter.
    max_clients: int = DEFAULT_MAX_CLIENTS
    # The FAQ search budget per client, in characters searched (a question costs its
    # length, at most bot.faq.search.MAX_QUERY): the worst question costs ~1 ms a
    # character, so the defaults let one client use about 2.5% of a core.
    faq_chars_per_minute: int = 1_500
    faq_chars_burst: int = 900
    # Threads that run FAQ searches, and the most searches waiting or running at once.
    faq_workers: int = 2
    faq_max_pending: int = 16
    # The Telegram webhook: per sending address, and how many update_ids are remembered
    # to drop replays.
    webhook_per_minute: int = 1_200
    webhook_burst: int = 200
    webhook_recent_updates: int = 10_000
    # Where the rate limits and the webhook's update ids live when several processes
    # serve one store (``serve --workers N``, or a PostgreSQL store): None keeps them in
    # this process's memory (one process on SQLite: no I/O per request).
    shared: SharedLimits | None = None
    # ``ZAIRYU_METRICS_TOKEN``: ``/metrics`` on this app with this bearer token; None:
    # no such route (404).
    metrics_token: str | None = None


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


NO_STORE: Final = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


def _error(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        {"error": message}, status_code=status, headers={**NO_STORE, **(headers or {})}
    )


def _gone() -> Response:
    """The answer to a client that hung up mid-upload: nobody reads it, nothing is logged."""
    return Response(status_code=400, headers=NO_STORE)


def _client(request: Request) -> str:
    return request.client.host if request.client else "-"


def _normalize_origin(origin: str | None) -> str | None:
    return origin.strip().rstrip("/").lower() or None if origin else None


async def healthz(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


# --------------------------------------------------------------------------- the API


class WebApi:
    """The API endpoints over one engine."""

    def __init__(self, engine: Engine, config: WebConfig) -> None:
        self.engine = engine
        self.config = config
        self.limiter = limiter_for(
            config.shared, "api", config.per_minute, config.burst, max_clients=config.max_clients
        )
        self.faq_budget = limiter_for(
            config.shared,
            "faq",
            config.faq_chars_per_minute,
            config.faq_chars_burst,
            max_clients=config.max_clients,
        )
        self.workers = WorkerPool(config.faq_workers, config.faq_max_pending)
        self.allowed = {o for p in config.partners.values() for o in p.origins}
        self.own_origin = _normalize_origin(config.public_origin)
        self.ancestors = frame_ancestors(config)

    # -- plumbing

    def _origin_ok(self, request: Request) -> str | None:
        """The request's Origin if allowed (None when it sent none); 403 otherwise. The own
        origin is the configured public origin: a Host header proves nothing."""
        origin = request.headers.get("origin")
        if origin is None:
            return None
        if origin in self.allowed or (
            self.own_origin is not None and _normalize_origin(origin) == self.own_origin
        ):
            return origin
        raise ApiError(403, "this origin may not use the API")

    def guard(
        self, handler: Callable[[Request], Awaitable[Response]]
    ) -> Callable[[Request], Awaitable[Response]]:
        """Origin check, rate limit and error mapping around an API endpoint."""

        async def endpoint(request: Request) -> Response:
            origin: str | None = None
            try:
                origin = self._origin_ok(request)
                wait = await self.limiter.take(_client(request))
                if wait > 0:
                    metrics.count_rate_limited("api")
                    raise ApiError(429, "too many requests", retry_after(wait))
                response = await handler(request)
            except ApiError as exc:
                response = _error(exc.status, exc.message, exc.headers)
            except ClientGone:
                return _gone()
            if origin is not None:
                response.headers["Access-Control-Allow-Origin"] = origin
                response.headers["Access-Control-Expose-Headers"] = "Retry-After"
                response.headers["Vary"] = "Origin"
            return response

        return endpoint

    async def preflight(self, request: Request) -> Response:
        try:
            origin = self._origin_ok(request)
        except ApiError as exc:
            return _error(exc.status, exc.message)
        headers = {
            "Access-Control-Allow-Methods": "GET, POST, DELETE",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": "600",
            "Vary": "Origin",
        }
        if origin is not None:
            headers["Access-Control-Allow-Origin"] = origin
        return Response(status_code=204, headers={**NO_STORE, **headers})

    @staticmethod
    async def _json(request: Request, *, optional: bool = False) -> dict[str, Any]:
        body = await read_body(request, MAX_BODY_BYTES)
        if body is None:
            raise ApiError(413, f"the body is over {MAX_BODY_BYTES} bytes")
        if not body.strip():
            if optional:
                return {}
            raise ApiError(400, "a JSON object is required")
        if not is_json_media_type(request.headers.get("content-type", "")):
            raise ApiError(415, "send JSON (Content-Type: application/json)")
        try:
            data = decode_json(body)
        except JSONInputError as exc:
            raise ApiError(400, f"the body is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise ApiError(400, "the body must be a JSON object")
        return data

    @staticmethod
    def _key(request: Request) -> str:
        """The session's user key (404 for an id that cannot be one)."""
        session_id = str(request.path_params["session_id"])
        if not SESSION_ID.match(session_id):
            raise ApiError(404, "unknown session")
        return KEY_PREFIX + session_id

    @staticmethod
    def _reply(reply: Reply, status: int = 200) -> JSONResponse:
        return JSONResponse(reply_to_json(reply), status_code=status)

    async def _turn(self, call: Callable[[], T], on_loop: Callable[[], Awaitable[T]]) -> T:
        """A cheap engine call (no search): on the loop as the engine prefers
        (``on_loop``), but in a thread (``call``) while a search runs in the workers. A
        search turn holds its session's engine lock (a threading lock) for as long as
        it runs; the loop waiting on that lock would stall every client."""
        if self.workers.idle:
            return await on_loop()
        return await asyncio.to_thread(call)

    async def _search_work(self, request: Request, text: str, call: Callable[[], T]) -> T:
        """Run ``call`` (which may search the FAQ for ``text``) in a worker thread, charged
        to the client's budget by the characters searched: 429 when over it, or when
        the workers are all taken."""
        cost = max(1, min(len(text), MAX_QUERY))
        wait = await self.faq_budget.take(_client(request), cost)
        if wait > 0:
            metrics.count_rate_limited("faq_budget")
            raise ApiError(429, "too many questions, try again later", retry_after(wait))
        try:
            return await self.workers.run(call)
        except Busy:
            metrics.count_rate_limited("faq_busy")
            raise ApiError(429, "the search is busy, try again", retry_after(1)) from None

    # -- endpoints

    async def create_session(self, request: Request) -> Response:
        data = await self._json(request, optional=True)
        unknown = set(data) - {"lang", "partner"}
        if unknown:
            raise ApiError(422, f"unknown fields: {', '.join(sorted(unknown))}")
        lang, partner = data.get("lang"), data.get("partner")
        if lang is not None and (not isinstance(lang, str) or lang not in LOCALES):
            raise ApiError(422, f"lang must be one of {', '.join(LOCALES)}")
        if partner is not None and not isinstance(partner, str):
            raise ApiError(422, "partner must be a string")
        if partner not in self.config.partners:
            partner = None  # an unregistered data-partner still gets the guide, unbranded
        hint = lang or _accept_language(request.headers.get("accept-language", ""))
        if hint is None and partner is not None:
            hint = self.config.partners[partner].default_lang
        session_id = secrets.token_urlsafe(32)
        event = Event(user_key=KEY_PREFIX + session_id, locale_hint=hint, partner=partner)
        reply = await self._turn(
            lambda: self.engine.handle(event), lambda: self.engine.ahandle(event)
        )
        return JSONResponse(
            {"session_id": session_id, "reply": reply_to_json(reply)}, status_code=201
        )

    async def get_session(self, request: Request) -> Response:
        key = self._key(request)
        reply = await self._turn(lambda: self.engine.resume(key), lambda: self.engine.aresume(key))
        if reply is None:
            raise ApiError(404, "unknown session")
        return self._reply(reply)

    async def post_event(self, request: Request) -> Response:
        key = self._key(request)
        data = await self._json(request)
        unknown = set(data) - {"text", "choice", "command", "arg"}
        if unknown:
            raise ApiError(422, f"unknown fields: {', '.join(sorted(unknown))}")
        if sum(data.get(k) is not None for k in ("text", "choice", "command")) != 1:
            raise ApiError(422, "send exactly one of text, choice or command")
        command = data.get("command")
        if command is not None and command not in COMMANDS:
            raise ApiError(422, f"command must be one of {', '.join(COMMANDS)}")
        try:
            event = Event.model_validate({**data, "user_key": key})
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                for e in exc.errors(include_url=False)
            )
            raise ApiError(422, problems) from None
        try:
            if event.text is not None:  # a question goes to the FAQ search: off the loop
                reply = await self._search_work(
                    request, event.text, lambda: self.engine.handle(event, create=False)
                )
            else:
                reply = await self._turn(
                    lambda: self.engine.handle(event, create=False),
                    lambda: self.engine.ahandle(event, create=False),
                )
        except UnknownSession:
            raise ApiError(404, "unknown session") from None
        return self._reply(reply)

    async def delete_session(self, request: Request) -> Response:
        session_id = str(request.path_params["session_id"])
        if SESSION_ID.match(session_id):
            key = KEY_PREFIX + session_id
            await self._turn(lambda: self.engine.forget(key), lambda: self.engine.aforget(key))
        return Response(status_code=204)

    async def config_endpoint(self, request: Request) -> Response:
        code = request.query_params.get("partner") or None
        partner = self.config.partners.get(code) if code else None
        locale = (
            normalize_locale(request.query_params.get("lang"))
            or (partner.default_lang if partner else None)
            or _accept_language(request.headers.get("accept-language", ""))
            or "en"
        )
        return JSONResponse(
            {
                "api_version": API_VERSION,
                "partner": partner.code if partner else None,
                "default_lang": partner.default_lang if partner else None,
                "accent": partner.accent if partner else DEFAULT_ACCENT,
                "locale": locale,
                "locales": [{"code": c, "name": LOCALE_NAMES[c]} for c in LOCALES],
                "ui": ui_strings(locale),
            }
        )

    async def assess_endpoint(self, request: Request) -> Response:
        from bot.assess import AssessInputError, assess, parse_request  # noqa: PLC0415

        data = await self._json(request)
        try:
            response = assess(parse_request(data), now=self.engine.clock())
        except AssessInputError as exc:
            raise ApiError(422, str(exc)) from None
        return JSONResponse(response.model_dump(mode="json"))

    async def faq_endpoint(self, request: Request) -> Response:
        from bot.faq.answer import result_json  # noqa: PLC0415
        from bot.faq.search import SearchResult, detect_locale, search  # noqa: PLC0415

        query = request.query_params.get("q", "")
        if not query.strip():
            raise ApiError(400, "the q parameter (the question) is required")
        if len(query) > 2000:
            raise ApiError(413, "the question is over 2000 characters")
        lang = request.query_params.get("lang")
        if lang is not None and lang not in LOCALES:
            raise ApiError(422, f"lang must be one of {', '.join(LOCALES)}")
        locale = lang or detect_locale(query)

        def work() -> SearchResult:
            found = search(query, locale=locale)
            if not found.answered:  # recorded (scrubbed) only with serve --record-unanswered
                self.engine.note_declined(query, locale)
            return found

        result = await self._search_work(request, query, work)
        metrics.count_faq(locale, answered=result.answered, source="search_api")
        return JSONResponse(result_json(translator(locale), result))

    async def _snapshot(self, request: Request) -> models.Session:
        key = self._key(request)
        session = await self._turn(
            lambda: self.engine.snapshot(key), lambda: self.engine.asnapshot(key)
        )
        if session is None:
            raise ApiError(404, "unknown session")
        return session

    async def calendar_endpoint(self, request: Request) -> Response:
        """The verdict's dates still ahead as an .ics file (bot.calendar_file)."""
        session = await self._snapshot(request)
        now = self.engine.clock()
        body = await asyncio.to_thread(calendar_bytes, session, now)
        if body is None:
            raise ApiError(409, "no date ahead for a calendar: no verdict yet, or its dates passed")
        return Response(
            body,
            media_type=CALENDAR_MEDIA_TYPE,
            headers={
                **NO_STORE,
                "Content-Disposition": f'attachment; filename="{CALENDAR_FILENAME}"',
            },
        )

    async def checklist_endpoint(self, request: Request) -> Response:
        """The printable checklist page (bot.checklist_page): its own <style> allowed by
        hash, no script; no referrer, since the address carries the session id."""
        session = await self._snapshot(request)
        now = self.engine.clock()
        page = await asyncio.to_thread(checklist_page, session, now)
        if page is None:
            raise ApiError(409, "no verdict yet: answer the questions first")
        return Response(
            page,
            media_type="text/html",
            headers={
                **_page_headers(self.ancestors),
                "Content-Security-Policy": STYLE_CSP.format(ancestors=self.ancestors),
                "Cache-Control": "no-store",
                "X-Robots-Tag": "noindex",
            },
        )

    def routes(self) -> list[Route]:
        g = self.guard
        return [
            Route("/api/v1/sessions", g(self.create_session), methods=["POST"]),
            Route("/api/v1/sessions/{session_id}", g(self.get_session), methods=["GET"]),
            Route("/api/v1/sessions/{session_id}", g(self.delete_session), methods=["DELETE"]),
            Route("/api/v1/sessions/{session_id}/events", g(self.post_event), methods=["POST"]),
            Route(
                "/api/v1/sessions/{session_id}/calendar.ics",
                g(self.calendar_endpoint),
                methods=["GET"],
            ),
            Route(
                "/api/v1/sessions/{session_id}/checklist.html",
                g(self.checklist_endpoint),
                methods=["GET"],
            ),
            Route("/api/v1/config", g(self.config_endpoint), methods=["GET"]),
            Route("/api/v1/assess", g(self.assess_endpoint), methods=["POST"]),
            Route("/api/v1/faq", g(self.faq_endpoint), methods=["GET"]),
            Route("/api/v1/{rest:path}", self.preflight, methods=["OPTIONS"]),
        ]


def _accept_language(header: str) -> str | None:
    """The first supported language of an Accept-Language header, by q order."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        ranked.append((-q, index, tag))
    for neg_q, _, tag in sorted(ranked):
        locale = normalize_locale(tag)
        if locale is not None and neg_q < 0:
            return locale
    return None


@cache
def ui_strings(locale: str) -> dict[str, str]:
    tr = translator(locale)
    return {key: tr.t(msgid) for key, msgid in UI_STRINGS.items()}


# --------------------------------------------------------------------------- pages


@cache
def _static(name: str) -> bytes:
    return (STATIC / name).read_bytes()


def frame_ancestors(conf: WebConfig) -> str:
    """Who may frame the pages: the site itself and the partners' listed ancestors."""
    return " ".join(
        sorted({"'self'", *(a for p in conf.partners.values() for a in p.frame_ancestors)})
    )


def _page_headers(ancestors: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": PAGE_CSP.format(ancestors=ancestors),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }


def _static_route(path: str, name: str, media: str, headers: dict[str, str]) -> Route:
    async def endpoint(_: Request) -> Response:
        try:
            body = _static(name)
        except OSError:
            return _error(404, "not found")
        return Response(body, media_type=media, headers=headers)

    return Route(path, endpoint, methods=["GET"])


# Telegram's update_id is a positive counter (32 bits today); the bound keeps each
# remembered id small.
MAX_UPDATE_ID: Final = 2**53


def _webhook_endpoint(
    hook: TelegramWebhook, conf: WebConfig
) -> Callable[[Request], Awaitable[Response]]:
    """The route Telegram posts updates to: rate-limited per sending address (before the
    secret is checked, so guessing it is slow too), the secret compared in constant time,
    the body bounded like the API's, and each update_id run once (Telegram resends an
    update it thinks was lost, and anyone holding the secret could replay one)."""
    expected = hook.secret.encode("utf-8")
    limiter = limiter_for(
        conf.shared,
        "webhook",
        conf.webhook_per_minute,
        conf.webhook_burst,
        max_clients=conf.max_clients,
    )
    recent = sightings_for(conf.shared, "telegram", conf.webhook_recent_updates)

    async def endpoint(request: Request) -> Response:
        wait = await limiter.take(_client(request))
        if wait > 0:
            metrics.count_rate_limited("webhook")
            return _error(429, "too many requests", retry_after(wait))
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
        if not hmac.compare_digest(given, expected):
            return _error(403, "wrong or missing secret token")
        try:
            body = await read_body(request, MAX_UPDATE_BYTES)
        except ClientGone:
            return _gone()
        if body is None:
            return _error(413, "update too large")
        try:
            update = decode_json(body)
        except JSONInputError as exc:
            return _error(400, f"the body is not valid JSON: {exc}")
        update_id = update.get("update_id") if isinstance(update, dict) else None
        if type(update_id) is not int or not 0 <= update_id < MAX_UPDATE_ID:
            return _error(400, "not a Telegram update")
        if not await recent.first(update_id):
            return JSONResponse({"ok": True, "duplicate": True}, headers=NO_STORE)
        try:
            await hook.on_update(update)
        except Exception as exc:  # a boundary: a malformed update is no 500 with a trace
            await recent.forget(update_id)
            log.warning("rejected a webhook update that could not be read (%s)", type(exc).__name__)
            return _error(400, "not a Telegram update")
        return JSONResponse({"ok": True}, headers=NO_STORE)

    return endpoint


async def _not_found(request: Request, exc: Exception) -> Response:
    return _error(404, "not found")


async def _method_not_allowed(request: Request, exc: Exception) -> Response:
    return _error(405, "method not allowed")


async def _server_error(request: Request, exc: Exception) -> Response:
    # The exception's type and the matched route's template, never the path: it holds a
    # session id (a bearer token), or the webhook's secret path, and a %0A in it would
    # forge log lines. The traceback (whose message may quote data) only when debugging.
    log.error(
        "unhandled %s on %s %s",
        type(exc).__name__,
        request.method,
        route_label(request.scope),
        exc_info=exc if log.isEnabledFor(logging.DEBUG) else None,
    )
    # The request id is still bound here (bot.channels.observe): echo it, as on every answer.
    request_id = current_request_id()
    return _error(500, "internal error", {REQUEST_ID_HEADER: request_id} if request_id else None)


FORM_MEDIA_TYPE: Final = "application/x-www-form-urlencoded"


def staff_routes(console: Console) -> list[Route]:
    """The staff console (bot/staff/console.py) under /staff. This only translates: the
    request's method, path, query, cookies, client address and scheme, and a bounded
    urlencoded form, go in; the console's answer comes out. The console runs in a worker
    thread (Argon2, the FAQ search and its store all block)."""

    async def endpoint(request: Request) -> Response:
        form: dict[str, str] = {}
        if request.method == "POST":
            try:
                body = await read_body(request, MAX_BODY_BYTES)
            except ClientGone:
                return _gone()
            if body is None:
                return _error(413, f"the body is over {MAX_BODY_BYTES} bytes")
            media = request.headers.get("content-type", "").partition(";")[0]
            if body and media.strip().lower() != FORM_MEDIA_TYPE:
                return _error(415, f"send a form ({FORM_MEDIA_TYPE})")
            try:
                pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
            except (UnicodeDecodeError, ValueError):
                return _error(400, "the form could not be read")
            form = dict(pairs)
        staff = StaffRequest(
            method=request.method,
            path=request.url.path,
            query=dict(request.query_params),
            form=form,
            cookies=dict(request.cookies),
            client=_client(request),
            https=request.url.scheme == "https",
        )
        out = await asyncio.to_thread(console.handle, staff)
        response = Response(
            out.body, status_code=out.status, media_type=out.media_type, headers=out.headers
        )
        for cookie in out.cookies:
            response.headers.append("Set-Cookie", cookie)
        return response

    methods = ["GET", "POST"]
    return [
        Route("/staff", endpoint, methods=methods),
        Route("/staff/{rest:path}", endpoint, methods=methods),
    ]


def create_app(
    *,
    engine: Engine | None = None,
    telegram: TelegramWebhook | None = None,
    config: WebConfig | None = None,
) -> Starlette:
    """The ASGI app: ``/healthz``; with an engine the API, widget and demo page; the
    Telegram webhook when one is configured."""
    conf = config or WebConfig()
    routes = [Route("/healthz", healthz, methods=["GET"])]
    if conf.metrics_token is not None:
        routes.append(Route("/metrics", metrics_endpoint(conf.metrics_token), methods=["GET"]))
    if engine is not None:
        api = WebApi(engine, conf)
        routes += api.routes()
        spec = openapi(SESSION_ID.pattern)

        async def openapi_endpoint(_: Request) -> JSONResponse:
            return JSONResponse(spec)

        ancestors = frame_ancestors(conf)
        asset_headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
        routes += [
            Route("/openapi.json", openapi_endpoint, methods=["GET"]),
            _static_route("/", "demo.html", "text/html", _page_headers(ancestors)),
            _static_route("/demo.css", "demo.css", "text/css", asset_headers),
            # The widget under deliberately hostile page CSS (the browser tests use it).
            _static_route("/demo/hostile", "hostile.html", "text/html", _page_headers(ancestors)),
            _static_route("/hostile.css", "hostile.css", "text/css", asset_headers),
            _static_route("/widget.js", "widget.js", "text/javascript", asset_headers),
            _static_route("/widget.css", "widget.css", "text/css", asset_headers),
        ]
        console = console_for(engine, conf.public_origin)
        if console is not None:
            routes += staff_routes(console)
    if telegram is not None:
        routes.append(
            Route(
                telegram.path,
                _webhook_endpoint(telegram, conf),
                methods=["POST"],
                name=WEBHOOK_ROUTE,
            )
        )
    app = Starlette(
        routes=routes,
        middleware=[Middleware(Observe), Middleware(SecurityHeaders)],
        exception_handlers={
            404: _not_found,
            405: _method_not_allowed,
            500: _server_error,
        },
    )
    # No 307 to the path with a slash added: such a redirect has an empty body, and every
    # answer of the API is JSON (``/api/v1`` matched the preflight route's prefix and was
    # redirected, found by the fuzz test); an unknown path is a JSON 404.
    app.router.redirect_slashes = False
    return app
