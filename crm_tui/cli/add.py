"""Provides `crm add company|contact|deal`."""

from __future__ import annotations

from typing import Annotated

import typer

from crm_tui.cli.common import DbOption, JsonOption, report, session
from crm_tui.domain.records import Record

add_app = typer.Typer(
    add_completion=False, help="Add a company, contact or deal.", no_args_is_help=True
)

Text = Annotated[str | None, typer.Option(show_default=False)]
Many = Annotated[list[str] | None, typer.Option(show_default=False)]


def _done(kind: str, record: Record, as_json: bool) -> None:
    from crm_tui.cli.output import safe

    report(record, f"Added {kind} {safe(record.label)}", as_json)


@add_app.command("company")
def add_company(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The company's name, e.g. 株式会社ミナト精機.")],
    reading: Annotated[str | None, typer.Option(help="The name's reading (furigana).")] = None,
    industry: Text = None,
    size: Annotated[str | None, typer.Option(help="Headcount band, e.g. 50-99.")] = None,
    revenue: Annotated[str | None, typer.Option(help="Annual revenue, e.g. 1200000000.")] = None,
    currency: Annotated[str | None, typer.Option(help="Currency of --revenue.")] = None,
    region: Text = None,
    prefecture: Text = None,
    website: Text = None,
    phone: Text = None,
    tag: Many = None,
    note: Text = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a company.

    Example: crm add company "株式会社ミナト精機" --industry manufacturing --prefecture 東京都
    """
    from crm_tui.services.records import CompanyInput, add_company

    data = CompanyInput(
        name,
        reading,
        industry,
        size,
        revenue,
        currency,
        region,
        prefecture,
        website,
        phone,
        tag or [],
        note,
    )
    _done("company", add_company(session(ctx, db), data), as_json)


@add_app.command("contact")
def add_contact(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Full name: family first for Japanese names.")],
    family: Annotated[str | None, typer.Option(help="Family name (overrides the split).")] = None,
    given: Annotated[str | None, typer.Option(help="Given name (overrides the split).")] = None,
    reading: Annotated[str | None, typer.Option(help="Reading, e.g. ヤマダ タロウ.")] = None,
    company: Annotated[
        str | None, typer.Option(help="Company name or reference; a new name creates it.")
    ] = None,
    department: Text = None,
    title: Annotated[str | None, typer.Option(help="Job title, e.g. 部長.")] = None,
    email: Annotated[list[str] | None, typer.Option(help="Email; repeat for more.")] = None,
    phone: Annotated[
        list[str] | None, typer.Option(help="Phone as dialled; `mobile=090-…` sets a label.")
    ] = None,
    address: Text = None,
    tag: Many = None,
    lifecycle: Annotated[
        str | None, typer.Option(help="lead, prospect, customer or former.")
    ] = None,
    source: Annotated[str | None, typer.Option(help="Where the contact came from.")] = None,
    consent: Annotated[bool, typer.Option(help="They agreed to receive marketing email.")] = False,
    note: Text = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a contact.

    Example: crm add contact "山田 太郎" --reading "ヤマダ タロウ" --company ミナト精機
    """
    from crm_tui.cli.output import note as tell
    from crm_tui.cli.output import safe
    from crm_tui.services.records import ContactInput, add_contact

    data = ContactInput(
        name,
        family,
        given,
        reading,
        company,
        department,
        title,
        email or [],
        phone or [],
        address,
        tag or [],
        lifecycle,
        source,
        consent,
        note,
    )
    added = add_contact(session(ctx, db), data)
    if added.new_company:
        tell(f"Added company {safe(added.new_company.name)}  {added.new_company.id}")
    elif added.linked_company:
        tell(f"Linked to company {safe(added.linked_company.name)}")
    _done("contact", added.record, as_json)


@add_app.command("deal")
def add_deal(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help="What is being sold.")],
    company: Annotated[str | None, typer.Option(help="The customer company.")] = None,
    contact: Annotated[str | None, typer.Option(help="The contact person.")] = None,
    amount: Annotated[str | None, typer.Option(help="Expected amount, e.g. 1200000.")] = None,
    currency: Annotated[
        str | None, typer.Option(help="ISO currency (default from config).")
    ] = None,
    stage: Annotated[str | None, typer.Option(help="Starting stage (default: the first).")] = None,
    close: Annotated[str | None, typer.Option(help="Expected close: 2026-12-20, 30d, …")] = None,
    probability: Annotated[int | None, typer.Option(help="Win probability, 0-100.")] = None,
    note: Text = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a deal.

    Example: crm add deal "Model X ×2" --company ミナト --amount 300000 --close 30d
    """
    from crm_tui.services.records import DealInput, add_deal

    data = DealInput(title, company, contact, amount, currency, stage, close, probability, note)
    _done("deal", add_deal(session(ctx, db), data), as_json)
