"""Tests of `crm show` (the record, its timeline, its conflicts) and `crm ls` for every kind."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cli.support import add_yamada, fails
from tests.conftest import Crm

CONTACT_KEYS = {
    "id",
    "display_name",
    "family_name",
    "given_name",
    "family_reading",
    "given_reading",
    "company",
    "department",
    "title",
    "emails",
    "phones",
    "note",
    "owner",
    "created_at",
    "updated_at",
}


def test_show_json_of_a_contact_has_the_issue_keys_timeline_and_conflicts(crm: Crm) -> None:
    add_yamada(crm)
    shown = crm("show", "山田", "--json").json()
    assert set(shown) >= CONTACT_KEYS
    assert shown["company"] == "株式会社ミナト精機"
    assert shown["emails"] == ["taro@example.jp"]
    assert shown["phones"] == [{"number": "+819012345678", "label": "mobile", "valid": True}]
    assert shown["owner"] == "alice"
    assert shown["timeline"] == []
    assert shown["conflicts"] == []
    listed = crm("ls", "contacts", "--json").json()
    assert set(listed[0]) >= CONTACT_KEYS


def test_the_timeline_is_newest_first_across_kinds(crm: Crm) -> None:
    add_yamada(crm)
    crm("log", "visit", "山田", "Oldest", "--at", "2026-11-02 10:00")
    crm("log", "call", "山田", "Newest", "--at", "2026-11-25 16:00")
    crm("log", "email", "山田", "Middle", "--at", "2026-11-20 09:30")
    crm("inquiry", "open", "山田", "A case", "--at", "2026-11-10 10:00")
    timeline = crm("show", "山田", "--json").json()["timeline"]
    stamps = [entry["at"] for entry in timeline]
    assert stamps == sorted(stamps, reverse=True)
    activities = [e["summary"] for e in timeline if e["kind"] in ("visit", "call", "email")]
    assert activities == ["Newest", "Middle", "Oldest"]
    assert {entry["kind"] for entry in timeline} == {"visit", "call", "email", "inquiry"}
    for entry in timeline:
        assert {"kind", "at", "summary"} <= set(entry)


def test_show_prints_the_record_and_its_timeline_for_people(crm: Crm) -> None:
    contact = add_yamada(crm)
    crm("log", "visit", "山田", "Demo of the new model", "--at", "2026-11-20 14:00")
    text = crm("show", "山田").out
    lines = text.splitlines()
    assert lines[0] == "Contact: 山田 太郎"
    assert any(line.split() == ["id", contact["id"]] for line in lines)
    assert any(line.startswith("  company") and "株式会社ミナト精機" in line for line in lines)
    assert "Timeline:" in lines
    assert any("2026-11-20 14:00  visit  Demo of the new model" in line for line in lines)


def _seed_every_kind(crm: Crm) -> None:
    add_yamada(crm)
    crm("add", "contact", "Emma Clarke", "--company", "Harbor Logistics", "--tag", "expo")
    crm("add", "deal", "Model X", "--contact", "山田", "--amount", "300000", "--stage", "proposal")
    crm("add", "deal", "Scanner", "--contact", "Emma", "--stage", "won")
    crm("task", "add", "Send the brochure", "--for", "山田", "--due", "3d")
    number = crm("quote", "new", "山田").out.strip()
    crm("quote", "line", number, "Model X", "--price", "100")
    crm("quote", "set-status", number, "sent")
    crm("quote", "new", "Emma")
    crm("inquiry", "open", "Emma", "Pilot terms")
    crm("contract", "add", "ミナト", "Maintenance plan")
    crm("invoice", "add", "ミナト", "INV-1", "--amount", "1000", "--due", "7d")
    crm("invoice", "add", "Harbor", "INV-2", "--amount", "2000", "--due", "7d")
    crm("invoice", "paid", "INV-2")


def _listed(crm: Crm, kind: str, *filters: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = crm("ls", kind, *filters, "--json").json()
    return records


@pytest.mark.parametrize(
    ("kind", "label", "expected"),
    [
        ("contacts", "display_name", ["Emma Clarke", "山田 太郎"]),
        ("companies", "name", ["Harbor Logistics", "株式会社ミナト精機"]),
        ("deals", "title", ["Model X"]),
        ("tasks", "title", ["Send the brochure"]),
        ("inquiries", "subject", ["Pilot terms"]),
        ("contracts", "product", ["Maintenance plan"]),
        ("invoices", "number", ["INV-1", "INV-2"]),
    ],
)
def test_ls_lists_every_kind_in_json_and_as_a_table(
    crm: Crm, kind: str, label: str, expected: list[str]
) -> None:
    _seed_every_kind(crm)
    records = _listed(crm, kind)
    assert sorted(r[label] for r in records) == sorted(expected)
    table = crm("ls", kind).out.splitlines()
    assert table[0].startswith("ID  ")
    assert len(table) == 1 + len(expected)
    for name in expected:
        assert any(name in line for line in table[1:])


def test_ls_quotes_and_its_status_filter(crm: Crm) -> None:
    _seed_every_kind(crm)
    assert sorted(q["status"] for q in _listed(crm, "quotes")) == ["draft", "sent"]
    assert [q["contact"] for q in _listed(crm, "quotes", "--status", "sent")] == ["山田 太郎"]


def test_ls_filters_by_company_tag_lifecycle_owner_and_limit(crm: Crm) -> None:
    _seed_every_kind(crm)
    by_company = _listed(crm, "contacts", "--company", "ミナト")
    assert [c["display_name"] for c in by_company] == ["山田 太郎"]
    assert [c["display_name"] for c in _listed(crm, "contacts", "--tag", "expo")] == ["Emma Clarke"]
    crm("edit", "Emma", "--lifecycle", "prospect")
    assert [c["display_name"] for c in _listed(crm, "contacts", "--lifecycle", "prospect")] == [
        "Emma Clarke"
    ]
    assert len(_listed(crm, "contacts", "--owner", "alice")) == 2
    assert _listed(crm, "contacts", "--owner", "bob") == []
    assert len(_listed(crm, "contacts", "--limit", "1")) == 1


def test_ls_deals_all_and_stage_and_invoices_unpaid(crm: Crm) -> None:
    _seed_every_kind(crm)
    assert sorted(d["title"] for d in _listed(crm, "deals", "--all")) == ["Model X", "Scanner"]
    assert [d["title"] for d in _listed(crm, "deals", "--stage", "won")] == ["Scanner"]
    assert [i["number"] for i in _listed(crm, "invoices", "--unpaid")] == ["INV-1"]


def test_ls_names_the_company_and_contact_records_point_at(crm: Crm) -> None:
    _seed_every_kind(crm)
    [task] = _listed(crm, "tasks")
    assert (task["contact"], task["company"]) == ("山田 太郎", "株式会社ミナト精機")


def test_ls_rejects_an_unknown_kind_and_a_filter_that_does_not_apply(crm: Crm) -> None:
    assert "is not something to list" in fails(crm, 2, "ls", "people")
    assert fails(crm, 2, "ls", "contacts", "--unpaid") == (
        "crm: --unpaid does not apply to contacts."
    )
    assert "does not apply to deals" in fails(crm, 2, "ls", "deals", "--status", "open")


def test_ls_of_an_empty_kind_says_so(crm: Crm) -> None:
    assert crm("ls", "quotes").out == "No quotes.\n"
