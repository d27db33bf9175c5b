"""Provides `crm erase`: a person's data removed here and, at the next syncs, everywhere.

The erasure is an op (`purged`, listing the erased ids and nothing else) that the team server
and every device apply: the contact, and the visits, surveys, inquiries and tasks about them,
disappear with their ops; an op about them that arrives later is refused and dropped.
"""

from __future__ import annotations

from typing import NamedTuple

from crm_tui.domain.records import (
    Activity,
    Contact,
    Contract,
    Deal,
    Enrolment,
    Inquiry,
    Invoice,
    Quote,
    Record,
    Survey,
    Task,
)
from crm_tui.errors import Refused
from crm_tui.services.references import load
from crm_tui.services.session import Session
from crm_tui.storage import queries
from crm_tui.storage.oplog import get_meta
from crm_tui.storage.replica import purge
from crm_tui.sync.protocol import PURGED

ABOUT_THE_PERSON: tuple[type[Record], ...] = (Activity, Survey, Inquiry, Task, Enrolment)
KEPT_WITH_THE_COMPANY: tuple[type[Record], ...] = (Deal, Quote, Contract, Invoice)


class Erased(NamedTuple):
    """Who was erased and how many records went with them."""

    label: str
    ids: list[str]


def erase(session: Session, reference: str) -> Erased:
    """Erases a contact and the records about them (a manager's command once on a team)."""
    role = get_meta(session.store.conn, "team_role")
    if role not in (None, "manager"):
        raise Refused("Erasing a person's data is a manager's command.")
    contact = load(session, reference, ("contact",))
    assert isinstance(contact, Contact)
    conn = session.store.conn
    ids = [contact.id]
    for cls in ABOUT_THE_PERSON:
        ids += [
            r.id
            for r in queries.select(
                conn, cls, equals={"contact_id": contact.id}, include_archived=True
            )
        ]
    with session.store.write() as writer:
        # The company's deals, quotes, contracts and invoices stay; only their link to the
        # person goes, by ordinary edits that every device and the server accept.
        for cls in KEPT_WITH_THE_COMPANY:
            for record in queries.select(
                conn, cls, equals={"contact_id": contact.id}, include_archived=True
            ):
                writer.update(cls, record.id, {"contact_id": None})
        purge(conn, ids, None)
        # Kept only until the server has it (then the erasure removes it too).
        writer.log_event_only(Contact, contact.id, {"type": PURGED, "ids": ids})
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return Erased(contact.label, ids)
