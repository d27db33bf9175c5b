"""Provides the team server's HTTP API (Starlette, served by uvicorn): enrol, push, pull, me.

Every request under the sync path is checked the same way before routing, whatever form its
path takes (trailing or double slashes, percent-encoding, case): protocol version, size, and a
device's bearer token. Errors are JSON with a code and a message; bad input is never a 500.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from typing import Any
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from crm_tui.errors import CrmError, NotFound
from crm_tui.sync import protocol as p
from crm_tui.sync.server import accounts, replication
from crm_tui.sync.server.db import Database
from crm_tui.sync.server.openapi import spec
from crm_tui.sync.server.tail import Tail

OPEN = {f"{p.PREFIX}/openapi.json", f"{p.PREFIX}/health"}
"""Paths anyone may read, whatever they speak."""
PUBLIC = {f"{p.PREFIX}/enrol"}
"""Paths that need the protocol but no token."""
MAX_BODY = 16 * 1024 * 1024
MAX_BATCH = 5000
MAX_PAGE = 5000
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class Settings:
    """How the server admits ops."""

    def __init__(self, clock_margin_s: int = 300) -> None:
        self.clock_margin_ms = clock_margin_s * 1000


def error(status: int, code: str, message: str) -> JSONResponse:
    """An error as the protocol sends it."""
    return JSONResponse({"error": code, "message": message}, status_code=status)


def normal_path(raw: str) -> str:
    """One form for every spelling of a path: decoded, single slashes, no trailing slash, lower."""
    path = unquote(raw)
    while "//" in path:
        path = path.replace("//", "/")
    return (path.rstrip("/") or "/").lower()


class Gate:
    """ASGI middleware: normalises the path, then checks version, size and token."""

    def __init__(self, app: ASGIApp, db: Database) -> None:
        self.app = app
        self.db = db

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = normal_path(scope.get("path", "/"))
        scope = {**scope, "path": path, "raw_path": path.encode()}
        refusal = await self._check(scope, path)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _check(self, scope: Scope, path: str) -> Response | None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if path != p.PREFIX and not path.startswith(p.PREFIX + "/"):
            return error(404, "not_found", "No such endpoint; the API lives under /sync/v1.")
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return error(413, "too_large", f"Requests are limited to {MAX_BODY} bytes.")
        if path in OPEN:
            return None
        # A client that says it speaks another version is told to upgrade, enrolment included.
        version = headers.get(p.PROTOCOL_HEADER.lower())
        if version is not None and version != str(p.PROTOCOL_VERSION):
            return error(
                426, "upgrade_required", "This server speaks another protocol; upgrade crm."
            )
        if path in PUBLIC:
            return None
        scheme, _, token = headers.get("authorization", "").partition(" ")
        device = None
        if scheme.lower() == "bearer":
            device = await _run(accounts.authenticate, self.db, token.strip())
        if device is None:
            return error(401, "unauthorised", "Log in again with `crm login URL CODE`.")
        scope.setdefault("state", {})["device"] = device
        return None


async def _json(request: Request) -> Any:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise _Refused(error(413, "too_large", f"Requests are limited to {MAX_BODY} bytes."))
    try:
        data = json.loads(body)
        if _SURROGATE_ESCAPE.search(body):
            # JSON may escape half of a surrogate pair alone; such text cannot be stored.
            json.dumps(data, ensure_ascii=False).encode()
    except (ValueError, UnicodeError, RecursionError):
        raise _Refused(error(400, "bad_json", "The body is not JSON (in UTF-8).")) from None
    return data


class _Refused(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def make_app(db: Database, settings: Settings | None = None) -> ASGIApp:
    """The ASGI application over one server store."""
    settings = settings or Settings()
    db.create_schema()
    tail = Tail()  # the newest ops, kept for the pulls of reps who keep up

    async def enrol(request: Request) -> Response:
        data = await _json(request)
        if not isinstance(data, dict) or not isinstance(data.get("code"), str):
            return error(400, "bad_request", 'Send {"code": …, "site_id": …}.')
        site = data.get("site_id")
        if not p.valid_site(site):
            return error(400, "bad_request", "site_id must be 1-64 letters, digits, - or _.")
        label = data.get("label") if isinstance(data.get("label"), str) else None
        if label is not None and (len(label) > 200 or not label.isprintable()):
            return error(400, "bad_request", "label must be up to 200 printable characters.")
        try:
            token, device = await _run(accounts.redeem, db, data["code"], site, label)
        except NotFound as refused:
            return error(403, "bad_code", str(refused))
        return JSONResponse(
            {"token": token, "device_id": device.device_id, "rep": device.rep, "role": device.role}
        )

    async def me(request: Request) -> Response:
        device = request.scope["state"]["device"]
        team = await _run(accounts.rep_names, db)
        await _run(accounts.seen, db, device.device_id)
        return JSONResponse(
            {
                "rep": device.rep,
                "role": device.role,
                "device_id": device.device_id,
                "team": sorted(team),
                "server_time_ms": time.time_ns() // 1_000_000,
                "clock_margin_ms": settings.clock_margin_ms,
                "cursor": await _run(replication.latest_cursor, db),
            }
        )

    async def push(request: Request) -> Response:
        data = await _json(request)
        ops = data.get("ops") if isinstance(data, dict) else None
        if not isinstance(ops, list):
            return error(400, "bad_request", 'Send {"ops": [...]}.')
        if len(ops) > MAX_BATCH:
            return error(413, "too_large", f"Push at most {MAX_BATCH} ops at a time.")
        now = time.time_ns() // 1_000_000
        results = await _run(
            replication.push,
            db,
            request.scope["state"]["device"],
            ops,
            now,
            settings.clock_margin_ms,
            tail,
        )
        return JSONResponse({"results": [r.to_wire() for r in results], "server_time_ms": now})

    async def pull(request: Request) -> Response:
        cursor = request.query_params.get("cursor") or None
        try:
            limit = int(request.query_params.get("limit", "1000"))
        except ValueError:
            return error(400, "bad_request", "limit must be a whole number.")
        if not 1 <= limit <= MAX_PAGE:
            return error(400, "bad_request", f"limit must be between 1 and {MAX_PAGE}.")
        try:
            page = await _run(replication.pull, db, cursor, limit, tail)
        except ValueError as refused:
            return error(409, "bad_cursor", str(refused))
        end = (
            f', "cursor": {json.dumps(page.cursor)}, "more": {json.dumps(page.more)}, '
            f'"server_time_ms": {time.time_ns() // 1_000_000}}}'
        )
        body = b"".join((b'{"ops": ', page.ops_json, end.encode()))
        return Response(body, media_type="application/json")

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True, "protocol": p.PROTOCOL_VERSION})

    async def openapi(request: Request) -> Response:
        return JSONResponse(spec())

    app = Starlette(
        routes=[
            Route(f"{p.PREFIX}/enrol", enrol, methods=["POST"]),
            Route(f"{p.PREFIX}/me", me, methods=["GET"]),
            Route(f"{p.PREFIX}/push", push, methods=["POST"]),
            Route(f"{p.PREFIX}/pull", pull, methods=["GET"]),
            Route(f"{p.PREFIX}/health", health, methods=["GET"]),
            Route(f"{p.PREFIX}/openapi.json", openapi, methods=["GET"]),
        ],
        exception_handlers={
            _Refused: _refused,
            CrmError: _crm_error,
            sqlite3.OperationalError: _busy,
            404: _not_found,
            405: _not_allowed,
        },
    )
    return Gate(app, db)


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, _Refused)
    return exc.response


async def _not_found(request: Request, exc: Exception) -> Response:
    return error(404, "not_found", "No such endpoint; see /sync/v1/openapi.json.")


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return error(405, "method_not_allowed", "That endpoint does not take this method.")


async def _busy(request: Request, exc: Exception) -> Response:
    # SQLite stayed locked past its busy timeout: a retryable refusal, not a crash. Any other
    # operational error is a fault of the server and stays one.
    if "locked" not in str(exc) and "busy" not in str(exc):
        raise exc
    return error(503, "busy", "The server is busy; sync again in a moment.")


async def _crm_error(request: Request, exc: Exception) -> Response:
    return error(503, "store", str(exc))


async def _run(function: Any, *args: Any) -> Any:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(function, *args)
