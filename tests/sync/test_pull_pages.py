"""A pulled page's payloads reach the device's log as the server sent them, byte for byte, and a
page laid out otherwise is still read right (its payloads are encoded again)."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable

import httpx
import pytest

from crm_tui.domain.records import Company, Contact
from crm_tui.errors import SyncError
from crm_tui.services.sync import _pull
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


def test_a_pull_that_fails_midway_keeps_the_pages_before_and_restores_the_store_settings(
    server: Server, make_device: Callable[..., Device]
) -> None:
    alice, bob = make_device("alice", "alice"), make_device("bob", "bob")
    alice.login(server, "alice")
    bob.login(server, "bob")
    with alice.session.store.write() as w:
        for n in range(5):
            w.create(Company, {"name": f"株式会社テスト{n}"})
    alice.sync()
    conn = bob.session.store.conn
    token, url = (
        conn.execute("SELECT value FROM meta WHERE key = ?", (k,)).fetchone()[0]
        for k in ("token", "server_url")
    )
    real = SyncClient(url, token)
    pages = [real.http.get(f"{p.PREFIX}/pull", params={"limit": 3}).content]
    real.close()
    answers = iter([httpx.Response(200, content=pages[0]), httpx.Response(500, text="down")])
    client = SyncClient(url, token)
    client.http = httpx.Client(
        base_url=url, transport=httpx.MockTransport(lambda request: next(answers))
    )
    with pytest.raises(SyncError, match="refused the request"):
        _pull(bob.session, client, lambda phase, done, total: None)
    client.close()
    assert gc.isenabled()
    assert conn.execute("PRAGMA wal_autocheckpoint").fetchone() == (1000,)
    assert conn.execute("SELECT count(*) FROM ops").fetchone() == (3,)  # the first page's
    assert conn.execute("SELECT value FROM meta WHERE key = 'cursor'").fetchone() == (
        json.loads(pages[0])["cursor"],
    )
    bob.sync()  # the rest, from the saved cursor
    assert conn.execute("SELECT count(*) FROM companies").fetchone() == (5,)
