"""Provides the queries behind `crm report`: the facts of one period, summed in SQL.

Each query reads a period's rows through an index (deals_closed, activities_at, surveys_at,
invoices_unpaid) and returns sums, never the rows themselves: a quarter of the reference store
holds tens of thousands of activities. Archived records and retracted activities count nowhere.
With an owner, only that rep's records count (the record's owner now).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from crm_tui.domain import kpis
from crm_tui.domain.records import Deal
from crm_tui.domain.report import Facts, PipelineRow, SurveyCounts, Window, WonDeal

# The fields of a deal that decide its place and weight in the pipeline.
_PIPELINE_FIELDS = ("stage", "amount", "currency", "probability", "archived")


def gather(
    conn: sqlite3.Connection,
    window: Window,
    owner: str | None,
    stages: Sequence[str],
    currency: str,
) -> Facts:
    """Every fact of one period; `stages` are the configured deal stages (won, lost last)."""
    mine = _Owner(owner)
    purchases = _purchases(conn, window, mine, stages[-2])
    renewals = _renewals(conn, window, mine)
    return Facts(
        closed=_closed(conn, window, mine, stages[-2:]),
        won=_won(conn, window, mine, stages[-2], currency),
        pipeline=pipeline(conn, window, mine.name, stages[:-2], currency),
        customers=purchases[0],
        repeat_customers=purchases[1],
        renewals_due=renewals[0],
        renewals_done=renewals[1],
        overdue=_overdue(conn, window, mine),
        surveys=_surveys(conn, window, mine),
        activity=_activity(conn, window, mine),
        inquiries_opened=_inquiries_opened(conn, window, mine),
        resolution_hours=_resolution_hours(conn, window, mine),
    )


class _Owner:
    """The `AND x.owner = ?` of every query when the report is one rep's, else nothing."""

    def __init__(self, name: str | None) -> None:
        self.name = name

    def clause(self, alias: str) -> str:
        return "" if self.name is None else f" AND {alias}.owner = ?"

    def params(self) -> tuple[str, ...]:
        return () if self.name is None else (self.name,)


def _closed(
    conn: sqlite3.Connection, window: Window, mine: _Owner, closing: Sequence[str]
) -> dict[str, int]:
    rows = conn.execute(
        "SELECT d.stage, count(*) FROM deals d WHERE d.closed_on >= ? AND d.closed_on <= ? "
        f"AND d.stage IN (?, ?) AND NOT d.archived{mine.clause('d')} GROUP BY d.stage",
        (window.first, window.last, *closing, *mine.params()),
    )
    return {stage: int(count) for stage, count in rows}


def _won(
    conn: sqlite3.Connection, window: Window, mine: _Owner, won: str, currency: str
) -> list[WonDeal]:
    # A period's won deals are a few hundred at most: their rows feed the median cycle.
    rows = conn.execute(
        "SELECT coalesce(d.currency, ?), d.amount, d.created_at, d.closed_on FROM deals d "
        "WHERE d.closed_on >= ? AND d.closed_on <= ? AND d.stage = ? "
        f"AND NOT d.archived{mine.clause('d')}",
        (currency, window.first, window.last, won, *mine.params()),
    )
    return [WonDeal(*row) for row in rows]


def pipeline(
    conn: sqlite3.Connection,
    window: Window,
    owner: str | None,
    open_stages: Sequence[str],
    currency: str,
) -> list[PipelineRow]:
    """Open deals by stage and currency at the end of `window.as_of`: the deals as they are now
    when that day is today, else as the op log says they were then."""
    mine = _Owner(owner)
    chances = ", ".join("(?, ?)" for _ in open_stages)
    params: list[Any] = []
    for stage in open_stages:
        params += [stage, kpis.default_probability(stage, open_stages)]
    if window.as_of_hlc is None:
        deals = (
            "pipeline_deals AS (SELECT d.stage, d.currency, d.amount, d.probability "
            f"FROM deals d WHERE NOT d.archived{mine.clause('d')})"
        )
        params += mine.params()
    else:
        deals = _DEALS_THEN.format(
            owner=mine.clause("k"),
            fields=", ".join("?" for _ in _PIPELINE_FIELDS),
            steady=mine.clause("cur"),
        )
        params += [window.as_of_end, window.as_of_end, window.as_of, *mine.params()]
        params += [window.as_of_hlc, *_PIPELINE_FIELDS, Deal.DEFAULTS["stage"]]
        params += [window.as_of_end, window.as_of_end, *mine.params()]
    rows = conn.execute(
        f"WITH chances (stage, chance) AS (VALUES {chances}), {deals} "
        "SELECT t.stage, coalesce(t.currency, ?), count(*), coalesce(sum(t.amount), 0), "
        "coalesce(sum(coalesce(t.amount, 0) * coalesce(t.probability, c.chance) / 100), 0) "
        "FROM pipeline_deals t JOIN chances c ON c.stage = t.stage GROUP BY 1, 2",
        (*params, currency),
    )
    return [PipelineRow(*row) for row in rows]


# The deals as they were at the end of a past day. A deal with no op stamped since (its
# `updated_at` is its newest op's) was then as it is now: its row is read as it is. The others
# are folded from the log: each pipeline field's newest set op by then (the op with the
# greatest stamp is always a leaf, so its value is the one shown then). Only deals made before
# then and not closed on or before that day can have been open: a deal closed then and reopened
# since carries a later closing date, or none. CROSS JOIN keeps those few deals as the outer
# loop, so the log is read through ops_entity, deal by deal.
_DEALS_THEN = """
candidates AS (
    SELECT k.id FROM deals k
    WHERE k.created_at < ? AND k.updated_at >= ? AND (k.closed_on IS NULL OR k.closed_on > ?)
        {owner}),
latest AS (
    SELECT o.entity_id AS id, json_extract(o.payload, '$.field') AS field,
        json_extract(o.payload, '$.value') AS value,
        row_number() OVER (PARTITION BY o.entity_id, json_extract(o.payload, '$.field')
            ORDER BY o.hlc DESC, o.site_id DESC) AS n
    FROM candidates k CROSS JOIN ops o ON o.entity_id = k.id
    WHERE o.kind = 'set' AND o.rejected IS NULL AND o.hlc <= ?
        AND json_extract(o.payload, '$.field') IN ({fields})),
past AS (
    SELECT coalesce(max(CASE l.field WHEN 'stage' THEN l.value END), ?) AS stage,
        max(CASE l.field WHEN 'currency' THEN l.value END) AS currency,
        max(CASE l.field WHEN 'amount' THEN l.value END) AS amount,
        max(CASE l.field WHEN 'probability' THEN l.value END) AS probability,
        coalesce(max(CASE l.field WHEN 'archived' THEN l.value END), 0) AS archived
    FROM candidates k LEFT JOIN latest l ON l.id = k.id AND l.n = 1 GROUP BY k.id),
pipeline_deals AS (
    SELECT stage, currency, amount, probability FROM past WHERE NOT archived
    UNION ALL
    SELECT cur.stage, cur.currency, cur.amount, cur.probability FROM deals cur
    WHERE cur.created_at < ? AND cur.updated_at < ? AND NOT cur.archived{steady})"""


def _purchases(conn: sqlite3.Connection, window: Window, mine: _Owner, won: str) -> tuple[int, int]:
    """Customers who bought in the period (won a deal or paid an invoice), and those of them
    with two or more won deals or two or more paid invoices. A customer is the record's
    company, else its contact's company, else the contact."""
    row = conn.execute(
        "WITH buys AS ("
        "SELECT coalesce(d.company_id, c.company_id, 'contact:' || d.contact_id) AS customer, "
        "1 AS deal, 0 AS invoice FROM deals d LEFT JOIN contacts c ON c.id = d.contact_id "
        "WHERE d.closed_on >= ? AND d.closed_on <= ? AND d.stage = ? "
        f"AND NOT d.archived{mine.clause('d')} "
        "UNION ALL "
        "SELECT coalesce(i.company_id, c.company_id, 'contact:' || i.contact_id), 0, 1 "
        "FROM invoices i LEFT JOIN contacts c ON c.id = i.contact_id "
        f"WHERE i.paid_on >= ? AND i.paid_on <= ? AND NOT i.archived{mine.clause('i')}), "
        "customers AS (SELECT sum(deal) AS deals, sum(invoice) AS invoices FROM buys "
        "WHERE customer IS NOT NULL GROUP BY customer) "
        "SELECT count(*), coalesce(sum(deals >= 2 OR invoices >= 2), 0) FROM customers",
        (window.first, window.last, won, *mine.params(), window.first, window.last, *mine.params()),
    ).fetchone()
    return int(row[0]), int(row[1])


def _renewals(conn: sqlite3.Connection, window: Window, mine: _Owner) -> tuple[int, int]:
    """Contract terms ending in the period (due), and how many of them were renewed.

    A renewed term is a renewal whose previous end is in the period; a term not renewed (yet)
    is a contract whose current end is in the period.
    """
    (renewed,) = conn.execute(
        "SELECT count(*) FROM contract_renewals r JOIN contracts c ON c.id = r.contract_id "
        f"WHERE r.previous_end >= ? AND r.previous_end <= ? AND NOT c.archived{mine.clause('c')}",
        (window.first, window.last, *mine.params()),
    ).fetchone()
    (pending,) = conn.execute(
        "SELECT count(*) FROM contracts c WHERE c.end_on >= ? AND c.end_on <= ? "
        f"AND NOT c.archived{mine.clause('c')}",
        (window.first, window.last, *mine.params()),
    ).fetchone()
    return int(renewed) + int(pending), int(renewed)


def _overdue(conn: sqlite3.Connection, window: Window, mine: _Owner) -> dict[str, tuple[int, int]]:
    """Invoices overdue at the end of `as_of`: issued by then, due before that day, unpaid then."""
    rows = conn.execute(
        "SELECT i.currency, count(*), sum(i.amount) FROM invoices i "
        "WHERE i.due_on < ? AND (i.paid_on IS NULL OR i.paid_on > ?) "
        f"AND (i.issued_on IS NULL OR i.issued_on <= ?) AND NOT i.archived{mine.clause('i')} "
        "GROUP BY i.currency",
        (window.as_of, window.as_of, window.as_of, *mine.params()),
    )
    return {code: (int(count), int(amount)) for code, count, amount in rows}


def _surveys(conn: sqlite3.Connection, window: Window, mine: _Owner) -> SurveyCounts:
    row = conn.execute(
        "SELECT count(s.nps), coalesce(sum(s.nps >= 9), 0), coalesce(sum(s.nps <= 6), 0), "
        "count(s.csat), coalesce(sum(s.csat >= 4), 0) FROM surveys s "
        f"WHERE s.at >= ? AND s.at < ? AND NOT s.archived{mine.clause('s')}",
        (window.start, window.end, *mine.params()),
    ).fetchone()
    return SurveyCounts(*(int(n) for n in row))


def _activity(conn: sqlite3.Connection, window: Window, mine: _Owner) -> dict[str, list[int]]:
    """Live activities per kind in each bucket of the period (each read by its `at` range)."""
    steps = ", ".join("(?, ?, ?)" for _ in window.buckets)
    bounds = [value for n, (start, end) in enumerate(window.buckets) for value in (n, start, end)]
    rows = conn.execute(
        f"WITH steps (n, start, finish) AS (VALUES {steps}) "
        "SELECT b.n, a.type, count(*) FROM steps b JOIN activities a "
        "ON a.at >= b.start AND a.at < b.finish "
        f"WHERE NOT a.retracted AND NOT a.archived{mine.clause('a')} GROUP BY b.n, a.type",
        (*bounds, *mine.params()),
    )
    out: dict[str, list[int]] = {}
    for n, kind, count in rows:
        out.setdefault(kind, [0] * len(window.buckets))[n] = int(count)
    return out


# When a case began: its first message, else when its record was made.
_OPENED = "coalesce((SELECT min(a.at) FROM activities a WHERE a.inquiry_id = i.id), i.created_at)"


def _inquiries_opened(conn: sqlite3.Connection, window: Window, mine: _Owner) -> int:
    (count,) = conn.execute(
        f"SELECT count(*) FROM inquiries i WHERE NOT i.archived{mine.clause('i')} "
        f"AND {_OPENED} >= ? AND {_OPENED} < ?",
        (*mine.params(), window.start, window.end),
    ).fetchone()
    return int(count)


def _resolution_hours(conn: sqlite3.Connection, window: Window, mine: _Owner) -> list[float]:
    """For each case resolved in the period (and still resolved): hours from its first message
    to its resolution."""
    rows = conn.execute(
        f"SELECT (julianday(i.status_since) - julianday({_OPENED})) * 24 FROM inquiries i "
        "WHERE i.status = 'resolved' AND i.status_since >= ? AND i.status_since < ? "
        f"AND NOT i.archived{mine.clause('i')}",
        (window.start, window.end, *mine.params()),
    )
    return [float(hours) for (hours,) in rows]


def has_records(conn: sqlite3.Connection, owner: str) -> bool:
    """Whether a rep owns any deal, activity, contract, invoice, inquiry, survey or customer."""
    tables = ("deals", "contacts", "companies", "contracts", "invoices", "inquiries", "surveys")
    for table in (*tables, "activities"):
        if conn.execute(f"SELECT 1 FROM {table} WHERE owner = ? LIMIT 1", (owner,)).fetchone():
            return True
    return False


def owners(conn: sqlite3.Connection) -> list[str]:
    """The reps who own deals, customers, contracts or invoices here."""
    union = " UNION ".join(
        f"SELECT owner FROM {table} WHERE owner IS NOT NULL"
        for table in ("deals", "contacts", "companies", "contracts", "invoices")
    )
    return [name for (name,) in conn.execute(f"SELECT DISTINCT owner FROM ({union}) ORDER BY 1")]
