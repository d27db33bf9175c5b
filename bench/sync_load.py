"""Simulates many reps syncing in a loop against team servers: push 100 ops, pull, wait 1 s.

Each simulated rep is a thread with its own `SyncClient` (one keep-alive connection) and its
own device token, sending what `crm sync` sends: `GET /me`, `POST /push` with the next 100 ops
of the rep's store (made through the write path beforehand), then `GET /pull` pages of
`PULL_PAGE` (5,000) from its cursor until the server has no more. The pulled pages are
received in full but not applied (applying is what the pull benchmark measures, and 50 stores
applying the whole team's ops on a 2-core machine would measure the load generator, not the
server): the load
generator reads only each page's cursor. Reps are spread over a few processes so that one
interpreter's lock does not add to the latencies, and each process reports its CPU time.
"""

from __future__ import annotations

import itertools
import json
import random
import resource
import sys
import threading
import time
from multiprocessing import get_context
from pathlib import Path
from typing import Any, NamedTuple

from sync_data import batches, read_ops

from crm_tui.errors import SyncError
from crm_tui.services.sync import PULL_PAGE
from crm_tui.sync import protocol as p
from crm_tui.sync.client import SyncClient

BATCH = 100
PAUSE_S = 1.0


class Rep(NamedTuple):
    """A simulated rep: who, their device token, the server they talk to, their ops' store and
    where their pulls start."""

    name: str
    token: str
    url: str
    store: str
    cursor: str


class Sample(NamedTuple):
    """One sync of one rep: when it started (s after the start), how long it took, the ops the
    server accepted and sent, and the error if it failed."""

    started: float
    seconds: float
    accepted: int
    rejected: int
    pulled: int
    error: str | None


def pull_all(client: SyncClient, cursor: str) -> tuple[str, int]:
    """Pulls pages until the server has no more; returns the new cursor and the ops received."""
    received = 0
    while True:
        try:
            response = client.http.get(
                f"{p.PREFIX}/pull", params={"limit": PULL_PAGE, "cursor": cursor}
            )
        except Exception as error:  # any transport failure is the sample's error
            raise SyncError(f"pull failed: {type(error).__name__}: {error}") from None
        if response.status_code != 200:
            raise SyncError(f"pull answered {response.status_code}: {response.text[:200]}")
        body = response.content
        # The page ends with its cursor and whether more wait; the ops before are only counted.
        tail = json.loads(b"{" + body[body.rfind(b'"cursor":') :])
        cursor = str(tail["cursor"])
        received += body.count(b'"server_seq":')
        if not tail["more"]:
            return cursor, received


def sync_once(client: SyncClient, batch: list[Any], cursor: str) -> tuple[Sample, str]:
    """One sync as `crm sync` does it: me, push, pull; the sample's start is filled later."""
    started = time.perf_counter()
    accepted = rejected = pulled = 0
    error = None
    try:
        client.me()
        if batch:
            reply = client.push(batch)
            for result in reply.results:
                if result.get("status") in (p.OK, p.DUP):
                    accepted += 1
                else:
                    rejected += 1
        cursor, pulled = pull_all(client, cursor)
    except SyncError as failure:
        error = str(failure)[:300]
    seconds = time.perf_counter() - started
    return Sample(0.0, seconds, accepted, rejected, pulled, error), cursor


def rep_loop(rep: Rep, ops: list[list[Any]], start: float, end: float, out: list[Sample]) -> None:
    """Syncs, waits a second, and again, from `start` (plus up to 1 s) until `end`."""
    client = SyncClient(rep.url, rep.token)
    cursor = rep.cursor
    due = start + random.random() * PAUSE_S
    try:
        for batch in itertools.chain(ops, itertools.repeat([])):
            if due >= end:
                return
            time.sleep(max(0.0, due - time.time()))
            began = time.time()
            sample, cursor = sync_once(client, batch, cursor)
            out.append(sample._replace(started=began - start))
            due = time.time() + PAUSE_S
    finally:
        client.close()


def worker(reps: list[Rep], seconds: float, barrier: Any, results: Any) -> None:
    """One load process: loads its reps' ops, waits for the others, runs the loops."""
    sys.setswitchinterval(0.0005)  # hand the interpreter lock over quickly: latency matters
    ops = {rep.name: batches(read_ops(Path(rep.store)), BATCH) for rep in reps}
    outs: dict[str, list[Sample]] = {rep.name: [] for rep in reps}
    barrier.wait()
    start = time.time()
    end = start + seconds
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    threads = [
        threading.Thread(target=rep_loop, args=(rep, ops[rep.name], start, end, outs[rep.name]))
        for rep in reps
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = resource.getrusage(resource.RUSAGE_SELF)
    used = (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime)
    short = sum(1 for rep in reps if len(outs[rep.name]) > len(ops[rep.name]))
    results.put(
        {
            "samples": [s for out in outs.values() for s in out],
            "cpu_seconds": used,
            "wall_seconds": time.time() - start,
            "reps_out_of_ops": short,
        }
    )


class LoadRun(NamedTuple):
    """What a load run returns: every sync, the load processes' CPU time and the window."""

    samples: list[Sample]
    client_cpu_seconds: float
    started: float
    finished: float
    reps_out_of_ops: int


def run_load(reps: list[Rep], seconds: float, processes: int) -> LoadRun:
    """Runs the reps' loops in `processes` processes for `seconds`; returns every sample."""
    context = get_context("spawn")
    barrier = context.Barrier(processes + 1)
    results = context.Queue()
    shares = [reps[i::processes] for i in range(processes)]
    procs = [
        context.Process(target=worker, args=(share, seconds, barrier, results)) for share in shares
    ]
    for proc in procs:
        proc.start()
    barrier.wait(timeout=600)
    started = time.time()
    answers = [results.get(timeout=seconds + 600) for _ in procs]
    finished = time.time()
    for proc in procs:
        proc.join()
    return LoadRun(
        [Sample(*s) for a in answers for s in a["samples"]],
        sum(a["cpu_seconds"] for a in answers),
        started,
        finished,
        sum(a["reps_out_of_ops"] for a in answers),
    )
