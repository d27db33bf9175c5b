"""Provides `crm next-actions`: what to do next, most urgent first, and why."""

from __future__ import annotations

from typing import Annotated

import typer

from crm_tui.cli.common import DbOption, JsonOption, session


def next_actions(
    ctx: typer.Context,
    days: Annotated[
        int | None, typer.Option(help="Look this many days ahead (default 7, from config).")
    ] = None,
    suggest: Annotated[
        int, typer.Option(help="Also suggest this many leads to reach out to, best score first.")
    ] = 0,
    idle_days: Annotated[
        int | None,
        typer.Option(help="Suggest leads with no activity for this many days (default 30)."),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """What to do next, most urgent first, each with its reason.

    Overdue and upcoming tasks, renewals in their window, unpaid invoices, sent quotes about to
    expire, idle deals and inquiries waiting on us; equally urgent items for the better-scored
    customer first.

    Example: crm next-actions --days 3 --suggest 5 --idle-days 30
    """
    from crm_tui.services.agenda import next_actions as agenda

    if idle_days is not None and not suggest:
        from crm_tui.errors import InvalidInput

        raise InvalidInput("--idle-days chooses which leads --suggest lists; add --suggest N.")
    items = agenda(session(ctx, db), days, suggest, 30 if idle_days is None else idle_days)
    if as_json:
        from crm_tui.cli.jsonify import action_json
        from crm_tui.cli.output import emit_json

        emit_json([action_json(item) for item in items])
    else:
        from crm_tui.cli.render import print_agenda

        print_agenda(items)
