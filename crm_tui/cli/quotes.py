"""Provides `crm quote new|line|rm-line|show|set-status`."""

from __future__ import annotations

from typing import Annotated

import typer

from crm_tui.cli.common import DbOption, JsonOption, session

quote_app = typer.Typer(
    add_completion=False, help="Prepare quotes: lines, tax per rate, totals.", no_args_is_help=True
)
QuoteRef = Annotated[str, typer.Argument(help="The quote's number or id.")]


@quote_app.command("new")
def new(
    ctx: typer.Context,
    who: Annotated[str, typer.Argument(help="The contact or company it is for.")],
    currency: Annotated[
        str | None, typer.Option(help="ISO currency (default from config).")
    ] = None,
    valid_until: Annotated[str | None, typer.Option(help="Default: 30 days from today.")] = None,
    deal: Annotated[str | None, typer.Option(help="The deal it prices.")] = None,
    title: Annotated[str | None, typer.Option(show_default=False)] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Start a draft quote; prints its number.

    Example: crm quote new 山田 --currency JPY
    """
    from crm_tui.cli.output import emit_json, write
    from crm_tui.services.quotes import QuoteInput, new_quote

    quote = new_quote(session(ctx, db), QuoteInput(who, currency, valid_until, deal, title))
    if as_json:
        emit_json({"id": quote.id, "number": quote.number})
    else:
        write(quote.number)


@quote_app.command("line")
def line(
    ctx: typer.Context,
    quote: QuoteRef,
    description: Annotated[str, typer.Argument(help="What is sold.")],
    qty: Annotated[str, typer.Option(help="Quantity (decimals allowed).")] = "1",
    price: Annotated[str, typer.Option(help="Unit price in the quote's currency.")] = "0",
    tax: Annotated[str | None, typer.Option(help="Tax rate in percent: 10, 8, 0.")] = None,
    discount: Annotated[str | None, typer.Option(help="10% or an amount off the line.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a line to a draft quote.

    Example: crm quote line Q-… "Model X" --qty 2 --price 150000 --tax 10
    """
    from crm_tui.cli.output import emit_json, safe, write
    from crm_tui.services.quotes import LineInput, add_line

    added = add_line(session(ctx, db), quote, LineInput(description, qty, price, tax, discount))
    if as_json:
        from crm_tui.cli.jsonify import record_json

        emit_json(record_json(added))
    else:
        write(f"Added line {added.position}: {safe(added.description)}")


@quote_app.command("rm-line")
def rm_line(
    ctx: typer.Context,
    quote: QuoteRef,
    position: Annotated[
        int, typer.Argument(help="The line's number as `crm quote show` prints it.")
    ],
    db: DbOption = None,
) -> None:
    """Remove a line from a draft quote.

    Example: crm quote rm-line Q-… 2
    """
    from crm_tui.cli.output import safe, write
    from crm_tui.services.quotes import remove_line

    removed = remove_line(session(ctx, db), quote, position)
    write(f"Removed line {position}: {safe(removed.description)}")


@quote_app.command("show")
def show(
    ctx: typer.Context, quote: QuoteRef, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """Show a quote: lines, subtotal per tax rate, tax and total.

    Example: crm quote show Q-…
    """
    from crm_tui.services.quotes import view_quote

    view = view_quote(session(ctx, db), quote)
    if as_json:
        from crm_tui.cli.jsonify import quote_json
        from crm_tui.cli.output import emit_json

        emit_json(quote_json(view))
    else:
        from crm_tui.cli.render import print_quote

        print_quote(view)


@quote_app.command("set-status")
def set_status(
    ctx: typer.Context,
    quote: QuoteRef,
    status: Annotated[str, typer.Argument(help="draft, sent, accepted, rejected or expired.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a quote's status.

    Example: crm quote set-status Q-… sent
    """
    from crm_tui.cli.output import emit_json, write
    from crm_tui.services.quotes import set_quote_status

    updated = set_quote_status(session(ctx, db), quote, status)
    if as_json:
        from crm_tui.cli.jsonify import record_json

        emit_json(record_json(updated))
    else:
        write(f"Quote {updated.number} is now {updated.status}")
