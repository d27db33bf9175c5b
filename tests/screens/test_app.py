"""The app as a whole: untrusted text stays text, the palette, the keys screen, remapped keys."""

from __future__ import annotations

import os
from pathlib import Path

from textual.command import CommandPalette

from crm_tui.config import config_from_dict
from crm_tui.screens.app import make_app
from crm_tui.services.activities import LogInput, log_activity
from crm_tui.services.records import ContactInput, add_contact
from crm_tui.services.session import Session, open_session
from tests.screens.conftest import Driver

HOSTILE = "[@click=app.quit]Mallory[/] [bold]Boss[/bold] [/] \x1b[31mred\x1b[0m"


async def test_markup_and_escapes_in_a_name_show_literally_and_do_nothing(
    tui: Driver, check_store: Session
) -> None:
    added = add_contact(check_store, ContactInput(name=HOSTILE, note="[link=file:///etc]x[/link]"))
    log_activity(check_store, LogInput("visit", added.record.id, HOSTILE, next=HOSTILE, due="1d"))
    tui.app.refresh_screens()
    await tui.settle()
    agenda = " ".join(" ".join(row) for row in tui.rows("agenda"))
    assert "[@click=app.quit]" in agenda and "\x1b" not in agenda

    await tui.press("c")
    await tui.type("Mallory")
    row = tui.rows("customers")[0]
    assert row[0].startswith("[@click=a")
    await tui.press("enter", "enter")
    fields = str(tui.app.screen.query_one("#fields").render())
    assert "[@click=app.quit]Mallory[/] [bold]Boss[/bold] [/] \\x1b[31mred\\x1b[0m" in fields
    assert "[link=file:///etc]x[/link]" in fields
    await tui.pilot.click("#fields")
    await tui.settle()
    assert tui.app.is_running


async def test_the_palette_jumps_to_a_customer_by_reading(tui: Driver) -> None:
    await tui.press("ctrl+p")
    assert isinstance(tui.app.screen, CommandPalette)
    await tui.type("やまだ")
    await tui.press("down", "enter")
    assert type(tui.app.screen).__name__ == "RecordScreen"
    assert "山田 太郎" in str(tui.app.screen.query_one("#fields").render())


async def test_the_palette_lists_every_screen(tui: Driver) -> None:
    commands = [c.title for c in tui.app.get_system_commands(tui.app.screen)]
    for title in ("Today", "Customers", "Pipeline", "Quotes", "Inquiries", "Conflicts"):
        assert title in commands
    await tui.press("ctrl+p")
    await tui.type("Pipeline")
    await tui.press("enter")
    assert type(tui.app.screen).__name__ == "PipelineScreen"


async def test_the_keys_screen_lists_keys_with_their_ids(tui: Driver) -> None:
    await tui.press("f1")
    keys = tui.rows("keys")
    ids = {row[2] for row in keys}
    assert {"today.complete", "quick-log", "customers", "help"} <= ids
    await tui.press("escape")
    assert type(tui.app.screen).__name__ == "TodayScreen"


async def test_keys_are_remapped_from_the_config(demo_store: Path) -> None:
    config = config_from_dict({"keys": {"customers": "k", "quick-log": "n"}})
    app = make_app(open_session(demo_store, config))
    async with app.run_test(size=(80, 24)) as pilot:
        driver = Driver(app, pilot)
        await driver.settle()
        await driver.press("k")
        assert type(app.screen).__name__ == "CustomersScreen"
        await driver.press("escape", "n")
        assert type(app.screen).__name__ == "QuickLogScreen"


async def test_no_color_turns_colour_off(demo_store: Path) -> None:
    os.environ["NO_COLOR"] = "1"
    try:
        app = make_app(open_session(demo_store))
    finally:
        os.environ.pop("NO_COLOR", None)
    async with app.run_test(size=(80, 24)) as pilot:
        await Driver(app, pilot).settle()
        assert app.no_color


def test_a_keys_table_that_is_not_text_is_a_clear_config_error() -> None:
    import pytest

    from crm_tui.errors import InvalidInput

    with pytest.raises(InvalidInput, match=r"\[keys\]"):
        config_from_dict({"keys": {"quick-log": 3}})
