"""Tests of `crm retract`: a retracted activity leaves the timeline but never the history."""

from __future__ import annotations

from tests.cli.support import add_yamada, fails, op_count, query
from tests.conftest import Crm


def test_a_retracted_activity_is_hidden_from_the_timeline_and_shown_by_all(crm: Crm) -> None:
    add_yamada(crm)
    crm("log", "call", "山田", "Wrong call", "--at", "2026-11-20 14:00")
    crm("log", "visit", "山田", "Real visit", "--at", "2026-11-21 10:00")
    before = op_count()
    result = crm("retract", "Wrong call", "--reason", "logged on the wrong person")
    assert result.out.startswith("Retracted activity Wrong call  ")
    assert op_count() == before + 1
    assert query("SELECT count(*) FROM activities") == [(2,)]
    timeline = crm("show", "山田", "--json").json()["timeline"]
    assert [e["summary"] for e in timeline] == ["Real visit"]
    every = crm("show", "山田", "--all", "--json").json()["timeline"]
    assert [(e["summary"], e["retracted"]) for e in every] == [
        ("Real visit", False),
        ("Wrong call", True),
    ]
    assert "RETRACTED" in crm("show", "山田", "--all").out


def test_a_retracted_activity_leaves_search_and_cannot_be_amended(crm: Crm) -> None:
    add_yamada(crm)
    crm("log", "note", "山田", "Mistyped note")
    crm("retract", "Mistyped note")
    assert crm("search", "Mistyped", "--json").json() == []
    assert "was retracted" in fails(crm, 6, "amend", "Mistyped note", "--summary", "x")
    assert "was retracted" in fails(crm, 6, "retract", "Mistyped note")
