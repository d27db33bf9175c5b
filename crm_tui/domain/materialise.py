"""Provides how a folded entity becomes a record: the one rule the store and `crm doctor` share."""

from __future__ import annotations

from typing import Any

from crm_tui.domain.hlc import to_iso
from crm_tui.domain.ops import EntityState
from crm_tui.domain.records import (
    BY_ENTITY,
    DERIVED_FIELDS,
    Activity,
    Contract,
    Record,
    Renewal,
    Survey,
)

LOGGED = "logged"
AMENDED = "amended"
RETRACTED = "retracted"
ANSWERED = "answered"
RENEWED = "renewed"
MOVED = "moved"
"""An event moving a logged fact to another record (duplicates merged); not a new version."""
MERGED = "merged"
UNMERGED = "unmerged"


_NAMES: dict[str, frozenset[str]] = {}
"""The fields ops may set, per kind (asked for every record a sync writes)."""


def record_from_state(state: EntityState) -> Record:
    """Builds the current record of an entity from its folded ops."""
    cls = BY_ENTITY[state.entity]
    names = _NAMES.get(cls.ENTITY)
    if names is None:
        names = _NAMES[cls.ENTITY] = _fields_of(cls)
    values: dict[str, Any] = {}
    if cls is Activity:
        values = _activity_values(state)
    elif cls is Survey:
        for event in state.events:
            if event.event_type in (ANSWERED, MOVED):
                values.update(event.payload["fields"])
    else:
        values = state.values()
    kept = {name: value for name, value in values.items() if name in names}
    created = to_iso(state.first_hlc)
    # A record made by one op (most of a sync's) was created and last changed at once.
    updated = created if state.last_hlc == state.first_hlc else to_iso(state.last_hlc)
    return cls(id=state.entity_id, created_at=created, updated_at=updated, **kept)


def _fields_of(cls: type[Record]) -> frozenset[str]:
    """The fields a kind's record takes from its ops."""
    if cls is Activity:
        # Derived from the events, not written by set ops, but the record's all the same.
        return frozenset(cls.FIELDS) - DERIVED_FIELDS | {"versions", "retracted", "flags"}
    return frozenset(cls.FIELDS) - DERIVED_FIELDS


def _activity_values(state: EntityState) -> dict[str, Any]:
    """An activity's current version: the logged fields, then each amendment in clock order."""
    values: dict[str, Any] = {}
    versions = 0
    retracted = False
    flags: list[str] = []
    for event in state.events:
        if event.event_type in (LOGGED, AMENDED):
            values.update(event.payload["fields"])
            versions += 1
        elif event.event_type == MOVED:
            values.update(event.payload["fields"])
        elif event.event_type == RETRACTED:
            retracted = True
        if event.event_type == LOGGED:
            flags = list(event.flags)
    return {**values, "versions": max(versions, 1), "retracted": retracted, "flags": flags}


def activity_versions(state: EntityState) -> list[dict[str, Any]]:
    """Every version of an activity, oldest first, each with when and by whom it was written."""
    current: dict[str, Any] = {}
    versions: list[dict[str, Any]] = []
    for event in state.events:
        if event.event_type in (LOGGED, AMENDED):
            current = {**current, **event.payload["fields"]}
            versions.append(
                {"version": len(versions) + 1, "written_at": to_iso(event.hlc), "by": event.rep}
                | current
            )
        elif event.event_type == RETRACTED:
            versions.append(
                {
                    "version": len(versions) + 1,
                    "written_at": to_iso(event.hlc),
                    "by": event.rep,
                    "retracted": True,
                    "reason": event.payload.get("reason"),
                }
            )
    return versions


def renewals_from_state(state: EntityState) -> list[Renewal]:
    """The renewals recorded on a contract, in the order they happened."""
    if state.entity != Contract.ENTITY:
        return []
    return [
        Renewal(
            id=event.op_id,
            contract_id=state.entity_id,
            renewed_on=event.payload["renewed_on"],
            previous_end=event.payload.get("previous_end"),
            end_on=event.payload.get("end_on"),
            renewal_on=event.payload.get("renewal_on"),
            value=event.payload.get("value"),
        )
        for event in state.events
        if event.event_type == RENEWED
    ]
