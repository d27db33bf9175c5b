"""Provides money as integer minor units of an ISO 4217 currency (JPY has none), parsed exactly."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from crm_tui.errors import InvalidInput

if TYPE_CHECKING:
    from decimal import Decimal

# ISO 4217 active codes. Exponent 2 unless listed in _EXPONENT.
_CODES = frozenset(
    [
        "AED",
        "AFN",
        "ALL",
        "AMD",
        "ANG",
        "AOA",
        "ARS",
        "AUD",
        "AWG",
        "AZN",
        "BAM",
        "BBD",
        "BDT",
        "BGN",
        "BHD",
        "BIF",
        "BMD",
        "BND",
        "BOB",
        "BRL",
        "BSD",
        "BTN",
        "BWP",
        "BYN",
        "BZD",
        "CAD",
        "CDF",
        "CHF",
        "CLP",
        "CNY",
        "COP",
        "CRC",
        "CUP",
        "CVE",
        "CZK",
        "DJF",
        "DKK",
        "DOP",
        "DZD",
        "EGP",
        "ERN",
        "ETB",
        "EUR",
        "FJD",
        "FKP",
        "GBP",
        "GEL",
        "GHS",
        "GIP",
        "GMD",
        "GNF",
        "GTQ",
        "GYD",
        "HKD",
        "HNL",
        "HTG",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "IQD",
        "IRR",
        "ISK",
        "JMD",
        "JOD",
        "JPY",
        "KES",
        "KGS",
        "KHR",
        "KMF",
        "KPW",
        "KRW",
        "KWD",
        "KYD",
        "KZT",
        "LAK",
        "LBP",
        "LKR",
        "LRD",
        "LSL",
        "LYD",
        "MAD",
        "MDL",
        "MGA",
        "MKD",
        "MMK",
        "MNT",
        "MOP",
        "MRU",
        "MUR",
        "MVR",
        "MWK",
        "MXN",
        "MYR",
        "MZN",
        "NAD",
        "NGN",
        "NIO",
        "NOK",
        "NPR",
        "NZD",
        "OMR",
        "PAB",
        "PEN",
        "PGK",
        "PHP",
        "PKR",
        "PLN",
        "PYG",
        "QAR",
        "RON",
        "RSD",
        "RUB",
        "RWF",
        "SAR",
        "SBD",
        "SCR",
        "SDG",
        "SEK",
        "SGD",
        "SHP",
        "SLE",
        "SOS",
        "SRD",
        "SSP",
        "STN",
        "SVC",
        "SYP",
        "SZL",
        "THB",
        "TJS",
        "TMT",
        "TND",
        "TOP",
        "TRY",
        "TTD",
        "TWD",
        "TZS",
        "UAH",
        "UGX",
        "USD",
        "UYU",
        "UZS",
        "VES",
        "VND",
        "VUV",
        "WST",
        "XAF",
        "XCD",
        "XOF",
        "XPF",
        "YER",
        "ZAR",
        "ZMW",
        "ZWG",
    ]
)
_EXPONENT = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
}
_SYMBOLS = {"JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "CNY": "CN¥", "KRW": "₩"}
_GROUPED = re.compile(r"^[+-]?\d{1,3}([,_]\d{3})+(\.\d+)?$")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def check_currency(code: str) -> str:
    """Returns the upper-cased ISO 4217 code, or refuses an unknown one."""
    upper = code.strip().upper()
    if upper not in _CODES:
        raise InvalidInput(f"{code!r} is not an ISO 4217 currency code; use one like JPY or USD.")
    return upper


def exponent(currency: str) -> int:
    """The number of minor-unit digits of a currency (0 for JPY, 2 for USD)."""
    return _EXPONENT.get(currency, 2)


def parse_amount(text: str | int, currency: str) -> int:
    """Parses `150000`, `150,000`, `¥150,000` or `12.50` into minor units of `currency`."""
    # NFKC: a Japanese keyboard in full-width mode types ￥１５０，０００.
    cleaned = re.sub(r"[\s¥$€£]", "", unicodedata.normalize("NFKC", str(text)))
    cleaned = cleaned.removeprefix(currency)
    if "," in cleaned or "_" in cleaned:
        # Separators only between groups of three: "1,50" is a decimal comma, not 150.
        if not _GROUPED.match(cleaned):
            raise InvalidInput(
                f"{text!r} is not an amount; separate thousands as 150,000 and decimals with a "
                "point, as 12.50."
            )
        cleaned = cleaned.replace(",", "").replace("_", "")
    if not _NUMBER.match(cleaned):
        raise InvalidInput(f"{text!r} is not an amount; write digits like 150000 or 12.50.")
    from decimal import Decimal

    value = Decimal(cleaned)
    minor = value.scaleb(exponent(currency))
    if minor != minor.to_integral_value():
        raise InvalidInput(
            f"{text!r} has more decimals than {currency} allows ({exponent(currency)})."
        )
    return int(minor)


def format_money(minor: int | None, currency: str | None) -> str:
    """Formats an amount for people: `¥150,000`, `$12.50`, `CHF 3.00`."""
    if minor is None:
        return ""
    code = currency or "JPY"
    digits = exponent(code)
    # Integer arithmetic: formatting must not need the decimal module on the quick paths.
    major, fraction = divmod(abs(minor), 10**digits)
    text = f"{major:,}" + (f".{fraction:0{digits}d}" if digits else "")
    sign = "-" if minor < 0 else ""
    symbol = _SYMBOLS.get(code)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{code} {text}"


def parse_decimal(text: str | int | float, what: str) -> Decimal:
    """Parses a plain decimal number (a quantity, a percentage), refusing anything else."""
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(str(text).replace(",", "").strip())
    except InvalidOperation:
        raise InvalidInput(f"{text!r} is not a number for {what}.") from None
    if not value.is_finite():
        raise InvalidInput(f"{text!r} is not a number for {what}.")
    return value
