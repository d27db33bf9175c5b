"""Provides public holidays from the holidays library, cached per country and year in the store.

Loading the library takes longer than a whole quick command should, so each year is computed
once and kept in the `holidays` table; later runs read the table.
"""

from __future__ import annotations

import sqlite3
from datetime import date

from crm_tui.errors import InvalidInput


def holidays_for(
    conn: sqlite3.Connection, country: str, first_year: int, last_year: int
) -> set[date]:
    """The public holidays of `country` in the given years, computing missing years once."""
    country = country.upper()
    years = set(range(first_year, last_year + 1))
    cached = {
        year
        for (year,) in conn.execute(
            "SELECT year FROM holiday_years WHERE country = ? AND year BETWEEN ? AND ?",
            (country, first_year, last_year),
        )
    }
    if years - cached:
        _fill(conn, country, sorted(years - cached))
    rows = conn.execute(
        "SELECT day FROM holidays WHERE country = ? AND day BETWEEN ? AND ?",
        (country, f"{first_year:04d}-01-01", f"{last_year:04d}-12-31"),
    )
    return {date.fromisoformat(day) for (day,) in rows}


def _fill(conn: sqlite3.Connection, country: str, years: list[int]) -> None:
    import holidays

    try:
        calendar = holidays.country_holidays(country, years=years)
    except NotImplementedError:
        raise InvalidInput(
            f"country {country!r} in the config has no holiday calendar; use an ISO code like JP."
        ) from None
    own_transaction = not conn.in_transaction
    if own_transaction:
        conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany(
            "INSERT OR REPLACE INTO holidays (country, day, name) VALUES (?, ?, ?)",
            [(country, day.isoformat(), name) for day, name in sorted(calendar.items())],
        )
        conn.executemany(
            "INSERT OR IGNORE INTO holiday_years (country, year) VALUES (?, ?)",
            [(country, year) for year in years],
        )
    except BaseException:
        if own_transaction:
            conn.execute("ROLLBACK")
        raise
    if own_transaction:
        conn.execute("COMMIT")
