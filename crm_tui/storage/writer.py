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
from crm_tui.domain.ids import new_id
from crm_tui.domain.materialise import record_from_state, renewals_from_state
from crm_tui.domain.ops import EVENT, SET, EntityState, Op, fold_entity
from crm_tui.domain.records import Activity, Contract, Record, default_of, editable_fields
from crm_tui.storage.codec import encode, upsert_sql
from crm_tui.storage.index import dependents, index_record
from crm_tui.storage.oplog import append_ops, get_meta, ops_of, set_meta

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
        # A record with only default values still needs one op to exist.
        if not ops:
            # A record with only default values still needs one op to exist.
            ops = [self._op(cls, record_id, SET, {"field": "owner", "value": self.rep, "pred": []})]
        return self._apply(cls, record_id, ops, prior=[])

    def update(self, cls: type[R], record_id: str, values: dict[str, Any]) -> R:
        """Sets fields of a record; unchanged fields write nothing, a set resolves a conflict."""
        self._check_fields(cls, values)
        prior = ops_of(self.conn, record_id)
        state = fold_entity(cls.ENTITY, record_id, prior)
        ops = []
        for name, value in values.items():
            current = state.fields.get(name)
            if current is not None and not current.in_conflict and current.value == value:
                continue
            pred = current.leaf_ids if current is not None else []
            ops.append(self._op(cls, record_id, SET, {"field": name, "value": value, "pred": pred}))
        return self._apply(cls, record_id, ops, prior=prior)

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
        return self._apply(cls, record_id, [op], prior=prior)

    def _check_fields(self, cls: type[Record], values: dict[str, Any]) -> None:
        unknown = set(values) - set(editable_fields(cls))
        if unknown:
            raise ValueError(f"{cls.__name__} has no editable fields {sorted(unknown)}")

    def _apply(self, cls: type[R], record_id: str, ops: list[Op], prior: list[Op]) -> R:
        if ops:
            append_ops(self.conn, ops)
            self.ops.extend(ops)
        state = fold_entity(cls.ENTITY, record_id, [*prior, *ops])
        if not ops:
            return cast(R, record_from_state(state))
        return cast(R, self._materialise(state, new=not prior))

    def _materialise(self, state: EntityState, *, new: bool) -> Record:
        record = record_from_state(state)
        cls = type(record)
        old_links = None if new or cls is not Activity else _activity_links(self.conn, record.id)
        self.conn.execute(upsert_sql(cls), encode(record))
        index_record(self.conn, record, new=new)
        if not new:
            for dep_cls, dep_id in dependents(self.conn, record):
                index_record(self.conn, _reload(self.conn, dep_cls, dep_id), new=False)
        if isinstance(record, Activity):
            refresh_last_activity(self.conn, [*(old_links or ()), *_links(record)])
        elif new and cls.TABLE in _LINK_COLUMNS:
            # Activities may arrive (by sync) before the record they belong to.
            refresh_last_activity(self.conn, [(cls.TABLE, record.id)])
        if cls is Contract:
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


def _reload(conn: sqlite3.Connection, cls: type[Record], record_id: str) -> Record:
    return record_from_state(fold_entity(cls.ENTITY, record_id, ops_of(conn, record_id)))


_LINK_TABLES = (("contacts", "contact_id"), ("companies", "company_id"), ("deals", "deal_id"))
_LINK_COLUMNS = dict(_LINK_TABLES)


def _links(activity: Activity) -> list[tuple[str, str]]:
    return [
        (table, value)
        for table, column in _LINK_TABLES
        if (value := getattr(activity, column)) is not None
    ]


def _activity_links(conn: sqlite3.Connection, activity_id: str) -> list[tuple[str, str]]:
    row = conn.execute(
        "SELECT contact_id, company_id, deal_id FROM activities WHERE id = ?", (activity_id,)
    ).fetchone()
    if row is None:
        return []
    return [(table, value) for (table, _), value in zip(_LINK_TABLES, row, strict=True) if value]


def refresh_last_activity(conn: sqlite3.Connection, links: Iterable[tuple[str, str]]) -> None:
    """Recomputes the cached time of the latest activity of contacts, companies and deals."""
    for table, record_id in set(links):
        column = _LINK_COLUMNS[table]
        conn.execute(
            f"UPDATE {table} SET last_activity_at = (SELECT max(at) FROM activities "
            f"WHERE {column} = ? AND NOT retracted) WHERE id = ?",
            (record_id, record_id),
        )
