"""Provides exact quote arithmetic: line amounts, subtotals and tax per rate, totals.

The rule (stated in docs/money.md): a line's amount is quantity × unit price less its discount,
rounded half up to the currency's minor unit only when a fractional quantity or a percentage
discount makes it fractional. Tax is computed once per tax rate on the sum of that rate's lines
and rounded by the configured rule (down by default, as most Japanese invoices do: 切り捨て).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal
from typing import NamedTuple

from crm_tui.domain.money import parse_amount, parse_decimal
from crm_tui.domain.records import QuoteLine
from crm_tui.errors import InvalidInput

# 切り捨て truncates toward zero, so a negative (credit) subtotal rounds the same way.
ROUNDING = {"down": ROUND_DOWN, "half_up": ROUND_HALF_UP, "up": ROUND_UP}


class RateTotal(NamedTuple):
    """The lines of one tax rate: their amount and the tax on it."""

    rate: str
    subtotal: int
    tax: int


class QuoteTotals(NamedTuple):
    """A quote's money: subtotal before tax, tax, total, and the split per tax rate."""

    subtotal: int
    tax: int
    total: int
    by_rate: tuple[RateTotal, ...]


def line_amount(line: QuoteLine) -> int:
    """The line's amount before tax, in minor units."""
    return amount_of(line.quantity, line.unit_price, line.discount)


def amount_of(quantity: str, unit_price: int, discount: str | None) -> int:
    """Quantity × unit price less the discount, rounded half up to a minor unit."""
    gross = parse_decimal(quantity, "quantity") * unit_price
    if discount:
        if discount.endswith("%"):
            gross -= gross * parse_decimal(discount[:-1], "discount") / 100
        else:
            gross -= int(discount)
    return int(gross.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def totals(lines: Iterable[QuoteLine], rounding: str = "down") -> QuoteTotals:
    """Computes a quote's totals with one tax rounding per rate."""
    per_rate: dict[Decimal, int] = {}
    for line in lines:
        rate = parse_decimal(line.tax_rate, "tax rate")
        per_rate[rate] = per_rate.get(rate, 0) + line_amount(line)
    mode = ROUNDING[rounding]
    by_rate = tuple(
        RateTotal(
            rate=_rate_text(rate),
            subtotal=amount,
            tax=int((amount * rate / 100).quantize(Decimal(1), rounding=mode)),
        )
        for rate, amount in sorted(per_rate.items(), reverse=True)
    )
    subtotal = sum(r.subtotal for r in by_rate)
    tax = sum(r.tax for r in by_rate)
    return QuoteTotals(subtotal=subtotal, tax=tax, total=subtotal + tax, by_rate=by_rate)


def _rate_text(rate: Decimal) -> str:
    return format(rate.normalize(), "f")


def check_quantity(text: str) -> str:
    """Validates a quantity (positive, at most 4 decimals) and returns it as text."""
    value = parse_decimal(text, "quantity")
    exp = value.normalize().as_tuple().exponent
    if value <= 0 or (isinstance(exp, int) and exp < -4):
        raise InvalidInput(f"Quantity {text!r} must be positive with at most 4 decimals.")
    return format(value.normalize(), "f")


def check_tax_rate(text: str) -> str:
    """Validates a tax rate in percent (`10`, `8`, `0`, `10%`) and returns it as text."""
    value = parse_decimal(str(text).removesuffix("%"), "tax rate")
    if not 0 <= value <= 100:
        raise InvalidInput(f"Tax rate {text!r} must be a percentage between 0 and 100.")
    return _rate_text(value)


def check_discount(text: str, currency: str) -> str:
    """Validates a discount: a percentage (`10%`) or an amount off the line (`5000`)."""
    stripped = str(text).strip()
    if stripped.endswith("%"):
        value = parse_decimal(stripped[:-1], "discount")
        if not 0 <= value <= 100:
            raise InvalidInput(f"Discount {text!r} must be between 0% and 100%.")
        return _rate_text(value) + "%"
    amount = parse_amount(stripped, currency)
    if amount < 0:
        raise InvalidInput(f"Discount {text!r} cannot be negative.")
    return str(amount)
