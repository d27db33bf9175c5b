"""Provides the `crm` command: the root group, its sub-commands and how errors reach the user.

The root group knows each command's module and builds only the one being run (see `lazy`).

Exit codes (docs/cli.md): 0 ok; 1 a problem found (doctor) or an unexpected error; 2 input not
understood; 3 not found; 4 ambiguous reference; 5 store unusable; 6 refused by the rules;
7 team server unreachable; 8 mail server unreachable or refusing.
"""

from __future__ import annotations

import importlib
import os
import sqlite3
import sys
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

from crm_tui.cli.common import DbOption
from crm_tui.cli.lazy import LazyGroup, command_from
from crm_tui.errors import CrmError, StoreError

if TYPE_CHECKING:
    # Typer 0.28 vendors Click; its classes are the ones TyperGroup's methods take.
    from typer._click import core as click

# name: (module, attribute) — a Typer sub-app or a command function.
COMMANDS: dict[str, tuple[str, str]] = {
    "next-actions": ("crm_tui.cli.agenda", "next_actions"),
    "log": ("crm_tui.cli.log", "log_app"),
    "add": ("crm_tui.cli.add", "add_app"),
    "show": ("crm_tui.cli.records", "show"),
    "ls": ("crm_tui.cli.records", "ls"),
    "search": ("crm_tui.cli.records", "search"),
    "edit": ("crm_tui.cli.records", "edit"),
    "archive": ("crm_tui.cli.records", "archive"),
    "unarchive": ("crm_tui.cli.records", "unarchive"),
    "amend": ("crm_tui.cli.records", "amend"),
    "retract": ("crm_tui.cli.records", "retract"),
    "task": ("crm_tui.cli.tasks", "task_app"),
    "deal": ("crm_tui.cli.tasks", "deal_app"),
    "quote": ("crm_tui.cli.quotes", "quote_app"),
    "inquiry": ("crm_tui.cli.inquiries", "inquiry_app"),
    "contract": ("crm_tui.cli.backoffice", "contract_app"),
    "invoice": ("crm_tui.cli.backoffice", "invoice_app"),
    "survey": ("crm_tui.cli.backoffice", "survey"),
    "cadence": ("crm_tui.cli.cadences", "cadence_app"),
    "report": ("crm_tui.cli.report", "report"),
    "login": ("crm_tui.cli.team", "login"),
    "sync": ("crm_tui.cli.team", "sync"),
    "status": ("crm_tui.cli.team", "status"),
    "conflicts": ("crm_tui.cli.team", "conflicts"),
    "resolve": ("crm_tui.cli.team", "resolve"),
    "handover": ("crm_tui.cli.team", "handover"),
    "history": ("crm_tui.cli.team", "history"),
    "erase": ("crm_tui.cli.team", "erase"),
    "import": ("crm_tui.cli.transfer", "import_"),
    "export": ("crm_tui.cli.transfer", "export_app"),
    "segment": ("crm_tui.cli.segments", "segment_app"),
    "tag": ("crm_tui.cli.segments", "tag"),
    "dedupe": ("crm_tui.cli.duplicates", "dedupe"),
    "merge": ("crm_tui.cli.duplicates", "merge"),
    "unmerge": ("crm_tui.cli.duplicates", "unmerge"),
    "server": ("crm_tui.cli.server", "server_app"),
    "doctor": ("crm_tui.cli.maintenance", "doctor"),
    "backup": ("crm_tui.cli.maintenance", "backup"),
    "restore": ("crm_tui.cli.maintenance", "restore"),
    "demo": ("crm_tui.cli.maintenance", "demo"),
    "score": ("crm_tui.cli.scores", "score"),
}


def build_command(name: str) -> click.Command:
    """Builds one sub-command from its module (importing only that module)."""
    module_name, attribute = COMMANDS[name]
    target = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(target, typer.Typer):
        return command_from(name, target)
    command = typer.main.get_command(target)
    command.name = name
    return command


class CrmGroup(LazyGroup):
    """The root group: lazy sub-commands, and `CrmError` as one line on stderr with its code."""

    BUILDERS: ClassVar[dict[str, Callable[[], click.Command]]] = {
        name: partial(build_command, name) for name in COMMANDS
    }

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parses the root's own options; a mistake there is one line too."""
        try:
            return super().parse_args(ctx, args)
        except NoArgsIsHelpError:
            raise
        except UsageError as error:
            _usage_error(error)

    def invoke(self, ctx: click.Context) -> Any:
        """Runs the command, reporting user errors without a traceback."""
        try:
            return super().invoke(ctx)
        except NoArgsIsHelpError:
            raise
        except ClickException as error:
            _usage_error(error)
        except CrmError as error:
            _fail(error)
        except sqlite3.OperationalError as error:
            _fail(StoreError(f"The store cannot be used right now ({error}); try again."))
        except sqlite3.DatabaseError as error:
            _fail(
                StoreError(
                    f"The store is damaged ({error}); run `crm doctor`, "
                    "or restore a backup with `crm restore FILE`."
                )
            )


def _usage_error(error: ClickException) -> NoReturn:
    """Reports a command line Click could not parse in one line (Typer would draw a box)."""
    hint = ""
    if isinstance(error, UsageError) and error.ctx is not None:
        hint = f" (see `{error.ctx.command_path} --help`)"
    sys.stderr.write(f"crm: {error.format_message()}{hint}\n")
    raise typer.Exit(error.exit_code) from None


def _fail(error: CrmError) -> NoReturn:
    from crm_tui.cli.output import safe

    sys.stderr.write(f"crm: {safe(str(error))}\n")
    for line in error.details:
        sys.stderr.write(f"{line}\n")
    raise typer.Exit(error.exit_code)


app = typer.Typer(
    name="crm",
    cls=CrmGroup,
    help="An offline-first CRM for field sales reps.",
    add_completion=False,
    invoke_without_command=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def root(ctx: typer.Context, db: DbOption = None) -> None:
    """An offline-first CRM for field sales reps: `crm` opens the full-screen app."""
    if ctx.invoked_subcommand is None:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            # A pipe or a script has no screen to draw on: show what there is to run instead.
            typer.echo(ctx.get_help())
            return
        from crm_tui.launch import run

        run(db)


def main() -> None:
    """Runs `crm`, then exits at once: the command has finished and closed the store."""
    try:
        app()
        code = 0
    except SystemExit as done:
        if isinstance(done.code, str):
            sys.stderr.write(done.code + "\n")
        code = done.code if isinstance(done.code, int) else int(done.code is not None)
    # Tearing the interpreter down (hundreds of modules, every object freed one by one) takes
    # longer than some whole commands; nothing is left to do but flush what was printed.
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        pass
    os._exit(code)
