"""Provides quotes: numbering offline, lines, totals per tax rate and status changes.

A quote number is `Q-<year>-<site code>-<sequence>`: the sequence counts on this device and the
site code (five characters of the device's random site id) keeps devices apart, so reps make
numbers offline without colliding.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, NamedTuple

from crm_tui.domain.quotes import (
    QuoteTotals,
    amount_of,
    check_discount,
    check_quantity,
    check_tax_rate,
    totals,
)
from crm_tui.domain.records import QUOTE_STATUSES, Company, Contact, Quote, QuoteLine
from crm_tui.errors import InvalidInput, Refused
from crm_tui.services import values as check
from crm_tui.services.listing import Filters, list_records
from crm_tui.services.references import links, load
from crm_tui.services.session import Session
from crm_tui.storage import queries
from crm_tui.storage.oplog import next_counter

DEFAULT_VALIDITY_DAYS = 30


class QuoteInput(NamedTuple):
    """What `crm quote new` takes."""

    who: str
    currency: str | None = None
    valid_until: str | None = None
    deal: str | None = None
    title: str | None = None


def new_quote(session: Session, data: QuoteInput) -> Quote:
    """Starts a draft quote for a customer, numbered on this device."""
    currency = check.currency(session, data.currency)
    valid_until = (
        check.due(session, data.valid_until)
        if data.valid_until
        else (session.today + timedelta(days=DEFAULT_VALIDITY_DAYS)).isoformat()
    )
    fields_ = {
        "currency": currency,
        "valid_until": valid_until,
        "title": check.text(data.title, "title"),
        "status": "draft",
        **links(session, who=data.who, deal=data.deal),
    }
    with session.store.write() as writer:
        seq = next_counter(session.store.conn, "quote")
        site = writer.site_id[-5:]
        fields_["number"] = f"Q-{session.today.year}-{site}-{seq:03d}"
        return writer.create(Quote, fields_)


class LineInput(NamedTuple):
    """What `crm quote line` takes."""

    description: str
    quantity: str = "1"
    price: str = "0"
    tax: str | None = None
    discount: str | None = None


def _quote(session: Session, reference: str) -> Quote:
    quote = load(session, reference, ("quote",))
    assert isinstance(quote, Quote)
    return quote


def _draft(session: Session, reference: str) -> Quote:
    quote = _quote(session, reference)
    if quote.status != "draft":
        raise Refused(
            f"The quote {quote.number} is {quote.status}; its lines change only while it is a "
            f"draft (`crm quote set-status {quote.number} draft`)."
        )
    return quote


def lines_of(session: Session, quote: Quote) -> list[QuoteLine]:
    """A quote's lines in order."""
    return queries.quote_lines(session.store.conn, quote.id)


def _line_figures(quote: Quote, data: LineInput, default_tax: str) -> dict[str, Any]:
    """Checks a line's quantity, price, discount and tax rate as typed."""
    unit_price = check.amount(data.price, quote.currency) or 0
    quantity = check_quantity(data.quantity)
    discount = check_discount(data.discount, quote.currency) if data.discount else None
    if amount_of(quantity, unit_price, discount) < 0:
        raise InvalidInput("The discount is larger than the line's amount.")
    return {
        "quantity": quantity,
        "unit_price": unit_price,
        "tax_rate": check_tax_rate(data.tax if data.tax is not None else default_tax),
        "discount": discount,
    }


def draft_line(quote: Quote, data: LineInput, default_tax: str) -> QuoteLine:
    """The line `add_line` would save, unsaved: for a preview of the totals while typing.

    Checks the figures exactly as `add_line` does (an `InvalidInput` says what is wrong); the
    description may still be empty.
    """
    figures = _line_figures(quote, data, default_tax)
    return QuoteLine(id="", quote_id=quote.id, description=data.description.strip(), **figures)


def add_line(session: Session, reference: str, data: LineInput) -> QuoteLine:
    """Adds a line to a draft quote."""
    quote = _draft(session, reference)
    fields_: dict[str, object] = {
        "quote_id": quote.id,
        "description": check.text(data.description, "A line's description", required=True),
        **_line_figures(quote, data, session.config.tax_rate),
    }
    with session.store.write() as writer:
        fields_["position"] = len(lines_of(session, quote)) + 1
        return writer.create(QuoteLine, fields_)


def remove_line(session: Session, reference: str, position: int) -> QuoteLine:
    """Removes a line (by its number as shown) from a draft quote."""
    quote = _draft(session, reference)
    lines = lines_of(session, quote)
    if not 1 <= position <= len(lines):
        raise InvalidInput(f"The quote {quote.number} has lines 1 to {len(lines)}, not {position}.")
    with session.store.write() as writer:
        return writer.update(QuoteLine, lines[position - 1].id, {"archived": True})


def set_quote_status(session: Session, reference: str, status: str) -> Quote:
    """Changes a quote's status (draft, sent, accepted, rejected, expired)."""
    quote = _quote(session, reference)
    new_status = check.choice(status, QUOTE_STATUSES, "quote status")
    if new_status == quote.status:
        raise InvalidInput(f"The quote {quote.number} is already {new_status}.")
    if new_status == "sent" and not lines_of(session, quote):
        raise Refused(f"The quote {quote.number} has no lines; add some before sending it.")
    with session.store.write() as writer:
        return writer.update(Quote, quote.id, {"status": new_status})


class QuoteView(NamedTuple):
    """A quote with its lines, totals and customer, ready to show."""

    quote: Quote
    lines: list[QuoteLine]
    totals: QuoteTotals
    contact: Contact | None
    company: Company | None


def view_quote(session: Session, reference: str) -> QuoteView:
    """Loads a quote with everything `crm quote show` prints."""
    quote = _quote(session, reference)
    lines = lines_of(session, quote)
    conn = session.store.conn
    return QuoteView(
        quote=quote,
        lines=lines,
        totals=totals(lines, session.config.tax_rounding),
        contact=queries.get(conn, Contact, quote.contact_id) if quote.contact_id else None,
        company=queries.get(conn, Company, quote.company_id) if quote.company_id else None,
    )


class QuoteSummary(NamedTuple):
    """One row of the quotes list: the quote, whom it is for, and its grand total."""

    quote: Quote
    customer: str
    total: int


def quote_summaries(session: Session, limit: int | None = None) -> list[QuoteSummary]:
    """Quotes newest first, each with its customer's name and its total after tax."""
    listing = list_records(session, "quotes", Filters(limit=limit))
    out = []
    for quote in listing.records:
        assert isinstance(quote, Quote)
        contact = listing.contacts.get(quote.contact_id or "", "")
        company = listing.companies.get(quote.company_id or "", "")
        customer = f"{contact} ({company})" if contact and company else contact or company
        grand = totals(lines_of(session, quote), session.config.tax_rounding).total
        out.append(QuoteSummary(quote, customer, grand))
    return out
