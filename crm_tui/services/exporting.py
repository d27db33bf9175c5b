"""Provides `crm export`: contacts as vCard or CSV, follow-ups and visits as iCalendar, and
everything (or everything about one person) as JSON."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crm_tui.domain.records import BY_ENTITY, Activity, Company, Contact, Record, Task
from crm_tui.errors import InvalidInput
from crm_tui.services.listing import Filters, list_records
from crm_tui.services.references import load
from crm_tui.services.session import Session
from crm_tui.storage import queries
from crm_tui.storage.oplog import ops_of
from crm_tui.storage.timeline import related

CSV_HEADER = (
    "ID",
    "Display Name",
    "Family Name",
    "Given Name",
    "Family Reading",
    "Given Reading",
    "Company",
    "Department",
    "Title",
    "Email",
    "Mobile",
    "Phone",
    "Address",
    "Tags",
    "Notes",
)
"""Columns of `crm export csv`; `crm import` reads them back."""


def contacts_with_companies(
    session: Session, filters: Filters
) -> list[tuple[Contact, Company | None]]:
    """The contacts the `crm ls` filters select, each with its company."""
    listing = list_records(session, "contacts", filters)
    companies = {
        c.id: c for c in queries.select(session.store.conn, Company, include_archived=True)
    }
    contacts = [r for r in listing.records if isinstance(r, Contact)]
    return [(c, companies.get(c.company_id or "")) for c in contacts]


def export_vcard(
    session: Session, filters: Filters, version: str, vdir: Path | None
) -> tuple[int, str | None]:
    """Writes vCards into a vdir folder (returning no text), or returns them as one text."""
    import io

    from crm_tui.interchange.vcard_write import write_vcards, write_vdir

    items = contacts_with_companies(session, filters)
    if vdir is not None:
        try:
            return write_vdir(items, vdir, version), None
        except OSError as error:
            raise _unwritable(vdir, error, "--vdir") from None
    buffer = io.StringIO(newline="")
    count = write_vcards(items, buffer, version)
    return count, buffer.getvalue()


def csv_rows(items: Sequence[tuple[Contact, Company | None]]) -> list[list[object]]:
    """One row per contact in `CSV_HEADER` order; several emails or phones join with `; `."""
    rows: list[list[object]] = []
    for contact, company in items:
        mobiles = [p for p in contact.phones if p.get("label") == "mobile"]
        others = [p for p in contact.phones if p.get("label") != "mobile"]
        rows.append(
            [
                contact.id,
                contact.display_name,
                contact.family_name,
                contact.given_name,
                contact.family_reading,
                contact.given_reading,
                company.name if company else None,
                contact.department,
                contact.title,
                "; ".join(contact.emails),
                "; ".join(str(p["number"]) for p in mobiles),
                "; ".join(str(p["number"]) for p in others),
                contact.address,
                ", ".join(contact.tags),
                contact.note,
            ]
        )
    return rows


def export_csv(session: Session, filters: Filters, excel: bool) -> bytes:
    """The contacts as CSV, safe to open in a spreadsheet."""
    from crm_tui.interchange.csv_write import csv_bytes

    return csv_bytes(CSV_HEADER, csv_rows(contacts_with_companies(session, filters)), excel=excel)


def export_ics(session: Session, filters: Filters) -> bytes:
    """Open follow-up tasks as VTODO and visits and meetings as VEVENT."""
    from crm_tui.interchange.ics import EventEntry, TaskEntry, calendar_of

    conn = session.store.conn
    contacts = {c.id: c for c, _ in contacts_with_companies(session, filters)}
    tasks = [
        t
        for t in queries.select(conn, Task, include_archived=filters.archived)
        if _concerns(t.contact_id, contacts, filters)
    ]
    events = [
        a
        for a in queries.select(
            conn, Activity, where=["type IN ('visit', 'meeting')", "NOT retracted"]
        )
        if _concerns(a.contact_id, contacts, filters)
    ]
    names = {i: c.display_name for i, c in contacts.items()}
    return calendar_of(
        [
            TaskEntry(
                id=t.id,
                title=t.title,
                due=t.due,
                priority=t.priority,
                status=t.status,
                done_at=t.done_at,
                customer=names.get(t.contact_id or ""),
                note=t.note,
            )
            for t in tasks
        ],
        [
            EventEntry(
                id=a.id,
                summary=a.summary,
                at=a.at,
                type=a.type,
                location=a.location,
                body=a.body,
                outcome=a.outcome,
                customer=names.get(a.contact_id or ""),
            )
            for a in events
        ],
        session.now,
    )


def _concerns(contact_id: str | None, contacts: dict[str, Contact], filters: Filters) -> bool:
    """Whether a task or visit passes the contact filters (with none, everything does)."""
    if filters == Filters(archived=filters.archived):
        return True
    return contact_id is not None and contact_id in contacts


def export_everything(session: Session) -> dict[str, Any]:
    """Every record of every kind, archived ones too, for scripts and backups."""
    conn = session.store.conn
    with session.store.read():
        return {
            cls.TABLE: [_json(r) for r in queries.select(conn, cls, include_archived=True)]
            for cls in BY_ENTITY.values()
        }


def export_person(session: Session, reference: str) -> dict[str, Any]:
    """Everything held about one person: the record, what is linked to it and its history."""
    contact = load(session, reference, ("contact",))
    conn = session.store.conn
    with session.store.read():
        linked = related(conn, "contact", contact.id, include_retracted=True)
        company = queries.get(conn, Company, getattr(contact, "company_id", None) or "")
        history = [
            {
                "op": op.op_id,
                "at": op.hlc,
                "by": op.rep,
                "device": op.site_id,
                "kind": op.kind,
                "payload": op.payload,
            }
            for op in ops_of(conn, contact.id)
        ]
    return {
        "contact": _json(contact),
        "company": _json(company) if company else None,
        **{name: [_json(r) for r in records] for name, records in linked._asdict().items()},
        "history": history,
    }


def _json(record: Record) -> dict[str, Any]:
    return {"kind": record.ENTITY, **record.to_dict()}


def write_atomically(path: Path, data: bytes) -> None:
    """Writes an export through a temporary file; one it cannot write is a one-line error."""
    from crm_tui.interchange.files import write_atomically as write_file

    try:
        write_file(path, data)
    except OSError as error:
        raise _unwritable(path, error, "--out") from None


def _unwritable(path: Path, error: OSError, option: str) -> InvalidInput:
    """The message for an export that cannot be written where the user asked."""
    reason = error.strerror or str(error)
    return InvalidInput(f"Cannot write {path} ({reason}); choose another {option}.")
