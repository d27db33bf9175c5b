"""Tests of the pipeline board and of stepping deals through the stages, without the TUI."""

from __future__ import annotations

from datetime import date

import pytest

from crm_tui.config import DEFAULT_STAGES
from crm_tui.domain.pipeline import chance, next_stage, previous_stage
from crm_tui.domain.records import Deal
from crm_tui.errors import InvalidInput
from crm_tui.services.pipeline import build_board, load_board, mark_lost, step_deal
from crm_tui.services.records import CompanyInput, DealInput, add_company, add_deal
from crm_tui.services.session import Session

STAGES = DEFAULT_STAGES  # lead, qualified, proposal, negotiation, won, lost


@pytest.mark.parametrize(
    ("stage", "after"),
    [
        ("lead", "qualified"),
        ("proposal", "negotiation"),
        ("negotiation", "won"),
        ("won", None),
        ("lost", None),
        ("retired stage", None),
    ],
)
def test_the_next_stage_of_the_last_open_stage_is_won_and_nothing_follows_a_closed_one(
    stage: str, after: str | None
) -> None:
    assert next_stage(stage, STAGES) == after


@pytest.mark.parametrize(
    ("stage", "before"),
    [
        ("lead", None),
        ("qualified", "lead"),
        ("negotiation", "proposal"),
        ("won", "negotiation"),
        ("lost", "negotiation"),
        ("retired stage", None),
    ],
)
def test_stepping_back_from_won_or_lost_reopens_at_the_last_open_stage(
    stage: str, before: str | None
) -> None:
    assert previous_stage(stage, STAGES) == before


@pytest.mark.parametrize(
    ("probability", "stage", "expected"),
    [(None, "lead", 20), (None, "negotiation", 80), (35, "lead", 35), (None, "won", 100)],
)
def test_a_deal_without_a_probability_takes_its_stage_default(
    probability: int | None, stage: str, expected: int
) -> None:
    assert chance(probability, stage, STAGES) == expected


def deal(
    title: str,
    stage: str,
    amount: int | None,
    *,
    currency: str = "JPY",
    probability: int | None = None,
    closed_on: str | None = None,
    expected_close: str | None = None,
) -> Deal:
    """A deal as the store returns it."""
    return Deal(
        id=f"D-{title}",
        title=title,
        stage=stage,
        amount=amount,
        currency=currency,
        probability=probability,
        closed_on=closed_on,
        expected_close=expected_close,
        company_id="C1",
    )


def test_the_board_totals_amounts_and_weighted_amounts_per_stage_and_currency() -> None:
    deals = [
        deal("A", "proposal", 300000, probability=60),
        deal("B", "proposal", 100000),  # the default for proposal: 60%
        deal("C", "proposal", 5000, currency="USD"),
        deal("D", "lead", None),
    ]
    board = build_board(deals, {}, {"C1": "Acme"}, STAGES, "JPY", date(2026, 11, 1))
    assert [column.stage for column in board.columns] == list(STAGES)
    proposal = board.columns[STAGES.index("proposal")]
    assert len(proposal.cards) == 3
    assert proposal.amount == {"JPY": 400000, "USD": 5000}
    assert proposal.weighted == {"JPY": 180000 + 60000, "USD": 3000}
    lead = board.columns[0]
    assert lead.amount == {"JPY": 0} and lead.weighted == {"JPY": 0}
    assert lead.cards[0].customer == "Acme"
    assert board.find("D-C") == (STAGES.index("proposal"), 2)
    assert board.find("nowhere") is None


def test_open_columns_put_the_nearest_close_first_and_undated_deals_last() -> None:
    deals = [
        deal("later", "lead", 1, expected_close="2026-12-20"),
        deal("undated", "lead", 1),
        deal("sooner", "lead", 1, expected_close="2026-12-01"),
    ]
    board = build_board(deals, {}, {}, STAGES, "JPY", date(2026, 11, 1))
    assert [card.title for card in board.columns[0].cards] == ["sooner", "later", "undated"]


def test_won_and_lost_columns_show_only_deals_closed_recently_newest_first() -> None:
    deals = [
        deal("old win", "won", 1000, probability=100, closed_on="2026-09-30"),
        deal("new win", "won", 2000, probability=100, closed_on="2026-11-20"),
        deal("newer win", "won", 3000, probability=100, closed_on="2026-11-25"),
        deal("lost", "lost", 4000, probability=0, closed_on="2026-11-10"),
    ]
    board = build_board(deals, {}, {}, STAGES, "JPY", date(2026, 10, 27))
    won, lost = board.columns[-2], board.columns[-1]
    assert won.closed and lost.closed
    assert [card.title for card in won.cards] == ["newer win", "new win"]
    assert won.amount == won.weighted == {"JPY": 5000}
    assert lost.amount == {"JPY": 4000} and lost.weighted == {"JPY": 0}


def test_deals_in_a_stage_no_longer_configured_are_left_off_the_board() -> None:
    board = build_board([deal("odd", "retired", 1)], {}, {}, STAGES, "JPY", date(2026, 11, 1))
    assert all(not column.cards for column in board.columns)


def _acme_deal(session: Session, stage: str = "negotiation") -> Deal:
    add_company(session, CompanyInput("Acme"))
    return add_deal(session, DealInput("Press line", company="Acme", amount="500000", stage=stage))


def test_load_board_reads_the_store_with_customer_names(session: Session) -> None:
    made = _acme_deal(session)
    board = load_board(session)
    found = board.find(made.id)
    assert found == (STAGES.index("negotiation"), 0)
    card = board.columns[found[0]].cards[0]
    assert (card.title, card.customer, card.amount, card.probability) == (
        "Press line",
        "Acme",
        500000,
        80,
    )
    assert board.columns[found[0]].weighted == {"JPY": 400000}


def test_stepping_forward_wins_a_deal_and_stepping_back_reopens_it(session: Session) -> None:
    made = _acme_deal(session)
    won = step_deal(session, made.id, 1)
    assert (won.stage, won.probability, won.closed_on) == ("won", 100, "2026-11-26")
    board = load_board(session)
    assert board.find(made.id) == (STAGES.index("won"), 0)
    reopened = step_deal(session, made.id, -1)
    assert (reopened.stage, reopened.probability, reopened.closed_on) == (
        "negotiation",
        None,
        None,
    )
    assert step_deal(session, made.id, -1).stage == "proposal"


def test_stepping_past_either_end_is_refused_with_the_reason(session: Session) -> None:
    made = _acme_deal(session, stage="lead")
    with pytest.raises(InvalidInput, match="no stage comes before"):
        step_deal(session, made.id, -1)
    mark_lost(session, made.id, "price")
    with pytest.raises(InvalidInput, match="is lost; no stage comes after"):
        step_deal(session, made.id, 1)


def test_marking_lost_keeps_the_reason_and_an_empty_reason_is_none(session: Session) -> None:
    made = _acme_deal(session)
    lost = mark_lost(session, made.id, "went with a competitor")
    assert (lost.stage, lost.lost_reason, lost.probability) == (
        "lost",
        "went with a competitor",
        0,
    )
    other = add_deal(session, DealInput("Spare parts", company="Acme", amount="1000"))
    assert mark_lost(session, other.id, "").lost_reason is None
