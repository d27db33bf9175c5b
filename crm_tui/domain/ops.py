"""Provides ops, the unit of every change, and the merge algebra that folds them into state.

A *set* op writes one editable field (`field`, `value`, `pred` = the op ids of that field's values
its author saw). A field's *leaves* are its ops that no other op lists in `pred`; the shown value
is the leaf with the greatest `(hlc, site_id)`, and leaves with different values are a conflict.
An *event* op records a fact (a visit logged, an amendment, a retraction, a renewal) and is never
changed. Folding is a pure function of the set of ops: order-free, idempotent, commutative.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

SET = "set"
EVENT = "event"


class Op(NamedTuple):
    """One change: a field set or an event, stamped with its site and hybrid logical clock."""

    op_id: str
    site_id: str
    hlc: int
    entity: str
    entity_id: str
    kind: str
    payload: dict[str, Any]
    rep: str | None = None
    flags: tuple[str, ...] = ()
    """What the team server noted on arrival, e.g. `after_handover` for a visit logged offline
    by a rep whose customer had been handed over meanwhile."""

    @property
    def order(self) -> tuple[int, str, str]:
        """The total order used to pick a winner: clock, then site, then op id."""
        return (self.hlc, self.site_id, self.op_id)

    @property
    def field(self) -> str:
        """The field a set op writes."""
        return str(self.payload["field"])

    @property
    def event_type(self) -> str:
        """The type of an event op (`logged`, `amended`, `retracted`, `renewed`, ...)."""
        return str(self.payload["type"])


class FieldState(NamedTuple):
    """A field after folding: the shown value and, when leaves disagree, every kept value."""

    value: Any
    leaves: tuple[Op, ...]

    @property
    def in_conflict(self) -> bool:
        """True when concurrent leaves hold different values."""
        first = self.leaves[0].payload.get("value")
        return any(leaf.payload.get("value") != first for leaf in self.leaves[1:])

    @property
    def leaf_ids(self) -> list[str]:
        """The op ids a new write of this field must list in `pred`."""
        return sorted(leaf.op_id for leaf in self.leaves)


class EntityState:
    """An entity after folding: field states, events in order, first and last stamps."""

    __slots__ = ("entity", "entity_id", "events", "fields", "first_hlc", "last_hlc")

    def __init__(self, entity: str, entity_id: str) -> None:
        self.entity = entity
        self.entity_id = entity_id
        self.fields: dict[str, FieldState] = {}
        self.events: list[Op] = []
        self.first_hlc = 0
        self.last_hlc = 0

    def value(self, name: str, default: Any = None) -> Any:
        """The shown value of a field, or `default` when it was never set."""
        state = self.fields.get(name)
        return default if state is None else state.value

    def values(self) -> dict[str, Any]:
        """The shown value of every field that was set."""
        return {name: state.value for name, state in self.fields.items()}

    def conflicts(self) -> dict[str, FieldState]:
        """The fields whose concurrent values are both kept."""
        return {name: state for name, state in self.fields.items() if state.in_conflict}


def fold_entity(entity: str, entity_id: str, ops: Iterable[Op]) -> EntityState:
    """Folds every op of one entity into its state."""
    state = EntityState(entity, entity_id)
    if type(ops) is list and len(ops) == 1:
        # A record made by one op (most of a pull's: a logged visit) needs no grouping.
        (op,) = ops
        state.first_hlc = state.last_hlc = op.hlc
        if op.kind == SET:
            state.fields[op.field] = FieldState(op.payload.get("value"), (op,))
        else:
            state.events.append(op)
        return state
    by_field: dict[str, list[Op]] = {}
    seen: set[str] = set()
    stamps: list[int] = []
    for op in ops:
        if op.op_id in seen:
            continue
        seen.add(op.op_id)
        stamps.append(op.hlc)
        if op.kind == SET:
            by_field.setdefault(op.field, []).append(op)
        else:
            state.events.append(op)
    if stamps:
        state.first_hlc, state.last_hlc = min(stamps), max(stamps)
    for name, field_ops in by_field.items():
        state.fields[name] = fold_field(field_ops)
    if len(state.events) > 1:
        state.events.sort(key=lambda op: op.order)
    return state


def fold_field(ops: list[Op]) -> FieldState:
    """Folds the set ops of one field: leaves are ops nobody lists in `pred`."""
    if len(ops) == 1:
        # A field written once (most of a new record's) is its own leaf, whatever its pred.
        return FieldState(value=ops[0].payload.get("value"), leaves=(ops[0],))
    superseded = {pred for op in ops for pred in op.payload.get("pred", ())}
    leaves = sorted((op for op in ops if op.op_id not in superseded), key=lambda op: op.order)
    if not leaves:
        # A cycle of preds cannot be made by honest clients; fall back to the latest op.
        leaves = [max(ops, key=lambda op: op.order)]
    winner = leaves[-1]
    return FieldState(value=winner.payload.get("value"), leaves=tuple(reversed(leaves)))


def fold_all(ops: Iterable[Op]) -> dict[str, EntityState]:
    """Folds a whole op log into entity states keyed by entity id."""
    grouped: dict[str, list[Op]] = {}
    kinds: dict[str, str] = {}
    for op in ops:
        grouped.setdefault(op.entity_id, []).append(op)
        kinds[op.entity_id] = op.entity
    return {eid: fold_entity(kinds[eid], eid, group) for eid, group in grouped.items()}
