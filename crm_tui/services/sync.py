"""Provides `crm sync`: push what this device made, then pull what the team made, until current.

A push batch's results are recorded in one transaction; each pulled page is applied and its
cursor saved in one transaction, so an interruption at any point resumes where it stopped.
"""

from __future__ import annotations

from contextlib import ExitStack
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple

from crm_tui.domain import hlc
from crm_tui.errors import CrmError, SyncError
from crm_tui.services.collector import cycle_collector_paused
from crm_tui.services.progress import Progress
from crm_tui.services.session import Session
from crm_tui.storage.oplog import COLUMNS, get_meta, op_from_row, set_meta
from crm_tui.storage.replica import (
    PreparedPage,
    apply_pulled,
    drop,
    fewer_checkpoints,
    prepare_page,
    refuse,
)
from crm_tui.sync import protocol as p

if TYPE_CHECKING:
    from crm_tui.domain.ops import Op
    from crm_tui.sync.client import PullReply, SyncClient

PUSH_BATCH = 1000
PULL_PAGE = 5000
"""The server's largest page: fewer, larger transactions write the indexes' pages fewer times."""

"""Told what a long sync is doing: a phase (`sending`, `receiving`), a count, a total if known."""


class SyncReport(NamedTuple):
    """What one `crm sync` did."""

    sent: int
    received: int
    conflicts: int
    rejected: int
    waiting: int
    dropped: int
    """Ops about a person erased meanwhile: refused by the server and deleted here."""
    clock_skew_ms: int | None
    last_sync: str


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sync_now(session: Session, progress: Progress | None = None) -> SyncReport:
    """Pushes pending ops and pulls the team's until both sides are current."""
    from crm_tui.sync.client import SyncClient

    conn = session.store.conn
    url, token = get_meta(conn, "server_url"), get_meta(conn, "token")
    if not url or not token:
        raise SyncError("This device has not joined a team server yet: run `crm login URL CODE`.")
    client = SyncClient(url, token)
    with session.store.write():
        set_meta(conn, "last_sync_attempt", _now_iso())
    try:
        report = _sync(session, client, progress or (lambda phase, done, total: None))
    except CrmError as error:
        with session.store.write():
            set_meta(conn, "last_sync_error", str(error))
        raise
    finally:
        client.close()
    return report


def _sync(session: Session, client: SyncClient, progress: Progress) -> SyncReport:
    conn = session.store.conn
    me = client.me()
    server_ms = int(me.get("server_time_ms", 0))
    margin = int(me.get("clock_margin_ms", 300_000))
    skew = session.store.now_ms() - server_ms if server_ms else None
    with session.store.write() as writer:
        set_meta(conn, "team", ",".join(str(r) for r in me.get("team", [])))
        if _server_went_back(get_meta(conn, "cursor"), str(me.get("cursor", ""))):
            # Restored from a backup (or replaced): it may lack what this device sent, so the
            # device sends its own ops again (duplicates are harmless) and reads from the start.
            conn.execute(
                "UPDATE ops SET pushed = 0 WHERE rejected IS NULL AND site_id = ?",
                (writer.site_id,),
            )
            set_meta(conn, "cursor", "")
        if skew is not None and abs(skew) <= margin:
            # The clock is right now; ops stamped while it ran fast get stamps that are too.
            writer.restamp_future(hlc.pack(server_ms + margin, 0))
    sent, refused, waiting, dropped = _push(session, client, progress)
    received = _pull(session, client, progress)
    finished = _now_iso()
    with session.store.write():
        set_meta(conn, "last_sync_ok", finished)
        conn.execute("DELETE FROM meta WHERE key = 'last_sync_error'")
    from crm_tui.services.conflicts import count_conflicts

    conflicts = count_conflicts(session)
    return SyncReport(sent, received, conflicts, refused, waiting, dropped, skew, finished)


def _server_went_back(ours: str | None, latest: str) -> bool:
    """Whether the server's newest op is older than this device's cursor, or another server's."""
    if not ours or not latest:
        return False
    try:
        our_epoch, our_seq = p.decode_cursor(ours)
        epoch, seq = p.decode_cursor(latest)
    except ValueError:
        return True
    return our_epoch != epoch or our_seq > seq


def _pending(session: Session, after: int, limit: int) -> list[tuple[int, Op]]:
    rows = session.store.conn.execute(
        f"SELECT seq, {COLUMNS} FROM ops WHERE pushed = 0 AND rejected IS NULL AND seq > ? "
        "ORDER BY seq LIMIT ?",
        (after, limit),
    ).fetchall()
    return [(row[0], op_from_row(row[1:])) for row in rows]


def _push(session: Session, client: SyncClient, progress: Progress) -> tuple[int, int, int, int]:
    """Sends pending ops in local order; returns how many were accepted, refused for good,
    left to retry, and dropped (about an erased person)."""
    conn = session.store.conn
    (total,) = conn.execute(
        "SELECT count(*) FROM ops WHERE pushed = 0 AND rejected IS NULL"
    ).fetchone()
    sent = refused = waiting = dropped = 0
    after = 0
    while True:
        batch = _pending(session, after, PUSH_BATCH)
        if not batch:
            break
        after = batch[-1][0]
        ops = [op for _, op in batch]
        reply = client.push(ops)
        accepted, gone, refusals = [], [], []
        for result in reply.results:
            status, reason = result.get("status"), result.get("reason")
            if status in (p.OK, p.DUP):
                accepted.append(result["op_id"])
            elif reason in p.RETRYABLE:
                waiting += 1
            elif reason == p.ERASED:
                gone.append(result["op_id"])
            else:
                refusals.append((str(result.get("op_id")), str(reason or "refused")))
        with session.store.write():
            conn.executemany("UPDATE ops SET pushed = 1 WHERE op_id = ?", [(i,) for i in accepted])
            drop(conn, gone)
            refuse(conn, refusals)
        sent += len(accepted)
        refused += len(refusals)
        dropped += len(gone)
        progress("sending", sent + refused + waiting + len(gone), total)
    return sent, refused, waiting, dropped


def _pull(session: Session, client: SyncClient, progress: Progress) -> int:
    """Applies the team's ops page by page, each page with its cursor in one transaction.

    The next page is fetched and prepared (in a thread) while this one is applied: the server,
    the network, the page's pure work (folding, records, search text) and SQLite's writing
    (which releases the GIL) then overlap instead of taking turns. The store is written from
    this thread alone, in page order; what was prepared is checked against it there.
    """
    from concurrent.futures import ThreadPoolExecutor

    conn = session.store.conn
    received = 0
    long_pull_started = False
    with (
        ExitStack() as long_pull,
        cycle_collector_paused(),
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="crm-pull") as fetcher,
    ):
        coming = fetcher.submit(_fetch, client, get_meta(conn, "cursor"))
        while True:
            # A failed fetch raises here, after every page before it was applied and saved.
            page, prepared = coming.result()
            if page.more:
                coming = fetcher.submit(_fetch, client, page.cursor)
                if not long_pull_started:
                    long_pull_started = True
                    # More than a page (a bootstrap, a week offline): a single page (most
                    # syncs) keeps the usual checkpoints and pays for no write-back of its own.
                    long_pull.enter_context(fewer_checkpoints(conn))
            with session.store.write(refetchable=True) as writer:
                if page.pulled:
                    # The receive rule moves the clock past the newest stamp; the rest add nothing.
                    writer.observe(max(item.op.hlc for item in page.pulled))
                received += apply_pulled(conn, page.pulled, prepared)
                set_meta(conn, "cursor", page.cursor)
            if any(item.op.payload.get("type") == "purged" for item in page.pulled):
                # An erasure's deleted pages live on in the WAL until a checkpoint.
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            progress("receiving", received, None)
            if not page.more:
                return received


def _fetch(client: SyncClient, cursor: str | None) -> tuple[PullReply, PreparedPage | None]:
    """A page after the cursor, with the part of applying it that needs no store."""
    page = client.pull(cursor, PULL_PAGE)
    try:
        return page, prepare_page(page.pulled)
    except Exception:
        # An op the fold cannot take: applying the page the plain way raises the same error,
        # in the write that would have applied it, where every other error of a page is met.
        return page, None
