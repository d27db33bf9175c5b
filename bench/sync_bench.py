"""Measures sync against the spec's targets: throughput, bootstrap, incremental syncs, many reps.

One run, on loopback: builds a team's history (2,000 customers with 50,000 activities) and 50
reps' work through the write path, starts `crm server` over SQLite and a bare uvicorn+SQLite
endpoint, and measures push and pull throughput (each beside the bare endpoint), a new device's
bootstrap, incremental syncs of 100 ops, and 50 simulated reps syncing in a loop; then the same
loop against one and two `crm server` processes over one PostgreSQL database.

Usage: .venv/bin/python bench/sync_bench.py [--quick] [--skip-pg] [--json]

Exit status: 0 when every target is met, 1 when one is missed, 2 when the benchmark failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import traceback
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import sync_data as data
import sync_measure as measure
import sync_servers as servers
from run import machine_facts, say

from crm_tui.services.session import Session
from crm_tui.storage.oplog import get_meta
from crm_tui.sync import protocol as p
from crm_tui.sync.client import SyncClient

PG_ADMIN = os.environ.get("CRM_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
PUSH_TARGET = 20_000
PULL_TARGET = 20_000
BOOTSTRAP_TARGET_S = 10.0
LOOP_P95_TARGET_MS = 200.0


class Sizes(NamedTuple):
    """How big a run is."""

    customers: int
    activities: int
    reps: int
    loop_seconds: float
    incremental_rounds: int
    load_processes: int


FULL = Sizes(2_000, 50_000, 50, 60.0, 30, 2)
QUICK = Sizes(200, 5_000, 50, 10.0, 5, 2)


def rep_names(count: int) -> list[str]:
    """The simulated reps' names."""
    return [f"rep{i:02d}" for i in range(1, count + 1)]


def prepare(folder: Path, sizes: Sizes) -> dict[str, Any]:
    """Builds the team's store and the reps' stores; returns what was made and how long it took."""
    started = time.perf_counter()
    say(
        f"Building the team's history ({sizes.customers:,} customers, {sizes.activities:,} "
        "activities) through the write path..."
    )
    team = data.build_team(folder / "team.db", sizes.customers, sizes.activities)
    built = time.perf_counter()
    per_rep = (int(sizes.loop_seconds / 1.0) + 3) * 100
    say(f"Building {sizes.reps} reps' stores ({per_rep:,} ops each) in 2 processes...")
    customers = data.team_customers(folder / "team.db")
    stores = data.build_reps(folder, rep_names(sizes.reps), per_rep, customers)
    return {
        "team": team,
        "team_seconds": round(built - started, 1),
        "rep_ops_each": per_rep,
        "reps_seconds": round(time.perf_counter() - built, 1),
        "customers": customers,
        "stores": stores,
    }


def close_all(sessions: list[Session]) -> None:
    """Closes device stores."""
    for session in sessions:
        session.close()


def sqlite_part(
    folder: Path, sizes: Sizes, made: dict[str, Any], stack: ExitStack
) -> dict[str, Any]:
    """Everything measured against `crm server` over SQLite (and the bare endpoint)."""
    target = str(folder / "server.db")
    server = servers.crm_server(target, folder / "server.log")
    stack.callback(server.stop)
    bare = servers.bare_server(folder / "bare.db", folder / "bare.log")
    stack.callback(bare.stop)
    sessions: list[Session] = []
    stack.callback(close_all, sessions)
    out: dict[str, Any] = {}

    out["round_trip"] = {
        "crm": measure.measure_round_trip(server.url, f"{p.PREFIX}/health"),
        "bare": measure.measure_round_trip(bare.url, "/health"),
    }
    team = servers.join(folder / "team.db", data.TEAM_REP, target, server.url)
    sessions.append(team)
    ops = data.read_ops(folder / "team.db")
    say(f"Pushing {len(ops):,} ops in batches of 1,000 to crm server and to the bare endpoint...")
    out["push"] = measure.measure_push(
        ops, server.url, str(get_meta(team.store.conn, "token")), bare.url
    )
    say("Pulling them on a new device with crm sync's pull loop...")
    puller = servers.join(folder / "pull.db", "puller", target, server.url)
    sessions.append(puller)
    out["pull"] = measure.measure_pull(puller)
    say("Pulling them from the bare endpoint...")
    out["bare_pull"] = measure.measure_bare_pull(bare.url, folder / "bare-pull.db")
    bare.stop()
    say("Bootstrapping a new device (crm login, crm sync)...")
    out["bootstrap"], device = measure.measure_bootstrap(
        folder / "new.db", "newrep", target, server.url
    )
    sessions.append(device)
    say(f"Timing {sizes.incremental_rounds} x 2 incremental syncs of 100 ops...")
    mate = servers.join(folder / "mate.db", "mate", target, server.url)
    sessions.append(mate)
    out["incremental"] = measure.measure_incremental(
        device, mate, made["customers"], sizes.incremental_rounds
    )
    say(f"{sizes.reps} reps syncing in a loop for {sizes.loop_seconds:g} s (SQLite)...")
    out["loop_sqlite"] = measure.simulate(
        target, [server], made["stores"], sizes.loop_seconds, sizes.load_processes
    )
    server.stop()
    return out


def postgres_part(folder: Path, sizes: Sizes, made: dict[str, Any]) -> dict[str, Any]:
    """The loop against one, then two, `crm server` processes over one PostgreSQL database."""
    out: dict[str, Any] = {}
    with servers.pg_databases(PG_ADMIN) as databases:
        seed = servers.new_pg_database(PG_ADMIN, databases)
        server = servers.crm_server(seed, folder / "pg-seed.log")
        try:
            token = servers.enrol(
                seed, server.url, data.TEAM_REP, measure.site_of(folder / "team.db")
            )
            ops = data.read_ops(folder / "team.db")
            say(f"Pushing the team's {len(ops):,} ops to crm server over PostgreSQL...")
            client = SyncClient(server.url, token)
            try:
                times, refused = measure.push_batches(client, ops)
            finally:
                client.close()
            out["push_pg"] = {
                "ops": len(ops),
                "seconds": round(sum(times), 2),
                "ops_per_s": round(measure.rate(len(ops), sum(times))),
                "refused": refused,
            }
        finally:
            server.stop()
        copy = servers.new_pg_database(PG_ADMIN, databases, template=seed)
        for label, target, count in (("loop_pg_1", seed, 1), ("loop_pg_2", copy, 2)):
            say(
                f"{sizes.reps} reps syncing in a loop for {sizes.loop_seconds:g} s "
                f"(PostgreSQL, {count} server process{'es' if count > 1 else ''})..."
            )
            started = [
                servers.crm_server(target, folder / f"{label}-{i}.log") for i in range(count)
            ]
            try:
                out[label] = measure.simulate(
                    target, started, made["stores"], sizes.loop_seconds, sizes.load_processes
                )
            finally:
                for process in started:
                    process.stop()
    return out


# --- the report ---------------------------------------------------------------------------------


class Row(NamedTuple):
    """One line of the report."""

    measurement: str
    figure: str
    detail: str
    target: str
    passed: bool | None


def rows_of(result: dict[str, Any], sizes: Sizes) -> list[Row]:
    """The report's lines, with the targets judged."""
    trip = result["round_trip"]
    rows: list[Row] = [
        Row(
            "round trip of a small GET (kept-alive connection), crm server",
            f"{trip['crm']['p50_ms']} ms",
            f"p95 {trip['crm']['p95_ms']} ms; bare endpoint: p50 {trip['bare']['p50_ms']} ms",
            "report",
            None,
        )
    ]
    push, pull, bare_pull = result["push"], result["pull"], result["bare_pull"]
    rows += [
        Row(
            "push: crm server (SQLite), 1,000-op batches",
            f"{push['crm_ops_per_s']:,} ops/s",
            f"{push['ops']:,} ops in {push['crm_seconds']} s, batch p50 "
            f"{push['crm_batch_ms_p50']} ms",
            f">= {PUSH_TARGET:,} ops/s",
            push["crm_ops_per_s"] >= PUSH_TARGET,
        ),
        Row(
            "push: bare uvicorn+SQLite endpoint",
            f"{push['bare_ops_per_s']:,} ops/s",
            f"same batches, batch p50 {push['bare_batch_ms_p50']} ms",
            "",
            None,
        ),
        Row("push: crm as a fraction of bare", f"{push['fraction_of_bare']:.2f}", "", "", None),
        Row(
            "pull: new device, crm sync's pull loop",
            f"{pull['ops_per_s']:,} ops/s",
            f"{pull['ops']:,} ops in {pull['seconds']} s: fetch {pull['fetch_seconds']} s "
            f"(beside applying; waited for pages {pull['waiting_seconds']} s), "
            f"apply {pull['apply_seconds']} s",
            f">= {PULL_TARGET:,} ops/s",
            pull["ops_per_s"] >= PULL_TARGET,
        ),
        Row(
            "pull: bare (fetch, decode, insert as is)",
            f"{bare_pull['ops_per_s']:,} ops/s",
            f"{bare_pull['ops']:,} ops in {bare_pull['seconds']} s",
            "",
            None,
        ),
        Row(
            "pull: crm as a fraction of bare",
            f"{measure.rate(pull['ops_per_s'], bare_pull['ops_per_s']):.2f}",
            "",
            "",
            None,
        ),
    ]
    boot = result["bootstrap"]
    rows.append(
        Row(
            f"bootstrap: new device, {boot['companies']:,} companies + {boot['contacts']:,} "
            f"contacts + {boot['activities']:,} activities",
            f"{boot['seconds']} s",
            f"login {boot['login_seconds']} s, sync {boot['sync_seconds']} s "
            f"({boot['received']:,} ops, {boot['ops_per_s']:,} ops/s)",
            f"<= {BOOTSTRAP_TARGET_S:g} s",
            boot["seconds"] <= BOOTSTRAP_TARGET_S,
        )
    )
    inc = result["incremental"]
    rows += [
        Row(
            "incremental sync, 100 ops made here",
            f"p50 {inc['own_p50_ms']} ms",
            f"p95 {inc['own_p95_ms']} ms, {inc['rounds']} syncs",
            "report",
            None,
        ),
        Row(
            "incremental sync, 100 ops from a teammate",
            f"p50 {inc['theirs_p50_ms']} ms",
            f"p95 {inc['theirs_p95_ms']} ms, {inc['rounds']} syncs",
            "report",
            None,
        ),
    ]
    loops = [
        ("loop_sqlite", "SQLite, 1 process"),
        ("loop_pg_1", "PostgreSQL, 1 process"),
        ("loop_pg_2", "PostgreSQL, 2 processes"),
    ]
    for key, label in loops:
        if key not in result:
            continue
        loop = result[key]
        judged = key == "loop_sqlite"
        head = f"{loop['reps']} reps x {sizes.loop_seconds:g} s, {label}"
        cpu = "+".join(f"{c}%" for c in loop["server_cpu_percent"])
        rows += [
            Row(
                f"{head}: errors",
                str(loop["errors"]),
                f"{loop['syncs']:,} syncs, {loop['failed_syncs']} failed, "
                f"{loop['rejected_ops']} ops refused",
                "= 0" if judged else "report",
                loop["errors"] == 0 if judged else None,
            ),
            Row(
                f"{head}: p95 of a sync",
                f"{loop['p95_ms']} ms",
                f"p50 {loop['p50_ms']} ms, p99 {loop['p99_ms']} ms, max {loop['max_ms']} ms",
                f"<= {LOOP_P95_TARGET_MS:g} ms" if judged else "report",
                loop["p95_ms"] <= LOOP_P95_TARGET_MS if judged else None,
            ),
            Row(
                f"{head}: throughput",
                f"{loop['ops_per_s']:,} ops/s",
                f"{loop['syncs_per_s']} syncs/s, {loop['pulled_ops_per_s']:,} ops/s pulled "
                f"({loop['pulled_per_sync']:,.0f}/sync); CPU: server {cpu}, postgres "
                f"{loop['postgres_cpu_percent']}%, load generator {loop['client_cpu_percent']}%, "
                f"machine {loop['machine_busy_percent']}% busy",
                "report",
                None,
            ),
        ]
    if "loop_pg_1" in result and "loop_pg_2" in result:
        one, two = result["loop_pg_1"], result["loop_pg_2"]
        rows.append(
            Row(
                "PostgreSQL: 2 processes vs 1",
                f"{measure.rate(two['ops_per_s'], one['ops_per_s']):.2f}x throughput",
                f"p95 {measure.rate(int(two['p95_ms'] * 10), one['p95_ms'] * 10):.2f}x",
                "report",
                None,
            )
        )
    if "push_pg" in result:
        pg = result["push_pg"]
        rows.append(
            Row(
                "push: crm server (PostgreSQL), 1,000-op batches",
                f"{pg['ops_per_s']:,} ops/s",
                f"{pg['ops']:,} ops in {pg['seconds']} s",
                "report",
                None,
            )
        )
    return rows


def report_table(result: dict[str, Any], rows: list[Row]) -> str:
    """The human report: the machine, the data, then one aligned line per measurement."""
    m = result["machine"]
    d = result["data"]
    lines = [
        f"Machine: {m['cpu_count']} CPUs ({m['cpu_model'] or 'unknown model'}), load "
        f"{' '.join(str(x) for x in m['load_average'])} -> "
        f"{' '.join(str(x) for x in result['load_average_after'])}",
        f"Python {m['python']}, SQLite {m['sqlite']}, {m['platform']}",
        f"Data: team store {d['team']} (built in {d['team_seconds']} s); {result['sizes']['reps']} "
        f"reps x {d['rep_ops_each']:,} ops (built in {d['reps_seconds']} s)"
        + (" [--quick]" if result["quick"] else ""),
        "",
    ]
    header = Row("measurement", "figure", "detail", "target", None)
    cells = [
        (
            r.measurement,
            r.figure,
            r.target,
            "" if r.passed is None else ("PASS" if r.passed else "FAIL"),
            r.detail,
        )
        for r in rows
    ]
    titles = (header.measurement, header.figure, header.target, "result", header.detail)
    widths = [max(len(c[i]) for c in [titles, *cells]) for i in range(4)]
    for c in [titles, *cells]:
        line = "  ".join(
            [
                c[0].ljust(widths[0]),
                c[1].rjust(widths[1]),
                c[2].ljust(widths[2]),
                c[3].ljust(widths[3]),
                c[4],
            ]
        )
        lines.append(line.rstrip())
    if result["problems"]:
        lines += ["", "Problems:", *(f"  {p}" for p in result["problems"])]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Builds, measures and reports."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small data, 10 s loops")
    parser.add_argument("--skip-pg", action="store_true", help="leave PostgreSQL out")
    parser.add_argument("--tmp", type=Path, default=None, help="where the stores go (a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (stores, logs)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    result: dict[str, Any] = {
        "machine": machine_facts(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "sizes": sizes._asdict(),
        "problems": [],
    }
    if not args.skip_pg and (why := servers.pg_reachable(PG_ADMIN)):
        result["problems"].append(f"PostgreSQL is not reachable at {PG_ADMIN}: {why}")
    folder = Path(tempfile.mkdtemp(prefix="crm-sync-bench-", dir=args.tmp))
    say(f"Working in {folder}")
    try:
        made = prepare(folder, sizes)
        result["data"] = {k: v for k, v in made.items() if k not in ("customers", "stores")}
        with ExitStack() as stack:
            result |= sqlite_part(folder, sizes, made, stack)
        if not args.skip_pg and not result["problems"]:
            result |= postgres_part(folder, sizes, made)
    except Exception as error:  # the report still comes, with what failed
        result["problems"].append(f"{type(error).__name__}: {error}")
        say(traceback.format_exc())
    finally:
        if not args.keep:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    rows = rows_of(result, sizes) if "loop_sqlite" in result else []
    result["targets"] = [r._asdict() for r in rows]
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    else:
        print(report_table(result, rows))
    if result["problems"]:
        return 2
    return 0 if all(r.passed is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
