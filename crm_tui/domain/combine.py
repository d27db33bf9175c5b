"""Provides how two versions of one person's contact fields combine into one.

Used when an imported card turns out to be someone already here and when duplicates merge:
emails, phones, tags and card UIDs are united; a field empty on one side takes the other's
value; a field both sides hold keeps the surviving side's value (a card is not newer just for
arriving later); a name the survivor does not know is kept as an alternate; notes that differ
are both kept.
"""

from __future__ import annotations

from typing import Any

from crm_tui.domain.matching import name_of

FILLED = (
    "family_name",
    "given_name",
    "family_reading",
    "given_reading",
    "company_id",
    "department",
    "title",
    "address",
    "source",
)
UNITED = ("emails", "tags", "uids", "alt_names")


def _united(old: list[Any], new: list[Any]) -> list[Any]:
    return old + [item for item in new if item not in old]


def _phones(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    numbers = {p["number"] for p in old}
    return old + [p for p in new if p["number"] not in numbers]


def _note(old: str | None, new: str | None) -> str | None:
    if not new or (old and new in old):
        return old
    return f"{old}\n\n{new}" if old else new


def _names(fields: dict[str, Any]) -> set[str]:
    return {
        name_of(fields.get("display_name")),
        name_of(fields.get("family_name"), fields.get("given_name")),
        name_of(fields.get("given_name"), fields.get("family_name")),
        *(name_of(n) for n in fields.get("alt_names") or []),
    } - {""}


def combine(kept: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """The fields of `kept` that change when `other`'s are folded into it (empty: nothing new)."""
    changes: dict[str, Any] = {}
    if not kept.get("display_name") and other.get("display_name"):
        changes["display_name"] = other["display_name"]
    for name in FILLED:
        if kept.get(name) in (None, "") and other.get(name) not in (None, ""):
            changes[name] = other[name]
    for name in UNITED:
        merged = _united(list(kept.get(name) or []), list(other.get(name) or []))
        if merged != list(kept.get(name) or []):
            changes[name] = merged
    phones = _phones(list(kept.get("phones") or []), list(other.get("phones") or []))
    if phones != list(kept.get("phones") or []):
        changes["phones"] = phones
    note = _note(kept.get("note"), other.get("note"))
    if note != kept.get("note"):
        changes["note"] = note
    shown = other.get("display_name")
    if shown and kept.get("display_name") and name_of(shown) not in _names(kept | changes):
        known = changes.get("alt_names", kept.get("alt_names") or [])
        changes["alt_names"] = _united(known, [shown])
    for flag in ("consent", "opted_out"):
        # An opt-out anywhere wins; consent is only ever added by the person, never dropped.
        if other.get(flag) and not kept.get(flag):
            changes[flag] = True
    return changes
