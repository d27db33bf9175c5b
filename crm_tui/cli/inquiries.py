"""Provides `crm inquiry open|reply|wait|resolve`."""

from __future__ import annotations

from typing import Annotated

import typer

from crm_tui.cli.common import DbOption, JsonOption, report, session
from crm_tui.domain.records import Inquiry

inquiry_app = typer.Typer(
    add_completion=False, help="Track customer inquiries (cases).", no_args_is_help=True
)
InquiryRef = Annotated[str, typer.Argument(help="The inquiry's subject or id.")]


def _print(inquiry: Inquiry, as_json: bool) -> None:
    from crm_tui.cli.output import safe

    report(inquiry, f"Inquiry {safe(inquiry.subject)} is {inquiry.status}", as_json)


@inquiry_app.command("open")
def open_(
    ctx: typer.Context,
    who: Annotated[str, typer.Argument(help="The contact or company asking.")],
    subject: Annotated[str, typer.Argument(help="What it is about.")],
    body: Annotated[str | None, typer.Option(help="Their message.")] = None,
    at: Annotated[str | None, typer.Option(help="When it came in (local time).")] = None,
    priority: Annotated[str | None, typer.Option(help="low, normal, high or urgent.")] = None,
    channel: Annotated[str | None, typer.Option(help="phone, email, web form, …")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Open a case with the customer's first message.

    Example: crm inquiry open 山田 "Quote for 20 units"
    """
    from crm_tui.services.inquiries import InquiryInput, open_inquiry

    logged = open_inquiry(session(ctx, db), InquiryInput(who, subject, body, at, priority, channel))
    assert logged.inquiry is not None
    _print(logged.inquiry, as_json)


@inquiry_app.command("reply")
def reply(
    ctx: typer.Context,
    inquiry: InquiryRef,
    message: Annotated[str, typer.Argument(help="The message.")],
    inbound: Annotated[
        bool, typer.Option("--inbound", help="The customer wrote (reopens the case).")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Log a reply on a case; ours sets it waiting on the customer.

    Example: crm inquiry reply … "Sent the quote"
    """
    from crm_tui.services.inquiries import reply as log_reply

    logged = log_reply(session(ctx, db), inquiry, message, inbound=inbound)
    assert logged.inquiry is not None
    _print(logged.inquiry, as_json)


@inquiry_app.command("wait")
def wait(
    ctx: typer.Context,
    inquiry: InquiryRef,
    note: Annotated[str | None, typer.Option(help="A note on the thread.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Mark a case as waiting on the customer.

    Example: crm inquiry wait "Quote for 20 units"
    """
    from crm_tui.services.inquiries import set_status

    _print(set_status(session(ctx, db), inquiry, "waiting", note), as_json)


@inquiry_app.command("resolve")
def resolve(
    ctx: typer.Context,
    inquiry: InquiryRef,
    note: Annotated[str | None, typer.Option(help="How it was resolved.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Resolve a case.

    Example: crm inquiry resolve "Quote for 20 units" --note "Order placed"
    """
    from crm_tui.services.inquiries import set_status

    _print(set_status(session(ctx, db), inquiry, "resolved", note), as_json)
