"""Handing customers over between reps, with the `crm` commands on separate laptops."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from tests.sync.conftest import Server
from tests.sync.laptops import Laptop, joined

CUSTOMERS = ("taro@example.jp", "ミナト", "ken@example.jp")


def alices_book(alice: Laptop) -> None:
    """Alice's customers: a company and its contact with past and open work, and Ken."""
    a = alice.crm
    a("add", "company", "株式会社ミナト精機")
    a("add", "contact", "山田 太郎", "--company", "ミナト", "--email", "taro@example.jp")
    a("add", "contact", "佐藤 健一", "--email", "ken@example.jp")
    a("log", "visit", "taro@example.jp", "Demo of the new model")
    a("log", "note", "taro@example.jp", "Prefers mornings")
    a("log", "call", "ミナト", "Asked about delivery")
    a("log", "visit", "ken@example.jp", "First visit")
    a("add", "deal", "Model X", "--company", "ミナト", "--contact", "山田", "--amount", "300000")
    a("add", "deal", "Old order", "--company", "ミナト", "--stage", "won")
    a("task", "add", "Send the brochure", "--for", "山田", "--due", "3d")
    a("task", "add", "Thank-you card", "--for", "山田")
    a("task", "done", "Thank-you card")
    a("inquiry", "open", "山田", "Price question")
    a("inquiry", "open", "山田", "Old question")
    a("inquiry", "resolve", "Old question")
    a("quote", "new", "山田", "--title", "Draft one")
    accepted = a("quote", "new", "山田", "--title", "Accepted one").out.strip()
    a("quote", "line", accepted, "Model X", "--qty", "1", "--price", "300000")
    a("quote", "set-status", accepted, "accepted")


def owners(laptop: Laptop) -> dict[str, str]:
    """Every record's owner as `crm ls KIND --all --json` shows it, by its title or name."""
    found = {}
    for kind in ("companies", "contacts", "deals", "tasks", "inquiries", "quotes"):
        for row in laptop.json("ls", kind, "--all"):
            name = row.get("title") or row.get("subject") or row.get("name")
            found[name or row["display_name"]] = row["owner"]
    return found


def timeline(laptop: Laptop, record: str) -> list[dict[str, Any]]:
    """A record's timeline as `crm show --json` gives it."""
    entries: list[dict[str, Any]] = laptop.show(record)["timeline"]
    return entries


def force_manager(laptop: Laptop) -> None:
    """Makes a rep's laptop believe it is a manager's: the server still knows better."""
    conn = sqlite3.connect(laptop.store)
    with conn:
        conn.execute("UPDATE meta SET value = 'manager' WHERE key = 'team_role'")
    conn.close()


def test_an_owner_hands_a_company_over_with_its_open_work(server: Server, tmp_path: Path) -> None:
    alice = joined(tmp_path / "alice", server, "alice")
    bob = joined(tmp_path / "bob", server, "bob")
    alices_book(alice)

    # Her laptop learns who is on the team when it syncs, and hands only to them.
    unknown = alice.crm("handover", "ミナト", "--to", "bob", ok=False)
    assert (unknown.code, unknown.out) == (2, "")
    assert unknown.err == "crm: This device does not know the team yet; run `crm sync` first.\n"
    alice.sync()
    server.add_rep("carol")
    stale = alice.crm("handover", "ミナト", "--to", "carol", ok=False)
    assert (stale.code, stale.out) == (2, "")
    assert stale.err == (
        "crm: 'carol' is not on the team (alice, bob); if they joined since, run `crm sync` "
        "first.\n"
    )
    assert alice.json("status")["pending"] == 0
    handed = alice.crm("handover", "ミナト", "--to", "bob", "--note", "Bob covers Osaka now")
    # Its contact and open deal, task, inquiry and quote go with it; closed ones stay Alice's.
    assert handed.out == "Handed 株式会社ミナト精機 to bob, with 5 open records.\n"
    again = alice.crm("handover", "ミナト", "--to", "bob", ok=False)
    assert (again.code, again.out) == (2, "")
    assert again.err == "crm: '株式会社ミナト精機' is already bob's: nothing to hand over.\n"
    alice.sync()
    bob.sync()

    company = bob.show("ミナト")
    assert company["owner"] == "bob"
    assert company["timeline"] == timeline(alice, "ミナト")
    first = company["timeline"][0]
    assert (first["kind"], first["from"], first["to"], first["note"], first["by"]) == (
        "handover",
        "alice",
        "bob",
        "Bob covers Osaka now",
        "alice",
    )
    assert owners(bob) == {
        "株式会社ミナト精機": "bob",
        "山田 太郎": "bob",
        "佐藤 健一": "alice",
        "Model X": "bob",
        "Old order": "alice",
        "Send the brochure": "bob",
        "Thank-you card": "alice",
        "Price question": "bob",
        "Old question": "alice",
        "Draft one": "bob",
        "Accepted one": "alice",
    }
    said = bob.crm("history", "ミナト").out
    assert "alice" in said and "handover from alice to bob (Bob covers Osaka now)" in said
    assert "owner = bob" in said


def test_a_rep_cannot_hand_over_another_reps_customer(server: Server, tmp_path: Path) -> None:
    alice = joined(tmp_path / "alice", server, "alice")
    bob = joined(tmp_path / "bob", server, "bob")
    alice.crm("add", "contact", "山田 太郎", "--email", "taro@example.jp")
    alice.crm("add", "deal", "Model X", "--contact", "山田")
    alice.sync()
    bob.sync()

    refused = bob.crm("handover", "taro@example.jp", "--to", "bob", ok=False)
    assert (refused.code, refused.out) == (6, "")
    assert refused.err == (
        "crm: '山田 太郎' is alice's customer; only alice or a manager can hand it over.\n"
    )
    nothing = bob.json("status")
    assert (nothing["pending"], nothing["rejected"]) == (0, [])
    all_of = bob.crm("handover", "--all-of", "alice", "--to", "bob", ok=False)
    assert all_of.code == 6
    assert all_of.err == "crm: Handing over all of a rep's customers is a manager's command.\n"

    # Forced past the local check, the server refuses it: the ops stay on Bob's laptop.
    force_manager(bob)
    bob.crm("handover", "taro@example.jp", "--to", "bob")
    report = bob.sync()
    assert (report["sent"], report["rejected"]) == (0, 3)
    status = bob.json("status")
    assert status["pending"] == 0
    assert sorted((r["entity"], r["reason"]) for r in status["rejected"]) == [
        ("contact", "forbidden"),
        ("contact", "forbidden"),
        ("deal", "forbidden"),
    ]
    kept = bob.query("SELECT op_id FROM ops WHERE rejected = 'forbidden' ORDER BY op_id")
    assert sorted(r["op_id"] for r in status["rejected"]) == [op_id for (op_id,) in kept]
    assert "Refused by the server: contact" in bob.crm("status").out
    # What the server refused does not count, here or anywhere.
    assert bob.show("taro@example.jp")["owner"] == "alice"
    assert alice.sync()["received"] == 0
    ken = alice.show("taro@example.jp")
    assert ken["owner"] == "alice"
    assert [e["kind"] for e in ken["timeline"]] == ["deal"]


def test_a_manager_hands_over_every_customer_of_a_rep_with_their_history(
    server: Server, tmp_path: Path
) -> None:
    alice = joined(tmp_path / "alice", server, "alice")
    bob = joined(tmp_path / "bob", server, "bob")
    mona = joined(tmp_path / "mona", server, "mona", "manager")
    alices_book(alice)
    alice.sync()
    seen_by_alice = {record: timeline(alice, record) for record in CUSTOMERS}
    mona.sync()

    handed = mona.crm("handover", "--all-of", "alice", "--to", "bob")
    assert handed.out.startswith("Handed 株式会社ミナト精機, 佐藤 健一, 山田 太郎 to bob, with ")
    as_json = mona.crm("handover", "--all-of", "alice", "--to", "bob", "--json", ok=False)
    assert as_json.code == 2 and as_json.err == "crm: alice owns no customers on this device.\n"
    assert mona.sync()["rejected"] == 0

    # Bob's next sync (his first) brings everything, and he owns what is still open.
    bob.sync()
    assert owners(bob) == {
        "株式会社ミナト精機": "bob",
        "山田 太郎": "bob",
        "佐藤 健一": "bob",
        "Model X": "bob",
        "Old order": "alice",
        "Send the brochure": "bob",
        "Thank-you card": "alice",
        "Price question": "bob",
        "Old question": "alice",
        "Draft one": "bob",
        "Accepted one": "alice",
    }
    seen_by_bob = {record: timeline(bob, record) for record in CUSTOMERS}
    for record, entries in seen_by_bob.items():
        assert [e for e in entries if e["kind"] != "handover"] == seen_by_alice[record], record
        (handover,) = [e for e in entries if e["kind"] == "handover"]
        assert (handover["from"], handover["to"], handover["by"]) == ("alice", "bob", "mona")
    kinds = {e["kind"] for e in seen_by_bob["taro@example.jp"]}
    assert kinds >= {"visit", "note", "deal", "task", "inquiry", "quote", "handover"}
    alice.sync()
    for record in CUSTOMERS:
        assert timeline(alice, record) == seen_by_bob[record], record


def test_visits_logged_offline_after_the_handover_arrive_flagged(
    server: Server, tmp_path: Path
) -> None:
    alice = joined(tmp_path / "alice", server, "alice")
    bob = joined(tmp_path / "bob", server, "bob")
    mona = joined(tmp_path / "mona", server, "mona", "manager")
    alice.crm("add", "contact", "山田 太郎", "--email", "taro@example.jp")
    alice.crm("log", "visit", "taro@example.jp", "Demo of the new model")
    alice.sync()
    mona.sync()
    handed = mona.json("handover", "--all-of", "alice", "--to", "bob")
    taro = alice.show("taro@example.jp")["id"]
    assert handed == {"to": "bob", "customers": [taro], "open_records": 0}
    mona.sync()

    # Alice, offline, has not heard: she keeps visiting her old customer.
    alice.crm("log", "visit", "taro@example.jp", "Brought the samples", "--at", "10:00")
    alice.crm("log", "visit", "taro@example.jp", "Signed the order", "--at", "11:00")
    report = alice.sync()
    assert (report["sent"], report["rejected"], report["received"]) == (2, 0, 2)
    bob.sync()
    for laptop in (bob, alice):
        shown = laptop.show("taro@example.jp")
        assert shown["owner"] == "bob"
        flagged = {e["summary"]: e.get("flags", []) for e in shown["timeline"] if "type" in e}
        assert flagged == {
            "Signed the order": ["after_handover"],
            "Brought the samples": ["after_handover"],
            "Demo of the new model": [],
        }
    people = bob.crm("show", "taro@example.jp").out
    line = next(row for row in people.splitlines() if "Brought the samples" in row)
    assert "logged after the handover" in line
    first = next(row for row in people.splitlines() if "Demo of the new model" in row)
    assert "handover" not in first
    assert alice.json("status")["rejected"] == []


def test_a_visit_logged_before_the_handover_but_synced_after_is_not_flagged(
    server: Server, tmp_path: Path
) -> None:
    alice = joined(tmp_path / "alice", server, "alice")
    mona = joined(tmp_path / "mona", server, "mona", "manager")
    server.add_rep("bob")
    alice.crm("add", "contact", "山田 太郎", "--email", "taro@example.jp")
    alice.sync()
    alice.crm("log", "visit", "taro@example.jp", "Logged before the handover")
    mona.sync()
    mona.crm("handover", "taro@example.jp", "--to", "bob")
    mona.sync()
    alice.sync()
    (visit,) = [e for e in alice.show("taro@example.jp")["timeline"] if e["kind"] == "visit"]
    assert visit.get("flags", []) == []
