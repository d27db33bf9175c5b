"""Provides the sync protocol's shared vocabulary: versions, op encoding, cursors, statuses.

Both ends import this module; it needs nothing beyond the standard library and the domain.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
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
# `\Z`, not `$`: `$` also matches before a final newline, letting "ID\n" pass as an id.
_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}\Z")
_SITE = re.compile(r"^[0-9A-Za-z_-]{1,64}\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MAX_PAYLOAD = 64 * 1024
MAX_HLC = 2**63 - 1
MAX_SEQ = 2**63 - 1


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


def valid_site(site_id: object) -> bool:
    """Whether a device's site id has the protocol's form."""
    return isinstance(site_id, str) and _SITE.match(site_id) is not None


_HOLDS: dict[str, dict[str, Callable[[Any], bool]]] = {}


def _holds(hint: Any) -> Callable[[Any], bool]:
    """A test of the JSON values a field annotated `hint` can hold (one flat closure per
    field: the server runs it for every field of every op it admits)."""
    import types
    import typing

    origin, args = typing.get_origin(hint), typing.get_args(hint)
    options = args if origin in (typing.Union, types.UnionType) else (hint,)
    nullable = type(None) in options
    kinds = [o for o in options if o is not type(None)]
    if len(kinds) != 1:
        return lambda value: True
    kind = kinds[0]
    base = typing.get_origin(kind) or kind
    if kind is bool:
        return lambda v: (
            (v is None and nullable) or type(v) is bool or (type(v) is int and v in (0, 1))
        )
    if kind is int:  # SQLite stores 64-bit integers
        return lambda v: (v is None and nullable) or (type(v) is int and -(2**63) <= v < 2**63)
    if kind is str:
        return lambda v: (v is None and nullable) or type(v) is str
    if base is list:
        item = (typing.get_args(kind) or (object,))[0]
        item_type = typing.get_origin(item) or item
        if item_type is object:
            return lambda v: (v is None and nullable) or type(v) is list
        return lambda v: (
            (v is None and nullable) or (type(v) is list and all(type(x) is item_type for x in v))
        )
    if base is dict:
        return lambda v: (v is None and nullable) or type(v) is dict
    return lambda value: True


def _check_value(entity: str, name: object, value: object) -> None:
    """Refuses a value its field cannot hold: every device must be able to apply an op the
    server admits (a number for a name would stop the whole team's syncs). Links and owners,
    which the server also keeps in columns of their own, hold no control characters
    (PostgreSQL cannot store NUL in text)."""
    if not isinstance(name, str):
        return
    holds = _HOLDS.get(entity)
    if holds is None:
        import typing

        cls = BY_ENTITY[entity]
        hints = typing.get_type_hints(cls)
        holds = _HOLDS[entity] = {field: _holds(hints[field]) for field in cls.FIELDS}
    if name in holds and not holds[name](value):
        raise InvalidOp(f"{entity} {name} cannot be {type(value).__name__} {value!r:.40}")
    linked = name == "owner" or name.endswith("_id")
    if linked and isinstance(value, str) and _CONTROL.search(value):
        raise InvalidOp(f"{name} must not contain control characters")


def _check_set(entity: str, payload: dict[str, Any]) -> None:
    if payload.get("field") not in editable_fields(BY_ENTITY[entity]):
        raise InvalidOp(f"{entity} has no editable field {payload.get('field')!r}")
    if "value" not in payload:
        raise InvalidOp("a set op needs a value")
    _check_value(entity, payload["field"], payload["value"])
    pred = payload.get("pred")
    if not isinstance(pred, list) or not all(isinstance(p, str) and _ULID.match(p) for p in pred):
        raise InvalidOp("pred must be a list of op ids")


def _check_event(entity: str, payload: dict[str, Any]) -> None:
    event_type = payload.get("type")
    if not isinstance(event_type, str) or event_type not in EVENT_TYPES.get(entity, frozenset()):
        raise InvalidOp(f"{entity} has no event {event_type!r}")
    fields = payload.get("fields")
    if event_type in ("logged", "amended", "answered") and not isinstance(fields, dict):
        raise InvalidOp(f"a {event_type} event needs its fields")
    if isinstance(fields, dict):
        for name, value in fields.items():
            _check_value(entity, name, value)
    if event_type == "renewed":
        if not isinstance(payload.get("renewed_on"), str):
            raise InvalidOp("a renewal needs the day it was renewed on")
        for name in ("previous_end", "end_on", "renewal_on"):
            if payload.get(name) is not None and not isinstance(payload[name], str):
                raise InvalidOp(f"a renewal's {name} must be a date or null")
        _check_value(entity, "value", payload.get("value"))
    if event_type == HANDOVER:
        to, since = payload.get("to"), payload.get("from")
        if not isinstance(to, str) or _CONTROL.search(to):
            raise InvalidOp("a handover names the rep it goes to")
        if since is not None and (not isinstance(since, str) or _CONTROL.search(since)):
            raise InvalidOp("a handover names the rep it comes from, or none")
    if event_type == PURGED:
        ids = payload.get("ids")
        if not isinstance(ids, list) or not all(isinstance(i, str) and _ULID.match(i) for i in ids):
            raise InvalidOp("an erasure needs the list of ids it erases")


def pulled_from_wire(data: dict[str, Any]) -> tuple[Op, int, str]:
    """Reads an op sent by the server: the op with its rep and flags, its seq and arrival.

    The server checked every op on the way in; this only makes sure the envelope has the
    shape the fold needs (a page of thousands is read per sync)."""
    entity, kind, payload = data["entity"], data["kind"], data["payload"]
    if entity not in BY_ENTITY or kind not in (SET, EVENT) or type(payload) is not dict:
        raise InvalidOp(f"the server sent an op this crm cannot read ({entity!r}, {kind!r})")
    flags = data.get("flags")
    op = Op(
        str(data["op_id"]),
        str(data["site_id"]),
        int(data["hlc"]),
        entity,
        str(data["entity_id"]),
        kind,
        payload,
        data.get("rep"),
        tuple(map(str, flags)) if flags else (),
    )
    return op, int(data["server_seq"]), str(data["received_at"])


_PAYLOAD_KEY = '"payload": '
_NEXT_OP = '},{"server_seq": '


def payload_texts(page: str, count: int) -> list[str | None] | None:
    """Each op's payload text in a pull page as the server lays it out, or None for a page laid
    out otherwise (its payloads are then encoded again).

    The server sends each op as `{"server_seq": N, …, "payload": P}`: the payload last, as the
    compact JSON it stored at admission. In compact JSON a key is followed by `:` alone, and a
    quote inside a string is escaped, so `"payload": ` (with its space) is only ever the key of
    an op, and `},{"server_seq": ` only ever the end of one op and the start of the next."""
    pieces = page.split(_PAYLOAD_KEY)
    if len(pieces) != count + 1:
        return None
    texts: list[str | None] = []
    for index, piece in enumerate(pieces[1:], start=1):
        end = piece.find(_NEXT_OP) if index < count else piece.rfind("}]")
        if end < 2 or piece[0] != "{" or piece[end - 1] != "}":
            return None
        texts.append(piece[:end])
    return texts


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
    if not 0 <= number <= MAX_SEQ or not epoch:
        raise ValueError("not a cursor this server made")
    return epoch, number
