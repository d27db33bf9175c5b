"""Provides backups with SQLite's online backup API, verified after writing, and restores."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from crm_tui.errors import InvalidInput, StoreError
from crm_tui.storage.version import APPLICATION_ID, SCHEMA_VERSION


def backup_to(conn: sqlite3.Connection, target: Path) -> int:
    """Copies the live store to `target` and verifies the copy; returns its op count."""
    if target.exists():
        raise InvalidInput(f"{target} already exists; choose a new file name for the backup.")
    if not target.parent.is_dir():
        raise InvalidInput(f"The directory {target.parent} does not exist; create it first.")
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    try:
        copy = sqlite3.connect(target)
        try:
            conn.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")  # a backup is one self-contained file
        finally:
            copy.close()
        return verify(target, expect_ops=_op_count(conn))
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def keep_copy(conn: sqlite3.Connection, target: Path) -> None:
    """Copies a store about to be replaced to `target`: verified when sound, as it is if damaged.

    A damaged store is what a restore is for, so its pages are kept unverified, never refused.
    """
    if _sound(conn):
        backup_to(conn, target)
        return
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    copy = sqlite3.connect(target)
    try:
        conn.backup(copy)
    finally:
        copy.close()


def _sound(conn: sqlite3.Connection) -> bool:
    try:
        return [row[0] for row in conn.execute("PRAGMA quick_check")] == ["ok"]
    except sqlite3.DatabaseError:
        return False


def verify(path: Path, expect_ops: int | None = None) -> int:
    """Checks that `path` is a sound crm store this version can read; returns its op count."""
    if not path.is_file():
        raise InvalidInput(f"{path} does not exist or is not a file; name a backup made by crm.")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if app_id != APPLICATION_ID:
                raise StoreError(f"{path} is not a crm store.")
            if version > SCHEMA_VERSION:
                raise StoreError(f"{path} was written by a newer crm; upgrade crm to read it.")
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise StoreError(f"{path} fails its integrity check: {problems[0]}.")
            ops = _op_count(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise StoreError(f"{path} is not a usable crm store ({error}).") from None
    if expect_ops is not None and ops != expect_ops:
        raise StoreError(
            f"The backup {path} holds {ops} ops, the store {expect_ops}; not verified."
        )
    return ops


def restore_from(source: Path, conn: sqlite3.Connection) -> int:
    """Replaces the store's content with a verified backup's; returns the op count restored."""
    ops = verify(source)
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        backup.backup(conn)
    finally:
        backup.close()
    return ops


def _op_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM ops").fetchone()[0])
