"""Proves PostgreSQL hands out server_seq in commit order, so no pull cursor ever skips an op."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from crm_tui.config import Config
from crm_tui.domain import hlc
from crm_tui.domain.ids import new_id
from crm_tui.services.records import ContactInput, add_contact
from crm_tui.services.session import Session, open_session
from crm_tui.services.sync import sync_now
from crm_tui.services.team import login
from crm_tui.sync import protocol as p
from crm_tui.sync.server import accounts, replication
from crm_tui.sync.server.db import PUSH_LOCK, Database
from tests.sync.server_process import ServerProcess


def wire_op(name: str) -> dict[str, Any]:
    """A new contact's name, as a client pushes it."""
    return {
        "op_id": new_id(),
        "site_id": "bobs-laptop",
        "hlc": hlc.pack(time.time_ns() // 1_000_000, 0),
        "entity": "contact",
        "entity_id": new_id(),
        "kind": "set",
        "payload": {"field": "display_name", "value": name, "pred": []},
    }


def insert(conn: psycopg.Connection[Any], op: dict[str, Any]) -> int:
    """Writes an op row the way a push does, in the connection's open transaction."""
    row = conn.execute(
        "INSERT INTO ops (op_id, site_id, hlc, entity, entity_id, kind, field, payload, rep, "
        "device_id, received_at, wire) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'bob', 'd1', "
        "'2026-01-01T00:00:00Z', %s) RETURNING server_seq",
        (
            op["op_id"],
            op["site_id"],
            op["hlc"],
            op["entity"],
            op["entity_id"],
            op["kind"],
            op["payload"]["field"],
            json.dumps(op["payload"]),
            # The pull form, as replication stores it: the op's fields without braces.
            json.dumps(
                {**op, "rep": "bob", "flags": [], "received_at": "2026-01-01T00:00:00Z"},
                ensure_ascii=False,
            )[1:-1],
        ),
    ).fetchone()
    assert row is not None
    return int(row[0])


def lock_waiters(monitor: psycopg.Connection[Any]) -> int:
    """How many transactions of this database wait for the push lock now."""
    row = monitor.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
        "AND classid = %s AND objid = %s "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        (PUSH_LOCK >> 32, PUSH_LOCK & 0xFFFFFFFF),
    ).fetchone()
    assert row is not None
    return int(row[0])


def until_waiting(monitor: psycopg.Connection[Any], pace: Callable[[], bool]) -> None:
    """Returns once a transaction waits for the push lock; `pace` waits a moment on the
    waiter and says whether it finished instead (it must not: it has to wait for the lock)."""
    deadline = time.monotonic() + 60
    while lock_waiters(monitor) == 0:
        assert not pace(), "the second push did not wait for the first one's lock"
        assert time.monotonic() < deadline, "no transaction ever waited for the push lock"


def pull_all(db: Database, cursor: str | None) -> tuple[list[str], str]:
    """Every op id after the cursor, page by page, as a device reads them; and the new cursor."""
    seen: list[str] = []
    while True:
        page = replication.pull(db, cursor, 2)
        seen += [op["op_id"] for op in json.loads(page.ops_json)]
        cursor = page.cursor
        if not page.more:
            return seen, cursor


def test_without_the_push_lock_a_cursor_skips_an_op_that_commits_late(pg_database: str) -> None:
    """What the lock prevents: a plain identity column numbers rows when they are inserted,
    not when they commit, so a pull can pass over a row that becomes visible afterwards."""
    db = Database(pg_database)
    db.create_schema()
    early, late = wire_op("early"), wire_op("late")
    with psycopg.connect(pg_database) as slow, psycopg.connect(pg_database) as fast:
        first = insert(slow, early)  # seq 1, not committed yet
        second = insert(fast, late)
        fast.commit()  # seq 2 commits first
        assert first < second
        delivered, cursor = pull_all(db, None)
        assert delivered == [late["op_id"]]
        slow.commit()
    more, _ = pull_all(db, cursor)
    assert more == []  # the device's cursor passed seq 1: "early" never reaches it
    everything, _ = pull_all(db, None)
    assert everything == [early["op_id"], late["op_id"]]  # yet the server has it
    db.close()


def test_with_the_push_lock_the_later_push_waits_and_no_cursor_skips(pg_database: str) -> None:
    """The same two transactions taking the lock every push takes: the second one is numbered
    only after the first commits, so every pull sees the ops in the order they commit."""
    db = Database(pg_database)
    db.create_schema()
    early, late = wire_op("early"), wire_op("late")
    seqs: list[int] = []

    def second_push() -> None:
        with psycopg.connect(pg_database) as fast:
            fast.execute("SELECT pg_advisory_xact_lock(%s)", (PUSH_LOCK,))
            seqs.append(insert(fast, late))

    with (
        psycopg.connect(pg_database) as slow,
        psycopg.connect(pg_database, autocommit=True) as monitor,
    ):
        slow.execute("SELECT pg_advisory_xact_lock(%s)", (PUSH_LOCK,))
        seqs.append(insert(slow, early))
        pusher = threading.Thread(target=second_push)
        pusher.start()

        def pace() -> bool:
            pusher.join(timeout=0.02)
            return not pusher.is_alive()

        until_waiting(monitor, pace)
        delivered, cursor = pull_all(db, None)
        assert delivered == []  # nothing has committed: nothing to deliver, nothing passed over
        slow.commit()
    pusher.join()
    assert seqs[0] < seqs[1]
    more, _ = pull_all(db, cursor)
    assert more == [early["op_id"], late["op_id"]]
    db.close()


class HeldPush(Database):
    """The server's store with a push that stops inside its transaction until released: its
    rows are written and numbered, its lock held, its commit still to come."""

    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.inside = threading.Event()
        self.release = threading.Event()

    @contextmanager
    def transaction(self, *, serialised: bool = False) -> Iterator[None]:
        with super().transaction(serialised=serialised):
            yield
            if serialised:
                self.inside.set()
                assert self.release.wait(timeout=120)


def device(folder: Path, server: ServerProcess, rep: str) -> Session:
    """A rep's laptop that joined `server`."""
    session = open_session(folder / f"{rep}.db", Config(rep_name=rep))
    login(session, server.url, server.add_rep(rep))
    return session


def op_ids(session: Session) -> list[str]:
    """Every op in a device's log, in the order it got them."""
    return [row[0] for row in session.store.conn.execute("SELECT op_id FROM ops ORDER BY seq")]


@pytest.fixture
def two_servers(pg_database: str, tmp_path: Path) -> Iterator[tuple[ServerProcess, ...]]:
    """Two server processes over one PostgreSQL database, stopped whatever the test does."""
    started = [ServerProcess(pg_database, tmp_path / f"server{n}.log") for n in (1, 2)]
    yield tuple(started)
    for server in started:
        server.stop()
    for server in started:
        assert "Traceback" not in server.errors()


def test_a_held_push_makes_a_real_push_wait_while_pulls_go_on_and_skip_nothing(
    pg_database: str, tmp_path: Path, two_servers: tuple[ServerProcess, ...]
) -> None:
    """Two server processes over one database, as behind a load balancer: Bob's push holds its
    transaction open; Alice's `crm sync` (through server 1) must wait for it; Carol's sync
    (through server 2) runs meanwhile and must not get past any op still uncommitted."""
    one, two = two_servers
    alice, carol = device(tmp_path, one, "alice"), device(tmp_path, two, "carol")
    bob_token, _ = one.enrol("bob", site_id="bobs-laptop")
    held = HeldPush(pg_database)
    bob = accounts.authenticate(held, bob_token)
    assert bob is not None
    add_contact(alice, ContactInput("Sato Ken", emails=["ken@example.jp"]))
    assert sync_now(alice).sent > 0
    assert sync_now(carol).received > 0
    before = op_ids(carol)
    bobs = [wire_op(f"Bob's customer {n}") for n in range(3)]
    now = time.time_ns() // 1_000_000
    outcomes: list[replication.Outcome] = []

    def bobs_push() -> None:
        try:
            outcomes.extend(replication.push(held, bob, bobs, now, 300_000))
        finally:
            held.close()  # this thread's connection

    push = threading.Thread(target=bobs_push)
    push.start()
    monitor = psycopg.connect(pg_database, autocommit=True)
    alices_sync: subprocess.Popen[str] | None = None
    try:
        assert held.inside.wait(timeout=60)  # Bob's rows are numbered, not committed
        add_contact(alice, ContactInput("Suzuki Hana"))
        alice.close()
        env = {**os.environ, "CRM_DB": str(tmp_path / "alice.db")}
        env["CRM_CONFIG"] = str(tmp_path / "none.toml")
        alices_sync = subprocess.Popen(
            [sys.executable, "-m", "crm_tui", "sync", "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        waiting = alices_sync

        def pace() -> bool:
            try:
                waiting.wait(timeout=0.02)
            except subprocess.TimeoutExpired:
                return False
            return True

        until_waiting(monitor, pace)
        report = sync_now(carol)  # pulls take no lock: Carol is not held up
        assert report.received == 0  # neither Bob's nor Alice's new ops have committed
        assert op_ids(carol) == before
        assert alices_sync.poll() is None  # Alice still waits for Bob's lock
        held.release.set()
        push.join(timeout=120)
        out, err = alices_sync.communicate(timeout=120)
    finally:
        held.release.set()
        push.join(timeout=120)
        if alices_sync is not None and alices_sync.poll() is None:
            alices_sync.kill()
            alices_sync.communicate()
        monitor.close()
    assert alices_sync.returncode == 0, err
    assert json.loads(out)["sent"] > 0
    assert [o.status for o in outcomes] == [p.OK] * 3
    sync_now(carol)
    server_order = [row[0] for row in one.db.rows("SELECT op_id FROM ops ORDER BY server_seq")]
    assert op_ids(carol) == server_order  # every op, once, in the server's order: none skipped
    place = {op_id: n for n, op_id in enumerate(server_order)}
    bobs_ids = {op["op_id"] for op in bobs}
    alices_new = set(server_order) - set(before) - bobs_ids
    # Bob's push committed first, so its ops are numbered first, though Alice's waited.
    assert alices_new and max(place[i] for i in bobs_ids) < min(place[i] for i in alices_new)
    carol.close()
    held.close()
