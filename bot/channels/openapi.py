"""The OpenAPI 3.1 description of the web API v1 (served at ``/openapi.json``)."""

from __future__ import annotations

from typing import Any

from bot.i18n import LOCALES
from bot.models import COMMANDS, Reply

API_VERSION = 1


def openapi(session_id_pattern: str) -> dict[str, Any]:
    """The OpenAPI 3.1 description of the v1 API (schemas from the pydantic models)."""
    from bot.assess import AssessRequest, AssessResponse  # noqa: PLC0415

    reply = {"$ref": "#/components/schemas/Reply"}
    error = {
        "description": "error",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }

    # Over the per-client request rate, or (the FAQ search and typed text) over the
    # per-client budget of characters searched.
    limited = {
        **error,
        "description": "too many requests",
        "headers": {
            "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}
        },
    }

    def ok(schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
        return {
            status: {"description": "ok", "content": {"application/json": {"schema": schema}}},
            "429": limited,
            "4XX": error,
        }

    def document(media: str) -> dict[str, Any]:
        """A take-away document of a session's verdict: 409 before the verdict."""
        return {
            "200": {"description": "ok", "content": {media: {"schema": {"type": "string"}}}},
            "404": {**error, "description": "unknown session"},
            "409": {**error, "description": "no verdict (or no date ahead) yet"},
            "429": limited,
            "4XX": error,
        }

    session_id = {
        "name": "session_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": session_id_pattern},
    }
    event = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "text": {"type": "string"},
            "choice": {"type": "string"},
            "command": {"enum": list(COMMANDS)},
            "arg": {"type": "string"},
        },
    }
    schemas: dict[str, Any] = {
        "Reply": Reply.model_json_schema(ref_template="#/components/schemas/{model}"),
        "AssessRequest": AssessRequest.model_json_schema(
            ref_template="#/components/schemas/{model}"
        ),
        "AssessResponse": AssessResponse.model_json_schema(
            ref_template="#/components/schemas/{model}"
        ),
        "Error": {"type": "object", "properties": {"error": {"type": "string"}}},
    }
    for name in ("Reply", "AssessRequest", "AssessResponse"):
        schemas.update(schemas[name].pop("$defs", {}))
    return {
        "openapi": "3.1.0",
        "info": {"title": "Zairyu Guide web API", "version": str(API_VERSION)},
        "paths": {
            "/api/v1/sessions": {
                "post": {
                    "summary": "Start a conversation",
                    "requestBody": {
                        "required": False,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "lang": {"enum": list(LOCALES)},
                                        "partner": {"type": "string"},
                                    },
                                }
                            }
                        },
                    },
                    "responses": ok(
                        {
                            "type": "object",
                            "properties": {"session_id": {"type": "string"}, "reply": reply},
                        },
                        "201",
                    ),
                }
            },
            "/api/v1/sessions/{session_id}": {
                "parameters": [session_id],
                "get": {"summary": "The current step again", "responses": ok(reply)},
                "delete": {
                    "summary": "Forget the conversation",
                    "responses": {"204": {"description": "deleted"}},
                },
            },
            "/api/v1/sessions/{session_id}/events": {
                "parameters": [session_id],
                "post": {
                    "summary": "Send an answer, a button press or a command",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": event}},
                    },
                    "responses": ok(reply),
                },
            },
            "/api/v1/sessions/{session_id}/calendar.ics": {
                "parameters": [session_id],
                "get": {
                    "summary": "The verdict's dates still ahead as all-day events (iCalendar)",
                    "responses": document("text/calendar"),
                },
            },
            "/api/v1/sessions/{session_id}/checklist.html": {
                "parameters": [session_id],
                "get": {
                    "summary": "The verdict as a printable checklist page",
                    "responses": document("text/html"),
                },
            },
            "/api/v1/config": {
                "get": {
                    "summary": "Widget settings and its translated words",
                    "parameters": [
                        {"name": "partner", "in": "query", "schema": {"type": "string"}},
                        {"name": "lang", "in": "query", "schema": {"enum": list(LOCALES)}},
                    ],
                    "responses": ok({"type": "object"}),
                }
            },
            "/api/v1/assess": {
                "post": {
                    "summary": "Assess one case (the assess contract v1)",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/AssessRequest"}
                            }
                        },
                    },
                    "responses": ok({"$ref": "#/components/schemas/AssessResponse"}),
                }
            },
            "/api/v1/faq": {
                "get": {
                    "summary": "Search the FAQ (the faq --json shape v1)",
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        {"name": "lang", "in": "query", "schema": {"enum": list(LOCALES)}},
                    ],
                    "responses": ok({"type": "object"}),
                }
            },
        },
        "components": {"schemas": schemas},
    }
