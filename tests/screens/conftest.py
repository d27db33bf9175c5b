"""Provides the TUI fixtures: the app over a demo store, and a pilot that waits for its work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import DataTable, OptionList

from crm_tui.screens.app import CrmApp, make_app
from crm_tui.screens.text import SEPARATOR
from crm_tui.services.demo import seed_demo
from crm_tui.services.session import Session, open_session


@dataclass
class Driver:
    """The running app and its pilot, with helpers that wait for workers instead of sleeping."""

    app: CrmApp
    pilot: Pilot[None]

    async def settle(self) -> None:
        """Waits until every worker has finished and the screen has caught up."""
        for _ in range(3):
            await self.pilot.pause()
            await self.app.workers.wait_for_complete()
        await self.pilot.pause()

    async def press(self, *keys: str) -> None:
        """Presses keys, then settles."""
        await self.pilot.press(*keys)
        await self.settle()

    async def type(self, text: str) -> None:
        """Types text one character at a time (each a keystroke), then settles."""
        await self.pilot.press(*text)
        await self.settle()

    def rows(self, table_id: str) -> list[list[str]]:
        """The plain text of every row of a table (or a list of columned lines) on the screen."""
        widget = self.app.screen.query_one(f"#{table_id}")
        if isinstance(widget, OptionList):
            options = map(widget.get_option_at_index, range(widget.option_count))
            return [[cell.strip() for cell in str(o.prompt).split(SEPARATOR)] for o in options]
        table: DataTable[Text] = self.app.screen.query_one(f"#{table_id}", DataTable)
        return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]


@pytest.fixture
def demo_store(isolated: Path) -> Path:
    """The demo store (two companies, three contacts, deals, a quote, tasks, an inquiry)."""
    path = isolated / "crm.db"
    seed_demo(path).close()
    return path


@pytest.fixture
def demo_session(demo_store: Path) -> Session:
    """A session on the demo store for the app (the app closes it when it ends)."""
    return open_session(demo_store)


@pytest.fixture
async def tui(demo_session: Session) -> AsyncIterator[Driver]:
    """The app on the demo store in an 80×24 terminal, with its first screen loaded."""
    app = make_app(demo_session)
    async with app.run_test(size=(80, 24)) as pilot:
        driver = Driver(app, pilot)
        await driver.settle()
        yield driver


@pytest.fixture
def check_store(demo_store: Path) -> Session:
    """A second session on the same store, to check what the app saved."""
    return open_session(demo_store)
