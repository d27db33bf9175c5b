"""Provides `crm`'s entry point: the full-screen app with no command on a terminal, else the CLI.

Deciding here, before Typer is imported, keeps the app's start-up free of the command line's
cost, and keeps the quick commands free of Textual's.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main() -> None:
    """Runs `crm`: with no command (or only `--db FILE`) on a terminal, the app; else the CLI."""
    db = _app_store(sys.argv[1:])
    if db is None or not (sys.stdin.isatty() and sys.stdout.isatty()):
        from crm_tui.cli.main import main as command_line

        command_line()
        return
    from crm_tui.errors import CrmError

    try:
        run(db or None)
        code = 0
    except CrmError as error:
        from crm_tui.domain.terminal_text import safe

        sys.stderr.write(f"crm: {safe(str(error))}\n")
        code = error.exit_code
    sys.stdout.flush()
    # As for the quick commands: nothing is left to do, so skip tearing the interpreter down.
    os._exit(code)


def run(db: str | Path | None) -> None:
    """Opens the store, starts reading the agenda, and only then loads and runs the app."""
    from crm_tui.screens.backend import Backend
    from crm_tui.services.agenda import next_actions
    from crm_tui.services.session import open_session

    backend = Backend(open_session(db))
    # The agenda's query runs while Textual loads; Today's first frame then has it ready.
    backend.prefetch(next_actions)
    from crm_tui.screens.app import run_app

    run_app(backend)


def _app_store(args: list[str]) -> str | None:
    """The store the app opens ("" for the default), or None when the arguments name a command."""
    if not args:
        return ""
    if len(args) == 2 and args[0] == "--db":
        return args[1]
    if len(args) == 1 and args[0].startswith("--db="):
        return args[0].removeprefix("--db=")
    return None
