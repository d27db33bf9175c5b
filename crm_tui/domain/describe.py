"""Provides records described for people: labelled fields and timeline details (CLI and TUI)."""

from __future__ import annotations

from typing import Any

from crm_tui.domain.money import format_money
from crm_tui.domain.records import Record


def field_lines(record: Record, names: dict[str, str | None]) -> list[tuple[str, str]]:
    """The record's non-empty fields, labelled, in a readable order."""
    lines: list[tuple[str, str]] = []
    skip = {"id", "created_at", "updated_at", "archived", "company_id", "contact_id", "deal_id"}
    for key, value in record.to_dict().items():
        if key in skip or value in (None, "", [], False):
            continue
        lines.append((key.replace("_", " "), value_text(key, value, record)))
    for key, value in names.items():
        if value:
            lines.append((key, value))
    return lines


def value_text(key: str, value: Any, record: Record) -> str:
    """One field's value for people: phones with labels, money formatted, lists joined."""
    if key == "phones":
        return ", ".join(
            f"{p.get('display') or p.get('number')} ({p.get('label')})"
            + ("" if p.get("valid") else " unparsed")
            for p in value
        )
    if key == "phone" and isinstance(value, dict):
        return str(value.get("display") or value.get("number"))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if key in ("amount", "value", "annual_revenue", "unit_price"):
        currency = getattr(record, "currency", None) or getattr(record, "revenue_currency", None)
        return format_money(value, currency)
    if value is True:
        return "yes"
    return str(value)


def entry_detail(detail: dict[str, Any]) -> str:
    """A timeline entry's status in a few words: direction, stage, due, amended, retracted."""
    parts = []
    for key in ("direction", "status", "stage", "due", "outcome"):
        value = detail.get(key)
        if value and value != "outbound":
            parts.append(f"{key} {value}" if key in ("due",) else str(value))
    if detail.get("amended"):
        parts.append("amended")
    if "after_handover" in detail.get("flags", ()):
        parts.append("logged after the handover")
    if detail.get("retracted"):
        parts.append("RETRACTED")
    return ", ".join(parts)


def readable(value: Any) -> str:
    """A field's value as people read it: lists joined, mappings as `key value`, no reprs."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        between = "; " if any(isinstance(v, dict) for v in value) else ", "
        return between.join(readable(v) for v in value) or "(none)"
    if isinstance(value, dict):
        return ", ".join(f"{k} {readable(v)}" for k, v in value.items() if v is not None)
    return str(value)
