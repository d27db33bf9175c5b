"""Provides the rep's store: one SQLite file, its pragmas, its checks and its transactions."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from crm_tui.errors import StoreError
from crm_tui.storage.version import APPLICATION_ID, SCHEMA_VERSION

if TYPE_CHECKING:
    from crm_tui.storage.writer import Writer

# Every pragma is set explicitly on every connection; none is left to the build's defaults.
PRAGMAS = (
    "journal_mode = WAL",
    "synchronous = FULL",
    "foreign_keys = ON",
    "busy_timeout = 5000",
    "temp_store = MEMORY",
    "trusted_schema = OFF",
    "cache_size = -32000",
    "wal_autocheckpoint = 1000",
    # Deleted content is overwritten, so an erased person's data does not linger in free pages.
    "secure_delete = ON",
)


_CHECK_PATH = "check --db (or CRM_DB); crm leaves the file as it is."


class Store:
    """An open store: a connection with its pragmas set and its schema current."""

    def __init__(self, path: Path, conn: sqlite3.Connection, rep: str) -> None:
        self.path = path
        self.conn = conn
        self.rep = rep
        self.clock_offset_ms = 0
        """How far this device's clock is off (tests set it to play devices whose clock is)."""

    def now_ms(self) -> int:
        """The device's wall clock in milliseconds, which stamps its ops."""
        return time.time_ns() // 1_000_000 + self.clock_offset_ms

    @contextmanager
    def write(self, *, refetchable: bool = False) -> Iterator[Writer]:
        """Runs a write in one `BEGIN IMMEDIATE` transaction; every change goes through it.

        A `refetchable` write holds only what the team server can send again (a pulled page
        with its cursor): its commit is atomic but not flushed to the disk at once, so after a
        power cut the device at worst pulls that page again. Every other commit is flushed.
        """
        from crm_tui.storage.writer import Writer

        if refetchable:
            self.conn.execute("PRAGMA synchronous = NORMAL")
        try:
            with self._transaction(Writer(self.conn, rep=self.rep, clock=self.now_ms)) as writer:
                yield writer
        finally:
            if refetchable:
                self.conn.execute("PRAGMA synchronous = FULL")

    @contextmanager
    def _transaction(self, writer: Writer) -> Iterator[Writer]:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise StoreError(
                f"{self.path} is busy ({error}); another crm is writing. Try again."
            ) from None
        try:
            yield writer
            writer.finish()
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """Runs reads in one transaction, so they see one consistent state."""
        self.conn.execute("BEGIN")
        try:
            yield self.conn
        finally:
            self.conn.execute("COMMIT")

    def quick_check(self) -> list[str]:
        """Runs SQLite's quick integrity check (it reads the whole file); [] when healthy."""
        rows = [row[0] for row in self.conn.execute("PRAGMA quick_check")]
        return [] if rows == ["ok"] else rows

    def require_healthy(self) -> None:
        """Refuses to go on with a long write when the file is damaged."""
        problems = self.quick_check()
        if problems:
            raise StoreError(
                f"{self.path} fails its integrity check ({problems[0]}); "
                "restore a backup with `crm restore FILE`, or run `crm doctor` for details."
            )

    def close(self) -> None:
        """Closes the connection."""
        self.conn.close()


def open_store(path: Path, rep: str, *, create_parent: bool = False) -> Store:
    """Opens (creating if needed) the store at `path` and brings its schema up to date."""
    if not path.parent.is_dir():
        if not create_parent:
            raise StoreError(
                f"The directory {path.parent} does not exist; create it or choose another --db."
            )
        path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        _create_private_file(path)
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    except sqlite3.DatabaseError as error:
        raise StoreError(f"{path} is not a usable crm store ({error}); {_CHECK_PATH}") from None
    try:
        conn.execute("PRAGMA busy_timeout = 5000")
        # The file's identity is checked before any pragma that writes to it (journal_mode
        # rewrites the header): another application's database is left exactly as it was.
        version = _check_identity(conn, path)
        for pragma in PRAGMAS:
            conn.execute(f"PRAGMA {pragma}")
        if version < SCHEMA_VERSION:
            from crm_tui.storage.migrations import migrate

            migrate(conn, path)
    except BaseException:
        conn.close()
        raise
    # Once the device has joined a team, it writes as the rep the server knows it by.
    row = conn.execute("SELECT value FROM meta WHERE key = 'team_rep'").fetchone()
    return Store(path, conn, row[0] if row else rep)


def _check_identity(conn: sqlite3.Connection, path: Path) -> int:
    """Refuses a file that is not a crm store this version can use; returns its schema version."""
    try:
        version, app_id = _identity(conn)
    except sqlite3.DatabaseError as error:
        raise StoreError(f"{path} is not a usable crm store ({error}); {_CHECK_PATH}") from None
    if app_id not in (0, APPLICATION_ID):
        raise StoreError(
            f"{path} is an SQLite file of another application, not a crm store; {_CHECK_PATH}"
        )
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} was written by a newer crm (schema {version}, "
            f"this one knows {SCHEMA_VERSION}); "
            "upgrade crm to use it."
        )
    if version == 0:
        from crm_tui.storage.migrations import foreign_tables

        if foreign_tables(conn):
            raise StoreError(
                f"{path} is an SQLite database of something else, not a crm store; {_CHECK_PATH}"
            )
    return version


def _identity(conn: sqlite3.Connection) -> tuple[int, int]:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    return int(version), int(app_id)


def _create_private_file(path: Path) -> None:
    """Creates an empty store file readable by its owner only (it holds customers and tokens)."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    except OSError as error:
        raise StoreError(f"Cannot create the store {path}: {error.strerror}.") from None
    os.close(fd)
