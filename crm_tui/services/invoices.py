"""Provides invoices: adding them and marking them paid."""

from __future__ import annotations

from typing import Any, NamedTuple

from crm_tui.domain.records import Invoice
from crm_tui.errors import InvalidInput
from crm_tui.services import values as check
from crm_tui.services.references import links, load
from crm_tui.services.session import Session


class InvoiceInput(NamedTuple):
    """What `crm invoice add` takes."""

    who: str
    number: str
    amount: str
    due: str
    currency: str | None = None
    issued: str | None = None
    contract: str | None = None
    note: str | None = None


def add_invoice(session: Session, data: InvoiceInput) -> Invoice:
    """Adds an invoice; its number must not be in use already."""
    currency = check.currency(session, data.currency)
    number = check.text(data.number, "An invoice number", required=True) or ""
    taken = session.store.conn.execute(
        "SELECT 1 FROM record_keys WHERE key = ?", (f"number:{number.upper()}",)
    ).fetchone()
    if taken:
        raise InvalidInput(f"The number {number} is already used; give the invoice another.")
    fields_: dict[str, Any] = {
        "number": number,
        "amount": check.amount(data.amount, currency),
        "currency": currency,
        "due_on": check.due(session, data.due),
        "issued_on": check.due(session, data.issued) if data.issued else session.today.isoformat(),
        "note": check.text(data.note, "note"),
        **links(session, who=data.who),
    }
    if data.contract:
        fields_["contract_id"] = load(session, data.contract, ("contract",)).id
    with session.store.write() as writer:
        return writer.create(Invoice, fields_)


def mark_paid(session: Session, reference: str, on: str | None = None) -> Invoice:
    """Records the day an invoice was paid (today unless told)."""
    invoice = load(session, reference, ("invoice",))
    assert isinstance(invoice, Invoice)
    if invoice.paid_on:
        raise InvalidInput(f"The invoice {invoice.number} was already paid on {invoice.paid_on}.")
    paid = check.due(session, on) if on else session.today.isoformat()
    with session.store.write() as writer:
        return writer.update(Invoice, invoice.id, {"paid_on": paid})
