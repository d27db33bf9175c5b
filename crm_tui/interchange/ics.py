"""Provides the iCalendar export: follow-up tasks as VTODOs, visits and meetings as VEVENTs.

The service maps its records to the plain entries here (`TaskEntry` from a `Task`, `EventEntry`
from an `Activity`, each with its customer's display name), so this module knows iCalendar and
nothing of the store. Times are written in UTC (`DTSTART:20261126T000000Z`): the store keeps
instants in UTC and every calendar shows them in its own zone. A due date is a DATE value, a
day in the rep's calendar rather than an instant.

Text is the customer's and stays text: commas, semicolons, backslashes and newlines are escaped
(here, not by the library, whose escaping reads a literal `\\N` as a line break), so a note
holding `\\r\\nBEGIN:VEVENT` is one line of a DESCRIPTION. Control characters other than tab and
newline are dropped, because iCalendar TEXT cannot hold them (RFC 5545 3.3.11) and readers
refuse or cut such lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from icalendar import Event, Todo

PRODID = "-//crm-tui//crm-tui//EN"
UID_DOMAIN = "crm"
DEFAULT_DURATION = timedelta(hours=1)
"""How long a visit or meeting lasts in the calendar when the record gives no end."""

_PRIORITIES = {"urgent": 1, "high": 1, "normal": 5, "low": 9}
"""RFC 5545 PRIORITY: 1 highest, 5 medium, 9 lowest; `urgent` is as high as iCalendar goes."""
_STATUSES = {"open": "NEEDS-ACTION", "done": "COMPLETED", "cancelled": "CANCELLED"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class TaskEntry:
    """A follow-up task for the calendar; fields are those of `Task` plus its customer's name."""

    id: str
    title: str
    due: date | str | None = None
    """`Task.due`: a local date, or its ISO text (`2026-12-01`)."""
    priority: str = "normal"
    status: str = "open"
    done_at: datetime | str | None = None
    """`Task.done_at`: an aware datetime or UTC ISO text (`2026-11-26T09:00:00.000Z`)."""
    customer: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class EventEntry:
    """A visit or meeting for the calendar; fields are those of `Activity` plus the customer."""

    id: str
    summary: str
    at: datetime | str
    """`Activity.at`: when it starts, an aware datetime or UTC ISO text (`…T09:00:00Z`)."""
    type: str = "visit"
    end: datetime | str | None = None
    """When it ends; without it the event lasts `DEFAULT_DURATION`."""
    location: str | None = None
    body: str | None = None
    outcome: str | None = None
    customer: str | None = None


def calendar_of(tasks: Iterable[TaskEntry], events: Iterable[EventEntry], now: datetime) -> bytes:
    """Returns an iCalendar file holding TASKS as VTODOs and EVENTS as VEVENTs, stamped NOW."""
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    stamp = _instant(now)
    for task in tasks:
        calendar.add_component(_todo(task, stamp))
    for event in events:
        calendar.add_component(_event(event, stamp))
    written: bytes = calendar.to_ical()
    return written


def _todo(task: TaskEntry, stamp: datetime) -> Todo:
    """One task as a VTODO."""
    from icalendar import Todo

    todo = Todo()
    todo.add("uid", f"{task.id}@{UID_DOMAIN}")
    todo.add("dtstamp", stamp)
    todo.add("summary", _text(task.title))
    if task.due is not None:
        todo.add("due", _day(task.due))
    if task.priority in _PRIORITIES:
        todo.add("priority", _PRIORITIES[task.priority])
    todo.add("status", _STATUSES.get(task.status, "NEEDS-ACTION"))
    if task.status == "done" and task.done_at is not None:
        todo.add("completed", _instant(task.done_at))
    description = _description(task.customer, task.note)
    if description:
        todo.add("description", description)
    return todo


def _event(entry: EventEntry, stamp: datetime) -> Event:
    """One visit or meeting as a VEVENT."""
    from icalendar import Event

    event = Event()
    event.add("uid", f"{entry.id}@{UID_DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("summary", _text(entry.summary))
    start = _instant(entry.at)
    event.add("dtstart", start)
    end = _instant(entry.end) if entry.end is not None else None
    # An end before the start is a typing slip in the record; the default length shows it.
    if end is not None and end > start:
        event.add("dtend", end)
    else:
        event.add("duration", DEFAULT_DURATION)
    if entry.location:
        event.add("location", _text(entry.location))
    if entry.type:
        event.add("categories", [_clean(entry.type)])
    outcome = f"Outcome: {entry.outcome}" if entry.outcome else None
    description = _description(entry.customer, entry.body, outcome)
    if description:
        event.add("description", description)
    return event


def _description(customer: str | None, *parts: str | None) -> Any:
    """The customer's name first, then the record's text, as paragraphs."""
    lines = [f"Customer: {customer}" if customer else None, *parts]
    return _text("\n\n".join(line for line in lines if line))


def _clean(text: str) -> str:
    """TEXT as iCalendar can hold it: CRLF and CR as newlines, other controls dropped."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _text(text: str) -> Any:
    """A TEXT property value, cleaned and escaped by `_escaped_text`."""
    return _escaped_text()(_clean(text))


@cache
def _escaped_text() -> type:
    """vText escaped as RFC 5545 3.3.11 says, every backslash included (the library's own
    escaping turns a literal `\\N` in a customer's text into a line break)."""
    from icalendar import vText

    class Text(vText):
        def to_ical(self) -> bytes:
            escaped = (
                str(self)
                .replace("\\", "\\\\")
                .replace(";", "\\;")
                .replace(",", "\\,")
                .replace("\n", "\\n")
            )
            return escaped.encode("utf-8")

    return Text


def _day(value: date | str) -> date:
    """A due date from a date or its ISO text (a datetime counts by its date)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _instant(value: datetime | str) -> datetime:
    """An instant in UTC from an aware datetime or ISO text; a naive time is refused."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone; the calendar needs an instant")
    return moment.astimezone(UTC)
