"""Tests of the one write path: every change is ops, atomic, and the fold equals the tables."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crm_tui.domain.records import RECORD_TYPES, Company, Contact
from crm_tui.storage.db import Store, open_store
from crm_tui.storage.doctor import check_store
from tests.cli.cadence_support import write_welcome
from tests.cli.support import store_path
from tests.conftest import Crm


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A new store of its own."""
    opened = open_store(tmp_path / "own.db", "alice")
    yield opened
    opened.close()


def _count(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _set_ops(conn: sqlite3.Connection, entity_id: str, field: str) -> list[tuple[str, Any]]:
    """(op id, payload) of the set ops of one field, in local order."""
    rows = conn.execute(
        "SELECT op_id, payload FROM ops WHERE entity_id = ? AND kind = 'set' ORDER BY seq",
        (entity_id,),
    )
    return [(op_id, data) for op_id, text in rows if (data := json.loads(text))["field"] == field]


def _varied_commands(crm: Crm) -> None:
    crm("add", "company", "株式会社ミナト精機", "--phone", "03-3456-7890")
    crm("add", "contact", "山田 太郎", "--company", "ミナト", "--email", "taro@example.jp")
    crm("add", "contact", "Emma Clarke", "--company", "Harbor Logistics")
    crm("cadence", "add", str(write_welcome(store_path().parent)))
    crm("cadence", "enrol", "welcome", "山田", "Emma")
    crm("edit", "山田", "--title", "部長", "--add-tag", "vip", "--opt-out")
    crm("log", "visit", "山田", "Demo", "--at", "2026-11-20 14:00", "--next", "Brochure")
    crm("log", "call", "Emma", "Intro", "--inbound")
    crm("amend", "Intro", "--summary", "Intro call")
    crm("log", "note", "Emma", "Oops")
    crm("retract", "Oops")
    crm("add", "deal", "Model X", "--contact", "山田", "--amount", "300000")
    crm("deal", "stage", "Model X", "won")
    crm("task", "add", "Call back", "--for", "Emma", "--due", "3d")
    crm("task", "snooze", "Call back", "--by", "2d")
    crm("task", "done", "Brochure")
    number = crm("quote", "new", "山田").out.strip()
    crm("quote", "line", number, "Model X", "--qty", "2", "--price", "150000")
    crm("quote", "line", number, "Catering", "--price", "5000", "--tax", "8")
    crm("quote", "rm-line", number, "2")
    crm("quote", "set-status", number, "sent")
    crm("inquiry", "open", "Emma", "Pilot terms")
    crm("inquiry", "reply", "Pilot terms", "Sent them")
    crm("contract", "add", "ミナト", "Maintenance", "--value", "600000")
    crm("contract", "renew", "Maintenance")
    crm("invoice", "add", "ミナト", "INV-1", "--amount", "1000", "--due", "7d")
    crm("invoice", "paid", "INV-1")
    crm("survey", "山田", "--nps", "9")
    crm("archive", "Emma")


def test_after_varied_commands_the_folded_op_log_equals_the_tables(crm: Crm) -> None:
    _varied_commands(crm)
    conn = sqlite3.connect(store_path(), isolation_level=None)
    try:
        report = check_store(conn)
        assert (report.integrity, report.problems) == ([], [])
        assert report.ops == _count(conn, "ops")
        assert report.records == sum(_count(conn, cls.TABLE) for cls in RECORD_TYPES)
        assert _count(conn, "contract_renewals") == 1
    finally:
        conn.close()


def test_after_varied_commands_every_domain_row_has_ops_of_its_kind(crm: Crm) -> None:
    _varied_commands(crm)
    conn = sqlite3.connect(store_path())
    try:
        for cls in RECORD_TYPES:
            orphans = conn.execute(
                f"SELECT id FROM {cls.TABLE} t WHERE NOT EXISTS (SELECT 1 FROM ops o "
                "WHERE o.entity_id = t.id AND o.entity = ?)",
                (cls.ENTITY,),
            ).fetchall()
            assert orphans == [], cls.TABLE
            assert _count(conn, cls.TABLE) > 0, cls.TABLE
    finally:
        conn.close()


def test_an_error_inside_a_write_leaves_no_ops_and_no_rows(store: Store) -> None:
    conn = store.conn
    hlc = conn.execute("SELECT value FROM meta WHERE key = 'hlc'").fetchone()
    with pytest.raises(RuntimeError, match="midway"), store.write() as writer:
        writer.create(Company, {"name": "Acme"})
        writer.create(Contact, {"display_name": "Emma Clarke"})
        raise RuntimeError("midway")
    for table in ("ops", "companies", "contacts", "entities", "record_keys"):
        assert _count(conn, table) == 0, table
    assert conn.execute("SELECT value FROM meta WHERE key = 'hlc'").fetchone() == hlc
    assert not conn.in_transaction


def test_a_set_op_lists_the_previous_leaves_in_pred(store: Store) -> None:
    with store.write() as writer:
        contact = writer.create(Contact, {"display_name": "Emma", "title": "Manager"})
    [(first, created)] = _set_ops(store.conn, contact.id, "title")
    assert created["pred"] == []
    with store.write() as writer:
        writer.update(Contact, contact.id, {"title": "Director", "department": "Sales"})
    with store.write() as writer:
        writer.update(Contact, contact.id, {"title": "CEO"})
    titles = _set_ops(store.conn, contact.id, "title")
    assert [(data["value"], data["pred"]) for _, data in titles] == [
        ("Manager", []),
        ("Director", [first]),
        ("CEO", [titles[1][0]]),
    ]
    [(_, department)] = _set_ops(store.conn, contact.id, "department")
    assert department["pred"] == []


def test_a_set_that_changes_nothing_writes_no_op(store: Store) -> None:
    with store.write() as writer:
        contact = writer.create(Contact, {"display_name": "Emma", "title": "Manager"})
    before = _count(store.conn, "ops")
    with store.write() as writer:
        same = writer.update(Contact, contact.id, {"title": "Manager", "display_name": "Emma"})
    assert _count(store.conn, "ops") == before
    assert same.title == "Manager"


def test_each_op_carries_the_device_site_rep_and_a_rising_clock(store: Store) -> None:
    with store.write() as writer:
        writer.create(Company, {"name": "Acme", "industry": "logistics"})
    with store.write() as writer:
        writer.create(Company, {"name": "Beta"})
    rows = store.conn.execute("SELECT site_id, rep, hlc FROM ops ORDER BY seq").fetchall()
    site = store.conn.execute("SELECT value FROM meta WHERE key = 'site_id'").fetchone()[0]
    assert {(row[0], row[1]) for row in rows} == {(site, "alice")}
    clocks = [row[2] for row in rows]
    assert clocks == sorted(clocks) and len(set(clocks)) == len(clocks)
    assert store.conn.execute("SELECT value FROM meta WHERE key = 'hlc'").fetchone()[0] == str(
        clocks[-1]
    )


def test_a_record_made_with_only_defaults_still_has_an_op(store: Store) -> None:
    with store.write() as writer:
        company = writer.create(Company, {})
    assert store.conn.execute(
        "SELECT count(*) FROM ops WHERE entity_id = ?", (company.id,)
    ).fetchone() == (1,)
    assert check_store(store.conn).problems == []


def test_records_created_many_at_once_have_the_ops_and_rows_one_at_a_time_would(
    store: Store,
) -> None:
    from crm_tui.domain.ids import new_id
    from crm_tui.domain.ops import fold_entity
    from crm_tui.storage.oplog import ops_of, payload_text
    from crm_tui.storage.writer import created_state

    values: dict[str, Any] = {
        "display_name": '山田 "太郎"',
        "emails": ["taro@example.jp"],
        "phones": [{"number": "+819012345678", "label": "mobile", "valid": True}],
        "note": "line one\nline two \\ ✓",
        "consent": True,
    }
    many: list[tuple[str, dict[str, Any]]] = [
        (new_id(), values),
        (new_id(), {"display_name": "Ann"}),
    ]
    with store.write() as writer:
        writer.create_many(Contact, many)
        single = writer.create(Contact, values)
    stored = dict(store.conn.execute("SELECT op_id, payload FROM ops").fetchall())
    for record_id, _ in [*many, (single.id, None)]:
        ops = ops_of(store.conn, record_id)
        assert all(stored[op.op_id] == payload_text(op) for op in ops)
        folded = fold_entity("contact", record_id, ops)
        made = created_state("contact", record_id, ops)
        assert (folded.fields, folded.first_hlc) == (made.fields, made.first_hlc)
        assert folded.last_hlc == made.last_hlc
    op_ids = [row[0] for row in store.conn.execute("SELECT op_id FROM ops ORDER BY seq")]
    assert len(set(op_ids)) == len(op_ids)
    assert check_store(store.conn).healthy
