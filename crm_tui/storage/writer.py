"""Provides the one write path: ops appended to the log and the tables updated, in one transaction.

Nothing else writes the domain tables. A `Writer` exists only inside `Store.write()`, whose
`BEGIN IMMEDIATE … COMMIT` makes the ops, the materialised rows, the finding aids and the
persisted clock one atomic change.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar, cast

from crm_tui.domain import hlc
from crm_tui.domain.hlc import to_iso
from crm_tui.domain.ids import new_id, new_ids
from crm_tui.domain.materialise import record_from_state
from crm_tui.domain.ops import EVENT, SET, EntityState, FieldState, Op, fold_entity
from crm_tui.domain.records import Record, default_of, editable_fields
from crm_tui.storage.materialise import write_record
from crm_tui.storage.oplog import (
    COLUMNS,
    append_ops,
    get_meta,
    heads_of,
    ops_of,
    set_heads,
    set_meta,
)
from crm_tui.storage.queries import get
from crm_tui.storage.replica import refold

R = TypeVar("R", bound=Record)


class Writer:
    """Turns changes into ops and applies them; one per write transaction."""

    def __init__(
        self, conn: sqlite3.Connection, rep: str, clock: Callable[[], int] | None = None
    ) -> None:
        self.conn = conn
        self.rep = rep
        self._now_ms = clock or (lambda: time.time_ns() // 1_000_000)
        self.site_id = get_meta(conn, "site_id") or ""
        self._clock = int(get_meta(conn, "hlc", "0") or 0)
        self._clock_moved = False
        self.ops: list[Op] = []

    def _stamp(self) -> int:
        self._clock = hlc.tick(self._clock, self._now_ms())
        return self._clock

    def _op(self, cls: type[Record], entity_id: str, kind: str, payload: dict[str, Any]) -> Op:
        return Op(
            new_id(), self.site_id, self._stamp(), cls.ENTITY, entity_id, kind, payload, self.rep
        )

    def _creation(
        self, cls: type[Record], record_id: str, values: dict[str, Any], fresh: Iterator[str]
    ) -> list[Op]:
        """The set ops that create a record owned by this rep: one per non-default field, with
        op ids taken from `fresh` (made in a batch: one read of the OS's randomness)."""
        wanted = {"owner": self.rep} | values
        self._check_fields(cls, wanted)
        defaults = _defaults(cls)
        now = self._now_ms()
        entity, site, rep = cls.ENTITY, self.site_id, self.rep
        ops = []
        for name, value in wanted.items():
            if value is not None and value != defaults[name]:
                self._clock = hlc.tick(self._clock, now)
                payload = {"field": name, "value": value, "pred": []}
                ops.append(Op(next(fresh), site, self._clock, entity, record_id, SET, payload, rep))
        # A record with only default values still needs one op to exist.
        return ops or [
            self._op(cls, record_id, SET, {"field": "owner", "value": self.rep, "pred": []})
        ]

    def create(self, cls: type[R], values: dict[str, Any]) -> R:
        """Creates a record owned by this rep, with a set op per given field."""
        record_id = new_id()
        ops = self._creation(cls, record_id, values, iter(new_ids(len(values) + 1)))
        self._log(ops)
        set_heads(self.conn, record_id, {op.field: [op.op_id] for op in ops})
        state = created_state(cls.ENTITY, record_id, ops)
        return cast(R, write_record(self.conn, record_from_state(state), None, state))

    def create_many(self, cls: type[Record], items: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Creates many records at once (an import): `(id, values)` pairs, ids from `new_id`.

        The same ops as `create`, appended and materialised with one statement per table.
        """
        from crm_tui.storage.bulk import materialise_new

        if not items:
            return
        # Ascending op ids, so the log's unique index on them grows at its end, not all over.
        fresh = iter(sorted(new_ids(sum(len(values) + 1 for _, values in items))))
        states, made = [], []
        for record_id, values in items:
            ops = self._creation(cls, record_id, values, fresh)
            made += ops
            states.append(created_state(cls.ENTITY, record_id, ops))
        self.conn.executemany(
            _APPEND, [(*op[:6], _set_payload_text(op.payload), op.rep) for op in made]
        )
        self.ops.extend(made)
        materialise_new(self.conn, states)

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
        return cast(R, write_record(self.conn, new, old, None))

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
        return cast(R, write_record(self.conn, record_from_state(state), old, state))

    def _check_fields(self, cls: type[Record], values: dict[str, Any]) -> None:
        unknown = values.keys() - _editable(cls)
        if unknown:
            raise ValueError(f"{cls.__name__} has no editable fields {sorted(unknown)}")

    def log_event_only(self, cls: type[Record], record_id: str, payload: dict[str, Any]) -> Op:
        """Appends an event that changes no table row here (an erasure, already applied)."""
        op = self._op(cls, record_id, EVENT, payload)
        self._log([op])
        return op

    def _log(self, ops: list[Op]) -> None:
        append_ops(self.conn, ops)
        self.ops.extend(ops)

    def observe(self, stamp: int) -> None:
        """Moves the clock past a stamp seen on a pulled op (the HLC receive rule)."""
        self._clock = hlc.receive(self._clock, stamp, self._now_ms())
        self._clock_moved = True

    def restamp_future(self, ceiling: int) -> int:
        """Gives pending ops stamped beyond `ceiling` (a clock that ran fast) new stamps from the
        corrected clock, in their order; returns how many. They never left the device, so no
        one else has seen the old stamps."""
        rows = self.conn.execute(
            "SELECT op_id, entity, entity_id FROM ops WHERE pushed = 0 AND rejected IS NULL "
            "AND hlc > ? ORDER BY seq",
            (ceiling,),
        ).fetchall()
        if not rows:
            return 0
        (highest,) = self.conn.execute(
            "SELECT coalesce(max(hlc), 0) FROM ops WHERE hlc <= ?", (ceiling,)
        ).fetchone()
        self._clock = int(highest)
        self._clock_moved = True
        touched: dict[str, str] = {}
        for op_id, entity, entity_id in rows:
            self.conn.execute("UPDATE ops SET hlc = ? WHERE op_id = ?", (self._stamp(), op_id))
            touched[entity_id] = entity
        refold(self.conn, touched)
        return len(rows)

    def finish(self) -> None:
        """Persists the clock with the ops it stamped (called by `Store.write` before commit)."""
        if self.ops or self._clock_moved:
            set_meta(self.conn, "hlc", str(self._clock))


_EDITABLE: dict[type[Record], frozenset[str]] = {}
_DEFAULTS: dict[type[Record], dict[str, Any]] = {}
_APPEND = (
    f"INSERT OR IGNORE INTO ops ({COLUMNS}, pushed, received_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, 0, NULL)"
)
"""`append_ops` for ops made here with no flags (a creation's set ops)."""
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _editable(cls: type[Record]) -> frozenset[str]:
    names = _EDITABLE.get(cls)
    if names is None:
        names = _EDITABLE[cls] = frozenset(editable_fields(cls))
    return names


def _defaults(cls: type[Record]) -> dict[str, Any]:
    """Each editable field's default, to compare with (never stored: fresh lists are not shared)."""
    found = _DEFAULTS.get(cls)
    if found is None:
        found = _DEFAULTS[cls] = {name: default_of(cls, name) for name in editable_fields(cls)}
    return found


def _set_payload_text(payload: dict[str, Any]) -> str:
    """`payload_text` of a set op with no `pred`, without encoding the same keys every time."""
    return f'{{"field":{_JSON(payload["field"])},"value":{_JSON(payload["value"])},"pred":[]}}'


def created_state(entity: str, entity_id: str, ops: list[Op]) -> EntityState:
    """`fold_entity` of a new record's set ops (one per field, no `pred`, stamps ascending),
    without the general fold's grouping and sorting."""
    state = EntityState(entity, entity_id)
    state.fields = {op.payload["field"]: FieldState(op.payload["value"], (op,)) for op in ops}
    state.first_hlc, state.last_hlc = ops[0].hlc, ops[-1].hlc
    return state
