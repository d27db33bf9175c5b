"""Kills `crm sync` and the team server with SIGKILL mid-sync: after restarts nothing is lost."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crm_tui.config import Config
from crm_tui.domain.records import RECORD_TYPES, Contact, Deal
from crm_tui.services.activities import record_activity
from crm_tui.services.conflicts import list_conflicts
from crm_tui.services.session import open_session
from crm_tui.services.team import login
from crm_tui.storage.doctor import check_store
from crm_tui.sync import protocol as p
from tests.sync.server_process import ServerProcess

CI = bool(os.environ.get("CI"))
SEED = int(os.environ.get("CRM_CRASH_SEED", "20261126"))
REPS = ("alice", "bob", "carol")
KILLS = {
    # Where the kill lands: at a random moment, or once the sync has made a random amount of
    # progress (so some kills surely fall inside a push and inside a pull).
    "client at a random moment": 14 if CI else 3,
    "client mid-push": 11 if CI else 2,
    "client mid-pull": 11 if CI else 2,
    "server at a random moment": 9 if CI else 2,
    "server mid-push": 9 if CI else 2,
}
TITLES = ("部長", "課長", "係長", "主任", "Director", "Manager")


class Laptop:
    """A rep's store, written by the test between syncs and synced by a real `crm sync`."""

    def __init__(self, folder: Path, rep: str) -> None:
        self.rep = rep
        self.path = folder / f"{rep}.db"
        self.env = {**os.environ, "CRM_DB": str(self.path)}
        self.env["CRM_CONFIG"] = str(folder / "no-config.toml")
        self.reader: sqlite3.Connection | None = None

    def join(self, server: ServerProcess) -> None:
        """`crm login`, through the service."""
        session = open_session(self.path, Config(rep_name=self.rep))
        login(session, server.url, server.add_rep(self.rep))
        session.close()
        self.reader = sqlite3.connect(self.path, isolation_level=None)

    def work(self, rng: random.Random, size: int, made: dict[str, str]) -> None:
        """Makes about `size` ops in one write: new contacts and deals, visits, and title edits
        of contacts anyone made (the same fields edited on several laptops: conflicts)."""
        session = open_session(self.path, Config(rep_name=self.rep))
        conn = session.store.conn
        known = [row[0] for row in conn.execute("SELECT id FROM contacts ORDER BY id")]
        with session.store.write() as writer:
            while len(writer.ops) < size:
                roll = rng.random()
                if roll < 0.3 or not known:
                    contact = writer.create(
                        Contact,
                        {
                            "display_name": f"{self.rep} customer {len(known)}",
                            "title": rng.choice(TITLES),
                            "emails": [f"c{len(known)}@{self.rep}.example.jp"],
                        },
                    )
                    known.append(contact.id)
                elif roll < 0.6:
                    contact_id = rng.choice(known)
                    fields = {"at": "2026-11-20T01:00:00Z", "summary": f"visit by {self.rep}"}
                    record_activity(writer, {"type": "visit", "contact_id": contact_id} | fields)
                elif roll < 0.7:
                    writer.create(Deal, {"title": "Renewal", "contact_id": rng.choice(known)})
                else:
                    writer.update(Contact, rng.choice(known), {"title": rng.choice(TITLES)})
            made.update((op.op_id, self.rep) for op in writer.ops)
        session.close()

    def read(self, sql: str) -> Any:
        """One value from the store, read beside whatever `crm sync` is doing."""
        assert self.reader is not None
        return self.reader.execute(sql).fetchone()[0]

    def pending(self) -> list[str]:
        """The ops this laptop has not had acknowledged."""
        assert self.reader is not None
        rows = self.reader.execute("SELECT op_id FROM ops WHERE pushed = 0 AND rejected IS NULL")
        return [row[0] for row in rows]

    def cursor(self) -> int:
        """How far this laptop has read the server's log."""
        assert self.reader is not None
        row = self.reader.execute("SELECT value FROM meta WHERE key = 'cursor'").fetchone()
        return p.decode_cursor(row[0] if row else None)[1]

    def sync(self) -> subprocess.Popen[str]:
        """Starts `crm sync --json` as its own process."""
        return subprocess.Popen(
            [sys.executable, "-m", "crm_tui", "sync", "--json"],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def close(self) -> None:
        """Closes the test's reading connection."""
        if self.reader is not None:
            self.reader.close()


def finished(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    """Waits for a sync that was not killed; its exit code and what it printed."""
    out, err = process.communicate(timeout=300)
    assert "Traceback" not in err, err
    return process.returncode, out, err


def kill_when(
    process: subprocess.Popen[str], ready: Callable[[], bool], kill: Callable[[], None]
) -> bool:
    """Calls `kill` once `ready()` holds while `process` still runs; False if it ended first.

    Each turn reads the progress (`ready`), then gives the process a few milliseconds to end.
    """
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if ready():
            if process.poll() is not None:
                return False
            kill()
            return True
        try:
            process.wait(timeout=0.004)
        except subprocess.TimeoutExpired:
            continue
        return False
    raise AssertionError("a sync neither progressed nor ended in 5 minutes")


def server_ops(server: ServerProcess) -> set[str]:
    """The op ids the server has committed."""
    return {row[0] for row in server.db.rows("SELECT op_id FROM ops")}


class Crashes:
    """The kill rounds, their bookkeeping, and the typical length of a sync (for timed kills)."""

    def __init__(self, server: ServerProcess, laptops: list[Laptop], rng: random.Random) -> None:
        self.server = server
        self.laptops = laptops
        self.rng = rng
        self.made: dict[str, str] = {}
        self.hits: Counter[str] = Counter()
        self.landed: Counter[str] = Counter()
        """Where the client kills fell, judged afterwards from the laptop and the server."""
        self.typical = 1.0
        self.failed_syncs = 0

    def calibrate(self, seconds: float) -> None:
        """Remembers how long an uninterrupted sync took."""
        self.typical = 0.7 * self.typical + 0.3 * seconds

    def round(self, how: str) -> bool:
        """One sync of a random laptop, with a kill of the client or the server; True if the
        kill hit the sync while it ran."""
        laptop = self.rng.choice(self.laptops)
        laptop.work(self.rng, self.rng.randint(200, 1200), self.made)
        other = self.rng.choice([lt for lt in self.laptops if lt is not laptop])
        other.work(self.rng, self.rng.randint(0, 300), self.made)  # its next sync has a push
        on_server = server_ops(self.server)
        fresh = len(set(laptop.pending()) - on_server)
        count = len(on_server)
        started = time.monotonic()
        process = laptop.sync()
        if how.startswith("client"):
            kill: Callable[[], None] = process.kill
        else:

            def kill() -> None:
                self.server.kill()
                self.server.start()  # the supervisor brings it back on the same port

        if how.endswith("random moment"):
            delay = self.rng.uniform(0.05, 1.3 * self.typical)
            hit = kill_when(process, lambda: time.monotonic() - started >= delay, kill)
        elif how.endswith("mid-push"):
            target = count + self.rng.randint(1, max(1, fresh))

            def pushed() -> bool:
                return int(self.server.db.rows("SELECT count(*) FROM ops")[0][0]) >= target

            hit = kill_when(process, pushed, kill)
        else:
            target = self.rng.randint(laptop.cursor() + 1, count + fresh)
            hit = kill_when(process, lambda: laptop.cursor() >= target, kill)
        if how.startswith("client"):
            code, _, err = finished(process)
            if code == -signal.SIGKILL:
                waiting = set(laptop.pending())
                if waiting - server_ops(self.server):
                    self.landed["before its push was done"] += 1
                elif waiting:
                    self.landed["after the server took a batch, before the laptop knew"] += 1
                else:
                    self.landed["in its pull"] += 1
                return True
            assert code == 0, err  # it ended (on its own, maybe just before the signal)
            self.calibrate(time.monotonic() - started)
            return False
        code, _, err = finished(process)
        if code != 0:  # the server went away under it: the rep is told, the work is kept
            assert code == 7 and "Cannot reach the team server" in err, err
            self.failed_syncs += 1
        return hit


def state(conn: sqlite3.Connection) -> dict[str, list[tuple[Any, ...]]]:
    """What a rep sees: every record table, renewals, and the kept leaves of every field."""
    tables = [cls.TABLE for cls in RECORD_TYPES] + ["contract_renewals"]
    seen = {t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in tables}
    seen["field_heads"] = conn.execute(
        "SELECT * FROM field_heads ORDER BY entity_id, field, op_id"
    ).fetchall()
    return seen


def test_syncs_and_servers_killed_at_random_points_lose_and_duplicate_nothing(
    tmp_path: Path,
) -> None:
    rng = random.Random(SEED)
    server = ServerProcess(str(tmp_path / "team.db"), tmp_path / "server.log")
    laptops = [Laptop(tmp_path, rep) for rep in REPS]
    crashes = Crashes(server, laptops, rng)
    try:
        for laptop in laptops:
            laptop.join(server)
            laptop.work(rng, 1500, crashes.made)
        for laptop in laptops:  # the first syncs run to the end: they set the pace
            started = time.monotonic()
            code, _, err = finished(laptop.sync())
            assert code == 0, err
            crashes.calibrate(time.monotonic() - started)
        plan = [how for how, times in KILLS.items() for _ in range(times)]
        rng.shuffle(plan)
        rounds = 0
        while plan:
            rounds += 1
            assert rounds <= 4 * sum(KILLS.values()), f"seed {SEED}: kills kept missing"
            how = plan.pop()
            if crashes.round(how):
                crashes.hits[how] += 1
            else:
                plan.insert(rng.randint(0, len(plan)), how)  # try that kind again later
        assert crashes.hits == Counter(KILLS)
        reports = []
        for _ in range(4):  # sync every laptop in turn until a whole turn moves nothing
            turn = []
            for laptop in laptops:
                code, out, err = finished(laptop.sync())
                assert code == 0, err
                report = json.loads(out)
                turn.append((report["sent"], report["received"], report["rejected"]))
            reports.append(turn)
            if all(t == (0, 0, 0) for t in turn):
                break
        assert all(t == (0, 0, 0) for t in reports[-1]), f"seed {SEED}: no quiescence {reports}"

        # Every op made on a laptop is on the server exactly once, authored by its rep.
        rows = server.db.rows("SELECT op_id, rep, server_seq FROM ops")
        assert len(rows) == len({r[0] for r in rows}) == len({r[2] for r in rows})
        lost = set(crashes.made) - {r[0] for r in rows}
        assert not lost, f"seed {SEED}: {len(lost)} ops never reached the server"
        assert {r[0]: r[1] for r in rows} == crashes.made
        (check,) = server.db.rows("PRAGMA integrity_check")
        assert check == ("ok",)
        # ... and on every laptop, once, acknowledged; the laptops agree on everything.
        states = []
        for laptop in laptops:
            session = open_session(laptop.path, Config(rep_name=laptop.rep))
            conn = session.store.conn
            logged = [r[0] for r in conn.execute("SELECT op_id FROM ops")]
            assert len(logged) == len(set(logged))
            lost = set(crashes.made) - set(logged)
            assert not lost, f"seed {SEED}: {len(lost)} ops never reached {laptop.rep}"
            assert set(logged) == set(crashes.made)
            assert conn.execute("SELECT count(*) FROM ops WHERE pushed = 0").fetchone() == (0,)
            health = check_store(conn)
            assert health.healthy, (laptop.rep, health.integrity, health.problems[:5])
            states.append((state(conn), sorted(map(repr, list_conflicts(session)))))
            session.close()
        assert states[0][1], "concurrent title edits should have left conflicts to show"
        for other in states[1:]:
            assert other == states[0]
        assert "Traceback" not in server.errors()
    finally:
        for laptop in laptops:
            laptop.close()
        server.stop()
    print(
        f"seed {SEED}: {sum(crashes.hits.values())} kills in {rounds} rounds "
        f"({rounds - sum(crashes.hits.values())} missed), {len(crashes.made)} ops, "
        f"{server.starts} server starts, "
        f"{crashes.failed_syncs} syncs cut off by a server kill; {dict(crashes.hits)}; "
        f"client kills landed: {dict(crashes.landed)}"
    )
