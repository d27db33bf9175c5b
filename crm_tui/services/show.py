"""Provides `crm show`: a record with its timeline (newest first) and its sync conflicts."""

from __future__ import annotations

from typing import Any, NamedTuple

from crm_tui.domain.hlc import to_iso
from crm_tui.domain.materialise import RENEWED, activity_versions
from crm_tui.domain.money import format_money
from crm_tui.domain.ops import EntityState, fold_entity
from crm_tui.domain.records import (
    Activity,
    Company,
    Contact,
    Invoice,
    Quote,
    Record,
    Task,
)
from crm_tui.services.references import load
from crm_tui.services.session import Session
from crm_tui.storage import queries
from crm_tui.storage.oplog import ops_of
from crm_tui.storage.timeline import related
from crm_tui.sync.protocol import HANDOVER

SHOWABLE = (
    "contact",
    "company",
    "deal",
    "quote",
    "inquiry",
    "task",
    "contract",
    "invoice",
    "activity",
)


class TimelineEntry(NamedTuple):
    """One line of a timeline."""

    kind: str
    at: str
    summary: str
    id: str
    detail: dict[str, Any]


class Conflict(NamedTuple):
    """A field whose concurrent values are all kept until someone resolves them."""

    field: str
    values: list[dict[str, Any]]


class RecordView(NamedTuple):
    """A record as `crm show` presents it; `versions` only for an activity."""

    record: Record
    names: dict[str, str | None]
    timeline: list[TimelineEntry]
    conflicts: list[Conflict]
    versions: list[dict[str, Any]]
    score: int | None = None
    """A contact's or company's lead score in tenths (`crm score` explains it)."""


def show_record(session: Session, reference: str, *, all_versions: bool = False) -> RecordView:
    """Loads a record, the names it points at, its timeline and its conflicts."""
    record = load(session, reference, SHOWABLE)
    conn = session.store.conn
    score = _score(session, record)
    with session.store.read():
        state = fold_entity(record.ENTITY, record.id, ops_of(conn, record.id))
        conflicts = [
            Conflict(
                name,
                [
                    {
                        "value": leaf.payload.get("value"),
                        "rep": leaf.rep,
                        "site_id": leaf.site_id,
                        "at": to_iso(leaf.hlc),
                        "op_id": leaf.op_id,
                    }
                    for leaf in value.leaves
                ],
            )
            for name, value in sorted(state.conflicts().items())
        ]
        timeline = _timeline(session, record, all_versions) + _event_entries(state)
        return RecordView(
            record=record,
            names=_names(session, record),
            timeline=sorted(timeline, key=lambda e: (e.at, e.id), reverse=True),
            conflicts=conflicts,
            versions=activity_versions(state) if isinstance(record, Activity) else [],
            score=score,
        )


def _event_entries(state: EntityState) -> list[TimelineEntry]:
    """A contract's renewals and a customer's handovers, when each was recorded."""
    handovers = [
        TimelineEntry(
            "handover",
            to_iso(event.hlc),
            f"Handed over from {event.payload.get('from')} to {event.payload.get('to')}",
            event.op_id,
            {
                "from": event.payload.get("from"),
                "to": event.payload.get("to"),
                "note": event.payload.get("note"),
                "by": event.rep,
            },
        )
        for event in state.events
        if event.event_type == HANDOVER
    ]
    return handovers + [
        TimelineEntry(
            "renewal",
            to_iso(event.hlc),
            f"Renewed until {event.payload.get('end_on')}",
            event.op_id,
            {
                "renewed_on": event.payload.get("renewed_on"),
                "previous_end": event.payload.get("previous_end"),
                "end_on": event.payload.get("end_on"),
                "renewal_on": event.payload.get("renewal_on"),
                "value": event.payload.get("value"),
            },
        )
        for event in state.events
        if event.event_type == RENEWED
    ]


def _score(session: Session, record: Record) -> int | None:
    if not isinstance(record, Contact | Company):
        return None
    from crm_tui.services.scores import company_scores, contact_scores

    scored = contact_scores if isinstance(record, Contact) else company_scores
    return scored(session, [record.id]).get(record.id, 0)


def _names(session: Session, record: Record) -> dict[str, str | None]:
    conn = session.store.conn
    names: dict[str, str | None] = {}
    company_id = getattr(record, "company_id", None)
    if company_id is not None or isinstance(record, Contact):
        company = queries.get(conn, Company, company_id) if company_id else None
        names["company"] = company.name if company else None
    contact_id = getattr(record, "contact_id", None)
    if contact_id is not None:
        contact = queries.get(conn, Contact, contact_id)
        names["contact"] = contact.display_name if contact else None
    return names


def _timeline(session: Session, record: Record, all_versions: bool) -> list[TimelineEntry]:
    rel = related(session.store.conn, record.ENTITY, record.id, include_retracted=all_versions)
    entries = [_activity_entry(session, a, all_versions) for a in rel.activities]
    entries += [_task_entry(t) for t in rel.tasks]
    entries += [
        TimelineEntry(
            "deal",
            d.created_at,
            d.title,
            d.id,
            {"stage": d.stage, "amount": d.amount, "currency": d.currency},
        )
        for d in rel.deals
    ]
    entries += [_quote_entry(session, q) for q in rel.quotes]
    entries += [
        TimelineEntry(
            "inquiry", i.created_at, i.subject, i.id, {"status": i.status, "priority": i.priority}
        )
        for i in rel.inquiries
    ]
    entries += [
        TimelineEntry(
            "contract",
            c.created_at,
            c.product,
            c.id,
            {
                "end_on": c.end_on,
                "renewal_on": c.renewal_on,
                "value": c.value,
                "currency": c.currency,
            },
        )
        for c in rel.contracts
    ]
    entries += [_invoice_entry(i) for i in rel.invoices]
    entries += [
        TimelineEntry("survey", s.at, s.label, s.id, {"nps": s.nps, "csat": s.csat})
        for s in rel.surveys
    ]
    return sorted(entries, key=lambda e: (e.at, e.id), reverse=True)


def _activity_entry(session: Session, activity: Activity, all_versions: bool) -> TimelineEntry:
    detail: dict[str, Any] = {
        "type": activity.type,
        "direction": activity.direction,
        "owner": activity.owner,
    }
    for name in ("body", "location", "outcome"):
        if getattr(activity, name):
            detail[name] = getattr(activity, name)
    if activity.versions > 1:
        detail["amended"] = True
    if activity.flags:
        detail["flags"] = list(activity.flags)
    if all_versions:
        detail["retracted"] = activity.retracted
        state = fold_entity(Activity.ENTITY, activity.id, ops_of(session.store.conn, activity.id))
        detail["versions"] = activity_versions(state)
    return TimelineEntry(activity.type, activity.at, activity.summary, activity.id, detail)


def _task_entry(task: Task) -> TimelineEntry:
    detail = {"status": task.status, "due": task.due, "priority": task.priority}
    return TimelineEntry("task", task.created_at, task.title, task.id, detail)


def _quote_entry(session: Session, quote: Quote) -> TimelineEntry:
    from crm_tui.domain.quotes import totals

    money = totals(queries.quote_lines(session.store.conn, quote.id), session.config.tax_rounding)
    detail = {
        "status": quote.status,
        "total": money.total,
        "currency": quote.currency,
        "number": quote.number,
    }
    summary = f"{quote.number} {format_money(money.total, quote.currency)}"
    if quote.title:
        summary += f" {quote.title}"
    return TimelineEntry("quote", quote.created_at, summary, quote.id, detail)


def _invoice_entry(invoice: Invoice) -> TimelineEntry:
    detail = {
        "amount": invoice.amount,
        "currency": invoice.currency,
        "due_on": invoice.due_on,
        "paid_on": invoice.paid_on,
    }
    return TimelineEntry(
        "invoice", invoice.created_at, f"Invoice {invoice.number}", invoice.id, detail
    )
