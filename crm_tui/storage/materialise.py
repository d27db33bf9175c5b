"""Provides how a record's new state reaches the tables: its row, the finding aids, the caches.

Called only from the write path (`Writer` for local changes, `replica` for ops from the team
server), always inside a `Store.write()` transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from crm_tui.domain.materialise import record_from_state, renewals_from_state
from crm_tui.domain.ops import EntityState, fold_entity
from crm_tui.domain.records import BY_ENTITY, Activity, Contract, Record
from crm_tui.storage.codec import encode, upsert_sql
from crm_tui.storage.index import dependents, index_record, unindex_record
from crm_tui.storage.oplog import ops_of, set_heads
from crm_tui.storage.queries import get

PURGED = "purged"
"""The event type of an erasure (see `replica`)."""

_LINK_TABLES = (("contacts", "contact_id"), ("companies", "company_id"), ("deals", "deal_id"))
_LINK_COLUMNS = dict(_LINK_TABLES)


def write_record(
    conn: sqlite3.Connection, record: Record, old: Record | None, state: EntityState | None
) -> Record:
    """Writes a record's new row and brings what is derived from it up to date."""
    cls = type(record)
    if old is None:
        conn.execute(upsert_sql(cls), encode(record))
    else:
        _update_row(conn, old, record)
    index_record(conn, record, old)
    for dep_cls, dep_id in dependents(conn, record, old):
        dependent = get(conn, dep_cls, dep_id)
        if dependent is not None:  # sync may bring a quote's lines before the quote
            index_record(conn, dependent, dependent)
    if isinstance(record, Activity) or isinstance(old, Activity):
        refresh_last_activity(conn, [*_links(old), *_links(record)])
    elif old is None and cls.TABLE in _LINK_COLUMNS:
        # Activities may arrive (by sync) before the record they belong to.
        refresh_last_activity(conn, [(cls.TABLE, record.id)])
    if cls is Contract and state is not None:
        write_renewals(conn, state)
    return record


def rematerialise(conn: sqlite3.Connection, entity: str, entity_id: str) -> Record | None:
    """Folds one entity's ops again and writes the result, field leaves included.

    Used when ops arrive from elsewhere (or are refused): the fold decides, whatever the order
    they came in. An entity with no ops that count any more leaves the tables.
    """
    cls = BY_ENTITY[entity]
    old = get(conn, cls, entity_id)
    ops = ops_of(conn, entity_id)
    if not ops:
        if old is not None:
            delete_record(conn, old)
        return None
    state = fold_entity(entity, entity_id, ops)
    if any(event.payload.get("type") == PURGED for event in state.events):
        if old is not None:  # erased: only the erasure's own op is left, waiting to be sent
            delete_record(conn, old)
        return None
    conn.execute("DELETE FROM field_heads WHERE entity_id = ?", (entity_id,))
    set_heads(conn, entity_id, {name: field.leaf_ids for name, field in state.fields.items()})
    return write_record(conn, record_from_state(state), old, state)


def delete_record(conn: sqlite3.Connection, record: Record) -> None:
    """Removes a record's row and everything derived from it (not its ops)."""
    conn.execute(f"DELETE FROM {record.TABLE} WHERE id = ?", (record.id,))
    conn.execute("DELETE FROM field_heads WHERE entity_id = ?", (record.id,))
    if isinstance(record, Contract):
        conn.execute("DELETE FROM contract_renewals WHERE contract_id = ?", (record.id,))
    unindex_record(conn, record.id)
    if isinstance(record, Activity):
        refresh_last_activity(conn, _links(record))


def write_renewals(conn: sqlite3.Connection, state: EntityState) -> None:
    """Writes the renewals recorded on a contract."""
    conn.executemany(
        "INSERT OR REPLACE INTO contract_renewals "
        "(id, contract_id, renewed_on, previous_end, end_on, renewal_on, value) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [tuple(renewal) for renewal in renewals_from_state(state)],
    )


def _update_row(conn: sqlite3.Connection, old: Record, new: Record) -> None:
    """Writes only the columns that changed, so untouched indexes are not rewritten."""
    changed = [
        (name, value)
        for name, before, value in zip(new.FIELDS, encode(old), encode(new), strict=True)
        if before != value
    ]
    if changed:
        assignments = ", ".join(f"{name} = ?" for name, _ in changed)
        conn.execute(
            f"UPDATE {new.TABLE} SET {assignments} WHERE id = ?",
            [*(value for _, value in changed), new.id],
        )


def _links(activity: Record | None) -> list[tuple[str, str]]:
    if not isinstance(activity, Activity):
        return []
    return [
        (table, value)
        for table, column in _LINK_TABLES
        if (value := getattr(activity, column)) is not None
    ]


def refresh_last_activity(conn: sqlite3.Connection, links: Iterable[tuple[str, str]]) -> None:
    """Recomputes the cached time of the latest activity of contacts, companies and deals."""
    by_table: dict[str, list[str]] = {}
    for table, record_id in set(links):
        by_table.setdefault(table, []).append(record_id)
    for table, ids in by_table.items():
        column = _LINK_COLUMNS[table]
        # One statement per table and chunk: a pulled page touches hundreds of customers.
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            conn.execute(
                f"UPDATE {table} SET last_activity_at = (SELECT max(at) FROM activities "
                f"WHERE {column} = {table}.id AND NOT retracted) "
                f"WHERE id IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
