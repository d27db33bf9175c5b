"""Provides materialising many records new to this device at once (a pulled page, a bootstrap).

The same rule as `materialise.write_record`, batched: rows, field leaves, entity rows, keys and
search documents go in with one statement per table, and the caches of latest activity are
refreshed once per record they concern rather than once per visit.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from crm_tui.domain.materialise import record_from_state
from crm_tui.domain.ops import EntityState
from crm_tui.domain.records import Activity, Company, Contact, Contract, QuoteLine, Record
from crm_tui.domain.text import name_key
from crm_tui.storage.codec import encode, upsert_sql
from crm_tui.storage.index import document_of, index_record, keys_of, names_of
from crm_tui.storage.materialise import (
    PURGED,
    refresh_last_activity,
    write_renewals,
)
from crm_tui.storage.queries import get, select

_FIRST = {"company": 0, "contact": 1, "deal": 2, "quote": 3, "contract": 4}


def materialise_new(conn: sqlite3.Connection, states: Sequence[EntityState]) -> None:
    """Writes records that have no row or entity here yet, from their folded ops."""
    kept = [s for s in states if not any(e.payload.get("type") == PURGED for e in s.events)]
    kept.sort(key=lambda s: (_FIRST.get(s.entity, 9), s.entity_id))
    records = [record_from_state(state) for state in kept]
    by_class: dict[type[Record], list[Record]] = {}
    for record in records:
        by_class.setdefault(type(record), []).append(record)
    for cls, group in by_class.items():
        conn.executemany(upsert_sql(cls), [encode(r) for r in group])
    conn.executemany(
        "INSERT INTO field_heads (entity_id, field, op_id) VALUES (?, ?, ?)",
        [
            (state.entity_id, name, op_id)
            for state in kept
            for name, field in state.fields.items()
            for op_id in field.leaf_ids
        ],
    )
    _index(conn, records)
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
    for state in kept:
        if state.entity == Contract.ENTITY:
            write_renewals(conn, state)


def _index(conn: sqlite3.Connection, records: list[Record]) -> None:
    """Entity rows, exact keys and search documents for new records."""
    conn.executemany(
        "INSERT INTO entities (id, kind, label, name_key, archived) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET label = excluded.label, name_key = excluded.name_key, "
        "archived = excluded.archived",
        [(r.id, r.ENTITY, r.label, name_key(*names_of(r)), int(r.archived)) for r in records],
    )
    numbers: dict[str, int] = {}
    ids = [r.id for r in records]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = conn.execute(
            f"SELECT id, n FROM entities WHERE id IN ({', '.join('?' * len(chunk))})", chunk
        )
        numbers.update(rows.fetchall())
    conn.executemany(
        "INSERT OR IGNORE INTO record_keys (key, record_id) VALUES (?, ?)",
        [(key, r.id) for r in records for key in keys_of(r)],
    )
    documents = []
    companies = _company_names(conn, records)
    for record in records:
        document = document_of(conn, record, companies)
        if document is not None:
            documents.append((numbers[record.id], record.ENTITY, *document))
    conn.executemany("INSERT INTO search (rowid, kind, name, body) VALUES (?, ?, ?, ?)", documents)


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
        from crm_tui.domain.records import Quote

        quote = get(conn, Quote, quote_id)
        if quote is not None:
            index_record(conn, quote, quote)
