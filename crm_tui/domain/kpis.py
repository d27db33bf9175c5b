"""Provides the KPI formulas: NPS, CSAT, win rate, and weighted pipeline value."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def nps(scores: Iterable[int]) -> int | None:
    """Net Promoter Score: % of 9-10 answers minus % of 0-6 answers, or None with no answers."""
    answers = list(scores)
    if not answers:
        return None
    promoters = sum(1 for s in answers if s >= 9)
    detractors = sum(1 for s in answers if s <= 6)
    return round(100 * (promoters - detractors) / len(answers))


def csat(scores: Iterable[int]) -> int | None:
    """Customer satisfaction: the % of answers that are 4 or 5 out of 5, or None with none."""
    answers = list(scores)
    if not answers:
        return None
    return round(100 * sum(1 for s in answers if s >= 4) / len(answers))


def win_rate(won: int, lost: int) -> int | None:
    """Won deals as a % of deals closed (won or lost), or None when none closed."""
    closed = won + lost
    return None if closed == 0 else round(100 * won / closed)


def default_probability(stage: str, open_stages: Sequence[str]) -> int:
    """A deal's chance when none is set: evenly spaced by stage (4 stages: 20, 40, 60, 80%)."""
    if stage not in open_stages:
        return 0
    return round(100 * (open_stages.index(stage) + 1) / (len(open_stages) + 1))


def weighted(amount: int | None, probability: int) -> int:
    """An amount times its chance of closing, in minor units, rounded down."""
    return (amount or 0) * probability // 100
