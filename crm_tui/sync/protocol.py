"""Provides the sync protocol's shared vocabulary: versions, op encoding, cursors, statuses.

Both ends import this module; it needs nothing beyond the standard library and the domain.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from crm_tui.domain.ops import EVENT, SET, Op
from crm_tui.domain.records import BY_ENTITY, editable_fields

PROTOCOL_VERSION = 1
PREFIX = "/sync/v1"
PROTOCOL_HEADER = "Crm-Protocol"
SCHEMA_HEADER = "Crm-Schema"

OK = "ok"
DUP = "dup"
REJECTED = "rejected"

CLOCK_AHEAD = "clock_ahead"
"""Refused for now: stamped further in the future than the server allows. Retried later."""
ERASED = "erased"
"""Refused for good and to be dropped: about a person whose data was erased."""
FORBIDDEN = "forbidden"
"""Refused for good: this rep may not do it (a manager's command)."""
INVALID = "invalid"
"""Refused for good: the op is malformed."""
RETRYABLE = frozenset({CLOCK_AHEAD})

HANDOVER = "handover"
PURGED = "purged"
AFTER_HANDOVER = "after_handover"

EVENT_TYPES: dict[str, frozenset[str]] = {
    "activity": frozenset({"logged", "amended", "retracted"}),
    "survey": frozenset({"answered"}),
    "contract": frozenset({"renewed"}),
    "contact": frozenset({HANDOVER, PURGED}),
    "company": frozenset({HANDOVER}),
}
_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
_SITE = re.compile(r"^[0-9A-Za-z_-]{1,64}$")
MAX_PAYLOAD = 64 * 1024
MAX_HLC = 2**63 - 1


class InvalidOp(ValueError):
    """An op that does not follow the protocol; the message says why."""


def op_to_wire(op: Op) -> dict[str, Any]:
    """An op as a client pushes it."""
    return {
        "op_id": op.op_id,
        "site_id": op.site_id,
        "hlc": op.hlc,
        "entity": op.entity,
        "entity_id": op.entity_id,
        "kind": op.kind,
        "payload": op.payload,
    }


def op_from_wire(data: Any, payload_size: int = 0) -> Op:
    """Checks and reads an op sent by a client (`rep` and `flags` are the server's to set)."""
    if not isinstance(data, dict):
        raise InvalidOp("an op must be a JSON object")
    op_id, site_id, hlc = data.get("op_id"), data.get("site_id"), data.get("hlc")
    entity, entity_id, kind = data.get("entity"), data.get("entity_id"), data.get("kind")
    payload = data.get("payload")
    if not isinstance(op_id, str) or not _ULID.match(op_id):
        raise InvalidOp("op_id must be a ULID")
    if not isinstance(site_id, str) or not _SITE.match(site_id):
        raise InvalidOp("site_id must be 1-64 letters, digits, - or _")
    if not isinstance(hlc, int) or isinstance(hlc, bool) or not 0 <= hlc <= MAX_HLC:
        raise InvalidOp("hlc must be a non-negative 64-bit integer")
    if not isinstance(entity, str) or entity not in BY_ENTITY:
        raise InvalidOp(f"unknown entity {entity!r}")
    if not isinstance(entity_id, str) or not _ULID.match(entity_id):
        raise InvalidOp("entity_id must be a ULID")
    if kind not in (SET, EVENT):
        raise InvalidOp("kind must be set or event")
    if not isinstance(payload, dict):
        raise InvalidOp("payload must be a JSON object")
    if payload_size > MAX_PAYLOAD:
        raise InvalidOp(f"payload larger than {MAX_PAYLOAD} bytes")
    if kind == SET:
        _check_set(entity, payload)
    else:
        _check_event(entity, payload)
    return Op(op_id, site_id, hlc, entity, entity_id, kind, payload)


def _check_set(entity: str, payload: dict[str, Any]) -> None:
    if payload.get("field") not in editable_fields(BY_ENTITY[entity]):
        raise InvalidOp(f"{entity} has no editable field {payload.get('field')!r}")
    if "value" not in payload:
        raise InvalidOp("a set op needs a value")
    pred = payload.get("pred")
    if not isinstance(pred, list) or not all(isinstance(p, str) and _ULID.match(p) for p in pred):
        raise InvalidOp("pred must be a list of op ids")


def _check_event(entity: str, payload: dict[str, Any]) -> None:
    event_type = payload.get("type")
    if event_type not in EVENT_TYPES.get(entity, frozenset()):
        raise InvalidOp(f"{entity} has no event {event_type!r}")
    fields = payload.get("fields")
    if event_type in ("logged", "amended", "answered") and not isinstance(fields, dict):
        raise InvalidOp(f"a {event_type} event needs its fields")
    if event_type == PURGED:
        ids = payload.get("ids")
        if not isinstance(ids, list) or not all(isinstance(i, str) and _ULID.match(i) for i in ids):
            raise InvalidOp("an erasure needs the list of ids it erases")


def pulled_to_wire(op: Op, server_seq: int, received_at: str) -> dict[str, Any]:
    """An op as the server sends it, with what the server added."""
    return {
        **op_to_wire(op),
        "rep": op.rep,
        "flags": list(op.flags),
        "server_seq": server_seq,
        "received_at": received_at,
    }


def pulled_from_wire(data: dict[str, Any]) -> tuple[Op, int, str]:
    """Reads an op sent by the server: the op with its rep and flags, its seq and arrival."""
    op = op_from_wire(data)
    flags = tuple(str(flag) for flag in data.get("flags") or ())
    return (
        op._replace(rep=data.get("rep"), flags=flags),
        int(data["server_seq"]),
        str(data["received_at"]),
    )


def encode_cursor(epoch: str, seq: int) -> str:
    """An opaque cursor: the server's identity and the last server_seq delivered."""
    return base64.urlsafe_b64encode(f"{epoch}:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[str | None, int]:
    """Reads a cursor; an empty one is the beginning. Raises ValueError for a forged one."""
    if not cursor:
        return None, 0
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        epoch, _, seq = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        number = int(seq)
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError("not a cursor this server made") from error
    if number < 0 or not epoch:
        raise ValueError("not a cursor this server made")
    return epoch, number
