"""Provides `crm contract add|renew`, `crm invoice add|paid` and `crm survey`."""

from __future__ import annotations

from typing import Annotated

import typer

from crm_tui.cli.common import DbOption, JsonOption, report, session

contract_app = typer.Typer(
    add_completion=False, help="Contracts and their renewals.", no_args_is_help=True
)
invoice_app = typer.Typer(add_completion=False, help="Invoices and payments.", no_args_is_help=True)
Who = Annotated[str, typer.Argument(help="The contact or company.")]


@contract_app.command("add")
def contract_add(
    ctx: typer.Context,
    who: Who,
    product: Annotated[str, typer.Argument(help="What the contract covers.")],
    start: Annotated[str | None, typer.Option(help="Start date (default today).")] = None,
    end: Annotated[str | None, typer.Option(help="End date (default: one year).")] = None,
    renewal: Annotated[str | None, typer.Option(help="Renewal date (default: the end).")] = None,
    value: Annotated[str | None, typer.Option(help="Contract value.")] = None,
    currency: Annotated[str | None, typer.Option(help="ISO currency.")] = None,
    auto_renew: Annotated[bool, typer.Option(help="Renews unless cancelled.")] = False,
    note: Annotated[str | None, typer.Option(show_default=False)] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a contract.

    Example: crm contract add ミナト "Maintenance plan" --end 2027-03-31 --value 600000
    """
    from crm_tui.cli.output import safe
    from crm_tui.services.contracts import ContractInput, add_contract

    data = ContractInput(who, product, start, end, renewal, value, currency, auto_renew, note)
    contract = add_contract(session(ctx, db), data)
    text = f"Added contract {safe(contract.product)}, renewal on {contract.renewal_on}"
    report(contract, text, as_json)


@contract_app.command("renew")
def contract_renew(
    ctx: typer.Context,
    contract: Annotated[str, typer.Argument(help="The contract's product or id.")],
    until: Annotated[
        str | None, typer.Option(help="New end date (default: one more term).")
    ] = None,
    value: Annotated[str | None, typer.Option(help="New value, if it changed.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a renewal.

    Example: crm contract renew "Maintenance plan" --until 2028-03-31
    """
    from crm_tui.cli.output import safe
    from crm_tui.services.contracts import renew_contract

    renewed = renew_contract(session(ctx, db), contract, until, value)
    text = (
        f"Renewed {safe(renewed.product)} until {renewed.end_on}, next renewal {renewed.renewal_on}"
    )
    report(renewed, text, as_json)


@invoice_app.command("add")
def invoice_add(
    ctx: typer.Context,
    who: Who,
    number: Annotated[str, typer.Argument(help="The invoice number.")],
    amount: Annotated[str, typer.Option(help="The amount billed.")],
    due: Annotated[str, typer.Option(help="When it must be paid: 30d, 2026-12-31 …")],
    currency: Annotated[str | None, typer.Option(help="ISO currency.")] = None,
    issued: Annotated[str | None, typer.Option(help="Issue date (default today).")] = None,
    contract: Annotated[str | None, typer.Option(help="The contract it bills.")] = None,
    note: Annotated[str | None, typer.Option(show_default=False)] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add an invoice.

    Example: crm invoice add ミナト INV-2026-001 --amount 335400 --due 30d
    """
    from crm_tui.cli.output import safe
    from crm_tui.domain.money import format_money
    from crm_tui.services.invoices import InvoiceInput, add_invoice

    data = InvoiceInput(who, number, amount, due, currency, issued, contract, note)
    invoice = add_invoice(session(ctx, db), data)
    money = format_money(invoice.amount, invoice.currency)
    report(invoice, f"Added invoice {safe(invoice.number)} {money}, due {invoice.due_on}", as_json)


@invoice_app.command("paid")
def invoice_paid(
    ctx: typer.Context,
    invoice: Annotated[str, typer.Argument(help="The invoice number or id.")],
    on: Annotated[str | None, typer.Option(help="When it was paid (default today).")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Mark an invoice paid.

    Example: crm invoice paid INV-2026-001
    """
    from crm_tui.cli.output import safe
    from crm_tui.services.invoices import mark_paid

    paid = mark_paid(session(ctx, db), invoice, on)
    report(paid, f"Invoice {safe(paid.number)} paid on {paid.paid_on}", as_json)


def survey(
    ctx: typer.Context,
    who: Annotated[str, typer.Argument(help="The contact who answered.")],
    nps: Annotated[int | None, typer.Option(help="Net Promoter Score answer, 0-10.")] = None,
    csat: Annotated[int | None, typer.Option(help="Satisfaction, 1-5.")] = None,
    note: Annotated[str | None, typer.Option(help="Their comment.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a survey answer.

    Example: crm survey 山田 --nps 9 --csat 5
    """
    from crm_tui.services.surveys import record_survey

    answer = record_survey(session(ctx, db), who, nps, csat, note)
    report(answer, f"Recorded {answer.label}", as_json)
