"""Measures sync: push and pull throughput against a bare endpoint, a new device's bootstrap,
incremental syncs, and simulated reps syncing in a loop."""

from __future__ import annotations

import json
import random
import sqlite3
import statistics
import time
from pathlib import Path
from typing import Any

from sync_data import Customer, add_contact, batches, log_activity, read_ops
from sync_load import Rep, run_load
from sync_servers import Process, cpu_seconds, enrol, join, machine_busy, postgres_cpu_seconds

from crm_tui.domain.ops import Op
from crm_tui.domain.records import Contact
from crm_tui.services.session import Session
from crm_tui.services.sync import PULL_PAGE, _pull, sync_now
from crm_tui.storage.db import open_store
from crm_tui.storage.oplog import get_meta
from crm_tui.sync import protocol as p
from crm_tui.sync.client import PullReply, SyncClient
from crm_tui.sync.server.db import Database

PUSH_BATCH = 1000


def quantile(values: list[float], q: float) -> float:
    """The q-quantile (0-1) of some values, interpolated; 0 for none."""
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[round(q * 1000) - 1]


def rate(count: int, seconds: float) -> float:
    """Per second, 0 when no time passed."""
    return count / seconds if seconds > 0 else 0.0


# --- a small request --------------------------------------------------------------------------


def measure_round_trip(url: str, path: str, times: int = 30) -> dict[str, Any]:
    """Median and p95 of a small GET on a kept-alive connection (what every request pays)."""
    import httpx

    http = httpx.Client(base_url=url, timeout=60.0)
    samples = []
    try:
        for _ in range(times + 1):
            started = time.perf_counter()
            http.get(path).raise_for_status()
            samples.append(time.perf_counter() - started)
    finally:
        http.close()
    samples = samples[1:]  # the first one also opens the connection
    return {
        "path": path,
        "p50_ms": round(quantile(samples, 0.5) * 1000, 2),
        "p95_ms": round(quantile(samples, 0.95) * 1000, 2),
    }


# --- push ---------------------------------------------------------------------------------------


def push_batches(client: SyncClient, ops: list[Op]) -> tuple[list[float], int]:
    """Pushes ops in batches of 1,000; returns each batch's seconds and the ops not accepted."""
    times, refused = [], 0
    for batch in batches(ops, PUSH_BATCH):
        started = time.perf_counter()
        reply = client.push(batch)
        times.append(time.perf_counter() - started)
        refused += sum(1 for r in reply.results if r.get("status") not in (p.OK, p.DUP))
    return times, refused


def bare_push(http: Any, batch: list[Op]) -> float:
    """Sends one batch to the bare endpoint as `SyncClient.push` encodes it; returns seconds."""
    started = time.perf_counter()
    body = json.dumps({"ops": [p.op_to_wire(op) for op in batch]}, ensure_ascii=False)
    response = http.post(
        "/push", content=body.encode(), headers={"Content-Type": "application/json"}
    )
    response.raise_for_status()
    if len(response.json()["results"]) != len(batch):
        raise RuntimeError("the bare endpoint lost ops")
    return time.perf_counter() - started


def measure_push(ops: list[Op], url: str, token: str, bare_url: str) -> dict[str, Any]:
    """The same 1,000-op batches to crm server and to the bare endpoint, alternating."""
    import httpx

    client = SyncClient(url, token)
    bare = httpx.Client(base_url=bare_url, timeout=60.0)
    crm_times: list[float] = []
    bare_times: list[float] = []
    refused = 0
    try:
        for i, batch in enumerate(batches(ops, PUSH_BATCH)):
            if i % 2:
                bare_times.append(bare_push(bare, batch))
            times, bad = push_batches(client, batch)
            crm_times += times
            refused += bad
            if not i % 2:
                bare_times.append(bare_push(bare, batch))
    finally:
        client.close()
        bare.close()
    crm_rate, bare_rate = rate(len(ops), sum(crm_times)), rate(len(ops), sum(bare_times))
    return {
        "ops": len(ops),
        "batches": len(crm_times),
        "crm_seconds": round(sum(crm_times), 2),
        "bare_seconds": round(sum(bare_times), 2),
        "crm_ops_per_s": round(crm_rate),
        "bare_ops_per_s": round(bare_rate),
        "fraction_of_bare": round(rate(int(crm_rate), bare_rate), 3),
        "crm_batch_ms_p50": round(statistics.median(crm_times) * 1000, 1),
        "bare_batch_ms_p50": round(statistics.median(bare_times) * 1000, 1),
        "refused": refused,
    }


# --- pull ---------------------------------------------------------------------------------------


class TimedClient(SyncClient):
    """A `SyncClient` that adds up the time its pulls take (request, transfer and decoding) and
    notes when each page was in hand."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__(url, token)
        self.pull_seconds = 0.0
        self.pages = 0
        self.fetched_at: list[float] = []

    def pull(self, cursor: str | None, limit: int) -> PullReply:
        """Fetches a page and notes how long it took."""
        started = time.perf_counter()
        try:
            return super().pull(cursor, limit)
        finally:
            done = time.perf_counter()
            self.pull_seconds += done - started
            self.fetched_at.append(done)
            self.pages += 1


def measure_pull(session: Session) -> dict[str, Any]:
    """A device that has joined pulls and applies everything with `crm sync`'s pull loop.

    The loop fetches the next page in a thread while it applies one, so fetching and applying
    overlap: `waiting` is the time the loop had no page to apply (a page's wait ends when its
    fetch does, at the earliest when the page before it was applied), `apply` the rest."""
    conn = session.store.conn
    client = TimedClient(str(get_meta(conn, "server_url")), str(get_meta(conn, "token")))
    applied_at: list[float] = []
    started = time.perf_counter()
    try:
        received = _pull(
            session, client, lambda phase, done, total: applied_at.append(time.perf_counter())
        )
    finally:
        client.close()
    seconds = time.perf_counter() - started
    ready = [started, *applied_at]
    waiting = sum(max(0.0, fetched - ready[i]) for i, fetched in enumerate(client.fetched_at))
    return {
        "ops": received,
        "pages": client.pages,
        "seconds": round(seconds, 2),
        "fetch_seconds": round(client.pull_seconds, 2),
        "waiting_seconds": round(waiting, 2),
        "apply_seconds": round(seconds - waiting, 2),
        "ops_per_s": round(rate(received, seconds)),
    }


def measure_bare_pull(bare_url: str, local: Path) -> dict[str, Any]:
    """The bare baseline of a pull: fetch pages, decode them, insert the rows as they are."""
    import httpx

    conn = sqlite3.connect(local, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = FULL"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute(
        "CREATE TABLE ops (seq INTEGER PRIMARY KEY, op_id TEXT, site_id TEXT, hlc INTEGER, "
        "entity TEXT, entity_id TEXT, kind TEXT, payload TEXT, received_at TEXT)"
    )
    conn.execute("CREATE TABLE cursor (id INTEGER PRIMARY KEY, after INTEGER)")
    http = httpx.Client(base_url=bare_url, timeout=60.0)
    after = received = pages = 0
    started = time.perf_counter()
    try:
        while True:
            response = http.get("/pull", params={"after": after, "limit": PULL_PAGE})
            response.raise_for_status()
            page = response.json()
            rows = [
                (
                    o["op_id"],
                    o["site_id"],
                    o["hlc"],
                    o["entity"],
                    o["entity_id"],
                    o["kind"],
                    json.dumps(o["payload"], ensure_ascii=False, separators=(",", ":")),
                    o["received_at"],
                )
                for o in page["ops"]
            ]
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                "INSERT INTO ops (op_id, site_id, hlc, entity, entity_id, kind, payload, "
                "received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            after = int(page["after"])
            conn.execute("INSERT OR REPLACE INTO cursor (id, after) VALUES (1, ?)", (after,))
            conn.execute("COMMIT")
            received += len(rows)
            pages += 1
            if not page["more"]:
                break
    finally:
        http.close()
        conn.close()
    seconds = time.perf_counter() - started
    return {
        "ops": received,
        "pages": pages,
        "seconds": round(seconds, 2),
        "ops_per_s": round(rate(received, seconds)),
    }


def measure_bootstrap(
    path: Path, rep: str, target: str, url: str
) -> tuple[dict[str, Any], Session]:
    """A new device joins (`crm login`) and syncs (`crm sync`) the whole team's history."""
    started = time.perf_counter()
    session = join(path, rep, target, url)
    joined = time.perf_counter()
    report = sync_now(session)
    finished = time.perf_counter()
    counts = {
        table: int(session.store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        for table in ("companies", "contacts", "activities")
    }
    return {
        "seconds": round(finished - started, 2),
        "login_seconds": round(joined - started, 2),
        "sync_seconds": round(finished - joined, 2),
        "received": report.received,
        "ops_per_s": round(rate(report.received, finished - joined)),
        **counts,
    }, session


# --- incremental syncs --------------------------------------------------------------------------


def local_changes(session: Session, rng: random.Random, customers: list[Customer], n: int) -> None:
    """Makes `n` ops on a device: half visits logged, half contact titles changed."""
    with session.store.write() as w:
        for _ in range(n // 2):
            log_activity(w, rng, session.rep, rng.choice(customers))
        for i in range(n - n // 2):
            contact = rng.choice(customers).contact_id
            w.update(Contact, contact, {"title": f"課長代理 {rng.randrange(10**9)}-{i}"})
        if len(w.ops) != n:
            raise RuntimeError(f"made {len(w.ops)} ops instead of {n}")


def teammate_push(
    mate: Session, client: SyncClient, rng: random.Random, customers: list[Customer], n: int
) -> None:
    """A teammate logs `n` activities (a new contact now and then) and pushes them."""
    conn = mate.store.conn
    (top,) = conn.execute("SELECT coalesce(max(seq), 0) FROM ops").fetchone()
    with mate.store.write() as w:
        while len(w.ops) < n:
            if n - len(w.ops) > 20 and rng.random() < 0.05:
                add_contact(
                    w, rng, mate.rep, rng.choice(customers).company_id, rng.randrange(10**9)
                )
            else:
                log_activity(w, rng, mate.rep, rng.choice(customers))
    ops = read_ops(mate.store.path, int(top))
    _, refused = push_batches(client, ops)
    if refused:
        raise RuntimeError(f"the server refused {refused} of the teammate's ops")


def measure_incremental(
    device: Session, mate: Session, customers: list[Customer], rounds: int, n: int = 100
) -> dict[str, Any]:
    """Times `crm sync` after `n` local ops, and after a teammate pushed `n` ops, alternately."""
    rng = random.Random(7)
    conn = mate.store.conn
    client = SyncClient(str(get_meta(conn, "server_url")), str(get_meta(conn, "token")))
    own: list[float] = []
    theirs: list[float] = []
    sent = received = 0
    try:
        for _ in range(rounds):
            local_changes(device, rng, customers, n)
            started = time.perf_counter()
            report = sync_now(device)
            own.append(time.perf_counter() - started)
            sent += report.sent
            teammate_push(mate, client, rng, customers, n)
            started = time.perf_counter()
            report = sync_now(device)
            theirs.append(time.perf_counter() - started)
            received += report.received
    finally:
        client.close()
    return {
        "rounds": rounds,
        "ops": n,
        "own_p50_ms": round(quantile(own, 0.5) * 1000, 1),
        "own_p95_ms": round(quantile(own, 0.95) * 1000, 1),
        "theirs_p50_ms": round(quantile(theirs, 0.5) * 1000, 1),
        "theirs_p95_ms": round(quantile(theirs, 0.95) * 1000, 1),
        "sent_per_sync": round(sent / rounds, 1),
        "received_per_sync": round(received / rounds, 1),
    }


# --- simulated reps -----------------------------------------------------------------------------


def site_of(store: Path) -> str:
    """A store's site id."""
    opened = open_store(store, "bench")
    try:
        return str(get_meta(opened.conn, "site_id"))
    finally:
        opened.close()


def current_cursor(target: str) -> str:
    """A cursor at the end of a server's log, so the reps pull only what comes next."""
    db = Database(target)
    try:
        (top,) = db.rows("SELECT coalesce(max(server_seq), 0) FROM ops")[0]
        return p.encode_cursor(db.meta("epoch") or "", int(top))
    finally:
        db.close()


def simulate(
    target: str, servers: list[Process], stores: dict[str, Path], seconds: float, processes: int
) -> dict[str, Any]:
    """Enrols a device per rep, spreads the reps over the servers, runs the loops."""
    cursor = current_cursor(target)
    reps = []
    for i, (name, store) in enumerate(sorted(stores.items())):
        url = servers[i % len(servers)].url
        reps.append(Rep(name, enrol(target, url, name, site_of(store)), url, str(store), cursor))
    before = [cpu_seconds(s.pid) for s in servers], postgres_cpu_seconds(), machine_busy()
    run = run_load(reps, seconds, processes)
    after = [cpu_seconds(s.pid) for s in servers], postgres_cpu_seconds(), machine_busy()
    samples = run.samples
    window = max((s.started + s.seconds for s in samples), default=seconds)
    good = [s.seconds for s in samples if s.error is None]
    errors = [s for s in samples if s.error is not None]
    busy = (after[2][0] - before[2][0]) / max(1.0, after[2][1] - before[2][1])
    return {
        "reps": len(reps),
        "servers": len(servers),
        "seconds": round(window, 1),
        "syncs": len(samples),
        "failed_syncs": len(errors),
        "rejected_ops": sum(s.rejected for s in samples),
        "errors": len(errors) + sum(s.rejected for s in samples),
        "first_errors": sorted({s.error or "" for s in errors})[:3],
        "accepted_ops": sum(s.accepted for s in samples),
        "ops_per_s": round(rate(sum(s.accepted for s in samples), window)),
        "pulled_ops_per_s": round(rate(sum(s.pulled for s in samples), window)),
        "syncs_per_s": round(rate(len(samples), window), 1),
        "p50_ms": round(quantile(good, 0.5) * 1000, 1),
        "p95_ms": round(quantile(good, 0.95) * 1000, 1),
        "p99_ms": round(quantile(good, 0.99) * 1000, 1),
        "max_ms": round(max(good, default=0.0) * 1000, 1),
        "pulled_per_sync": round(rate(sum(s.pulled for s in samples), len(samples)), 1),
        "server_cpu_percent": [
            round(100 * (a - b) / window) for a, b in zip(after[0], before[0], strict=True)
        ],
        "postgres_cpu_percent": round(100 * (after[1] - before[1]) / window),
        "client_cpu_percent": round(100 * run.client_cpu_seconds / window),
        "machine_busy_percent": round(100 * busy),
        "load_processes": processes,
        "reps_out_of_ops": run.reps_out_of_ops,
    }
