"""Provides the members of a segment (counted or listed) and the saved segments of this device.

Saved segments live in the local `segments` table: like the config file they are the rep's own,
so they are written directly (inside a store transaction) and never become ops.
"""

from __future__ import annotations

import sqlite3

from crm_tui.domain.segments import Segment
from crm_tui.storage.segment_sql import SUBJECTS, Sql

ORDER = {
    "contact": "coalesce(family_reading, family_name, display_name), display_name, id",
    "company": "coalesce(reading, name), name, id",
}
"""Members in the order `crm ls` shows them, then by id so that the order is stable."""


def scope(subject: str, include_archived: bool) -> str:
    """Which records may be members at all: never merged-away contacts (their data lives on
    in the contact they were merged into), and archived ones only when asked."""
    clauses = ["merged_into IS NULL"] if subject == "contact" else []
    if not include_archived:
        clauses.append("NOT archived")
    return " AND ".join(clauses) or "1"


def count_members(conn: sqlite3.Connection, condition: Sql, subject: str, archived: bool) -> int:
    """How many contacts (companies) meet a compiled filter."""
    sql, params = condition
    row = conn.execute(
        f"SELECT count(*) FROM {SUBJECTS[subject]} WHERE {scope(subject, archived)} AND {sql}",
        params,
    ).fetchone()
    return int(row[0])


def member_ids(
    conn: sqlite3.Connection, condition: Sql, subject: str, archived: bool, limit: int = 0
) -> list[str]:
    """The ids of the contacts (companies) that meet a compiled filter, in `ORDER`."""
    sql, params = condition
    query = (
        f"SELECT id FROM {SUBJECTS[subject]} WHERE {scope(subject, archived)} AND {sql} "
        f"ORDER BY {ORDER[subject]}"
    )
    if limit:
        query += f" LIMIT {int(limit)}"
    return [row[0] for row in conn.execute(query, params)]


def saved_segment(conn: sqlite3.Connection, name: str) -> Segment | None:
    """One saved segment by its exact name, or None."""
    row = conn.execute(
        "SELECT name, filter, created_at, updated_at FROM segments WHERE name = ?", (name,)
    ).fetchone()
    return None if row is None else Segment(*row)


def saved_segments(conn: sqlite3.Connection) -> list[Segment]:
    """Every saved segment, by name."""
    rows = conn.execute("SELECT name, filter, created_at, updated_at FROM segments ORDER BY name")
    return [Segment(*row) for row in rows]


def save_segment(conn: sqlite3.Connection, name: str, text: str, now: str) -> Segment | None:
    """Saves (or replaces) a segment; returns the one it replaced, if any. Run it inside a
    store transaction."""
    previous = saved_segment(conn, name)
    conn.execute(
        "INSERT INTO segments (name, filter, created_at, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET filter = excluded.filter, "
        "updated_at = excluded.updated_at",
        (name, text, now, now),
    )
    return previous


def remove_segment(conn: sqlite3.Connection, name: str) -> bool:
    """Removes a saved segment; False when there was none of that name."""
    return conn.execute("DELETE FROM segments WHERE name = ?", (name,)).rowcount > 0
