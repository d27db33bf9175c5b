"""Provides looking after the store: `crm doctor`, `crm backup` and `crm restore`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from crm_tui.services.session import Session
from crm_tui.storage.backup import backup_to, keep_copy, restore_from, verify
from crm_tui.storage.doctor import Report, check_store


def doctor(session: Session) -> Report:
    """Runs SQLite's integrity check and compares the tables with the folded op log."""
    return check_store(session.store.conn)


class BackupResult(NamedTuple):
    """Where a backup went and how many ops it holds."""

    path: Path
    ops: int


def backup(session: Session, target: Path) -> BackupResult:
    """Writes a verified copy of the store to `target` (which must not exist)."""
    return BackupResult(target, backup_to(session.store.conn, target.expanduser()))


class RestoreResult(NamedTuple):
    """What a restore did: the ops restored and where the replaced store was kept."""

    ops: int
    previous: Path


def restore(session: Session, source: Path) -> RestoreResult:
    """Replaces the store with a backup, first keeping the current store beside it."""
    source = source.expanduser()
    verify(source)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    keep = session.store.path.with_name(f"{session.store.path.name}.before-restore-{stamp}")
    # No integrity check first: a damaged store is what a restore is for.
    keep_copy(session.store.conn, keep)
    ops = restore_from(source, session.store.conn)
    return RestoreResult(ops, keep)
