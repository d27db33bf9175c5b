"""The quick log: a visit with a follow-up in a handful of keys, seen at once in Today."""

from __future__ import annotations

from crm_tui.domain.records import Activity
from crm_tui.services.agenda import next_actions
from crm_tui.services.session import Session
from crm_tui.storage import queries
from tests.screens.conftest import Driver


async def select_yamada(tui: Driver) -> None:
    await tui.press("c")
    await tui.type("やまだ")
    await tui.press("enter")  # to the list: 山田 太郎 is highlighted, so selected


async def test_logging_a_visit_with_a_follow_up_takes_a_handful_of_keys(
    tui: Driver, check_store: Session
) -> None:
    await select_yamada(tui)
    keys = ["l", *"Lobby chat about Model Y", "tab", *"Send the Model Y sheet", "tab", *"3d"]
    keys.append("enter")
    await tui.press(*keys)
    text = len("Lobby chat about Model Y") + len("Send the Model Y sheet") + len("3d")
    assert len(keys) - text <= 4  # l, Tab, Tab, Enter

    visits = [
        a
        for a in queries.select(check_store.store.conn, Activity, equals={"type": "visit"})
        if a.summary == "Lobby chat about Model Y"
    ]
    assert len(visits) == 1 and visits[0].contact_id is not None
    follow_up = next(i for i in next_actions(check_store) if i.title == "Send the Model Y sheet")
    assert follow_up.contact == "山田 太郎"
    assert follow_up.due.isoformat() == "2026-11-29"

    await tui.press("t")
    assert any(row[2].startswith("Send the Model") for row in tui.rows("agenda"))


async def test_a_mistake_keeps_the_form_open_and_saves_nothing(
    tui: Driver, check_store: Session
) -> None:
    await select_yamada(tui)
    before = len(queries.select(check_store.store.conn, Activity))
    await tui.press("l", *"Visit", "tab", "tab", *"someday", "enter")
    assert type(tui.app.screen).__name__ == "QuickLogScreen"
    assert any(n.severity == "error" for n in tui.app._notifications)
    assert len(queries.select(check_store.store.conn, Activity)) == before
    await tui.press("escape")
    assert type(tui.app.screen).__name__ == "CustomersScreen"


async def test_with_no_customer_selected_the_log_asks_who(
    tui: Driver, check_store: Session
) -> None:
    await tui.press("l")
    assert tui.app.focused is not None and tui.app.focused.id == "log-who"
    await tui.type("taro@example.jp")
    await tui.press("shift+tab", "shift+tab", "shift+tab", "shift+tab")
    await tui.type("Called about the quote")
    await tui.press("enter")
    assert any(
        a.summary == "Called about the quote"
        for a in queries.select(check_store.store.conn, Activity)
    )


async def test_ctrl_l_opens_the_log_even_while_typing_a_search(tui: Driver) -> None:
    await select_yamada(tui)
    await tui.press("slash")
    assert tui.app.focused is not None and tui.app.focused.id == "customer-search"
    await tui.press("ctrl+l")
    assert type(tui.app.screen).__name__ == "QuickLogScreen"
