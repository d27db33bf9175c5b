"""Provides logging visits, calls, emails, meetings and notes, and correcting them by events."""

from __future__ import annotations

from typing import Any, NamedTuple

from crm_tui.domain.dates import parse_when, utc_iso
from crm_tui.domain.ids import new_id
from crm_tui.domain.materialise import AMENDED, LOGGED, RETRACTED
from crm_tui.domain.records import Activity, Inquiry, Task
from crm_tui.errors import InvalidInput, Refused
from crm_tui.services import values as check
from crm_tui.services.references import links, load
from crm_tui.services.session import Session
from crm_tui.storage.writer import Writer

DIRECTIONS = ("inbound", "outbound")


class LogInput(NamedTuple):
    """What `crm log <type>` takes."""

    type: str
    who: str
    summary: str
    body: str | None = None
    at: str | None = None
    location: str | None = None
    outcome: str | None = None
    inbound: bool = False
    deal: str | None = None
    next: str | None = None
    due: str | None = None


class Logged(NamedTuple):
    """What one `crm log` line made: the activity, its follow-up task, an inquiry it opened."""

    activity: Activity
    task: Task | None = None
    inquiry: Inquiry | None = None


def activity_fields(session: Session, data: LogInput) -> dict[str, Any]:
    """Checks a log line and returns the activity's fields (without its links)."""
    at = parse_when(data.at, session.now, session.tz) if data.at else session.now
    return {
        "type": data.type,
        "direction": "inbound" if data.inbound else "outbound",
        "at": utc_iso(at),
        "summary": check.text(data.summary, "A summary", required=True),
        "body": check.text(data.body, "body"),
        "location": check.text(data.location, "location"),
        "outcome": check.text(data.outcome, "outcome"),
        "owner": session.rep,
    }


def log_activity(session: Session, data: LogInput) -> Logged:
    """Logs an activity against a contact or company, with an optional follow-up task."""
    if data.due and not data.next:
        raise InvalidInput("--due needs --next: say what the follow-up is.")
    if data.type == "inquiry":
        from crm_tui.services.inquiries import InquiryInput, open_inquiry

        return open_inquiry(
            session,
            InquiryInput(who=data.who, subject=data.summary, body=data.body, at=data.at),
            follow_up=(data.next, data.due),
        )
    fields_ = activity_fields(session, data) | links(session, who=data.who, deal=data.deal)
    task_fields = follow_up_fields(session, data.next, data.due, fields_)
    with session.store.write() as writer:
        activity = record_activity(writer, fields_)
        task = follow_up_task(writer, task_fields, activity)
        after_inbound(session, writer, activity)
    return Logged(activity=activity, task=task)


def record_activity(writer: Writer, fields_: dict[str, Any]) -> Activity:
    """Writes a `logged` event making a new activity, inside an open write."""
    return writer.event(Activity, new_id(), LOGGED, {"fields": fields_}, first=True)


def after_inbound(session: Session, writer: Writer, activity: Activity) -> None:
    """A contact's inbound message (a reply) takes them out of their cadences, in the same write.

    Outbound logs skip even the lookup; an inbound one costs one indexed query.
    """
    if activity.direction != "inbound" or not activity.contact_id:
        return
    from crm_tui.storage.cadences import has_active_enrolment

    if has_active_enrolment(session.store.conn, activity.contact_id):
        from crm_tui.services.cadences import contact_replied

        contact_replied(session, writer, activity)


def follow_up_fields(
    session: Session, title: str | None, due: str | None, linked: dict[str, Any]
) -> dict[str, Any] | None:
    """The checked fields of a follow-up task, or None when there is none."""
    if not title:
        return None
    return {
        "title": check.text(title, "A follow-up", required=True),
        "due": check.due(session, due) if due else None,
        **{k: linked[k] for k in ("contact_id", "company_id", "deal_id") if linked.get(k)},
    }


def follow_up_task(
    writer: Writer, fields_: dict[str, Any] | None, activity: Activity
) -> Task | None:
    """Creates the follow-up task of a logged activity, inside an open write."""
    if fields_ is None:
        return None
    return writer.create(Task, {**fields_, "activity_id": activity.id})


class AmendInput(NamedTuple):
    """What `crm amend` may correct."""

    summary: str | None = None
    body: str | None = None
    at: str | None = None
    location: str | None = None
    outcome: str | None = None
    type: str | None = None


def _live_activity(session: Session, reference: str) -> Activity:
    activity = load(session, reference, ("activity",))
    assert isinstance(activity, Activity)
    if activity.retracted:
        raise Refused(f"The activity {activity.summary!r} was retracted; it cannot change.")
    return activity


def amend_activity(session: Session, reference: str, data: AmendInput) -> Activity:
    """Records a corrected version of an activity; the earlier versions stay in its history."""
    from crm_tui.domain.records import ACTIVITY_TYPES

    activity = _live_activity(session, reference)
    changes: dict[str, Any] = {}
    if data.summary is not None:
        changes["summary"] = check.text(data.summary, "A summary", required=True)
    for name in ("body", "location", "outcome"):
        value = getattr(data, name)
        if value is not None:
            changes[name] = check.text(value, name)
    if data.at is not None:
        changes["at"] = utc_iso(parse_when(data.at, session.now, session.tz))
    if data.type is not None:
        changes["type"] = check.choice(data.type, ACTIVITY_TYPES, "activity type")
    changes = {k: v for k, v in changes.items() if getattr(activity, k) != v}
    if not changes:
        raise InvalidInput(
            "Nothing to amend: give a new --summary, --body, --at, --where or --outcome."
        )
    with session.store.write() as writer:
        return writer.event(Activity, activity.id, AMENDED, {"fields": changes})


def retract_activity(session: Session, reference: str, reason: str | None) -> Activity:
    """Hides an activity from the timeline by a retraction event; `--all` still shows it."""
    activity = _live_activity(session, reference)
    with session.store.write() as writer:
        return writer.event(
            Activity, activity.id, RETRACTED, {"reason": check.text(reason, "reason")}
        )
