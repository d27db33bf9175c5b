"""Provides `crm handover`: customers (and their open work) move to another rep, history stays.

A handover is an event on the customer (who from, who to, a note) and a set op on its owner,
in one transaction; the customer's open deals, tasks, inquiries, quotes, contracts and unpaid
invoices that the previous owner held move with it. Past visits keep their author: history
belongs to the customer, and every device already has it.
"""

from __future__ import annotations

from typing import NamedTuple

from crm_tui.domain.records import (
    Company,
    Contact,
    Contract,
    Deal,
    Inquiry,
    Invoice,
    Quote,
    Record,
    Task,
)
from crm_tui.errors import InvalidInput, Refused
from crm_tui.services.references import load
from crm_tui.services.session import Session
from crm_tui.storage import queries
from crm_tui.storage.oplog import get_meta
from crm_tui.storage.writer import Writer
from crm_tui.sync.protocol import HANDOVER


class HandedOver(NamedTuple):
    """What a handover moved: the customers, and how many open records went with them."""

    customers: list[Record]
    open_records: int
    to: str


def _team(session: Session) -> list[str]:
    known = get_meta(session.store.conn, "team") or ""
    return [name for name in known.split(",") if name]


def _is_manager(session: Session) -> bool:
    role = get_meta(session.store.conn, "team_role")
    return role in (None, "manager")  # a device on its own is its rep's own manager


def handover(
    session: Session,
    reference: str | None,
    to: str,
    note: str | None = None,
    all_of: str | None = None,
) -> HandedOver:
    """Hands one customer, or every customer of a rep (`all_of`, a manager's command), to `to`."""
    to = to.strip()
    team = _team(session)
    if not team and get_meta(session.store.conn, "server_url"):
        # The server would take the owner change but refuse the handover event: an orphan.
        raise InvalidInput("This device does not know the team yet; run `crm sync` first.")
    if team and to not in team:
        raise InvalidInput(
            f"{to!r} is not on the team ({', '.join(team)}); "
            "if they joined since, run `crm sync` first."
        )
    if (reference is None) == (all_of is None):
        raise InvalidInput("Name one customer, or --all-of REP for every customer of a rep.")
    if all_of is not None:
        if not _is_manager(session):
            raise Refused("Handing over all of a rep's customers is a manager's command.")
        customers: list[Record] = [
            *queries.select(
                session.store.conn, Company, equals={"owner": all_of}, include_archived=True
            ),
            *queries.select(
                session.store.conn, Contact, equals={"owner": all_of}, include_archived=True
            ),
        ]
        if not customers:
            raise InvalidInput(f"{all_of} owns no customers on this device.")
    else:
        customers = [load(session, reference or "", ("contact", "company"))]
    pending = [c for c in customers if c.owner != to]
    if not pending:
        # Saying "Handed … to bob" when nothing changed would mislead.
        what = f"{all_of}'s customers are" if all_of else f"{customers[0].label!r} is"
        raise InvalidInput(f"{what} already {to}'s: nothing to hand over.")
    moved = 0
    with session.store.write() as writer:
        for customer in pending:
            moved += _hand_over(session, writer, customer, to, note)
    return HandedOver(pending, moved, to)


def _hand_over(
    session: Session, writer: Writer, customer: Record, to: str, note: str | None
) -> int:
    previous = customer.owner
    if previous != session.rep and not _is_manager(session):
        raise Refused(
            f"{customer.label!r} is {previous}'s customer; only {previous} or a manager can "
            "hand it over."
        )
    payload = {"from": previous, "to": to, "note": note}
    writer.event(type(customer), customer.id, HANDOVER, payload)
    writer.update(type(customer), customer.id, {"owner": to})
    moved = 0
    for record in _open_work(session, customer):
        if record.owner == previous:
            writer.update(type(record), record.id, {"owner": to})
            moved += 1
    return moved


def _open_work(session: Session, customer: Record) -> list[Record]:
    conn = session.store.conn
    link = "company_id" if isinstance(customer, Company) else "contact_id"
    stages = session.config.open_stages
    work: list[Record] = []
    if isinstance(customer, Company):
        work += queries.select(conn, Contact, equals={"company_id": customer.id})
    work += queries.select(
        conn,
        Deal,
        equals={link: customer.id},
        where=[f"stage IN ({', '.join('?' * len(stages))})"],
        params=list(stages),
    )
    work += queries.select(conn, Task, equals={link: customer.id, "status": "open"})
    work += queries.select(
        conn, Inquiry, equals={link: customer.id}, where=["status != 'resolved'"]
    )
    work += queries.select(
        conn, Quote, equals={link: customer.id}, where=["status IN ('draft', 'sent')"]
    )
    work += queries.select(conn, Contract, equals={link: customer.id})
    work += queries.select(conn, Invoice, equals={link: customer.id}, where=["paid_on IS NULL"])
    return work
