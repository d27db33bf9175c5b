"""Provides the one write path: ops appended to the log and the tables updated, in one transaction.

Nothing else writes the domain tables. A `Writer` exists only inside `Store.write()`, whose
`BEGIN IMMEDIATE … COMMIT` makes the ops, the materialised rows, the finding aids and the
persisted clock one atomic change.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from typing import Any, TypeVar, cast

from crm_tui.domain import hlc
from crm_tui.domain.hlc import to_iso
from crm_tui.domain.ids import new_id
from crm_tui.domain.materialise import record_from_state, renewals_from_state
from crm_tui.domain.ops import EVENT, SET, EntityState, Op, fold_entity
from crm_tui.domain.records import Activity, Contract, Record, default_of, editable_fields
from crm_tui.storage.codec import encode, upsert_sql
from crm_tui.storage.index import dependents, index_record
from crm_tui.storage.oplog import append_ops, get_meta, heads_of, ops_of, set_heads, set_meta
from crm_tui.storage.queries import get

R = TypeVar("R", bound=Record)


class Writer:
    """Turns changes into ops and applies them; one per write transaction."""

    def __init__(self, conn: sqlite3.Connection, rep: str) -> None:
        self.conn = conn
        self.rep = rep
        self.site_id = get_meta(conn, "site_id") or ""
        self._clock = int(get_meta(conn, "hlc", "0") or 0)
        self.ops: list[Op] = []

    def _stamp(self) -> int:
        self._clock = hlc.tick(self._clock, time.time_ns() // 1_000_000)
        return self._clock

    def _op(self, cls: type[Record], entity_id: str, kind: str, payload: dict[str, Any]) -> Op:
        return Op(
            new_id(), self.site_id, self._stamp(), cls.ENTITY, entity_id, kind, payload, self.rep
        )

    def create(self, cls: type[R], values: dict[str, Any]) -> R:
        """Creates a record owned by this rep, with a set op per given field."""
        record_id = new_id()
        wanted = {"owner": self.rep} | values
        self._check_fields(cls, wanted)
        ops = [
            self._op(cls, record_id, SET, {"field": name, "value": value, "pred": []})
            for name, value in wanted.items()
            if value is not None and value != default_of(cls, name)
        ]
        if not ops:
            # A record with only default values still needs one op to exist.
            ops = [self._op(cls, record_id, SET, {"field": "owner", "value": self.rep, "pred": []})]
        self._log(ops)
        set_heads(self.conn, record_id, {op.field: [op.op_id] for op in ops})
        state = fold_entity(cls.ENTITY, record_id, ops)
        return cast(R, self._materialise(record_from_state(state), None, state))

    def update(self, cls: type[R], record_id: str, values: dict[str, Any]) -> R:
        """Sets fields of a record; unchanged fields write nothing, a set resolves a conflict.

        A local set op lists every leaf of its field in `pred` and carries the newest stamp, so
        it becomes the field's only leaf and its shown value: the new row is the old one with
        the changes, with no need to fold the record's whole history.
        """
        self._check_fields(cls, values)
        old = get(self.conn, cls, record_id)
        if old is None:
            raise ValueError(f"no {cls.ENTITY} {record_id} to update")
        heads = heads_of(self.conn, record_id, values)
        ops = [
            self._op(cls, record_id, SET, {"field": name, "value": value, "pred": heads[name]})
            for name, value in values.items()
            if len(heads[name]) > 1 or getattr(old, name) != value
        ]
        if not ops:
            return old
        self._log(ops)
        set_heads(self.conn, record_id, {op.field: [op.op_id] for op in ops})
        changes = {op.field: op.payload["value"] for op in ops}
        new = cls.from_stored(old.to_dict() | changes | {"updated_at": to_iso(ops[-1].hlc)})
        return cast(R, self._materialise(new, old, None))

    def event(
        self,
        cls: type[R],
        record_id: str,
        event_type: str,
        payload: dict[str, Any],
        *,
        first: bool = False,
    ) -> R:
        """Records an immutable event about a record; `first` when it creates the record."""
        op = self._op(cls, record_id, EVENT, {"type": event_type, **payload})
        prior = [] if first else ops_of(self.conn, record_id)
        old = record_from_state(fold_entity(cls.ENTITY, record_id, prior)) if prior else None
        self._log([op])
        state = fold_entity(cls.ENTITY, record_id, [*prior, op])
        return cast(R, self._materialise(record_from_state(state), old, state))

    def _check_fields(self, cls: type[Record], values: dict[str, Any]) -> None:
        unknown = set(values) - set(editable_fields(cls))
        if unknown:
            raise ValueError(f"{cls.__name__} has no editable fields {sorted(unknown)}")

    def _log(self, ops: list[Op]) -> None:
        append_ops(self.conn, ops)
        self.ops.extend(ops)

    def _materialise(self, record: Record, old: Record | None, state: EntityState | None) -> Record:
        """Writes a record's new row and brings what is derived from it up to date."""
        cls = type(record)
        if old is None:
            self.conn.execute(upsert_sql(cls), encode(record))
        else:
            _update_row(self.conn, old, record)
        index_record(self.conn, record, old)
        for dep_cls, dep_id in dependents(self.conn, record, old):
            dependent = get(self.conn, dep_cls, dep_id)
            if dependent is not None:  # sync may bring a quote's lines before the quote
                index_record(self.conn, dependent, dependent)
        if isinstance(record, Activity):
            refresh_last_activity(self.conn, [*_links(old), *_links(record)])
        elif old is None and cls.TABLE in _LINK_COLUMNS:
            # Activities may arrive (by sync) before the record they belong to.
            refresh_last_activity(self.conn, [(cls.TABLE, record.id)])
        if cls is Contract and state is not None:
            self._materialise_renewals(state)
        return record

    def _materialise_renewals(self, state: EntityState) -> None:
        for renewal in renewals_from_state(state):
            self.conn.execute(
                "INSERT OR REPLACE INTO contract_renewals "
                "(id, contract_id, renewed_on, previous_end, end_on, renewal_on, value) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    renewal.id,
                    renewal.contract_id,
                    renewal.renewed_on,
                    renewal.previous_end,
                    renewal.end_on,
                    renewal.renewal_on,
                    renewal.value,
                ),
            )

    def finish(self) -> None:
        """Persists the clock with the ops it stamped (called by `Store.write` before commit)."""
        if self.ops:
            set_meta(self.conn, "hlc", str(self._clock))


_LINK_TABLES = (("contacts", "contact_id"), ("companies", "company_id"), ("deals", "deal_id"))
_LINK_COLUMNS = dict(_LINK_TABLES)


def _update_row(conn: sqlite3.Connection, old: Record, new: Record) -> None:
    """Writes only the columns that changed, so untouched indexes are not rewritten."""
    changed = [
        (name, value)
        for name, before, value in zip(new.FIELDS, encode(old), encode(new), strict=True)
        if before != value
    ]
    if changed:
        assignments = ", ".join(f"{name} = ?" for name, _ in changed)
        conn.execute(
            f"UPDATE {new.TABLE} SET {assignments} WHERE id = ?",
            [*(value for _, value in changed), new.id],
        )


def _links(activity: Record | None) -> list[tuple[str, str]]:
    if not isinstance(activity, Activity):
        return []
    return [
        (table, value)
        for table, column in _LINK_TABLES
        if (value := getattr(activity, column)) is not None
    ]


def refresh_last_activity(conn: sqlite3.Connection, links: Iterable[tuple[str, str]]) -> None:
    """Recomputes the cached time of the latest activity of contacts, companies and deals."""
    for table, record_id in set(links):
        column = _LINK_COLUMNS[table]
        conn.execute(
            f"UPDATE {table} SET last_activity_at = (SELECT max(at) FROM activities "
            f"WHERE {column} = ? AND NOT retracted) WHERE id = ?",
            (record_id, record_id),
        )
