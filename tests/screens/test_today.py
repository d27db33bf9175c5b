"""The Today screen: the agenda in next-actions order, task keys, pipeline and month figures."""

from __future__ import annotations

from crm_tui.domain.agenda import NextAction
from crm_tui.services.agenda import next_actions
from crm_tui.services.session import Session
from tests.screens.conftest import Driver


async def test_today_shows_the_agenda_in_next_actions_order(
    tui: Driver, check_store: Session
) -> None:
    expected = [item.title for item in next_actions(check_store)]
    shown = [row[2].rstrip("…") for row in tui.rows("agenda")]
    assert len(shown) == len(expected) > 3
    assert all(title.startswith(cut) for title, cut in zip(expected, shown, strict=True))
    assert tui.rows("agenda")[0][0] < tui.rows("agenda")[-1][0]  # overdue first


def first_task(tui: Driver, session: Session) -> tuple[int, NextAction]:
    """The row of the first task on Today, and that task as `crm next-actions` has it."""
    items = next_actions(session)
    index = next(i for i, item in enumerate(items) if item.kind == "task")
    assert tui.rows("agenda")[index][2].rstrip("…") in items[index].title
    return index, items[index]


async def test_completing_a_task_in_place_removes_it_from_today(
    tui: Driver, check_store: Session
) -> None:
    index, task = first_task(tui, check_store)
    await tui.press(*["down"] * index, "d")
    assert task.title not in [item.title for item in next_actions(check_store)]
    assert len(tui.rows("agenda")) == len(next_actions(check_store))


async def test_snoozing_a_task_moves_its_due_date_a_day(tui: Driver, check_store: Session) -> None:
    index, task = first_task(tui, check_store)
    await tui.press(*["down"] * index, "z")
    item = next(i for i in next_actions(check_store) if i.record_id == task.record_id)
    assert item.due > task.due
    assert item.due.isoformat() in [row[0] for row in tui.rows("agenda")]


async def test_rescheduling_asks_for_a_date_and_saves_it(tui: Driver, check_store: Session) -> None:
    index, task = first_task(tui, check_store)
    await tui.press(*["down"] * index, "r")
    await tui.press("ctrl+a", "ctrl+k")
    await tui.type("2026-12-03")
    await tui.press("enter")
    item = next(i for i in next_actions(check_store) if i.record_id == task.record_id)
    assert item.due.isoformat() == "2026-12-03"


async def test_a_key_on_something_that_is_not_a_task_explains_instead_of_failing(
    tui: Driver,
) -> None:
    index = next(i for i, row in enumerate(tui.rows("agenda")) if row[1] != "task")
    await tui.press(*["down"] * index, "d")
    assert any("Only tasks" in n.message for n in tui.app._notifications)


async def test_enter_opens_the_item_record(tui: Driver) -> None:
    index = next(i for i, row in enumerate(tui.rows("agenda")) if row[1] == "task")
    title = tui.rows("agenda")[index][2].rstrip("…")
    await tui.press(*["down"] * index, "enter")
    assert type(tui.app.screen).__name__ == "RecordScreen"
    assert title in str(tui.app.screen.query_one("#fields").render())


async def test_pipeline_and_month_figures_show_weighted_values(tui: Driver) -> None:
    pipeline = str(tui.app.screen.query_one("#pipeline-summary").render())
    assert "qualified" in pipeline and "¥" in pipeline
    month = str(tui.app.screen.query_one("#month-figures").render())
    assert "activities" in month and "win rate" in month
