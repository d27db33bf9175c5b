"""Provides `crm doctor`, `crm backup`, `crm restore` and `crm demo`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crm_tui.cli.common import DbOption, JsonOption, session


def doctor(ctx: typer.Context, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Check the store: SQLite's integrity check, and the tables against the op log."""
    from crm_tui.cli.output import emit_json, safe, write
    from crm_tui.services.maintenance import doctor as run_doctor

    s = session(ctx, db)
    report = run_doctor(s)
    if as_json:
        emit_json(
            {
                "healthy": report.healthy,
                "integrity": report.integrity or ["ok"],
                "problems": report.problems,
                "ops": report.ops,
                "records": report.records,
            }
        )
    else:
        write(f"Store {s.store.path}")
        write(f"  integrity check: {'ok' if not report.integrity else '; '.join(report.integrity)}")
        if not report.integrity:
            write(f"  {report.ops} ops, {report.records} records")
        for problem in report.problems:
            write(f"  problem: {safe(problem)}")
        write("  healthy" if report.healthy else "  NOT healthy: restore a backup or report a bug")
    if not report.healthy:
        raise typer.Exit(1)


def backup(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Where to write the backup (a new file).")],
    db: DbOption = None,
) -> None:
    """Write a verified copy of the store.

    Example: crm backup ~/crm-2026-11-26.db
    """
    from crm_tui.cli.output import write
    from crm_tui.services.maintenance import backup as run_backup

    result = run_backup(session(ctx, db), file)
    write(f"Backed up {result.ops} ops to {result.path} (verified)")


def restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A backup made by `crm backup`.")],
    db: DbOption = None,
) -> None:
    """Replace the store with a backup; the current store is kept beside it first."""
    from crm_tui.cli.output import write
    from crm_tui.services.maintenance import restore as run_restore

    result = run_restore(session(ctx, db), file)
    write(f"Restored {result.ops} ops from {file}; the previous store is kept at {result.previous}")


def demo(
    ctx: typer.Context,
    reset: Annotated[bool, typer.Option(help="Start again from a fresh demo store.")] = False,
    db: DbOption = None,
) -> None:
    """Fill a store with demo customers and show the next actions (needs --db or CRM_DB)."""
    from crm_tui.cli.render import print_agenda
    from crm_tui.services.agenda import next_actions
    from crm_tui.services.demo import seed_demo

    s = seed_demo(db or ctx.find_root().params.get("db"), reset=reset)
    ctx.call_on_close(s.close)
    print_agenda(next_actions(s))
