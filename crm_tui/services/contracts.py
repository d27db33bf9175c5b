"""Provides contracts with renewal dates, and renewals recorded as they happen."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, NamedTuple

from crm_tui.domain.dates import add_months
from crm_tui.domain.materialise import RENEWED
from crm_tui.domain.records import Contract
from crm_tui.errors import InvalidInput
from crm_tui.services import values as check
from crm_tui.services.references import links, load
from crm_tui.services.session import Session


class ContractInput(NamedTuple):
    """What `crm contract add` takes."""

    who: str
    product: str
    start: str | None = None
    end: str | None = None
    renewal: str | None = None
    value: str | None = None
    currency: str | None = None
    auto_renew: bool = False
    note: str | None = None


def add_contract(session: Session, data: ContractInput) -> Contract:
    """Adds a contract; its renewal date defaults to its end date."""
    currency = check.currency(session, data.currency)
    start = check.day(session, data.start) if data.start else session.today
    end = check.day(session, data.end) if data.end else add_months(start, 12) - timedelta(days=1)
    if end < start:
        raise InvalidInput(f"The contract ends ({end}) before it starts ({start}).")
    renewal = check.day(session, data.renewal) if data.renewal else end
    fields_: dict[str, Any] = {
        "product": check.text(data.product, "A contract's product", required=True),
        "start_on": start.isoformat(),
        "end_on": end.isoformat(),
        "renewal_on": renewal.isoformat(),
        "value": check.amount(data.value, currency),
        "currency": currency,
        "auto_renew": data.auto_renew,
        "note": check.text(data.note, "note"),
        **links(session, who=data.who),
    }
    with session.store.write() as writer:
        return writer.create(Contract, fields_)


def renew_contract(
    session: Session, reference: str, until: str | None = None, value: str | None = None
) -> Contract:
    """Records a renewal: a `renewed` event, and the new end and renewal dates."""
    contract = load(session, reference, ("contract",))
    assert isinstance(contract, Contract)
    old_end = date.fromisoformat(contract.end_on) if contract.end_on else session.today
    new_end = check.day(session, until) if until else _next_end(session, contract, old_end)
    if new_end <= old_end:
        raise InvalidInput(f"The new end {new_end} must be after the current end {old_end}.")
    lead = old_end - date.fromisoformat(contract.renewal_on) if contract.renewal_on else timedelta()
    new_value = check.amount(value, contract.currency or session.config.currency)
    changes: dict[str, Any] = {
        "end_on": new_end.isoformat(),
        "renewal_on": (new_end - lead).isoformat(),
    }
    if new_value is not None:
        changes["value"] = new_value
    with session.store.write() as writer:
        writer.event(
            Contract,
            contract.id,
            RENEWED,
            {
                "renewed_on": session.today.isoformat(),
                "previous_end": contract.end_on,
                "end_on": changes["end_on"],
                "renewal_on": changes["renewal_on"],
                "value": new_value if new_value is not None else contract.value,
            },
        )
        return writer.update(Contract, contract.id, changes)


def _next_end(session: Session, contract: Contract, old_end: date) -> date:
    """The end of one more term as long as the one that ends now (a year when unknown)."""
    from crm_tui.domain.materialise import renewals_from_state
    from crm_tui.domain.ops import fold_entity
    from crm_tui.storage.oplog import ops_of

    # The current term began after the last renewal's previous end, else at the start.
    ops = ops_of(session.store.conn, contract.id)
    renewals = renewals_from_state(fold_entity(Contract.ENTITY, contract.id, ops))
    next_start = old_end + timedelta(days=1)
    if renewals and renewals[-1].previous_end:
        start = date.fromisoformat(renewals[-1].previous_end) + timedelta(days=1)
    elif contract.start_on and not renewals:
        start = date.fromisoformat(contract.start_on)
    else:
        return add_months(next_start, 12) - timedelta(days=1)
    months = (next_start.year - start.year) * 12 + next_start.month - start.month
    if months > 0 and add_months(start, months) == next_start:
        # A term of whole months stays whole months, whatever the lengths of the months.
        return add_months(next_start, months) - timedelta(days=1)
    return old_end + (next_start - start)
