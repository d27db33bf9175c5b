"""Clock skew: a day fast is held back until corrected, a day slow syncs and still wins."""

from __future__ import annotations

import time
from collections.abc import Callable

from crm_tui.domain.hlc import unpack
from crm_tui.domain.ops import Op
from crm_tui.domain.records import Contact
from crm_tui.services.activities import LogInput, log_activity
from crm_tui.services.conflicts import list_conflicts, resolve
from crm_tui.services.edit import EditInput, edit_record
from crm_tui.services.records import ContactInput, add_contact
from crm_tui.services.show import show_record
from crm_tui.services.team import status
from crm_tui.storage import queries
from crm_tui.storage.oplog import get_meta
from crm_tui.sync import protocol as p
from crm_tui.sync.client import SyncClient
from tests.sync.conftest import Device, Server
from tests.sync.machine import DAY_MS, MARGIN_MS, iso_ms, ops_where, server_received, stamp_ms


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def pending(device: Device) -> list[Op]:
    return ops_where(device.session.store.conn, "pushed = 0 AND rejected IS NULL")


def last_write(device: Device, entity_id: str, field: str) -> Op:
    """The newest set op this device holds for a field."""
    ops = ops_where(device.session.store.conn, "entity_id = ? AND kind = 'set'", (entity_id,))
    return [op for op in ops if op.field == field][-1]


def title_of(device: Device, contact_id: str) -> str | None:
    contact = queries.get(device.session.store.conn, Contact, contact_id)
    assert contact is not None
    return contact.title


def sync_all(*devices: Device) -> None:
    """Two rounds of `crm sync` on every device: afterwards they all hold the same ops."""
    for _ in range(2):
        for device in devices:
            report = device.sync()
            assert (report.waiting, report.rejected) == (0, 0)


def test_a_day_fast_device_is_held_back_until_its_clock_is_corrected(
    make_server: Callable[..., Server], make_device: Callable[..., Device]
) -> None:
    server = make_server(clock_margin=MARGIN_MS // 1000)
    alice, bob = make_device("alice"), make_device("bob")
    alice.login(server, "alice")
    bob.login(server, "bob")
    known = add_contact(bob.session, ContactInput("佐藤 健一")).record
    sync_all(bob, alice)

    alice.session.store.clock_offset_ms = DAY_MS
    fast = add_contact(alice.session, ContactInput("山田 太郎")).record
    log_activity(alice.session, LogInput("visit", fast.id, "First visit"))
    edit_record(alice.session, known.id, EditInput(title="部長"))
    written = {op.op_id for op in pending(alice)}
    report = alice.sync()
    assert (report.sent, report.waiting, report.rejected) == (0, len(written), 0)
    assert report.clock_skew_ms is not None and report.clock_skew_ms > DAY_MS - 60_000
    held = status(alice.session)
    assert (held.pending, held.rejected) == (len(written), [])  # waiting, not refused
    assert not written & {op_id for op_id, _, _ in server_received(server)}

    # On the wire: each op is refused as retryable, with its reason.
    conn = alice.session.store.conn
    client = SyncClient(get_meta(conn, "server_url") or "", get_meta(conn, "token"))
    try:
        results = client.push(pending(alice)).results
    finally:
        client.close()
    assert {(r["status"], r["reason"], r["retryable"]) for r in results} == {
        (p.REJECTED, p.CLOCK_AHEAD, True)
    }

    # Meanwhile Bob changes the same title; Alice, still a day fast, syncs again: she receives
    # it, and still sends nothing and loses nothing.
    edit_record(bob.session, known.id, EditInput(title="課長"))
    assert bob.sync().sent == 1
    report = alice.sync()
    assert (report.sent, report.received, report.waiting) == (0, 1, len(written))

    alice.session.store.clock_offset_ms = 0
    report = alice.sync()
    assert (report.sent, report.waiting, report.rejected) == (len(written), 0, 0)
    assert status(alice.session).pending == 0
    on_server = server_received(server)
    assert written <= {op_id for op_id, _, _ in on_server}
    checked_at = now_ms()
    for op_id, stamp, received_at in on_server:
        assert stamp_ms(stamp) <= iso_ms(received_at) <= checked_at, op_id
    stamp, _ = unpack(int(get_meta(conn, "hlc") or 0))
    assert stamp <= now_ms()  # Alice's clock itself came back

    # Bob receives every one of Alice's ops; the two titles are kept as a conflict, the same
    # on both laptops; Bob's clock was not dragged a day ahead by what he received.
    sync_all(bob, alice)
    timeline = show_record(bob.session, fast.id).timeline
    assert [(entry.kind, entry.summary) for entry in timeline] == [("visit", "First visit")]
    for device in (alice, bob):
        (conflict,) = list_conflicts(device.session)
        assert (conflict.record_id, conflict.field) == (known.id, "title")
        assert sorted(c.value for c in conflict.choices) == ["課長", "部長"]
    assert title_of(alice, known.id) == title_of(bob, known.id)
    edit_record(bob.session, known.id, EditInput(note="called back"))
    report = bob.sync()
    assert (report.sent, report.waiting) == (1, 0)


def test_a_day_slow_device_syncs_and_its_later_edits_win_or_conflict(
    make_server: Callable[..., Server], make_device: Callable[..., Device]
) -> None:
    server = make_server(clock_margin=MARGIN_MS // 1000)
    alice, bob, carol = make_device("alice"), make_device("bob"), make_device("carol")
    for device, rep in ((alice, "alice"), (bob, "bob"), (carol, "carol")):
        device.login(server, rep)
    bob.session.store.clock_offset_ms = -DAY_MS

    # Bob's first work is stamped a day ago; the server takes it all the same.
    early = add_contact(bob.session, ContactInput("鈴木 一郎")).record
    made = pending(bob)
    assert all(stamp_ms(op.hlc) < now_ms() - DAY_MS + 60_000 for op in made)
    report = bob.sync()
    assert (report.sent, report.waiting, report.rejected) == (len(made), 0, 0)
    known = add_contact(alice.session, ContactInput("佐藤 健一")).record
    sync_all(alice, bob, carol)
    assert queries.get(alice.session.store.conn, Contact, early.id) is not None

    # Carol changes the title offline; then Alice changes the note and syncs; Bob receives
    # Alice's change and, a day behind, changes the title: his stamp follows what he received.
    edit_record(carol.session, known.id, EditInput(title="課長"))
    edit_record(alice.session, known.id, EditInput(note="met at the expo"))
    alice.sync()
    bob.sync()
    edit_record(bob.session, known.id, EditInput(title="部長"))
    carols = last_write(carol, known.id, "title")
    alices = last_write(alice, known.id, "note")
    bobs = last_write(bob, known.id, "title")
    # Alice wrote after Carol, but on one machine both may fall in the same millisecond
    # (equal stamps; the site id orders them): only Bob's "after what he received" is strict.
    assert bobs.hlc > alices.hlc >= carols.hlc
    assert stamp_ms(bobs.hlc) > now_ms() - 60_000  # not a day ago

    # Bob's and Carol's titles are concurrent: both kept, the same everywhere, and Bob's is
    # shown, being stamped later (without the receive rule it would lose by a day).
    sync_all(carol, bob, alice)
    for device in (alice, bob, carol):
        assert title_of(device, known.id) == "部長"
        (conflict,) = list_conflicts(device.session)
        assert {(c.value, c.rep) for c in conflict.choices} == {("部長", "bob"), ("課長", "carol")}

    # Bob, still a day behind, resolves it; then Carol, having seen that, changes it again.
    resolve(bob.session, f"{known.id}:title", None, "係長")
    sync_all(bob, carol, alice)
    for device in (alice, bob, carol):
        assert (title_of(device, known.id), list_conflicts(device.session)) == ("係長", [])
    edit_record(carol.session, known.id, EditInput(title="CEO"))
    sync_all(carol, bob, alice)
    for device in (alice, bob, carol):
        assert (title_of(device, known.id), list_conflicts(device.session)) == ("CEO", [])
