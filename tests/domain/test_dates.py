"""Tests due dates, instants and business days parsed from what people type."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays as holiday_calendars
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_tui.domain.dates import (
    add_business_days,
    add_months,
    business_days_between,
    from_utc_iso,
    is_business_day,
    parse_due,
    parse_when,
    utc_iso,
)
from crm_tui.errors import InvalidInput

THURSDAY = date(2026, 11, 26)
MONDAY = date(2026, 11, 30)
TOKYO = ZoneInfo("Asia/Tokyo")
# 20:00 UTC on the 25th is 05:00 on Thursday the 26th in Tokyo: the dates differ.
NOW = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def jp_holidays() -> set[date]:
    """Japan's public holidays of 2026, from the holidays library."""
    return set(holiday_calendars.country_holidays("JP", years=2026))


@pytest.fixture(scope="module")
def two_years_of_holidays() -> set[date]:
    """Japan's public holidays of 2026 and 2027."""
    return set(holiday_calendars.country_holidays("JP", years=[2026, 2027]))


@pytest.fixture
def system_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Sets the process's time zone (TZ) for the test and restores the previous one after."""
    before = os.environ.get("TZ")

    def use(zone: str) -> None:
        monkeypatch.setenv("TZ", zone)
        time.tzset()

    yield use
    if before is None:
        monkeypatch.delenv("TZ", raising=False)
    else:
        monkeypatch.setenv("TZ", before)
    time.tzset()


# parse_due


@pytest.mark.parametrize(
    ("typed", "due"),
    [
        ("today", THURSDAY),
        ("TODAY", THURSDAY),
        ("  tomorrow ", date(2026, 11, 27)),
        ("yesterday", date(2026, 11, 25)),
        ("3d", date(2026, 11, 29)),
        ("0d", THURSDAY),
        ("-2d", date(2026, 11, 24)),
        ("2w", date(2026, 12, 10)),
        ("1m", date(2026, 12, 26)),
        ("2m", date(2027, 1, 26)),
        ("-1m", date(2026, 10, 26)),
        ("2026-12-01", date(2026, 12, 1)),
    ],
)
def test_due_words_and_offsets_count_from_today(typed: str, due: date) -> None:
    assert parse_due(typed, THURSDAY) == due


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2028, 1, 31), date(2028, 2, 29)),
        (date(2026, 3, 31), date(2026, 4, 30)),
        (date(2026, 12, 31), date(2027, 1, 31)),
        (date(2026, 8, 31), date(2026, 9, 30)),
    ],
)
def test_a_month_later_keeps_the_day_or_clamps_to_the_month_end(today: date, due: date) -> None:
    assert parse_due("1m", today) == due


def test_twelve_months_later_is_the_same_day_next_year() -> None:
    assert parse_due("12m", date(2026, 5, 15)) == date(2027, 5, 15)


def test_business_days_skip_the_weekend() -> None:
    # Thursday + 5 business days: Fri, Mon, Tue, Wed, Thu.
    assert parse_due("5bd", THURSDAY) == date(2026, 12, 3)


def test_business_days_skip_the_holidays_given() -> None:
    friday = date(2026, 11, 20)
    assert parse_due("1bd", friday) == date(2026, 11, 23)
    assert parse_due("1bd", friday, holidays={date(2026, 11, 23)}) == date(2026, 11, 24)


@pytest.mark.parametrize(
    ("typed", "due"),
    [
        ("fri", date(2026, 11, 27)),
        ("sat", date(2026, 11, 28)),
        ("mon", date(2026, 11, 30)),
        ("wed", date(2026, 12, 2)),
        ("thu", date(2026, 12, 3)),
        ("Monday", date(2026, 11, 30)),
        ("FRIDAY", date(2026, 11, 27)),
    ],
)
def test_a_weekday_name_means_its_next_occurrence(typed: str, due: date) -> None:
    assert parse_due(typed, THURSDAY) == due


def test_a_weekday_said_on_that_weekday_means_next_week() -> None:
    assert parse_due("mon", MONDAY) == MONDAY + timedelta(days=7)


@settings(deadline=None)
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)))
def test_a_weekday_name_is_always_one_to_seven_days_ahead_on_that_weekday(today: date) -> None:
    for index, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun")):
        due = parse_due(name, today)
        assert 1 <= (due - today).days <= 7
        assert due.weekday() == index


@pytest.mark.parametrize(
    "typed",
    ["soon", "next week", "3x", "2026-02-30", "2026/12/01", "", "tuesdays", "mo", "d", "1.5d"],
)
def test_junk_due_dates_are_refused_with_the_accepted_forms(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_due(typed, THURSDAY)
    message = str(refused.value)
    assert repr(typed) in message
    for form in ("today", "3d", "5bd", "2026-12-01"):
        assert form in message


def test_add_months_clamps_going_backwards_too() -> None:
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)


# parse_when


@pytest.mark.parametrize(
    ("typed", "instant"),
    [
        ("now", NOW),
        ("14:00", datetime(2026, 11, 26, 5, 0, tzinfo=UTC)),
        ("9:05", datetime(2026, 11, 26, 0, 5, tzinfo=UTC)),
        ("today 08:30", datetime(2026, 11, 25, 23, 30, tzinfo=UTC)),
        ("today", datetime(2026, 11, 26, 3, 0, tzinfo=UTC)),
        ("yesterday 15:00", datetime(2026, 11, 25, 6, 0, tzinfo=UTC)),
        ("yesterday", datetime(2026, 11, 25, 3, 0, tzinfo=UTC)),
        ("2026-11-20 14:00", datetime(2026, 11, 20, 5, 0, tzinfo=UTC)),
        ("2026-11-20T14:00", datetime(2026, 11, 20, 5, 0, tzinfo=UTC)),
        ("2026-11-20", datetime(2026, 11, 20, 3, 0, tzinfo=UTC)),  # a bare day means midday
        ("2026-11-20T14:00+00:00", datetime(2026, 11, 20, 14, 0, tzinfo=UTC)),
        ("2026-11-20T14:00Z", datetime(2026, 11, 20, 14, 0, tzinfo=UTC)),
        ("2026-11-20T14:00-05:00", datetime(2026, 11, 20, 19, 0, tzinfo=UTC)),
    ],
)
def test_times_are_read_in_the_given_zone_and_returned_in_utc(
    typed: str, instant: datetime
) -> None:
    parsed = parse_when(typed, NOW, TOKYO)
    assert parsed == instant
    assert parsed.utcoffset() == timedelta(0)


def test_a_bare_time_is_on_the_local_date_not_the_utc_date() -> None:
    # At NOW it is still the 25th in UTC but already the 26th in Tokyo.
    assert parse_when("14:00", NOW, TOKYO).astimezone(TOKYO).date() == date(2026, 11, 26)


def test_without_a_zone_times_are_read_in_the_system_zone(
    system_zone: Callable[[str], None],
) -> None:
    system_zone("Asia/Tokyo")
    assert parse_when("14:00", NOW, None) == datetime(2026, 11, 26, 5, 0, tzinfo=UTC)
    assert parse_when("yesterday 15:00", NOW, None) == datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
    assert parse_when("2026-11-20 14:00", NOW, None) == datetime(2026, 11, 20, 5, 0, tzinfo=UTC)


def test_the_system_zone_is_really_what_decides_without_a_zone(
    system_zone: Callable[[str], None],
) -> None:
    system_zone("America/New_York")
    # 20:00 UTC on the 25th is 15:00 on the 25th in New York (EST, UTC-5).
    assert parse_when("14:00", NOW, None) == datetime(2026, 11, 25, 19, 0, tzinfo=UTC)
    assert parse_when("2026-11-20 14:00", NOW, None) == datetime(2026, 11, 20, 19, 0, tzinfo=UTC)


def test_an_explicit_zone_wins_over_the_system_zone(system_zone: Callable[[str], None]) -> None:
    system_zone("America/New_York")
    assert parse_when("14:00", NOW, TOKYO) == datetime(2026, 11, 26, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "typed",
    ["junk", "25:00", "today 9:61", "yesterday junk", "14:00 yesterday", "14:00 junk", ""],
)
def test_times_that_cannot_be_understood_are_refused(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_when(typed, NOW, TOKYO)
    assert repr(typed) in str(refused.value)
    assert "14:00" in str(refused.value)


def test_utc_iso_round_trips_and_ends_with_z() -> None:
    instant = datetime(2026, 11, 26, 9, 0, tzinfo=TOKYO)
    text = utc_iso(instant)
    assert text == "2026-11-26T00:00:00.000Z"
    assert from_utc_iso(text) == instant


# business days with Japan's holidays


def test_the_holidays_library_knows_labour_thanksgiving_day_2026(jp_holidays: set[date]) -> None:
    labour_thanksgiving = date(2026, 11, 23)
    assert labour_thanksgiving in jp_holidays
    assert labour_thanksgiving.weekday() == 0  # a Monday
    assert not is_business_day(labour_thanksgiving, jp_holidays)
    assert is_business_day(date(2026, 11, 24), jp_holidays)


def test_weekends_are_never_business_days() -> None:
    assert not is_business_day(date(2026, 11, 28), ())
    assert not is_business_day(date(2026, 11, 29), ())


def test_a_business_day_after_the_friday_before_a_holiday_monday_is_tuesday(
    jp_holidays: set[date],
) -> None:
    assert add_business_days(date(2026, 11, 20), 1, jp_holidays) == date(2026, 11, 24)


def test_golden_week_is_skipped_whole(jp_holidays: set[date]) -> None:
    # 2026-05-01 is a Friday; 3 (Sun) to 6 May (substitute holiday) are holidays.
    assert add_business_days(date(2026, 5, 1), 1, jp_holidays) == date(2026, 5, 7)
    assert add_business_days(date(2026, 4, 28), 2, jp_holidays) == date(2026, 5, 1)


def test_silver_week_is_skipped_whole(jp_holidays: set[date]) -> None:
    # 21 to 23 September 2026 are three holidays in a row after a weekend.
    assert add_business_days(date(2026, 9, 18), 1, jp_holidays) == date(2026, 9, 24)
    assert business_days_between(date(2026, 9, 18), date(2026, 9, 24), jp_holidays) == 1


def test_negative_business_days_go_back_over_weekends_and_holidays(
    jp_holidays: set[date],
) -> None:
    assert add_business_days(date(2026, 11, 24), -1, jp_holidays) == date(2026, 11, 20)


def test_zero_business_days_is_the_start_day() -> None:
    assert add_business_days(THURSDAY, 0, ()) == THURSDAY


def test_business_days_between_counts_after_the_start_up_to_the_end(
    jp_holidays: set[date],
) -> None:
    # After Fri 20 Nov up to Thu 26 Nov: Mon 23 is a holiday, so Tue, Wed, Thu.
    assert business_days_between(date(2026, 11, 20), THURSDAY, jp_holidays) == 3
    assert business_days_between(date(2026, 11, 20), THURSDAY, ()) == 4


@pytest.mark.parametrize("end", [THURSDAY, date(2026, 11, 1)])
def test_no_business_days_between_a_day_and_itself_or_an_earlier_day(end: date) -> None:
    assert business_days_between(THURSDAY, end, ()) == 0


@settings(deadline=None)
@given(
    st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)),
    st.integers(min_value=0, max_value=60),
)
def test_business_days_between_undoes_add_business_days(
    two_years_of_holidays: set[date], start: date, count: int
) -> None:
    calendar = two_years_of_holidays
    end = add_business_days(start, count, calendar)
    assert business_days_between(start, end, calendar) == count
    if count:
        assert is_business_day(end, calendar)
