"""Tests money parsing, currency codes and formatting in integer minor units."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_tui.domain.money import check_currency, exponent, format_money, parse_amount
from crm_tui.errors import InvalidInput


@pytest.mark.parametrize(
    ("typed", "currency", "minor"),
    [
        (150000, "JPY", 150000),
        ("150000", "JPY", 150000),
        ("150,000", "JPY", 150000),
        ("¥150,000", "JPY", 150000),
        ("  ¥ 150,000 ", "JPY", 150000),
        ("JPY150000", "JPY", 150000),
        ("150000.00", "JPY", 150000),
        ("￥１５０，０００", "JPY", 150000),
        ("12.50", "USD", 1250),
        ("$12.50", "USD", 1250),
        ("12.5", "USD", 1250),
        ("12", "USD", 1200),
        ("１２．５０", "USD", 1250),
        ("€1,234.56", "EUR", 123456),
        ("1.234", "BHD", 1234),
        ("1.5", "KWD", 1500),
        ("0", "JPY", 0),
        ("-500", "JPY", -500),
    ],
)
def test_amounts_are_parsed_into_exact_minor_units(
    typed: str | int, currency: str, minor: int
) -> None:
    assert parse_amount(typed, currency) == minor


@pytest.mark.parametrize(
    ("typed", "currency"),
    [("1.5", "JPY"), ("150000.1", "JPY"), ("12.505", "USD"), ("1.2345", "BHD")],
)
def test_more_decimals_than_the_currency_has_are_refused_not_rounded(
    typed: str, currency: str
) -> None:
    with pytest.raises(InvalidInput, match=f"more decimals than {currency} allows"):
        parse_amount(typed, currency)


@pytest.mark.parametrize(
    "typed", ["", "abc", "1e5", "12.5.0", ".5", "5.", "12.50 USD", "1 2 3a", "--5", "NaN", "∞"]
)
def test_junk_amounts_are_refused_with_an_example(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_amount(typed, "USD")
    assert repr(typed) in str(refused.value)
    assert "150000" in str(refused.value)


@settings(deadline=None)
@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_formatted_amounts_parse_back_to_the_same_minor_units(minor: int) -> None:
    for currency in ("JPY", "USD", "BHD", "CHF"):
        text = format_money(minor, currency)
        assert parse_amount(text.replace(currency, "").replace("-", "").strip(), currency) == abs(
            minor
        )


@pytest.mark.parametrize(
    ("typed", "code"), [("JPY", "JPY"), ("jpy", "JPY"), (" usd ", "USD"), ("Eur", "EUR")]
)
def test_currency_codes_are_upper_cased(typed: str, code: str) -> None:
    assert check_currency(typed) == code


@pytest.mark.parametrize("typed", ["", "XYZ", "EURO", "円", "US"])
def test_unknown_currency_codes_are_refused(typed: str) -> None:
    with pytest.raises(InvalidInput, match="ISO 4217"):
        check_currency(typed)


@pytest.mark.parametrize(("code", "digits"), [("JPY", 0), ("KRW", 0), ("USD", 2), ("BHD", 3)])
def test_each_currency_has_its_minor_unit_digits(code: str, digits: int) -> None:
    assert exponent(code) == digits


@pytest.mark.parametrize(
    ("minor", "currency", "shown"),
    [
        (150000, "JPY", "¥150,000"),
        (0, "JPY", "¥0"),
        (1250, "USD", "$12.50"),
        (5, "USD", "$0.05"),
        (123456789, "EUR", "€1,234,567.89"),
        (-1250, "USD", "-$12.50"),
        (-150000, "JPY", "-¥150,000"),
        (1234, "BHD", "BHD 1.234"),
        (123456789, "KWD", "KWD 123,456.789"),
        (300, "CHF", "CHF 3.00"),
        (-300, "CHF", "-CHF 3.00"),
        (5, None, "¥5"),
    ],
)
def test_money_is_formatted_with_the_symbol_or_the_code(
    minor: int, currency: str | None, shown: str
) -> None:
    assert format_money(minor, currency) == shown


def test_no_amount_formats_as_empty_text() -> None:
    assert format_money(None, "JPY") == ""


@pytest.mark.parametrize("typed", ["1,50", "1,5,0", "15,00,000", "1,0000", ",500"])
def test_commas_must_group_thousands_so_a_decimal_comma_is_not_misread(typed: str) -> None:
    with pytest.raises(InvalidInput, match="separate thousands as 150,000"):
        parse_amount(typed, "EUR")


@pytest.mark.parametrize(("typed", "minor"), [("1,234.56", 123456), ("1_000_000", 100000000)])
def test_grouped_thousands_with_decimals_are_read(typed: str, minor: int) -> None:
    assert parse_amount(typed, "USD") == minor
