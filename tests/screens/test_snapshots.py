"""SVG snapshots of the key screens at 80×24 and 120×40 (update with --snapshot-update)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from crm_tui.screens.app import CrmApp, make_app
from crm_tui.services.demo import seed_demo
from crm_tui.services.session import open_session
from crm_tui.storage.db import open_store

SnapCompare = Callable[..., bool]


@pytest.fixture
def snapshot_app(isolated: Path) -> CrmApp:
    """The app on a demo store whose device code is fixed, so quote numbers never vary."""
    path = isolated / "crm.db"
    store = open_store(path, "alice")
    store.conn.execute("UPDATE meta SET value = '01SNAPSHOTSITE00000000SNAP' WHERE key = 'site_id'")
    store.close()
    seed_demo(path).close()
    return make_app(open_session(path))


async def settle(pilot: Pilot[Any]) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def typed(*keys: str) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_today(snap_compare: SnapCompare, snapshot_app: CrmApp, size: tuple[int, int]) -> None:
    assert snap_compare(snapshot_app, terminal_size=size, run_before=typed())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_customers_searched_by_reading(
    snap_compare: SnapCompare, snapshot_app: CrmApp, size: tuple[int, int]
) -> None:
    assert snap_compare(snapshot_app, terminal_size=size, run_before=typed("c", *"さとう"))


def test_keys_screen(snap_compare: SnapCompare, snapshot_app: CrmApp) -> None:
    # (The record view is not snapshotted: its timeline shows when each record was written,
    # which is the real clock, not the pinned one.)
    assert snap_compare(snapshot_app, terminal_size=(120, 40), run_before=typed("f1"))


def test_quick_log(snap_compare: SnapCompare, snapshot_app: CrmApp) -> None:
    keys = ("c", *"やまだ", "enter", "l", *"Demo went well")
    assert snap_compare(snapshot_app, terminal_size=(80, 24), run_before=typed(*keys))


def test_pipeline(snap_compare: SnapCompare, snapshot_app: CrmApp) -> None:
    assert snap_compare(snapshot_app, terminal_size=(80, 24), run_before=typed("p"))


def test_quote_editor(snap_compare: SnapCompare, snapshot_app: CrmApp) -> None:
    keys = ("u", "enter")
    assert snap_compare(snapshot_app, terminal_size=(120, 40), run_before=typed(*keys))
