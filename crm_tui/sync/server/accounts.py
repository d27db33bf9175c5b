"""Provides the team's people and devices: reps, one-time enrolment codes, device tokens.

Codes and tokens are random and stored only as SHA-256 hashes; a revoked device (or every
device of a revoked rep) is refused at its next request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from crm_tui.domain.ids import new_id
from crm_tui.errors import InvalidInput, NotFound
from crm_tui.sync.server.db import Database

ROLES = ("rep", "manager")
CODE_DAYS = 7
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


class Device(NamedTuple):
    """An enrolled device: whose it is, what it may do, and its site id."""

    device_id: str
    rep: str
    role: str
    site_id: str


class RepRow(NamedTuple):
    """A rep with their devices, for `crm server reps`."""

    name: str
    role: str
    revoked: bool
    devices: list[dict[str, str | None]]


def digest(secret: str) -> str:
    """The stored form of a code or token."""
    return hashlib.sha256(secret.encode()).hexdigest()


def now_iso() -> str:
    """The server's clock, as stored."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def add_rep(db: Database, name: str, role: str = "rep") -> str:
    """Adds (or re-admits) a rep and returns a new one-time enrolment code for them."""
    name = name.strip()
    if not name or len(name) > 64 or any(c.isspace() for c in name):
        raise InvalidInput(f"{name!r} is not a rep name; use one word such as alice.")
    if role not in ROLES:
        raise InvalidInput(f"{role!r} is not a role; use rep or manager.")
    code = "-".join("".join(secrets.choice(_CODE_ALPHABET) for _ in range(4)) for _ in range(3))
    created = datetime.now(UTC)
    with db.transaction(serialised=True):
        db.execute(
            "INSERT INTO reps (name, role, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET role = excluded.role, revoked_at = NULL",
            (name, role, now_iso()),
        )
        db.execute(
            "INSERT INTO enrolments (code_hash, rep, created_at, expires_at) VALUES (?, ?, ?, ?)",
            (
                digest(code),
                name,
                now_iso(),
                (created + timedelta(days=CODE_DAYS)).isoformat().replace("+00:00", "Z"),
            ),
        )
    return code


def redeem(db: Database, code: str, site_id: str, label: str | None) -> tuple[str, Device]:
    """Turns a one-time code into a device and its bearer token (returned once, never stored)."""
    token = secrets.token_urlsafe(32)
    normalised = code.strip().upper().replace(" ", "")
    with db.transaction(serialised=True):
        rows = db.rows(
            "SELECT e.rep, e.expires_at, e.used_at, r.role, r.revoked_at FROM enrolments e "
            "JOIN reps r ON r.name = e.rep WHERE e.code_hash = ?",
            (digest(normalised),),
        )
        if not rows or rows[0][2] is not None or rows[0][4] is not None or rows[0][1] < now_iso():
            raise NotFound("That enrolment code is unknown, used or expired; ask for a new one.")
        rep, _, _, role, _ = rows[0]
        device = Device(new_id(), rep, role, site_id)
        db.execute(
            "UPDATE enrolments SET used_at = ? WHERE code_hash = ?", (now_iso(), digest(normalised))
        )
        db.execute(
            "INSERT INTO devices (device_id, rep, token_hash, site_id, label, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (device.device_id, rep, digest(token), site_id, label, now_iso()),
        )
    return token, device


def authenticate(db: Database, token: str) -> Device | None:
    """The device a bearer token belongs to, or None (unknown, revoked, rep revoked)."""
    rows = db.rows(
        "SELECT d.device_id, d.rep, r.role, d.site_id FROM devices d JOIN reps r ON r.name = d.rep "
        "WHERE d.token_hash = ? AND d.revoked_at IS NULL AND r.revoked_at IS NULL",
        (digest(token),),
    )
    return Device(*rows[0]) if rows else None


def revoke(db: Database, who: str) -> str:
    """Revokes a rep (all their devices and codes) or one device; says which it was."""
    with db.transaction(serialised=True):
        if db.rows("SELECT 1 FROM reps WHERE name = ?", (who,)):
            db.execute("UPDATE reps SET revoked_at = ? WHERE name = ?", (now_iso(), who))
            db.execute(
                "UPDATE devices SET revoked_at = ? WHERE rep = ? AND revoked_at IS NULL",
                (now_iso(), who),
            )
            db.execute("DELETE FROM enrolments WHERE rep = ? AND used_at IS NULL", (who,))
            return f"rep {who}"
        if db.rows("SELECT 1 FROM devices WHERE device_id = ?", (who,)):
            db.execute("UPDATE devices SET revoked_at = ? WHERE device_id = ?", (now_iso(), who))
            return f"device {who}"
    raise NotFound(f"No rep or device is called {who!r}; see `crm server reps`.")


def reps(db: Database) -> list[RepRow]:
    """Every rep with their devices and when each last synced."""
    devices: dict[str, list[dict[str, str | None]]] = {}
    for device_id, rep, label, last_sync, revoked in db.rows(
        "SELECT device_id, rep, label, last_sync_at, revoked_at FROM devices ORDER BY created_at"
    ):
        devices.setdefault(rep, []).append(
            {"device": device_id, "label": label, "last_sync": last_sync, "revoked": revoked}
        )
    return [
        RepRow(name, role, revoked is not None, devices.get(name, []))
        for name, role, revoked in db.rows("SELECT name, role, revoked_at FROM reps ORDER BY name")
    ]


def rep_names(db: Database) -> set[str]:
    """The names of every rep the team has ever enrolled."""
    return {name for (name,) in db.rows("SELECT name FROM reps")}


def seen(db: Database, device_id: str) -> None:
    """Notes that a device started a sync (`crm server reps` shows when), at most once a
    minute per device: under load every write waits for the store's one writer."""
    minute_ago = (datetime.now(UTC) - timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    if db.rows(
        "SELECT 1 FROM devices WHERE device_id = ? AND last_sync_at > ?", (device_id, minute_ago)
    ):
        return
    with db.transaction():
        db.execute(
            "UPDATE devices SET last_sync_at = ?, last_seen_at = ? WHERE device_id = ?",
            (now_iso(), now_iso(), device_id),
        )
