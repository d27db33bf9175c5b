"""Provides the human forms of records, listings, quotes and the agenda."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from crm_tui.cli.output import local_time, readable, safe, short_id, table, write
from crm_tui.domain.describe import entry_detail, field_lines
from crm_tui.domain.money import format_money
from crm_tui.domain.records import (
    Company,
    Contact,
    Contract,
    Deal,
    Inquiry,
    Invoice,
    Quote,
    Task,
)

if TYPE_CHECKING:
    from crm_tui.domain.agenda import NextAction
    from crm_tui.services.listing import Listing
    from crm_tui.services.quotes import QuoteView
    from crm_tui.services.show import RecordView


def print_view(view: RecordView, tz: tzinfo | None) -> None:
    """Prints a record, its conflicts and its timeline."""
    record = view.record
    state = " (archived)" if record.archived else ""
    write(f"{record.ENTITY.replace('_', ' ').title()}: {safe(record.label)}{state}")
    lines = [("id", record.id), *field_lines(record, view.names)]
    if view.score is not None:
        from crm_tui.domain.scoring import format_points

        lines.append(("score", f"{format_points(view.score)} (crm score --explain)"))
    lines.append(("created", local_time(record.created_at, tz)))
    lines.append(("updated", local_time(record.updated_at, tz)))
    room = max(len(label) for label, _ in lines) + 2
    for label, text in lines:
        write(f"  {label:<{room}}{safe(text)}")
    for conflict in view.conflicts:
        values = " | ".join(
            f"{safe(readable(v['value']))} ({safe(v['rep'])}, {local_time(v['at'], tz)})"
            for v in conflict.values
        )
        write(f"  CONFLICT {conflict.field}: {values}")
    if view.versions and len(view.versions) > 1:
        write("")
        write("Versions:")
        for version in view.versions:
            what = "retracted" if version.get("retracted") else safe(version.get("summary"))
            write(f"  v{version['version']}  {local_time(version['written_at'], tz)}  {what}")
    if view.timeline:
        write("")
        write("Timeline:")
        table(
            ("WHEN", "KIND", "SUMMARY", "DETAIL", "ID"),
            [
                (local_time(e.at, tz), e.kind, e.summary, entry_detail(e.detail), short_id(e.id))
                for e in view.timeline
            ],
            flexible=2,
        )


def print_listing(kind: str, listing: Listing, scores: dict[str, int] | None = None) -> None:
    """Prints a listing as a table whose columns suit the kind (and a SCORE column when
    sorted by score)."""
    if not listing.records:
        write(f"No {kind}.")
        return
    columns, row = _LISTING[type(listing.records[0])]
    rows = [row(r, listing) for r in listing.records]
    if scores is not None:
        from crm_tui.domain.scoring import format_points

        columns = (*columns, "SCORE")
        rows = [
            (*cells, format_points(scores.get(r.id, 0)))
            for cells, r in zip(rows, listing.records, strict=True)
        ]
    amounts = [
        i for i, name in enumerate(columns) if name in ("AMOUNT", "VALUE", "REVENUE", "SCORE")
    ]
    table(columns, rows, flexible=1, right=amounts)


def _company(record: Any, listing: Listing) -> str:
    return listing.companies.get(getattr(record, "company_id", None) or "", "")


def _contact(record: Any, listing: Listing) -> str:
    return listing.contacts.get(getattr(record, "contact_id", None) or "", "")


def _contact_row(c: Contact, listing: Listing) -> Sequence[object]:
    phone = c.phones[0].get("display") or c.phones[0].get("number") if c.phones else ""
    reading = " ".join(x for x in (c.family_reading, c.given_reading) if x)
    return (
        short_id(c.id),
        c.display_name,
        reading,
        _company(c, listing),
        c.title or "",
        c.emails[0] if c.emails else "",
        phone,
    )


def _company_row(c: Company, listing: Listing) -> Sequence[object]:
    return (
        short_id(c.id),
        c.name,
        c.industry or "",
        c.prefecture or c.region or "",
        format_money(c.annual_revenue, c.revenue_currency),
    )


def _deal_row(d: Deal, listing: Listing) -> Sequence[object]:
    return (
        short_id(d.id),
        d.title,
        d.stage,
        format_money(d.amount, d.currency),
        d.expected_close or "",
        _company(d, listing) or _contact(d, listing),
    )


def _task_row(t: Task, listing: Listing) -> Sequence[object]:
    return (
        short_id(t.id),
        t.title,
        t.due or "",
        t.status,
        t.priority,
        _contact(t, listing) or _company(t, listing),
    )


def _quote_row(q: Quote, listing: Listing) -> Sequence[object]:
    return (
        short_id(q.id),
        q.number,
        q.status,
        q.valid_until or "",
        _contact(q, listing) or _company(q, listing),
    )


def _inquiry_row(i: Inquiry, listing: Listing) -> Sequence[object]:
    return (
        short_id(i.id),
        i.subject,
        i.status,
        i.priority,
        (i.status_since or "")[:10],
        _contact(i, listing) or _company(i, listing),
    )


def _contract_row(c: Contract, listing: Listing) -> Sequence[object]:
    return (
        short_id(c.id),
        c.product,
        c.end_on or "",
        c.renewal_on or "",
        format_money(c.value, c.currency),
        _company(c, listing) or _contact(c, listing),
    )


def _invoice_row(i: Invoice, listing: Listing) -> Sequence[object]:
    return (
        short_id(i.id),
        i.number,
        format_money(i.amount, i.currency),
        i.due_on or "",
        i.paid_on or "unpaid",
        _company(i, listing) or _contact(i, listing),
    )


_LISTING: dict[type, tuple[tuple[str, ...], Any]] = {
    Contact: (("ID", "NAME", "READING", "COMPANY", "TITLE", "EMAIL", "PHONE"), _contact_row),
    Company: (("ID", "NAME", "INDUSTRY", "REGION", "REVENUE"), _company_row),
    Deal: (("ID", "TITLE", "STAGE", "AMOUNT", "CLOSE", "CUSTOMER"), _deal_row),
    Task: (("ID", "TITLE", "DUE", "STATUS", "PRIORITY", "FOR"), _task_row),
    Quote: (("ID", "NUMBER", "STATUS", "VALID UNTIL", "CUSTOMER"), _quote_row),
    Inquiry: (("ID", "SUBJECT", "STATUS", "PRIORITY", "SINCE", "CUSTOMER"), _inquiry_row),
    Contract: (("ID", "PRODUCT", "ENDS", "RENEWAL", "VALUE", "CUSTOMER"), _contract_row),
    Invoice: (("ID", "NUMBER", "AMOUNT", "DUE", "PAID", "CUSTOMER"), _invoice_row),
}


def print_quote(view: QuoteView) -> None:
    """Prints a quote with its lines, subtotal per tax rate, tax and total."""
    from crm_tui.domain.quotes import line_amount

    quote = view.quote
    currency = quote.currency
    customer = view.contact.display_name if view.contact else ""
    if view.company:
        customer = f"{customer} ({view.company.name})" if customer else view.company.name
    write(f"Quote {safe(quote.number)}  [{quote.status}]  {safe(quote.title or '')}".rstrip())
    write(f"  for {safe(customer)}, valid until {quote.valid_until or '-'}, in {currency}")
    write("")
    table(
        ("#", "DESCRIPTION", "QTY", "UNIT PRICE", "DISCOUNT", "TAX", "AMOUNT"),
        [
            (
                n,
                line.description,
                line.quantity,
                format_money(line.unit_price, currency),
                _discount(line.discount, currency),
                f"{line.tax_rate}%",
                format_money(line_amount(line), currency),
            )
            for n, line in enumerate(view.lines, 1)
        ],
        flexible=1,
        right=(0, 2, 3, 4, 5, 6),
    )
    write("")
    totals = view.totals
    rows: list[tuple[str, int, int | None]] = [
        (f"Subtotal {rate.rate}%", rate.subtotal, rate.tax) for rate in totals.by_rate
    ]
    rows += [("Subtotal", totals.subtotal, None), ("Tax", totals.tax, None)]
    rows.append(("Total", totals.total, None))
    label_room = max(len(label) for label, _, _ in rows)
    money_room = max(len(format_money(amount, currency)) for _, amount, _ in rows)
    tax_room = max((len(format_money(t, currency)) for _, _, t in rows if t is not None), default=0)
    for label, amount, tax in rows:
        line = f"  {label:<{label_room}}  {format_money(amount, currency):>{money_room}}"
        if tax is not None:
            line += f"  tax {format_money(tax, currency):>{tax_room}}"
        write(line)


def _discount(discount: str | None, currency: str) -> str:
    if not discount:
        return ""
    return discount if discount.endswith("%") else format_money(int(discount), currency)


def print_agenda(items: Sequence[NextAction]) -> None:
    """Prints next actions, one per line: due date, what, for whom, why; then any suggestions
    of leads to reach out to."""
    due = [item for item in items if item.kind != "reach_out"]
    if not due:
        write("Nothing due. Enjoy the day.")
    table(
        ("DUE", "KIND", "WHAT", "FOR", "WHY"),
        [
            (item.due.isoformat(), item.channel or item.kind, item.title, _party(item), item.reason)
            for item in due
        ],
        flexible=2,
    )
    ideas = [item for item in items if item.kind == "reach_out"]
    if ideas:
        write("\nReach out (leads and prospects with no recent activity, best score first):")
        table(
            ("SCORE", "WHO", "WHY"),
            [(f"{item.score:.1f}", _party(item), item.reason) for item in ideas],
        )


def _party(item: NextAction) -> str:
    if item.contact and item.company:
        return f"{item.contact} ({item.company})"
    return item.contact or item.company or ""
