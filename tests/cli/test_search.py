"""Tests of `crm search`: ranked hits across kinds, kana- and width-insensitive, phones, limits."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cli.support import add_yamada, fails
from tests.conftest import Crm


def _hits(crm: Crm, *args: str) -> list[tuple[str, str]]:
    found: list[dict[str, Any]] = crm("search", *args, "--json").json()
    return [(hit["kind"], hit["label"]) for hit in found]


@pytest.mark.parametrize(
    "query",
    ["やまだ", "ヤマダ", "ﾔﾏﾀﾞ", "山田", "山田太郎", "YAMADA TARO".lower(), "taro@example.jp"],
)
def test_a_contact_is_found_by_name_reading_in_any_kana_or_width(crm: Crm, query: str) -> None:
    add_yamada(crm)
    crm("edit", "山田", "--note", "yamada taro")
    assert _hits(crm, query) == [("contact", "山田 太郎")]


@pytest.mark.parametrize(
    "phone", ["090-1234-5678", "09012345678", "+81 90 1234 5678", "０９０－１２３４－５６７８"]
)
def test_a_phone_is_found_whichever_way_it_is_typed(crm: Crm, phone: str) -> None:
    add_yamada(crm)
    assert _hits(crm, phone) == [("contact", "山田 太郎")]


def test_cjk_inside_a_longer_word_is_found_by_bigrams(crm: Crm) -> None:
    add_yamada(crm)
    assert _hits(crm, "ミナト") == [("company", "株式会社ミナト精機"), ("contact", "山田 太郎")]


def test_hits_span_kinds_and_a_name_ranks_above_a_mention(crm: Crm) -> None:
    add_yamada(crm)
    crm("add", "contact", "Emma Clarke", "--company", "Harbor Logistics")
    crm("log", "note", "Emma", "Emma asked about the scanner pilot", "--body", "Scanner")
    crm("add", "deal", "Scanner pilot", "--contact", "Emma")
    hits = _hits(crm, "scanner")
    assert set(hits) == {
        ("deal", "Scanner pilot"),
        ("activity", "Emma asked about the scanner pilot"),
    }
    assert hits[0] == ("deal", "Scanner pilot")
    found = crm("search", "scanner", "--json").json()
    note = next(hit for hit in found if hit["kind"] == "activity")
    assert note["context"] == "note 2026-11-26 Emma Clarke"


def test_a_one_character_query_looks_through_names_and_readings(crm: Crm) -> None:
    add_yamada(crm)
    crm("add", "contact", "山本 花子", "--reading", "ヤマモト ハナコ")
    crm("add", "contact", "佐藤 一郎")
    assert sorted(_hits(crm, "山")) == [("contact", "山本 花子"), ("contact", "山田 太郎")]
    assert _hits(crm, "佐") == [("contact", "佐藤 一郎")]
    assert _hits(crm, "ﾓ") == [("contact", "山本 花子")]


def test_limit_caps_the_hits(crm: Crm) -> None:
    add_yamada(crm)
    crm("add", "contact", "山田 花子")
    assert len(_hits(crm, "山田")) == 2
    assert len(_hits(crm, "山田", "--limit", "1")) == 1
    assert "at least 1" in fails(crm, 2, "search", "山田", "--limit", "0")


def test_search_operators_are_text_and_no_match_says_so(crm: Crm) -> None:
    add_yamada(crm)
    for words in (('山田 OR "',), ("NEAR(山田",), ("*",), ("--", "-taro"), ("AND", "山田")):
        assert crm("search", *words).code == 0, words
    empty = crm("search", "nobody")
    assert (empty.out, empty.err) == ("", "No matches.\n")
    assert fails(crm, 2, "search", "  ") == "crm: Give something to search for."


def test_the_table_shows_kind_id_name_and_context(crm: Crm) -> None:
    contact = add_yamada(crm)
    lines = crm("search", "やまだ").out.splitlines()
    assert lines[0].split() == ["KIND", "ID", "NAME", "CONTEXT"]
    assert lines[1].split() == ["contact", contact["id"][:12], "山田", "太郎"]


def test_a_draft_quote_is_found_by_the_text_of_its_lines(crm: Crm) -> None:
    add_yamada(crm)
    number = crm("quote", "new", "山田").out.strip()
    crm("quote", "line", number, "Zylophone widget", "--price", "100")
    hits = crm("search", "zylophone", "--json").json()
    assert [(h["kind"], h["label"]) for h in hits] == [("quote", number)]
    crm("quote", "rm-line", number, "1")
    assert crm("search", "zylophone", "--json").json() == []


def test_renaming_a_company_makes_its_contacts_findable_by_the_new_name(crm: Crm) -> None:
    add_yamada(crm)
    crm("edit", "株式会社ミナト精機", "--name", "ミナトホールディングス")
    labels = {h["label"] for h in crm("search", "ホールディングス", "--json").json()}
    assert labels == {"ミナトホールディングス", "山田 太郎"}
