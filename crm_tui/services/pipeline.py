"""Provides the pipeline board: deals grouped by stage with their totals, and stepping a deal.

Open stages list every open deal, the nearest expected close first. The won and lost columns list
only deals closed in the last `CLOSED_DAYS` days, newest first: enough to see what just happened
(and to undo a slip) without years of history. Amounts are totalled per currency, because one
board may hold deals in yen and in dollars, and a sum across them would mean nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import NamedTuple

from crm_tui.domain import kpis
from crm_tui.domain.pipeline import chance, next_stage, previous_stage
from crm_tui.domain.records import Deal
from crm_tui.errors import InvalidInput
from crm_tui.services.deals import move_deal
from crm_tui.services.listing import Filters, list_records
from crm_tui.services.references import load
from crm_tui.services.session import Session

CLOSED_DAYS = 30
"""How far back the won and lost columns reach."""


class Card(NamedTuple):
    """One deal on the board: what it is, for whom, how much and how likely."""

    deal_id: str
    title: str
    customer: str
    contact_id: str | None
    company_id: str | None
    amount: int | None
    currency: str
    probability: int
    weighted: int


class Column(NamedTuple):
    """One stage: its deals and their totals per currency (amount and weighted amount)."""

    stage: str
    closed: bool
    cards: tuple[Card, ...]
    amount: dict[str, int]
    weighted: dict[str, int]


class Board(NamedTuple):
    """Every stage in pipeline order, open stages first, then won and lost."""

    columns: tuple[Column, ...]
    currency: str

    def find(self, deal_id: str) -> tuple[int, int] | None:
        """The (column, row) of a deal on the board, or None when it is not shown."""
        for column_index, column in enumerate(self.columns):
            for row, card in enumerate(column.cards):
                if card.deal_id == deal_id:
                    return column_index, row
        return None


def load_board(session: Session) -> Board:
    """Reads the deals and groups them into the board."""
    listing = list_records(session, "deals", Filters(all=True))
    deals = [deal for deal in listing.records if isinstance(deal, Deal)]
    return build_board(
        deals,
        listing.contacts,
        listing.companies,
        session.config.deal_stages,
        session.config.currency,
        session.today - timedelta(days=CLOSED_DAYS),
    )


def build_board(
    deals: Iterable[Deal],
    contacts: Mapping[str, str],
    companies: Mapping[str, str],
    stages: Sequence[str],
    currency: str,
    closed_since: date,
) -> Board:
    """Groups deals by stage with totals; closed deals only when closed on or after a date."""
    grouped: dict[str, list[Deal]] = {stage: [] for stage in stages}
    since = closed_since.isoformat()
    for deal in deals:
        if deal.stage not in grouped:
            continue  # a stage no longer configured: `crm ls deals --all` still lists it
        if deal.stage in stages[-2:] and (deal.closed_on or "") < since:
            continue
        grouped[deal.stage].append(deal)
    columns = []
    for stage, members in grouped.items():
        closed = stage in stages[-2:]
        if closed:
            members.sort(key=lambda d: (d.closed_on or "", d.created_at), reverse=True)
        else:
            members.sort(key=lambda d: (d.expected_close is None, d.expected_close or "", d.title))
        cards = tuple(_card(deal, contacts, companies, stages, currency) for deal in members)
        columns.append(Column(stage, closed, cards, _sum(cards, "amount"), _sum(cards, "weighted")))
    return Board(tuple(columns), currency)


def _card(
    deal: Deal,
    contacts: Mapping[str, str],
    companies: Mapping[str, str],
    stages: Sequence[str],
    currency: str,
) -> Card:
    probability = chance(deal.probability, deal.stage, stages)
    return Card(
        deal_id=deal.id,
        title=deal.title,
        customer=_customer(deal, contacts, companies),
        contact_id=deal.contact_id,
        company_id=deal.company_id,
        amount=deal.amount,
        currency=deal.currency or currency,
        probability=probability,
        weighted=kpis.weighted(deal.amount, probability),
    )


def _customer(deal: Deal, contacts: Mapping[str, str], companies: Mapping[str, str]) -> str:
    company = companies.get(deal.company_id or "", "")
    contact = contacts.get(deal.contact_id or "", "")
    if company and contact:
        return f"{company} · {contact}"
    return company or contact


def _sum(cards: Iterable[Card], field: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for card in cards:
        value = getattr(card, field) or 0
        out[card.currency] = out.get(card.currency, 0) + value
    return out


def step_deal(session: Session, reference: str, step: int) -> Deal:
    """Moves a deal one stage forward (`step` 1) or back (-1) through `move_deal`."""
    deal = load(session, reference, ("deal",))
    assert isinstance(deal, Deal)
    stages = session.config.deal_stages
    target = next_stage(deal.stage, stages) if step > 0 else previous_stage(deal.stage, stages)
    if target is None:
        where = "after" if step > 0 else "before"
        raise InvalidInput(f"The deal {deal.title!r} is {deal.stage}; no stage comes {where} it.")
    return move_deal(session, deal.id, target)


def mark_lost(session: Session, reference: str, reason: str | None) -> Deal:
    """Moves a deal to the lost stage, with the reason when one is given."""
    return move_deal(session, reference, session.config.lost_stage, reason or None)


def mark_won(session: Session, reference: str) -> Deal:
    """Moves a deal to the won stage."""
    return move_deal(session, reference, session.config.won_stage)
