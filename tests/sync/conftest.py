"""Provides real team servers (a `crm server` process on 127.0.0.1, over SQLite or PostgreSQL)
and devices (a store each, driven through the services) for the sync tests."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from crm_tui.config import Config
from crm_tui.domain.ids import new_id
from crm_tui.services.session import Session, open_session
from crm_tui.services.sync import SyncReport, sync_now
from crm_tui.services.team import login
from crm_tui.sync.server import accounts
from crm_tui.sync.server.db import Database

PG_ADMIN = os.environ.get("CRM_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
"""Where the tests make (and drop) their own PostgreSQL databases."""


class Server:
    """A `crm server` process: its URL, its store, and ways to stop it."""

    def __init__(self, target: str, clock_margin: int = 300) -> None:
        self.target = target
        self.db = Database(target)
        self.db.create_schema()
        # The server's own errors go to a file: a pipe nobody reads could fill and block it.
        handle, name = tempfile.mkstemp(prefix="crm-server-", suffix=".log")
        os.close(handle)
        self.log_path = Path(name)
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "crm_tui",
                    "server",
                    "--db",
                    target,
                    "--port",
                    "0",
                    "--clock-margin",
                    str(clock_margin),
                ],
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # the server says where it listens once bound
        if "listening on" not in line:
            self.process.kill()
            raise RuntimeError(f"crm server did not start: {line}{self.log_path.read_text()}")
        self.url = line.split("listening on ", 1)[1].split()[0]

    def reset(self) -> None:
        """Empties the server's store (between hypothesis examples) and gives it a new
        identity, as a new store would have; the process keeps running, and what it remembers
        of the old store (its tail of newest ops) no longer applies from its next request."""
        tables = ("ops", "owners", "handovers", "links", "erased", "devices", "enrolments", "reps")
        with self.db.transaction(serialised=True):
            for table in tables:
                self.db.execute(f"DELETE FROM {table}")
            self.db.execute("DELETE FROM server_meta WHERE key IN ('high_water', 'erasures')")
            self.db.execute("UPDATE server_meta SET value = ? WHERE key = 'epoch'", (new_id(),))
        if self.db.postgres:
            self.db.execute("ALTER TABLE ops ALTER COLUMN server_seq RESTART WITH 1")

    def add_rep(self, name: str, role: str = "rep") -> str:
        """Enrols a rep; returns a one-time code."""
        return accounts.add_rep(self.db, name, role)

    def stop(self) -> None:
        """Stops the process (and waits for it)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.db.close()
        self.log_path.unlink(missing_ok=True)

    def kill(self) -> None:
        """Kills the process at once (SIGKILL), as a crash would."""
        self.process.kill()
        self.process.wait()


class Device:
    """A rep's laptop: a store of its own, used through the services as the commands do."""

    def __init__(self, path: Path, rep: str = "me") -> None:
        self.path = path
        self.session: Session = open_session(path, Config(rep_name=rep))

    def login(self, server: Server, rep: str, role: str = "rep") -> None:
        """Joins the server as `rep`."""
        login(self.session, server.url, server.add_rep(rep, role))

    def sync(self) -> SyncReport:
        """Runs `crm sync`."""
        return sync_now(self.session)

    def close(self) -> None:
        """Closes the store."""
        self.session.close()


def _pg_reachable() -> bool:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return True
    except psycopg.Error:  # any failure to connect means "not here"
        return False


@contextmanager
def new_pg_database() -> Iterator[str]:
    """A new, empty PostgreSQL database (dropped afterwards), for a test or a module.

    Skipped on a machine without PostgreSQL, but never in CI: there it must be reachable.
    """
    if not _pg_reachable():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN}, and CI needs it.")
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN}")
    import psycopg

    name = f"crm_test_{secrets.token_hex(6)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    base = PG_ADMIN.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A new, empty PostgreSQL database of the test's own (see `new_pg_database`)."""
    with new_pg_database() as url:
        yield url


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Starts servers on demand (over a file in the test's folder unless told a target)."""
    started: list[Server] = []

    def start(target: str | None = None, **options: Any) -> Server:
        server = Server(target or str(tmp_path / f"team{len(started)}.db"), **options)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def server(make_server: Callable[..., Server]) -> Server:
    """A team server over SQLite."""
    return make_server()


@pytest.fixture
def make_device(tmp_path: Path) -> Iterator[Callable[..., Device]]:
    """Makes devices, each with a store of its own."""
    made: list[Device] = []

    def make(name: str = "laptop", rep: str = "me") -> Device:
        device = Device(tmp_path / f"{name}-{len(made)}.db", rep)
        made.append(device)
        return device

    yield make
    for device in made:
        device.close()
