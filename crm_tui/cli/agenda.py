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
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """What to do next, most urgent first, each with its reason.

    Overdue and upcoming tasks, renewals in their window, unpaid invoices, sent quotes about to
    expire, idle deals and inquiries waiting on us.

    Example: crm next-actions --days 3
    """
    from crm_tui.services.agenda import next_actions as agenda

    items = agenda(session(ctx, db), days)
    if as_json:
        from crm_tui.cli.jsonify import action_json
        from crm_tui.cli.output import emit_json

        emit_json([action_json(item) for item in items])
    else:
        from crm_tui.cli.render import print_agenda

        print_agenda(items)
