"""Provides a `crm server` process that the robustness tests can kill and start again."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from crm_tui.sync import protocol as p
from crm_tui.sync.server import accounts
from crm_tui.sync.server.db import Database


def free_port() -> int:
    """A port nothing listens on now (the server binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerProcess:
    """A `crm server` on a fixed port of 127.0.0.1, its errors logged to a file.

    Unlike the shared `Server` fixture it keeps its port across a kill and a restart, as a team
    server brought back by its supervisor does, so devices find it at the URL they joined.
    """

    def __init__(self, target: str, log: Path, *, clock_margin: int = 300) -> None:
        self.target = target
        self.log = log
        self.clock_margin = clock_margin
        self.db = Database(target)
        self.db.create_schema()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[str] | None = None
        self.starts = 0
        self.start()

    def start(self) -> None:
        """Starts the process and returns once it listens (it prints its URL when bound)."""
        command = [sys.executable, "-m", "crm_tui", "server", "--db", self.target]
        command += ["--port", str(self.port), "--clock-margin", str(self.clock_margin)]
        with self.log.open("a") as errors:
            process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        assert process.stdout is not None
        line = process.stdout.readline()
        if f"listening on {self.url}" not in line:
            process.kill()
            process.wait()
            raise RuntimeError(f"crm server did not start: {line!r}\n{self.errors()[-2000:]}")
        self.process = process
        self.starts += 1

    def running(self) -> bool:
        """Whether the process is alive."""
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """Kills the process at once (SIGKILL), as a crash or a power cut would."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self._close_pipe()

    def stop(self) -> None:
        """Stops the process (SIGTERM, then SIGKILL if it hangs) and closes the test's store."""
        if self.running():
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._close_pipe()
        self.db.close()

    def _close_pipe(self) -> None:
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()

    def errors(self) -> str:
        """Everything the server wrote to stderr (tracebacks of 500s would be here)."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def add_rep(self, name: str, role: str = "rep") -> str:
        """Enrols a rep; returns a one-time code."""
        return accounts.add_rep(self.db, name, role)

    def enrol(self, name: str, role: str = "rep", site_id: str = "laptop-1") -> tuple[str, str]:
        """Enrols a new device of a rep over HTTP; returns its token and device id. Its ops must
        carry its site id (the tests' hand-made ops say `laptop-1`)."""
        code = self.add_rep(name, role)
        reply = httpx.post(
            f"{self.url}{p.PREFIX}/enrol", json={"code": code, "site_id": site_id}, timeout=30
        )
        reply.raise_for_status()
        data = reply.json()
        return str(data["token"]), str(data["device_id"])
