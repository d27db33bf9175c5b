"""Provides the fixtures every test shares: an isolated home, store, config and clock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from crm_tui.cli.main import app
from crm_tui.services.session import Session, open_session

NOW = "2026-11-26T09:00:00+09:00"
"""Tests run on Thursday 26 November 2026 at 09:00 in Tokyo unless they say otherwise."""


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Gives each test its own home, data and config directories, store, zone and clock."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("CRM_DB", str(tmp_path / "crm.db"))
    monkeypatch.setenv("CRM_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("CRM_NOW", NOW)
    monkeypatch.setenv("USER", "alice")
    monkeypatch.setenv("LOGNAME", "alice")
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield tmp_path
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def session(isolated: Path) -> Iterator[Session]:
    """A session on the test's store, as the services see it."""
    opened = open_session()
    yield opened
    opened.close()


@dataclass
class Result:
    """What a command did: its exit code, stdout and stderr."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        """stdout parsed as JSON."""
        return json.loads(self.out)


Crm = Callable[..., Result]


@pytest.fixture
def crm() -> Crm:
    """Runs `crm ARGS…` in-process, as a user would type it; `ok=True` asserts success."""
    runner = CliRunner()

    def run(*args: str, ok: bool = True, input: str | None = None) -> Result:
        outcome = runner.invoke(app, list(args), input=input)
        if outcome.exception and not isinstance(outcome.exception, SystemExit):
            raise outcome.exception
        result = Result(outcome.exit_code, outcome.stdout, outcome.stderr)
        if ok:
            assert result.code == 0, f"crm {' '.join(args)} failed: {result.err}{result.out}"
        return result

    return run


@pytest.fixture
def crm_process() -> Crm:
    """Runs `crm ARGS…` as a separate process (the real entry point, exit codes, stderr)."""

    def run(*args: str, ok: bool = True, input: str | None = None) -> Result:
        done = subprocess.run(
            [sys.executable, "-m", "crm_tui", *args],
            capture_output=True,
            text=True,
            input=input,
            env=os.environ.copy(),
            check=False,
        )
        result = Result(done.returncode, done.stdout, done.stderr)
        if ok:
            assert result.code == 0, f"crm {' '.join(args)} failed: {result.err}{result.out}"
        return result

    return run
