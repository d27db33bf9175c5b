"""Provides the next-actions rules: what a rep should do next, most urgent first, and why.

Each rule turns one kind of record into agenda items with a due date and a reason; the agenda
is every item sorted by due date (overdue first), then by kind and priority.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from datetime import date, timedelta
from typing import NamedTuple

from crm_tui.domain.dates import add_business_days, business_days_between
from crm_tui.domain.money import format_money
from crm_tui.domain.records import Contract, Deal, Inquiry, Invoice, Quote, Record, Task
from crm_tui.domain.scoring import format_points

# Equally due items: people waiting on us first, then money, then the rest.
_KIND_ORDER = {"task": 0, "inquiry": 1, "invoice": 2, "quote": 3, "renewal": 4, "deal": 5}
_PRIORITY_ORDER = {"urgent": 0, "high": 1, "normal": 2, "low": 3}


class NextAction(NamedTuple):
    """One agenda item: what, by when, why, and for whom."""

    kind: str
    due: date
    title: str
    reason: str
    record_id: str
    contact: str | None = None
    contact_id: str | None = None
    company: str | None = None
    priority: str = "normal"
    channel: str | None = None
    """How a cadence step reaches the contact (email, call, task); None for other items."""
    company_id: str | None = None
    score: float | None = None
    """The party's score, on a reach-out suggestion."""

    @property
    def urgency(self) -> tuple[date, int, int]:
        """Due date, then kind, then priority: items alike in these are equally urgent."""
        return (self.due, _KIND_ORDER.get(self.kind, 9), _PRIORITY_ORDER.get(self.priority, 2))

    @property
    def sort_key(self) -> tuple[date, int, int, str]:
        """Due date, then kind, then priority, then title."""
        return (*self.urgency, self.title)

    @property
    def party_id(self) -> str | None:
        """Whose score orders the item among equals: the contact's, else the company's."""
        return self.contact_id or self.company_id


class Party(NamedTuple):
    """Who an item is for: the contact's name and id, and the company's name."""

    contact: str | None = None
    contact_id: str | None = None
    company: str | None = None
    company_id: str | None = None


def days(count: int) -> str:
    """`1 day`, `3 days`."""
    return f"{count} day" + ("" if count == 1 else "s")


def days_phrase(due: date, today: date) -> str:
    """`due today`, `due tomorrow`, `due in 3 days`, `overdue by 2 days`."""
    delta = (due - today).days
    if delta == 0:
        return "due today"
    if delta == 1:
        return "due tomorrow"
    if delta > 1:
        return f"due in {days(delta)}"
    return f"overdue by {days(-delta)}"


def _when(due: date, today: date) -> str:
    delta = (due - today).days
    if delta == 0:
        return "today"
    return f"in {days(delta)}" if delta > 0 else f"{days(-delta)} ago"


def _item(
    kind: str,
    record: Record,
    due: date,
    title: str,
    reason: str,
    party: Party,
    priority: str = "normal",
) -> NextAction:
    return NextAction(
        kind=kind,
        due=due,
        title=title,
        reason=reason,
        record_id=record.id,
        contact=party.contact,
        contact_id=party.contact_id,
        company=party.company,
        priority=priority,
        company_id=party.company_id,
    )


def task_action(task: Task, today: date, party: Party) -> NextAction:
    """An open task: overdue or due soon."""
    due = date.fromisoformat(task.due or today.isoformat())
    reason = days_phrase(due, today)
    if task.priority in ("high", "urgent"):
        reason += f", {task.priority} priority"
    return _item("task", task, due, task.title, reason, party, task.priority)._replace(
        channel=task.channel
    )


def renewal_action(contract: Contract, today: date, party: Party) -> NextAction:
    """A contract whose renewal date is inside its window."""
    due = date.fromisoformat(contract.renewal_on or today.isoformat())
    reason = f"renewal on {due.isoformat()}, {_when(due, today)}"
    if contract.auto_renew:
        reason += " (auto-renews)"
    return _item("renewal", contract, due, f"Renew {contract.product}", reason, party)


def invoice_action(invoice: Invoice, today: date, party: Party) -> NextAction:
    """An unpaid invoice past its due date."""
    due = date.fromisoformat(invoice.due_on or today.isoformat())
    late = (today - due).days
    reason = f"{format_money(invoice.amount, invoice.currency)} unpaid, {days(late)} past due"
    return _item("invoice", invoice, due, f"Collect invoice {invoice.number}", reason, party)


def quote_action(quote: Quote, today: date, party: Party) -> NextAction:
    """A sent quote about to expire (or expired while still sent)."""
    due = date.fromisoformat(quote.valid_until or today.isoformat())
    if due >= today:
        reason = f"expires {_when(due, today)}"
    else:
        reason = f"expired {_when(due, today)}; follow up or mark it expired"
    title = f"Follow up quote {quote.number}" + (f" ({quote.title})" if quote.title else "")
    return _item("quote", quote, due, title, reason, party)


def stale_deal_action(
    deal: Deal, last_touch: date, today: date, stale_days: int, party: Party
) -> NextAction:
    """An open deal nobody has touched for `stale_days`."""
    idle = (today - last_touch).days
    money = format_money(deal.amount, deal.currency)
    reason = f"no activity for {days(idle)} (stage {deal.stage}" + (f", {money})" if money else ")")
    return _item("deal", deal, last_touch + timedelta(days=stale_days), deal.title, reason, party)


def inquiry_action(
    inquiry: Inquiry, since: date, today: date, limit: int, holidays: Container[date], party: Party
) -> NextAction | None:
    """An inquiry waiting on us for more than `limit` business days, else None."""
    waited = business_days_between(since, today, holidays)
    if waited <= limit:
        return None
    due = add_business_days(since, limit, holidays)
    reason = f"waiting on us for {waited} business day" + ("" if waited == 1 else "s")
    if inquiry.priority in ("high", "urgent"):
        reason += f", {inquiry.priority} priority"
    return _item("inquiry", inquiry, due, inquiry.subject, reason, party, inquiry.priority)


def agenda(
    items: Iterable[NextAction], scores: Mapping[str, int] | None = None
) -> list[NextAction]:
    """Sorts items most urgent first; equally urgent ones by the score of whom they are for
    (highest first, `scores` by contact or company id), then by title."""
    if not scores:
        return sorted(items, key=lambda item: item.sort_key)
    return sorted(
        items,
        key=lambda item: (*item.urgency, -scores.get(item.party_id or "", 0), item.title),
    )


def tied(items: Iterable[NextAction]) -> list[NextAction]:
    """The items that share their urgency with another item: only their order needs scores."""
    seen: dict[tuple[date, int, int], list[NextAction]] = {}
    for item in items:
        seen.setdefault(item.urgency, []).append(item)
    return [item for group in seen.values() if len(group) > 1 for item in group]


def reach_out_action(
    lead: Party, lifecycle: str, idle_days: int, score_tenths: int, today: date
) -> NextAction:
    """A suggestion: a well-scored lead or prospect nobody has been in touch with lately."""
    reason = f"{lifecycle}, no activity for {days(idle_days)}, score {format_points(score_tenths)}"
    return NextAction(
        kind="reach_out",
        due=today,
        title=f"Reach out to {lead.contact}",
        reason=reason,
        record_id=lead.contact_id or "",
        contact=lead.contact,
        contact_id=lead.contact_id,
        company=lead.company,
        company_id=lead.company_id,
        score=score_tenths / 10,
    )
