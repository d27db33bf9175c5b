"""Provides `crm history`: who changed what about a record, when, on which device."""

from __future__ import annotations

from typing import Any, NamedTuple

from crm_tui.domain.hlc import to_iso
from crm_tui.domain.ops import SET
from crm_tui.domain.records import BY_ENTITY
from crm_tui.services.references import load
from crm_tui.services.session import Session
from crm_tui.storage.oplog import COLUMNS, op_from_row


class Change(NamedTuple):
    """One op in a record's history."""

    at: str
    rep: str | None
    site_id: str
    what: str
    field: str | None
    value: Any
    op_id: str
    refused: str | None


def history(session: Session, reference: str, field: str | None = None) -> list[Change]:
    """Every op about a record, oldest first; `field` keeps only that field's changes."""
    record = load(session, reference, tuple(BY_ENTITY))
    conn = session.store.conn
    rows = conn.execute(
        f"SELECT {COLUMNS}, rejected FROM ops WHERE entity_id = ?", (record.id,)
    ).fetchall()
    changes = []
    for row in sorted(rows, key=lambda r: op_from_row(r[:-1]).order):
        op = op_from_row(row[:-1])
        if op.kind == SET:
            if field is not None and op.field != field:
                continue
            what, name, value = "set", op.field, op.payload.get("value")
        else:
            if field is not None:
                continue
            what, name = op.event_type, None
            value = {k: v for k, v in op.payload.items() if k != "type"}
        changes.append(
            Change(to_iso(op.hlc), op.rep, op.site_id, what, name, value, op.op_id, row[-1])
        )
    return changes
