"""Provides the indexed queries behind `crm next-actions`: each returns only candidate records."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from crm_tui.domain.records import Contract, Deal, Inquiry, Invoice, Quote, Task
from crm_tui.storage.codec import decode, select_columns
from crm_tui.storage.queries import select


def open_tasks_due_by(conn: sqlite3.Connection, horizon: str) -> list[Task]:
    """Open tasks due on or before `horizon` (overdue ones included)."""
    return select(
        conn, Task, where=["status = 'open'", "due <= ?"], params=[horizon], order_by="due"
    )


def renewals_by(conn: sqlite3.Connection, horizon: str, ended_after: str) -> list[Contract]:
    """Contracts whose renewal date is on or before `horizon` and that have not long ended."""
    return select(
        conn,
        Contract,
        where=["renewal_on <= ?", "(end_on IS NULL OR end_on >= ?)"],
        params=[horizon, ended_after],
        order_by="renewal_on",
    )


def unpaid_invoices_before(conn: sqlite3.Connection, today: str) -> list[Invoice]:
    """Unpaid invoices whose due date has passed."""
    return select(
        conn, Invoice, where=["paid_on IS NULL", "due_on < ?"], params=[today], order_by="due_on"
    )


def sent_quotes_expiring_by(conn: sqlite3.Connection, horizon: str) -> list[Quote]:
    """Sent quotes valid until `horizon` or earlier."""
    return select(
        conn,
        Quote,
        where=["status = 'sent'", "valid_until <= ?"],
        params=[horizon],
        order_by="valid_until",
    )


def open_inquiries(conn: sqlite3.Connection) -> list[Inquiry]:
    """Inquiries waiting on us."""
    return select(conn, Inquiry, equals={"status": "open"}, order_by="status_since")


def stale_deals(
    conn: sqlite3.Connection, open_stages: Sequence[str], touched_before: str
) -> list[tuple[Deal, str]]:
    """Open deals whose latest touch (their own, their contact's or company's activity, or their
    creation) is before `touched_before`; each with that touch."""
    marks = ", ".join("?" * len(open_stages))
    sql = f"""
        SELECT * FROM (
            SELECT {select_columns(Deal, "d")}, max(
                coalesce(d.last_activity_at, ''), coalesce(c.last_activity_at, ''),
                coalesce(co.last_activity_at, ''), d.created_at) AS touch
            FROM deals d
            LEFT JOIN contacts c ON c.id = d.contact_id
            LEFT JOIN companies co ON co.id = d.company_id
            WHERE NOT d.archived AND d.stage IN ({marks}))
        WHERE touch < ? ORDER BY touch"""
    rows = conn.execute(sql, (*open_stages, touched_before)).fetchall()
    return [(decode(Deal, row[:-1]), row[-1]) for row in rows]


class Names(NamedTuple):
    """Display names of the contacts and companies some items point at."""

    contacts: dict[str, tuple[str, str | None]]
    companies: dict[str, str]


def names(
    conn: sqlite3.Connection, contact_ids: Iterable[str | None], company_ids: Iterable[str | None]
) -> Names:
    """Looks up contact names (with their company) and company names in two queries."""
    wanted_contacts = sorted({i for i in contact_ids if i})
    contacts: dict[str, tuple[str, str | None]] = {}
    if wanted_contacts:
        rows = conn.execute(
            "SELECT id, display_name, company_id FROM contacts "
            f"WHERE id IN ({', '.join('?' * len(wanted_contacts))})",
            wanted_contacts,
        )
        contacts = {rid: (name, company) for rid, name, company in rows}
    wanted_companies = sorted(
        {i for i in company_ids if i} | {c for _, c in contacts.values() if c}
    )
    companies: dict[str, str] = {}
    if wanted_companies:
        rows = conn.execute(
            "SELECT id, name FROM companies "
            f"WHERE id IN ({', '.join('?' * len(wanted_companies))})",
            wanted_companies,
        )
        companies = dict(rows.fetchall())
    return Names(contacts, companies)
