"""Sync from the app: `S` pushes and pulls in the background, and the status line follows."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from textual.widgets import Static

from crm_tui.screens.app import make_app
from crm_tui.services.session import Session, open_session
from crm_tui.services.show import show_record
from crm_tui.services.team import login, status
from tests.screens.conftest import Driver
from tests.sync.conftest import Server

VISIT = "Showed the model X brochure"


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Server]:
    """A `crm server` process on 127.0.0.1 over a file of its own."""
    server = Server(str(tmp_path / "team.db"))
    yield server
    server.stop()


@pytest.fixture
async def joined(demo_store: Path, team: Server) -> AsyncIterator[Driver]:
    """The app on the demo store after `crm login` to the team server, at 80×24."""
    session = open_session(demo_store)
    login(session, team.url, team.add_rep("alice"))
    app = make_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        driver = Driver(app, pilot)
        await driver.settle()
        yield driver


def status_line(tui: Driver) -> str:
    """The sync status at the foot of the current screen."""
    return str(tui.app.screen.query_one("#status-line", Static).render())


async def log_visit(tui: Driver) -> None:
    """Logs a visit with the quick log, for the customer of the highlighted inquiry."""
    await tui.press("i")
    assert tui.app.selected is not None and tui.app.selected.label == "佐藤 花子"
    await tui.press("l")
    await tui.type(VISIT)
    await tui.press("enter")
    assert type(tui.app.screen).__name__ == "InquiriesScreen"


def visits(session: Session) -> list[str]:
    """The visits on 佐藤 花子's timeline."""
    return [e.summary for e in show_record(session, "佐藤").timeline if e.kind == "visit"]


async def test_sync_sends_the_visit_and_the_status_line_shows_nothing_pending(
    joined: Driver, team: Server, check_store: Session
) -> None:
    await log_visit(joined)
    pending = status(check_store).pending
    assert pending > 0 and f"{pending} pending" in status_line(joined)

    await joined.press("S")
    await joined.app.workers.wait_for_complete()
    await joined.settle()

    sent = [json.loads(p) for (p,) in team.db.rows("SELECT payload FROM ops")]
    assert any(VISIT in json.dumps(p, ensure_ascii=False) for p in sent)
    assert status(check_store).pending == 0
    assert visits(check_store) == [VISIT]
    line = status_line(joined)
    assert line.startswith("0 pending")
    assert re.search(r"last sync \d{4}-\d{2}-\d{2} \d{2}:\d{2}", line), line
    assert "offline" not in line
    assert any(n.message.startswith("Synced: ") for n in joined.app._notifications)
    assert not joined.app.syncing


async def test_an_unreachable_server_is_reported_offline_and_nothing_is_lost(
    joined: Driver, team: Server, check_store: Session
) -> None:
    team.kill()
    await log_visit(joined)
    pending = status(check_store).pending

    await joined.press("S")
    await joined.app.workers.wait_for_complete()
    await joined.settle()

    assert any("you are offline" in n.message for n in joined.app._notifications)
    line = status_line(joined)
    assert line.startswith(f"{pending} pending") and line.endswith("offline"), line
    assert status(check_store).pending == pending
    assert VISIT in visits(check_store)
    assert not joined.app.syncing
