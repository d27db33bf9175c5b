"""Tests of the kept field leaves: edits read them, conflicts keep them, doctor checks them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_tui.domain import hlc
from crm_tui.domain.ids import new_id
from crm_tui.domain.ops import SET, Op, fold_entity
from crm_tui.domain.records import Contact
from crm_tui.storage.db import Store, open_store
from crm_tui.storage.doctor import check_store
from crm_tui.storage.oplog import append_ops, heads_of, ops_of, set_heads


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A new store of its own."""
    opened = open_store(tmp_path / "own.db", "alice")
    yield opened
    opened.close()


def _contact(store: Store) -> Contact:
    with store.write() as writer:
        return writer.create(Contact, {"display_name": "山田 太郎", "title": "課長"})


def _concurrent_title(store: Store, contact: Contact, value: str) -> Op:
    """Puts a title op from another device that saw the same leaves (as sync would bring it)."""
    (pred,) = heads_of(store.conn, contact.id, ["title"]).values()
    stamp = hlc.pack(time.time_ns() // 1_000_000 + 60_000, 0)  # a minute ahead of ours
    payload = {"field": "title", "value": value, "pred": pred}
    op = Op(new_id(), "OTHERDEVICE", stamp, "contact", contact.id, SET, payload, "bob")
    store.conn.execute("BEGIN IMMEDIATE")
    append_ops(store.conn, [op])
    leaves = heads_of(store.conn, contact.id, ["title"])["title"]
    set_heads(store.conn, contact.id, {"title": sorted([*leaves, op.op_id])})
    store.conn.execute("COMMIT")
    return op


def test_each_edit_leaves_one_leaf_per_field(store: Store) -> None:
    contact = _contact(store)
    with store.write() as writer:
        writer.update(Contact, contact.id, {"title": "部長"})
    with store.write() as writer:
        writer.update(Contact, contact.id, {"title": "本部長"})
    leaves = heads_of(store.conn, contact.id, ["title"])["title"]
    state = fold_entity("contact", contact.id, ops_of(store.conn, contact.id))
    assert leaves == state.fields["title"].leaf_ids
    assert len(leaves) == 1
    assert check_store(store.conn).healthy


def test_a_local_edit_of_a_field_in_conflict_lists_every_leaf_and_resolves_it(
    store: Store,
) -> None:
    contact = _contact(store)
    theirs = _concurrent_title(store, contact, "部長")
    assert len(heads_of(store.conn, contact.id, ["title"])["title"]) == 2

    with store.write() as writer:
        # Even the value already shown is written: the edit is what resolves the conflict.
        writer.update(Contact, contact.id, {"title": "課長"})

    ops = ops_of(store.conn, contact.id)
    resolution = ops[-1]
    assert resolution.field == "title" and resolution.payload["value"] == "課長"
    assert theirs.op_id in resolution.payload["pred"]
    assert len(resolution.payload["pred"]) == 2
    state = fold_entity("contact", contact.id, ops)
    assert not state.conflicts()
    assert heads_of(store.conn, contact.id, ["title"])["title"] == [resolution.op_id]


def test_doctor_reports_leaves_that_differ_from_the_op_log(store: Store) -> None:
    contact = _contact(store)
    store.conn.execute(
        "UPDATE field_heads SET op_id = 'FORGED' WHERE entity_id = ? AND field = 'title'",
        (contact.id,),
    )
    report = check_store(store.conn)
    assert not report.healthy
    assert any("leaves differ" in problem for problem in report.problems)


def test_doctor_reports_leaves_kept_for_no_entity(store: Store) -> None:
    _contact(store)
    store.conn.execute(
        "INSERT INTO field_heads (entity_id, field, op_id) VALUES ('ZZZZ', 'title', 'X')"
    )
    report = check_store(store.conn)
    assert any("ZZZZ: field leaves kept for an entity with no ops" in p for p in report.problems)


def test_an_edit_writes_only_the_changed_columns_and_no_search_text_when_it_is_unchanged(
    store: Store,
) -> None:
    contact = _contact(store)
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    with store.write() as writer:
        writer.update(Contact, contact.id, {"department": "購買部"})
    store.conn.set_trace_callback(None)
    updates = [s for s in statements if s.startswith("UPDATE contacts")]
    assert len(updates) == 1 and "department" in updates[0] and "title" not in updates[0]
    assert not any(s.startswith(("DELETE FROM search", "INSERT INTO search")) for s in statements)
    assert json.loads(store.conn.execute("SELECT emails FROM contacts").fetchone()[0]) == []
