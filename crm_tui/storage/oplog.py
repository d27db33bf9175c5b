"""Provides the op log table and the device's own state beside it (site id, clock, counters)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator

from crm_tui.domain.ops import Op

COLUMNS = "op_id, site_id, hlc, entity, entity_id, kind, payload, rep, flags"
"""The log's columns that make an `Op`, in `op_from_row` order."""

OpRow = tuple[str, str, int, str, str, str, str, str | None, str | None]


def op_from_row(row: OpRow) -> Op:
    """Builds an op from a row selected with the log's columns."""
    op_id, site_id, hlc, entity, entity_id, kind, payload, rep, flags = row
    marks = tuple(json.loads(flags)) if flags else ()
    return Op(op_id, site_id, hlc, entity, entity_id, kind, json.loads(payload), rep, marks)


_PAYLOAD = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
"""`json.dumps` with these options builds an encoder per call; a sync encodes every op (and a
payload, read from JSON or built from plain values, cannot refer to itself)."""


def payload_text(op: Op) -> str:
    """An op's payload as the log stores it (and the protocol sends it)."""
    return _PAYLOAD.encode(op.payload)


def append_ops(
    conn: sqlite3.Connection,
    ops: Iterable[Op],
    *,
    pushed: bool = False,
    received_at: str | None = None,
) -> None:
    """Appends ops to the log; an op already there (same id) is ignored.

    Ops made here wait to be pushed; ops pulled from the server are `pushed` already.
    """
    conn.executemany(
        f"INSERT OR IGNORE INTO ops ({COLUMNS}, pushed, received_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                op.op_id,
                op.site_id,
                op.hlc,
                op.entity,
                op.entity_id,
                op.kind,
                payload_text(op),
                op.rep,
                json.dumps(list(op.flags)) if op.flags else None,
                int(pushed),
                received_at,
            )
            for op in ops
        ],
    )


def ops_of(conn: sqlite3.Connection, entity_id: str) -> list[Op]:
    """Every op of one entity that counts (the server's refusals do not), in local order."""
    rows = conn.execute(
        f"SELECT {COLUMNS} FROM ops WHERE entity_id = ? AND rejected IS NULL ORDER BY seq",
        (entity_id,),
    ).fetchall()
    return [op_from_row(row) for row in rows]


def all_ops(conn: sqlite3.Connection) -> Iterator[Op]:
    """Every op in the log that counts, in local order."""
    for row in conn.execute(f"SELECT {COLUMNS} FROM ops WHERE rejected IS NULL ORDER BY seq"):
        yield op_from_row(row)


def get_meta(conn: sqlite3.Connection, key: str, default: str | None = None) -> str | None:
    """Reads one of the device's own settings (site id, clock, counters)."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return default if row is None else str(row[0])


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    """Writes one of the device's own settings."""
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def next_counter(conn: sqlite3.Connection, name: str) -> int:
    """Returns the next value of a per-device counter (quote numbers); call inside a write."""
    value = int(get_meta(conn, f"counter:{name}", "0") or 0) + 1
    set_meta(conn, f"counter:{name}", str(value))
    return value


def heads_of(
    conn: sqlite3.Connection, entity_id: str, fields: Iterable[str]
) -> dict[str, list[str]]:
    """The leaf op ids of some fields of an entity (several leaves: a kept conflict)."""
    wanted = list(fields)
    heads: dict[str, list[str]] = {name: [] for name in wanted}
    rows = conn.execute(
        "SELECT field, op_id FROM field_heads WHERE entity_id = ? "
        f"AND field IN ({', '.join('?' * len(wanted))}) ORDER BY op_id",
        (entity_id, *wanted),
    )
    for name, op_id in rows:
        heads[name].append(op_id)
    return heads


def set_heads(conn: sqlite3.Connection, entity_id: str, heads: dict[str, list[str]]) -> None:
    """Replaces the leaves of the given fields of an entity."""
    conn.executemany(
        "DELETE FROM field_heads WHERE entity_id = ? AND field = ?",
        [(entity_id, name) for name in heads],
    )
    conn.executemany(
        "INSERT INTO field_heads (entity_id, field, op_id) VALUES (?, ?, ?)",
        [(entity_id, name, op_id) for name, op_ids in heads.items() for op_id in op_ids],
    )
