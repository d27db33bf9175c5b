"""Provides the records that make up a customer's, deal's or case's timeline."""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from crm_tui.domain.records import (
    Activity,
    Contract,
    Deal,
    Inquiry,
    Invoice,
    Quote,
    Survey,
    Task,
)
from crm_tui.storage.queries import R, select

# Which column links each kind to the record whose timeline is shown.
_LINKS = {
    "contact": "contact_id",
    "company": "company_id",
    "deal": "deal_id",
    "inquiry": "inquiry_id",
}


class Related(NamedTuple):
    """Everything linked to one record, each list unsorted."""

    activities: list[Activity]
    tasks: list[Task]
    deals: list[Deal]
    quotes: list[Quote]
    inquiries: list[Inquiry]
    contracts: list[Contract]
    invoices: list[Invoice]
    surveys: list[Survey]


def related(
    conn: sqlite3.Connection, kind: str, record_id: str, *, include_retracted: bool = False
) -> Related:
    """The activities, tasks, deals, quotes, cases, contracts, invoices and surveys of a record."""
    column = _LINKS.get(kind)
    if column is None:
        return Related([], [], [], [], [], [], [], [])
    # What arrives later for a contact merged into this one (logged on a device that had not
    # synced the merge yet) belongs to this timeline too.
    ids = [record_id]
    if kind == "contact":
        ids += [i for (i,) in conn.execute("SELECT id FROM contacts WHERE merged_into = ?", ids)]
    links = [f"{column} IN ({', '.join('?' * len(ids))})"]

    def linked(cls: type[R], wanted: bool = True) -> list[R]:
        if not wanted:
            return []
        return select(conn, cls, where=links, params=ids, include_archived=True)

    activities = select(
        conn,
        Activity,
        where=links + ([] if include_retracted else ["NOT retracted"]),
        params=ids,
        include_archived=True,
        order_by="at DESC",
    )
    customer = kind in ("contact", "company")
    return Related(
        activities=activities,
        tasks=linked(Task, kind != "inquiry"),
        deals=linked(Deal, customer),
        quotes=linked(Quote, kind != "inquiry"),
        inquiries=linked(Inquiry, customer),
        contracts=linked(Contract, customer),
        invoices=linked(Invoice, customer),
        surveys=linked(Survey, kind == "contact"),
    )
