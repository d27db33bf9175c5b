"""Tests of `crm inquiry open|reply|wait|resolve` and of inquiries waiting on us."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cli.support import add_yamada, fails, query
from tests.conftest import Crm


def _agenda(crm: Crm) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = crm("next-actions", "--json").json()
    return items


def test_inquiry_open_makes_an_open_case_with_the_first_message(crm: Crm) -> None:
    contact = add_yamada(crm)
    result = crm(
        "inquiry",
        "open",
        "山田",
        "Price list",
        "--body",
        "Could you send the 2027 list?",
        "--priority",
        "high",
        "--channel",
        "email",
    )
    inquiry_id = result.out.split()[-1]
    assert result.out == f"Inquiry Price list is open  {inquiry_id}\n"
    assert query("SELECT subject, status, priority, channel, contact_id FROM inquiries") == [
        ("Price list", "open", "high", "email", contact["id"])
    ]
    assert query("SELECT type, direction, summary, body, inquiry_id FROM activities") == [
        ("inquiry", "inbound", "Price list", "Could you send the 2027 list?", inquiry_id)
    ]


def test_our_reply_sets_it_waiting_and_the_customers_reopens_it(crm: Crm) -> None:
    add_yamada(crm)
    crm("inquiry", "open", "山田", "Price list")
    assert crm("inquiry", "reply", "Price list", "Sent it", "--json").json()["status"] == "waiting"
    assert query("SELECT status FROM inquiries") == [("waiting",)]
    reopened = crm("inquiry", "reply", "Price list", "One more question", "--inbound", "--json")
    assert reopened.json()["status"] == "open"
    messages = query("SELECT summary, direction FROM activities ORDER BY summary")
    assert messages == [
        ("One more question", "inbound"),
        ("Price list", "inbound"),
        ("Sent it", "outbound"),
    ]


def test_wait_and_resolve_change_the_status_with_an_optional_note(crm: Crm) -> None:
    add_yamada(crm)
    crm("inquiry", "open", "山田", "Price list")
    assert crm("inquiry", "wait", "Price list").out.startswith("Inquiry Price list is waiting")
    resolved = crm("inquiry", "resolve", "Price list", "--note", "Order placed", "--json").json()
    assert resolved["status"] == "resolved"
    assert query("SELECT status FROM inquiries") == [("resolved",)]
    assert ("note", "Order placed") in query("SELECT type, summary FROM activities")
    assert "already resolved" in fails(crm, 2, "inquiry", "resolve", "Price list")
    assert crm("ls", "inquiries", "--status", "resolved", "--json").json()[0]["subject"] == (
        "Price list"
    )


def test_an_inquiry_waiting_on_us_for_more_than_two_business_days_is_a_next_action(
    crm: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    contact = add_yamada(crm)
    # Friday 20 November; Monday 23 November 2026 is a public holiday (勤労感謝の日).
    crm("inquiry", "open", "山田", "Price list", "--at", "2026-11-20 10:00")
    monkeypatch.setenv("CRM_NOW", "2026-11-25T09:00:00+09:00")
    assert _agenda(crm) == []  # Tuesday and Wednesday: two business days, not more
    monkeypatch.setenv("CRM_NOW", "2026-11-26T09:00:00+09:00")
    inquiry_id = query("SELECT id FROM inquiries")[0][0]
    assert _agenda(crm) == [
        {
            "kind": "inquiry",
            "due": "2026-11-25",
            "title": "Price list",
            "reason": "waiting on us for 3 business days",
            "record_id": inquiry_id,
            "contact": "山田 太郎",
            "contact_id": contact["id"],
            "company": "株式会社ミナト精機",
            "channel": None,
        }
    ]


def test_an_inquiry_waiting_on_the_customer_or_resolved_is_not_a_next_action(crm: Crm) -> None:
    add_yamada(crm)
    crm("inquiry", "open", "山田", "Price list", "--at", "2026-11-02 10:00")
    crm("inquiry", "open", "山田", "Spare parts", "--at", "2026-11-02 11:00")
    assert [a["title"] for a in _agenda(crm)] == ["Price list", "Spare parts"]
    crm("inquiry", "wait", "Price list")
    crm("inquiry", "resolve", "Spare parts")
    assert _agenda(crm) == []
