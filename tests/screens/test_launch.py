"""`crm` with no command opens the app on a terminal, and prints help to a pipe."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from crm_tui.launch import _app_store

CRM = str(Path(sys.executable).parent / "crm")


@pytest.mark.parametrize(
    ("args", "store"),
    [
        ([], ""),
        (["--db", "x.db"], "x.db"),
        (["--db=x.db"], "x.db"),
        (["next-actions"], None),
        (["--db", "x.db", "ls", "contacts"], None),
        (["--help"], None),
    ],
)
def test_only_a_bare_crm_or_crm_db_opens_the_app(args: list[str], store: str | None) -> None:
    assert _app_store(args) == store


def on_terminal(env: dict[str, str]) -> tuple[int, bytes]:
    """Runs `crm` on a pseudo-terminal until it exits: its exit code and all it wrote."""
    leader, follower = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", **env}
    process = subprocess.Popen([CRM], stdin=follower, stdout=follower, stderr=follower, env=env)
    os.close(follower)
    screen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 30)
        if not ready:
            process.kill()
            pytest.fail("crm wrote nothing for 30 s")
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: crm has exited
            break
        if not chunk:
            break
        screen += chunk
    code = process.wait()
    os.close(leader)
    return code, screen


def test_crm_on_a_terminal_opens_today_with_the_agenda(demo_store: Path) -> None:
    code, screen = on_terminal({"CRM_DB": str(demo_store), "CRM_TUI_EXIT_WHEN_READY": "1"})
    assert code == 0
    assert b"Send the brochure" in screen
    assert b"Next actions" in screen


def test_crm_into_a_pipe_prints_help_instead(demo_store: Path) -> None:
    env = {**os.environ, "CRM_DB": str(demo_store)}
    done = subprocess.run([CRM], capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)
    assert done.returncode == 0
    assert "next-actions" in done.stdout


def test_a_store_that_cannot_be_opened_is_one_line_on_a_terminal(isolated: Path) -> None:
    bad = isolated / "not-a-store.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    code, out = on_terminal({"CRM_DB": str(bad)})
    assert code != 0
    assert b"crm: " in out and b"Traceback" not in out
