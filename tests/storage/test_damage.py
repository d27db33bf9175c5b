"""Tests of the store's self-check and backups on a file damaged on disk."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crm_tui.domain.records import Company
from crm_tui.errors import StoreError
from crm_tui.storage.backup import backup_to, keep_copy, verify
from crm_tui.storage.db import open_store
from crm_tui.storage.doctor import check_store


def _damaged_store(path: Path) -> None:
    """Makes a store with a company, then overwrites the companies table's page with garbage."""
    store = open_store(path, "alice")
    with store.write() as writer:
        writer.create(Company, {"name": "Acme"})
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'companies'").fetchone()
    (size,) = conn.execute("PRAGMA page_size").fetchone()
    conn.close()
    with path.open("r+b") as file:
        file.seek((root - 1) * size)
        file.write(b"\xff" * size)


def test_check_store_reports_damage_instead_of_raising(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    _damaged_store(path)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        report = check_store(conn)
        assert not report.healthy
        assert report.integrity and report.integrity != ["ok"]
        assert not conn.in_transaction
    finally:
        conn.close()


def test_a_damaged_store_is_neither_backed_up_nor_verified(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    _damaged_store(path)
    conn = sqlite3.connect(path)
    try:
        with pytest.raises((StoreError, sqlite3.DatabaseError)):
            backup_to(conn, tmp_path / "backup.db")
    finally:
        conn.close()
    assert not (tmp_path / "backup.db").exists()
    with pytest.raises(StoreError):
        verify(path)


def test_keep_copy_keeps_a_damaged_store_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    _damaged_store(path)
    conn = sqlite3.connect(path)
    try:
        keep_copy(conn, tmp_path / "kept.db")
    finally:
        conn.close()
    kept = tmp_path / "kept.db"
    # Page for page the same; only the header's change counter may differ.
    assert kept.read_bytes()[100:] == path.read_bytes()[100:]
    assert kept.stat().st_mode & 0o777 == 0o600
