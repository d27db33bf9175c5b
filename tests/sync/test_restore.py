"""A team server restored from an older backup gets back what the laptops had sent since."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

from crm_tui.services.activities import LogInput, log_activity
from crm_tui.services.records import ContactInput, add_contact
from tests.sync.conftest import Device, Server


def _server_ops(path: str) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {op_id for (op_id,) in conn.execute("SELECT op_id FROM ops")}
    finally:
        conn.close()


def test_laptops_resend_their_ops_to_a_server_restored_from_a_backup(
    make_server: Callable[..., Server], make_device: Callable[..., Device], tmp_path: Path
) -> None:
    server = make_server(str(tmp_path / "team.db"))
    alice, bob = make_device("alice"), make_device("bob")
    alice.login(server, "alice")
    bob.login(server, "bob")
    add_contact(alice.session, ContactInput("佐藤 健一", emails=["ken@example.jp"]))
    alice.sync()
    bob.sync()
    backup = tmp_path / "backup.db"
    source = sqlite3.connect(server.target)
    source.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    source.close()
    shutil.copy(server.target, backup)

    log_activity(alice.session, LogInput("visit", "ken@example.jp", "Second visit"))
    log_activity(bob.session, LogInput("call", "ken@example.jp", "Follow-up call"))
    alice.sync()
    bob.sync()
    everything = _server_ops(server.target)

    server.stop()
    for suffix in ("", "-wal", "-shm"):
        Path(server.target + suffix).unlink(missing_ok=True)
    shutil.copy(backup, server.target)
    restored = make_server(server.target)
    alice.session.store.conn.execute(
        "UPDATE meta SET value = ? WHERE key = 'server_url'", (restored.url,)
    )
    bob.session.store.conn.execute(
        "UPDATE meta SET value = ? WHERE key = 'server_url'", (restored.url,)
    )
    assert _server_ops(restored.target) < everything

    alice.sync()
    bob.sync()
    alice.sync()
    assert _server_ops(restored.target) == everything
    summaries = {s for (s,) in alice.session.store.conn.execute("SELECT summary FROM activities")}
    assert summaries == {"Second visit", "Follow-up call"}
