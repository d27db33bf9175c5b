"""Provides materialising many records new to this device at once (a pulled page, a bootstrap).

The same rule as `materialise.write_record`, batched: rows, field leaves, entity rows, keys and
search documents go in with one statement per table, and the caches of latest activity are
refreshed once per record they concern rather than once per visit.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from crm_tui.domain.materialise import record_from_state
from crm_tui.domain.ops import EntityState
from crm_tui.domain.records import Activity, Company, Contact, Contract, Quote, QuoteLine, Record
from crm_tui.domain.text import name_key
from crm_tui.storage.codec import encode, upsert_sql
from crm_tui.storage.index import document_of, index_record, keys_of, names_of, text_document
from crm_tui.storage.materialise import (
    PURGED,
    refresh_last_activity,
    write_renewals,
)
from crm_tui.storage.queries import get, select

_FIRST = {"company": 0, "contact": 1, "deal": 2, "quote": 3, "contract": 4}


class NewRecord(NamedTuple):
    """A record new to this device, with everything written for it that needs no lookup: its
    row, field leaves, entity row, exact keys and, when it depends on nothing else in the store,
    its search document. Built without the store, so a pulled page's can be built while the
    page before it is being written."""

    state: EntityState
    record: Record
    row: list[Any]
    heads: list[tuple[str, str, str]]
    entity: tuple[str, str, str, str, int]
    keys: list[tuple[str, str]]
    document: tuple[str, str] | None
    document_ready: bool
    """False for a quote (its lines are read from the store) and for a contact of a company
    that is not among the records prepared with it (its name is read from the store)."""


def prepare_new(states: Iterable[EntityState]) -> list[NewRecord]:
    """The records of folded entities, ready to be written by `write_new` if they turn out to
    be new here; a record whose ops include an erasure is left out."""
    kept = [s for s in states if not any(e.payload.get("type") == PURGED for e in s.events)]
    records = [record_from_state(state) for state in kept]
    companies = {r.id: r.name for r in records if isinstance(r, Company)}
    prepared = []
    for state, record in zip(kept, records, strict=True):
        ready = not isinstance(record, Quote)
        company = None
        if isinstance(record, Contact) and record.company_id:
            company = companies.get(record.company_id)
            ready = company is not None
        prepared.append(
            NewRecord(
                state,
                record,
                encode(record),
                [
                    (state.entity_id, name, op_id)
                    for name, field in state.fields.items()
                    for op_id in field.leaf_ids
                ],
                (
                    record.id,
                    record.ENTITY,
                    record.label,
                    name_key(*names_of(record)),
                    int(record.archived),
                ),
                [(key, record.id) for key in keys_of(record)],
                text_document(record, company) if ready else None,
                ready,
            )
        )
    return prepared


def materialise_new(conn: sqlite3.Connection, states: Sequence[EntityState]) -> None:
    """Writes records that have no row or entity here yet, from their folded ops."""
    write_new(conn, prepare_new(states))


def write_new(conn: sqlite3.Connection, prepared: Iterable[NewRecord]) -> None:
    """Writes prepared records that have no row or entity here yet, one statement per table."""
    items = sorted(prepared, key=lambda n: (_FIRST.get(n.state.entity, 9), n.state.entity_id))
    records = [n.record for n in items]
    by_table: dict[str, list[list[Any]]] = {}
    classes: dict[str, type[Record]] = {}
    for item in items:
        by_table.setdefault(item.record.TABLE, []).append(item.row)
        classes[item.record.TABLE] = type(item.record)
    for table, rows in by_table.items():
        conn.executemany(upsert_sql(classes[table]), rows)
    conn.executemany(
        "INSERT INTO field_heads (entity_id, field, op_id) VALUES (?, ?, ?)",
        [head for item in items for head in item.heads],
    )
    _index(conn, items)
    _dependents(conn, records)
    links: set[tuple[str, str]] = set()
    for record in records:
        if isinstance(record, Activity):
            links.update(
                (table, value)
                for table, value in (
                    ("contacts", record.contact_id),
                    ("companies", record.company_id),
                    ("deals", record.deal_id),
                )
                if value
            )
        elif record.TABLE in ("contacts", "companies", "deals"):
            links.add((record.TABLE, record.id))
    refresh_last_activity(conn, links)
    for item in items:
        if item.state.entity == Contract.ENTITY:
            write_renewals(conn, item.state)


def _index(conn: sqlite3.Connection, items: list[NewRecord]) -> None:
    """Entity rows, exact keys and search documents for new records."""
    conn.executemany(
        "INSERT INTO entities (id, kind, label, name_key, archived) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET label = excluded.label, name_key = excluded.name_key, "
        "archived = excluded.archived",
        [item.entity for item in items],
    )
    numbers: dict[str, int] = {}
    ids = [item.record.id for item in items]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = conn.execute(
            f"SELECT id, n FROM entities WHERE id IN ({', '.join('?' * len(chunk))})", chunk
        )
        numbers.update(rows.fetchall())
    conn.executemany(
        "INSERT OR IGNORE INTO record_keys (key, record_id) VALUES (?, ?)",
        [key for item in items for key in item.keys],
    )
    # A contact's document took its company's name from the records prepared with it: right
    # only if that company is written here too, else the name is the one in the store.
    written = set(ids)
    later = [
        item.record
        for item in items
        if not item.document_ready
        or (
            isinstance(item.record, Contact)
            and item.record.company_id
            and item.record.company_id not in written
        )
    ]
    documents: dict[str, tuple[str, str] | None] = {}
    if later:
        companies = _company_names(
            conn, [*later, *(r.record for r in items if r.state.entity == Company.ENTITY)]
        )
        documents = {record.id: document_of(conn, record, companies) for record in later}
    texts = []
    for item in items:
        record = item.record
        document = documents.get(record.id, item.document)
        if document is not None:
            texts.append((numbers[record.id], record.ENTITY, *document))
    conn.executemany("INSERT INTO search (rowid, kind, name, body) VALUES (?, ?, ?, ?)", texts)


def _company_names(conn: sqlite3.Connection, records: list[Record]) -> dict[str, str]:
    """The names of the companies these records' contacts work for, read in a few queries."""
    names = {r.id: r.name for r in records if isinstance(r, Company)}
    wanted = sorted(
        {r.company_id for r in records if isinstance(r, Contact) and r.company_id} - set(names)
    )
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = conn.execute(
            f"SELECT id, name FROM companies WHERE id IN ({', '.join('?' * len(chunk))})", chunk
        )
        names.update(rows.fetchall())
    return names


def _dependents(conn: sqlite3.Connection, records: list[Record]) -> None:
    """Records already here whose search text includes a new one's: a company's contacts that
    arrived before it, a quote whose lines arrived after it."""
    new = {r.id for r in records}
    company_ids = sorted(r.id for r in records if isinstance(r, Company))
    for start in range(0, len(company_ids), 500):
        chunk = company_ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        for contact in select(
            conn, Contact, where=[f"company_id IN ({marks})"], params=chunk, include_archived=True
        ):
            if contact.id not in new:
                index_record(conn, contact, contact)
    quotes = {r.quote_id for r in records if isinstance(r, QuoteLine) and r.quote_id}
    for quote_id in sorted(quotes):
        quote = get(conn, Quote, quote_id)
        if quote is not None:
            index_record(conn, quote, quote)
