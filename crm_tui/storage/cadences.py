"""Provides the reads behind cadences: cadences by name, enrolments, step tasks, step conversion.

Enrolments are found through their indexes (`enrolments_contact`, `enrolments_cadence`) and step
tasks through `tasks_enrolment`, so the checks that run on every `crm log` cost one lookup.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from datetime import tzinfo
from typing import NamedTuple

from crm_tui.domain.dates import from_utc_iso
from crm_tui.domain.records import Cadence, Enrolment, Task
from crm_tui.storage.codec import decode, select_columns
from crm_tui.storage.queries import select

CONVERTING = ("replied", "won")
"""How an enrolment ends that counts as a conversion of its last done step."""


def cadence_named(conn: sqlite3.Connection, name: str) -> Cadence | None:
    """The live cadence with exactly this name, or None."""
    found = select(conn, Cadence, equals={"name": name}, limit=1)
    return found[0] if found else None


def all_cadences(conn: sqlite3.Connection) -> list[Cadence]:
    """The live cadences, by name."""
    return select(conn, Cadence, order_by="name")


def enrolment_counts(conn: sqlite3.Connection) -> dict[str, dict[str, int]]:
    """For each cadence id, how many enrolments it has in each status."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    rows = conn.execute(
        "SELECT cadence_id, status, count(*) FROM enrolments WHERE NOT archived "
        "GROUP BY cadence_id, status"
    )
    for cadence_id, status, number in rows:
        counts[cadence_id][status] = number
    return dict(counts)


def active_enrolments(
    conn: sqlite3.Connection, contact_ids: Sequence[str], cadence_id: str | None = None
) -> list[Enrolment]:
    """The active enrolments of these contacts (in one cadence, or in any)."""
    if not contact_ids:
        return []
    marks = ", ".join("?" * len(contact_ids))
    sql = (
        f"SELECT {select_columns(Enrolment)} FROM enrolments INDEXED BY enrolments_contact "
        f"WHERE contact_id IN ({marks}) AND status = 'active' AND NOT archived"
    )
    params: list[str] = list(contact_ids)
    if cadence_id is not None:
        sql += " AND cadence_id = ?"
        params.append(cadence_id)
    return [decode(Enrolment, row) for row in conn.execute(sql, params)]


def has_active_enrolment(conn: sqlite3.Connection, contact_id: str) -> bool:
    """Whether the contact is active in any cadence (one index lookup: `crm log` asks it)."""
    row = conn.execute(
        "SELECT 1 FROM enrolments INDEXED BY enrolments_contact "
        "WHERE contact_id = ? AND status = 'active' LIMIT 1",
        (contact_id,),
    ).fetchone()
    return row is not None


def active_enrolments_at_company(conn: sqlite3.Connection, company_id: str) -> list[Enrolment]:
    """The active enrolments of the people at a company."""
    rows = conn.execute(
        f"SELECT {select_columns(Enrolment, 'e')} FROM enrolments e "
        "JOIN contacts c ON c.id = e.contact_id "
        "WHERE c.company_id = ? AND e.status = 'active' AND NOT e.archived",
        (company_id,),
    )
    return [decode(Enrolment, row) for row in rows]


def enrolments_in(conn: sqlite3.Connection, cadence_id: str) -> list[Enrolment]:
    """Every enrolment in a cadence: by the day they were enrolled, then by the contact's name.
    (A batch's enrolments share one instant and their ids are random within it.)"""
    return select(
        conn,
        Enrolment,
        equals={"cadence_id": cadence_id},
        order_by="enrolled_on, "
        "(SELECT display_name FROM contacts WHERE contacts.id = contact_id), id",
    )


def step_tasks(conn: sqlite3.Connection, enrolment_ids: Sequence[str]) -> list[Task]:
    """The step tasks of these enrolments, by enrolment and step."""
    found: list[Task] = []
    ids = sorted(set(enrolment_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = conn.execute(
            f"SELECT {select_columns(Task)} FROM tasks INDEXED BY tasks_enrolment "
            f"WHERE enrolment_id IN ({', '.join('?' * len(chunk))}) "
            "ORDER BY enrolment_id, step",
            chunk,
        )
        found += [decode(Task, row) for row in rows]
    return found


def open_email_steps(
    conn: sqlite3.Connection, *, contact_id: str | None = None, due_by: str | None = None
) -> list[Task]:
    """Open email steps, earliest due first: of one contact, and/or due on or before a date."""
    where = ["status = 'open'", "channel = 'email'", "enrolment_id IS NOT NULL"]
    params: list[str] = []
    if contact_id is not None:
        where.append("contact_id = ?")
        params.append(contact_id)
    if due_by is not None:
        where.append("due <= ?")
        params.append(due_by)
    return select(conn, Task, where=where, params=params, order_by="due, step, id")


class StepConversion(NamedTuple):
    """How one step of a cadence converted: of those who reached it, how many then converted."""

    cadence: str
    cadence_id: str
    step: int
    """The step's number, counting from 1 as people do (its stored position + 1)."""
    day: int
    channel: str
    subject: str
    reached: int
    """Enrolments whose task for this step is done (on a day inside since..until)."""
    converted: int
    """Of those, the ones that ended replied or won with this as their last done step."""
    conversion: float | None
    """converted / reached; None when no one reached the step."""


def step_conversion(
    conn: sqlite3.Connection,
    cadence_id: str | None = None,
    since: str | None = None,
    until: str | None = None,
    *,
    tz: tzinfo | None = None,
    owner: str | None = None,
) -> list[StepConversion]:
    """Each step's conversion, per cadence (one, or every live one), by cadence name and step.

    `since`/`until` are inclusive local dates (`YYYY-MM-DD`, in `tz`; None is the system's
    zone) that filter the day a step was done; a step's conversion is counted where it was
    reached. `owner` counts only the enrolments that rep owns (`crm report --owner`).
    """
    cadences = [c for c in all_cadences(conn) if cadence_id in (None, c.id)]
    done = _done_steps(conn, cadence_id, owner)
    out: list[StepConversion] = []
    for cadence in cadences:
        reached: dict[int, int] = defaultdict(int)
        converted: dict[int, int] = defaultdict(int)
        for status, steps in done.get(cadence.id, {}).values():
            last = max(steps)
            for position, done_at in steps.items():
                day = from_utc_iso(done_at).astimezone(tz).date().isoformat()
                if (since and day < since) or (until and day > until):
                    continue
                reached[position] += 1
                if status in CONVERTING and position == last:
                    converted[position] += 1
        for position, step in enumerate(cadence.steps):
            n = reached[position]
            out.append(
                StepConversion(
                    cadence.name,
                    cadence.id,
                    position + 1,
                    int(step.get("day", 0)),
                    str(step.get("channel", "")),
                    str(step.get("subject", "")),
                    n,
                    converted[position],
                    converted[position] / n if n else None,
                )
            )
    return out


def _done_steps(
    conn: sqlite3.Connection, cadence_id: str | None, owner: str | None = None
) -> dict[str, dict[str, tuple[str, dict[int, str]]]]:
    """cadence id → enrolment id → (its status, {step position: when its task was done})."""
    sql = (
        # Enrolments drive the join (CROSS JOIN keeps that order): otherwise SQLite walks every
        # task of the store through the index, ordinary tasks included.
        "SELECT e.cadence_id, e.id, e.status, t.step, t.done_at FROM enrolments e "
        "CROSS JOIN tasks t INDEXED BY tasks_enrolment ON t.enrolment_id = e.id "
        "WHERE t.status = 'done' AND t.done_at IS NOT NULL AND NOT e.archived"
    )
    params: tuple[str, ...] = ()
    if cadence_id is not None:
        sql += " AND e.cadence_id = ?"
        params = (cadence_id,)
    if owner is not None:
        sql += " AND e.owner = ?"
        params += (owner,)
    found: dict[str, dict[str, tuple[str, dict[int, str]]]] = defaultdict(dict)
    for cadence, enrolment, status, step, done_at in conn.execute(sql, params):
        entry = found[cadence].setdefault(enrolment, (status, {}))
        entry[1][int(step)] = done_at
    return found
