"""The server's tail of newest ops: pulls through it send exactly what the store holds."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crm_tui.domain import hlc
from crm_tui.domain.ids import new_id
from crm_tui.sync.protocol import PURGED
from crm_tui.sync.server import accounts, replication
from crm_tui.sync.server.accounts import Device
from crm_tui.sync.server.db import Database
from crm_tui.sync.server.tail import Tail, Version

SITE = "alices-laptop"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A team server's store, on SQLite or on PostgreSQL."""
    if request.param == "postgresql":
        target = request.getfixturevalue("pg_database")
    else:
        target = str(tmp_path / "team.db")
    db = Database(target)
    db.create_schema()
    yield db
    db.close()


def enrolled(db: Database) -> Device:
    """Alice's laptop, enrolled as a manager's (who may erase)."""
    code = accounts.add_rep(db, "alice", "manager")
    return accounts.redeem(db, code, SITE, None)[1]


def contact(name: str) -> list[dict[str, Any]]:
    """A new contact with a name and a note, as a laptop pushes them."""
    entity_id = new_id()
    now = time.time_ns() // 1_000_000
    return [
        {
            "op_id": new_id(),
            "site_id": SITE,
            "hlc": hlc.pack(now, n),
            "entity": "contact",
            "entity_id": entity_id,
            "kind": "set",
            "payload": {"field": field, "value": value, "pred": []},
        }
        for n, (field, value) in enumerate((("display_name", name), ("note", f"{name}'s note")))
    ]


def push(db: Database, device: Device, ops: list[dict[str, Any]], tail: Tail) -> None:
    now = time.time_ns() // 1_000_000
    results = replication.push(db, device, ops, now, 300_000, tail)
    assert {r.status for r in results} == {"ok"}


def pull_all(db: Database, tail: Tail | None, cursor: str | None, limit: int) -> bytes:
    """Every page from the cursor on, as the server sends them."""
    pages = []
    while True:
        page = replication.pull(db, cursor, limit, tail)
        pages.append(page.ops_json + page.cursor.encode())
        cursor = page.cursor
        if not page.more:
            return b"\n".join(pages)


def cursors(db: Database) -> list[str | None]:
    """A cursor after each op the store holds, and the start."""
    found: list[str | None] = [None]
    cursor = None
    while True:
        page = replication.pull(db, cursor, 1)
        if not page.size:
            return found
        cursor = page.cursor
        found.append(cursor)


def test_pulls_through_the_tail_send_what_the_store_holds(store: Database) -> None:
    device = enrolled(store)
    tail = Tail()
    rng = random.Random(7)
    for round_ in range(4):
        for n in range(5):
            push(store, device, contact(f"Customer {round_}-{n}"), tail)
        # Reps at every point of the log, with pages of every size, in a random order: the
        # tail fills, is read and is extended as a real server's would be.
        asks = [(c, limit) for c in cursors(store) for limit in (1, 3, 7, 1000)]
        rng.shuffle(asks)
        for cursor, limit in asks:
            assert pull_all(store, tail, cursor, limit) == pull_all(store, None, cursor, limit)


def test_a_small_tail_drops_its_oldest_ops_and_still_answers_right(store: Database) -> None:
    device = enrolled(store)
    tail = Tail(capacity=2_000)  # a few ops' worth
    for n in range(30):
        push(store, device, contact(f"Customer {n}"), tail)
        for cursor in cursors(store)[::4]:
            assert pull_all(store, tail, cursor, 5) == pull_all(store, None, cursor, 5)


def test_an_erasure_through_one_server_process_empties_every_processs_tail(
    store: Database,
) -> None:
    """Two server processes over one store (behind a load balancer), each with its tail: an
    erasure pushed through one must not be undone by what the other remembers."""
    device = enrolled(store)
    one, two = Tail(), Tail()
    sato = contact("Sato Kenichi")
    push(store, device, sato, one)
    push(store, device, contact("Suzuki Hana"), one)
    for tail in (one, two):
        assert b"Sato Kenichi" in pull_all(store, tail, None, 2)
    erasure = {
        **sato[0],
        "op_id": new_id(),
        "hlc": sato[-1]["hlc"] + 1,
        "kind": "event",
        "payload": {"type": PURGED, "ids": [sato[0]["entity_id"]]},
    }
    push(store, device, [erasure], one)
    for tail in (one, two):
        pulled = pull_all(store, tail, None, 2)
        assert b"Sato Kenichi" not in pulled
        assert b"Suzuki Hana" in pulled
        assert pulled == pull_all(store, None, None, 2)


def test_a_pull_read_before_an_erasure_cannot_refill_the_tail() -> None:
    """A slow pull that read the store before an erasure offers its rows after a newer pull
    has seen the erasure: the tail refuses them."""
    tail = Tail()
    before, after = Version("epoch", 0), Version("epoch", 1)
    tail.remember(after, 0, [2], [b'{"server_seq": 2}'], 2)
    tail.remember(before, 0, [1, 2], [b'{"server_seq": 1, "erased"}', b'{"server_seq": 2}'], 2)
    assert tail.read(before, 0, 10) is None
    held = tail.read(after, 0, 10)
    assert held is not None
    assert b"erased" not in b"".join(held[1])
    assert json.loads(held[1][0]) == {"server_seq": 2}
