"""Tests quote arithmetic: line amounts, one tax rounding per rate, and the line checks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_tui.domain.quotes import (
    RateTotal,
    amount_of,
    check_discount,
    check_quantity,
    check_tax_rate,
    line_amount,
    totals,
)
from crm_tui.domain.records import QuoteLine
from crm_tui.errors import InvalidInput


def line(quantity: str, price: int, tax: str = "10", discount: str | None = None) -> QuoteLine:
    """A quote line as the store keeps it (checked text and minor units)."""
    return QuoteLine(
        id=f"L-{quantity}-{price}-{tax}-{discount}",
        quote_id="Q1",
        quantity=quantity,
        unit_price=price,
        tax_rate=tax,
        discount=discount,
    )


def test_the_issue_example_totals_tax_per_rate() -> None:
    result = totals([line("2", 150000, "10"), line("1", 5000, "8")])
    assert (result.subtotal, result.tax, result.total) == (305000, 30400, 335400)
    assert result.by_rate == (
        RateTotal(rate="10", subtotal=300000, tax=30000),
        RateTotal(rate="8", subtotal=5000, tax=400),
    )


def test_tax_is_rounded_once_per_rate_not_per_line() -> None:
    # Each line alone has 0.5 yen of tax; per line, rounding down would lose all of it.
    result = totals([line("1", 5), line("1", 5), line("1", 5)])
    assert result.by_rate == (RateTotal(rate="10", subtotal=15, tax=1),)
    assert result.total == 16


def test_rates_written_differently_are_the_same_rate() -> None:
    result = totals([line("1", 100, "10"), line("1", 100, "10.0")])
    assert result.by_rate == (RateTotal(rate="10", subtotal=200, tax=20),)


def test_rates_are_listed_highest_first() -> None:
    result = totals([line("1", 100, "0"), line("1", 100, "8"), line("1", 100, "10")])
    assert [r.rate for r in result.by_rate] == ["10", "8", "0"]


def test_a_quote_without_lines_is_zero() -> None:
    assert totals([]) == (0, 0, 0, ())


@pytest.mark.parametrize(("rounding", "tax"), [("down", 99), ("half_up", 100), ("up", 100)])
def test_tax_rounding_rules_on_a_fraction_above_a_half(rounding: str, tax: int) -> None:
    assert totals([line("1", 999)], rounding).tax == tax  # 99.9


@pytest.mark.parametrize(("rounding", "tax"), [("down", 99), ("half_up", 100), ("up", 100)])
def test_tax_rounding_rules_on_exactly_a_half(rounding: str, tax: int) -> None:
    assert totals([line("1", 995)], rounding).tax == tax  # 99.5


@pytest.mark.parametrize(("rounding", "tax"), [("down", 99), ("half_up", 99), ("up", 100)])
def test_tax_rounding_rules_on_a_fraction_below_a_half(rounding: str, tax: int) -> None:
    assert totals([line("1", 991)], rounding).tax == tax  # 99.1


def test_tax_rounds_down_by_default() -> None:
    assert totals([line("1", 999)]).tax == 99


@pytest.mark.parametrize(
    ("quantity", "price", "discount", "amount"),
    [
        ("2", 150000, None, 300000),
        ("1.5", 333, None, 500),  # 499.5 rounds half up
        ("0.5", 3, None, 2),  # 1.5 rounds half up
        ("0.3", 3, None, 1),  # 0.9
        ("0.1", 4, None, 0),  # 0.4
        ("2.25", 1000, None, 2250),
        ("1", 1000, "12.5%", 875),
        ("3", 1000, "10%", 2700),
        ("1", 999, "50%", 500),  # 499.5 rounds half up
        ("3", 1000, "500", 2500),  # an amount off the whole line, not each unit
        ("1", 1000, "0%", 1000),
        ("1", 1000, "100%", 0),
    ],
)
def test_line_amounts_apply_quantity_and_discount_and_round_half_up(
    quantity: str, price: int, discount: str | None, amount: int
) -> None:
    assert amount_of(quantity, price, discount) == amount
    assert line_amount(line(quantity, price, discount=discount)) == amount


def test_fractional_quantities_add_up_across_lines_before_tax() -> None:
    result = totals([line("1.5", 1000, "10"), line("0.25", 1000, "10")])
    assert (result.subtotal, result.tax, result.total) == (1750, 175, 1925)


_LINES = st.lists(
    st.builds(
        line,
        quantity=st.decimals(
            min_value=Decimal("0.0001"), max_value=Decimal(1000), places=4, allow_nan=False
        ).map(lambda q: format(q.normalize(), "f")),
        price=st.integers(min_value=0, max_value=10**9),
        tax=st.sampled_from(["0", "8", "10", "5", "7.5"]),
        discount=st.one_of(
            st.none(),
            st.integers(min_value=0, max_value=100).map(lambda p: f"{p}%"),
            st.integers(min_value=0, max_value=1000).map(str),
        ),
    ),
    max_size=8,
)


@settings(deadline=None)
@given(_LINES, st.sampled_from(["down", "half_up", "up"]))
def test_the_total_is_the_line_amounts_plus_the_tax_of_each_rate(
    lines: list[QuoteLine], rounding: str
) -> None:
    result = totals(lines, rounding)
    assert result.subtotal == sum(line_amount(x) for x in lines)
    assert result.tax == sum(r.tax for r in result.by_rate)
    assert result.total == result.subtotal + result.tax
    assert sum(r.subtotal for r in result.by_rate) == result.subtotal


@settings(deadline=None)
@given(_LINES)
def test_tax_rounded_down_never_exceeds_the_exact_tax_of_a_rate(lines: list[QuoteLine]) -> None:
    # Down (切り捨て) truncates toward zero and up away from it, also for credit subtotals.
    down = totals(lines, "down")
    up = totals(lines, "up")
    for low, high in zip(down.by_rate, up.by_rate, strict=True):
        exact = abs(Decimal(low.subtotal) * Decimal(low.rate) / 100)
        assert abs(low.tax) <= exact < abs(low.tax) + 1
        assert abs(high.tax) - 1 < exact <= abs(high.tax)


# checks


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("1", "1"), ("2.50", "2.5"), ("1.2345", "1.2345"), ("1,000", "1000"), ("100", "100")],
)
def test_quantities_are_kept_as_normalised_text(typed: str, kept: str) -> None:
    assert check_quantity(typed) == kept


@pytest.mark.parametrize("typed", ["0", "-1", "0.00001", "1.23456"])
def test_zero_negative_or_too_precise_quantities_are_refused(typed: str) -> None:
    with pytest.raises(InvalidInput, match="positive with at most 4 decimals"):
        check_quantity(typed)


@pytest.mark.parametrize("typed", ["abc", "", "NaN", "Infinity", "1/2"])
def test_quantities_that_are_not_numbers_are_refused(typed: str) -> None:
    with pytest.raises(InvalidInput, match="not a number for quantity"):
        check_quantity(typed)


@pytest.mark.parametrize(
    ("typed", "kept"), [("10", "10"), ("10%", "10"), ("8.0", "8"), ("0", "0"), ("100", "100")]
)
def test_tax_rates_are_kept_as_percent_text(typed: str, kept: str) -> None:
    assert check_tax_rate(typed) == kept


@pytest.mark.parametrize("typed", ["-1", "101", "1000%"])
def test_tax_rates_outside_zero_to_a_hundred_are_refused(typed: str) -> None:
    with pytest.raises(InvalidInput, match="between 0 and 100"):
        check_tax_rate(typed)


def test_a_tax_rate_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not a number for tax rate"):
        check_tax_rate("ten")


@pytest.mark.parametrize(
    ("typed", "currency", "kept"),
    [
        ("10%", "JPY", "10%"),
        ("12.50%", "JPY", "12.5%"),
        ("0%", "JPY", "0%"),
        ("100%", "JPY", "100%"),
        ("5000", "JPY", "5000"),
        ("¥5,000", "JPY", "5000"),
        ("12.50", "USD", "1250"),
    ],
)
def test_discounts_are_kept_as_percent_or_minor_units(typed: str, currency: str, kept: str) -> None:
    assert check_discount(typed, currency) == kept


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("150%", "between 0% and 100%"),
        ("-5%", "between 0% and 100%"),
        ("-5", "cannot be negative"),
        ("1.5", "more decimals than JPY"),
        ("abc", "not an amount"),
        ("abc%", "not a number for discount"),
    ],
)
def test_bad_discounts_are_refused_with_the_reason(typed: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        check_discount(typed, "JPY")


def test_a_checked_discount_gives_the_amount_it_promised() -> None:
    assert amount_of("2", 10000, check_discount("¥5,000", "JPY")) == 15000
    assert amount_of("2", 10000, check_discount("25%", "JPY")) == 15000
