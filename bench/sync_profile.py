"""Profiles sync's hot paths in one process, without HTTP: push admission, pull pages, apply.

Companion of `sync_bench.py` for whoever makes sync faster: it builds the same team history
through the write path, then runs under cProfile, on the same 1,000-op batches and pages of
`PULL_PAGE` ops, (1) the server's admission (`replication.push`, the request body already
decoded), (2) the server's page building (`replication.pull`), (3) the client's decoding of
those pages (`pulled_from_wire`) and (4) a new device applying them as `crm sync` does
(`prepare_page`, `observe`, `apply_pulled` and the cursor in one write per page, the cycle
collector paused; the preparing runs in line, not beside the write). Each part prints its rate
(the ceiling the HTTP benchmark cannot pass) and the functions that take the most time.

Usage: .venv/bin/python bench/sync_profile.py [--quick] [--top 25] [--out DIR]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import json
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sync_data as data
from run import say

from crm_tui.services.collector import cycle_collector_paused
from crm_tui.services.sync import PULL_PAGE
from crm_tui.storage.db import Store, open_store
from crm_tui.storage.oplog import set_meta
from crm_tui.storage.replica import Pulled, apply_pulled, fewer_checkpoints, prepare_page
from crm_tui.sync import protocol as p
from crm_tui.sync.server import accounts, replication
from crm_tui.sync.server.db import Database


def profiled(name: str, work: Callable[[], int], top: int, out: Path | None) -> dict[str, Any]:
    """Runs `work` (which returns how many ops it handled) under cProfile; prints the report."""
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    count = work()
    profile.disable()
    seconds = time.perf_counter() - started
    text = io.StringIO()
    stats = pstats.Stats(profile, stream=text)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    # Which of crm's functions spend the time inside SQLite.
    stats.sort_stats("tottime").print_callers(r"method 'execute")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        stats.dump_stats(out / f"{name.split(' (')[0].replace(' ', '-')}.pstats")
    print(f"=== {name}: {count:,} ops in {seconds:.2f} s under cProfile ===")
    print(text.getvalue())
    return {"ops": count, "profiled_seconds": round(seconds, 2)}


def timed(work: Callable[[], int]) -> tuple[int, float]:
    """Runs `work` without a profiler; returns its count and seconds."""
    started = time.perf_counter()
    count = work()
    return count, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    """Builds the team history, then profiles the four parts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="200 customers, 5,000 activities")
    parser.add_argument("--top", type=int, default=25, help="functions listed per part")
    parser.add_argument("--out", type=Path, default=None, help="also write .pstats files here")
    args = parser.parse_args(argv)
    customers, activities = (200, 5_000) if args.quick else (2_000, 50_000)
    with tempfile.TemporaryDirectory(prefix="crm-sync-profile-") as tmp:
        folder = Path(tmp)
        say(f"Building the team's history ({customers:,} customers, {activities:,} activities)...")
        data.build_team(folder / "team.db", customers, activities)
        ops = data.read_ops(folder / "team.db")
        bodies = [
            json.loads(json.dumps({"ops": [p.op_to_wire(op) for op in batch]}))["ops"]
            for batch in data.batches(ops, 1000)
        ]
        rates: dict[str, float] = {}

        def run_part(name: str, setup: Callable[[], Callable[[], int]]) -> None:
            # Each part runs twice on fresh state: once timed, once profiled.
            count, seconds = timed(setup())
            rates[name] = count / seconds
            say(f"{name}: {count:,} ops in {seconds:.2f} s = {count / seconds:,.0f} ops/s")
            profiled(name, setup(), args.top, args.out)

        state: dict[str, Any] = {}
        serials = itertools.count()

        def admission() -> Callable[[], int]:
            serial = next(serials)
            db = Database(str(folder / f"server{serial}.db"))
            db.create_schema()
            code = accounts.add_rep(db, data.TEAM_REP)
            # The server takes only a device's own site id: enrol as the store that made them.
            _, device = accounts.redeem(db, code, ops[0].site_id, None)
            state[f"server{serial}"] = db

            def work() -> int:
                now = time.time_ns() // 1_000_000
                for items in bodies:
                    replication.push(db, device, items, now, 300_000)
                return len(ops)

            return work

        run_part("push admission (replication.push)", admission)
        db: Database = state["server0"]

        def pages() -> Callable[[], int]:
            def work() -> int:
                cursor, total = None, 0
                state["pages"] = []
                while True:
                    page = replication.pull(db, cursor, PULL_PAGE)
                    state["pages"].append(page.ops_json)
                    total += page.size
                    cursor = page.cursor
                    if not page.more:
                        return total

            return work

        run_part("pull pages (replication.pull)", pages)

        def decode() -> Callable[[], int]:
            def work() -> int:
                # As the client reads a page: decoded, each payload's text kept as sent.
                state["pulled"] = []
                for raw in state["pages"]:
                    text = raw.decode()
                    items = json.loads(text)
                    texts = p.payload_texts(f'{{"ops": {text}}}', len(items)) or [None] * len(items)
                    state["pulled"].append(
                        [
                            Pulled(*p.pulled_from_wire(item), payload)
                            for item, payload in zip(items, texts, strict=True)
                        ]
                    )
                return sum(len(page) for page in state["pulled"])

            return work

        run_part("pull decode (json + pulled_from_wire)", decode)

        def apply() -> Callable[[], int]:
            serial = next(serials)
            store = open_store(folder / f"device{serial}.db", "puller")
            state[f"device{serial}"] = store

            def work() -> int:
                # As `crm sync`'s pull loop applies pages, without the thread that prepares the
                # next page beside the write (so this is the pull's work, not its wall time).
                total = 0
                with cycle_collector_paused(), fewer_checkpoints(store.conn):
                    for page in state["pulled"]:
                        prepared = prepare_page(page)
                        with store.write(refetchable=True) as writer:
                            writer.observe(max(item.op.hlc for item in page))
                            total += apply_pulled(store.conn, page, prepared)
                            set_meta(store.conn, "cursor", "bench")
                return total

            return work

        run_part("pull apply (prepare_page + observe + apply_pulled per page)", apply)
        for value in state.values():
            if isinstance(value, Database | Store):
                value.close()
    print("Rates without the profiler (ops/s): ")
    for name, value in rates.items():
        print(f"  {name:<48} {value:>10,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
