"""Provides the KPI report of a period: the facts the store gives, the figures made from them
(win rate, pipeline, deal size, cycle, repeat purchases, renewals, overdue invoices, NPS, CSAT,
activity, inquiries) and the change from the period before. docs/report.md defines each one.

Rates are fractions 0..1 (four decimals), None when their denominator is zero; money is a dict
currency → minor units, never converted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta, tzinfo
from typing import Any, NamedTuple

from crm_tui.domain import kpis
from crm_tui.domain.hlc import pack
from crm_tui.domain.periods import Period, buckets, day_start, instant_ms, local_date
from crm_tui.domain.records import ACTIVITY_TYPES


class Window(NamedTuple):
    """A period as the store is asked about it: its dates, its instants and its snapshot day."""

    first: str
    """The first local date, ISO."""
    last: str
    """The last local date, ISO."""
    start: str
    """The UTC instant the first day begins."""
    end: str
    """The UTC instant after the last day ends."""
    as_of: str
    """The day whose end the pipeline and overdue invoices are taken at: the last day, or
    today while the period is not over."""
    as_of_hlc: int | None
    """Ops stamped up to here made the pipeline at `as_of`; None when `as_of` is today (the
    deals as they are now)."""
    as_of_end: str
    """The UTC instant after the `as_of` day ends."""
    buckets: list[tuple[str, str]]
    """The UTC bounds (start, end) of each bucket of the trend."""


def window(period: Period, today: date, tz: tzinfo | None) -> Window:
    """The store's view of a period in a time zone, on `today`."""
    as_of = min(period.last, today)
    as_of_end = day_start(as_of + timedelta(days=1), tz)
    # A stamp's high bits are milliseconds: the greatest stamp before the day's end.
    stamp = pack(instant_ms(as_of_end), 0) - 1 if as_of < today else None
    return Window(
        first=period.first.isoformat(),
        last=period.last.isoformat(),
        start=day_start(period.first, tz),
        end=day_start(period.last + timedelta(days=1), tz),
        as_of=as_of.isoformat(),
        as_of_hlc=stamp,
        as_of_end=as_of_end,
        buckets=[
            (day_start(first, tz), day_start(last + timedelta(days=1), tz))
            for first, last in buckets(period)
        ],
    )


class StageTotal(NamedTuple):
    """Open deals at one stage: how many, their amounts and weighted amounts per currency."""

    stage: str
    deals: int
    amount: dict[str, int]
    weighted: dict[str, int]


class PipelineRow(NamedTuple):
    """One stage and currency of the pipeline, as the store sums it."""

    stage: str
    currency: str
    deals: int
    amount: int
    weighted: int


class WonDeal(NamedTuple):
    """A deal won in the period: its money and when it was made and won."""

    currency: str
    amount: int | None
    created_at: str
    closed_on: str


class SurveyCounts(NamedTuple):
    """The survey answers of a period, counted."""

    nps_answers: int = 0
    promoters: int = 0
    detractors: int = 0
    csat_answers: int = 0
    satisfied: int = 0


class Facts(NamedTuple):
    """What the store says about one period (see storage/report.py)."""

    closed: dict[str, int]
    """Deals closed in the period, by closing stage."""
    won: list[WonDeal]
    pipeline: list[PipelineRow]
    customers: int
    """Customers with a won deal or a paid invoice in the period."""
    repeat_customers: int
    """Of those, the ones with two or more won deals, or two or more paid invoices."""
    renewals_due: int
    renewals_done: int
    overdue: dict[str, tuple[int, int]]
    """Per currency: how many invoices were overdue at `as_of`, and their amount."""
    surveys: SurveyCounts
    activity: dict[str, list[int]]
    """Per activity kind: the count in each bucket of the trend."""
    inquiries_opened: int
    resolution_hours: list[float]
    """For each inquiry resolved in the period: hours from its first message to resolution."""


class Bucket(NamedTuple):
    """One step of the activity trend."""

    first: date
    last: date
    activities: int


class Figures(NamedTuple):
    """Every figure of one period."""

    deals_won: int
    deals_lost: int
    win_rate: float | None
    won_amount: dict[str, int]
    average_deal_size: dict[str, int]
    sales_cycle_days: float | None
    pipeline_as_of: date
    pipeline: list[StageTotal]
    pipeline_value: dict[str, int]
    pipeline_weighted: dict[str, int]
    customers_bought: int
    repeat_customers: int
    repeat_purchase_rate: float | None
    renewals_due: int
    renewals_done: int
    renewal_rate: float | None
    overdue_invoices: int
    overdue_amount: dict[str, int]
    nps: int | None
    nps_answers: int
    csat: int | None
    csat_answers: int
    activities: dict[str, int]
    activities_total: int
    activity_trend: list[Bucket]
    inquiries_opened: int
    inquiries_resolved: int
    resolution_hours: float | None
    cadence_steps: list[dict[str, Any]]
    """Each cadence step reached in the period, with its conversion (the service fills it from
    the cadences' `step_conversion`: `cadence`, `cadence_id`, `step`, `day`, `channel`,
    `subject`, `reached`, `converted`, `conversion`)."""


class Report(NamedTuple):
    """A period's figures beside the period before's, with the change."""

    period: Period
    previous: Period
    owner: str | None
    today: date
    current: Figures
    before: Figures
    change: dict[str, Any]


def figures(
    facts: Facts, period: Period, as_of: date, stages: Sequence[str], tz: tzinfo | None
) -> Figures:
    """The figures of a period from its facts; `stages` are the configured deal stages."""
    won_stage, lost_stage = stages[-2], stages[-1]
    won, lost = facts.closed.get(won_stage, 0), facts.closed.get(lost_stage, 0)
    pipeline = stage_totals(facts.pipeline, stages[:-2])
    trend = [sum(column) for column in zip(*facts.activity.values(), strict=True)]
    activities = {kind: sum(facts.activity.get(kind, ())) for kind in ACTIVITY_TYPES}
    activities |= {kind: sum(counts) for kind, counts in facts.activity.items()}
    surveys = facts.surveys
    return Figures(
        deals_won=won,
        deals_lost=lost,
        win_rate=kpis.share(won, won + lost),
        won_amount=_total(facts.won),
        average_deal_size=average_deal_size(facts.won),
        sales_cycle_days=sales_cycle_days(facts.won, tz),
        pipeline_as_of=as_of,
        pipeline=pipeline,
        pipeline_value=_add(row.amount for row in pipeline),
        pipeline_weighted=_add(row.weighted for row in pipeline),
        customers_bought=facts.customers,
        repeat_customers=facts.repeat_customers,
        repeat_purchase_rate=kpis.share(facts.repeat_customers, facts.customers),
        renewals_due=facts.renewals_due,
        renewals_done=facts.renewals_done,
        renewal_rate=kpis.share(facts.renewals_done, facts.renewals_due),
        overdue_invoices=sum(count for count, _ in facts.overdue.values()),
        overdue_amount={code: amount for code, (_, amount) in sorted(facts.overdue.items())},
        nps=kpis.nps_of_counts(surveys.promoters, surveys.detractors, surveys.nps_answers),
        nps_answers=surveys.nps_answers,
        csat=kpis.csat_of_counts(surveys.satisfied, surveys.csat_answers),
        csat_answers=surveys.csat_answers,
        activities=activities,
        activities_total=sum(activities.values()),
        activity_trend=[
            Bucket(first, last, trend[n] if trend else 0)
            for n, (first, last) in enumerate(buckets(period))
        ],
        inquiries_opened=facts.inquiries_opened,
        inquiries_resolved=len(facts.resolution_hours),
        resolution_hours=_one_decimal(kpis.median(facts.resolution_hours)),
        cadence_steps=[],
    )


def stage_totals(rows: Sequence[PipelineRow], open_stages: Sequence[str]) -> list[StageTotal]:
    """The pipeline by open stage, in the configured order, each with its money per currency."""
    totals = {stage: StageTotal(stage, 0, {}, {}) for stage in open_stages}
    for row in rows:
        if row.stage not in totals:
            continue
        total = totals[row.stage]
        total.amount[row.currency] = total.amount.get(row.currency, 0) + row.amount
        total.weighted[row.currency] = total.weighted.get(row.currency, 0) + row.weighted
        totals[row.stage] = total._replace(deals=total.deals + row.deals)
    return list(totals.values())


def average_deal_size(won: Sequence[WonDeal]) -> dict[str, int]:
    """The mean amount of the won deals that have one, per currency (halves rounded up)."""
    sums: dict[str, tuple[int, int]] = {}
    for deal in won:
        if deal.amount is not None:
            total, count = sums.get(deal.currency, (0, 0))
            sums[deal.currency] = (total + deal.amount, count + 1)
    return {
        code: kpis.mean_minor_units(total, count) or 0
        for code, (total, count) in sorted(sums.items())
    }


def sales_cycle_days(won: Sequence[WonDeal], tz: tzinfo | None) -> float | None:
    """The median number of days from a won deal's creation (local date) to its closing day.

    Deals recorded after they closed (imported history) have no known cycle and are left out.
    """
    days = []
    for deal in won:
        length = (date.fromisoformat(deal.closed_on) - local_date(deal.created_at, tz)).days
        if length >= 0:
            days.append(length)
    return kpis.median(days)


def _total(won: Sequence[WonDeal]) -> dict[str, int]:
    out: dict[str, int] = {}
    for deal in won:
        out[deal.currency] = out.get(deal.currency, 0) + (deal.amount or 0)
    return dict(sorted(out.items()))


def _add(amounts: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for by_currency in amounts:
        for code, amount in by_currency.items():
            out[code] = out.get(code, 0) + amount
    return dict(sorted(out.items()))


def _one_decimal(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# The figures compared between periods, by how their change is computed.
_COUNTS = (
    "deals_won",
    "deals_lost",
    "customers_bought",
    "repeat_customers",
    "renewals_due",
    "renewals_done",
    "overdue_invoices",
    "nps",
    "nps_answers",
    "csat",
    "csat_answers",
    "activities_total",
    "inquiries_opened",
    "inquiries_resolved",
)
_RATES = ("win_rate", "repeat_purchase_rate", "renewal_rate")
_DECIMALS = ("sales_cycle_days", "resolution_hours")
_SUMS = ("won_amount", "pipeline_value", "pipeline_weighted", "overdue_amount", "activities")


def change(current: Figures, before: Figures) -> dict[str, Any]:
    """Each figure's change from the period before: None when either side has no value.

    Money sums and activity counts change per currency or kind (a missing one counts as 0); an
    average deal size changes only in a currency both periods have.
    """
    now, then = current._asdict(), before._asdict()
    out: dict[str, Any] = {}
    for key in (*_COUNTS, *_RATES, *_DECIMALS):
        out[key] = _difference(now[key], then[key], 4 if key in _RATES else 1)
    for key in _SUMS:
        names = sorted(now[key].keys() | then[key].keys())
        if key == "activities":
            names = list(now[key])
        out[key] = {name: now[key].get(name, 0) - then[key].get(name, 0) for name in names}
    sizes_now, sizes_then = current.average_deal_size, before.average_deal_size
    out["average_deal_size"] = {
        code: _difference(sizes_now.get(code), sizes_then.get(code), 0)
        for code in sorted(sizes_now.keys() | sizes_then.keys())
    }
    return out


def _difference(now: float | None, then: float | None, decimals: int) -> Any:
    if now is None or then is None:
        return None
    if isinstance(now, int) and isinstance(then, int):
        return now - then
    return round(now - then, decimals)
