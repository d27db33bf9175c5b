"""Tests of `crm contract add|renew`, `crm invoice add|paid` and `crm survey`."""

from __future__ import annotations

import pytest

from tests.cli.support import add_yamada, fails, query
from tests.conftest import Crm


def test_contract_add_defaults_to_a_year_renewed_on_its_end(crm: Crm) -> None:
    add_yamada(crm)
    result = crm("contract", "add", "ミナト", "Maintenance plan", "--value", "600000")
    assert result.out.startswith("Added contract Maintenance plan, renewal on 2027-11-25  ")
    assert query(
        "SELECT product, start_on, end_on, renewal_on, value, currency FROM contracts"
    ) == [("Maintenance plan", "2026-11-26", "2027-11-25", "2027-11-25", 600000, "JPY")]


def test_contract_renew_records_the_renewal_and_moves_the_next_renewal_date(crm: Crm) -> None:
    add_yamada(crm)
    crm(
        "contract",
        "add",
        "ミナト",
        "Maintenance plan",
        "--start",
        "2026-01-01",
        "--end",
        "2026-12-31",
        "--renewal",
        "2026-11-30",
        "--value",
        "600000",
    )
    renewed = crm("contract", "renew", "Maintenance", "--until", "2027-12-31", "--value", "660000")
    assert "Renewed Maintenance plan until 2027-12-31, next renewal 2027-11-30" in renewed.out
    assert query("SELECT end_on, renewal_on, value FROM contracts") == [
        ("2027-12-31", "2027-11-30", 660000)
    ]
    assert query(
        "SELECT renewed_on, previous_end, end_on, renewal_on, value FROM contract_renewals"
    ) == [("2026-11-26", "2026-12-31", "2027-12-31", "2027-11-30", 660000)]
    timeline = crm("show", "Maintenance", "--json").json()["timeline"]
    assert [(e["kind"], e["summary"], e["previous_end"]) for e in timeline] == [
        ("renewal", "Renewed until 2027-12-31", "2026-12-31")
    ]


def test_renewing_without_a_date_adds_one_more_term_each_time(crm: Crm) -> None:
    crm("add", "company", "Acme")
    crm("contract", "add", "Acme", "Support", "--start", "2026-01-01", "--end", "2026-12-31")
    for end in ("2027-12-31", "2028-12-31", "2029-12-31"):
        assert crm("contract", "renew", "Support", "--json").json()["end_on"] == end
    assert query("SELECT count(*) FROM contract_renewals") == [(3,)]


def test_a_renewal_must_end_after_the_current_end_and_a_contract_after_its_start(
    crm: Crm,
) -> None:
    crm("add", "company", "Acme")
    crm("contract", "add", "Acme", "Support", "--start", "2026-01-01", "--end", "2026-12-31")
    fails(crm, 2, "contract", "renew", "Support", "--until", "2026-06-30")
    fails(
        crm, 2, "contract", "add", "Acme", "Other", "--start", "2026-05-01", "--end", "2026-04-01"
    )
    assert query("SELECT count(*) FROM contract_renewals") == [(0,)]


def test_invoice_add_and_paid(crm: Crm) -> None:
    add_yamada(crm)
    added = crm("invoice", "add", "ミナト", "INV-2026-001", "--amount", "335400", "--due", "30d")
    assert added.out.startswith("Added invoice INV-2026-001 ¥335,400, due 2026-12-26  ")
    assert query("SELECT number, amount, issued_on, due_on, paid_on FROM invoices") == [
        ("INV-2026-001", 335400, "2026-11-26", "2026-12-26", None)
    ]
    assert [i["number"] for i in crm("ls", "invoices", "--unpaid", "--json").json()] == [
        "INV-2026-001"
    ]
    paid = crm("invoice", "paid", "inv-2026-001", "--on", "2026-11-25")
    assert paid.out.startswith("Invoice INV-2026-001 paid on 2026-11-25  ")
    assert query("SELECT paid_on FROM invoices") == [("2026-11-25",)]
    assert crm("ls", "invoices", "--unpaid", "--json").json() == []
    assert "already paid" in fails(crm, 2, "invoice", "paid", "INV-2026-001")


def test_an_invoice_number_cannot_be_used_twice(crm: Crm) -> None:
    crm("add", "company", "Acme")
    crm("invoice", "add", "Acme", "INV-1", "--amount", "100", "--due", "7d")
    line = fails(crm, 2, "invoice", "add", "Acme", "inv-1", "--amount", "5", "--due", "7d")
    assert "already used" in line


@pytest.mark.parametrize(
    ("options", "nps", "csat", "label"),
    [
        (("--nps", "9"), 9, None, "NPS 9"),
        (("--csat", "5"), None, 5, "CSAT 5"),
        (("--nps", "0", "--csat", "1"), 0, 1, "NPS 0, CSAT 1"),
    ],
)
def test_survey_records_either_score_or_both(
    crm: Crm, options: tuple[str, ...], nps: int | None, csat: int | None, label: str
) -> None:
    contact = add_yamada(crm)
    result = crm("survey", "山田", *options)
    assert result.out.startswith(f"Recorded {label}  ")
    assert query("SELECT contact_id, nps, csat FROM surveys") == [(contact["id"], nps, csat)]
    timeline = crm("show", "山田", "--json").json()["timeline"]
    assert [(e["kind"], e["summary"]) for e in timeline] == [("survey", label)]


@pytest.mark.parametrize(
    "options",
    [(), ("--nps", "11"), ("--nps", "-1"), ("--csat", "0"), ("--csat", "6")],
)
def test_survey_scores_out_of_bounds_or_missing_are_errors(
    crm: Crm, options: tuple[str, ...]
) -> None:
    add_yamada(crm)
    fails(crm, 2, "survey", "山田", *options)
    assert query("SELECT count(*) FROM surveys") == [(0,)]


def test_a_survey_is_for_a_contact_not_a_company(crm: Crm) -> None:
    add_yamada(crm)
    fails(crm, 3, "survey", "株式会社ミナト精機", "--nps", "9")
