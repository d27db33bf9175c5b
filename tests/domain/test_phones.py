"""Tests phone parsing into E.164 with labels, for the ways Japanese numbers get typed."""

from __future__ import annotations

import pytest

from crm_tui.domain.phones import e164_of, looks_like_phone, parse_phone, require_valid_phone
from crm_tui.errors import InvalidInput

MOBILE = "+819012345678"
TOKYO_OFFICE = "+81312345678"


@pytest.mark.parametrize(
    "typed",
    [
        "090-1234-5678",
        "09012345678",
        "090 1234 5678",
        "(090) 1234-5678",
        "+81 90 1234 5678",
        "+81-90-1234-5678",
        "+819012345678",
        "０９０－１２３４－５６７８",
        "０９０１２３４５６７８",
        "＋８１ ９０ １２３４ ５６７８",
        "  090-1234-5678  ",
    ],
)
def test_a_japanese_mobile_typed_any_way_becomes_the_same_e164_number(typed: str) -> None:
    phone = parse_phone(typed, "JP")
    assert phone == {
        "number": MOBILE,
        "label": "mobile",
        "valid": True,
        "display": "+81 90-1234-5678",
    }


@pytest.mark.parametrize(
    "typed", ["03-1234-5678", "0312345678", "(03) 1234-5678", "+81 3 1234 5678"]
)
def test_a_tokyo_landline_is_labelled_work(typed: str) -> None:
    phone = parse_phone(typed, "JP")
    assert (phone["number"], phone["label"], phone["valid"]) == (TOKYO_OFFICE, "work", True)
    assert phone["display"] == "+81 3-1234-5678"


def test_a_free_dial_number_is_valid() -> None:
    assert parse_phone("0120-123-456", "JP")["number"] == "+81120123456"


def test_the_region_is_only_a_default_for_numbers_without_a_country_code() -> None:
    assert parse_phone("+1 650-253-0000", "JP")["number"] == "+16502530000"
    assert parse_phone("650-253-0000", "us")["number"] == "+16502530000"


@pytest.mark.parametrize(
    ("typed", "ext"),
    [
        ("03-1234-5678 内線123", "123"),
        ("03-1234-5678内線１２３", "123"),
        ("03-1234-5678 ext. 45", "45"),
        ("03-1234-5678 EXT 45", "45"),
        ("03-1234-5678 extension 7", "7"),
        ("03-1234-5678x9", "9"),
        ("03-1234-5678 #12", "12"),
    ],
)
def test_an_extension_is_kept_apart_from_the_number(typed: str, ext: str) -> None:
    phone = parse_phone(typed, "JP")
    assert (phone["number"], phone["ext"], phone["valid"]) == (TOKYO_OFFICE, ext, True)
    assert phone["display"] == f"+81 3-1234-5678 ext. {ext}"


def test_a_number_without_an_extension_has_no_ext_key() -> None:
    assert "ext" not in parse_phone("03-1234-5678", "JP")


def test_pause_characters_end_the_dialable_part() -> None:
    assert parse_phone("03-1234-5678,,9", "JP")["number"] == TOKYO_OFFICE


@pytest.mark.parametrize(
    ("typed", "label", "number"),
    [
        ("mobile=090-1234-5678", "mobile", MOBILE),
        ("work=090-1234-5678", "work", MOBILE),
        ("Fax=03-1234-5678", "fax", TOKYO_OFFICE),
    ],
)
def test_a_label_before_an_equals_sign_is_used_lower_cased(
    typed: str, label: str, number: str
) -> None:
    phone = parse_phone(typed, "JP")
    assert (phone["label"], phone["number"], phone["valid"]) == (label, number, True)


def test_an_explicit_label_wins_over_the_guess() -> None:
    assert parse_phone("090-1234-5678", "JP", label="home")["label"] == "home"


@pytest.mark.parametrize("typed", ["12345", "abc", "090-1234", "03-1234-56789012", "+81"])
def test_an_invalid_number_is_kept_verbatim_and_marked_invalid(typed: str) -> None:
    assert parse_phone(typed, "JP") == {
        "number": typed,
        "label": "other",
        "valid": False,
        "display": typed,
    }


def test_an_invalid_labelled_number_keeps_its_label_and_text() -> None:
    assert parse_phone("fax=12345", "JP") == {
        "number": "12345",
        "label": "fax",
        "valid": False,
        "display": "12345",
    }


@pytest.mark.parametrize(
    "typed",
    ["090-1234-5678", "+81 90 1234 5678", "０９０１２３４５６７８", "(03) 1234-5678", "123456"],
)
def test_phone_shaped_queries_are_recognised(typed: str) -> None:
    assert looks_like_phone(typed)


@pytest.mark.parametrize(
    "typed", ["山田", "taro@example.jp", "12345", "Model 1234567X", "", "2026"]
)
def test_words_and_short_numbers_are_not_phone_shaped(typed: str) -> None:
    assert not looks_like_phone(typed)


@pytest.mark.parametrize("typed", ["090-1234-5678", "+81 90 1234 5678", "０９０１２３４５６７８"])
def test_e164_of_a_query_matches_the_stored_number(typed: str) -> None:
    assert e164_of(typed, "JP") == MOBILE


@pytest.mark.parametrize("typed", ["123456", "山田"])
def test_e164_of_an_invalid_query_is_none(typed: str) -> None:
    assert e164_of(typed, "JP") is None


def test_require_valid_phone_returns_the_parsed_phone() -> None:
    assert require_valid_phone("090-1234-5678", "JP")["number"] == MOBILE


def test_require_valid_phone_refuses_an_invalid_number_and_shows_how_to_type_one() -> None:
    with pytest.raises(InvalidInput) as refused:
        require_valid_phone("12345", "jp")
    message = str(refused.value)
    assert "'12345'" in message
    assert "region JP" in message
    assert "090-1234-5678" in message
