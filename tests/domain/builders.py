"""Provides small builders of ops for the merge-algebra and materialisation tests."""

from __future__ import annotations

from typing import Any

from crm_tui.domain.hlc import pack
from crm_tui.domain.ops import EVENT, SET, Op


def stamp(ms: int, counter: int = 0) -> int:
    """An HLC stamp at `ms` milliseconds with `counter`."""
    return pack(ms, counter)


def set_op(
    op_id: str,
    field: str,
    value: Any,
    *,
    hlc: int,
    site: str = "site-a",
    pred: tuple[str, ...] = (),
    entity: str = "contact",
    entity_id: str = "C1",
    rep: str | None = None,
) -> Op:
    """A set op writing `field` = `value`, having seen the ops in `pred`."""
    payload = {"field": field, "value": value, "pred": list(pred)}
    return Op(op_id, site, hlc, entity, entity_id, SET, payload, rep)


def event_op(
    op_id: str,
    event_type: str,
    *,
    hlc: int,
    site: str = "site-a",
    entity: str = "activity",
    entity_id: str = "A1",
    rep: str | None = None,
    **payload: Any,
) -> Op:
    """An event op of `event_type` with the rest of its payload."""
    return Op(op_id, site, hlc, entity, entity_id, EVENT, {"type": event_type, **payload}, rep)
