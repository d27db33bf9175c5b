"""Tests of `crm log <type>` and of corrections by `crm amend` and `crm retract`."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cli.support import add_yamada, fails, op_count, query
from tests.conftest import Crm


def _timeline(crm: Crm, who: str, *options: str) -> list[dict[str, Any]]:
    timeline: list[dict[str, Any]] = crm("show", who, "--json", *options).json()["timeline"]
    return timeline


@pytest.mark.parametrize("kind", ["visit", "call", "email", "meeting", "note"])
def test_each_activity_type_is_logged_against_the_contact_and_company(crm: Crm, kind: str) -> None:
    contact = add_yamada(crm)
    result = crm("log", kind, "山田", f"A {kind}")
    activity_id = result.out.split()[-1]
    assert result.out == f"Logged {kind} A {kind}  {activity_id}\n"
    assert query("SELECT type, summary, contact_id, company_id FROM activities") == [
        (kind, f"A {kind}", contact["id"], contact["company_id"])
    ]
    assert [(e["kind"], e["summary"]) for e in _timeline(crm, "山田")] == [(kind, f"A {kind}")]
    assert [e["id"] for e in _timeline(crm, "ミナト")] == [activity_id]


def test_log_options_set_when_where_outcome_direction_and_deal(crm: Crm) -> None:
    add_yamada(crm)
    crm("add", "deal", "Model X", "--contact", "山田")
    logged = crm(
        "log",
        "call",
        "090-1234-5678",
        "Asked for a quote",
        "--body",
        "Wants two units",
        "--at",
        "2026-11-20 14:00",
        "--where",
        "Ōta-ku plant",
        "--outcome",
        "Quote requested",
        "--inbound",
        "--deal",
        "Model X",
        "--json",
    ).json()
    activity = logged["activity"]
    assert activity["at"] == "2026-11-20T05:00:00.000Z"
    assert (activity["location"], activity["outcome"], activity["body"]) == (
        "Ōta-ku plant",
        "Quote requested",
        "Wants two units",
    )
    assert activity["direction"] == "inbound"
    deal_id = query("SELECT id FROM deals")[0][0]
    assert activity["deal_id"] == deal_id
    assert (logged["task"], logged["inquiry"]) == (None, None)
    assert [e["summary"] for e in _timeline(crm, "Model X")] == ["Asked for a quote"]
    shown = crm("show", "山田").out
    assert "2026-11-20 14:00  call" in shown


def test_next_and_due_create_the_follow_up_task(crm: Crm) -> None:
    contact = add_yamada(crm)
    result = crm(
        "log", "visit", "taro@example.jp", "Demo", "--next", "Send brochure", "--due", "3d"
    )
    lines = result.out.splitlines()
    assert lines[0].startswith("Logged visit Demo  ")
    assert lines[1].startswith("Follow-up: Send brochure due 2026-11-29  ")
    activity_id = lines[0].split()[-1]
    assert query("SELECT title, due, status, contact_id, activity_id FROM tasks") == [
        ("Send brochure", "2026-11-29", "open", contact["id"], activity_id)
    ]


@pytest.mark.parametrize(
    ("due", "day"),
    [
        ("today", "2026-11-26"),
        ("tomorrow", "2026-11-27"),
        ("2w", "2026-12-10"),
        ("mon", "2026-11-30"),
        ("2026-12-01", "2026-12-01"),
    ],
)
def test_due_dates_accept_the_documented_forms(crm: Crm, due: str, day: str) -> None:
    add_yamada(crm)
    crm("log", "call", "山田", "Call", "--next", "Follow up", "--due", due)
    assert query("SELECT due FROM tasks") == [(day,)]


def test_due_without_next_is_an_error(crm: Crm) -> None:
    add_yamada(crm)
    assert fails(crm, 2, "log", "visit", "山田", "x", "--due", "3d") == (
        "crm: --due needs --next: say what the follow-up is."
    )


def test_log_inquiry_is_the_same_as_inquiry_open(crm: Crm) -> None:
    add_yamada(crm)
    logged = crm("log", "inquiry", "山田", "Spare parts", "--json").json()
    opened = crm("inquiry", "open", "山田", "Price list", "--json").json()
    inquiry = logged["inquiry"]
    for key in ("status", "priority", "contact_id", "company_id", "status_since"):
        assert inquiry[key] == opened[key], key
    assert inquiry["status"] == "open"
    activity = logged["activity"]
    assert (activity["type"], activity["direction"], activity["summary"]) == (
        "inquiry",
        "inbound",
        "Spare parts",
    )
    assert activity["inquiry_id"] == inquiry["id"]
    messages = query("SELECT summary, inquiry_id FROM activities ORDER BY summary")
    assert messages == [("Price list", opened["id"]), ("Spare parts", inquiry["id"])]


def test_amend_records_a_corrected_version_shown_in_the_timeline(crm: Crm) -> None:
    add_yamada(crm)
    crm("log", "call", "山田", "First call", "--at", "2026-11-20 14:00")
    before = op_count()
    result = crm("amend", "First call", "--summary", "First call (corrected)", "--outcome", "ok")
    assert result.out.startswith("Amended activity First call (corrected)  ")
    assert op_count() == before + 1
    assert query("SELECT kind, payload FROM ops ORDER BY seq DESC LIMIT 1")[0][0] == "event"
    [entry] = _timeline(crm, "山田")
    assert (entry["summary"], entry["outcome"], entry["amended"]) == (
        "First call (corrected)",
        "ok",
        True,
    )
    assert query("SELECT summary, versions FROM activities") == [("First call (corrected)", 2)]
    [every] = _timeline(crm, "山田", "--all")
    assert [v["summary"] for v in every["versions"]] == ["First call", "First call (corrected)"]
    versions = crm("show", entry["id"], "--json").json()["versions"]
    assert [(v["version"], v["summary"]) for v in versions] == [
        (1, "First call"),
        (2, "First call (corrected)"),
    ]


def test_amend_without_a_change_is_an_error(crm: Crm) -> None:
    add_yamada(crm)
    crm("log", "call", "山田", "First call")
    assert "Nothing to amend" in fails(crm, 2, "amend", "First call", "--summary", "First call")
