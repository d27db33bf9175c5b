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

# A fact's local date is the whole part of its Julian day shifted by the zone's offset (and by
# half a day: Julian days start at noon). A touch more keeps an instant at local midnight on
# its day despite the float's last bit; it is far below the stored millisecond.
_MIDNIGHT_MARGIN = 5e-9


class Frame(NamedTuple):
    """What ages and weighs facts: today, the local zone's offset, the decay and the weights."""

    today: int
    """Today's local date as a Julian day number."""
    offset_minutes: int
    """The local zone's offset from UTC, to find a fact's local date."""
    since: str
    """The earliest instant worth reading (older facts round to 0 points)."""
    half_life_days: float
    activity: Sequence[tuple[str, float]]
    """Each activity type's weight in tenths."""
    inbound: float
    """Added to an inbound activity's weight, in tenths."""
    other: Sequence[tuple[str, float]]
    """The weight in tenths of each quote and survey answer (an inquiry's messages are
    activities)."""


class Lead(NamedTuple):
    """A lead or prospect nobody has been in touch with lately."""

    id: str
    name: str
    lifecycle: str
    company: str | None
    company_id: str | None
    touch: str
    """The latest activity's instant, else when the contact was added."""


class _Source(NamedTuple):
    table: str
    type: str
    direction: str
    company: str
    at: str
    label: str
    alive: str


_SOURCES = {
    "activity": _Source(
        "activities",
        "type",
        "direction",
        "company_id",
        "at",
        "summary",
        "NOT archived AND NOT retracted",
    ),
    "quote": _Source(
        "quotes",
        "''",
        "''",
        "company_id",
        "created_at",
        "number || coalesce(' ' || title, '')",
        "NOT archived",
    ),
    "survey": _Source(
        "surveys",
        "''",
        "''",
        "NULL",
        "at",
        "rtrim(coalesce('NPS ' || nps || ' ', '') || coalesce('CSAT ' || csat, ''))",
        "NOT archived",
    ),
}
_IDS = "(SELECT value FROM json_each(:ids))"


def _age(at: str) -> str:
    return f"max(:today - CAST(julianday({at}) + :shift AS INTEGER), 0)"


def _weight(frame: Frame, source: str) -> str | None:
    """A fact's weight in tenths as SQL, as domain.scoring.fact_weight computes it."""
    if source != "activity":
        return f":{source}" if source in dict(frame.other) else None
    if not frame.activity:
        return None
    whens = " ".join(f"WHEN :t{n} THEN :w{n}" for n in range(len(frame.activity)))
    return f"(CASE type {whens} END + (direction = 'inbound') * :inbound)"


def _points(weight: str, at: str) -> str:
    # domain.scoring.decayed_tenths: each fact rounded to tenths, then summed.
    return f"CAST({weight} * pow(0.5, {_age(at)} / :half) + 0.5 AS INTEGER)"


def _chosen(kind: str, company: str) -> str:
    if kind == "contact":
        return f"contact_id IN {_IDS}"
    staff = f"contact_id IN (SELECT id FROM contacts WHERE company_id IN {_IDS})"
    if company == "NULL":
        return staff
    # A fact counts for the company it names; one naming only a person, for their company.
    # (`+`: the people's index finds those facts; the company index would list every fact
    # that names no company.)
    return f"({company} IN {_IDS} OR ({staff} AND +{company} IS NULL))"


def _params(frame: Frame, ids: Iterable[str] | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {
        "today": frame.today,
        "shift": 0.5 + frame.offset_minutes / 1440 + _MIDNIGHT_MARGIN,
        "since": frame.since,
        "half": float(frame.half_life_days),
        "inbound": float(frame.inbound),
        **{source: float(tenths) for source, tenths in frame.other},
    }
    for n, (type_, tenths) in enumerate(frame.activity):
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
    for source, x in _SOURCES.items():
        weight = _weight(frame, source)
        if weight is None:
            continue
        branches.append(
            f"SELECT '{source}', {x.type}, {x.direction}, {_age(x.at)}, {x.label}, id "
            f"FROM {x.table} WHERE {x.alive} AND {x.at} >= :since AND {weight} IS NOT NULL "
            f"AND {_chosen(kind, x.company)}"
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
    for source, x in _SOURCES.items():
        weight = _weight(frame, source)
        if weight is None:
            continue
        group = "contact_id"
        if kind == "company":
            staff = "(SELECT company_id FROM contacts c WHERE c.id = x.contact_id)"
            group = f"coalesce({x.company}, {staff})"
        # Everyone's facts: reading the table from end to end and sorting takes a fifth of the
        # time of walking an index (on the instant or the person) and fetching rows one by one.
        table = f"{x.table} x NOT INDEXED" if ids is None else f"{x.table} x"
        chosen = "" if ids is None else f"AND {_chosen(kind, x.company)}"
        branches.append(
            f"SELECT {group} AS who, sum({_points(weight, x.at)}) AS tenths FROM {table} "
            f"WHERE {x.alive} AND {x.at} >= :since {chosen} GROUP BY who"
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
