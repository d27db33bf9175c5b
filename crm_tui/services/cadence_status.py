"""Provides `crm cadence status`: where each enrolled contact is, and how each step converted."""

from __future__ import annotations

from typing import NamedTuple

from crm_tui.domain.records import Cadence, Contact, Enrolment, Task
from crm_tui.services.cadences import find_cadence
from crm_tui.services.session import Session
from crm_tui.storage import cadences as stored
from crm_tui.storage import queries
from crm_tui.storage.cadences import StepConversion


class Position(NamedTuple):
    """One enrolment: who, its status, how many steps it has and has done, and the next one."""

    enrolment: Enrolment
    contact: str
    steps: int
    """The steps planned for this contact (skipped ones included)."""
    done: int
    next: Task | None
    """The open step task with the lowest position, or None when nothing is left."""


class CadenceStatus(NamedTuple):
    """A cadence, its enrolments and its steps' conversion."""

    cadence: Cadence
    positions: list[Position]
    conversion: list[StepConversion]


def cadence_status(session: Session, reference: str) -> CadenceStatus:
    """Each enrolled contact's position and each step's conversion (the PDCA check)."""
    cadence = find_cadence(session, reference)
    conn = session.store.conn
    enrolments = stored.enrolments_in(conn, cadence.id)
    tasks: dict[str, list[Task]] = {}
    for task in stored.step_tasks(conn, [e.id for e in enrolments]):
        tasks.setdefault(task.enrolment_id or "", []).append(task)
    people = queries.get_many(conn, Contact, (e.contact_id for e in enrolments))
    positions = []
    for enrolment in enrolments:
        mine = tasks.get(enrolment.id, [])
        still = [t for t in mine if t.status == "open"]
        person = people.get(enrolment.contact_id)
        positions.append(
            Position(
                enrolment,
                person.display_name if person else enrolment.contact_id,
                len(mine) + len(enrolment.skipped),
                sum(1 for t in mine if t.status == "done"),
                min(still, key=lambda t: t.step or 0) if still else None,
            )
        )
    conversion = stored.step_conversion(conn, cadence.id, tz=session.tz)
    return CadenceStatus(cadence, positions, conversion)
