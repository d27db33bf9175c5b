"""Provides the finding aids kept beside the records: the entity list, exact keys and the FTS index.

`entities` maps every record id to its kind, label and folded name (for references by name);
`record_keys` holds exact keys (`email:…`, `tel:+81…`, `number:…`); the FTS5 table `search`
holds normalised, bigrammed text, its rowid being the entity's number.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence

from crm_tui.domain.records import (
    Activity,
    Company,
    Contact,
    Contract,
    Deal,
    Inquiry,
    Invoice,
    Quote,
    QuoteLine,
    Record,
    Task,
)
from crm_tui.domain.text import index_text, name_key


def names_of(record: Record) -> tuple[str, ...]:
    """The names a reference may match for this record: names, readings, titles, numbers."""
    match record:
        case Contact():
            return (
                record.display_name,
                (record.family_name or "") + (record.given_name or ""),
                (record.family_reading or "") + (record.given_reading or ""),
            )
        case Company():
            return (record.name, record.reading or "")
        case Quote():
            return (record.number, record.title or "")
        case Deal() | Task():
            return (record.title,)
        case Inquiry():
            return (record.subject,)
        case Contract():
            return (record.product,)
        case Invoice():
            return (record.number,)
        case Activity():
            return (record.summary,)
        case QuoteLine():
            return (record.description,)
    return ()


def keys_of(record: Record) -> set[str]:
    """The exact keys a reference can hit: emails, valid phones, quote and invoice numbers."""
    keys: set[str] = set()
    if isinstance(record, Contact):
        keys.update(f"email:{email}" for email in record.emails)
        keys.update(f"tel:{p['number']}" for p in record.phones if p.get("valid"))
    elif isinstance(record, Company) and record.phone and record.phone.get("valid"):
        keys.add(f"tel:{record.phone['number']}")
    elif isinstance(record, Quote | Invoice) and record.number:
        keys.add(f"number:{record.number.upper()}")
    return keys


def _phones_text(phones: list[dict[str, object]]) -> str:
    return " ".join(
        f"{p.get('display', '')} {str(p.get('number', '')).lstrip('+')}" for p in phones
    )


def document_of(
    conn: sqlite3.Connection, record: Record, companies: Mapping[str, str] | None = None
) -> tuple[str, str] | None:
    """The (name, body) text that full-text search indexes for a record, or None for none.

    `companies` (id to name) spares a lookup per contact when many are indexed at once.
    """
    if isinstance(record, Contact):
        company = (companies or {}).get(record.company_id or "") or _company_name(
            conn, record.company_id
        )
        return text_document(record, company=company)
    if isinstance(record, Quote):
        lines = conn.execute(
            "SELECT description FROM quote_lines WHERE quote_id = ? AND NOT archived "
            "ORDER BY position, id",
            (record.id,),
        ).fetchall()
        return text_document(record, lines=[d for (d,) in lines])
    return text_document(record)


def text_document(
    record: Record, company: str | None = None, lines: Sequence[str] = ()
) -> tuple[str, str] | None:
    """`document_of` given what it reads from the store: a contact's company name, a quote's
    lines' descriptions in order (no I/O, so a pulled page's documents are built off the
    writing thread)."""
    parts: tuple[list[str | None], list[str | None]]
    match record:
        case Contact():
            # Who the person is and how to reach them; title, department, address and tags are
            # what filters are for (`crm ls`), and leaving them out keeps their edits cheap.
            parts = (
                [*names_of(record), record.family_name, record.given_name],
                [company, " ".join(record.emails), _phones_text(record.phones), record.note],
            )
        case Company():
            phones = [record.phone] if record.phone else []
            parts = (
                [record.name, record.reading],
                [
                    record.industry,
                    record.prefecture,
                    record.region,
                    record.website,
                    _phones_text(phones),
                    " ".join(record.tags),
                    record.note,
                ],
            )
        case Quote():
            parts = ([record.number, record.title], [record.note, *lines])
        case Activity():
            if record.retracted:
                return None
            parts = ([record.summary], [record.body, record.outcome, record.location])
        case Deal() | Task() | Contract() | Invoice():
            parts = ([record.label], [record.note])
        case Inquiry():
            parts = ([record.subject], [record.channel])
        case _:
            return None
    name, body = parts
    return index_text(" ".join(p for p in name if p)), index_text(" ".join(p for p in body if p))


def _company_name(conn: sqlite3.Connection, company_id: str | None) -> str | None:
    if not company_id:
        return None
    row = conn.execute("SELECT name FROM companies WHERE id = ?", (company_id,)).fetchone()
    return row[0] if row else None


def index_record(conn: sqlite3.Connection, record: Record, old: Record | None = None) -> None:
    """Brings a record's entity row, exact keys and FTS document up to date.

    `old` is the record before this change (None for a new one): only what changed is written,
    because every page an edit touches is written again to the WAL and synced.
    """
    entity = (record.label, name_key(*names_of(record)), int(record.archived))
    if old is None:
        (n,) = conn.execute(
            "INSERT INTO entities (id, kind, label, name_key, archived) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET label = excluded.label, "
            "name_key = excluded.name_key, archived = excluded.archived RETURNING n",
            (record.id, record.ENTITY, *entity),
        ).fetchone()
    else:
        n = _update_entity(conn, record, entity)
    keys = keys_of(record)
    if old is None or keys != keys_of(old):
        if old is not None:
            conn.execute("DELETE FROM record_keys WHERE record_id = ?", (record.id,))
        conn.executemany(
            "INSERT OR IGNORE INTO record_keys (key, record_id) VALUES (?, ?)",
            [(key, record.id) for key in keys],
        )
    document = document_of(conn, record)
    if old is not None:
        stored = conn.execute("SELECT name, body FROM search WHERE rowid = ?", (n,)).fetchone()
        if stored == document:
            return
        if stored is not None:
            conn.execute("DELETE FROM search WHERE rowid = ?", (n,))
    if document is not None:
        conn.execute(
            "INSERT INTO search (rowid, kind, name, body) VALUES (?, ?, ?, ?)",
            (n, record.ENTITY, *document),
        )


def _update_entity(conn: sqlite3.Connection, record: Record, entity: tuple[str, str, int]) -> int:
    row = conn.execute(
        "SELECT n, label, name_key, archived FROM entities WHERE id = ?", (record.id,)
    ).fetchone()
    if row is None:
        (n,) = conn.execute(
            "INSERT INTO entities (id, kind, label, name_key, archived) "
            "VALUES (?, ?, ?, ?, ?) RETURNING n",
            (record.id, record.ENTITY, *entity),
        ).fetchone()
        return int(n)
    if tuple(row[1:]) != entity:
        conn.execute(
            "UPDATE entities SET label = ?, name_key = ?, archived = ? WHERE n = ?",
            (*entity, row[0]),
        )
    return int(row[0])


def dependents(
    conn: sqlite3.Connection, record: Record, old: Record | None
) -> list[tuple[type[Record], str]]:
    """Records whose search text includes this one's and must be indexed again after it changed:
    a company's contacts (they show its name), a quote line's quote (it holds the lines' text)."""
    if isinstance(record, Company) and (not isinstance(old, Company) or old.name != record.name):
        rows = conn.execute("SELECT id FROM contacts WHERE company_id = ?", (record.id,))
        return [(Contact, rid) for (rid,) in rows]
    if isinstance(record, QuoteLine):
        # What a quote's text takes from its lines, in their order; a line may also arrive
        # (by sync) before the op that puts it on its quote, or move to another quote.
        def shown(line: QuoteLine) -> tuple[object, ...]:
            return (line.quote_id, line.description, line.archived, line.position)

        if isinstance(old, QuoteLine) and shown(old) == shown(record):
            return []
        quotes = {record.quote_id, old.quote_id if isinstance(old, QuoteLine) else None}
        return [(Quote, quote_id) for quote_id in sorted(q for q in quotes if q)]
    return []


def unindex_record(conn: sqlite3.Connection, record_id: str) -> None:
    """Removes a record from the entity list, the exact keys and the FTS index."""
    row = conn.execute("SELECT n FROM entities WHERE id = ?", (record_id,)).fetchone()
    if row is None:
        return
    conn.execute("DELETE FROM search WHERE rowid = ?", (row[0],))
    conn.execute("DELETE FROM record_keys WHERE record_id = ?", (record_id,))
    conn.execute("DELETE FROM entities WHERE n = ?", (row[0],))
