"""Tests of `crm task add|done|snooze` and `crm deal stage`."""

from __future__ import annotations

from typing import Any

from tests.cli.support import add_yamada, fails, query
from tests.conftest import Crm


def test_task_add_links_the_contact_and_sets_due_and_priority(crm: Crm) -> None:
    contact = add_yamada(crm)
    result = crm("task", "add", "Call about the demo", "--for", "山田", "--due", "mon")
    task_id = result.out.split()[-1]
    assert result.out == f"Added task Call about the demo due 2026-11-30  {task_id}\n"
    task = crm("task", "add", "Book the showroom", "--priority", "high", "--json").json()
    assert (task["priority"], task["due"], task["contact_id"]) == ("high", None, None)
    assert query(
        "SELECT title, due, priority, contact_id, company_id FROM tasks ORDER BY title"
    ) == [
        ("Book the showroom", None, "high", None, None),
        ("Call about the demo", "2026-11-30", "normal", contact["id"], contact["company_id"]),
    ]


def test_task_done_completes_it_and_it_leaves_the_open_list(crm: Crm) -> None:
    crm("task", "add", "Send the brochure", "--due", "3d")
    done = crm("task", "done", "brochure", "--json").json()
    assert done["status"] == "done"
    assert done["done_at"] == "2026-11-26T00:00:00.000Z"
    assert query("SELECT status FROM tasks") == [("done",)]
    assert crm("ls", "tasks").out == "No tasks.\n"
    assert [t["status"] for t in crm("ls", "tasks", "--status", "done", "--json").json()] == [
        "done"
    ]
    assert [t["title"] for t in crm("ls", "tasks", "--all", "--json").json()] == [
        "Send the brochure"
    ]
    assert "already done" in fails(crm, 2, "task", "done", "brochure")


def test_snooze_moves_the_due_date_by_an_offset_or_to_a_date(crm: Crm) -> None:
    crm("task", "add", "Send the brochure", "--due", "2026-11-20")
    # An overdue task snoozed by 2 days is due 2 days from today, not from its old date.
    assert crm("task", "snooze", "brochure", "--by", "2d", "--json").json()["due"] == "2026-11-28"
    snoozed = crm("task", "snooze", "brochure", "--until", "2026-12-15")
    assert "Snoozed task Send the brochure due 2026-12-15" in snoozed.out
    assert crm("task", "snooze", "brochure", "--json").json()["due"] == "2026-12-16"
    assert query("SELECT due FROM tasks") == [("2026-12-16",)]


def test_snooze_with_both_until_and_by_is_an_error(crm: Crm) -> None:
    crm("task", "add", "Send the brochure", "--due", "3d")
    fails(crm, 2, "task", "snooze", "brochure", "--by", "1d", "--until", "2026-12-15")
    fails(crm, 2, "task", "snooze", "brochure", "--until", "someday")


def _deal(crm: Crm, *args: str) -> dict[str, Any]:
    moved: dict[str, Any] = crm("deal", "stage", *args, "--json").json()
    return moved


def test_deal_stage_won_sets_the_closed_date_and_reopening_clears_it(crm: Crm) -> None:
    add_yamada(crm)
    crm("add", "deal", "Model X", "--contact", "山田", "--amount", "300000")
    moved = crm("deal", "stage", "Model X", "proposal")
    assert moved.out.startswith("Moved deal Model X: proposal  ")
    assert query("SELECT stage, closed_on FROM deals") == [("proposal", None)]
    won = _deal(crm, "Model X", "won")
    assert (won["stage"], won["closed_on"], won["probability"]) == ("won", "2026-11-26", 100)
    assert query("SELECT stage, closed_on FROM deals") == [("won", "2026-11-26")]
    reopened = _deal(crm, "Model X", "negotiation")
    # Reopened: neither the closed date nor the won deal's 100% says anything any more.
    assert (reopened["stage"], reopened["closed_on"], reopened["probability"]) == (
        "negotiation",
        None,
        None,
    )
    assert query("SELECT stage, closed_on FROM deals") == [("negotiation", None)]


def test_deal_stage_lost_keeps_the_reason(crm: Crm) -> None:
    crm("add", "company", "Acme")
    crm("add", "deal", "Pilot", "--company", "Acme")
    lost = _deal(crm, "Pilot", "lost", "--lost-reason", "price")
    assert (lost["stage"], lost["closed_on"], lost["lost_reason"]) == (
        "lost",
        "2026-11-26",
        "price",
    )
    assert crm("ls", "deals", "--json").json() == []
    assert [d["title"] for d in crm("ls", "deals", "--stage", "lost", "--json").json()] == ["Pilot"]


def test_an_unknown_stage_or_a_lost_reason_for_another_stage_is_an_error(crm: Crm) -> None:
    crm("add", "company", "Acme")
    crm("add", "deal", "Pilot", "--company", "Acme")
    line = fails(crm, 2, "deal", "stage", "Pilot", "closing")
    assert "use one of: lead, qualified, proposal, negotiation, won, lost" in line
    fails(crm, 2, "deal", "stage", "Pilot", "won", "--lost-reason", "x")
    assert query("SELECT stage FROM deals") == [("lead",)]
