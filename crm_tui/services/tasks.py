"""Provides tasks: adding, completing and snoozing follow-ups."""

from __future__ import annotations

from typing import NamedTuple

from crm_tui.domain.dates import utc_iso
from crm_tui.domain.records import PRIORITIES, Task
from crm_tui.errors import InvalidInput
from crm_tui.services import values as check
from crm_tui.services.references import links, load
from crm_tui.services.session import Session


class TaskInput(NamedTuple):
    """What `crm task add` takes."""

    title: str
    due: str | None = None
    priority: str | None = None
    who: str | None = None
    deal: str | None = None
    note: str | None = None


def task_fields(session: Session, data: TaskInput) -> dict[str, object]:
    """Checks a task's input and returns its field values."""
    return {
        "title": check.text(data.title, "A task's title", required=True),
        "due": check.due(session, data.due) if data.due else None,
        "priority": check.choice(data.priority, PRIORITIES, "priority")
        if data.priority
        else "normal",
        "note": check.text(data.note, "note"),
        **links(session, who=data.who, deal=data.deal),
    }


def add_task(session: Session, data: TaskInput) -> Task:
    """Adds a task."""
    fields_ = task_fields(session, data)
    with session.store.write() as writer:
        return writer.create(Task, fields_)


def _open_task(session: Session, reference: str) -> Task:
    task = load(session, reference, ("task",))
    assert isinstance(task, Task)
    if task.status != "open":
        raise InvalidInput(f"The task {task.title!r} is already {task.status}.")
    return task


def complete_task(session: Session, reference: str) -> Task:
    """Marks a task done."""
    task = _open_task(session, reference)
    with session.store.write() as writer:
        done = writer.update(Task, task.id, {"status": "done", "done_at": utc_iso(session.now)})
        if done.enrolment_id:
            # A cadence's step: logged as an activity, and the contact moves to the next step.
            from crm_tui.services.cadences import step_done

            step_done(session, writer, done)
        return done


def snooze_task(session: Session, reference: str, until: str | None, by: str | None) -> Task:
    """Moves a task's due date: to a date (`--until`) or later by an offset (`--by 3d`)."""
    task = _open_task(session, reference)
    if (until is None) == (by is None):
        raise InvalidInput("Say when: --until DATE or --by OFFSET (such as 3d or 1w).")
    if until is not None:
        new_due = check.due(session, until)
    else:
        from datetime import date

        from crm_tui.domain.dates import parse_due

        base = max(date.fromisoformat(task.due), session.today) if task.due else session.today
        new_due = parse_due(by or "", base, check.holiday_calendar(session, by or "")).isoformat()
    with session.store.write() as writer:
        return writer.update(Task, task.id, {"due": new_due})
