"""Provides the OpenAPI description of the sync endpoints (served at /sync/v1/openapi.json)."""

from __future__ import annotations

from typing import Any

from crm_tui.sync import protocol as p

_ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
}
_OP = {
    "type": "object",
    "required": ["op_id", "site_id", "hlc", "entity", "entity_id", "kind", "payload"],
    "properties": {
        "op_id": {"type": "string", "pattern": "^[0-9A-HJKMNP-TV-Z]{26}$"},
        "site_id": {"type": "string", "pattern": "^[0-9A-Za-z_-]{1,64}$"},
        "hlc": {"type": "integer", "minimum": 0, "maximum": p.MAX_HLC},
        "entity": {"type": "string"},
        "entity_id": {"type": "string", "pattern": "^[0-9A-HJKMNP-TV-Z]{26}$"},
        "kind": {"type": "string", "enum": ["set", "event"]},
        "payload": {"type": "object"},
    },
}
_PULLED = {
    "allOf": [
        _OP,
        {
            "type": "object",
            "required": ["rep", "flags", "server_seq", "received_at"],
            "properties": {
                "rep": {"type": "string"},
                "flags": {"type": "array", "items": {"type": "string"}},
                "server_seq": {"type": "integer"},
                "received_at": {"type": "string"},
            },
        },
    ]
}


def _errors(*codes: int) -> dict[str, Any]:
    return {
        str(code): {
            "description": "An error",
            "content": {"application/json": {"schema": _ERROR}},
        }
        for code in codes
    }


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def spec() -> dict[str, Any]:
    """The OpenAPI 3.0 document of the protocol."""
    bearer: list[dict[str, list[str]]] = [{"device": []}]
    version = {
        "name": p.PROTOCOL_HEADER,
        "in": "header",
        "required": False,
        "schema": {"type": "string"},
        "description": "The protocol version the client speaks; another one gets 426.",
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "crm team server", "version": str(p.PROTOCOL_VERSION)},
        "components": {"securitySchemes": {"device": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            f"{p.PREFIX}/enrol": {
                "post": {
                    "summary": "Turn a one-time enrolment code into a device token",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["code", "site_id"],
                                    "properties": {
                                        "code": {"type": "string"},
                                        "site_id": {"type": "string"},
                                        "label": {"type": "string"},
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["token", "device_id", "rep", "role"],
                                "properties": {
                                    "token": {"type": "string"},
                                    "device_id": {"type": "string"},
                                    "rep": {"type": "string"},
                                    "role": {"type": "string", "enum": ["rep", "manager"]},
                                },
                            },
                            "The device's token (shown once)",
                        ),
                        **_errors(400, 403, 413),
                    },
                }
            },
            f"{p.PREFIX}/me": {
                "get": {
                    "summary": "Who this device is, the team, and the server's clock",
                    "security": bearer,
                    "parameters": [version],
                    "responses": {
                        "200": _json({"type": "object"}, "The device's rep and role"),
                        **_errors(401, 426),
                    },
                }
            },
            f"{p.PREFIX}/push": {
                "post": {
                    "summary": "Send ops; each is ok, dup or rejected with a reason",
                    "security": bearer,
                    "parameters": [version],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["ops"],
                                    "properties": {"ops": {"type": "array", "items": _OP}},
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": _json({"type": "object"}, "One result per op, in order"),
                        **_errors(400, 401, 413, 426),
                    },
                }
            },
            f"{p.PREFIX}/pull": {
                "get": {
                    "summary": "Ops after a cursor, in the server's commit order",
                    "security": bearer,
                    "parameters": [
                        version,
                        {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 5000},
                        },
                    ],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["ops", "cursor", "more"],
                                "properties": {
                                    "ops": {"type": "array", "items": _PULLED},
                                    "cursor": {"type": "string"},
                                    "more": {"type": "boolean"},
                                },
                            },
                            "A page of ops",
                        ),
                        **_errors(400, 401, 409, 426),
                    },
                }
            },
            f"{p.PREFIX}/health": {
                "get": {
                    "summary": "Whether the server is up",
                    "responses": {"200": _json({"type": "object"}, "Up")},
                }
            },
        },
    }
