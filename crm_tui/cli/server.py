"""Provides `crm server` (run the team server) and `crm server add-rep|revoke|reps`."""

from __future__ import annotations

import os
import socket
import sys
from typing import Annotated

import typer

from crm_tui.cli.common import JsonOption

ServerDb = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="The server's store: a file path or a postgresql:// URL ($CRM_SERVER_DB).",
        show_default=False,
    ),
]

server_app = typer.Typer(
    add_completion=False,
    invoke_without_command=True,
    help="Run the team server, and enrol or revoke reps.",
)


def _database(db: str | None) -> object:
    from crm_tui.errors import InvalidInput
    from crm_tui.sync.server.db import Database

    target = db or os.environ.get("CRM_SERVER_DB")
    if not target:
        raise InvalidInput("Name the server's store: --db team.db (or a postgresql:// URL).")
    return Database(target)


@server_app.callback()
def run(
    ctx: typer.Context,
    db: ServerDb = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    certfile: Annotated[str | None, typer.Option(help="TLS certificate (PEM).")] = None,
    keyfile: Annotated[str | None, typer.Option(help="TLS private key (PEM).")] = None,
    clock_margin: Annotated[
        int, typer.Option(help="Seconds an op may be stamped ahead of the server's clock.")
    ] = 300,
) -> None:
    """Run the team server (on PostgreSQL, run several behind a load balancer).

    Example: crm server --db team.db --host 127.0.0.1 --port 8765
    """
    if ctx.invoked_subcommand is not None:
        ctx.obj = db
        return
    import uvicorn

    from crm_tui.errors import InvalidInput
    from crm_tui.sync.server.app import Settings, make_app
    from crm_tui.sync.server.db import Database

    database = _database(db)
    assert isinstance(database, Database)
    if (certfile is None) != (keyfile is None):
        raise InvalidInput("TLS needs both --certfile and --keyfile.")
    app = make_app(database, Settings(clock_margin))
    # Bind before serving and say where: `--port 0` picks a free port, and whoever started
    # the server (a test, a supervisor) reads the line instead of polling for it.
    listener = socket.create_server((host, port))
    # uvicorn sets TCP_NODELAY only on sockets it creates; without it every kept-alive
    # response waits for the client's delayed ACK (about 40 ms). Accepted sockets inherit it.
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    bound = listener.getsockname()[1]
    scheme = "https" if certfile else "http"
    typer.echo(f"crm server listening on {scheme}://{host}:{bound} ({database.describe()})")
    sys.stdout.flush()
    uvicorn.run(
        app,
        fd=listener.fileno(),
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
        log_level="warning",
        access_log=False,
    )


@server_app.command("add-rep")
def add_rep(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The rep's name, one word (alice).")],
    role: Annotated[str, typer.Option(help="rep or manager.")] = "rep",
    db: ServerDb = None,
    as_json: JsonOption = False,
) -> None:
    """Enrol a rep: prints a one-time code for `crm login` (valid 7 days).

    Example: crm server add-rep alice --db team.db
    """
    from crm_tui.cli.output import emit_json, write
    from crm_tui.sync.server import accounts
    from crm_tui.sync.server.db import Database

    database = _database(db or ctx.obj)
    assert isinstance(database, Database)
    database.create_schema()
    code = accounts.add_rep(database, name, role)
    if as_json:
        emit_json({"rep": name, "role": role, "code": code})
    else:
        write(f"{name} ({role}): crm login <server URL> {code}")


@server_app.command("revoke")
def revoke(
    ctx: typer.Context,
    who: Annotated[str, typer.Argument(help="A rep's name or a device id.")],
    db: ServerDb = None,
) -> None:
    """Cut a rep (all their devices) or one device off at its next request."""
    from crm_tui.cli.output import write
    from crm_tui.sync.server import accounts
    from crm_tui.sync.server.db import Database

    database = _database(db or ctx.obj)
    assert isinstance(database, Database)
    database.create_schema()
    write(f"Revoked {accounts.revoke(database, who)}.")


@server_app.command("reps")
def reps(ctx: typer.Context, db: ServerDb = None, as_json: JsonOption = False) -> None:
    """List reps and their devices with their last sync."""
    from crm_tui.cli.output import emit_json, local_time, table
    from crm_tui.sync.server import accounts
    from crm_tui.sync.server.db import Database

    database = _database(db or ctx.obj)
    assert isinstance(database, Database)
    database.create_schema()
    rows = accounts.reps(database)
    if as_json:
        emit_json([r._asdict() for r in rows])
        return
    table(
        ("REP", "ROLE", "DEVICE", "LABEL", "LAST SYNC"),
        [
            (
                r.name + (" (revoked)" if r.revoked else ""),
                r.role,
                d["device"],
                d["label"] or "",
                (local_time(d["last_sync"]) or "never") + (" (revoked)" if d["revoked"] else ""),
            )
            for r in rows
            for d in (
                r.devices or [{"device": "-", "label": None, "last_sync": None, "revoked": None}]
            )
        ],
    )
