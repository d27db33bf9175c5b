"""Provides the KPI formulas: NPS, CSAT, shares (rates), medians and weighted pipeline value."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def nps_of_counts(promoters: int, detractors: int, answers: int) -> int | None:
    """NPS from counts: promoters answered 9-10, detractors 0-6, out of `answers` (-100..100)."""
    if answers == 0:
        return None
    return round(100 * (promoters - detractors) / answers)


def csat_of_counts(satisfied: int, answers: int) -> int | None:
    """CSAT from counts: the % of `answers` that were 4 or 5 (0..100), or None with none."""
    return None if answers == 0 else round(100 * satisfied / answers)


def share(part: int, whole: int) -> float | None:
    """`part` as a fraction of `whole` (0..1, four decimals), or None when `whole` is 0."""
    return None if whole == 0 else round(part / whole, 4)


def median(values: Iterable[float]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count), or None."""
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def mean_minor_units(total: int, count: int) -> int | None:
    """The mean of `count` amounts summing to `total`, to the nearest minor unit (halves up)."""
    return None if count == 0 else (2 * total + count) // (2 * count)


def default_probability(stage: str, open_stages: Sequence[str]) -> int:
    """A deal's chance when none is set: evenly spaced by stage (4 stages: 20, 40, 60, 80%)."""
    if stage not in open_stages:
        return 0
    return round(100 * (open_stages.index(stage) + 1) / (len(open_stages) + 1))


def weighted(amount: int | None, probability: int) -> int:
    """An amount times its chance of closing, in minor units, rounded down."""
    return (amount or 0) * probability // 100
