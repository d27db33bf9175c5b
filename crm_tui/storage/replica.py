"""Provides the replica side of the write path: ops from the team server, refusals, erasures.

Pulled ops are appended to the log and each entity they touch is folded again, whatever order
they came in. Ops the server refused stay in the log, marked, and stop counting in the state
(so a device shows what the team accepted); ops about an erased person are deleted, and an
erasure removes every trace of the records it names: privacy wins over "nothing lost".
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

from crm_tui.domain.ops import EVENT, Op, fold_entity
from crm_tui.storage.bulk import NewRecord, materialise_new, prepare_new, write_new
from crm_tui.storage.materialise import PURGED, delete_record, rematerialise
from crm_tui.storage.oplog import COLUMNS, op_from_row, payload_text
from crm_tui.storage.queries import get

# Kinds whose records others point at come first, so a page's contacts find their company.
_ORDER = {"company": 0, "contact": 1, "deal": 2, "quote": 3, "contract": 4}
ERASABLE_WITH_PERSON = ("activity", "survey", "inquiry", "task", "enrolment")
"""Records about a person that an erasure takes with them (a deal stays the company's)."""
# Fields through which a record belongs to another: an erased id there refuses the op.
LINKS = ("contact_id", "company_id", "deal_id", "inquiry_id", "quote_id", "contract_id")


class Pulled(NamedTuple):
    """An op as the server sends it: the op (its `rep` and `flags` are the server's), when the
    server received it, and its place in the server's order."""

    op: Op
    server_seq: int
    received_at: str
    payload_text: str | None = None
    """The payload as the server sent it (the log keeps it as it came), when the page had it."""


def links_of(op: Op) -> set[str]:
    """The record ids an op's payload points at (a visit's contact and company, …)."""
    fields = op.payload.get("fields") if op.kind == EVENT else None
    if isinstance(fields, dict):
        return {str(fields[k]) for k in LINKS if fields.get(k)}
    if op.payload.get("field") in LINKS and op.payload.get("value"):
        return {str(op.payload["value"])}
    return set()


def purged_among(conn: sqlite3.Connection, ids: Iterable[str]) -> set[str]:
    """The ids, of those given, that an erasure removed."""
    wanted = sorted(set(ids))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = conn.execute(
            f"SELECT entity_id FROM purged WHERE entity_id IN ({', '.join('?' * len(chunk))})",
            chunk,
        )
        found.update(entity_id for (entity_id,) in rows)
    return found


def _not_erased(conn: sqlite3.Connection, pulled: Sequence[Pulled]) -> list[Pulled]:
    """The ops neither about an erased record nor pointing at one."""
    if conn.execute("SELECT 1 FROM purged LIMIT 1").fetchone() is None:
        return list(pulled)  # nothing was ever erased here (the usual case): no op to look into
    linked = [(p, links_of(p.op)) for p in pulled]
    referenced = {p.op.entity_id for p, _ in linked}.union(*(links for _, links in linked))
    gone = purged_among(conn, referenced)
    return [p for p, links in linked if p.op.entity_id not in gone and not links & gone]


def _known(conn: sqlite3.Connection, op_ids: Sequence[str]) -> dict[str, str | None]:
    """The ops already in the log, with their flags."""
    known: dict[str, str | None] = {}
    for start in range(0, len(op_ids), 500):
        chunk = list(op_ids[start : start + 500])
        rows = conn.execute(
            f"SELECT op_id, flags FROM ops WHERE op_id IN ({', '.join('?' * len(chunk))})", chunk
        )
        known.update(rows.fetchall())
    return known


class PreparedPage(NamedTuple):
    """What applying a page needs that the store has no say in, built by `prepare_page` while
    the page before it is being written: each op's row for the log, the page's ops by entity,
    and each entity's record in case it is new to this device."""

    rows: list[tuple[Any, ...]]
    arrived: dict[str, list[Op]]
    kinds: dict[str, str]
    records: dict[str, NewRecord]


def _row(item: Pulled) -> tuple[Any, ...]:
    """A pulled op's row for the log (op_id, site_id, hlc, entity, entity_id, kind first)."""
    op = item.op
    flags = json.dumps(list(op.flags)) if op.flags else None
    text = item.payload_text if item.payload_text is not None else payload_text(op)
    return (*op[:6], text, op.rep, flags, item.received_at)


def prepare_page(pulled: Sequence[Pulled]) -> PreparedPage:
    """Does the part of applying a page that reads nothing from the store (no I/O: any thread
    may run it); `apply_pulled` uses what holds for the store it writes and redoes the rest."""
    arrived: dict[str, list[Op]] = {}
    kinds: dict[str, str] = {}
    for item in pulled:
        op = item.op
        arrived.setdefault(op.entity_id, []).append(op)
        kinds[op.entity_id] = op.entity
    states = [fold_entity(kinds[i], i, ops) for i, ops in arrived.items()]
    records = {n.state.entity_id: n for n in prepare_new(states)}
    return PreparedPage([_row(item) for item in pulled], arrived, kinds, records)


def apply_pulled(
    conn: sqlite3.Connection, pulled: Sequence[Pulled], prepared: PreparedPage | None = None
) -> int:
    """Applies a page of ops from the server; returns how many were new to this device
    (erasures count). `prepared` is `prepare_page(pulled)`, when it was built beforehand."""
    erasures = [p for p in pulled if p.op.kind == EVENT and p.op.payload.get("type") == PURGED]
    for erasure in erasures:
        purge(conn, erasure.op.payload.get("ids", []), erasure.received_at)
    rest = _not_erased(conn, [p for p in pulled if p not in erasures] if erasures else pulled)
    if len(rest) != len(pulled):
        prepared = None  # built for ops that are not all applied: the page's rows do not fit
    known = _known(conn, [p.op.op_id for p in rest])
    touched: dict[str, str]
    if prepared is not None and not known:
        # Every op is new here (a bootstrap's pages): the prepared rows are the rows.
        rows, arrived, touched = prepared.rows, prepared.arrived, dict(prepared.kinds)
    else:
        touched, rows, arrived = {}, [], {}
        for item in rest:
            op = item.op
            if op.op_id in known:
                flags = json.dumps(list(op.flags)) if op.flags else None
                conn.execute(
                    "UPDATE ops SET rep = ?, flags = ?, received_at = ?, pushed = 1 "
                    "WHERE op_id = ?",
                    (op.rep, flags, item.received_at, op.op_id),
                )
                if flags != known[op.op_id]:
                    touched[op.entity_id] = op.entity
                continue
            rows.append(_row(item))
            arrived.setdefault(op.entity_id, []).append(op)
            touched[op.entity_id] = op.entity
    new = _new_here(conn, arrived)
    conn.executemany(
        "INSERT OR IGNORE INTO ops (op_id, site_id, hlc, entity, entity_id, kind, payload, rep, "
        "flags, pushed, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
        rows,
    )
    if prepared is not None:
        # An entity new here has none of its ops in the log yet, so it was folded, in the
        # page, from exactly the ops it has now.
        write_new(conn, [prepared.records[i] for i in new if i in prepared.records])
    else:
        states = [fold_entity(arrived[i][0].entity, i, arrived[i]) for i in sorted(new)]
        materialise_new(conn, states)
    refold(conn, {i: kind for i, kind in touched.items() if i not in new})
    return len(rows) + len(erasures)


PULL_CHECKPOINT_PAGES = 10_000
"""During a pull, the WAL is written back to the store every 40 MB instead of every 4 MB: a
page of ops rewrites the same index and search pages that the page before it did, and each
write-back copies them and flushes the file again."""


@contextmanager
def fewer_checkpoints(conn: sqlite3.Connection) -> Iterator[None]:
    """Lets the WAL grow further during a pull, then writes it back once (a passive checkpoint:
    it waits for no reader)."""
    (usual,) = conn.execute("PRAGMA wal_autocheckpoint").fetchone()
    conn.execute(f"PRAGMA wal_autocheckpoint = {max(int(usual), PULL_CHECKPOINT_PAGES)}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA wal_autocheckpoint = {int(usual)}")
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")


def _new_here(conn: sqlite3.Connection, ids: Iterable[str]) -> set[str]:
    """The entities, of those given, that this device has nothing of: no row, no op logged.
    Asked before a page's ops are logged, of the entities they are about: those are folded
    from the page alone and written in bulk (a bootstrap is all of them)."""
    wanted = sorted(ids)
    seen: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        # Both lookups read an index only (ops_entity, the entities' ids), never a row.
        rows = conn.execute(
            f"SELECT entity_id FROM ops WHERE entity_id IN ({marks}) "
            f"UNION SELECT id FROM entities WHERE id IN ({marks})",
            chunk + chunk,
        )
        seen.update(i for (i,) in rows)
    return set(wanted) - seen


def refold(conn: sqlite3.Connection, touched: dict[str, str]) -> None:
    """Folds the given entities again (id → kind), the ones others point at first."""
    for entity_id, entity in sorted(touched.items(), key=lambda e: (_ORDER.get(e[1], 9), e[0])):
        rematerialise(conn, entity, entity_id)


def refuse(conn: sqlite3.Connection, refusals: Iterable[tuple[str, str]]) -> None:
    """Marks ops the server refused for good; they stay in the log but stop counting."""
    touched: dict[str, str] = {}
    for op_id, reason in refusals:
        row = conn.execute("SELECT entity, entity_id FROM ops WHERE op_id = ?", (op_id,)).fetchone()
        if row is None:
            continue
        conn.execute("UPDATE ops SET rejected = ? WHERE op_id = ?", (reason, op_id))
        touched[row[1]] = row[0]
    refold(conn, touched)


def drop(conn: sqlite3.Connection, op_ids: Iterable[str]) -> None:
    """Deletes ops about an erased person that this device made offline: nothing may keep them."""
    touched: dict[str, str] = {}
    for op_id in op_ids:
        row = conn.execute("SELECT entity, entity_id FROM ops WHERE op_id = ?", (op_id,)).fetchone()
        if row is not None:
            conn.execute("DELETE FROM ops WHERE op_id = ?", (op_id,))
            touched[row[1]] = row[0]
    refold(conn, touched)


def _linked_here(conn: sqlite3.Connection, ids: list[str]) -> list[str]:
    """Records on this device that point at an erased one (a visit logged offline about the
    person): they go too. Ids are unique, so a substring test finds the candidates."""
    extra: list[str] = []
    for erased_id in ids:
        rows = conn.execute(
            f"SELECT {COLUMNS} FROM ops WHERE payload LIKE ? AND entity_id != ?",
            (f"%{erased_id}%", erased_id),
        )
        for row in rows:
            op = op_from_row(row)
            about_the_person = op.entity in ERASABLE_WITH_PERSON
            if about_the_person and erased_id in links_of(op) and op.entity_id not in ids + extra:
                extra.append(op.entity_id)
    return extra


def purge(conn: sqlite3.Connection, ids: Iterable[str], when: str | None) -> None:
    """Erases records: their ops, rows, keys and search text, and remembers their ids so that no
    op about them is ever applied again. Deleted bytes are overwritten (`secure_delete`)."""
    from crm_tui.domain.records import BY_ENTITY

    erased = list(dict.fromkeys(ids))
    erased += _linked_here(conn, erased)
    for entity_id in erased:
        row = conn.execute("SELECT kind FROM entities WHERE id = ?", (entity_id,)).fetchone()
        if row is not None and row[0] in BY_ENTITY:
            record = get(conn, BY_ENTITY[row[0]], entity_id)
            if record is not None:
                delete_record(conn, record)
        conn.execute("DELETE FROM ops WHERE entity_id = ?", (entity_id,))
        conn.execute("DELETE FROM field_heads WHERE entity_id = ?", (entity_id,))
        conn.execute(
            "INSERT OR IGNORE INTO purged (entity_id, purged_at) VALUES (?, ?)", (entity_id, when)
        )
    # FTS5 keeps a deleted document's words in older segments until they merge: merge now.
    conn.execute("INSERT INTO search (search) VALUES ('optimize')")
