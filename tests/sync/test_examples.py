"""The sync issue's examples, run as written: two laptops, a server, only `crm` commands."""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sync.laptops import Laptop, TeamServer

SYNC_LINE = re.compile(
    r"sent (\d+), received (\d+), conflicts (\d+), rejected (\d+); "
    r"last sync \d{4}-\d\d-\d\d \d\d:\d\d\n"
)


@pytest.fixture
def team(tmp_path: Path) -> Iterator[TeamServer]:
    """The manager's server folder, with team.db in it (started by the test)."""
    started = TeamServer(tmp_path / "server")
    yield started
    started.stop()


def synced(laptop: Laptop) -> tuple[int, int, int, int]:
    """Runs `crm sync` and reads its one line: sent, received, conflicts, rejected."""
    done = laptop.crm("sync")
    found = SYNC_LINE.fullmatch(done.out)
    assert found, done.out
    sent, received, conflicts, rejected = (int(n) for n in found.groups())
    return sent, received, conflicts, rejected


def test_the_sync_issue_examples_work_as_written(team: TeamServer, tmp_path: Path) -> None:
    alice_code = team.add_rep("alice")
    bob_code = team.add_rep("bob")
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", alice_code)
    assert alice_code != bob_code
    url = team.start()

    # Alice's laptop
    alice = Laptop(tmp_path / "alice")
    joined = alice.crm("login", url, alice_code)
    assert joined.out.splitlines()[0] == f"Joined {url} as alice (rep)."
    assert "crm sync" in joined.out
    added = alice.crm("add", "contact", "佐藤 健一", "--email", "ken@example.jp")
    assert re.fullmatch(r"Added contact 佐藤 健一  [0-9A-Z]{26}\n", added.out)
    logged = alice.crm("log", "visit", "ken@example.jp", "First visit")
    assert re.fullmatch(r"Logged visit First visit  [0-9A-Z]{26}\n", logged.out)
    sent, received, conflicts, rejected = synced(alice)
    assert sent > 0 and (received, conflicts, rejected) == (0, 0, 0)

    # Bob's laptop
    bob = Laptop(tmp_path / "bob")
    assert bob.crm("login", url, bob_code).out.startswith(f"Joined {url} as bob (rep).")
    assert synced(bob) == (0, sent, 0, 0)
    ken = bob.show("ken@example.jp")
    assert (ken["display_name"], ken["owner"], ken["emails"]) == (
        "佐藤 健一",
        "alice",
        ["ken@example.jp"],
    )
    visits = [(e["kind"], e["summary"], e["owner"]) for e in ken["timeline"]]
    assert visits == [("visit", "First visit", "alice")]

    # Both offline, both change the title; then Alice syncs, Bob syncs, Alice syncs.
    for laptop, title in ((alice, "部長"), (bob, "課長")):
        edited = laptop.crm("edit", "ken@example.jp", "--title", title)
        assert re.fullmatch(r"Updated contact 佐藤 健一  [0-9A-Z]{26}\n", edited.out)
    assert synced(alice) == (1, 0, 0, 0)
    assert synced(bob) == (1, 1, 1, 0)
    assert synced(alice) == (0, 1, 1, 0)
    titles = {alice.show("ken@example.jp")["title"], bob.show("ken@example.jp")["title"]}
    assert len(titles) == 1 and titles <= {"部長", "課長"}

    listed = [alice.json("conflicts"), bob.json("conflicts")]
    assert listed[0] == listed[1]
    (conflict,) = listed[0]
    assert (conflict["kind"], conflict["label"], conflict["field"]) == (
        "contact",
        "佐藤 健一",
        "title",
    )
    assert conflict["shown"] in titles
    choices = {(c["value"], c["rep"]) for c in conflict["choices"]}
    assert choices == {("部長", "alice"), ("課長", "bob")}
    devices = {c["site_id"] for c in conflict["choices"]}
    assert len(devices) == 2
    for choice in conflict["choices"]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", choice["at"]), choice
    shown = alice.show("ken@example.jp")["conflicts"]
    assert [(c["field"], {v["value"] for v in c["values"]}) for c in shown] == [
        ("title", {"部長", "課長"})
    ]

    # Alice hands Ken to Bob and syncs; Bob syncs.
    handed = alice.crm("handover", "ken@example.jp", "--to", "bob")
    assert handed.out == "Handed 佐藤 健一 to bob, with 0 open records.\n"
    assert synced(alice)[0] == 2
    assert synced(bob)[1] == 2
    ken = bob.show("ken@example.jp")
    assert ken["owner"] == "bob"
    kinds = [(e["kind"], e["summary"]) for e in ken["timeline"]]
    assert kinds == [("handover", "Handed over from alice to bob"), ("visit", "First visit")]
    handover = ken["timeline"][0]
    assert (handover["from"], handover["to"], handover["by"]) == ("alice", "bob", "alice")
    assert alice.show("ken@example.jp")["timeline"] == ken["timeline"]

    # A store holds the device's token: only its owner may read it.
    for laptop in (alice, bob):
        files = [f for f in laptop.store.parent.iterdir() if f.name.startswith("crm.db")]
        assert laptop.store in files
        for file in files:
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    for file in team.folder.glob("team.db*"):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
