"""Provides the customer list: contacts and companies, or what a search finds, a page at a time."""

from __future__ import annotations

import json
from typing import NamedTuple

from crm_tui.services.search import search
from crm_tui.services.session import Session
from crm_tui.storage import customers as store

PAGE = 40
"""Rows read at a time: about two screenfuls, never the whole store (more load on scrolling)."""


MATCHES = 25
"""Matches shown for a search: more than an 80×24 screen holds."""


class CustomerRow(NamedTuple):
    """One line of the customer list."""

    kind: str
    id: str
    name: str
    reading: str | None
    company: str | None
    title: str | None
    phone: str | None
    email: str | None


class CustomerPage(NamedTuple):
    """Some customers, and how many there are in all (for a search: how many it found)."""

    rows: list[CustomerRow]
    total: int
    more: bool


def browse(session: Session, text: str = "", offset: int = 0, limit: int = PAGE) -> CustomerPage:
    """Customers in reading order, or (with `text`) the best matches for it, `limit` at a time."""
    conn = session.store.conn
    if text.strip():
        # The best matches only: a search is refined by typing on, not by scrolling.
        hits = search(session, text, limit=MATCHES, kinds=("contact", "company"))
        with session.store.read():
            rows = store.by_ids(conn, [hit.id for hit in hits])
        return CustomerPage([_row(r) for r in rows], len(rows), False)
    with session.store.read():
        rows = store.page(conn, limit + 1, offset)
        total = store.count(conn)
    return CustomerPage([_row(r) for r in rows[:limit]], total, len(rows) > limit)


def _row(row: store.Row) -> CustomerRow:
    kind, rid, name, reading, company, title, phones, emails = row
    first_phone = next(iter(json.loads(phones)), None)
    phone = None
    if isinstance(first_phone, dict):
        phone = str(first_phone.get("display") or first_phone.get("number") or "") or None
    return CustomerRow(
        kind, rid, name, reading, company, title, phone, next(iter(json.loads(emails)), None)
    )
