"""Provides joining a team server (`crm login`) and what the device knows of it (`crm status`)."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from crm_tui.errors import InvalidInput, SyncError
from crm_tui.services.session import Session
from crm_tui.storage.oplog import get_meta, set_meta
from crm_tui.storage.replica import refold


class Joined(NamedTuple):
    """The outcome of `crm login`."""

    server: str
    rep: str
    role: str
    device_id: str
    adopted: int


def login(session: Session, url: str, code: str, label: str | None = None) -> Joined:
    """Joins the team server with a one-time code; work done before joining becomes this rep's."""
    from crm_tui.sync.client import SyncClient

    if not url.startswith(("http://", "https://")):
        raise InvalidInput(
            f"{url!r} is not a server address; write it like https://team.example:8765."
        )
    conn = session.store.conn
    joined = get_meta(conn, "server_url")
    if joined and joined.rstrip("/") != url.rstrip("/"):
        raise InvalidInput(
            f"This store already syncs with {joined}; a store belongs to one team. "
            "Use another --db to join another server."
        )
    site_id = get_meta(conn, "site_id") or ""
    client = SyncClient(url)
    try:
        answer = client.enrol(code, site_id, label)
    finally:
        client.close()
    before = session.store.rep
    with session.store.write():
        for key in ("token", "device_id", "rep", "role"):
            if not isinstance(answer.get(key), str):
                raise SyncError("The team server's answer to the enrolment was not understood.")
        set_meta(conn, "server_url", url.rstrip("/"))
        set_meta(conn, "token", answer["token"])
        set_meta(conn, "device_id", answer["device_id"])
        set_meta(conn, "team_rep", answer["rep"])
        set_meta(conn, "team_role", answer["role"])
        adopted = adopt(conn, before, answer["rep"])
    session.store.rep = answer["rep"]
    return Joined(url.rstrip("/"), answer["rep"], answer["role"], answer["device_id"], adopted)


def adopt(conn: Any, before: str, rep: str) -> int:
    """Makes what this device did before joining the rep's own: its unsent ops name `rep` as
    their author and owner. They never left the device, so rewriting them is safe."""
    if before == rep:
        return 0
    rows = conn.execute(
        "SELECT op_id, entity, entity_id, kind, payload FROM ops WHERE pushed = 0"
    ).fetchall()
    touched: dict[str, str] = {}
    for op_id, entity, entity_id, kind, text in rows:
        payload = json.loads(text)
        if kind == "set" and payload.get("field") == "owner" and payload.get("value") == before:
            payload["value"] = rep
        fields = payload.get("fields")
        if isinstance(fields, dict) and fields.get("owner") == before:
            fields["owner"] = rep
        conn.execute(
            "UPDATE ops SET payload = ?, rep = ? WHERE op_id = ?",
            (json.dumps(payload, ensure_ascii=False, separators=(",", ":")), rep, op_id),
        )
        touched[entity_id] = entity
    refold(conn, touched)
    return len(touched)


MEANINGS = {
    "forbidden": "only the customer's owner or a manager may do this",
    "invalid": "the team server cannot accept it",
}
"""What a refusal means, for people."""


def _change_of(kind: str, payload_text: str) -> str:
    payload = json.loads(payload_text)
    if kind == "set":
        return f"{payload.get('field')} = {payload.get('value')}"
    return str(payload.get("type"))


class Status(NamedTuple):
    """What `crm status` shows; it needs no network."""

    server: str | None
    rep: str
    role: str | None
    pending: int
    rejected: list[dict[str, Any]]
    last_sync: str | None
    last_attempt: str | None
    last_error: str | None


def status(session: Session) -> Status:
    """Pending ops, refused ops and the last sync, from the store alone."""
    conn = session.store.conn
    with session.store.read():
        (pending,) = conn.execute(
            "SELECT count(*) FROM ops WHERE pushed = 0 AND rejected IS NULL"
        ).fetchone()
        rejected = [
            {
                "op_id": op_id,
                "entity": entity,
                "entity_id": entity_id,
                "label": label,
                "change": _change_of(kind, payload),
                "reason": reason,
                "meaning": MEANINGS.get(reason.split(":", 1)[0], reason),
            }
            for op_id, entity, entity_id, kind, payload, reason, label in conn.execute(
                "SELECT o.op_id, o.entity, o.entity_id, o.kind, o.payload, o.rejected, e.label "
                "FROM ops o LEFT JOIN entities e ON e.id = o.entity_id "
                "WHERE o.rejected IS NOT NULL ORDER BY o.seq"
            )
        ]
        return Status(
            server=get_meta(conn, "server_url"),
            rep=session.store.rep,
            role=get_meta(conn, "team_role"),
            pending=int(pending),
            rejected=rejected,
            last_sync=get_meta(conn, "last_sync_ok"),
            last_attempt=get_meta(conn, "last_sync_attempt"),
            last_error=get_meta(conn, "last_sync_error"),
        )
