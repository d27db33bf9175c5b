"""Provides due dates (local dates), instants (UTC) and business days, from text people type."""

from __future__ import annotations

import re
from collections.abc import Container
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from crm_tui.errors import InvalidInput

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RELATIVE = re.compile(r"^([+-]?\d{1,4})\s*(d|w|m|bd)$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
DUE_HELP = "today, tomorrow, 3d, 2w, 1m, 5bd (business days), mon..sun or 2026-12-01"


def parse_due(text: str, today: date, holidays: Container[date] = ()) -> date:
    """Parses a due date: `today`, `tomorrow`, `3d`, `2w`, `1m`, `5bd`, `mon`, `2026-12-01`."""
    word = text.strip().lower()
    if word == "today":
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    if word == "yesterday":
        return today - timedelta(days=1)
    if word[:3] in _WEEKDAYS and _is_weekday_name(word):
        # The next such day, never today: "mon" said on a Monday means next week.
        ahead = (_WEEKDAYS.index(word[:3]) - today.weekday() - 1) % 7 + 1
        return today + timedelta(days=ahead)
    match = _RELATIVE.match(word)
    if match:
        count, unit = int(match.group(1)), match.group(2)
        if unit == "d":
            return today + timedelta(days=count)
        if unit == "w":
            return today + timedelta(weeks=count)
        if unit == "bd":
            return add_business_days(today, count, holidays)
        return add_months(today, count)
    try:
        return date.fromisoformat(word)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date; use {DUE_HELP}.") from None


def _is_weekday_name(word: str) -> bool:
    """`mon`, `monday`, and the usual longer cuts such as `tues` and `thurs`."""
    names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    return any(name.startswith(word) for name in names) and len(word) >= 3


def add_months(day: date, months: int) -> date:
    """Adds calendar months, keeping the day or the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def parse_when(text: str, now: datetime, tz: tzinfo | None) -> datetime:
    """Parses when something happened, in local time (`tz`, None for the system's), as UTC.

    Accepts `now`, `2026-11-20 14:00`, `2026-11-20T14:00`, `2026-11-20` (midday), `14:00`
    (today), `yesterday 15:00`, and ISO 8601 with an offset.
    """
    raw = text.strip()
    word = raw.lower()
    if word == "now":
        return now.astimezone(UTC)
    local_today = now.astimezone(tz).date()
    day_part, _, clock_part = word.partition(" ")
    if day_part in ("today", "yesterday") or _CLOCK.match(day_part):
        if _CLOCK.match(day_part):
            if clock_part.strip():
                # "14:00 yesterday" must not silently become today at 14:00.
                raise InvalidInput(f"{text!r} is not a time; put the day first: yesterday 14:00.")
            day_part, clock_part = "today", day_part
        day = local_today - timedelta(days=1 if day_part == "yesterday" else 0)
        return _at(day, clock_part or "12:00", tz, text)
    if len(raw) == 10:
        # A day without a time means midday, as `today` does, so it stays the same local day.
        try:
            return _at(date.fromisoformat(raw), "12:00", tz, text)
        except ValueError:
            pass
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            f"{text!r} is not a time; use 2026-11-20 14:00, 14:00, yesterday 15:00 or now."
        ) from None
    if parsed.tzinfo is None and tz is not None:
        parsed = parsed.replace(tzinfo=tz)
    # A naive time is local: astimezone reads it with the system's rules.
    return parsed.astimezone(UTC)


def _at(day: date, clock: str, tz: tzinfo | None, text: str) -> datetime:
    match = _CLOCK.match(clock.strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise InvalidInput(f"{text!r} has no valid time of day; use HH:MM such as 14:00.")
    local = datetime.combine(day, time(int(match.group(1)), int(match.group(2))), tzinfo=tz)
    return local.astimezone(UTC)


def is_business_day(day: date, holidays: Container[date]) -> bool:
    """Tells whether a day is neither a weekend day nor a public holiday."""
    return day.weekday() < 5 and day not in holidays


def add_business_days(start: date, count: int, holidays: Container[date]) -> date:
    """Returns the day `count` business days after (or before) `start`."""
    step = 1 if count >= 0 else -1
    day, left = start, abs(count)
    while left:
        day += timedelta(days=step)
        if is_business_day(day, holidays):
            left -= 1
    return day


def business_days_between(start: date, end: date, holidays: Container[date]) -> int:
    """Counts business days after `start` up to and including `end` (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_business_day(day, holidays):
            count += 1
    return count


def utc_iso(instant: datetime) -> str:
    """Formats an instant as the store keeps it: ISO 8601 UTC with milliseconds and a `Z`.

    One fixed width for every stored instant (op stamps too), so they sort as text.
    """
    return instant.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def from_utc_iso(text: str) -> datetime:
    """Reads an instant stored by `utc_iso`."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def local_time(instant: str | None, tz: tzinfo | None = None) -> str:
    """A stored UTC instant shown in the local zone as `2026-11-20 14:00`."""
    if not instant:
        return ""
    return from_utc_iso(instant).astimezone(tz).strftime("%Y-%m-%d %H:%M")
