"""Tests the report's periods, buckets and formulas: pure functions on dates and counts."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from crm_tui.domain import kpis
from crm_tui.domain.hlc import unpack
from crm_tui.domain.periods import (
    Period,
    buckets,
    custom_period,
    instant_ms,
    period_containing,
    previous_period,
)
from crm_tui.domain.report import Facts, SurveyCounts, WonDeal, change, figures, window
from crm_tui.errors import InvalidInput

TOKYO = ZoneInfo("Asia/Tokyo")
STAGES = ("lead", "qualified", "proposal", "negotiation", "won", "lost")


@pytest.mark.parametrize(
    ("kind", "day", "first", "last", "label"),
    [
        ("month", date(2026, 2, 14), date(2026, 2, 1), date(2026, 2, 28), "February 2026"),
        ("month", date(2028, 2, 29), date(2028, 2, 1), date(2028, 2, 29), "February 2028"),
        ("quarter", date(2026, 11, 26), date(2026, 10, 1), date(2026, 12, 31), "2026 Q4"),
        ("quarter", date(2026, 1, 1), date(2026, 1, 1), date(2026, 3, 31), "2026 Q1"),
        ("year", date(2026, 7, 4), date(2026, 1, 1), date(2026, 12, 31), "2026"),
    ],
)
def test_a_period_is_the_month_quarter_or_year_containing_the_day(
    kind: str, day: date, first: date, last: date, label: str
) -> None:
    period = period_containing(kind, day)
    assert (period.first, period.last, period.label) == (first, last, label)


@pytest.mark.parametrize(
    ("period", "before"),
    [
        (
            Period("month", date(2026, 3, 1), date(2026, 3, 31)),
            (date(2026, 2, 1), date(2026, 2, 28)),
        ),
        (
            Period("month", date(2026, 1, 1), date(2026, 1, 31)),
            (date(2025, 12, 1), date(2025, 12, 31)),
        ),
        (
            Period("quarter", date(2026, 1, 1), date(2026, 3, 31)),
            (date(2025, 10, 1), date(2025, 12, 31)),
        ),
        (
            Period("year", date(2026, 1, 1), date(2026, 12, 31)),
            (date(2025, 1, 1), date(2025, 12, 31)),
        ),
        # A custom range: as many days, ending the day before it starts.
        (
            Period("custom", date(2026, 3, 1), date(2026, 3, 10)),
            (date(2026, 2, 19), date(2026, 2, 28)),
        ),
    ],
)
def test_the_period_before_is_of_the_same_kind_and_length(
    period: Period, before: tuple[date, date]
) -> None:
    previous = previous_period(period)
    assert (previous.first, previous.last) == before
    assert previous.kind == period.kind


def test_a_custom_period_must_not_end_before_it_starts() -> None:
    assert custom_period(date(2026, 3, 1), date(2026, 3, 1)).days == 1
    with pytest.raises(InvalidInput, match="--from 2026-03-02 is after --to 2026-03-01"):
        custom_period(date(2026, 3, 2), date(2026, 3, 1))


def test_an_unknown_kind_of_period_is_refused() -> None:
    with pytest.raises(InvalidInput, match="'week' is not a period; use one of: month"):
        period_containing("week", date(2026, 3, 1))


def test_a_trend_is_by_day_for_a_month_by_week_for_a_quarter_and_a_year() -> None:
    month = buckets(period_containing("month", date(2026, 11, 1)))
    assert len(month) == 30 and month[0] == (date(2026, 11, 1), date(2026, 11, 1))
    quarter = buckets(period_containing("quarter", date(2026, 11, 1)))
    # 92 days: 12 weeks, then the last week takes the one day left over.
    assert len(quarter) == 13
    assert quarter[-1] == (date(2026, 12, 24), date(2026, 12, 31))
    assert len(buckets(period_containing("year", date(2026, 1, 1)))) == 52
    years = buckets(Period("custom", date(2024, 1, 15), date(2026, 1, 14)))
    assert len(years) == 24 and years[1] == (date(2024, 2, 15), date(2024, 3, 14))


def test_buckets_cover_the_period_exactly_without_overlap() -> None:
    for period in (
        period_containing("quarter", date(2026, 5, 1)),
        Period("custom", date(2026, 1, 3), date(2026, 2, 20)),
        Period("custom", date(2025, 1, 31), date(2026, 12, 30)),
    ):
        steps = buckets(period)
        assert steps[0][0] == period.first and steps[-1][1] == period.last
        assert all((b[0] - a[1]).days == 1 for a, b in itertools.pairwise(steps))


def test_a_window_is_local_midnights_in_utc_and_a_past_period_is_seen_through_the_log() -> None:
    november = period_containing("month", date(2026, 11, 1))
    seen = window(november, date(2026, 11, 26), TOKYO)
    assert (seen.start, seen.end) == ("2026-10-31T15:00:00.000Z", "2026-11-30T15:00:00.000Z")
    assert seen.as_of == "2026-11-26" and seen.as_of_hlc is None
    october = window(previous_period(november), date(2026, 11, 26), TOKYO)
    assert october.as_of == "2026-10-31"
    assert october.as_of_end == "2026-10-31T15:00:00.000Z"
    # The greatest stamp before midnight: the millisecond before, with a full counter.
    assert october.as_of_hlc is not None
    assert unpack(october.as_of_hlc) == (instant_ms(october.as_of_end) - 1, 0xFFFF)


def test_rates_without_a_denominator_are_none_never_zero() -> None:
    assert kpis.share(0, 0) is None
    assert kpis.share(0, 3) == 0.0
    assert kpis.share(2, 3) == 0.6667
    assert kpis.nps_of_counts(0, 0, 0) is None
    assert kpis.csat_of_counts(0, 0) is None


@pytest.mark.parametrize(
    ("promoters", "detractors", "answers", "nps"),
    [(1, 1, 2, 0), (3, 0, 3, 100), (0, 4, 4, -100), (1, 0, 3, 33), (2, 1, 6, 17)],
)
def test_nps_is_promoters_minus_detractors_in_percent(
    promoters: int, detractors: int, answers: int, nps: int
) -> None:
    assert kpis.nps_of_counts(promoters, detractors, answers) == nps


def test_medians_and_means() -> None:
    assert kpis.median([]) is None
    assert kpis.median([51, 7, 1]) == 7.0
    assert kpis.median([120.0, 6.0]) == 63.0
    assert kpis.mean_minor_units(3, 2) == 2  # 1.5 rounds up
    assert kpis.mean_minor_units(3_300_000, 3) == 1_100_000
    assert kpis.mean_minor_units(0, 0) is None


def _facts(**changes: Any) -> Facts:
    empty = Facts(
        closed={},
        won=[],
        pipeline=[],
        customers=0,
        repeat_customers=0,
        renewals_due=0,
        renewals_done=0,
        overdue={},
        surveys=SurveyCounts(),
        activity={},
        inquiries_opened=0,
        resolution_hours=[],
    )
    return empty._replace(**changes)


def test_figures_of_an_empty_period_are_zero_counts_and_null_rates() -> None:
    period = period_containing("month", date(2026, 11, 1))
    shown = figures(_facts(), period, date(2026, 11, 26), STAGES, TOKYO)
    assert shown.win_rate is shown.repeat_purchase_rate is shown.renewal_rate is None
    assert shown.nps is shown.csat is shown.sales_cycle_days is shown.resolution_hours is None
    assert shown.deals_won == shown.activities_total == 0
    assert shown.won_amount == shown.average_deal_size == shown.pipeline_weighted == {}
    assert [s.stage for s in shown.pipeline] == ["lead", "qualified", "proposal", "negotiation"]
    assert [b.activities for b in shown.activity_trend] == [0] * 30


def test_deal_size_is_per_currency_and_deals_without_an_amount_or_cycle_are_left_out() -> None:
    won = [
        WonDeal("JPY", 100, "2026-11-01T03:00:00.000Z", "2026-11-05"),
        WonDeal("JPY", None, "2026-11-02T03:00:00.000Z", "2026-11-06"),
        WonDeal("USD", 1250, "2026-11-03T03:00:00.000Z", "2026-11-03"),
        # Recorded after it was won (imported history): no cycle can be known.
        WonDeal("USD", 750, "2026-11-20T03:00:00.000Z", "2026-11-03"),
    ]
    period = period_containing("month", date(2026, 11, 1))
    shown = figures(_facts(won=won), period, date(2026, 11, 26), STAGES, TOKYO)
    assert shown.won_amount == {"JPY": 100, "USD": 2000}
    assert shown.average_deal_size == {"JPY": 100, "USD": 1000}
    assert shown.sales_cycle_days == 4.0  # 4, 4 and 0 days


def test_a_change_needs_both_values_and_sums_count_a_missing_currency_as_zero() -> None:
    period = period_containing("month", date(2026, 11, 1))
    now = figures(
        _facts(closed={"won": 1}, overdue={"USD": (1, 500)}, surveys=SurveyCounts(1, 1, 0, 0, 0)),
        period,
        date(2026, 11, 26),
        STAGES,
        TOKYO,
    )
    before = figures(
        _facts(overdue={"JPY": (2, 9000)}),
        previous_period(period),
        date(2026, 11, 26),
        STAGES,
        TOKYO,
    )
    moved = change(now, before)
    assert moved["win_rate"] is None  # nothing closed before
    assert moved["nps"] is None  # no answers before
    assert moved["deals_won"] == 1
    assert moved["overdue_amount"] == {"JPY": -9000, "USD": 500}
    assert moved["overdue_invoices"] == -1
