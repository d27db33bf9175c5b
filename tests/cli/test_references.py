"""Tests of references to records: ids, id prefixes, emails, phones, names, readings, numbers."""

from __future__ import annotations

import pytest

from tests.cli.support import add_yamada, fails
from tests.conftest import Crm


def _shown_id(crm: Crm, reference: str) -> str:
    return str(crm("show", reference, "--json").json()["id"])


def test_an_exact_id_and_an_id_prefix_of_eight_characters_find_the_record(crm: Crm) -> None:
    contact = crm("add", "contact", "山田 太郎", "--json").json()
    assert _shown_id(crm, contact["id"]) == contact["id"]
    assert _shown_id(crm, contact["id"][:8].lower()) == contact["id"]


def test_the_twelve_characters_tables_show_tell_records_made_together_apart(crm: Crm) -> None:
    contact = add_yamada(crm)
    assert _shown_id(crm, contact["id"][:12]) == contact["id"]


def test_an_id_prefix_shorter_than_eight_characters_is_not_an_id(crm: Crm) -> None:
    contact = add_yamada(crm)
    fails(crm, 3, "show", contact["id"][:7])


@pytest.mark.parametrize(
    "reference",
    [
        "taro@example.jp",
        "TARO@EXAMPLE.JP",
        "090-1234-5678",
        "09012345678",
        "+81 90 1234 5678",
        "(090) 1234-5678",
        "山田",
        "太郎",
        "やまだ",
        "ﾀﾛｳ",
        "山田太郎",
    ],
)
def test_a_contact_is_found_by_email_phone_name_or_reading(crm: Crm, reference: str) -> None:
    contact = add_yamada(crm)
    assert _shown_id(crm, reference) == contact["id"]


def test_names_match_without_regard_to_case(crm: Crm) -> None:
    crm("add", "contact", "Emma Clarke")
    assert crm("show", "emma clarke", "--json").json()["display_name"] == "Emma Clarke"
    assert crm("show", "CLARK", "--json").json()["display_name"] == "Emma Clarke"


def test_a_quote_is_found_by_its_number_and_a_deal_by_its_title(crm: Crm) -> None:
    add_yamada(crm)
    number = crm("quote", "new", "山田").out.strip()
    crm("add", "deal", "Model X ×2", "--contact", "山田")
    assert crm("show", number, "--json").json()["number"] == number
    assert crm("show", "model x", "--json").json()["title"] == "Model X ×2"


def test_no_match_exits_3_with_a_one_line_message(crm: Crm) -> None:
    add_yamada(crm)
    line = fails(crm, 3, "show", "佐藤")
    assert line.startswith("crm: No contact, company, deal")
    assert "'佐藤'" in line and "crm search" in line
    assert fails(crm, 3, "log", "visit", "nobody@example.jp", "Demo").startswith(
        "crm: No contact or company matches 'nobody@example.jp'"
    )


def test_several_matches_exit_4_listing_the_candidates(crm: Crm) -> None:
    yamada = add_yamada(crm)
    yamamoto = crm("add", "contact", "山本 花子", "--reading", "ヤマモト ハナコ", "--json").json()
    line = fails(crm, 4, "log", "visit", "やま", "Demo")
    assert line.startswith("crm: 'やま' matches 2 records: ")
    assert f"contact {yamada['id']} 山田 太郎" in line
    assert f"contact {yamamoto['id']} 山本 花子" in line
    assert "Use an id or more of the name." in line


def test_a_phone_shared_by_two_contacts_is_ambiguous(crm: Crm) -> None:
    add_yamada(crm)
    crm("add", "contact", "山田 花子", "--phone", "+81 90 1234 5678")
    fails(crm, 4, "show", "090-1234-5678")


def test_an_empty_reference_is_an_input_error(crm: Crm) -> None:
    add_yamada(crm)
    assert "empty reference" in fails(crm, 2, "show", " ")
