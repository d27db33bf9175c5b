"""Tests that one person imported on two laptops before they synced is found by `crm dedupe`,
and that a merge syncs to the other laptop with the history it moved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sync.laptops import Laptop, TeamServer

CARD = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:山田;太郎;;;\r\nFN:山田 太郎\r\n"
    "X-PHONETIC-LAST-NAME:ヤマダ\r\nX-PHONETIC-FIRST-NAME:タロウ\r\n"
    "ORG:株式会社ミナト精機\r\nEMAIL:taro@example.jp\r\nEND:VCARD\r\n"
)


@pytest.fixture
def team(tmp_path: Path) -> Iterator[TeamServer]:
    """A team server (started by the test)."""
    started = TeamServer(tmp_path / "server")
    yield started
    started.stop()


def test_one_person_imported_on_two_laptops_shows_in_dedupe_and_merges_everywhere(
    team: TeamServer, tmp_path: Path
) -> None:
    codes = team.add_rep("alice"), team.add_rep("bob")
    url = team.start()
    card = tmp_path / "taro.vcf"
    card.write_text(CARD, encoding="utf-8")
    alice, bob = Laptop(tmp_path / "alice"), Laptop(tmp_path / "bob")
    for laptop, code in ((alice, codes[0]), (bob, codes[1])):
        laptop.crm("login", url, code)
        laptop.crm("import", str(card))
    bob.crm("log", "visit", "taro@example.jp", "Lobby chat")
    for laptop in (alice, bob, alice):
        laptop.crm("sync")

    pairs = alice.json("dedupe")
    assert len(pairs) == 1 and pairs[0]["certain"]
    assert "same email taro@example.jp" in pairs[0]["evidence"]

    merged = alice.json("dedupe", "--auto")
    assert len(merged) == 1
    for laptop in (alice, bob):
        laptop.crm("sync")
    for laptop in (alice, bob):
        standing = laptop.json("ls", "contacts")
        assert len(standing) == 1
        shown = laptop.show(standing[0]["id"])
        assert [e["summary"] for e in shown["timeline"]] == ["Lobby chat"]
        assert laptop.json("dedupe") == []
