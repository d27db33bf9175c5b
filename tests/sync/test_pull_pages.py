"""A pulled page's payloads reach the device's log as the server sent them, byte for byte, and a
page laid out otherwise is still read right (its payloads are encoded again)."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx

from crm_tui.domain.records import Company, Contact
from crm_tui.storage.oplog import payload_text
from crm_tui.sync import protocol as p
from crm_tui.sync.client import SyncClient
from tests.sync.conftest import Device, Server

TRICKY = 'a "payload": {"x": 1}},{"server_seq": 9, \\ }] 山田\u200b😀'
"""A note holding the very text the page is cut at, escapes, a zero-width space and an emoji."""


def test_payloads_arrive_in_the_log_as_the_author_wrote_them(
    server: Server, make_device: Callable[..., Device]
) -> None:
    alice, bob = make_device("alice", "alice"), make_device("bob", "bob")
    alice.login(server, "alice")
    bob.login(server, "bob")
    with alice.session.store.write() as w:
        acme = w.create(Company, {"name": "株式会社アクメ", "note": TRICKY, "tags": ["a", "b"]})
        w.create(Contact, {"display_name": "佐藤 健一", "company_id": acme.id, "note": TRICKY})
    alice.sync()
    conn = bob.session.store.conn
    token, url = (
        conn.execute("SELECT value FROM meta WHERE key = ?", (k,)).fetchone()[0]
        for k in ("token", "server_url")
    )
    client = SyncClient(url, token)
    try:
        page = client.pull(None, 1000)
    finally:
        client.close()
    assert page.pulled and all(item.payload_text == payload_text(item.op) for item in page.pulled)
    bob.sync()
    query = "SELECT op_id, payload FROM ops ORDER BY op_id"
    mine = alice.session.store.conn.execute(query).fetchall()
    assert conn.execute(query).fetchall() == mine
    (note,) = conn.execute("SELECT note FROM contacts").fetchone()
    assert note == TRICKY


def test_the_page_is_cut_at_each_ops_payload_key_only() -> None:
    payloads = [{"field": "note", "value": TRICKY, "pred": []}, {"type": "logged", "fields": {}}]
    wires = [
        f'{{"server_seq": {n}, "op_id": "X", "flags": [], "rep": "a}}]", "payload": {text}}}'
        for n, text in enumerate(
            (json.dumps(x, ensure_ascii=False, separators=(",", ":")) for x in payloads), start=1
        )
    ]
    page = '{"ops": [' + ",".join(wires) + '], "cursor": "c", "more": false}'
    texts = p.payload_texts(page, 2)
    assert texts is not None and [json.loads(t) for t in texts if t] == payloads


def test_a_page_laid_out_otherwise_is_read_by_encoding_its_payloads_again() -> None:
    payload = {"field": "note", "value": "hello", "pred": []}
    op = {
        "server_seq": 1,
        "op_id": "01J99EVKM02SDPAY9QQQ14RDTY",
        "site_id": "site",
        "hlc": 5,
        "entity": "contact",
        "entity_id": "01J99EVKM02SDPAY9QQQ14RDTZ",
        "kind": "set",
        "payload": payload,  # not last, and spaced as json.dumps spaces it
        "rep": "alice",
        "flags": [],
        "received_at": "2026-11-26T00:00:00Z",
    }
    body = json.dumps({"ops": [op], "cursor": "c", "more": False, "server_time_ms": 0})
    assert p.payload_texts(body, 1) is None
    client = SyncClient("http://127.0.0.1:9")
    client.http = httpx.Client(
        base_url="http://127.0.0.1:9",
        transport=httpx.MockTransport(lambda request: httpx.Response(200, text=body)),
    )
    try:
        (item,) = client.pull(None, 10).pulled
    finally:
        client.close()
    assert item.payload_text is None and item.op.payload == payload
