"""Tests of stores that cannot be used: exit 5, one line that says what to do, nothing written."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from crm_tui.storage.version import SCHEMA_VERSION
from tests.cli.support import add_yamada, assert_one_line_error, fails, op_count, store_path
from tests.conftest import Crm


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _damage_table(db: Path, table: str) -> None:
    """Overwrites the pages of one table with garbage, as a failing disk might."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with db.open("r+b") as file:
        file.seek((root[0] - 1) * size)
        file.write(b"\xde\xad\xbe\xef" * (size // 4))


def test_a_db_in_a_missing_directory_is_refused_and_not_created(crm: Crm, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "crm.db"
    line = assert_one_line_error(crm("--db", str(missing), "ls", "contacts", ok=False), 5)
    assert line == (
        f"crm: The directory {missing.parent} does not exist; create it or choose another --db."
    )
    assert not missing.parent.exists()
    after = assert_one_line_error(crm("log", "note", "x", "y", "--db", str(missing), ok=False), 5)
    assert after == line


def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(crm: Crm, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("groceries: milk, eggs\n" * 200)
    before = _digest(notes)
    for args in (("ls", "contacts"), ("add", "contact", "山田 太郎"), ("doctor",)):
        result = crm("--db", str(notes), *args, ok=False)
        line = assert_one_line_error(result, 5)
        assert "is not a usable crm store" in line
    assert _digest(notes) == before


@pytest.mark.parametrize("application_id", [0, 42])
def test_another_applications_sqlite_database_is_refused_and_left_unchanged(
    crm: Crm, tmp_path: Path, application_id: int
) -> None:
    other = tmp_path / "photos.db"
    conn = sqlite3.connect(other)
    conn.execute(f"PRAGMA application_id = {application_id}")
    conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)")
    conn.execute("INSERT INTO photos (path) VALUES ('beach.jpg')")
    conn.commit()
    conn.close()
    before = _digest(other)
    line = assert_one_line_error(crm("--db", str(other), "add", "company", "Acme", ok=False), 5)
    assert "not a crm store" in line
    assert _digest(other) == before
    assert not Path(f"{other}-wal").exists()


def test_a_store_from_a_newer_schema_is_refused_and_left_unchanged(crm: Crm) -> None:
    add_yamada(crm)
    conn = sqlite3.connect(store_path())
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = _digest(store_path())
    line = fails(crm, 5, "log", "visit", "山田", "Demo")
    assert line == (
        f"crm: {store_path()} was written by a newer crm (schema {SCHEMA_VERSION + 1}, "
        f"this one knows {SCHEMA_VERSION}); upgrade crm to use it."
    )
    assert _digest(store_path()) == before


def test_a_damaged_store_fails_reads_and_writes_with_one_line_and_nothing_written(
    crm: Crm,
) -> None:
    add_yamada(crm)
    crm("log", "visit", "山田", "Demo")
    _damage_table(store_path(), "contacts")
    for args in (("show", "山田"), ("ls", "contacts"), ("log", "visit", "山田", "Again")):
        line = fails(crm, 5, *args)
        assert line.startswith("crm: The store is damaged (database disk image is malformed)")
        assert "crm restore FILE" in line


def test_doctor_reports_a_damaged_store_and_exits_1(crm: Crm) -> None:
    add_yamada(crm)
    _damage_table(store_path(), "contacts")
    result = crm("doctor", ok=False)
    assert result.code == 1
    assert "integrity check: stopped early: database disk image is malformed" in result.out
    assert "NOT healthy" in result.out
    assert result.err == ""
    report = crm("doctor", "--json", ok=False).json()
    assert report["healthy"] is False
    assert report["integrity"] != ["ok"]


def test_the_real_process_reports_a_bad_store_without_a_traceback(
    crm_process: Crm, tmp_path: Path
) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"\x00\x01not a database" * 500)
    result = crm_process("--db", str(garbage), "next-actions", ok=False)
    assert_one_line_error(result, 5)
    missing = tmp_path / "missing" / "crm.db"
    assert_one_line_error(crm_process("--db", str(missing), "next-actions", ok=False), 5)
    crm_process("add", "contact", "山田 太郎")
    _damage_table(store_path(), "contacts")
    before = op_count()
    assert_one_line_error(crm_process("show", "山田", ok=False), 5)
    assert op_count() == before


def test_restore_repairs_a_damaged_store_and_keeps_the_damaged_file_beside_it(
    crm: Crm, tmp_path: Path
) -> None:
    add_yamada(crm)
    backup = tmp_path / "backup.db"
    crm("backup", str(backup))
    crm("log", "visit", "山田", "Demo")
    _damage_table(store_path(), "contacts")
    result = crm("restore", str(backup))
    kept = Path(result.out.rsplit(" ", 1)[-1].strip())
    assert kept.name.startswith("crm.db.before-restore-")
    assert crm("doctor", "--json").json()["healthy"] is True
    assert [c["display_name"] for c in crm("ls", "contacts", "--json").json()] == ["山田 太郎"]
    damaged = crm("--db", str(kept), "doctor", "--json", ok=False).json()
    assert damaged["healthy"] is False
