"""Provides laptops driven only through the `crm` command, and a team server a manager starts."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any, Protocol

from tests.conftest import Result

LISTEN = ("--host", "127.0.0.1", "--port", "0")
"""Where the server listens: loopback, on a free port it picks and prints."""


def run_crm(args: tuple[str, ...], env: dict[str, str], cwd: Path, ok: bool) -> Result:
    """Runs `crm ARGS…` as its own process; `ok=True` asserts it succeeded."""
    done = subprocess.run(
        [sys.executable, "-m", "crm_tui", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=False,
        timeout=120,
    )
    result = Result(done.returncode, done.stdout, done.stderr)
    if ok:
        assert result.code == 0, f"crm {' '.join(args)} failed ({result.code}): {result.err}"
    return result


class Laptop:
    """A rep's laptop: its own XDG data and config directories (nothing else differs), and
    its default store there, used only through `crm` commands run as separate processes."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True)
        self.root = root
        self.env = {k: v for k, v in os.environ.items() if k not in ("CRM_DB", "CRM_CONFIG")}
        self.env["XDG_DATA_HOME"] = str(root / "data")
        self.env["XDG_CONFIG_HOME"] = str(root / "config")

    @property
    def store(self) -> Path:
        """The store `crm` uses by default on this laptop."""
        return self.root / "data" / "crm" / "crm.db"

    def crm(self, *args: str, ok: bool = True) -> Result:
        """Runs `crm ARGS…` on this laptop."""
        return run_crm(args, self.env, self.root, ok)

    def json(self, *args: str) -> Any:
        """Runs `crm ARGS… --json` and reads its output."""
        return self.crm(*args, "--json").json()

    def login(self, url: str, code: str) -> Result:
        """Joins the team server with a one-time code."""
        return self.crm("login", url, code)

    def sync(self) -> dict[str, Any]:
        """Runs `crm sync --json`."""
        report: dict[str, Any] = self.json("sync")
        return report

    def show(self, record: str) -> dict[str, Any]:
        """Runs `crm show RECORD --json`."""
        shown: dict[str, Any] = self.json("show", record)
        return shown

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Reads the store directly (to check what it keeps)."""
        conn = sqlite3.connect(self.store)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()


class TeamServer:
    """A team server as a manager runs it: reps enrolled with `crm server add-rep`, then
    `crm server --db team.db --host 127.0.0.1 --port 0` in its folder."""

    def __init__(self, folder: Path, db: str = "team.db") -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.db = db
        self.env = {k: v for k, v in os.environ.items() if k not in ("CRM_DB", "CRM_SERVER_DB")}
        self.process: subprocess.Popen[str] | None = None
        self.url = ""

    def crm(self, *args: str, ok: bool = True) -> Result:
        """Runs `crm ARGS…` in the server's folder."""
        return run_crm(args, self.env, self.folder, ok)

    def add_rep(self, name: str, role: str = "rep") -> str:
        """Enrols a rep with `crm server add-rep NAME --json`; returns the one-time code."""
        chosen = ("--role", role) if role != "rep" else ()
        data = self.crm("server", "add-rep", name, *chosen, "--db", self.db, "--json").json()
        assert set(data) == {"rep", "role", "code"}, data
        assert data["rep"] == name and data["role"] == role, data
        code: str = data["code"]
        return code

    def start(self) -> str:
        """Starts the server and reads where it listens from its first line; returns the URL."""
        with (self.folder / "server.log").open("a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "crm_tui", "server", "--db", self.db, *LISTEN],
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                cwd=self.folder,
                env={**self.env, "PYTHONUNBUFFERED": "1"},
            )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line.startswith("crm server listening on http://127.0.0.1:"), line
        assert line.rstrip().endswith(f"({self.db})"), line
        self.url = line.split("listening on ", 1)[1].split()[0]
        return self.url

    def stop(self) -> None:
        """Stops the server (and waits for it)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()


class Enrols(Protocol):
    """A team server that enrols reps: `.url` and `.add_rep(name, role)` giving a code."""

    url: str

    def add_rep(self, name: str, role: str = ...) -> str: ...


def joined(root: Path, server: Enrols, rep: str, role: str = "rep") -> Laptop:
    """A new laptop that has run `crm login URL CODE` as `rep`."""
    laptop = Laptop(root)
    laptop.login(server.url, server.add_rep(rep, role))
    return laptop
