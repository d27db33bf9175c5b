"""Provides reads of records and of the entity list; they return records, never raw rows."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple, TypeVar

from crm_tui.domain.records import QuoteLine, Record, column_names
from crm_tui.storage.codec import decode, select_columns

R = TypeVar("R", bound=Record)
Row = tuple[str, str, str]


def get(conn: sqlite3.Connection, cls: type[R], record_id: str) -> R | None:
    """One record by id, or None."""
    row = conn.execute(
        f"SELECT {select_columns(cls)} FROM {cls.TABLE} WHERE id = ?", (record_id,)
    ).fetchone()
    return None if row is None else decode(cls, row)


def get_many(conn: sqlite3.Connection, cls: type[R], ids: Iterable[str | None]) -> dict[str, R]:
    """Records by id (missing ids are left out)."""
    found: dict[str, R] = {}
    for chunk in _chunks(sorted({i for i in ids if i})):
        rows = conn.execute(
            f"SELECT {select_columns(cls)} FROM {cls.TABLE} "
            f"WHERE id IN ({', '.join('?' * len(chunk))})",
            chunk,
        )
        for row in rows:
            record = decode(cls, row)
            found[record.id] = record
    return found


def select(
    conn: sqlite3.Connection,
    cls: type[R],
    *,
    equals: dict[str, Any] | None = None,
    tag: str | None = None,
    include_archived: bool = False,
    where: Sequence[str] = (),
    params: Sequence[Any] = (),
    order_by: str = "created_at DESC",
    limit: int | None = None,
) -> list[R]:
    """Records of one kind matching column equalities, a tag and fixed SQL conditions."""
    columns = set(column_names(cls))
    clauses = list(where)
    values: list[Any] = list(params)
    for name, value in (equals or {}).items():
        if name not in columns:
            raise ValueError(f"{cls.__name__} has no column {name}")
        clauses.append(f"{name} = ?")
        values.append(value)
    if tag is not None:
        clauses.append("EXISTS (SELECT 1 FROM json_each(tags) WHERE json_each.value = ?)")
        values.append(tag)
    if not include_archived:
        clauses.append("NOT archived")
    sql = f"SELECT {select_columns(cls)} FROM {cls.TABLE}"
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    sql += f" ORDER BY {order_by}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [decode(cls, row) for row in conn.execute(sql, values)]


def _kinds_clause(kinds: Sequence[str]) -> str:
    return f"kind IN ({', '.join('?' * len(kinds))})"


def entities_by_id_prefix(conn: sqlite3.Connection, prefix: str, kinds: Sequence[str]) -> list[Row]:
    """Entities whose id starts with `prefix` (upper case), of the given kinds."""
    rows = conn.execute(
        f"SELECT id, kind, label FROM entities WHERE id >= ? AND id < ? AND {_kinds_clause(kinds)} "
        "ORDER BY id LIMIT 50",
        (prefix, prefix + "\x7f", *kinds),
    )
    return rows.fetchall()


def entities_by_key(conn: sqlite3.Connection, key: str, kinds: Sequence[str]) -> list[Row]:
    """Entities holding an exact key (`email:…`, `tel:…`, `number:…`): live ones, else archived."""
    rows = conn.execute(
        "SELECT e.id, e.kind, e.label, e.archived FROM record_keys k "
        f"JOIN entities e ON e.id = k.record_id WHERE k.key = ? AND e.{_kinds_clause(kinds)} "
        "ORDER BY e.id",
        (key, *kinds),
    ).fetchall()
    live = [row for row in rows if not row[3]]
    return [(rid, kind, label) for rid, kind, label, _ in (live or rows)]


def entities_by_name(conn: sqlite3.Connection, key: str, kinds: Sequence[str]) -> list[Row]:
    """Entities whose folded name contains `key`: live ones, or archived ones if none is live."""
    pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    for archived in (0, 1):
        rows = conn.execute(
            "SELECT id, kind, label FROM entities "
            f"WHERE {_kinds_clause(kinds)} AND archived = ? AND name_key LIKE ? ESCAPE '\\' "
            "ORDER BY id LIMIT 200",
            (*kinds, archived, pattern),
        ).fetchall()
        if rows:
            return rows
    return []


def count(conn: sqlite3.Connection, cls: type[Record]) -> int:
    """How many records of a kind the store holds (archived included)."""
    return int(conn.execute(f"SELECT count(*) FROM {cls.TABLE}").fetchone()[0])


def quote_lines(conn: sqlite3.Connection, quote_id: str) -> list[QuoteLine]:
    """A quote's lines in order (removed lines left out)."""
    return select(conn, QuoteLine, equals={"quote_id": quote_id}, order_by="position, created_at")


class Names(NamedTuple):
    """Display names of the contacts (with their company) and companies some records link."""

    contacts: dict[str, tuple[str, str | None]]
    companies: dict[str, str]


def names(
    conn: sqlite3.Connection, contact_ids: Iterable[str | None], company_ids: Iterable[str | None]
) -> Names:
    """Looks up contact names (with their company) and company names in two queries."""
    wanted_contacts = sorted({i for i in contact_ids if i})
    contacts: dict[str, tuple[str, str | None]] = {}
    for chunk in _chunks(wanted_contacts):
        rows = conn.execute(
            "SELECT id, display_name, company_id FROM contacts INDEXED BY contacts_names "
            f"WHERE id IN ({', '.join('?' * len(chunk))})",
            chunk,
        )
        contacts.update((rid, (name, company)) for rid, name, company in rows)
    wanted_companies = sorted(
        {i for i in company_ids if i} | {c for _, c in contacts.values() if c}
    )
    companies: dict[str, str] = {}
    for chunk in _chunks(wanted_companies):
        rows = conn.execute(
            "SELECT id, name FROM companies INDEXED BY companies_names "
            f"WHERE id IN ({', '.join('?' * len(chunk))})",
            chunk,
        )
        companies.update(rows.fetchall())
    return Names(contacts, companies)


def _chunks(items: list[str], size: int = 500) -> list[list[str]]:
    return [items[start : start + size] for start in range(0, len(items), size)]
