"""Provides the indexed queries behind `crm next-actions`: only candidate records, each with the
names of the contact and company it is for (joined in, through covering indexes)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, TypeVar

from crm_tui.domain.agenda import Party
from crm_tui.domain.records import Contract, Deal, Inquiry, Invoice, Quote, Record, Task
from crm_tui.storage.codec import decode, select_columns

R = TypeVar("R", bound=Record)
_WHO = (
    "LEFT JOIN contacts c INDEXED BY contacts_names ON c.id = x.contact_id "
    "LEFT JOIN companies co INDEXED BY companies_names "
    "ON co.id = coalesce(x.company_id, c.company_id)"
)


def _for_whom(
    conn: sqlite3.Connection, cls: type[R], where: str, params: Sequence[Any], index: str = ""
) -> list[tuple[R, Party]]:
    source = f"{cls.TABLE} x INDEXED BY {index}" if index else f"{cls.TABLE} x"
    rows = conn.execute(
        f"SELECT {select_columns(cls, 'x')}, c.display_name, co.name, co.id FROM {source} "
        f"{_WHO} WHERE NOT x.archived AND {where}",
        params,
    )
    out = []
    for row in rows:
        record = decode(cls, row[:-3])
        out.append((record, Party(row[-3], getattr(record, "contact_id", None), *row[-2:])))
    return out


def open_tasks_due_by(conn: sqlite3.Connection, horizon: str) -> list[tuple[Task, Party]]:
    """Open tasks due on or before `horizon` (overdue ones included)."""
    return _for_whom(conn, Task, "x.status = 'open' AND x.due <= ?", [horizon], "tasks_agenda")


def renewals_by(
    conn: sqlite3.Connection, horizon: str, ended_after: str
) -> list[tuple[Contract, Party]]:
    """Contracts whose renewal date is on or before `horizon` and that have not long ended."""
    where = "x.renewal_on <= ? AND (x.end_on IS NULL OR x.end_on >= ?)"
    return _for_whom(conn, Contract, where, [horizon, ended_after])


def unpaid_invoices_before(conn: sqlite3.Connection, today: str) -> list[tuple[Invoice, Party]]:
    """Unpaid invoices whose due date has passed."""
    return _for_whom(conn, Invoice, "x.paid_on IS NULL AND x.due_on < ?", [today])


def sent_quotes_expiring_by(conn: sqlite3.Connection, horizon: str) -> list[tuple[Quote, Party]]:
    """Sent quotes valid until `horizon` or earlier."""
    return _for_whom(conn, Quote, "x.status = 'sent' AND x.valid_until <= ?", [horizon])


def open_inquiries(conn: sqlite3.Connection) -> list[tuple[Inquiry, Party]]:
    """Inquiries waiting on us."""
    return _for_whom(conn, Inquiry, "x.status = 'open'", [])


def stale_deals(
    conn: sqlite3.Connection, open_stages: Sequence[str], touched_before: str
) -> list[tuple[Deal, Party, str]]:
    """Open deals whose latest touch (their own, their contact's or company's activity, or their
    creation) is before `touched_before`; each with whom it is for and that touch."""
    marks = ", ".join("?" * len(open_stages))
    # Covering indexes find the idle deals without reading a single row; only those are read.
    sql = f"""
        WITH idle AS (
            SELECT rowid AS deal, touch FROM (
                SELECT d.rowid, max(
                    coalesce(d.last_activity_at, ''),
                    coalesce((SELECT last_activity_at FROM contacts INDEXED BY contacts_touch
                              WHERE id = d.contact_id), ''),
                    coalesce((SELECT last_activity_at FROM companies INDEXED BY companies_touch
                              WHERE id = d.company_id), ''),
                    d.created_at) AS touch
                FROM deals d INDEXED BY deals_open
                WHERE d.stage IN ({marks}) AND NOT d.archived)
            WHERE touch < ?)
        SELECT {select_columns(Deal, "x")}, c.display_name, co.name, co.id, idle.touch
        FROM idle JOIN deals x ON x.rowid = idle.deal {_WHO}"""
    out = []
    for row in conn.execute(sql, (*open_stages, touched_before)):
        deal = decode(Deal, row[:-4])
        out.append((deal, Party(row[-4], deal.contact_id, row[-3], row[-2]), row[-1]))
    return out
