"""Provides the store's self-check: SQLite's integrity check, and the tables against the op log.

The domain tables are the materialised state of the op log; folding every op again must give
exactly the rows in the tables. Any difference means something wrote around the one write path.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field

from crm_tui.domain.materialise import record_from_state, renewals_from_state
from crm_tui.domain.ops import Op, fold_entity
from crm_tui.domain.records import BY_ENTITY, RECORD_TYPES, Record, column_names
from crm_tui.storage.codec import encode
from crm_tui.storage.oplog import COLUMNS, op_from_row
from crm_tui.storage.queries import get

MAX_REPORTED = 50


@dataclass
class Report:
    """What `crm doctor` found: counts and problems (empty when healthy)."""

    integrity: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    ops: int = 0
    records: int = 0

    @property
    def healthy(self) -> bool:
        """True when nothing is wrong."""
        return not self.integrity and not self.problems


def _entities(conn: sqlite3.Connection) -> Iterator[tuple[str, str, list[Op]]]:
    """Every entity's ops, one entity at a time (the log is read once, in entity order)."""
    rows = conn.execute(f"SELECT {COLUMNS} FROM ops WHERE rejected IS NULL ORDER BY entity_id, seq")
    current: list[Op] = []
    for row in rows:
        op = op_from_row(row)
        if current and current[0].entity_id != op.entity_id:
            yield current[0].entity, current[0].entity_id, current
            current = []
        current.append(op)
    if current:
        yield current[0].entity, current[0].entity_id, current


def check_store(conn: sqlite3.Connection) -> Report:
    """Runs every check and returns the report; call it outside a transaction.

    The integrity check runs first, on its own: when it hits damage, SQLite cannot end a
    transaction around it. The fold then reads one consistent state in a read transaction.
    """
    report = Report(integrity=_integrity(conn))
    if report.integrity == ["ok"]:
        report.integrity = []
    else:
        return report  # folding a damaged file would only add noise
    conn.execute("BEGIN")
    try:
        _check_log(report, conn)
    finally:
        conn.execute("COMMIT")
    return report


def _check_log(report: Report, conn: sqlite3.Connection) -> None:
    """Compares the tables with the folded op log, and the derived data with the tables."""
    seen: set[str] = set()
    kept = _KeptLeaves(conn)
    for entity, entity_id, ops in _entities(conn):
        report.ops += len(ops)
        cls = BY_ENTITY.get(entity)
        if cls is None:
            _problem(report, f"{entity_id}: ops of an unknown kind {entity!r}")
            continue
        seen.add(entity_id)
        state = fold_entity(entity, entity_id, ops)
        if any(event.payload.get("type") == "purged" for event in state.events):
            continue  # an erasure waiting to be sent: its record is gone on purpose
        _compare(report, conn, cls, record_from_state(state))
        leaves = {name: field.leaf_ids for name, field in state.fields.items()}
        if leaves != kept.of(entity_id):
            _problem(report, f"{entity} {entity_id}: the kept field leaves differ from the op log")
        for renewal in renewals_from_state(state):
            if not conn.execute(
                "SELECT 1 FROM contract_renewals WHERE id = ?", (renewal.id,)
            ).fetchone():
                _problem(
                    report, f"contract {entity_id}: renewal {renewal.id} missing from its table"
                )
    kept.of("\U0010ffff")  # the rest of the kept leaves belong to no entity of the log
    for stray in sorted(set(kept.strays)):
        _problem(report, f"{stray}: field leaves kept for an entity with no ops")
    for cls in RECORD_TYPES:
        for (rid,) in conn.execute(f"SELECT id FROM {cls.TABLE}"):
            report.records += 1
            if rid not in seen:
                _problem(report, f"{cls.ENTITY} {rid}: a row with no ops behind it")
    _check_derived(report, conn)
    _check_references(report, conn)


def _integrity(conn: sqlite3.Connection) -> list[str]:
    """SQLite's integrity check; a file too damaged for it to finish is reported, not raised."""
    try:
        return [row[0] for row in conn.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as error:
        try:
            # The quick check gets further on some damage and names the broken pages.
            details = [row[0] for row in conn.execute("PRAGMA quick_check")]
        except sqlite3.DatabaseError:
            details = []
        found = [d for d in details if d != "ok"]
        return [f"stopped early: {error}", *found]


class _KeptLeaves:
    """The kept field leaves (`field_heads`), read in entity order alongside the op log."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._rows = conn.execute(
            "SELECT entity_id, field, op_id FROM field_heads ORDER BY entity_id, field, op_id"
        )
        self._next = next(self._rows, None)
        self.strays: list[str] = []

    def of(self, entity_id: str) -> dict[str, list[str]]:
        """The leaves kept for one entity, by field; rows of entities passed by are strays."""
        while self._next is not None and self._next[0] < entity_id:
            self.strays.append(self._next[0])
            self._next = next(self._rows, None)
        leaves: dict[str, list[str]] = {}
        while self._next is not None and self._next[0] == entity_id:
            leaves.setdefault(self._next[1], []).append(self._next[2])
            self._next = next(self._rows, None)
        return leaves


def _compare(report: Report, conn: sqlite3.Connection, cls: type[Record], expected: Record) -> None:
    actual = get(conn, cls, expected.id)
    if actual is None:
        _problem(report, f"{cls.ENTITY} {expected.id}: in the op log but missing from its table")
        return
    if encode(actual) == encode(expected):
        return
    for name, want, have in zip(column_names(cls), encode(expected), encode(actual), strict=True):
        if want != have:
            _problem(
                report, f"{cls.ENTITY} {expected.id} {name}: table has {have!r}, ops say {want!r}"
            )


def _check_derived(report: Report, conn: sqlite3.Connection) -> None:
    for table, column in (
        ("contacts", "contact_id"),
        ("companies", "company_id"),
        ("deals", "deal_id"),
    ):
        rows = conn.execute(
            f"SELECT t.id FROM {table} t WHERE t.last_activity_at IS NOT (SELECT max(at) "
            f"FROM activities a WHERE a.{column} = t.id AND NOT a.retracted)"
        )
        for (rid,) in rows:
            _problem(report, f"{table} {rid}: cached last activity time is stale")
    try:
        conn.execute("INSERT INTO search (search) VALUES ('integrity-check')")
    except sqlite3.DatabaseError as error:
        _problem(report, f"search index: {error}")


def _check_references(report: Report, conn: sqlite3.Connection) -> None:
    checks = [
        (cls.TABLE, column, target)
        for cls in RECORD_TYPES
        for column, target in (
            ("company_id", "companies"),
            ("contact_id", "contacts"),
            ("deal_id", "deals"),
        )
        if column in cls.FIELDS
    ]
    for table, column, target in checks:
        rows = conn.execute(
            f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL "
            f"AND {column} NOT IN (SELECT id FROM {target})"
        )
        for rid, missing in rows:
            # Sync may deliver a record before the one it points at; report, do not fail.
            _problem(report, f"{table} {rid}: {column} {missing} points at nothing (yet)")


def _problem(report: Report, text: str) -> None:
    if len(report.problems) < MAX_REPORTED:
        report.problems.append(text)
    elif len(report.problems) == MAX_REPORTED:
        report.problems.append("… more problems not listed")
