"""Tests of opening the store: a private file, every pragma, idempotent migrations."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_tui.errors import StoreError
from crm_tui.storage.db import PRAGMAS, Store, open_store
from crm_tui.storage.migrations import migrate
from crm_tui.storage.oplog import get_meta
from crm_tui.storage.version import APPLICATION_ID, SCHEMA_VERSION

# How SQLite reports the named values the store sets.
NAMED = {"WAL": "wal", "FULL": 2, "ON": 1, "OFF": 0, "MEMORY": 2}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Where a store is opened."""
    return tmp_path / "crm.db"


@pytest.fixture
def store(db: Path) -> Iterator[Store]:
    """A new store."""
    opened = open_store(db, "alice")
    yield opened
    opened.close()


def _schema(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    return conn.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()


def test_the_store_file_is_created_readable_by_its_owner_only(db: Path) -> None:
    old = os.umask(0)
    try:
        open_store(db, "alice").close()
    finally:
        os.umask(old)
    assert db.stat().st_mode & 0o777 == 0o600


def test_the_spec_pragmas_are_set_on_open(store: Store) -> None:
    conn = store.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_every_pragma_the_store_lists_reads_back_as_set(store: Store) -> None:
    for pragma in PRAGMAS:
        name, value = (part.strip() for part in pragma.split("="))
        expected = NAMED.get(value.upper()) if value.upper() in NAMED else int(value)
        assert store.conn.execute(f"PRAGMA {name}").fetchone()[0] == expected, pragma


def test_pragmas_are_set_again_on_every_open_not_only_on_creation(db: Path) -> None:
    open_store(db, "alice").close()
    reopened = open_store(db, "alice")
    try:
        assert reopened.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert reopened.conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    finally:
        reopened.close()


def test_a_new_store_carries_its_schema_version_application_id_and_site_id(
    store: Store,
) -> None:
    conn = store.conn
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    site_id = get_meta(conn, "site_id")
    assert site_id and len(site_id) == 26
    assert get_meta(conn, "hlc") == "0"


def test_opening_twice_and_migrating_again_changes_nothing(db: Path) -> None:
    first = open_store(db, "alice")
    schema = _schema(first.conn)
    site_id = get_meta(first.conn, "site_id")
    migrate(first.conn, db)
    assert _schema(first.conn) == schema
    first.close()
    second = open_store(db, "bob")
    try:
        assert _schema(second.conn) == schema
        assert get_meta(second.conn, "site_id") == site_id
        assert second.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        second.close()


def test_a_write_is_one_immediate_transaction(store: Store) -> None:
    from crm_tui.domain.records import Company

    with store.write() as writer:
        assert store.conn.in_transaction
        writer.create(Company, {"name": "Acme"})
    assert not store.conn.in_transaction
    assert store.conn.execute("SELECT name FROM companies").fetchall() == [("Acme",)]


def test_a_locked_store_makes_a_write_fail_with_a_store_error(db: Path) -> None:
    from crm_tui.domain.records import Company

    store = open_store(db, "alice")
    store.conn.execute("PRAGMA busy_timeout = 0")
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError, match="busy"), store.write() as writer:
            writer.create(Company, {"name": "Acme"})
    finally:
        other.execute("ROLLBACK")
        other.close()
        store.close()


def test_another_applications_database_is_refused_byte_for_byte_unchanged(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    with pytest.raises(StoreError, match="not a crm store"):
        open_store(db, "alice")
    assert db.read_bytes() == before
