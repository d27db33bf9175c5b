"""Provides checks that turn values typed by users into field values, with clear errors."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from crm_tui.domain.dates import parse_due
from crm_tui.domain.emails import normalize_email
from crm_tui.domain.money import check_currency, parse_amount
from crm_tui.domain.phones import require_valid_phone
from crm_tui.errors import InvalidInput
from crm_tui.services.session import Session


def text(value: str | None, what: str, *, required: bool = False) -> str | None:
    """Strips text; empty means unset, or an error when required."""
    if value is None:
        if required:
            raise InvalidInput(f"{what} is required.")
        return None
    stripped = value.strip()
    if not stripped:
        if required:
            raise InvalidInput(f"{what} cannot be empty.")
        return None
    return stripped


def choice(value: str, allowed: Sequence[str], what: str) -> str:
    """Checks a value against its allowed words (case-insensitive)."""
    lowered = value.strip().lower()
    if lowered not in allowed:
        raise InvalidInput(f"{value!r} is not a {what}; use one of: {', '.join(allowed)}.")
    return lowered


def emails(values: Sequence[str]) -> list[str]:
    """Normalises emails, keeping their order and dropping repeats."""
    return list(dict.fromkeys(normalize_email(v) for v in values))


def phones(session: Session, values: Sequence[str]) -> list[dict[str, Any]]:
    """Parses phones typed by the user; an invalid one is an error."""
    parsed = [require_valid_phone(v, session.config.phone_region) for v in values]
    unique: dict[str, dict[str, Any]] = {}
    for phone in parsed:
        unique.setdefault(phone["number"], phone)
    return list(unique.values())


def tags(values: Sequence[str]) -> list[str]:
    """Tags from repeated options or comma-separated lists, without repeats."""
    out: list[str] = []
    for value in values:
        for tag in value.split(","):
            tag = tag.strip()
            if tag and tag not in out:
                out.append(tag)
    return out


def due(session: Session, value: str) -> str:
    """A due date typed as today, 3d, 2w, mon, 2026-12-01 … as ISO text."""
    return parse_due(value, session.today, holiday_calendar(session, value)).isoformat()


def day(session: Session, value: str) -> date:
    """A date typed like a due date."""
    return parse_due(value, session.today, holiday_calendar(session, value))


def holiday_calendar(session: Session, value: str) -> set[date]:
    """The holidays needed to read `value` (only business-day offsets need any)."""
    if not value.strip().lower().endswith("bd"):
        return set()
    return business_holidays(session)


def business_holidays(session: Session) -> set[date]:
    """Public holidays around today in the configured country (cached in the store)."""
    from crm_tui.storage.holidays import holidays_for

    year = session.today.year
    return holidays_for(session.store.conn, session.config.country, year - 1, year + 2)


def currency(session: Session, value: str | None) -> str:
    """A currency code, or the configured default."""
    return check_currency(value) if value else session.config.currency


def amount(value: str | None, code: str) -> int | None:
    """An amount in minor units of `code`, or None."""
    if value is None:
        return None
    minor = parse_amount(value, code)
    if minor < 0:
        raise InvalidInput(f"Amount {value!r} cannot be negative.")
    return minor


def whole_number(value: int | None, low: int, high: int, what: str) -> int | None:
    """An integer within bounds, or None."""
    if value is None:
        return None
    if not low <= value <= high:
        raise InvalidInput(f"{what} must be between {low} and {high}, not {value}.")
    return value


def number_text(text: str, low: int, high: int, what: str) -> int:
    """A typed whole number within bounds."""
    try:
        value = int(text.strip())
    except ValueError:
        raise InvalidInput(f"{what} takes a whole number, not {text!r}.") from None
    return whole_number(value, low, high, what) or value


def yes_no(text: str, what: str) -> bool:
    """A typed yes or no."""
    answer = text.strip().lower()
    if answer in ("yes", "y", "true", "on", "1"):
        return True
    if answer in ("no", "n", "false", "off", "0"):
        return False
    raise InvalidInput(f"{what} takes yes or no, not {text!r}.")
