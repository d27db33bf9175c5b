"""Provides push and pull on the team server: admission of ops, never the merging of values.

The server decides only whether an op may enter (well formed, not stamped too far ahead, not
about an erased person, allowed for its rep) and notes what a device could not know (a visit
logged after its customer was handed over). Values are merged by every replica with the same
fold. Every accepted op is kept, in commit order, as the team's audit trail.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, NamedTuple

from crm_tui.domain import hlc as clock
from crm_tui.domain.ops import EVENT, SET, Op, fold_field
from crm_tui.storage.replica import ERASABLE_WITH_PERSON, links_of
from crm_tui.sync import protocol as p
from crm_tui.sync.server.accounts import Device, now_iso
from crm_tui.sync.server.db import Database
from crm_tui.sync.server.tail import Tail, Version


class Outcome(NamedTuple):
    """What became of one pushed op."""

    op_id: str
    status: str
    reason: str | None = None

    def to_wire(self) -> dict[str, Any]:
        """The op's result as the protocol sends it."""
        data: dict[str, Any] = {"op_id": self.op_id, "status": self.status}
        if self.reason:
            data["reason"] = self.reason
            data["retryable"] = self.reason in p.RETRYABLE
        return data


class _Batch:
    """What a push learns as it admits ops one after another, within its transaction."""

    def __init__(self, db: Database, device: Device, ops: list[Op]) -> None:
        self.db = db
        self.device = device
        ids = sorted({op.entity_id for op in ops} | {i for op in ops for i in links_of(op)})
        self.known = _in(db, "SELECT op_id FROM ops WHERE op_id IN ({})", [o.op_id for o in ops])
        self.erased = _in(db, "SELECT entity_id FROM erased WHERE entity_id IN ({})", ids)
        # A record is of one kind for good: a device cannot apply a visit whose id is a contact's.
        self.kinds: dict[str, str] = dict(
            _rows_in(
                db,
                "SELECT DISTINCT entity_id, entity FROM ops WHERE entity_id IN ({})",
                [op.entity_id for op in ops],
            )
        )
        self.owners = dict(
            _rows_in(db, "SELECT entity_id, owner FROM owners WHERE entity_id IN ({})", ids)
        )
        self.team = {name for (name,) in db.rows("SELECT name FROM reps")}
        # When each customer was last handed away from each rep (by the handover's stamp).
        self.handed_from: dict[tuple[str, str], int] = {}
        for entity_id, from_rep, stamp in _rows_in(
            db, "SELECT entity_id, from_rep, hlc FROM handovers WHERE entity_id IN ({})", ids
        ):
            key = (entity_id, from_rep)
            self.handed_from[key] = max(int(stamp), self.handed_from.get(key, 0))
        self.rows: list[tuple[Any, ...]] = []
        self.owner_changes: dict[str, int] = {}
        """Entities whose owner changed in this batch, with how many owner ops they got."""
        self.owned_before = set(self.owners)
        self.links: list[tuple[str, str, str]] = []
        self.handovers: list[tuple[str, str, str, str, int]] = []
        self.erasures = 0
        self.received_at = now_iso()
        self._shared = (
            f'"rep": {json.dumps(device.rep, ensure_ascii=False)}, '
            f'"received_at": {json.dumps(self.received_at)}'
        )

    def admit(self, op: Op, text: str) -> Outcome:
        """Decides one op and, when it is accepted, queues what it writes."""
        if op.op_id in self.known:
            return Outcome(op.op_id, p.DUP)
        self.known.add(op.op_id)
        targets = links_of(op)
        if op.entity_id in self.erased or targets & self.erased:
            return Outcome(op.op_id, p.REJECTED, p.ERASED)
        if op.site_id != self.device.site_id:
            # Ties between concurrent values break on the site id: a device speaks for itself.
            return Outcome(op.op_id, p.REJECTED, f"{p.INVALID}: another device's site id")
        kind = self.kinds.get(op.entity_id, op.entity)
        if kind != op.entity:
            return Outcome(op.op_id, p.REJECTED, f"{p.INVALID}: {op.entity_id} is a {kind}")
        manager = self.device.role == "manager"
        if op.kind == EVENT and op.event_type == p.PURGED:
            if not manager:
                return Outcome(op.op_id, p.REJECTED, p.FORBIDDEN)
            self._erase(op)
            return Outcome(op.op_id, p.OK)
        ownership = (op.kind == SET and op.field == "owner") or (
            op.kind == EVENT and op.event_type == p.HANDOVER
        )
        if ownership and not manager:
            current = self.owners.get(op.entity_id)
            if current in self.team and current != self.device.rep:
                return Outcome(op.op_id, p.REJECTED, p.FORBIDDEN)
        if (
            op.kind == EVENT
            and op.event_type == p.HANDOVER
            and op.payload.get("to") not in self.team
        ):
            return Outcome(op.op_id, p.REJECTED, p.INVALID)
        if ownership and op.kind == SET and op.payload.get("value") not in self.team:
            # An owner must be someone on the team, or nobody could protect the customer.
            return Outcome(op.op_id, p.REJECTED, f"{p.INVALID}: the owner must be on the team")
        flags = self._flags(op, targets)
        self._queue(op, text, flags)
        self.kinds[op.entity_id] = op.entity
        for target in targets:
            self.links.append((op.entity_id, op.entity, target))
        if ownership and op.kind == SET:
            self.owners[op.entity_id] = str(op.payload.get("value"))
            self.owner_changes[op.entity_id] = self.owner_changes.get(op.entity_id, 0) + 1
        if op.kind == EVENT and op.event_type == p.HANDOVER:
            handed = (op.entity_id, str(op.payload.get("from")))
            self.handovers.append((*handed, str(op.payload["to"]), op.op_id, op.hlc))
            self.handed_from[handed] = max(op.hlc, self.handed_from.get(handed, 0))
        return Outcome(op.op_id, p.OK)

    def _flags(self, op: Op, targets: set[str]) -> list[str]:
        """A visit logged by a rep whose customer was handed away from them meanwhile."""
        if op.kind != EVENT or op.event_type != "logged" or op.entity != "activity":
            return []
        rep = self.device.rep
        for customer in targets:
            handed = self.handed_from.get((customer, rep))
            # Logged after it was handed away (by the clocks), and not handed back since.
            if handed is not None and op.hlc > handed and self.owners.get(customer) != rep:
                return [p.AFTER_HANDOVER]
        return []

    def _queue(self, op: Op, text: str, flags: list[str]) -> None:
        # The op as pulls will send it, but for its seq (known only once inserted): built
        # once here, a pull is a fetch and a join instead of a JSON dump per op per device.
        # Ids, site, kind and entity were checked against plain patterns on the way in, so
        # they need no escaping; the rest is per batch (`_shared`) or JSON already.
        wire = (
            f'"op_id": "{op.op_id}", "site_id": "{op.site_id}", "hlc": {op.hlc}, '
            f'"entity": "{op.entity}", "entity_id": "{op.entity_id}", "kind": "{op.kind}", '
            f'"flags": {json.dumps(flags) if flags else "[]"}, {self._shared}, "payload": {text}'
        )
        self.rows.append(
            (
                op.op_id,
                op.site_id,
                op.hlc,
                op.entity,
                op.entity_id,
                op.kind,
                op.payload.get("field") if op.kind == SET else None,
                text,
                self.device.rep,
                self.device.device_id,
                self.received_at,
                json.dumps(flags) if flags else None,
                wire,
            )
        )

    def _erase(self, op: Op) -> None:
        """Erases a person and the records about them, keeping only that it happened."""
        self.flush()
        person = op.entity_id
        kinds = ", ".join("?" * len(ERASABLE_WITH_PERSON))
        linked = self.db.rows(
            f"SELECT entity_id FROM links WHERE target_id = ? AND entity IN ({kinds})",
            (person, *ERASABLE_WITH_PERSON),
        )
        asked = [i for i in op.payload.get("ids", []) if isinstance(i, str)]
        ids = sorted({person, *asked, *(entity_id for (entity_id,) in linked)})
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for table in ("ops", "owners", "links", "handovers"):
                self.db.execute(f"DELETE FROM {table} WHERE entity_id IN ({marks})", chunk)
            self.db.execute(f"DELETE FROM links WHERE target_id IN ({marks})", chunk)
        self.db.executemany(
            "INSERT INTO erased (entity_id, erased_at, by_rep) VALUES (?, ?, ?) "
            "ON CONFLICT (entity_id) DO NOTHING",
            [(entity_id, now_iso(), self.device.rep) for entity_id in ids],
        )
        self.erased.update(ids)
        self.erasures += 1
        # Every server process's tail of newest ops is dropped when it sees the count move.
        self.db.execute(
            "INSERT INTO server_meta (key, value) VALUES ('erasures', '1') ON CONFLICT (key) "
            "DO UPDATE SET value = CAST(CAST(server_meta.value AS INTEGER) + 1 AS TEXT)"
        )
        record = op._replace(payload={"type": p.PURGED, "ids": ids})
        self._queue(record, json.dumps(record.payload, separators=(",", ":")), [])
        self.flush()

    def flush(self) -> None:
        """Writes the queued ops, in order, and what they change beside the log."""
        inserted = bool(self.rows)
        self.db.executemany(
            "INSERT INTO ops (op_id, site_id, hlc, entity, entity_id, kind, field, payload, rep, "
            "device_id, received_at, flags, wire) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            self.rows,
        )
        self.rows = []
        if inserted:
            # The newest seq ever handed out; unlike max(server_seq) an erasure never lowers it.
            self.db.execute(
                "INSERT INTO server_meta (key, value) "
                "SELECT 'high_water', CAST(max(server_seq) AS TEXT) FROM ops WHERE true "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
            )
        self.db.executemany(
            "INSERT INTO links (entity_id, entity, target_id) VALUES (?, ?, ?) "
            "ON CONFLICT (entity_id, target_id) DO NOTHING",
            self.links,
        )
        self.links = []
        self.db.executemany(
            "INSERT INTO handovers (entity_id, from_rep, to_rep, op_id, hlc) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (op_id) DO NOTHING",
            self.handovers,
        )
        self.handovers = []
        first_owners = []
        for entity_id, count in sorted(self.owner_changes.items()):
            if count == 1 and entity_id not in self.owned_before:
                # A new record's only owner op: the fold would just return its value.
                first_owners.append((entity_id, self.owners[entity_id]))
            else:
                self._fold_owner(entity_id)
        self.db.executemany(
            "INSERT INTO owners (entity_id, owner) VALUES (?, ?) "
            "ON CONFLICT (entity_id) DO UPDATE SET owner = excluded.owner",
            first_owners,
        )
        self.owned_before.update(self.owner_changes)
        self.owner_changes = {}

    def _fold_owner(self, entity_id: str) -> None:
        """The owner as the fold sees it, kept for admitting later ownership changes."""
        ops = [
            Op(op_id, site_id, stamp, entity, entity_id, SET, json.loads(payload))
            for op_id, site_id, stamp, entity, payload in self.db.rows(
                "SELECT op_id, site_id, hlc, entity, payload FROM ops "
                "WHERE entity_id = ? AND field = 'owner'",
                (entity_id,),
            )
        ]
        if ops:
            owner = str(fold_field(ops).value)
            self.owners[entity_id] = owner
            self.db.execute(
                "INSERT INTO owners (entity_id, owner) VALUES (?, ?) "
                "ON CONFLICT (entity_id) DO UPDATE SET owner = excluded.owner",
                (entity_id, owner),
            )


def _in(db: Database, sql: str, values: Sequence[str]) -> set[str]:
    return {row[0] for row in _rows_in(db, sql, values)}


def _rows_in(db: Database, sql: str, values: Sequence[str]) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    unique = sorted(set(values))
    if db.postgres:
        return db.rows_any(sql, unique)
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        found.extend(db.rows(sql.format(", ".join("?" * len(chunk))), chunk))
    return found


def push(
    db: Database,
    device: Device,
    items: list[Any],
    now_ms: int,
    margin_ms: int,
    tail: Tail | None = None,
) -> list[Outcome]:
    """Admits a batch of ops atomically; each is ok, dup or rejected with a reason."""
    results: list[Outcome | None] = [None] * len(items)
    checked: list[tuple[int, Op, str]] = []
    limit = clock.pack(now_ms + margin_ms, (1 << clock.COUNTER_BITS) - 1)
    for index, item in enumerate(items):
        op_id = item.get("op_id") if isinstance(item, dict) else None
        label = op_id if isinstance(op_id, str) else f"#{index}"
        try:
            payload = item.get("payload") if isinstance(item, dict) else None
            text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
            op = p.op_from_wire(item, len(text.encode()))
        except p.InvalidOp as error:
            results[index] = Outcome(label, p.REJECTED, f"{p.INVALID}: {error}")
            continue
        if op.hlc > limit:
            results[index] = Outcome(op.op_id, p.REJECTED, p.CLOCK_AHEAD)
            continue
        checked.append((index, op, text))
    with db.transaction(serialised=True):
        batch = _Batch(db, device, [op for _, op, _ in checked])
        for index, op, text in checked:
            results[index] = batch.admit(op, text)
        batch.flush()
        db.execute(
            "UPDATE devices SET last_sync_at = ?, last_seen_at = ? WHERE device_id = ?",
            (now_iso(), now_iso(), device.device_id),
        )
    if batch.erasures and tail is not None:
        tail.clear()
    if batch.erasures and not db.postgres:
        # The erased rows' old page images live on in the WAL until a checkpoint.
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return [r for r in results if r is not None]


class Page(NamedTuple):
    """A page of ops for a pull: the ops as a JSON array (UTF-8), the next cursor, whether more
    wait."""

    ops_json: bytes
    size: int
    cursor: str
    more: bool


def pull(db: Database, cursor: str | None, limit: int, tail: Tail | None = None) -> Page:
    """The ops after the cursor, in server order; takes no lock (several servers may pull).
    The newest ops come from the `tail` when it holds them, the rest from the store."""
    version = _version(db)
    sent_epoch, after = p.decode_cursor(cursor)
    if sent_epoch is not None and sent_epoch != version.epoch:
        raise ValueError("this cursor was made by another server; sync again from the start")
    seqs: list[int] = []
    wires: list[bytes] = []
    done = after
    held = tail.read(version, after, limit) if tail is not None else None
    if held is not None:
        seqs, wires, done = held
    if len(seqs) < limit:
        # The stored text comes back as its UTF-8 bytes and goes out as they are: a page is
        # a fetch and a join, with no decoding or encoding of the ops on the server.
        rows = db.rows(
            f"SELECT server_seq, {db.utf8('wire')} FROM ops WHERE server_seq > ? "
            "ORDER BY server_seq LIMIT ?",
            (done, limit - len(seqs)),
        )
        read = [seq for seq, _ in rows]
        if db.postgres:
            rows = [(seq, wire.encode()) for seq, wire in rows]
        found = [b'{"server_seq": %d, %b}' % (seq, wire) for seq, wire in rows]
        if tail is not None:
            tail.remember(version, done, read, found, read[-1] if read else done)
        seqs += read
        wires += found
    last = seqs[-1] if seqs else after
    body = b"[" + b",".join(wires) + b"]"
    return Page(body, len(seqs), p.encode_cursor(version.epoch, last), len(seqs) == limit)


def _version(db: Database) -> Version:
    """The store's identity and how many erasures it has had (what a tail depends on)."""
    meta = dict(db.rows("SELECT key, value FROM server_meta WHERE key IN ('epoch', 'erasures')"))
    return Version(str(meta.get("epoch") or ""), int(meta.get("erasures") or 0))


def latest_cursor(db: Database) -> str:
    """The cursor after the newest op: a device whose cursor is further (or from another
    server) is talking to a store restored from a backup, and must send its ops again."""
    return p.encode_cursor(db.meta("epoch") or "", int(db.meta("high_water") or 0))
