"""Tests of the quote editor's services: the unsaved line checked like a saved one, the list."""

from __future__ import annotations

import pytest

from crm_tui.domain.quotes import totals
from crm_tui.errors import InvalidInput
from crm_tui.services.quotes import (
    LineInput,
    QuoteInput,
    add_line,
    draft_line,
    new_quote,
    quote_summaries,
    set_quote_status,
    view_quote,
)
from crm_tui.services.records import CompanyInput, ContactInput, add_company, add_contact
from crm_tui.services.session import Session


def _customers(session: Session) -> None:
    add_company(session, CompanyInput("Acme"))
    add_contact(session, ContactInput("Ann Lee", company="Acme"))


def test_a_draft_line_gives_the_totals_saving_it_gives(session: Session) -> None:
    _customers(session)
    quote = new_quote(session, QuoteInput("Ann Lee"))
    typed = LineInput("Cable ×3", "3", "1,999", "8", "10%")
    draft = draft_line(quote, typed, session.config.tax_rate)
    assert draft.description == "Cable ×3" and not draft.id
    add_line(session, quote.number, typed)
    assert totals([draft], session.config.tax_rounding) == view_quote(session, quote.id).totals


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        (LineInput("x", "abc"), "not a number for quantity"),
        (LineInput("x", "0"), "must be positive"),
        (LineInput("x", "1", "12.5"), "more decimals than JPY"),
        (LineInput("x", "1", "100", "150"), "between 0 and 100"),
        (LineInput("x", "1", "100", None, "500"), "larger than the line"),
    ],
)
def test_a_draft_line_refuses_what_add_line_refuses(
    session: Session, typed: LineInput, problem: str
) -> None:
    _customers(session)
    quote = new_quote(session, QuoteInput("Acme"))
    with pytest.raises(InvalidInput, match=problem):
        draft_line(quote, typed, "10")
    with pytest.raises(InvalidInput, match=problem):
        add_line(session, quote.number, typed)


def test_a_draft_line_without_a_tax_rate_takes_the_default(session: Session) -> None:
    _customers(session)
    quote = new_quote(session, QuoteInput("Acme"))
    assert draft_line(quote, LineInput("", "1", "100"), "10").tax_rate == "10"


def test_quote_summaries_list_newest_first_with_customer_and_total(session: Session) -> None:
    _customers(session)
    first = new_quote(session, QuoteInput("Ann Lee"))
    add_line(session, first.number, LineInput("Press", "2", "150000", "10"))
    add_line(session, first.number, LineInput("Lunch", "1", "5000", "8"))
    set_quote_status(session, first.number, "sent")
    second = new_quote(session, QuoteInput("Acme"))
    rows = quote_summaries(session)
    assert [(row.quote.id, row.customer, row.total) for row in rows] == [
        (second.id, "Acme", 0),
        (first.id, "Ann Lee (Acme)", 335400),
    ]
