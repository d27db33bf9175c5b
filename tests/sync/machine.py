"""Provides the convergence state machine: devices, one real team server, and what must hold."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple, cast

import hypothesis.strategies as st
from hypothesis import event
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import crm_tui.services.sync as sync_service
import crm_tui.sync.client as client_module
from crm_tui.domain.hlc import to_iso, unpack
from crm_tui.domain.materialise import AMENDED, LOGGED, RETRACTED
from crm_tui.domain.ops import EVENT, SET, Op
from crm_tui.domain.records import BY_ENTITY, LIFECYCLES, RECORD_TYPES, Activity
from crm_tui.errors import InvalidInput, Refused, SyncError
from crm_tui.services import activities, conflicts, quotes, records
from crm_tui.services import handover as handovers
from crm_tui.services.edit import EditInput, edit_record
from crm_tui.services.session import Session
from crm_tui.services.show import show_record
from crm_tui.services.sync import SyncReport, sync_now
from crm_tui.storage import queries
from crm_tui.storage.doctor import check_store
from crm_tui.storage.oplog import COLUMNS, OpRow, get_meta, op_from_row
from crm_tui.storage.replica import apply_pulled, drop, refuse
from crm_tui.sync import protocol as p
from crm_tui.sync.client import PullReply, PushReply, SyncClient
from tests.sync.conftest import Device, Server

MARGIN_S = 300
"""The clock margin the test servers run with (seconds an op may be stamped ahead)."""
MARGIN_MS = MARGIN_S * 1000
DAY_MS = 24 * 3600 * 1000
REPS = ("mgr", "alice", "bob", "carol", "dave", "erin")
"""The team's reps; the first is the manager."""
CLOCKS = (-DAY_MS, -3_600_000, -90_000, 0, 0, 45_000, MARGIN_MS - 1000, MARGIN_MS)
"""How far a device's clock may be off: up to a day behind, up to the allowed margin ahead."""

TITLES = ("部長", "課長", "Manager", "CEO")
NOTES = ("met at the expo", "call back in May", "prefers email", "名刺交換済み")
TAGS = ("vip", "kansai", "trial", "renewal")
PHONES = ("03-1234-5678", "090-1111-2222", "+81 6 1234 5678")
INDUSTRIES = ("steel", "retail", "IT")
DEPARTMENTS = ("営業部", "Purchasing")
FREE_TEXT = frozenset({"title", "note", "department", "industry"})
"""Fields whose conflicts the machine resolves with a typed value."""


def _change(**values: st.SearchStrategy[Any]) -> st.SearchStrategy[EditInput]:
    """An edit of the given options only (`st.builds` would fill in every other option)."""
    return st.fixed_dictionaries(values).map(lambda given: EditInput(**given))


def _tags(most: int) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(TAGS), min_size=1, max_size=most, unique=True)


# Titles and notes come up most, so that concurrent edits of one field are common.
CONTACT_EDITS: st.SearchStrategy[EditInput] = st.one_of(
    _change(title=st.sampled_from(TITLES)),
    _change(title=st.sampled_from(TITLES)),
    _change(title=st.sampled_from(TITLES)),
    _change(note=st.sampled_from(NOTES)),
    _change(note=st.sampled_from(NOTES)),
    _change(lifecycle=st.sampled_from(LIFECYCLES)),
    _change(tags=_tags(2)),
    _change(add_tags=_tags(1)),
    _change(remove_tags=_tags(1)),
    _change(phones=st.lists(st.sampled_from(PHONES), min_size=1, max_size=2, unique=True)),
    _change(department=st.sampled_from(DEPARTMENTS)),
    _change(title=st.sampled_from(TITLES), note=st.sampled_from(NOTES)),
    _change(owner=st.sampled_from(REPS)),
    _change(owner=st.sampled_from(REPS)),
)
COMPANY_EDITS: st.SearchStrategy[EditInput] = st.one_of(
    _change(note=st.sampled_from(NOTES)),
    _change(note=st.sampled_from(NOTES)),
    _change(industry=st.sampled_from(INDUSTRIES)),
    _change(tags=_tags(2)),
    _change(phones=st.lists(st.sampled_from(PHONES), min_size=1, max_size=1)),
    _change(owner=st.sampled_from(REPS)),
)
DEVICE = st.integers(0, 5)
PICK = st.integers(0, 30)


class ConvergenceError(AssertionError):
    """What the convergence checks raise: replicas disagree, or an edit or event went missing."""


def expect(condition: object, message: str) -> None:
    """Fails the example with `message` unless `condition` holds."""
    if not condition:
        raise ConvergenceError(message)


class Cut(SyncError):
    """The connection dropped, as the test arranged."""


class Plan(NamedTuple):
    """Where a sync's connection drops: after `pushes` push requests (the next one never
    arrives, or with `lose_reply` arrives and its answer is lost), or after `pulls` pages."""

    pushes: int | None = None
    lose_reply: bool = False
    pulls: int | None = None


class Traffic:
    """What the server said to every device in one example."""

    def __init__(self) -> None:
        self.acked: set[str] = set()
        self.refused: dict[str, str] = {}
        self.cursors: list[str | None] = [None]

    def pushed(self, results: Sequence[dict[str, Any]]) -> None:
        """Notes a push's results: ok and dup are acknowledgements."""
        for result in results:
            if result.get("status") in (p.OK, p.DUP):
                self.acked.add(str(result["op_id"]))
            elif result.get("reason") not in p.RETRYABLE:
                self.refused[str(result["op_id"])] = str(result.get("reason"))


def recording_client(traffic: Traffic, plan: Plan) -> type[SyncClient]:
    """A `SyncClient` that notes what the server answers and drops the connection as planned."""
    calls = {"push": 0, "pull": 0}

    class Recording(SyncClient):
        def push(self, ops: Sequence[Op]) -> PushReply:
            if plan.pushes is not None and calls["push"] >= plan.pushes and not plan.lose_reply:
                raise Cut("connection dropped before the push")
            reply = super().push(ops)
            traffic.pushed(reply.results)
            calls["push"] += 1
            if plan.pushes is not None and plan.lose_reply and calls["push"] > plan.pushes:
                raise Cut("connection dropped before the push's answer arrived")
            return reply

        def pull(self, cursor: str | None, limit: int) -> PullReply:
            if plan.pulls is not None and calls["pull"] >= plan.pulls:
                raise Cut("connection dropped during the pull")
            calls["pull"] += 1
            reply = super().pull(cursor, limit)
            traffic.cursors.append(reply.cursor)
            return reply

    return Recording


@contextmanager
def patched_sync(
    traffic: Traffic,
    plan: Plan = Plan(),
    push_batch: int | None = None,
    pull_page: int | None = None,
) -> Iterator[None]:
    """Makes `crm sync` use a recording client and, when given, smaller batches and pages."""
    saved = (client_module.SyncClient, sync_service.PUSH_BATCH, sync_service.PULL_PAGE)
    client_module.SyncClient = recording_client(traffic, plan)  # type: ignore[misc]
    sync_service.PUSH_BATCH = push_batch or saved[1]
    sync_service.PULL_PAGE = pull_page or saved[2]
    try:
        yield
    finally:
        client_module.SyncClient, sync_service.PUSH_BATCH, sync_service.PULL_PAGE = saved  # type: ignore[misc]


def record_push(session: Session, results: Sequence[dict[str, Any]]) -> None:
    """Records a push's results in the store, as `crm sync` does."""
    conn = session.store.conn
    accepted: list[str] = []
    gone: list[str] = []
    refusals: list[tuple[str, str]] = []
    for result in results:
        status, reason = result.get("status"), result.get("reason")
        if status in (p.OK, p.DUP):
            accepted.append(str(result["op_id"]))
        elif reason in p.RETRYABLE:
            continue
        elif reason == p.ERASED:
            gone.append(str(result["op_id"]))
        else:
            refusals.append((str(result.get("op_id")), str(reason or "refused")))
    with session.store.write():
        conn.executemany("UPDATE ops SET pushed = 1 WHERE op_id = ?", [(i,) for i in accepted])
        drop(conn, gone)
        refuse(conn, refusals)


def ops_where(conn: Any, where: str, params: Sequence[Any] = ()) -> list[Op]:
    """The ops of a store's log that match a condition, in local order."""
    rows = conn.execute(f"SELECT {COLUMNS} FROM ops WHERE {where} ORDER BY seq", tuple(params))
    return [op_from_row(row) for row in rows]


def server_ops(server: Server) -> list[Op]:
    """Every op the server keeps, in its order."""
    rows = server.db.rows(
        "SELECT op_id, site_id, hlc, entity, entity_id, kind, payload, rep, flags FROM ops "
        "ORDER BY server_seq"
    )
    return [op_from_row(cast(OpRow, tuple(row))) for row in rows]


def server_received(server: Server) -> list[tuple[str, int, str]]:
    """Every op on the server with its stamp and when the server received it."""
    rows = server.db.rows("SELECT op_id, hlc, received_at FROM ops ORDER BY server_seq")
    return [(str(op_id), int(stamp), str(received)) for op_id, stamp, received in rows]


def iso_ms(text: str) -> int:
    """Milliseconds since the epoch of an ISO 8601 instant."""
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def stamp_ms(stamp: int) -> int:
    """The wall-clock milliseconds of a stamp."""
    return unpack(stamp)[0]


def dump_store(conn: Any) -> dict[str, list[tuple[Any, ...]]]:
    """A store's materialised state: every domain table, every column, and the kept leaves."""
    state: dict[str, list[tuple[Any, ...]]] = {}
    for cls in RECORD_TYPES:
        state[cls.TABLE] = conn.execute(f"SELECT * FROM {cls.TABLE} ORDER BY id").fetchall()
    queries_by_table = {
        "contract_renewals": "SELECT * FROM contract_renewals ORDER BY id",
        "field_heads": "SELECT * FROM field_heads ORDER BY entity_id, field, op_id",
        "entities": "SELECT id, kind, label, name_key, archived FROM entities ORDER BY id",
        "record_keys": "SELECT key, record_id FROM record_keys ORDER BY key, record_id",
    }
    for table, sql in queries_by_table.items():
        state[table] = conn.execute(sql).fetchall()
    # Search documents exactly: a quote's lists its lines by position wherever they arrived.
    state["search"] = conn.execute(
        "SELECT e.id, s.kind, s.name, s.body FROM search s JOIN entities e ON e.n = s.rowid "
        "ORDER BY e.id"
    ).fetchall()
    return state


def log_of(conn: Any) -> dict[str, tuple[Any, ...]]:
    """The ops of a store's log that count, as the server would list them."""
    return {op.op_id: _comparable(op) for op in ops_where(conn, "rejected IS NULL")}


def _comparable(op: Op) -> tuple[Any, ...]:
    payload = json.dumps(op.payload, sort_keys=True, ensure_ascii=False)
    return (op.site_id, op.hlc, op.entity, op.entity_id, op.kind, payload, op.rep, op.flags)


def compare_dumps(
    name: str, have: dict[str, list[tuple[Any, ...]]], want: dict[str, list[tuple[Any, ...]]]
) -> None:
    """Fails, naming the first differing rows, unless two dumps are equal."""
    for table, rows in want.items():
        if have[table] == rows:
            continue
        extra = [row for row in have[table] if row not in rows]
        missing = [row for row in rows if row not in have[table]]
        raise ConvergenceError(
            f"{name}: table {table} differs from a fresh device bootstrapped from the server; "
            f"only here: {extra[:3]}; only on the fresh device: {missing[:3]}"
        )


class FieldTruth(NamedTuple):
    """What the design says a field is, worked out from the server's ops alone."""

    leaves: frozenset[str]
    value: Any


def field_truths(ops: Sequence[Op]) -> dict[tuple[str, str], FieldTruth]:
    """Each field's leaves (ops no op lists in `pred`) and its shown value (the leaf with the
    greatest `(hlc, site_id)`), written out here independently of the code under test."""
    by_field: dict[tuple[str, str], list[Op]] = {}
    for op in ops:
        if op.kind == SET:
            by_field.setdefault((op.entity_id, op.field), []).append(op)
    truths = {}
    for key, field_ops in by_field.items():
        superseded = {pred for op in field_ops for pred in op.payload.get("pred", [])}
        leaves = [op for op in field_ops if op.op_id not in superseded]
        expect(leaves, f"{key}: every op of the field is superseded (a cycle of preds)")
        winner = max(leaves, key=lambda op: (op.hlc, op.site_id, op.op_id))
        truths[key] = FieldTruth(frozenset(op.op_id for op in leaves), winner.payload.get("value"))
    return truths


def activity_truths(ops: Sequence[Op]) -> dict[str, dict[str, Any]]:
    """Each activity as its events say: logged fields, then amendments in clock order."""
    events: dict[str, list[Op]] = {}
    for op in ops:
        if op.kind == EVENT and op.entity == Activity.ENTITY:
            events.setdefault(op.entity_id, []).append(op)
    truths = {}
    for activity_id, found in events.items():
        values: dict[str, Any] = {"versions": 0, "retracted": False, "flags": []}
        for op in sorted(found, key=lambda op: (op.hlc, op.site_id, op.op_id)):
            kind = op.payload["type"]
            if kind in (LOGGED, AMENDED):
                values.update(op.payload["fields"])
                values["versions"] += 1
            if kind == RETRACTED:
                values["retracted"] = True
            if kind == LOGGED:
                values["flags"] = list(op.flags)
        values["versions"] = max(values["versions"], 1)
        truths[activity_id] = values
    return truths


class ConvergenceMachine(RuleBasedStateMachine):
    """Devices editing, logging and handing over customers, syncing in every way a network allows,
    against one real team server; after quiescing, every replica must be the same and right."""

    def __init__(self, server: Server, workdir: Path) -> None:
        super().__init__()
        self.server = server
        self.folder = Path(tempfile.mkdtemp(dir=workdir))
        self.devices: list[Device] = []
        self.reps: list[str] = []
        self.offsets: list[int] = []
        self.traffic = Traffic()
        self.written: set[str] = set()
        """Every op made on a device (the server must end up with all it did not refuse)."""
        self.logged: dict[str, int] = {}
        self.made = 0
        self.dirty: set[int] = set()
        self.bootstrap_page = 2000

    # --- helpers -------------------------------------------------------------------------

    def _device(self, index: int) -> tuple[int, Session]:
        i = index % len(self.devices)
        self.dirty.add(i)
        return i, self.devices[i].session

    def _name(self, prefix: str) -> str:
        self.made += 1
        return f"{prefix} {self.made}"

    def _ids(self, session: Session, table: str, where: str = "1") -> list[str]:
        rows = session.store.conn.execute(f"SELECT id FROM {table} WHERE {where} ORDER BY id")
        return [rid for (rid,) in rows]

    def _do(
        self,
        i: int,
        action: Callable[[Session], object],
        allowed: tuple[type[Exception], ...] = (),
    ) -> bool:
        """Runs a use case on a device and notes the ops it wrote; False if it was refused."""
        conn = self.devices[i].session.store.conn
        (before,) = conn.execute("SELECT coalesce(max(seq), 0) FROM ops").fetchone()
        try:
            action(self.devices[i].session)
        except allowed:
            (after,) = conn.execute("SELECT coalesce(max(seq), 0) FROM ops").fetchone()
            expect(after == before, "a refused command still wrote ops")
            return False
        rows = conn.execute(
            f"SELECT seq, {COLUMNS} FROM ops WHERE seq > ? ORDER BY seq", (before,)
        ).fetchall()
        latest: dict[tuple[str, str, str], Op] = {}
        for row in rows:
            op = op_from_row(row[1:])
            self.written.add(op.op_id)
            if op.kind == EVENT:
                if op.payload["type"] == LOGGED:
                    self.logged[op.entity_id] = i
                continue
            known = frozenset(
                other.op_id
                for other in ops_where(
                    conn,
                    "entity_id = ? AND kind = 'set' AND seq < ? AND rejected IS NULL",
                    (op.entity_id, row[0]),
                )
                if other.field == op.field
            )
            # An edit replaces only values its author had: nothing is dropped unseen.
            pred = set(op.payload.get("pred", []))
            expect(
                pred <= known,
                f"device {i} wrote {op.entity_id} {op.field} over ops it never had: "
                f"{sorted(pred - known)}",
            )
            latest[(op.entity, op.entity_id, op.field)] = op
        for (entity, entity_id, name), op in latest.items():
            # A local write is its field's only leaf and its shown value, at once.
            heads = conn.execute(
                "SELECT op_id FROM field_heads WHERE entity_id = ? AND field = ?",
                (entity_id, name),
            ).fetchall()
            record = queries.get(conn, BY_ENTITY[entity], entity_id)
            shown = getattr(record, name, None)
            expect(
                heads == [(op.op_id,)] and shown == op.payload["value"],
                f"device {i}: after writing {entity} {entity_id} {name}={op.payload['value']!r} "
                f"it shows {shown!r} with leaves {heads}",
            )
        return True

    def _client(self, i: int) -> SyncClient:
        conn = self.devices[i].session.store.conn
        cls = recording_client(self.traffic, Plan())
        return cls(get_meta(conn, "server_url") or "", get_meta(conn, "token"))

    def _sync(
        self,
        i: int,
        plan: Plan = Plan(),
        push_batch: int | None = None,
        pull_page: int | None = None,
    ) -> SyncReport | None:
        self.dirty.add(i)
        with patched_sync(self.traffic, plan, push_batch, pull_page):
            try:
                return sync_now(self.devices[i].session)
            except Cut:
                return None

    # --- rules ---------------------------------------------------------------------------

    @initialize(
        devices=st.integers(2, 6),
        reps=st.integers(2, 6),
        early=st.lists(st.booleans(), min_size=6, max_size=6),
        shared=st.integers(0, 2),
        bootstrap_page=st.sampled_from([3, 2000]),
    )
    def start(
        self, devices: int, reps: int, early: list[bool], shared: int, bootstrap_page: int
    ) -> None:
        """A fresh team: the server emptied, devices enrolled, some with work from before they
        joined; with `shared`, the first device's customers reach everyone before the rest."""
        self.server.reset()
        self.reps = list(REPS[: min(reps, devices)])
        self.bootstrap_page = bootstrap_page
        for i in range(devices):
            device = Device(self.folder / f"device{i}.db", "me")
            self.devices.append(device)
            self.offsets.append(0)
            if early[i]:
                # Work done before joining becomes the rep's at login.
                self._add_contact(i, records.ContactInput(self._name("Early")))
            rep = self.reps[i % len(self.reps)]
            device.login(self.server, rep, "manager" if rep == REPS[0] else "rep")
            owners = {
                owner
                for (owner,) in device.session.store.conn.execute("SELECT owner FROM contacts")
            }
            expect(owners <= {rep}, f"device {i}: work from before joining is not {rep}'s")
        if shared:
            company = self._name("Kansai Steel")
            self._do(0, lambda s: records.add_company(s, records.CompanyInput(company)))
            for _ in range(shared):
                self._add_contact(0, records.ContactInput(self._name("Ken Sato"), company=company))
            for i in range(devices):
                self._sync(i)

    @rule(device=DEVICE, title=st.sampled_from((None, *TITLES)), company=st.booleans(), pick=PICK)
    def add_contact(self, device: int, title: str | None, company: bool, pick: int) -> None:
        """A rep adds a contact, at one of the companies on their laptop or none."""
        i, session = self._device(device)
        companies = self._ids(session, "companies")
        where = companies[pick % len(companies)] if company and companies else None
        self._add_contact(
            i, records.ContactInput(self._name("Ken Sato"), title=title, company=where)
        )

    def _add_contact(self, i: int, data: records.ContactInput) -> None:
        self._do(i, lambda s: records.add_contact(s, data))

    @rule(device=DEVICE, industry=st.sampled_from((None, *INDUSTRIES)))
    def add_company(self, device: int, industry: str | None) -> None:
        """A rep adds a company."""
        i, _ = self._device(device)
        data = records.CompanyInput(self._name("Kansai Steel"), industry=industry)
        self._do(i, lambda s: records.add_company(s, data))

    @rule(device=DEVICE, pick=PICK, change=CONTACT_EDITS)
    def edit_contact(self, device: int, pick: int, change: EditInput) -> None:
        """A rep edits fields of a contact (a tag to remove may not be there)."""
        i, session = self._device(device)
        ids = self._ids(session, "contacts")
        if ids:
            rid = ids[pick % len(ids)]
            self._do(i, lambda s: edit_record(s, rid, change), (InvalidInput,))

    @rule(device=DEVICE, pick=PICK, change=CONTACT_EDITS)
    def edit_contact_again(self, device: int, pick: int, change: EditInput) -> None:
        """The same as `edit_contact`: a second rule makes edits come up twice as often."""
        self.edit_contact(device, pick, change)

    @rule(
        first=DEVICE,
        second=DEVICE,
        pick=PICK,
        field=st.sampled_from(["title", "note", "lifecycle", "tags"]),
        values=st.lists(st.integers(0, 3), min_size=2, max_size=2, unique=True),
        then=st.sampled_from(["stay offline", "stay offline", "sync", "sync and resolve"]),
        choice=st.integers(1, 3),
        typed=st.booleans(),
    )
    def edit_concurrently(
        self,
        first: int,
        second: int,
        pick: int,
        field: str,
        values: list[int],
        then: str,
        choice: int,
        typed: bool,
    ) -> None:
        """Two reps, each offline, set the same field of a contact both have to different
        values; then maybe, as in the issue's example, the first syncs, the second, the first
        again (both now list the conflict), and the first resolves it."""
        i, session = self._device(first)
        j, other = self._device(second)
        ids = sorted(set(self._ids(session, "contacts")) & set(self._ids(other, "contacts")))
        if i == j or not ids:
            return
        rid = ids[pick % len(ids)]
        choices = {"title": TITLES, "note": NOTES, "lifecycle": LIFECYCLES, "tags": TAGS}[field]
        for device, value in ((i, choices[values[0]]), (j, choices[values[1]])):
            change: dict[str, Any] = {field: [value] if field == "tags" else value}
            self._edit(device, rid, EditInput()._replace(**change))
        if then != "stay offline":
            for device in (i, j, i):
                self.sync(device)
        if then == "sync and resolve":
            self._resolve(i, 0, choice, typed)

    def _edit(self, i: int, rid: str, change: EditInput) -> None:
        self._do(i, lambda s: edit_record(s, rid, change), (InvalidInput,))

    @rule(device=DEVICE, pick=PICK, change=COMPANY_EDITS)
    def edit_company(self, device: int, pick: int, change: EditInput) -> None:
        """A rep edits fields of a company."""
        i, session = self._device(device)
        ids = self._ids(session, "companies")
        if ids:
            rid = ids[pick % len(ids)]
            self._do(i, lambda s: edit_record(s, rid, change), (InvalidInput,))

    @rule(device=DEVICE, pick=PICK, other=PICK)
    def move_contact(self, device: int, pick: int, other: int) -> None:
        """A rep links a contact to another company."""
        i, session = self._device(device)
        contacts, companies = self._ids(session, "contacts"), self._ids(session, "companies")
        if contacts and companies:
            change = EditInput(company=companies[other % len(companies)])
            rid = contacts[pick % len(contacts)]
            self._do(i, lambda s: edit_record(s, rid, change))

    @rule(
        device=DEVICE,
        table=st.sampled_from(["contacts", "companies"]),
        pick=PICK,
        archived=st.booleans(),
    )
    def archive(self, device: int, table: str, pick: int, archived: bool) -> None:
        """A rep archives or unarchives a customer (refused when it already is so)."""
        i, session = self._device(device)
        ids = self._ids(session, table)
        if ids:
            rid = ids[pick % len(ids)]
            self._do(i, lambda s: records.set_archived(s, rid, archived), (InvalidInput,))

    @rule(
        device=DEVICE,
        table=st.sampled_from(["contacts", "companies"]),
        pick=PICK,
        kind=st.sampled_from(["visit", "call", "meeting", "note"]),
        follow_up=st.booleans(),
    )
    def log(self, device: int, table: str, pick: int, kind: str, follow_up: bool) -> None:
        """A rep logs a visit, call, meeting or note about a customer, maybe with a follow-up."""
        i, session = self._device(device)
        ids = self._ids(session, table)
        if ids:
            data = activities.LogInput(
                kind,
                ids[pick % len(ids)],
                self._name(kind),
                next="Send the quote" if follow_up else None,
            )
            self._log(i, data)

    @rule(
        device=DEVICE,
        pick=PICK,
        action=st.sampled_from(["new", "line", "remove line", "send", "back to draft"]),
    )
    def quote(self, device: int, pick: int, action: str) -> None:
        """A rep starts a quote for a customer (with a line), adds or removes a line of a draft,
        or sends a quote or takes it back to draft (refused when it is not a draft, ...)."""
        i, session = self._device(device)
        if action == "new":
            customers = self._ids(session, "contacts") + self._ids(session, "companies")
            if customers:
                self._new_quote(i, customers[pick % len(customers)])
            return
        ids = self._ids(session, "quotes")
        if not ids:
            return
        qid = ids[pick % len(ids)]
        line = quotes.LineInput(self._name("Steel beams"), "2", "15000")
        act: Callable[[Session], object] = {
            "line": lambda s: quotes.add_line(s, qid, line),
            "remove line": lambda s: quotes.remove_line(s, qid, 1),
            "send": lambda s: quotes.set_quote_status(s, qid, "sent"),
            "back to draft": lambda s: quotes.set_quote_status(s, qid, "draft"),
        }[action]
        self._do(i, act, (Refused, InvalidInput))

    def _new_quote(self, i: int, customer: str) -> None:
        def start(session: Session) -> None:
            made = quotes.new_quote(session, quotes.QuoteInput(customer, title="Q"))
            quotes.add_line(session, made.id, quotes.LineInput(self._name("Bolts"), "10", "120"))

        self._do(i, start)

    @rule(device=DEVICE, pick=PICK, retract=st.booleans())
    def correct(self, device: int, pick: int, retract: bool) -> None:
        """A rep amends an activity's summary, or retracts an activity logged by mistake."""
        i, session = self._device(device)
        ids = self._ids(session, "activities", "NOT retracted")
        if not ids:
            return
        rid = ids[pick % len(ids)]
        if retract:
            self._do(i, lambda s: activities.retract_activity(s, rid, "logged twice"))
        else:
            data = activities.AmendInput(summary=self._name("amended"))
            self._do(i, lambda s: activities.amend_activity(s, rid, data))

    @rule(
        device=DEVICE,
        table=st.sampled_from(["contacts", "companies"]),
        pick=PICK,
        to=st.integers(0, 5),
        every=st.sampled_from([False, False, True]),
        visit_after=st.booleans(),
    )
    def hand_over(
        self, device: int, table: str, pick: int, to: int, every: bool, visit_after: bool
    ) -> None:
        """The owner or a manager hands a customer to another rep, or a manager hands over
        every customer of a rep. Refused for others, and by a device that never synced (it
        does not know the team yet); `--all-of` a rep with no customers is an error too.
        With `visit_after`, the previous owner then logs a visit to the customer, offline:
        it must arrive, flagged if the handover reached the server first."""
        i, session = self._device(device)
        ids = self._ids(session, table)
        if not ids:
            return
        customer, rep = ids[pick % len(ids)], self.reps[to % len(self.reps)]
        owner = session.store.conn.execute(
            f"SELECT owner FROM {table} WHERE id = ?", (customer,)
        ).fetchone()
        if every and owner and owner[0]:
            self._do(
                i,
                lambda s: handovers.handover(s, None, rep, all_of=owner[0]),
                (Refused, InvalidInput),
            )
        elif (
            self._do(
                i,
                lambda s: handovers.handover(s, customer, rep, note="moving"),
                (Refused, InvalidInput),
            )
            and visit_after
            and owner
        ):
            for k, device_of in enumerate(self.devices):
                if self.reps[k % len(self.reps)] == owner[0] and customer in self._ids(
                    device_of.session, table
                ):
                    self._log(k, activities.LogInput("visit", customer, self._name("visit")))
                    break

    def _log(self, i: int, data: activities.LogInput) -> None:
        self._do(i, lambda s: activities.log_activity(s, data))

    @rule(device=DEVICE, pick=PICK, choice=st.integers(1, 3), typed=st.booleans())
    def resolve(self, device: int, pick: int, choice: int, typed: bool) -> None:
        """A rep syncs (if that shows no conflict, after everyone synced), then resolves one of
        the conflicts their laptop lists, by a pick or a typed value."""
        i, session = self._device(device)
        self.sync(i)
        if not conflicts.list_conflicts(session):
            for other in [*range(len(self.devices)), i]:
                self.sync(other)
        self._resolve(i, pick, choice, typed)

    def _resolve(self, i: int, pick: int, choice: int, typed: bool) -> None:
        found = conflicts.list_conflicts(self.devices[i].session)
        event("a conflict to resolve" if found else "no conflict to resolve")
        if not found:
            return
        conflict = found[pick % len(found)]
        # A typed value for free text; other fields are checked as `crm edit` checks them,
        # which the example-based tests of `crm resolve` cover.
        text = typed and conflict.field in FREE_TEXT
        value = self._name("resolved") if text else None
        number = None if text else min(choice, len(conflict.choices))
        self._do(i, lambda s: conflicts.resolve(s, conflict.id, number, value))

    @rule(device=DEVICE)
    def sync(self, device: int) -> None:
        """A rep runs `crm sync`."""
        i, _ = self._device(device)
        report = self._sync(i)
        expect(report is not None and report.waiting == 0, f"device {i}: ops held back")

    @rule(device=DEVICE)
    def sync_again(self, device: int) -> None:
        """The same as `sync`: a second rule makes syncs come up twice as often."""
        self.sync(device)

    @rule(
        device=DEVICE,
        push_batch=st.integers(1, 3),
        pull_page=st.integers(1, 4),
        cut=st.sampled_from(["push", "push reply", "pull", "none"]),
        after=st.integers(0, 2),
    )
    def sync_cut(self, device: int, push_batch: int, pull_page: int, cut: str, after: int) -> None:
        """A sync in small batches and pages whose connection may drop part way: before a
        push, after the server took a push but before its answer, or between pages."""
        i, _ = self._device(device)
        plan = {
            "push": Plan(pushes=after),
            "push reply": Plan(pushes=after, lose_reply=True),
            "pull": Plan(pulls=after),
            "none": Plan(),
        }[cut]
        self._sync(i, plan, push_batch, pull_page)

    @rule(device=DEVICE, count=st.integers(1, 4))
    def push_again(self, device: int, count: int) -> None:
        """A push the server already took arrives again (a retried request): all dups."""
        i, session = self._device(device)
        ops = ops_where(session.store.conn, "pushed = 1 AND rejected IS NULL")[-count:]
        if not ops:
            return
        client = self._client(i)
        try:
            reply = client.push(ops)
        finally:
            client.close()
        statuses = {r["status"] for r in reply.results}
        expect(statuses == {p.DUP}, f"device {i}: a re-sent push was not all dups: {statuses}")
        record_push(session, reply.results)

    @rule(device=DEVICE, count=st.integers(1, 4))
    def push_newest_first(self, device: int, count: int) -> None:
        """The newest pending ops reach the server before older ones (requests reordered)."""
        i, session = self._device(device)
        ops = ops_where(session.store.conn, "pushed = 0 AND rejected IS NULL")[-count:]
        if not ops:
            return
        client = self._client(i)
        try:
            reply = client.push(list(reversed(ops)))
        finally:
            client.close()
        record_push(session, reply.results)

    @rule(device=DEVICE, source=st.integers(0, 200), limit=st.integers(1, 6))
    def apply_stray_page(self, device: int, source: int, limit: int) -> None:
        """A page pulled from some cursor (an old one: a repeat; a newer one: ops out of order)
        is applied again without moving the device's cursor."""
        i, session = self._device(device)
        cursor = self.traffic.cursors[source % len(self.traffic.cursors)]
        client = self._client(i)
        try:
            page = client.pull(cursor, limit)
        finally:
            client.close()
        with session.store.write() as writer:
            for item in page.pulled:
                writer.observe(item.op.hlc)
            apply_pulled(session.store.conn, page.pulled)

    @rule(device=DEVICE, offset=st.sampled_from(CLOCKS))
    def set_clock(self, device: int, offset: int) -> None:
        """A device's clock runs slow (up to a day) or fast (up to the allowed margin)."""
        i, session = self._device(device)
        self.offsets[i] = offset
        session.store.clock_offset_ms = offset

    @rule(device=DEVICE)
    def restart(self, device: int) -> None:
        """The laptop restarts: its store is closed and opened again."""
        i, _ = self._device(device)
        self.devices[i].close()
        self.devices[i] = Device(self.devices[i].path, "me")
        self.devices[i].session.store.clock_offset_ms = self.offsets[i]

    @invariant()
    def tables_match_the_log(self) -> None:
        """After every step the devices it touched pass `crm doctor` (a record may point at one
        that has not arrived yet)."""
        for i in sorted(self.dirty):
            report = check_store(self.devices[i].session.store.conn)
            problems = [x for x in report.problems if "points at nothing (yet)" not in x]
            expect(not report.integrity and not problems, f"device {i}: doctor: {problems}")
        self.dirty.clear()

    # --- the end of an example -----------------------------------------------------------

    def teardown(self) -> None:
        """Quiesces and checks everything, unless a step already failed; then cleans up."""
        try:
            if sys.exc_info()[0] is None and self.devices:
                self.quiesce()
                self.check()
        finally:
            for device in self.devices:
                device.close()
            shutil.rmtree(self.folder, ignore_errors=True)

    def quiesce(self) -> None:
        """Syncs every device until a whole round moves nothing (at least two rounds)."""
        rounds = 0
        while True:
            moved = False
            for i in range(len(self.devices)):
                report = self._sync(i)
                expect(report is not None and report.waiting == 0, f"device {i}: held back")
                assert report is not None
                moved = moved or bool(report.sent or report.received or report.rejected)
            rounds += 1
            if rounds >= 2 and not moved:
                return
            expect(rounds < 8, "the devices still exchange ops after 8 rounds of syncs")

    def check(self) -> None:
        """Every replica equals a fresh device bootstrapped from the server, and is right."""
        on_server = server_ops(self.server)
        fresh = Device(self.folder / "fresh.db", "auditor")
        try:
            fresh.login(self.server, REPS[0], "manager")
            self._sync_fresh(fresh)
            replicas = [*self.devices, fresh]
            self._check_nothing_lost(on_server, replicas)
            self._check_truths(on_server, fresh)
            want = dump_store(fresh.session.store.conn)
            for i, device in enumerate(replicas):
                name = f"device {i}" if device is not fresh else "the fresh device"
                conn = device.session.store.conn
                report = check_store(conn)
                expect(report.healthy, f"{name}: crm doctor: {report.integrity}{report.problems}")
                compare_dumps(name, dump_store(conn), want)
                self._check_edits_kept(name, device.session, on_server)
                self._check_events_once(name, device.session)
        finally:
            fresh.close()
        kept = len(want["field_heads"]) - len({(row[0], row[1]) for row in want["field_heads"]})
        event(f"extra leaves kept at the end: {min(kept, 3)}{'+' if kept >= 3 else ''}")
        event(f"ops refused for good: {'some' if self.traffic.refused else 'none'}")
        flagged = any(op.flags for op in on_server)
        event(f"visits flagged as logged after a handover: {'some' if flagged else 'none'}")

    def _sync_fresh(self, fresh: Device) -> None:
        with patched_sync(self.traffic, pull_page=self.bootstrap_page):
            report = sync_now(fresh.session)
        expect(report.sent == 0, "the fresh device had something to send")

    def _check_nothing_lost(self, on_server: list[Op], replicas: list[Device]) -> None:
        ids = {op.op_id for op in on_server}
        expect(len(ids) == len(on_server), "the server keeps an op twice")
        expect(self.traffic.acked <= ids, "an op the server acknowledged is not on the server")
        refused = set(self.traffic.refused)
        expect(not refused & ids, "an op the server refused is on the server")
        strays = sorted(ids - self.written)[:3]
        expect(not strays, f"the server has ops no device wrote: {strays}")
        lost = self.written - refused - ids
        expect(not lost, f"ops lost on the way to the server: {sorted(lost)[:3]}")
        missing_events = set(self.logged) - {
            op.entity_id for op in on_server if op.kind == EVENT and op.event_type == LOGGED
        }
        expect(not missing_events, f"activities lost: {sorted(missing_events)[:3]}")
        truth = {op.op_id: _comparable(op) for op in on_server}
        for i, device in enumerate(replicas):
            conn = device.session.store.conn
            (pending,) = conn.execute(
                "SELECT count(*) FROM ops WHERE pushed = 0 AND rejected IS NULL"
            ).fetchone()
            expect(pending == 0, f"device {i}: {pending} ops still wait to be sent")
            rejected = {op.op_id for op in ops_where(conn, "rejected IS NOT NULL")}
            expect(rejected <= refused, f"device {i}: ops marked refused that were not")
            log = log_of(conn)
            if log != truth:
                diff = (
                    sorted(set(log) ^ set(truth))[:3]
                    or [k for k in truth if log.get(k) != truth[k]][:3]
                )
                raise ConvergenceError(f"device {i}: its op log differs from the server's: {diff}")

    def _check_truths(self, on_server: list[Op], fresh: Device) -> None:
        """The fresh device shows what the design says the ops mean."""
        conn = fresh.session.store.conn
        heads: dict[tuple[str, str], set[str]] = {}
        for entity_id, name, op_id in conn.execute("SELECT * FROM field_heads"):
            heads.setdefault((entity_id, name), set()).add(op_id)
        truths = field_truths(on_server)
        expect(
            heads == {key: set(truth.leaves) for key, truth in truths.items()},
            "the kept leaves differ from the ops no op supersedes",
        )
        kinds = {op.entity_id: op.entity for op in on_server}
        for (entity_id, name), truth in truths.items():
            record = queries.get(conn, BY_ENTITY[kinds[entity_id]], entity_id)
            expect(record is not None, f"{kinds[entity_id]} {entity_id} is missing")
            shown = getattr(record, name)
            expect(
                shown == truth.value,
                f"{kinds[entity_id]} {entity_id} shows {name}={shown!r}; the leaf with the "
                f"greatest (hlc, site_id) says {truth.value!r}",
            )
        for activity_id, values in activity_truths(on_server).items():
            activity = queries.get(conn, Activity, activity_id)
            expect(activity is not None, f"activity {activity_id} is missing")
            assert activity is not None
            for name, value in values.items():
                expect(
                    getattr(activity, name) == value,
                    f"activity {activity_id} shows {name}={getattr(activity, name)!r}, its "
                    f"events say {value!r}",
                )
        stamps: dict[str, list[int]] = {}
        for op in on_server:
            stamps.setdefault(op.entity_id, []).append(op.hlc)
        for entity_id, found in stamps.items():
            record = queries.get(conn, BY_ENTITY[kinds[entity_id]], entity_id)
            assert record is not None
            expect(
                (record.created_at, record.updated_at) == (to_iso(min(found)), to_iso(max(found))),
                f"{entity_id}: created/updated times are not its first and last stamps",
            )

    def _check_edits_kept(self, name: str, session: Session, on_server: list[Op]) -> None:
        """Every edit the server took is shown or listed as a conflict, unless a later edit
        replaced it (whose author had it: checked when that edit was written)."""
        conn = session.store.conn
        superseded = {
            pred for op in on_server if op.kind == SET for pred in op.payload.get("pred", [])
        }
        listed = {
            (c.record_id, c.field): {choice.op_id for choice in c.choices}
            for c in conflicts.list_conflicts(session)
        }
        values = {op.op_id: op.payload.get("value") for op in on_server}
        for op in on_server:
            if op.kind != SET:
                continue
            if op.op_id in superseded:
                continue
            record = queries.get(conn, BY_ENTITY[op.entity], op.entity_id)
            expect(record is not None, f"{name}: {op.entity} {op.entity_id} is missing")
            shown = getattr(record, op.field)
            choices = listed.get((op.entity_id, op.field), set())
            expect(
                shown == values[op.op_id] or op.op_id in choices,
                f"{name}: the edit {op.entity} {op.entity_id} {op.field}={values[op.op_id]!r} "
                f"is neither shown ({shown!r}) nor a listed conflict",
            )

    def _check_events_once(self, name: str, session: Session) -> None:
        """Every activity ever logged is on the replica once, and once in its customer's
        timeline."""
        conn = session.store.conn
        timelines: dict[str, list[str]] = {}
        for activity_id in self.logged:
            (rows,) = conn.execute(
                "SELECT count(*) FROM activities WHERE id = ?", (activity_id,)
            ).fetchone()
            logged = [
                op
                for op in ops_where(conn, "entity_id = ? AND kind = 'event'", (activity_id,))
                if op.event_type == LOGGED
            ]
            expect(rows == 1 and len(logged) == 1, f"{name}: activity {activity_id} not once")
            activity = queries.get(conn, Activity, activity_id)
            assert activity is not None
            customer = activity.contact_id or activity.company_id
            if customer is None:
                continue
            if customer not in timelines:
                view = show_record(session, customer, all_versions=True)
                timelines[customer] = [entry.id for entry in view.timeline]
            expect(
                timelines[customer].count(activity_id) == 1,
                f"{name}: activity {activity_id} is not once in its customer's timeline",
            )
