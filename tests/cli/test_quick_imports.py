"""Tests that the quick commands import only what they use (no Textual, vobject, httpx, Rich…)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import Crm

HEAVY = ("textual", "vobject", "httpx", "rich", "sqlite_utils", "holidays")
MARKER = "--- modules ---"
SCRIPT = f"""
import sys
from crm_tui.cli.main import app
try:
    app(sys.argv[1:], prog_name="crm")
except SystemExit as done:
    if done.code:
        raise
print({MARKER!r})
print("\\n".join(sorted(sys.modules)))
"""


def _imported(*args: str) -> set[str]:
    """The top-level packages loaded by one `crm ARGS…` run in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    listed = done.stdout.split(MARKER + "\n", 1)[1].split()
    return {name.split(".")[0] for name in listed}


@pytest.fixture
def current_store(crm: Crm) -> None:
    """A store whose schema is current, with a contact, so quick commands have work to do."""
    crm("add", "contact", "山田 太郎", "--phone", "090-1234-5678", "--email", "taro@example.jp")
    crm("task", "add", "Send the brochure", "--for", "山田", "--due", "3d")


@pytest.mark.usefixtures("current_store")
@pytest.mark.parametrize(
    "args",
    [
        ("next-actions",),
        ("next-actions", "--json"),
        ("log", "visit", "taro@example.jp", "Demo", "--next", "Call back", "--due", "3d"),
        ("search", "やまだ"),
        ("search", "090-1234-5678"),
        ("show", "山田"),
        ("show", "山田", "--json"),
        ("report",),
        ("report", "--period", "quarter", "--json"),
        ("segment", "count", "--where", 'title ~ "部長" and purchases >= 3'),
        ("segment", "count", "--where", "last_activity < -90d and deal.stage = lost", "--json"),
    ],
)
def test_a_quick_command_imports_no_heavy_library(args: tuple[str, ...]) -> None:
    loaded = _imported(*args)
    assert "crm_tui" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


@pytest.mark.usefixtures("current_store")
def test_holidays_load_only_when_business_days_are_counted(crm: Crm) -> None:
    assert "holidays" not in _imported("next-actions")
    crm("inquiry", "open", "山田", "Price list", "--at", "2026-11-20 10:00")
    # Asked once, the year's holidays are kept in the store; later runs read them from there.
    assert "holidays" in _imported("next-actions")
    assert "holidays" not in _imported("next-actions")


@pytest.mark.usefixtures("current_store")
def test_a_quick_command_builds_only_its_own_command_module() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, "next-actions"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=False,
    )
    modules = set(done.stdout.split(MARKER + "\n", 1)[1].split())
    cli_modules = {m for m in modules if m.startswith("crm_tui.cli.")}
    assert "crm_tui.cli.agenda" in cli_modules
    assert not cli_modules & {
        "crm_tui.cli.records",
        "crm_tui.cli.quotes",
        "crm_tui.cli.backoffice",
        "crm_tui.cli.maintenance",
        "crm_tui.cli.jsonify",
    }
