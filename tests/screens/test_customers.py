"""The Customers screen: search as you type (readings in either kana), open, page on."""

from __future__ import annotations

from typing import cast

from crm_tui.screens.customers import CustomersScreen
from crm_tui.services.customers import PAGE
from crm_tui.services.records import ContactInput, add_contact
from crm_tui.services.session import Session
from tests.screens.conftest import Driver


async def open_customers(tui: Driver) -> None:
    await tui.press("c")
    assert type(tui.app.screen).__name__ == "CustomersScreen"


def names(tui: Driver) -> list[str]:
    """The customers listed, as the screen holds them; each is shown (maybe cut) in its row."""
    held = [row.name for row in cast(CustomersScreen, tui.app.screen).rows]
    shown = [row[0] for row in tui.rows("customers")]
    assert len(held) == len(shown)
    for name, cell in zip(held, shown, strict=True):
        assert name.startswith(cell.rstrip("…").rstrip())
    return held


async def test_customers_lists_every_contact_and_company(tui: Driver) -> None:
    await open_customers(tui)
    assert {"山田 太郎", "佐藤 花子", "Emma Clarke", "Harbor Logistics"} <= set(names(tui))


async def test_search_by_reading_in_katakana_and_in_hiragana(tui: Driver) -> None:
    await open_customers(tui)
    await tui.type("ヤマダ")
    assert names(tui) == ["山田 太郎"]
    await tui.press(*["backspace"] * 3)
    await tui.type("やまだ")
    assert names(tui) == ["山田 太郎"]


async def test_search_by_phone_email_and_company(tui: Driver) -> None:
    await open_customers(tui)
    await tui.type("090-1234-5678")
    assert names(tui) == ["山田 太郎"]
    await tui.press("ctrl+a", "ctrl+k")
    await tui.type("hanako.sato@example.jp")
    assert names(tui) == ["佐藤 花子"]
    await tui.press("ctrl+a", "ctrl+k")
    await tui.type("harbor")
    assert "Harbor Logistics" in names(tui)


async def test_enter_opens_the_customer_with_its_timeline_newest_first(tui: Driver) -> None:
    await open_customers(tui)
    await tui.type("やまだ")
    await tui.press("enter", "enter")
    assert type(tui.app.screen).__name__ == "RecordScreen"
    assert "山田 太郎" in str(tui.app.screen.query_one("#fields").render())
    when = [row[0] for row in tui.rows("timeline")]
    assert len(when) >= 2 and when == sorted(when, reverse=True)


async def test_the_list_pages_on_as_the_cursor_nears_the_end(
    tui: Driver, check_store: Session
) -> None:
    for n in range(130):
        add_contact(check_store, ContactInput(name=f"Zed Person {n:03}"))
    tui.app.refresh_screens()
    await open_customers(tui)
    await tui.settle()
    assert len(tui.rows("customers")) == PAGE
    assert f"{PAGE} of 135" in str(tui.app.screen.query_one("#customers-count").render())
    await tui.press("enter")  # from the search box to the list
    shown = [PAGE]
    while shown[-1] < 135 and len(shown) < 10:
        await tui.press("end")
        shown.append(len(tui.rows("customers")))
    assert shown == [PAGE, 2 * PAGE, 3 * PAGE, 135]
    assert len(set(names(tui))) == 135
