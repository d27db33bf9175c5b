"""Tests of `crm doctor`, `crm backup`, `crm restore` and `crm demo`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.cli.support import (
    add_yamada,
    assert_one_line_error,
    fails,
    op_count,
    query,
    store_path,
)
from tests.conftest import Crm

DOMAIN_TABLES = ("companies", "contacts", "activities", "tasks", "quotes", "quote_lines")


def _dump(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every op and domain row of a store."""
    tables = ("ops", "meta", *DOMAIN_TABLES)
    return {t: query(f"SELECT * FROM {t} ORDER BY 1", db=db) for t in tables}


def test_doctor_passes_a_healthy_store(crm: Crm) -> None:
    add_yamada(crm)
    crm("log", "visit", "山田", "Demo", "--next", "Send the brochure", "--due", "3d")
    result = crm("doctor")
    assert result.out.splitlines() == [
        f"Store {store_path()}",
        "  integrity check: ok",
        f"  {op_count()} ops, 4 records",
        "  healthy",
    ]
    report = crm("doctor", "--json").json()
    assert (report["healthy"], report["integrity"], report["problems"]) == (True, ["ok"], [])
    assert report["ops"] == op_count()


def test_doctor_reports_a_row_changed_behind_the_op_log_and_exits_1(crm: Crm) -> None:
    contact = add_yamada(crm)
    conn = sqlite3.connect(store_path())
    conn.execute("UPDATE contacts SET title = 'x'")
    conn.commit()
    conn.close()
    result = crm("doctor", ok=False)
    assert result.code == 1
    assert f"  problem: contact {contact['id']} title: table has 'x', ops say '部長'" in (
        result.out.splitlines()
    )
    assert "NOT healthy" in result.out
    report = crm("doctor", "--json", ok=False).json()
    assert report["healthy"] is False
    assert len(report["problems"]) == 1


def test_doctor_reports_a_row_with_no_ops_behind_it(crm: Crm) -> None:
    add_yamada(crm)
    conn = sqlite3.connect(store_path())
    conn.execute(
        "INSERT INTO companies (id, created_at, updated_at, name) VALUES ('X', 'a', 'a', 'Sneaky')"
    )
    conn.commit()
    conn.close()
    report = crm("doctor", "--json", ok=False).json()
    assert report["problems"] == ["company X: a row with no ops behind it"]


def test_backup_writes_a_verified_copy(crm: Crm, tmp_path: Path) -> None:
    add_yamada(crm)
    target = tmp_path / "backup.db"
    result = crm("backup", str(target))
    assert result.out == f"Backed up {op_count()} ops to {target} (verified)\n"
    assert _dump(target) == _dump(store_path())
    assert target.stat().st_mode & 0o777 == 0o600
    assert "already exists" in fails(crm, 2, "backup", str(target))


def test_restore_brings_back_the_backup_and_keeps_the_previous_store(
    crm: Crm, tmp_path: Path
) -> None:
    add_yamada(crm)
    backup = tmp_path / "backup.db"
    crm("backup", str(backup))
    saved = _dump(backup)
    crm("add", "contact", "佐藤 花子")
    crm("log", "visit", "山田", "After the backup")
    current = _dump(store_path())
    result = crm("restore", str(backup))
    previous = Path(result.out.rsplit(" ", 1)[-1].strip())
    assert result.out.startswith(f"Restored {len(saved['ops'])} ops from {backup}; ")
    assert previous.parent == store_path().parent
    assert previous.name.startswith("crm.db.before-restore-")
    assert _dump(store_path()) == saved
    assert _dump(previous) == current
    assert [c["display_name"] for c in crm("ls", "contacts", "--json").json()] == ["山田 太郎"]
    assert crm("doctor", "--json").json()["healthy"] is True


@pytest.mark.parametrize("kind", ["missing", "not-a-store"])
def test_restore_refuses_a_file_that_is_not_a_sound_backup(
    crm: Crm, tmp_path: Path, kind: str
) -> None:
    add_yamada(crm)
    source = tmp_path / "source.db"
    if kind == "not-a-store":
        source.write_text("not a database at all" * 100)
    before = _dump(store_path())
    fails(crm, 2 if kind == "missing" else 5, "restore", str(source))
    assert _dump(store_path()) == before
    assert list(store_path().parent.glob("*.before-restore-*")) == []


def test_demo_refuses_to_run_without_db_or_crm_db(
    crm: Crm, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("CRM_DB")
    line = assert_one_line_error(crm("demo", ok=False), 2)
    assert (
        line == "crm: crm demo needs --db FILE (or CRM_DB) so that it never fills your own store."
    )
    assert list((tmp_path / "home").rglob("*.db")) == []


def test_demo_fills_a_new_store_and_prints_its_next_actions(crm: Crm) -> None:
    result = crm("demo")
    assert result.out.splitlines()[0].split() == ["DUE", "KIND", "WHAT", "FOR", "WHY"]
    kinds = {line.split()[1] for line in result.out.splitlines()[1:]}
    assert {"task", "invoice", "inquiry", "quote", "renewal"} <= kinds
    assert query("SELECT count(*) FROM contacts") == [(3,)]
    assert crm("doctor", "--json").json()["healthy"] is True
    ops = op_count()
    crm("demo")  # a demo store is reused as it is
    assert op_count() == ops


def test_demo_refuses_a_store_with_real_data(crm: Crm) -> None:
    add_yamada(crm)
    before = _dump(store_path())
    line = fails(crm, 6, "demo")
    assert (
        line == f"crm: {store_path()} holds real data; crm demo only fills a new or a demo store."
    )
    fails(crm, 6, "demo", "--reset")
    assert _dump(store_path()) == before
