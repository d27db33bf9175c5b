"""Tests of `crm quote new|line|rm-line|show|set-status`: lines, totals per tax rate, status."""

from __future__ import annotations

import re

from tests.cli.support import add_yamada, fails, query
from tests.conftest import Crm


def _quote_with_the_issue_lines(crm: Crm) -> str:
    add_yamada(crm)
    number = crm("quote", "new", "山田", "--currency", "JPY").out.strip()
    crm("quote", "line", number, "Model X", "--qty", "2", "--price", "150000", "--tax", "10")
    crm("quote", "line", number, "Catering", "--qty", "1", "--price", "5000", "--tax", "8")
    return number


def test_quote_new_prints_a_number_and_makes_a_draft_valid_for_30_days(crm: Crm) -> None:
    contact = add_yamada(crm)
    number = crm("quote", "new", "山田").out.strip()
    assert re.fullmatch(r"Q-2026-[0-9A-Z]{5}-001", number)
    second = crm("quote", "new", "山田", "--json").json()
    assert second["number"] == number[:-3] + "002"
    assert query("SELECT number, status, currency, valid_until, contact_id FROM quotes") == [
        (number, "draft", "JPY", "2026-12-26", contact["id"]),
        (second["number"], "draft", "JPY", "2026-12-26", contact["id"]),
    ]


def test_quote_show_gives_the_issue_totals_per_tax_rate(crm: Crm) -> None:
    number = _quote_with_the_issue_lines(crm)
    shown = crm("quote", "show", number, "--json").json()
    assert (shown["subtotal"], shown["tax"], shown["total"], shown["currency"]) == (
        305000,
        30400,
        335400,
        "JPY",
    )
    assert shown["by_rate"] == [
        {"rate": "10", "subtotal": 300000, "tax": 30000},
        {"rate": "8", "subtotal": 5000, "tax": 400},
    ]
    assert [(line["position"], line["description"], line["amount"]) for line in shown["lines"]] == [
        (1, "Model X", 300000),
        (2, "Catering", 5000),
    ]
    assert (shown["number"], shown["contact"], shown["company"]) == (
        number,
        "山田 太郎",
        "株式会社ミナト精機",
    )


def test_quote_show_prints_lines_and_totals_for_people(crm: Crm) -> None:
    number = _quote_with_the_issue_lines(crm)
    text = crm("quote", "show", number).out
    assert text.splitlines()[0] == f"Quote {number}  [draft]"
    assert "for 山田 太郎 (株式会社ミナト精機), valid until 2026-12-26, in JPY" in text
    assert re.search(r"Subtotal 10% +¥300,000 +tax +¥30,000", text)
    assert re.search(r"Subtotal 8% +¥5,000 +tax +¥400", text)
    assert re.search(r"Total +¥335,400", text)


def test_a_line_with_a_discount_and_the_default_tax_rate(crm: Crm) -> None:
    add_yamada(crm)
    number = crm("quote", "new", "山田").out.strip()
    line = crm("quote", "line", number, "Model X", "--price", "1000", "--discount", "10%")
    assert line.out == "Added line 1: Model X\n"
    shown = crm("quote", "show", number, "--json").json()
    assert [(li["discount"], li["tax_rate"], li["amount"]) for li in shown["lines"]] == [
        ("10%", "10", 900)
    ]
    assert (shown["tax"], shown["total"]) == (90, 990)


def test_rm_line_removes_a_line_and_the_totals_follow(crm: Crm) -> None:
    number = _quote_with_the_issue_lines(crm)
    assert crm("quote", "rm-line", number, "1").out == "Removed line 1: Model X\n"
    shown = crm("quote", "show", number, "--json").json()
    assert [li["description"] for li in shown["lines"]] == ["Catering"]
    assert (shown["subtotal"], shown["tax"], shown["total"]) == (5000, 400, 5400)
    assert query("SELECT description, archived FROM quote_lines ORDER BY position") == [
        ("Model X", 1),
        ("Catering", 0),
    ]
    assert "has lines 1 to 1, not 5" in fails(crm, 2, "quote", "rm-line", number, "5")


def test_lines_only_change_while_the_quote_is_a_draft(crm: Crm) -> None:
    number = _quote_with_the_issue_lines(crm)
    sent = crm("quote", "set-status", number, "sent")
    assert sent.out == f"Quote {number} is now sent\n"
    assert query("SELECT status FROM quotes") == [("sent",)]
    line = fails(crm, 6, "quote", "line", number, "Extra", "--price", "100")
    assert f"The quote {number} is sent" in line
    fails(crm, 6, "quote", "rm-line", number, "1")
    assert query("SELECT count(*) FROM quote_lines WHERE NOT archived") == [(2,)]
    crm("quote", "set-status", number, "draft")
    crm("quote", "line", number, "Extra", "--price", "100")
    assert crm("quote", "show", number, "--json").json()["total"] == 335510


def test_set_status_checks_the_status_and_refuses_to_send_an_empty_quote(crm: Crm) -> None:
    add_yamada(crm)
    number = crm("quote", "new", "山田").out.strip()
    assert "has no lines" in fails(crm, 6, "quote", "set-status", number, "sent")
    assert "is not a quote status" in fails(crm, 2, "quote", "set-status", number, "won")
    assert "already draft" in fails(crm, 2, "quote", "set-status", number, "draft")
    crm("quote", "line", number, "Model X", "--price", "100")
    for status in ("sent", "accepted", "rejected", "expired"):
        assert crm("quote", "set-status", number, status, "--json").json()["status"] == status


def test_a_quote_is_found_by_its_number_in_any_case_and_appears_on_the_timeline(
    crm: Crm,
) -> None:
    number = _quote_with_the_issue_lines(crm)
    assert crm("quote", "show", number.lower(), "--json").json()["number"] == number
    assert crm("show", number, "--json").json()["number"] == number
    timeline = crm("show", "山田", "--json").json()["timeline"]
    quotes = [e for e in timeline if e["kind"] == "quote"]
    assert [(q["number"], q["total"], q["status"]) for q in quotes] == [(number, 335400, "draft")]


def test_bad_quantity_price_and_tax_rate_are_errors(crm: Crm) -> None:
    add_yamada(crm)
    number = crm("quote", "new", "山田").out.strip()
    fails(crm, 2, "quote", "line", number, "x", "--qty", "two")
    fails(crm, 2, "quote", "line", number, "x", "--price", "1.5.0")
    fails(crm, 2, "quote", "line", number, "x", "--price", "-5")
    fails(crm, 2, "quote", "line", number, "x", "--tax", "ten")
    fails(crm, 2, "quote", "new", "山田", "--currency", "YEN")
    assert query("SELECT count(*) FROM quote_lines") == [(0,)]
