"""Provides the queries behind the TUI's Today figures: activity times, closed deals, surveys."""

from __future__ import annotations

import sqlite3


def activity_times(conn: sqlite3.Connection, start: str, end: str) -> list[str]:
    """When each live activity between two UTC instants happened (ISO 8601, UTC)."""
    rows = conn.execute(
        "SELECT at FROM activities WHERE at >= ? AND at < ? AND NOT retracted AND NOT archived",
        (start, end),
    )
    return [at for (at,) in rows]


def closed_deals(conn: sqlite3.Connection, first: str, last: str) -> dict[str, int]:
    """How many deals closed in each closing stage between two local dates, inclusive."""
    rows = conn.execute(
        "SELECT stage, count(*) FROM deals WHERE closed_on >= ? AND closed_on <= ? "
        "AND NOT archived GROUP BY stage",
        (first, last),
    )
    return dict(rows.fetchall())


def survey_scores(
    conn: sqlite3.Connection, start: str, end: str
) -> list[tuple[int | None, int | None]]:
    """The NPS and CSAT answers of surveys between two UTC instants."""
    rows = conn.execute(
        "SELECT nps, csat FROM surveys WHERE at >= ? AND at < ? AND NOT archived", (start, end)
    )
    return rows.fetchall()
