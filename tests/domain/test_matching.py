"""Tests the rules that tell whether two contacts are one person: positive and negative pairs."""

from __future__ import annotations

from typing import Any

import pytest

from crm_tui.domain.combine import combine
from crm_tui.domain.matching import MATCH, Person, company_key, judge, person


def who(id: str = "a", **given: Any) -> Person:
    """A person from a few fields; the rest empty."""
    fields: dict[str, Any] = {
        "display_name": None,
        "family": None,
        "given": None,
        "family_reading": None,
        "given_reading": None,
        "company": None,
        "emails": [],
        "phones": [],
        "uids": [],
    } | given
    return person(id, **fields)


def mobile(number: str) -> dict[str, Any]:
    return {"number": number, "label": "mobile", "valid": True}


def line(number: str) -> dict[str, Any]:
    return {"number": number, "label": "work", "valid": True}


YAMADA = {"family": "山田", "given": "太郎", "display_name": "山田 太郎"}
SATO = {"family": "佐藤", "given": "花子", "display_name": "佐藤 花子"}


@pytest.mark.parametrize(
    ("a", "b", "certain"),
    [
        # an iPhone export and an Android export of one person
        (
            {**YAMADA, "emails": ["taro@example.jp"]},
            {**YAMADA, "emails": ["taro@example.jp"]},
            True,
        ),
        (
            {**YAMADA, "phones": [mobile("+819012345678")]},
            {"phones": [mobile("+819012345678")]},
            False,
        ),
        ({"uids": ["u-1"], **SATO}, {"uids": ["u-1"], **YAMADA}, True),
        # front (Japanese) and back (English) of one card: names in two scripts
        (
            {**YAMADA, "emails": ["taro@example.jp"]},
            {
                "display_name": "Taro Yamada",
                "family": "Yamada",
                "given": "Taro",
                "emails": ["taro@example.jp"],
            },
            False,
        ),
        # the same name, reading and company: the same person, whatever the company's form
        (
            {
                **YAMADA,
                "family_reading": "ヤマダ",
                "given_reading": "タロウ",
                "company": "㈱ミナト精機",
            },
            {
                **YAMADA,
                "family_reading": "ﾔﾏﾀﾞ",
                "given_reading": "ﾀﾛｳ",
                "company": "株式会社 ミナト精機",
            },
            True,
        ),
        (
            {
                "display_name": "John Smith",
                "given": "John",
                "family": "Smith",
                "company": "Acme Inc.",
            },
            {"display_name": "Smith John", "family": "Smith", "given": "John", "company": "ACME"},
            False,
        ),
    ],
)
def test_one_person_recorded_twice_is_recognised(
    a: dict[str, Any], b: dict[str, Any], certain: bool
) -> None:
    verdict = judge(who("a", **a), who("b", **b))
    assert verdict.score >= MATCH, verdict
    assert verdict.certain is certain, verdict
    assert verdict.evidence


@pytest.mark.parametrize(
    ("a", "b", "why"),
    [
        (YAMADA, SATO, "nothing shared"),
        (
            {**YAMADA, "phones": [line("+81312345678")]},
            {**SATO, "phones": [line("+81312345678")]},
            "a switchboard shared by two different people",
        ),
        (
            {**YAMADA, "emails": ["info@minato.jp"]},
            {**YAMADA, "emails": ["info@minato.jp"]},
            "a role address is no evidence (and the name alone is not enough)",
        ),
        (
            {**YAMADA, "family_reading": "ヤマダ", "company": "ミナト精機", "emails": ["t@x.jp"]},
            {**YAMADA, "family_reading": "ヤマタ", "company": "ミナト精機", "emails": ["t@x.jp"]},
            "the same kanji read differently are two people",
        ),
        (
            {**YAMADA, "company": "ミナト精機"},
            {**YAMADA, "company": "関西製鉄"},
            "the same name at two companies",
        ),
    ],
)
def test_different_people_are_not_taken_for_one(
    a: dict[str, Any], b: dict[str, Any], why: str
) -> None:
    assert judge(who("a", **a), who("b", **b)).score < MATCH, why


def test_a_number_a_company_or_third_person_holds_proves_nothing() -> None:
    a = who("a", **YAMADA, phones=[line("+81312345678")])
    b = who("b", phones=[line("+81312345678")])
    assert judge(a, b).score >= MATCH
    assert judge(a, b, frozenset({"+81312345678"})).score < MATCH


@pytest.mark.parametrize(
    "name",
    ["株式会社ミナト精機", "㈱ミナト精機", "ミナト精機株式会社", "(株)ﾐﾅﾄ精機", "ミナト精機 "],
)
def test_company_forms_and_widths_share_one_key(name: str) -> None:
    assert company_key(name) == company_key("ミナト精機")


def test_combining_unites_lists_fills_gaps_and_keeps_other_names() -> None:
    kept = {
        "display_name": "山田 太郎",
        "emails": ["a@x.jp"],
        "phones": [mobile("+819012345678")],
        "title": "部長",
        "note": "met at expo",
    }
    other = {
        "display_name": "Taro Yamada",
        "emails": ["b@x.jp", "a@x.jp"],
        "phones": [mobile("+819012345678"), line("+81312345678")],
        "title": "課長",
        "department": "営業部",
        "note": "met at expo",
    }
    changes = combine(kept, other)
    assert changes == {
        "emails": ["a@x.jp", "b@x.jp"],
        "phones": [mobile("+819012345678"), line("+81312345678")],
        "department": "営業部",
        "alt_names": ["Taro Yamada"],
    }
    assert combine(kept | changes, other) == {}
