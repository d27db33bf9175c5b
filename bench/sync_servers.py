"""Runs the sync benchmark's servers: `crm server` processes, the bare baseline, PostgreSQL
databases of the benchmark's own, and the devices that join them."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from crm_tui.config import Config
from crm_tui.services.session import Session, open_session
from crm_tui.services.team import login
from crm_tui.sync.client import SyncClient
from crm_tui.sync.server import accounts
from crm_tui.sync.server.db import Database

BENCH_DIR = Path(__file__).resolve().parent


class Process:
    """A server process that prints `... listening on URL (...)` once bound."""

    def __init__(self, argv: list[str], log: Path) -> None:
        self.log = log
        self._stderr: IO[bytes] = log.open("wb")
        self.process = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode(errors="replace")
        if "listening on" not in line:
            self.process.kill()
            self.process.wait()
            raise RuntimeError(f"{argv[2:4]} did not start: {line}{log.read_text()[-2000:]}")
        self.url = line.split("listening on ", 1)[1].split()[0]
        # Nothing more is expected on stdout; drain it anyway so the server never blocks on it.
        threading.Thread(target=self.process.stdout.read, daemon=True).start()

    @property
    def pid(self) -> int:
        """The process id."""
        return self.process.pid

    def stop(self) -> None:
        """Stops the process (SIGTERM, then SIGKILL after 10 s) and waits for it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._stderr.close()


def crm_server(target: str, log: Path) -> Process:
    """Starts `crm server --db TARGET --port 0` (the store's schema made first)."""
    db = Database(target)
    try:
        db.create_schema()
    finally:
        db.close()
    argv = [sys.executable, "-m", "crm_tui", "server", "--db", target, "--port", "0"]
    return Process(argv, log)


def bare_server(path: Path, log: Path) -> Process:
    """Starts the bare baseline over a SQLite file."""
    return Process([sys.executable, str(BENCH_DIR / "bare_server.py"), "--db", str(path)], log)


@contextmanager
def pg_databases(admin_url: str) -> Iterator[list[str]]:
    """Yields a list to which `new_pg_database` adds URLs; drops every one of them afterwards."""
    made: list[str] = []
    try:
        yield made
    finally:
        import psycopg

        with psycopg.connect(admin_url, autocommit=True) as admin:
            for url in made:
                name = url.rsplit("/", 1)[1]
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def new_pg_database(admin_url: str, made: list[str], template: str | None = None) -> str:
    """Creates an empty database (or a copy of `template`'s) and returns its URL."""
    import psycopg

    name = f"crm_bench_{secrets.token_hex(5)}"
    clause = f" TEMPLATE {template.rsplit('/', 1)[1]}" if template else ""
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}{clause}")
    url = f"{admin_url.rsplit('/', 1)[0]}/{name}"
    made.append(url)
    return url


def pg_reachable(admin_url: str) -> str | None:
    """None when PostgreSQL answers at `admin_url`, else why not."""
    import psycopg

    try:
        with psycopg.connect(admin_url, connect_timeout=3):
            return None
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0]


def add_rep(target: str, rep: str) -> str:
    """Enrols a rep on a server's store (as `crm server add-rep` does); returns the code."""
    db = Database(target)
    try:
        return accounts.add_rep(db, rep)
    finally:
        db.close()


def enrol(target: str, url: str, rep: str, site_id: str) -> str:
    """Enrols a device of `rep` by its code, as `crm login` does, and returns its token."""
    client = SyncClient(url)
    try:
        answer = client.enrol(add_rep(target, rep), site_id, "bench")
    finally:
        client.close()
    return str(answer["token"])


def join(path: Path, rep: str, target: str, url: str) -> Session:
    """Opens (or makes) a device store for `rep` and logs it in (`crm login URL CODE`)."""
    session = open_session(path, Config(rep_name=rep))
    login(session, url, add_rep(target, rep), "bench")
    return session


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU time used so far by every PostgreSQL process on this machine (any user's work)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    total += cpu_seconds(int(entry.name))
            except OSError:
                continue
    return total


def machine_busy() -> tuple[float, float]:
    """The machine's (busy, total) CPU jiffies so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return float(total - idle), float(total)
