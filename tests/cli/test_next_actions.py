"""Tests of `crm next-actions`: each kind of item, its window, its reason and the JSON keys."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.cli.support import add_yamada, fails, query
from tests.conftest import Crm

KEYS = [
    "kind",
    "due",
    "title",
    "reason",
    "record_id",
    "contact",
    "contact_id",
    "company",
    "channel",
]


def _agenda(crm: Crm, *args: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = crm("next-actions", *args, "--json").json()
    return items


def _summary(crm: Crm, *args: str) -> list[tuple[str, str, str]]:
    return [(a["kind"], a["title"], a["reason"]) for a in _agenda(crm, *args)]


def test_an_empty_store_has_nothing_to_do(crm: Crm) -> None:
    assert crm("next-actions").out == "Nothing due. Enjoy the day.\n"
    assert _agenda(crm) == []


def test_each_item_has_exactly_the_documented_keys(crm: Crm) -> None:
    contact = add_yamada(crm)
    crm("task", "add", "Send the brochure", "--for", "山田", "--due", "3d")
    [item] = _agenda(crm)
    assert list(item) == KEYS
    assert item == {
        "kind": "task",
        "due": "2026-11-29",
        "title": "Send the brochure",
        "reason": "due in 3 days",
        "record_id": query("SELECT id FROM tasks")[0][0],
        "contact": "山田 太郎",
        "contact_id": contact["id"],
        "company": "株式会社ミナト精機",
        "channel": None,
    }


def test_tasks_overdue_first_then_due_within_the_window_and_not_beyond(crm: Crm) -> None:
    crm("task", "add", "In seven days", "--due", "7d")
    crm("task", "add", "In eight days", "--due", "8d")
    crm("task", "add", "Overdue", "--due", "2026-11-20")
    crm("task", "add", "Today", "--due", "today", "--priority", "high")
    crm("task", "add", "Someday")
    assert _summary(crm) == [
        ("task", "Overdue", "overdue by 6 days"),
        ("task", "Today", "due today, high priority"),
        ("task", "In seven days", "due in 7 days"),
    ]
    assert [a["title"] for a in _agenda(crm, "--days", "8")][-1] == "In eight days"
    assert [a["title"] for a in _agenda(crm, "--days", "0")] == ["Overdue", "Today"]


def test_done_tasks_leave_the_agenda(crm: Crm) -> None:
    crm("task", "add", "Overdue", "--due", "2026-11-20")
    crm("task", "done", "Overdue")
    assert _agenda(crm) == []


def test_the_table_says_why_each_item_is_there(crm: Crm) -> None:
    add_yamada(crm)
    crm("log", "visit", "山田", "Demo", "--next", "Send the brochure", "--due", "3d")
    lines = crm("next-actions").out.splitlines()
    assert lines[0].split() == ["DUE", "KIND", "WHAT", "FOR", "WHY"]
    assert lines[1].split() == [
        "2026-11-29",
        "task",
        "Send",
        "the",
        "brochure",
        "山田",
        "太郎",
        "(株式会社ミナト精機)",
        "due",
        "in",
        "3",
        "days",
    ]


def test_a_contract_renewal_is_listed_inside_its_60_day_window(crm: Crm) -> None:
    crm("add", "company", "Acme")
    crm("contract", "add", "Acme", "Inside", "--start", "2026-01-01", "--end", "2027-01-24")
    crm("contract", "add", "Acme", "Outside", "--start", "2026-01-01", "--end", "2027-01-26")
    crm("contract", "add", "Acme", "Auto", "--end", "2026-12-31", "--auto-renew")
    assert _summary(crm) == [
        ("renewal", "Renew Auto", "renewal on 2026-12-31, in 35 days (auto-renews)"),
        ("renewal", "Renew Inside", "renewal on 2027-01-24, in 59 days"),
    ]
    assert _agenda(crm)[0]["company"] == "Acme"


def test_an_unpaid_invoice_past_due_is_listed(crm: Crm) -> None:
    crm("add", "company", "Acme")
    crm("invoice", "add", "Acme", "INV-LATE", "--amount", "335400", "--due", "2026-11-23")
    crm("invoice", "add", "Acme", "INV-TODAY", "--amount", "1000", "--due", "today")
    crm("invoice", "add", "Acme", "INV-PAID", "--amount", "1000", "--due", "2026-11-01")
    crm("invoice", "paid", "INV-PAID")
    assert _summary(crm) == [
        ("invoice", "Collect invoice INV-LATE", "¥335,400 unpaid, 3 days past due")
    ]


def _sent_quote(crm: Crm, valid_until: str, status: str = "sent") -> str:
    number = crm("quote", "new", "Acme", "--valid-until", valid_until).out.strip()
    crm("quote", "line", number, "Item", "--price", "100")
    if status != "draft":
        crm("quote", "set-status", number, status)
    return number


def test_a_sent_quote_expiring_within_7_days_is_listed(crm: Crm) -> None:
    crm("add", "company", "Acme")
    soon = _sent_quote(crm, "2026-12-03")
    _sent_quote(crm, "2026-12-04")
    _sent_quote(crm, "2026-11-28", status="draft")
    _sent_quote(crm, "2026-11-28", status="accepted")
    assert _summary(crm) == [("quote", f"Follow up quote {soon}", "expires in 7 days")]


def test_an_open_deal_with_no_activity_for_30_days_is_listed(
    crm: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm("add", "contact", "Idle Person")
    crm("add", "contact", "Busy Person")
    idle = crm("add", "deal", "Idle deal", "--contact", "Idle", "--amount", "300000", "--json")
    crm("add", "deal", "Busy deal", "--contact", "Busy")
    crm("add", "deal", "Won deal", "--contact", "Idle", "--stage", "won")
    # A deal's age starts when it was made (now, by the real clock): look 40 days later.
    created = datetime.fromisoformat(idle.json()["created_at"].replace("Z", "+00:00"))
    later = created + timedelta(days=40)
    monkeypatch.setenv("CRM_NOW", later.isoformat())
    crm("log", "visit", "Busy", "Recent visit", "--at", "now")
    crm("log", "visit", "Idle", "Old visit", "--at", (later - timedelta(days=45)).isoformat())
    items = _agenda(crm)
    assert [(a["kind"], a["title"], a["contact"]) for a in items] == [
        ("deal", "Idle deal", "Idle Person")
    ]
    assert items[0]["reason"] == "no activity for 40 days (stage lead, ¥300,000)"
    monkeypatch.setenv("CRM_NOW", (created + timedelta(days=20)).isoformat())
    assert _agenda(crm) == []


def test_items_of_every_kind_are_sorted_most_urgent_first(crm: Crm) -> None:
    crm("add", "company", "Acme")
    crm("task", "add", "Later task", "--due", "5d")
    crm("invoice", "add", "Acme", "INV-1", "--amount", "100", "--due", "2026-11-10")
    crm("contract", "add", "Acme", "Plan", "--end", "2026-11-28")
    quote = _sent_quote(crm, "2026-11-27")
    dues = [(a["due"], a["kind"]) for a in _agenda(crm)]
    assert dues == [
        ("2026-11-10", "invoice"),
        ("2026-11-27", "quote"),
        ("2026-11-28", "renewal"),
        ("2026-12-01", "task"),
    ]
    assert quote in _agenda(crm)[1]["title"]


def test_negative_days_is_an_error(crm: Crm) -> None:
    assert fails(crm, 2, "next-actions", "--days", "-1") == "crm: --days must be 0 or more."
