"""Provides groups whose sub-commands are built only when run (or listed by `--help`).

Typer builds a command by reading its function's signature and evaluating its annotations;
doing that for every command on every run costs more than a quick command's whole budget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    # Typer 0.28 vendors Click; its classes are the ones TyperGroup's methods take.
    from typer._click import core as click


def command_from(name: str, function: Callable[..., None]) -> click.Command:
    """Builds the click command Typer would make for `function`, named `name`."""
    single = typer.Typer(add_completion=False)
    single.command(name)(function)
    command = typer.main.get_command(single)
    command.name = name
    return command


class LazyGroup(TyperGroup):
    """A Typer group whose sub-commands come from `BUILDERS`, built on first use."""

    BUILDERS: ClassVar[dict[str, Callable[[], click.Command]]] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every sub-command's name, in the order of the help page."""
        return list(self.BUILDERS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Builds the sub-command asked for, or None for an unknown name."""
        if cmd_name not in self.BUILDERS:
            return None
        if cmd_name not in self.commands:
            self.commands[cmd_name] = self.BUILDERS[cmd_name]()
        return self.commands[cmd_name]
