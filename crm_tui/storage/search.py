"""Provides the search queries: FTS5 with bm25 ranking, exact keys, and names for one character."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

Row = tuple[str, str, str]


def full_text(
    conn: sqlite3.Connection,
    query: str,
    limit: int,
    include_archived: bool,
    kinds: Sequence[str] = (),
) -> list[Row]:
    """Records (of `kinds`, or any) matching an FTS5 query, best first (names weigh most)."""
    where, params = _filters("e", include_archived, kinds)
    rows = conn.execute(
        "SELECT e.id, e.kind, e.label FROM search JOIN entities e ON e.n = search.rowid "
        f"WHERE search MATCH ? {where} ORDER BY bm25(search, 0.0, 10.0, 1.0) LIMIT ?",
        (query, *params, limit),
    )
    return rows.fetchall()


def by_key(
    conn: sqlite3.Connection, key: str, include_archived: bool, kinds: Sequence[str] = ()
) -> list[Row]:
    """Records (of `kinds`, or any) holding an exact key such as `tel:+819012345678`."""
    where, params = _filters("e", include_archived, kinds)
    rows = conn.execute(
        "SELECT e.id, e.kind, e.label FROM record_keys k JOIN entities e ON e.id = k.record_id "
        f"WHERE k.key = ? {where} ORDER BY e.kind, e.label",
        (key, *params),
    )
    return rows.fetchall()


def _filters(alias: str, include_archived: bool, kinds: Sequence[str]) -> tuple[str, list[str]]:
    """SQL conditions (and their parameters) for live records of some kinds."""
    where = "" if include_archived else f"AND NOT {alias}.archived"
    if kinds:
        where += f" AND {alias}.kind IN ({', '.join('?' * len(kinds))})"
    return where, list(kinds)


def by_name(conn: sqlite3.Connection, key: str, limit: int, include_archived: bool) -> list[Row]:
    """Contacts and companies whose folded name or reading contains `key`."""
    pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    archived = "" if include_archived else "AND NOT archived"
    rows = conn.execute(
        "SELECT id, kind, label FROM entities WHERE kind IN ('contact', 'company') "
        f"AND name_key LIKE ? ESCAPE '\\' {archived} ORDER BY kind DESC, label LIMIT ?",
        (pattern, limit),
    )
    return rows.fetchall()


def contexts(conn: sqlite3.Connection, activity_ids: list[str]) -> dict[str, str]:
    """For activity hits: when, what kind, and with whom, as one line."""
    if not activity_ids:
        return {}
    rows = conn.execute(
        "SELECT a.id, a.type, a.at, coalesce(c.display_name, co.name, '') FROM activities a "
        "LEFT JOIN contacts c ON c.id = a.contact_id "
        "LEFT JOIN companies co ON co.id = a.company_id "
        f"WHERE a.id IN ({', '.join('?' * len(activity_ids))})",
        activity_ids,
    )
    return {rid: f"{kind} {at[:10]} {who}".strip() for rid, kind, at, who in rows}
