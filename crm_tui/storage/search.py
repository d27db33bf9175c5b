"""Provides the search queries: FTS5 with bm25 ranking, exact keys, and names for one character."""

from __future__ import annotations

import sqlite3

Row = tuple[str, str, str]


def full_text(
    conn: sqlite3.Connection, query: str, limit: int, include_archived: bool
) -> list[Row]:
    """Records matching an FTS5 query built by `fts_query`, best first (names weigh most)."""
    archived = "" if include_archived else "AND NOT e.archived"
    rows = conn.execute(
        "SELECT e.id, e.kind, e.label FROM search JOIN entities e ON e.n = search.rowid "
        f"WHERE search MATCH ? {archived} ORDER BY bm25(search, 0.0, 10.0, 1.0) LIMIT ?",
        (query, limit),
    )
    return rows.fetchall()


def by_key(conn: sqlite3.Connection, key: str, include_archived: bool) -> list[Row]:
    """Records holding an exact key such as `tel:+819012345678`."""
    archived = "" if include_archived else "AND NOT e.archived"
    rows = conn.execute(
        "SELECT e.id, e.kind, e.label FROM record_keys k JOIN entities e ON e.id = k.record_id "
        f"WHERE k.key = ? {archived} ORDER BY e.kind, e.label",
        (key,),
    )
    return rows.fetchall()


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
