"""Erasing a person (`crm erase`): gone from the server and every device, and it stays gone."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

from tests.sync.conftest import Server
from tests.sync.laptops import Laptop, joined

PERSON = "ken@example.jp"
TRACES = (
    "佐藤 健一",
    "佐藤",
    "健一",
    "サトウ",
    "さとう",
    "けんいち",
    "ken@example.jp",
    "9012345678",
    "ゴルフ",
    "Quartermaine",
)
"""What the erased person leaves anywhere: name, its parts and readings (the search index keeps
them in hiragana), email, phone, and words only their visits and tasks used."""


class Team:
    """Alice (a rep) with customers on the server; Bob (a rep) and Mona (the manager) synced."""

    def __init__(self, server: Server, root: Path) -> None:
        self.server = server
        self.alice = joined(root / "alice", server, "alice")
        self.bob = joined(root / "bob", server, "bob")
        self.mona = joined(root / "mona", server, "mona", "manager")
        a = self.alice.crm
        a("add", "company", "Acme Trading")
        a("add", "contact", "佐藤 健一", "--reading", "サトウ ケンイチ", "--company", "Acme")
        a("edit", "佐藤", "--add-email", PERSON, "--add-phone", "090-1234-5678")
        a("log", "visit", PERSON, "Quartermaine demo", "--body", "健一さんはゴルフ好き")
        a("log", "call", PERSON, "Quartermaine follow-up", "--next", "Send Quartermaine specs")
        a("inquiry", "open", PERSON, "Quartermaine price")
        a("add", "contact", "山田 太郎", "--email", "taro@example.jp", "--company", "Acme")
        a("log", "visit", "Acme", "Visited the plant")
        a("add", "deal", "Model X", "--company", "Acme", "--amount", "300000")
        for laptop in (self.alice, self.bob, self.mona):
            laptop.sync()

    @property
    def laptops(self) -> tuple[Laptop, Laptop, Laptop]:
        """Every laptop of the team."""
        return self.alice, self.bob, self.mona


def sqlite_traces(store: Path) -> dict[str, int]:
    """How often each trace occurs in the bytes of a store's files (the database, its WAL and
    shared memory), after a checkpoint with secure_delete on."""
    conn = sqlite3.connect(store)
    try:
        conn.execute("PRAGMA secure_delete = ON")
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0
    finally:
        conn.close()
    files = sorted(store.parent.glob(store.name + "*"))
    assert store in files
    found: dict[str, int] = {}
    for file in files:
        data = file.read_bytes().lower()
        for trace in TRACES:
            found[f"{file.name}: {trace}"] = data.count(trace.lower().encode())
    return {where: n for where, n in found.items() if n}


def erased_everywhere(team: Team) -> None:
    """Mona erases the person; Alice sends a visit about them before Mona's erasure reaches the
    server; Mona syncs; then Alice and Bob (offline until now) sync."""
    bob, mona = team.bob, team.mona
    # Offline, Bob logs a visit about the person and changes their title.
    bob.crm("log", "visit", PERSON, "Quartermaine lunch")
    bob.crm("edit", PERSON, "--title", "ゴルフ部長")
    assert bob.json("status")["pending"] >= 2

    refused = team.alice.crm("erase", PERSON, "--yes", ok=False)
    assert (refused.code, refused.out) == (6, "")
    assert refused.err == "crm: Erasing a person's data is a manager's command.\n"
    erased = mona.crm("erase", PERSON, "--yes")
    assert erased.out == "Erased 佐藤 健一 and 5 records about them.\n"
    assert mona.crm("show", PERSON, ok=False).code == 3
    team.alice.crm("log", "visit", PERSON, "Quartermaine dinner")
    assert team.alice.sync()["sent"] == 1
    assert mona.sync()["rejected"] == 0
    team.alice.sync()
    report = bob.sync()
    assert report["rejected"] == 0 and report["sent"] == 0
    status = bob.json("status")
    assert (status["pending"], status["rejected"]) == (0, [])


def test_a_manager_erases_a_person_on_the_server_and_every_device(
    server: Server, tmp_path: Path
) -> None:
    team = Team(server, tmp_path)
    person = team.alice.show(PERSON)
    about = [e["id"] for e in person["timeline"]]
    # The scan finds them all before (the server has no search index, so no hiragana).
    found = {where.split(": ")[1] for where in sqlite_traces(team.bob.store)}
    assert found == set(TRACES)
    found = {where.split(": ")[1] for where in sqlite_traces(Path(server.target))}
    assert found == set(TRACES) - {"さとう", "けんいち"}
    erased_everywhere(team)

    late = joined(tmp_path / "dave", server, "dave")
    late.sync()
    for laptop in (*team.laptops, late):
        gone = laptop.crm("show", PERSON, ok=False)
        assert gone.code == 3 and "No contact" in gone.err
        assert laptop.json("search", "佐藤") == []
        assert [c["display_name"] for c in laptop.json("ls", "contacts")] == ["山田 太郎"]
        acme = laptop.show("Acme")
        assert [e["summary"] for e in acme["timeline"]] == ["Model X", "Visited the plant"]
        assert laptop.query("SELECT count(*) FROM ops WHERE payload LIKE '%Quartermaine%'") == [
            (0,)
        ]
        assert sqlite_traces(laptop.store) == {}

    # The server keeps that an erasure happened, by whom, of which ids; nothing of the person.
    db = server.db
    ids = [person["id"], *about]
    left = db.rows(
        f"SELECT kind, payload, rep FROM ops WHERE entity_id IN ({', '.join('?' * len(ids))})",
        ids,
    )
    assert len(left) == 1
    kind, payload, rep = left[0]
    assert (kind, rep) == ("event", "mona")
    audit = json.loads(payload)
    assert audit["type"] == "purged" and set(audit) == {"type", "ids"}
    assert set(ids) <= set(audit["ids"])
    assert {entity_id for (entity_id,) in db.rows("SELECT entity_id FROM erased")} == set(
        audit["ids"]
    )
    assert sqlite_traces(Path(server.target)) == {}


def test_an_offline_device_cannot_bring_an_erased_person_back(
    server: Server, tmp_path: Path
) -> None:
    team = Team(server, tmp_path)
    erased_everywhere(team)
    # Bob's laptop kept nothing about them, sent nothing, and the server holds nothing new.
    bob = team.bob
    assert bob.query("SELECT count(*) FROM ops WHERE payload LIKE '%Quartermaine%'") == [(0,)]
    assert bob.query("SELECT count(*) FROM contacts WHERE display_name = '佐藤 健一'") == [(0,)]
    assert server.db.rows("SELECT count(*) FROM ops WHERE payload LIKE '%Quartermaine%'") == [(0,)]
    assert team.alice.sync()["received"] == 0
    assert sqlite_traces(bob.store) == {}


def test_erasure_leaves_no_row_with_the_person_on_a_postgresql_server(
    make_server: Callable[..., Server], pg_database: str, tmp_path: Path
) -> None:
    server = make_server(pg_database)
    team = Team(server, tmp_path)
    texts = server_texts(server)
    assert any("佐藤 健一" in text for text in texts)
    erased_everywhere(team)
    for trace in TRACES:
        assert [text for text in server_texts(server) if trace.lower() in text.lower()] == []
    for laptop in team.laptops:
        assert sqlite_traces(laptop.store) == {}


def server_texts(server: Server) -> list[str]:
    """Every row of every table of a PostgreSQL server's database, as text."""
    tables = server.db.rows(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    )
    assert {"ops", "owners", "links", "handovers", "erased"} <= {t for (t,) in tables}
    rows: list[str] = []
    for (table,) in tables:
        rows += [text for (text,) in server.db.rows(f'SELECT t::text FROM "{table}" t')]
    return rows


def test_the_company_deals_and_quotes_with_the_erased_person_stay_on_every_device(
    server: Server, tmp_path: Path
) -> None:
    alice = joined(tmp_path / "alice", server, "alice")
    mona = joined(tmp_path / "mona", server, "mona", "manager")
    alice.crm("add", "company", "Acme Trading")
    alice.crm("add", "contact", "佐藤 健一", "--email", PERSON, "--company", "Acme")
    alice.crm("add", "deal", "Model X", "--company", "Acme", "--contact", PERSON)
    alice.crm("quote", "new", PERSON, "--deal", "Model X", "--title", "Two units")
    alice.sync()
    mona.sync()
    mona.crm("erase", PERSON, "--yes")
    mona.sync()
    alice.sync()
    kept = server.db.rows("SELECT DISTINCT entity FROM ops WHERE entity IN ('deal', 'quote')")
    assert sorted(kept) == [("deal",), ("quote",)]
    for laptop in (alice, mona):
        deals = laptop.json("ls", "deals")
        assert [(d["title"], d["contact_id"]) for d in deals] == [("Model X", None)]
        assert [q["title"] for q in laptop.json("ls", "quotes")] == ["Two units"]
