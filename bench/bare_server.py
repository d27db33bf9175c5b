"""Serves the sync benchmark's baseline: ops stored and served as they come, with no merging.

A minimal uvicorn + Starlette app over one SQLite file with the team server's pragmas (WAL,
`synchronous=FULL`): `POST /push` inserts a JSON batch of ops into a table as it is (no
validation, no admission, no dedupe, no token) in one transaction and answers one `ok` per op;
`GET /pull?after=N&limit=M` sends the rows after a sequence number; `GET /health` answers
`{"ok": true}`. Database work runs in Starlette's thread pool, as the real server's does.

Usage: .venv/bin/python bench/bare_server.py --db PATH [--host 127.0.0.1] [--port 0]
"""

from __future__ import annotations

import argparse
import json
import socket
import sqlite3
import sys
import threading
import time
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

PRAGMAS = ("journal_mode = WAL", "synchronous = FULL", "busy_timeout = 10000")
COLUMNS = ("op_id", "site_id", "hlc", "entity", "entity_id", "kind", "payload", "received_at")
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS ops (seq INTEGER PRIMARY KEY, op_id TEXT NOT NULL, "
    "site_id TEXT NOT NULL, hlc INTEGER NOT NULL, entity TEXT NOT NULL, entity_id TEXT NOT NULL, "
    "kind TEXT NOT NULL, payload TEXT NOT NULL, received_at TEXT NOT NULL)"
)


class Table:
    """The ops table, a connection per thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.local = threading.local()
        self.conn.execute(SCHEMA)

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection."""
        conn: sqlite3.Connection | None = getattr(self.local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            for pragma in PRAGMAS:
                conn.execute(f"PRAGMA {pragma}")
            self.local.conn = conn
        return conn

    def insert(self, ops: list[dict[str, Any]]) -> list[dict[str, str]]:
        """Inserts a batch in one transaction; every op is `ok`."""
        received = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        rows = [
            (
                op.get("op_id"),
                op.get("site_id"),
                op.get("hlc"),
                op.get("entity"),
                op.get("entity_id"),
                op.get("kind"),
                json.dumps(op.get("payload"), ensure_ascii=False, separators=(",", ":")),
                received,
            )
            for op in ops
        ]
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(
                f"INSERT INTO ops ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                rows,
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return [{"op_id": str(op.get("op_id")), "status": "ok"} for op in ops]

    def page(self, after: int, limit: int) -> str:
        """The rows after `after` as a JSON page, the payload sent as stored."""
        rows = self.conn.execute(
            f"SELECT seq, {', '.join(COLUMNS)} FROM ops WHERE seq > ? ORDER BY seq LIMIT ?",
            (after, limit),
        ).fetchall()
        parts = []
        for seq, op_id, site_id, hlc, entity, entity_id, kind, payload, received in rows:
            head = json.dumps(
                {
                    "seq": seq,
                    "op_id": op_id,
                    "site_id": site_id,
                    "hlc": hlc,
                    "entity": entity,
                    "entity_id": entity_id,
                    "kind": kind,
                    "received_at": received,
                },
                ensure_ascii=False,
            )
            parts.append(head[:-1] + ', "payload": ' + payload + "}")
        last = rows[-1][0] if rows else after
        more = "true" if len(rows) == limit else "false"
        return f'{{"ops": [{",".join(parts)}], "after": {last}, "more": {more}}}'


def make_app(table: Table) -> Starlette:
    """The two endpoints over one table."""

    async def push(request: Request) -> Response:
        data = json.loads(await request.body())
        results = await run_in_threadpool(table.insert, data["ops"])
        return JSONResponse({"results": results, "server_time_ms": time.time_ns() // 1_000_000})

    async def pull(request: Request) -> Response:
        after = int(request.query_params.get("after", "0"))
        limit = int(request.query_params.get("limit", "1000"))
        body = await run_in_threadpool(table.page, after, limit)
        return Response(body, media_type="application/json")

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route("/push", push, methods=["POST"]),
            Route("/pull", pull, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """Binds, says where on stdout's first line, then serves until stopped."""
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", type=Path, required=True, help="the SQLite file (made if missing)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args(argv)
    app = make_app(Table(args.db))
    listener = socket.create_server((args.host, args.port))
    # As `uvicorn.run(host=..., port=...)` would: asyncio sets TCP_NODELAY only on sockets it
    # made itself, and accepted sockets inherit it from the listener. Without it, every answer
    # on a kept-alive connection waits ~40 ms for the client's delayed ACK (Nagle).
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    print(f"bare server listening on http://{args.host}:{listener.getsockname()[1]} ({args.db})")
    sys.stdout.flush()
    uvicorn.run(app, fd=listener.fileno(), log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
