"""Provides what every command shares: the `--db` and `--json` options and opening a session."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from crm_tui.domain.records import Record
    from crm_tui.services.session import Session

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="The rep's store file. Default: $CRM_DB, else crm.db in the user data directory.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (keys in docs/json.md).")]


def session(ctx: typer.Context, db: Path | None) -> Session:
    """Opens the session for a command: its own `--db`, else the one given before it."""
    from crm_tui.services.session import open_session

    chosen = db or ctx.find_root().params.get("db")
    opened = open_session(chosen)
    ctx.call_on_close(opened.close)
    return opened


def report(record: Record, line: str, as_json: bool) -> None:
    """Prints what a command did to a record: its JSON, or `line` (already safe) and its id."""
    from crm_tui.cli.output import emit_json, write

    if as_json:
        from crm_tui.cli.jsonify import record_json

        emit_json(record_json(record))
    else:
        write(f"{line}  {record.id}")
