"""Provides `crm conflicts` and `crm resolve`: fields whose concurrent values are all kept.

Two devices that changed the same field without seeing each other's change leave two leaves;
the fold shows one and keeps both until a person picks or types the value, written as a new op
that lists every leaf in `pred`.
"""

from __future__ import annotations

import sqlite3
from typing import Any, NamedTuple

from crm_tui.domain.hlc import to_iso
from crm_tui.domain.ops import Op, fold_entity
from crm_tui.domain.records import BY_ENTITY, Record, editable_fields
from crm_tui.errors import Ambiguous, InvalidInput, NotFound
from crm_tui.services.edit import typed_changes
from crm_tui.services.references import load
from crm_tui.services.session import Session
from crm_tui.storage import queries
from crm_tui.storage.oplog import ops_of


class Choice(NamedTuple):
    """One of a conflict's kept values, with who wrote it, on which device, when."""

    value: Any
    rep: str | None
    site_id: str
    at: str
    op_id: str
    label: str | None = None
    """What the value names, when it is a record's id (a contact's company)."""


class FieldConflict(NamedTuple):
    """A field of a record with several kept values; its id is `<record id>:<field>`."""

    id: str
    kind: str
    record_id: str
    label: str
    field: str
    shown: Any
    choices: list[Choice]


def _choice(conn: sqlite3.Connection, leaf: Op) -> Choice:
    value = leaf.payload.get("value")
    label = None
    if str(leaf.payload.get("field")).endswith("_id") and isinstance(value, str):
        row = conn.execute("SELECT label FROM entities WHERE id = ?", (value,)).fetchone()
        label = row[0] if row else None
    return Choice(value, leaf.rep, leaf.site_id, to_iso(leaf.hlc), leaf.op_id, label)


def _conflicts_of(session: Session, entity: str, entity_id: str) -> list[FieldConflict]:
    state = fold_entity(entity, entity_id, ops_of(session.store.conn, entity_id))
    record = queries.get(session.store.conn, BY_ENTITY[entity], entity_id)
    label = record.label if record is not None else entity_id
    return [
        FieldConflict(
            f"{entity_id}:{name}",
            entity,
            entity_id,
            label,
            name,
            value.value,
            [_choice(session.store.conn, leaf) for leaf in value.leaves],
        )
        for name, value in sorted(state.conflicts().items())
    ]


def list_conflicts(session: Session) -> list[FieldConflict]:
    """Every field of every record whose concurrent values are all kept."""
    conn = session.store.conn
    with session.store.read():
        rows = conn.execute(
            "SELECT DISTINCT h.entity_id, e.kind FROM field_heads h "
            "JOIN entities e ON e.id = h.entity_id "
            "GROUP BY h.entity_id, h.field HAVING count(*) > 1 ORDER BY h.entity_id"
        ).fetchall()
        found: list[FieldConflict] = []
        for entity_id, kind in rows:
            found.extend(_conflicts_of(session, kind, entity_id))
    return found


def count_conflicts(session: Session) -> int:
    """How many fields are in conflict now."""
    return len(list_conflicts(session))


def find_conflict(session: Session, reference: str, field: str | None = None) -> FieldConflict:
    """A conflict by its id (`<record>:<field>`), or by a record reference and `--field`."""
    record_part, _, field_part = reference.rpartition(":")
    if record_part and field_part and field is None:
        reference, field = record_part, field_part
    record: Record = load(session, reference, tuple(BY_ENTITY))
    found = [
        c for c in _conflicts_of(session, record.ENTITY, record.id) if field in (None, c.field)
    ]
    if not found:
        what = f" in its {field}" if field else ""
        raise NotFound(f"The {record.ENTITY} {record.label!r} has no conflict{what}.")
    if len(found) > 1:
        raise Ambiguous(
            f"The {record.ENTITY} {record.label!r} has conflicts in "
            f"{', '.join(c.field for c in found)}; say which with --field or its id.",
            [(c.kind, c.id, c.field) for c in found],
        )
    return found[0]


def resolve(
    session: Session, reference: str, pick: int | None, value: str | None, field: str | None = None
) -> FieldConflict:
    """Writes the chosen value (`--pick N`, 1-based, or `--value`) over every kept value."""
    conflict = find_conflict(session, reference, field)
    if (pick is None) == (value is None):
        raise InvalidInput("Say which value to keep: --pick N or --value TEXT.")
    cls = BY_ENTITY[conflict.kind]
    if conflict.field not in editable_fields(cls):
        raise InvalidInput(f"{conflict.field} cannot be set directly.")
    record = queries.get(session.store.conn, cls, conflict.record_id)
    if record is None:
        raise NotFound(f"The {conflict.kind} {conflict.record_id} is not on this device.")
    if pick is not None and not 1 <= pick <= len(conflict.choices):
        raise InvalidInput(f"--pick takes 1 to {len(conflict.choices)} for {conflict.id}.")
    with session.store.write() as writer:
        if pick is not None:
            changes = {conflict.field: conflict.choices[pick - 1].value}
        else:
            # A typed value is checked as `crm edit` checks it: a company by its name, a
            # stage from the list, a phone number parsed.
            changes = typed_changes(session, record, conflict.field, value or "", writer)
        writer.update(cls, conflict.record_id, changes)
    return conflict
