"""Provides inquiries (cases): opening, replying, waiting on the customer and resolving.

Status `open` means the case waits on us, `waiting` that it waits on the customer. Each message
is an activity of type `inquiry` linked to the case: a customer's message (inbound) reopens it,
our reply (outbound) sets it waiting.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from crm_tui.domain.dates import parse_when, utc_iso
from crm_tui.domain.records import PRIORITIES, Inquiry
from crm_tui.errors import InvalidInput
from crm_tui.services import values as check
from crm_tui.services.activities import (
    Logged,
    after_inbound,
    follow_up_fields,
    follow_up_task,
    record_activity,
)
from crm_tui.services.references import links, load
from crm_tui.services.session import Session


class InquiryInput(NamedTuple):
    """What `crm inquiry open` takes."""

    who: str
    subject: str
    body: str | None = None
    at: str | None = None
    priority: str | None = None
    channel: str | None = None


def open_inquiry(
    session: Session,
    data: InquiryInput,
    follow_up: tuple[str | None, str | None] = (None, None),
) -> Logged:
    """Opens a case with the customer's first message as an inbound activity."""
    linked = links(session, who=data.who)
    at = utc_iso(parse_when(data.at, session.now, session.tz) if data.at else session.now)
    subject = check.text(data.subject, "A subject", required=True)
    inquiry_fields: dict[str, Any] = {
        "subject": subject,
        "status": "open",
        "status_since": at,
        "priority": check.choice(data.priority, PRIORITIES, "priority")
        if data.priority
        else "normal",
        "channel": check.text(data.channel, "channel"),
        **linked,
    }
    task_fields = follow_up_fields(session, follow_up[0], follow_up[1], linked)
    with session.store.write() as writer:
        inquiry = writer.create(Inquiry, inquiry_fields)
        activity = record_activity(
            writer,
            {
                "type": "inquiry",
                "direction": "inbound",
                "at": at,
                "summary": subject,
                "body": check.text(data.body, "body"),
                "inquiry_id": inquiry.id,
                "owner": session.rep,
                **linked,
            },
        )
        task = follow_up_task(writer, task_fields, activity)
        after_inbound(session, writer, activity)
    return Logged(activity=activity, task=task, inquiry=inquiry)


def _inquiry(session: Session, reference: str) -> Inquiry:
    inquiry = load(session, reference, ("inquiry",))
    assert isinstance(inquiry, Inquiry)
    return inquiry


def reply(session: Session, reference: str, text: str, *, inbound: bool = False) -> Logged:
    """Logs a message on a case: ours sets it waiting, the customer's reopens it."""
    inquiry = _inquiry(session, reference)
    status = "open" if inbound else "waiting"
    at = utc_iso(session.now)
    with session.store.write() as writer:
        activity = record_activity(
            writer,
            {
                "type": "inquiry",
                "direction": "inbound" if inbound else "outbound",
                "at": at,
                "summary": check.text(text, "A message", required=True),
                "owner": session.rep,
                **thread_links(inquiry),
            },
        )
        updated = writer.update(Inquiry, inquiry.id, _status(inquiry, status, at))
        after_inbound(session, writer, activity)
    return Logged(activity=activity, inquiry=updated)


def set_status(session: Session, reference: str, status: str, note: str | None = None) -> Inquiry:
    """Sets a case waiting on the customer or resolved, with an optional note on the thread."""
    inquiry = _inquiry(session, reference)
    if inquiry.status == status:
        raise InvalidInput(f"The inquiry {inquiry.subject!r} is already {status}.")
    at = utc_iso(session.now)
    with session.store.write() as writer:
        if note:
            record_activity(
                writer,
                {
                    "type": "note",
                    "direction": "outbound",
                    "at": at,
                    "summary": check.text(note, "A note", required=True),
                    "owner": session.rep,
                    **thread_links(inquiry),
                },
            )
        return writer.update(Inquiry, inquiry.id, _status(inquiry, status, at))


def _status(inquiry: Inquiry, status: str, at: str) -> dict[str, Any]:
    if inquiry.status == status:
        return {}
    return {"status": status, "status_since": at}


def thread_links(inquiry: Inquiry) -> dict[str, Any]:
    """The links a message on this case carries."""
    return {
        "inquiry_id": inquiry.id,
        "contact_id": inquiry.contact_id,
        "company_id": inquiry.company_id,
    }
