"""The Pipeline screen: deals in columns by stage, moved by key, totals per column (issue 5)."""

from __future__ import annotations

from textual.widgets import Static

from crm_tui.domain.money import format_money
from crm_tui.domain.records import Deal
from crm_tui.services.listing import Filters, list_records
from crm_tui.services.pipeline import load_board
from crm_tui.services.records import DealInput, add_deal
from crm_tui.services.session import Session
from tests.screens.conftest import Driver


def stored(session: Session, title: str) -> Deal:
    """The deal with this title as the store has it now."""
    deals = list_records(session, "deals", Filters(all=True)).records
    found = next(d for d in deals if isinstance(d, Deal) and d.title == title)
    assert isinstance(found, Deal)
    return found


def column(tui: Driver, session: Session, stage: str) -> tuple[int, list[str], str]:
    """A stage's index, the first lines of its cards (the titles), and its header as shown."""
    index = session.config.deal_stages.index(stage)
    titles = [row[0].split("\n")[0] for row in tui.rows(f"stage-{index}")]
    head = str(tui.app.screen.query_one(f"#head-{index}", Static).render())
    return index, titles, head


def head_matches_store(tui: Driver, session: Session, stage: str) -> None:
    """The header shows the stage's count, total and weighted total as the store has them."""
    index, titles, head = column(tui, session, stage)
    shown = load_board(session).columns[index]
    assert head.startswith(f"{stage} {len(shown.cards)}")
    assert format_money(shown.amount.get("JPY", 0), "JPY") in head
    assert f"weighted {format_money(shown.weighted.get('JPY', 0), 'JPY')}" in head
    assert titles == [card.title for card in shown.cards]


async def test_a_deal_moves_to_the_next_stage_and_back_with_keys(
    tui: Driver, check_store: Session
) -> None:
    await tui.press("p")
    assert column(tui, check_store, "qualified")[1] == ["Scanner pilot"]
    assert "¥300,000" in column(tui, check_store, "proposal")[2]
    await tui.press("right", "right_square_bracket")  # from lead to qualified, then move it
    assert stored(check_store, "Scanner pilot").stage == "proposal"
    assert column(tui, check_store, "qualified")[1] == []
    assert "Scanner pilot" in column(tui, check_store, "proposal")[1]
    assert "proposal 2\n¥1,500,000\nweighted ¥900,000" in column(tui, check_store, "proposal")[2]
    for stage in ("qualified", "proposal"):
        head_matches_store(tui, check_store, stage)
    await tui.press("left_square_bracket")  # the cursor followed the deal: it goes back
    assert stored(check_store, "Scanner pilot").stage == "qualified"
    for stage in ("qualified", "proposal"):
        head_matches_store(tui, check_store, stage)
    assert "proposal 1\n¥300,000" in column(tui, check_store, "proposal")[2]


async def test_moving_past_the_last_open_stage_wins_and_the_window_follows(
    tui: Driver, check_store: Session
) -> None:
    await tui.press("p", "right", "right", "right_square_bracket")  # Model X: proposal →
    assert stored(check_store, "Model X ×2").stage == "negotiation"
    await tui.press("shift+right")
    deal = stored(check_store, "Model X ×2")
    assert (deal.stage, deal.closed_on) == ("won", "2026-11-26")
    won = check_store.config.deal_stages.index("won")
    assert column(tui, check_store, "won")[1] == ["Model X ×2"]
    assert tui.app.screen.query_one(f"#column-{won}").display  # slid into view at 80 columns
    assert not tui.app.screen.query_one("#column-0").display
    await tui.press("right_square_bracket")
    assert any("no stage comes after" in n.message for n in tui.app._notifications)


async def test_marking_a_deal_lost_asks_for_an_optional_reason(
    tui: Driver, check_store: Session
) -> None:
    await tui.press("p", "right", "x")
    await tui.type("timing")
    await tui.press("enter")
    deal = stored(check_store, "Scanner pilot")
    assert (deal.stage, deal.lost_reason, deal.probability) == ("lost", "timing", 0)
    _, titles, head = column(tui, check_store, "lost")
    assert titles == ["Scanner pilot"] and "last 30 days" in head


async def test_escape_at_the_lost_question_leaves_the_deal_alone(
    tui: Driver, check_store: Session
) -> None:
    await tui.press("p", "right", "x", "escape")
    assert stored(check_store, "Scanner pilot").stage == "qualified"


async def test_enter_opens_the_highlighted_deal(tui: Driver) -> None:
    await tui.press("p", "right", "enter")
    assert type(tui.app.screen).__name__ == "RecordScreen"
    assert "Scanner pilot" in str(tui.app.screen.query_one("#fields").render())


async def test_three_stages_show_at_80_columns_and_four_at_120(tui: Driver) -> None:
    await tui.press("p")
    shown = [c.display for c in tui.app.screen.query(".stage-column")]
    assert shown == [True, True, True, False, False, False]
    await tui.pilot.resize_terminal(120, 40)
    await tui.settle()
    shown = [c.display for c in tui.app.screen.query(".stage-column")]
    assert shown == [True, True, True, True, False, False]


async def test_markup_in_a_deal_title_is_shown_literally(tui: Driver, check_store: Session) -> None:
    title = "[b]x[/][@click=app.quit]"
    add_deal(check_store, DealInput(title, company="Harbor Logistics", amount="1000"))
    await tui.pilot.resize_terminal(120, 40)  # room for the whole title on its card
    await tui.press("p")
    assert column(tui, check_store, "lead")[1] == [title]
    await tui.press("enter")  # clicking or opening it must not run the app.quit action
    assert tui.app.is_running
    assert title in str(tui.app.screen.query_one("#fields").render())
