"""Provides lead scores: fit plus decaying engagement, as a sum of named terms that explain it.

A score is points, not a percentage: FIT (title, industry, size, region, from the config's
weights) plus ENGAGEMENT (each activity, quote and survey answer, worth its weight
halved every `half_life_days` of age). Every term is rounded to a tenth of a point before it is
added, so the terms shown by `crm score --explain` sum exactly to the score; the store computes
the same rounded terms in SQL (storage/scores.py), which is why points travel as integer tenths.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from crm_tui.domain.text import fold

ACTIVITY_SOURCE = "activity"

DEFAULT_ACTIVITY_POINTS: tuple[tuple[str, float], ...] = (
    ("visit", 10.0),
    ("meeting", 8.0),
    ("call", 4.0),
    ("email", 2.0),
    ("inquiry", 3.0),  # a case's messages: the opening one is inbound, so 3 + 5
    ("note", 1.0),
)
DEFAULT_TITLE_POINTS: tuple[tuple[str, float], ...] = (
    ("社長", 15.0),
    ("代表", 15.0),
    ("取締役", 15.0),
    ("役員", 12.0),
    ("CEO", 15.0),
    ("President", 15.0),
    ("CTO", 12.0),
    ("CFO", 12.0),
    ("部長", 10.0),
    ("工場長", 10.0),
    ("Director", 10.0),
    ("VP", 10.0),
    ("Head", 8.0),
    ("課長", 6.0),
    ("マネージャー", 6.0),
    ("Manager", 6.0),
)
DEFAULT_SIZE_POINTS: tuple[tuple[int, float], ...] = (
    (1000, 10.0),
    (300, 8.0),
    (100, 5.0),
    (30, 2.0),
)


class ScoreWeights(NamedTuple):
    """The weights of the score (config `[score]`); points are before decay."""

    half_life_days: float = 90.0
    """An engagement fact is worth half its points after this many days, a quarter after twice."""
    lookback_days: int = 365
    """Facts older than this many days count nothing (a year-old visit would be worth 0.6)."""
    activity: tuple[tuple[str, float], ...] = DEFAULT_ACTIVITY_POINTS
    """Points per activity by type: a visit weighs more than a note."""
    inbound: float = 5.0
    """Added to an inbound activity's points: the customer reached out."""
    quote: float = 8.0
    """Points per quote prepared for them (they asked for a price)."""
    survey: float = 4.0
    """Points per survey answer."""
    title: tuple[tuple[str, float], ...] = DEFAULT_TITLE_POINTS
    """Title text to points; the best match counts once. Latin text matches whole words."""
    size: tuple[tuple[int, float], ...] = DEFAULT_SIZE_POINTS
    """Least headcount to points; the company's size band is read by its first number."""
    industry: tuple[tuple[str, float], ...] = ()
    """Industry to points (compared ignoring case and width)."""
    region: tuple[tuple[str, float], ...] = ()
    """Prefecture or region to points (the prefecture is tried first)."""


class Profile(NamedTuple):
    """What fit is judged on: the contact's title and their company's (or the company's own)."""

    title: str | None = None
    industry: str | None = None
    size: str | None = None
    prefecture: str | None = None
    region: str | None = None


class Fact(NamedTuple):
    """One engagement fact: where it comes from, its type and direction, its age and label."""

    source: str
    """activity, quote or survey."""
    type: str
    """The activity's type (visit, call, …); empty for the other sources."""
    direction: str
    """inbound or outbound for an activity; empty for the other sources."""
    age_days: int
    """Whole days between the fact's local date and today (a future fact counts as today)."""
    label: str
    """What it was: the activity's summary, the quote's number and title, the survey's scores."""
    id: str


class Term(NamedTuple):
    """One addend of a score: its group (fit or engagement), its name, the fact and its points."""

    group: str
    name: str
    fact: str
    tenths: int
    """The term's points in tenths (8.4 points is 84)."""
    weight: float
    """The points before decay."""
    decay: float | None = None
    """The decay factor applied to the weight (None for a fit term)."""
    age_days: int | None = None

    @property
    def points(self) -> float:
        """The term's points, to one decimal."""
        return self.tenths / 10


class Score(NamedTuple):
    """A contact's or company's score with every term that makes it."""

    kind: str
    id: str
    name: str
    terms: list[Term]

    @property
    def tenths(self) -> int:
        """The score in tenths of a point: exactly the sum of its terms."""
        return sum(term.tenths for term in self.terms)

    @property
    def points(self) -> float:
        """The score, to one decimal."""
        return self.tenths / 10

    def part(self, group: str) -> int:
        """The fit or the engagement part of the score, in tenths."""
        return sum(t.tenths for t in self.terms if t.group == group)


def format_points(tenths: int, sign: bool = False) -> str:
    """`42.7`, or with `sign` `+8.4`."""
    text = f"{abs(tenths) // 10}.{abs(tenths) % 10}"
    if tenths < 0:
        return "-" + text
    return ("+" if sign else "") + text


def tenths_of(points: float) -> int:
    """Points rounded half up to whole tenths."""
    return math.floor(points * 10 + 0.5)


def decay(age_days: int, half_life_days: float) -> float:
    """What is left of a fact's weight after `age_days`: 1 today, 0.5 after one half-life."""
    return math.pow(0.5, max(age_days, 0) / half_life_days)


def decayed_tenths(weight_tenths: float, age_days: int, half_life_days: float) -> int:
    """A fact's points in tenths; storage/scores.py computes the same expression in SQL."""
    return int(weight_tenths * decay(age_days, half_life_days) + 0.5)


def fact_weight(fact: Fact, weights: ScoreWeights) -> float | None:
    """A fact's weight in tenths before decay, or None for a kind that does not score.

    An inbound activity adds the inbound weight to its type's. Weights are multiplied by ten
    one by one (not summed first) because storage/scores.py does the same sum in SQL.
    """
    if fact.source == ACTIVITY_SOURCE:
        points = dict(weights.activity).get(fact.type)
        if points is None:
            return None
        return points * 10 + (weights.inbound * 10 if fact.direction == "inbound" else 0.0)
    other = {"quote": weights.quote, "survey": weights.survey}
    points = other.get(fact.source)
    return None if points is None else points * 10


def horizon_days(weights: ScoreWeights) -> int:
    """The age of the oldest facts that count: the lookback, or less when every fact has
    decayed to 0 points before it (so older facts need not be read)."""
    activity = max((points for _, points in weights.activity), default=0.0) + weights.inbound
    heaviest = 10 * max(activity, weights.quote, weights.survey)
    if heaviest <= 0.5:
        return 0
    # weight × 0.5^(age/h) + 0.5 < 1 once age > h × log2(2 × weight); one day's margin.
    faded = math.ceil(weights.half_life_days * math.log2(2 * heaviest)) + 1
    return min(weights.lookback_days, faded)


def fit_terms(profile: Profile, weights: ScoreWeights) -> list[Term]:
    """The fit terms: the best-matching title pattern, then industry, size and region."""
    terms: list[Term] = []
    for name, points, what in _fit(profile, weights):
        tenths = tenths_of(points)
        if not tenths:
            continue
        if name == "title":
            fact = f'title "{profile.title}" matches "{what}"'
        elif name == "size":
            fact = f'size "{profile.size}" (at least {what} people)'
        elif name == "region":
            fact = f'{what} "{getattr(profile, what)}"'
        else:
            fact = f'industry "{profile.industry}"'
        terms.append(Term("fit", name, fact, tenths, points))
    return terms


def fit_tenths(profile: Profile, weights: ScoreWeights) -> int:
    """The fit part of a score, in tenths (the sum of `fit_terms`, without wording them)."""
    return sum(tenths_of(points) for _, points, _ in _fit(profile, weights))


def _fit(profile: Profile, weights: ScoreWeights) -> list[tuple[str, float, str]]:
    """Each fit term's name, points and what matched (pattern, headcount or field name)."""
    out: list[tuple[str, float, str]] = []
    if profile.title:
        best = _best_title(profile.title, weights.title)
        if best is not None:
            out.append(("title", best[1], best[0]))
    industry = _lookup(profile.industry, weights.industry)
    if industry is not None:
        out.append(("industry", industry, "industry"))
    size = _size_points(profile.size, weights.size)
    if size is not None:
        out.append(("size", size[1], str(size[0])))
    for field in ("prefecture", "region"):
        points = _lookup(getattr(profile, field), weights.region)
        if points is not None:
            out.append(("region", points, field))
            break
    return out


def engagement_terms(facts: Iterable[Fact], weights: ScoreWeights) -> list[Term]:
    """One term per fact still worth something after decay, newest first."""
    terms = []
    for fact in sorted(facts, key=lambda f: (f.age_days, f.id)):
        weight_tenths = fact_weight(fact, weights)
        if weight_tenths is None:
            continue
        tenths = decayed_tenths(weight_tenths, fact.age_days, weights.half_life_days)
        if tenths:
            factor = decay(fact.age_days, weights.half_life_days)
            name = _fact_name(fact)
            text = f"{name} {_ago(fact.age_days)}" + (f": {fact.label}" if fact.label else "")
            terms.append(
                Term("engagement", name, text, tenths, weight_tenths / 10, factor, fact.age_days)
            )
    return terms


def score(
    kind: str, record_id: str, name: str, profile: Profile, facts: Iterable[Fact], w: ScoreWeights
) -> Score:
    """A contact's or company's score, explained: fit terms first, then engagement, newest first."""
    return Score(kind, record_id, name, fit_terms(profile, w) + engagement_terms(facts, w))


def term_detail(term: Term) -> str:
    """How a term's points came about: `10 × 0.912 decay` (empty for a fit term)."""
    if term.decay is None:
        return ""
    return f"{_number(term.weight)} × {term.decay:.3f} decay"


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _fact_name(fact: Fact) -> str:
    if fact.source == ACTIVITY_SOURCE:
        return f"inbound {fact.type}" if fact.direction == "inbound" else fact.type
    return {"quote": "quote", "survey": "survey answer"}.get(fact.source, fact.source)


def _ago(age: int) -> str:
    if age <= 0:
        return "today"
    return "1 day ago" if age == 1 else f"{age} days ago"


def _lookup(value: str | None, table: tuple[tuple[str, float], ...]) -> float | None:
    if not value:
        return None
    return _folded_keys(table).get(fold(value.strip()))


@lru_cache(maxsize=16)
def _folded_keys(table: tuple[tuple[str, float], ...]) -> dict[str, float]:
    folded: dict[str, float] = {}
    for name, points in table:
        folded.setdefault(fold(name.strip()), points)
    return folded


def _best_title(title: str, table: tuple[tuple[str, float], ...]) -> tuple[str, float] | None:
    text = fold(title)
    best: tuple[str, float] | None = None
    for pattern, folded, points in _folded_patterns(table):
        # The most points win; among equals, the pattern listed first.
        if (best is None or points > best[1]) and _has_word(text, folded):
            best = (pattern, points)
    return best


@lru_cache(maxsize=8)
def _folded_patterns(table: tuple[tuple[str, float], ...]) -> list[tuple[str, str, float]]:
    return [(pattern, fold(pattern), points) for pattern, points in table if pattern.strip()]


_WORD_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _has_word(text: str, part: str) -> bool:
    """Whether `part` is in `text` and not inside a Latin word: "CTO" is in "Director"."""
    start = text.find(part)
    while start >= 0:
        end = start + len(part)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if before not in _WORD_CHARACTERS and after not in _WORD_CHARACTERS:
            return True
        start = text.find(part, start + 1)
    return False


_FIRST_NUMBER = re.compile(r"\d[\d,]*")


def headcount(size: str | None) -> int | None:
    """The least headcount a size band says: `50-99` is 50, `1,000+` is 1000, `about 30` 30."""
    if not size:
        return None
    found = _FIRST_NUMBER.search(fold(size))
    return int(found.group().replace(",", "")) if found else None


def _size_points(
    size: str | None, table: tuple[tuple[int, float], ...]
) -> tuple[int, float] | None:
    people = headcount(size)
    if people is None:
        return None
    met = [(least, points) for least, points in table if people >= least]
    return max(met, key=lambda m: m[0]) if met else None
