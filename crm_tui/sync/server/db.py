"""Provides the team server's database: one small adapter over SQLite and PostgreSQL (psycopg 3).

SQL is written once with `?` placeholders and the syntax both understand (`ON CONFLICT`,
`RETURNING`). Each thread keeps its own connection. Only the schema's identity column and the
lock that serialises pushes differ: `BEGIN IMMEDIATE` on SQLite, a transaction-level advisory
lock on PostgreSQL, so that `server_seq` is handed out in commit order on both.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from crm_tui.errors import StoreError

SCHEMA_VERSION = 1
PUSH_LOCK = 7_452_020_261_126
"""The advisory lock key that serialises the part of a push that hands out `server_seq`."""


def _schema(identity: str) -> list[str]:
    return [
        "CREATE TABLE IF NOT EXISTS server_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE IF NOT EXISTS reps (
            name TEXT PRIMARY KEY, role TEXT NOT NULL, created_at TEXT NOT NULL,
            revoked_at TEXT)""",
        """CREATE TABLE IF NOT EXISTS enrolments (
            code_hash TEXT PRIMARY KEY, rep TEXT NOT NULL, created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL, used_at TEXT)""",
        """CREATE TABLE IF NOT EXISTS devices (
            device_id TEXT PRIMARY KEY, rep TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
            site_id TEXT NOT NULL, label TEXT, created_at TEXT NOT NULL, last_seen_at TEXT,
            last_sync_at TEXT, revoked_at TEXT)""",
        f"""CREATE TABLE IF NOT EXISTS ops (
            server_seq {identity}, op_id TEXT NOT NULL UNIQUE, site_id TEXT NOT NULL,
            hlc BIGINT NOT NULL, entity TEXT NOT NULL, entity_id TEXT NOT NULL,
            kind TEXT NOT NULL, field TEXT, payload TEXT NOT NULL, rep TEXT NOT NULL,
            device_id TEXT NOT NULL, received_at TEXT NOT NULL, flags TEXT,
            wire TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS ops_entity ON ops (entity_id, field)",
        """CREATE TABLE IF NOT EXISTS owners (
            entity_id TEXT PRIMARY KEY, owner TEXT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS handovers (
            entity_id TEXT NOT NULL, from_rep TEXT NOT NULL, to_rep TEXT NOT NULL,
            op_id TEXT NOT NULL PRIMARY KEY, hlc BIGINT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS handovers_entity ON handovers (entity_id)",
        """CREATE TABLE IF NOT EXISTS links (
            entity_id TEXT NOT NULL, entity TEXT NOT NULL, target_id TEXT NOT NULL,
            PRIMARY KEY (entity_id, target_id))""",
        "CREATE INDEX IF NOT EXISTS links_target ON links (target_id)",
        """CREATE TABLE IF NOT EXISTS erased (
            entity_id TEXT PRIMARY KEY, erased_at TEXT NOT NULL, by_rep TEXT NOT NULL)""",
    ]


_INSERT = re.compile(r"INSERT INTO (\w+) \(([^)]*)\) VALUES \((?:\?, )*\?\)(.*)", re.S)
"""The statements `executemany` takes: an INSERT of one row's placeholders, and what follows."""


class Database:
    """The server's store: a path (SQLite) or a `postgresql://` URL, a connection per thread."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.postgres = target.startswith(("postgresql://", "postgres://"))
        self._local = threading.local()
        self._writers = threading.Lock()
        self._types: dict[str, dict[str, str]] = {}

    def describe(self) -> str:
        """Where the store is, without any password."""
        if not self.postgres:
            return self.target
        from urllib.parse import urlsplit

        parts = urlsplit(self.target)
        host = parts.hostname or "localhost"
        return f"postgresql://{host}{':' + str(parts.port) if parts.port else ''}{parts.path}"

    def _connect(self) -> Any:
        if self.postgres:
            import psycopg

            try:
                return psycopg.connect(self.target, autocommit=True)
            except psycopg.OperationalError as error:
                raise StoreError(
                    f"Cannot reach the server store {self.describe()}: {error}"
                ) from None
        path = Path(self.target)
        if not path.parent.is_dir():
            raise StoreError(f"The directory {path.parent} does not exist; create it first.")
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in (
            "journal_mode = WAL",
            "synchronous = FULL",
            "busy_timeout = 10000",
            "foreign_keys = ON",
            "secure_delete = ON",
            "temp_store = MEMORY",
        ):
            conn.execute(f"PRAGMA {pragma}")
        return conn

    @property
    def conn(self) -> Any:
        """This thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def sql(self, statement: str) -> str:
        """The statement in the driver's placeholder style."""
        return statement.replace("?", "%s") if self.postgres else statement

    def utf8(self, column: str) -> str:
        """An expression for a text column whose UTF-8 bytes a page is built from.

        SQLite hands a BLOB's bytes over as they are stored; PostgreSQL would send a bytea as
        hex text, so there the column comes as text and the caller encodes it."""
        return column if self.postgres else f"CAST({column} AS BLOB)"

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Any:
        """Runs one statement; returns a cursor."""
        return self.conn.execute(self.sql(statement), tuple(params))

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        """Runs one statement for many rows."""
        if not rows:
            return
        if self.postgres:
            # One statement taking a column of values per array: row by row, each row costs
            # a round of the driver's work, and pushes hold the push lock all the while.
            insert = _INSERT.fullmatch(statement)
            assert insert is not None, statement
            table, names, rest = insert.groups()
            types = self._column_types(table)
            arrays = ", ".join(f"%b::{types[name.strip()]}[]" for name in names.split(","))
            self.conn.execute(
                f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}){self.sql(rest)}",
                [list(column) for column in zip(*rows, strict=True)],
            )
        else:
            self.conn.executemany(statement, [tuple(r) for r in rows])

    def rows_any(self, statement: str, values: list[str]) -> list[tuple[Any, ...]]:
        """Runs a PostgreSQL query whose `IN ({})` is to take the values, as one array: one
        parameter however many values, instead of a statement text to parse per length."""
        query = statement.replace("IN ({})", "= ANY(%b::text[])")
        # Planned for the values given: a generic plan may scan a large table instead.
        cursor = self.conn.execute(query, [values], prepare=False)
        return [tuple(row) for row in cursor.fetchall()]

    def _column_types(self, table: str) -> dict[str, str]:
        """A PostgreSQL table's columns and their types (asked once per process)."""
        types = self._types.get(table)
        if types is None:
            found = self.rows(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = ?",
                (table,),
            )
            types = self._types[table] = {str(name): str(kind) for name, kind in found}
        return types

    def rows(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Runs a query and returns its rows."""
        return [tuple(row) for row in self.execute(statement, params).fetchall()]

    @contextmanager
    def transaction(self, *, serialised: bool = False) -> Iterator[None]:
        """One transaction; `serialised` ones (pushes) run one at a time, in commit order.

        On SQLite this process's writers also queue on a lock of its own, first come first
        served: SQLite's busy handler polls, and under load some writers would starve.
        """
        queue = self._writers if serialised and not self.postgres else nullcontext()
        with queue:
            if self.postgres:
                self.execute("BEGIN")
                if serialised:
                    self.execute("SELECT pg_advisory_xact_lock(?)", (PUSH_LOCK,))
            else:
                self.execute("BEGIN IMMEDIATE" if serialised else "BEGIN")
            try:
                yield
            except BaseException:
                self.execute("ROLLBACK")
                raise
            self.execute("COMMIT")

    def create_schema(self) -> None:
        """Creates the tables (idempotent) and gives the store its identity (`epoch`)."""
        # Never reused, even after an erasure deletes the newest ops: a device's cursor must
        # never pass over an op that comes later (SQLite needs AUTOINCREMENT for that).
        identity = (
            "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
            if self.postgres
            else "INTEGER PRIMARY KEY AUTOINCREMENT"
        )
        with self.transaction(serialised=True):
            for statement in _schema(identity):
                self.execute(statement)
            from crm_tui.domain.ids import new_id

            self.execute(
                "INSERT INTO server_meta (key, value) VALUES ('epoch', ?), ('schema', ?) "
                "ON CONFLICT (key) DO NOTHING",
                (new_id(), str(SCHEMA_VERSION)),
            )

    def meta(self, key: str) -> str | None:
        """A value of the server's own settings."""
        rows = self.rows("SELECT value FROM server_meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def close(self) -> None:
        """Closes this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
