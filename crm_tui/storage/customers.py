"""Provides the customer list's queries: contacts and companies in reading order, page by page."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

# One row per customer: kind, id, name, reading, company, title, phones (JSON), emails (JSON).
Row = tuple[str, str, str, str | None, str | None, str | None, str, str]

_CUSTOMERS = """
SELECT 'contact' AS kind, c.id, c.display_name AS name,
       nullif(trim(coalesce(c.family_reading, '') || ' ' || coalesce(c.given_reading, '')), ''),
       co.name, c.title, c.phones, c.emails,
       coalesce(c.family_reading || coalesce(c.given_reading, ''), c.display_name) AS sort_key
FROM contacts c LEFT JOIN companies co ON co.id = c.company_id
WHERE NOT c.archived {contacts}
UNION ALL
SELECT 'company', id, name, reading, NULL, industry,
       CASE WHEN phone IS NULL THEN '[]' ELSE json_array(json(phone)) END, '[]',
       coalesce(reading, name)
FROM companies WHERE NOT archived {companies}
"""


def page(conn: sqlite3.Connection, limit: int, offset: int) -> list[Row]:
    """Customers in reading order (names where there is no reading), from `offset`."""
    sql = _CUSTOMERS.format(contacts="", companies="") + " ORDER BY sort_key, id LIMIT ? OFFSET ?"
    return [row[:8] for row in conn.execute(sql, (limit, offset))]


def count(conn: sqlite3.Connection) -> int:
    """How many live contacts and companies there are."""
    (contacts,) = conn.execute("SELECT count(*) FROM contacts WHERE NOT archived").fetchone()
    (companies,) = conn.execute("SELECT count(*) FROM companies WHERE NOT archived").fetchone()
    return int(contacts) + int(companies)


def by_ids(conn: sqlite3.Connection, ids: Sequence[str]) -> list[Row]:
    """The customer rows of these ids, in the order given (a search's ranking)."""
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    sql = _CUSTOMERS.format(contacts=f"AND c.id IN ({marks})", companies=f"AND id IN ({marks})")
    found = {row[1]: row[:8] for row in conn.execute(sql, (*ids, *ids))}
    return [found[i] for i in ids if i in found]
