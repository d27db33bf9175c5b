"""Provides report periods: the month, quarter or year containing a day, a custom range of days,
the period before one, and the buckets a period's trend is drawn in.

A period is a range of local dates, both ends included. The period before a month, quarter or
year is the previous month, quarter or year; before a custom range, the same number of days
ending the day before it starts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import NamedTuple

from crm_tui.domain.dates import add_months, utc_iso
from crm_tui.errors import InvalidInput

PERIOD_KINDS = ("month", "quarter", "year")
DEFAULT_PERIOD = "month"
"""`crm report` without `--period` or `--from`: the month containing today (as Today shows)."""
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_SPAN = {"month": 1, "quarter": 3, "year": 12}


class Period(NamedTuple):
    """A range of local dates, both ends included: a month, quarter, year or custom range."""

    kind: str
    first: date
    last: date

    @property
    def days(self) -> int:
        """How many days the period has."""
        return (self.last - self.first).days + 1

    @property
    def label(self) -> str:
        """A short name: `November 2026`, `2026 Q4`, `2026`, or `2026-10-01..2026-11-15`."""
        if self.kind == "month":
            return f"{_MONTHS[self.first.month - 1]} {self.first.year}"
        if self.kind == "quarter":
            return f"{self.first.year} Q{(self.first.month - 1) // 3 + 1}"
        if self.kind == "year":
            return str(self.first.year)
        return f"{self.first.isoformat()}..{self.last.isoformat()}"


def period_containing(kind: str, day: date) -> Period:
    """The month, quarter or year that `day` falls in."""
    if kind not in _SPAN:
        raise InvalidInput(f"{kind!r} is not a period; use one of: {', '.join(PERIOD_KINDS)}.")
    months = _SPAN[kind]
    first_month = (day.month - 1) // months * months + 1
    first = date(day.year, first_month, 1)
    return Period(kind, first, add_months(first, months) - timedelta(days=1))


def custom_period(first: date, last: date) -> Period:
    """The days from `first` to `last`, both included; `first` must not come after `last`."""
    if first > last:
        raise InvalidInput(
            f"--from {first.isoformat()} is after --to {last.isoformat()}; "
            "give the earlier date to --from."
        )
    return Period("custom", first, last)


def previous_period(period: Period) -> Period:
    """The period just before: the previous month, quarter or year, or as many days before."""
    if period.kind in _SPAN:
        return period_containing(period.kind, period.first - timedelta(days=1))
    last = period.first - timedelta(days=1)
    return Period("custom", last - timedelta(days=period.days - 1), last)


def bucket_unit(period: Period) -> str:
    """How a period's trend is cut: by day up to 31 days, by week up to 53 weeks, else month."""
    if period.days <= 31:
        return "day"
    if period.days <= 371:
        return "week"
    return "month"


def buckets(period: Period) -> list[tuple[date, date]]:
    """The consecutive ranges (first, last) a period's trend is counted in, covering it exactly.

    Weeks and months start on the period's first day; the last may be shorter, except that a
    tail of three days or fewer joins the week before (a quarter is 13 weeks, not 13 and a day).
    """
    unit = bucket_unit(period)
    out: list[tuple[date, date]] = []
    start = period.first
    while start <= period.last:
        if unit == "day":
            after = start + timedelta(days=1)
        elif unit == "week":
            after = start + timedelta(days=7)
        else:
            after = add_months(period.first, len(out) + 1)
        out.append((start, min(after - timedelta(days=1), period.last)))
        start = after
    if unit == "week" and len(out) > 1 and (out[-1][1] - out[-1][0]).days < 3:
        out[-2:] = [(out[-2][0], out[-1][1])]
    return out


def day_start(day: date, tz: tzinfo | None) -> str:
    """The UTC instant (as stored) at which a local date begins."""
    return utc_iso(datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC))


def local_date(instant: str, tz: tzinfo | None) -> date:
    """The local date of a stored UTC instant."""
    return datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(tz).date()


def instant_ms(instant: str) -> int:
    """Milliseconds since the epoch of a stored UTC instant (what an op's stamp counts in)."""
    moment = datetime.fromisoformat(instant.replace("Z", "+00:00"))
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
