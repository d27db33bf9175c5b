"""Tests of `crm add company|contact|deal`: name splitting, company links and the stored rows."""

from __future__ import annotations

import pytest

from tests.cli.support import add_yamada, op_count, query
from tests.conftest import Crm


def test_adding_a_company_prints_it_and_stores_its_fields(crm: Crm) -> None:
    result = crm(
        "add",
        "company",
        "株式会社ミナト精機",
        "--industry",
        "manufacturing",
        "--prefecture",
        "東京都",
        "--revenue",
        "2400000000",
        "--phone",
        "03-3456-7890",
        "--tag",
        "key-account,tokyo",
    )
    assert result.out.startswith("Added company 株式会社ミナト精機  ")
    company_id = result.out.split()[-1]
    shown = crm("show", company_id, "--json").json()
    assert shown["name"] == "株式会社ミナト精機"
    assert shown["industry"] == "manufacturing"
    assert shown["prefecture"] == "東京都"
    assert (shown["annual_revenue"], shown["revenue_currency"]) == (2400000000, "JPY")
    assert shown["phone"] == {"number": "+81334567890", "label": "work", "valid": True}
    assert shown["tags"] == ["key-account", "tokyo"]
    assert shown["owner"] == "alice"
    assert query("SELECT name, prefecture FROM companies") == [("株式会社ミナト精機", "東京都")]


@pytest.mark.parametrize(
    ("name", "family", "given", "shown"),
    [
        ("山田 太郎", "山田", "太郎", "山田 太郎"),
        ("やまだ　たろう", "やまだ", "たろう", "やまだ たろう"),
        ("John Smith", "Smith", "John", "John Smith"),
        ("Madonna", "Madonna", None, "Madonna"),
    ],
)
def test_a_contact_name_splits_family_first_for_japanese_and_given_first_otherwise(
    crm: Crm, name: str, family: str, given: str | None, shown: str
) -> None:
    added = crm("add", "contact", name, "--json").json()
    assert (added["family_name"], added["given_name"], added["display_name"]) == (
        family,
        given,
        shown,
    )
    assert query("SELECT family_name, given_name, display_name FROM contacts") == [
        (family, given, shown)
    ]


def test_family_and_given_options_override_the_split(crm: Crm) -> None:
    added = crm("add", "contact", "Jane Doe", "--family", "Roe", "--given", "Janet", "--json")
    assert (added.json()["family_name"], added.json()["given_name"]) == ("Roe", "Janet")
    assert added.json()["display_name"] == "Janet Roe"


def test_a_contact_keeps_its_reading_title_emails_and_phones_normalised(crm: Crm) -> None:
    added = add_yamada(crm)
    assert (added["family_reading"], added["given_reading"]) == ("ヤマダ", "タロウ")
    assert added["title"] == "部長"
    assert added["emails"] == ["taro@example.jp"]
    assert added["phones"] == [{"number": "+819012345678", "label": "mobile", "valid": True}]
    assert added["lifecycle"] == "lead"
    assert added["consent"] is False
    stored = query("SELECT emails, phones FROM contacts WHERE id = ?", added["id"])
    assert "taro@example.jp" in stored[0][0]
    assert "+819012345678" in stored[0][1]


def test_company_option_links_an_existing_company_by_exact_name(crm: Crm) -> None:
    crm("add", "company", "ミナト")
    crm("add", "company", "ミナト精機")
    result = crm("add", "contact", "山田 太郎", "--company", "ミナト", "--json")
    assert result.err.strip() == "Linked to company ミナト"
    company_id = query("SELECT id FROM companies WHERE name = 'ミナト'")[0][0]
    assert result.json()["company_id"] == company_id
    assert query("SELECT count(*) FROM companies") == [(2,)]


def test_company_option_links_a_unique_partial_name(crm: Crm) -> None:
    crm("add", "company", "株式会社ミナト精機")
    result = crm("add", "contact", "山田 太郎", "--company", "ﾐﾅﾄ", "--json")
    assert result.err.strip() == "Linked to company 株式会社ミナト精機"
    assert result.json()["company_id"] == query("SELECT id FROM companies")[0][0]
    assert query("SELECT count(*) FROM companies") == [(1,)]


def test_company_option_creates_a_company_it_cannot_find(crm: Crm) -> None:
    result = crm("add", "contact", "Emma Clarke", "--company", "Harbor Logistics", "--json")
    assert result.err.startswith("Added company Harbor Logistics  ")
    assert query("SELECT name FROM companies") == [("Harbor Logistics",)]
    company_id = query("SELECT id FROM companies")[0][0]
    assert query("SELECT company_id FROM contacts") == [(company_id,)]
    assert crm("show", "Emma", "--json").json()["company"] == "Harbor Logistics"


def test_company_option_that_matches_several_companies_is_an_error(crm: Crm) -> None:
    crm("add", "company", "ミナト精機")
    crm("add", "company", "ミナト商事")
    before = op_count()
    result = crm("add", "contact", "山田 太郎", "--company", "ミナト", ok=False)
    assert result.code == 4
    assert "ミナト精機" in result.err and "ミナト商事" in result.err
    assert op_count() == before
    assert query("SELECT count(*) FROM contacts") == [(0,)]


def test_adding_a_deal_links_its_company_and_contact(crm: Crm) -> None:
    add_yamada(crm)
    deal = crm(
        "add",
        "deal",
        "Model X ×2",
        "--company",
        "ミナト",
        "--contact",
        "山田",
        "--amount",
        "300000",
        "--currency",
        "JPY",
        "--close",
        "2026-12-20",
        "--json",
    ).json()
    assert (deal["title"], deal["stage"], deal["amount"], deal["currency"]) == (
        "Model X ×2",
        "lead",
        300000,
        "JPY",
    )
    assert deal["expected_close"] == "2026-12-20"
    assert deal["closed_on"] is None
    company_id, contact_id = query(
        "SELECT company_id, id FROM contacts WHERE display_name = '山田 太郎'"
    )[0]
    assert (deal["company_id"], deal["contact_id"]) == (company_id, contact_id)
    assert query("SELECT title, amount FROM deals") == [("Model X ×2", 300000)]


def test_a_deal_in_dollars_keeps_cents_and_a_deal_added_as_won_is_closed_today(crm: Crm) -> None:
    crm("add", "company", "Acme")
    usd = crm("add", "deal", "Pilot", "--company", "Acme", "--amount", "12.50", "--currency", "USD")
    assert usd.out.startswith("Added deal Pilot")
    assert query("SELECT amount, currency FROM deals") == [(1250, "USD")]
    won = crm("add", "deal", "Done", "--company", "Acme", "--stage", "won", "--json").json()
    assert (won["stage"], won["closed_on"]) == ("won", "2026-11-26")
