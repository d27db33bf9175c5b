"""Provides the SQL behind scores: the facts of one contact or company, and the decayed
engagement of many in one aggregate query (the decay computed by SQLite, as domain/scoring does).
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from crm_tui.domain.scoring import Fact, Profile


class Frame(NamedTuple):
    """What ages and weighs facts: today, the local UTC offset, the decay and the weights."""

    today: str
    """Today's local date, YYYY-MM-DD."""
    offset_minutes: int
    """The local zone's offset from UTC, to turn a fact's instant into its local date."""
    since: str
    """The earliest instant worth reading (older facts round to 0 points)."""
    half_life_days: float
    weights: Sequence[tuple[str, str, str, float]]
    """(source, type, direction, weight in tenths) of every kind of fact that scores."""


class Lead(NamedTuple):
    """A lead or prospect nobody has been in touch with lately."""

    id: str
    name: str
    lifecycle: str
    company: str | None
    company_id: str | None
    touch: str
    """The latest activity's instant, else when the contact was added."""


# source, table, type, direction, company column, instant, label, alive
_SOURCES = (
    (
        "activity",
        "activities",
        "type",
        "direction",
        "company_id",
        "at",
        "summary",
        "NOT archived AND NOT retracted",
    ),
    ("inquiry", "inquiries", "''", "''", "company_id", "created_at", "subject", "NOT archived"),
    (
        "quote",
        "quotes",
        "''",
        "''",
        "company_id",
        "created_at",
        "number || coalesce(' ' || title, '')",
        "NOT archived",
    ),
    (
        "survey",
        "surveys",
        "''",
        "''",
        "NULL",
        "at",
        "rtrim(coalesce('NPS ' || nps || ' ', '') || coalesce('CSAT ' || csat, ''))",
        "NOT archived",
    ),
)
_AGE = "max(CAST(julianday(:today) - julianday(date({at}, :offset)) AS INTEGER), 0)"
_IDS = "(SELECT value FROM json_each(:ids))"


def _weight(frame: Frame, source: str) -> str:
    """A fact's weight in tenths as SQL (NULL for a kind that does not score)."""
    rows = [(n, row) for n, row in enumerate(frame.weights) if row[0] == source]
    if source != "activity":
        return f":w{rows[0][0]}" if rows else "NULL"
    by_direction: dict[str, list[str]] = {}
    for n, (_, _, direction, _) in rows:
        by_direction.setdefault(direction, []).append(f"WHEN :t{n} THEN :w{n}")
    cases = " ".join(
        f"WHEN '{direction}' THEN CASE type {' '.join(whens)} END"
        for direction, whens in sorted(by_direction.items())
        if direction in ("inbound", "outbound")
    )
    return f"CASE direction {cases} END" if cases else "NULL"


def _points(weight: str, at: str) -> str:
    # The same expression as domain.scoring.decayed_tenths: rounded per fact, then summed.
    return f"CAST(({weight}) * pow(0.5, {_AGE.format(at=at)} / :half) + 0.5 AS INTEGER)"


def _chosen(who: str, company: str) -> str:
    if who == "contact":
        return f"contact_id IN {_IDS}"
    staff = f"contact_id IN (SELECT id FROM contacts WHERE company_id IN {_IDS})"
    if company == "NULL":
        return staff
    # A fact counts for the company it names; one naming only a person, for their company.
    return f"({company} IN {_IDS} OR ({company} IS NULL AND {staff}))"


def _params(frame: Frame, ids: Iterable[str] | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {
        "today": frame.today,
        "offset": f"{frame.offset_minutes:+d} minutes",
        "since": frame.since,
        "half": float(frame.half_life_days),
    }
    for n, (_, type_, _, tenths) in enumerate(frame.weights):
        params |= {f"t{n}": type_, f"w{n}": float(tenths)}
    if ids is not None:
        params["ids"] = json.dumps(sorted(set(ids)))
    return params


def ensure_math(conn: sqlite3.Connection) -> None:
    """Gives SQLite `pow` when it was built without its math functions (same libm result)."""
    try:
        conn.execute("SELECT pow(0.5, 1.0)")
    except sqlite3.OperationalError:
        conn.create_function("pow", 2, math.pow, deterministic=True)


def facts(conn: sqlite3.Connection, frame: Frame, kind: str, record_id: str) -> list[Fact]:
    """The facts that score of one contact or company (kind `contact` or `company`), aged."""
    branches = []
    for source, table, type_, direction, company, at, label, alive in _SOURCES:
        weight = _weight(frame, source)
        if weight == "NULL":
            continue
        branches.append(
            f"SELECT '{source}', {type_}, {direction}, {_AGE.format(at=at)}, {label}, id "
            f"FROM {table} WHERE {alive} AND {at} >= :since AND ({weight}) IS NOT NULL "
            f"AND {_chosen(kind, company)}"
        )
    if not branches:
        return []
    rows = conn.execute(" UNION ALL ".join(branches), _params(frame, [record_id]))
    return [Fact(s, t, d, int(a), label or "", i) for s, t, d, a, label, i in rows if a is not None]


def engagement(
    conn: sqlite3.Connection, frame: Frame, kind: str, ids: Iterable[str] | None = None
) -> dict[str, int]:
    """The engagement in tenths of each contact (or company) among `ids`, or of every one that
    has any facts; those without are left out."""
    branches = []
    for source, table, _, _, company, at, _, alive in _SOURCES:
        weight = _weight(frame, source)
        if weight == "NULL":
            continue
        if kind == "contact":
            group = "contact_id"
        else:
            staff_company = "(SELECT company_id FROM contacts c WHERE c.id = x.contact_id)"
            group = f"coalesce({company}, {staff_company})"
        # Everyone's facts: reading the table from end to end and sorting takes a fifth of the
        # time of walking an index (on the instant or the person) and fetching rows one by one.
        source = f"{table} x NOT INDEXED" if ids is None else f"{table} x"
        chosen = "" if ids is None else f"AND {_chosen(kind, company)}"
        branches.append(
            f"SELECT {group} AS who, sum({_points(weight, at)}) AS tenths FROM {source} "
            f"WHERE {alive} AND {at} >= :since {chosen} GROUP BY who"
        )
    if not branches:
        return {}
    ensure_math(conn)
    sql = (
        f"SELECT who, sum(tenths) FROM ({' UNION ALL '.join(branches)}) "
        "WHERE who IS NOT NULL GROUP BY who"
    )
    return {who: int(total or 0) for who, total in conn.execute(sql, _params(frame, ids))}


def contact_profiles(
    conn: sqlite3.Connection, ids: Iterable[str]
) -> dict[str, tuple[str, Profile]]:
    """Each contact's name and fit profile: their title and their company's attributes."""
    rows = conn.execute(
        "SELECT c.id, c.display_name, c.title, co.industry, co.size, co.prefecture, co.region "
        "FROM contacts c LEFT JOIN companies co ON co.id = c.company_id "
        "WHERE c.id IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(set(ids))),),
    )
    return {row[0]: (row[1], Profile(*row[2:])) for row in rows}


def company_profiles(
    conn: sqlite3.Connection, ids: Iterable[str]
) -> dict[str, tuple[str, Profile]]:
    """Each company's name and fit profile (a company has no title)."""
    rows = conn.execute(
        "SELECT id, name, industry, size, prefecture, region FROM companies "
        "WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(set(ids))),),
    )
    return {row[0]: (row[1], Profile(None, *row[2:])) for row in rows}


def idle_leads(
    conn: sqlite3.Connection, lifecycles: Sequence[str], touched_before: str
) -> list[Lead]:
    """Live contacts at these lifecycle stages whose latest touch (activity, else creation) is
    before `touched_before`."""
    marks = ", ".join("?" * len(lifecycles))
    rows = conn.execute(
        "SELECT c.id, c.display_name, c.lifecycle, co.name, c.company_id, "
        "max(coalesce(c.last_activity_at, ''), c.created_at) AS touch "
        "FROM contacts c LEFT JOIN companies co ON co.id = c.company_id "
        f"WHERE NOT c.archived AND c.merged_into IS NULL AND c.lifecycle IN ({marks}) "
        "AND touch < ?",
        (*lifecycles, touched_before),
    )
    return [Lead(*row) for row in rows]
