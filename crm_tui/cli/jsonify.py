"""Provides the JSON shapes of `--json` output (documented in docs/json.md; keys are stable)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crm_tui.domain.records import Contact, Record

if TYPE_CHECKING:
    from crm_tui.domain.agenda import NextAction
    from crm_tui.services.quotes import QuoteView
    from crm_tui.services.search import Hit
    from crm_tui.services.show import RecordView


def phone_json(phone: dict[str, Any]) -> dict[str, Any]:
    """A phone: `number` (E.164, or the text as given when not valid), `label`, `valid`."""
    out = {"number": phone.get("number"), "label": phone.get("label"), "valid": phone.get("valid")}
    if phone.get("ext"):
        out["ext"] = phone["ext"]
    return out


def record_json(record: Record, names: dict[str, str | None] | None = None) -> dict[str, Any]:
    """A record's fields, with the names of the company and contact it points at."""
    data = {"kind": record.ENTITY, **record.to_dict()}
    if isinstance(record, Contact):
        data["phones"] = [phone_json(p) for p in record.phones]
    if data.get("phone"):
        data["phone"] = phone_json(data["phone"])
    for key, value in (names or {}).items():
        data[key] = value
    return data


def view_json(view: RecordView) -> dict[str, Any]:
    """`crm show --json`: the record's keys, then `timeline` (newest first) and `conflicts`."""
    data = record_json(view.record, view.names)
    data["timeline"] = [
        {"kind": e.kind, "at": e.at, "summary": e.summary, "id": e.id, **e.detail}
        for e in view.timeline
    ]
    data["conflicts"] = [{"field": c.field, "values": c.values} for c in view.conflicts]
    if view.score is not None:
        data["score"] = view.score / 10
    if view.versions:
        data["versions"] = view.versions
    return data


def action_json(item: NextAction) -> dict[str, Any]:
    """One next action (a reach-out suggestion also has its `score`)."""
    data: dict[str, Any] = {
        "kind": item.kind,
        "due": item.due.isoformat(),
        "title": item.title,
        "reason": item.reason,
        "record_id": item.record_id,
        "contact": item.contact,
        "contact_id": item.contact_id,
        "company": item.company,
        "channel": item.channel,
    }
    if item.score is not None:
        data["score"] = item.score
    return data


def quote_json(view: QuoteView) -> dict[str, Any]:
    """`crm quote show --json`: the quote, its lines and its totals in minor units."""
    from crm_tui.domain.quotes import line_amount

    quote = view.quote
    return {
        **record_json(quote),
        "contact": view.contact.display_name if view.contact else None,
        "company": view.company.name if view.company else None,
        "lines": [
            {
                "position": n,
                "id": line.id,
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "discount": line.discount,
                "tax_rate": line.tax_rate,
                "amount": line_amount(line),
            }
            for n, line in enumerate(view.lines, 1)
        ],
        "by_rate": [r._asdict() for r in view.totals.by_rate],
        "subtotal": view.totals.subtotal,
        "tax": view.totals.tax,
        "total": view.totals.total,
        "currency": quote.currency,
    }


def hit_json(hit: Hit) -> dict[str, Any]:
    """One search hit."""
    return {"kind": hit.kind, "id": hit.id, "label": hit.label, "context": hit.context}
