"""Tests of the score's rules: each fit term, the decay at known ages, and terms that sum."""

from __future__ import annotations

import pytest

from crm_tui.domain.scoring import (
    Fact,
    Profile,
    ScoreWeights,
    decay,
    decayed_tenths,
    engagement_terms,
    fit_terms,
    format_points,
    headcount,
    horizon_days,
    score,
    term_detail,
)

DEFAULT = ScoreWeights()


def _visit(age: int, inbound: bool = False, kind: str = "visit") -> Fact:
    return Fact(
        "activity", kind, "inbound" if inbound else "outbound", age, "Line 3 demo", f"a{age}"
    )


@pytest.mark.parametrize(
    ("age", "factor"),
    [(0, 1.0), (90, 0.5), (180, 0.25), (270, 0.125), (-3, 1.0)],
)
def test_a_fact_keeps_half_its_weight_after_each_half_life(age: int, factor: float) -> None:
    assert decay(age, 90) == factor


@pytest.mark.parametrize(
    ("age", "tenths"),
    [
        (0, 100),  # 10 × 1
        (12, 91),  # 10 × 0.5^(12/90) = 9.117…
        (45, 71),  # 10 × 0.7071… = 7.07
        (90, 50),
        (365, 6),  # 10 × 0.0601… = 0.60
        (688, 0),  # 10 × 0.00499… rounds to 0.0
    ],
)
def test_a_visit_is_worth_ten_points_decayed_and_rounded_to_a_tenth(age: int, tenths: int) -> None:
    assert decayed_tenths(100.0, age, 90) == tenths
    terms = engagement_terms([_visit(age)], DEFAULT)
    # A fact worth nothing after rounding is no term at all.
    assert [term.tenths for term in terms] == ([tenths] if tenths else [])


def test_an_inbound_activity_adds_the_inbound_weight_and_says_how() -> None:
    [term] = engagement_terms([_visit(12, inbound=True, kind="email")], DEFAULT)
    # (2 + 5) × 0.5^(12/90) = 6.38…
    assert (term.name, term.tenths, term.weight) == ("inbound email", 64, 7.0)
    assert term.fact == "inbound email 12 days ago: Line 3 demo"
    assert term_detail(term) == "7 × 0.912 decay"


def test_each_kind_of_fact_has_its_own_weight() -> None:
    facts = [
        Fact("activity", "note", "outbound", 0, "memo", "n"),
        Fact("activity", "meeting", "outbound", 0, "review", "m"),
        Fact("activity", "call", "outbound", 0, "call", "c"),
        Fact("activity", "inquiry", "inbound", 0, "Price list?", "i"),
        Fact("quote", "", "", 0, "Q-1", "q"),
        Fact("survey", "", "", 0, "NPS 9", "s"),
        Fact("activity", "fax", "outbound", 0, "unknown type", "f"),
    ]
    got = {term.name: term.tenths for term in engagement_terms(facts, DEFAULT)}
    assert got == {
        "note": 10,
        "meeting": 80,
        "call": 40,
        "inbound inquiry": 80,
        "quote": 80,
        "survey answer": 40,
    }


@pytest.mark.parametrize(
    ("title", "points", "pattern"),
    [
        ("営業部長", 10.0, "部長"),
        ("代表取締役社長", 15.0, "社長"),  # the best match counts, once
        ("Sales Manager", 6.0, "Manager"),
        ("sales manager", 6.0, "Manager"),
        ("ｼﾆｱマネージャー", 6.0, "マネージャー"),
        ("Director of Operations", 10.0, "Director"),
        ("Coordinator", None, None),  # no pattern stands as a word in it
        ("Headquarters staff", None, None),
        ("主任", None, None),
    ],
)
def test_a_title_scores_its_best_matching_pattern(
    title: str, points: float | None, pattern: str | None
) -> None:
    terms = fit_terms(Profile(title=title), DEFAULT)
    if points is None:
        assert terms == []
    else:
        [term] = terms
        assert (term.name, term.points, term.fact) == (
            "title",
            points,
            f'title "{title}" matches "{pattern}"',
        )


def test_latin_patterns_match_whole_words_only() -> None:
    weights = DEFAULT._replace(title=(("CTO", 12.0),))
    assert fit_terms(Profile(title="Director"), weights) == []
    assert [t.points for t in fit_terms(Profile(title="CTO / Co-founder"), weights)] == [12.0]


@pytest.mark.parametrize(
    ("size", "people", "points"),
    [
        ("1000+", 1000, 10.0),
        ("300-999", 300, 8.0),
        ("100-299", 100, 5.0),
        ("30-99", 30, 2.0),
        ("1-29", 1, None),
        ("1,200名", 1200, 10.0),
        ("大企業", None, None),
    ],
)
def test_size_scores_by_the_least_headcount_of_its_band(
    size: str, people: int | None, points: float | None
) -> None:
    assert headcount(size) == people
    terms = fit_terms(Profile(size=size), DEFAULT)
    assert [t.points for t in terms] == ([] if points is None else [points])


def test_industry_and_region_score_only_when_configured_and_ignore_case_and_width() -> None:
    profile = Profile(industry="Manufacturing", prefecture="東京都", region="関東")
    assert fit_terms(profile, DEFAULT) == []
    weights = DEFAULT._replace(
        industry=(("manufacturing", 10.0),), region=(("関東", 3.0), ("東京都", 5.0))
    )
    terms = fit_terms(profile, weights)
    # The prefecture is tried before the region: one region term.
    assert [(t.name, t.fact, t.points) for t in terms] == [
        ("industry", 'industry "Manufacturing"', 10.0),
        ("region", 'prefecture "東京都"', 5.0),
    ]
    only_region = fit_terms(Profile(prefecture="千葉県", region="関東"), weights)
    assert [(t.fact, t.points) for t in only_region] == [('region "関東"', 3.0)]


def test_the_explained_terms_sum_exactly_to_the_score() -> None:
    profile = Profile(title="購買部長", industry="IT", size="300-999", prefecture="大阪府")
    weights = DEFAULT._replace(industry=(("it", 7.5),), region=(("大阪府", 4.0),))
    facts = [_visit(12), _visit(45, inbound=True, kind="email"), _visit(400)]
    result = score("contact", "c1", "佐藤 健一", profile, facts, weights)
    # Fit 10 + 7.5 + 8 + 4 = 29.5; engagement 9.1 + 4.9 (7 × 0.707); the 400-day-old visit is
    # beyond the one-year lookback for the store, but here it is a given fact: 10 × 0.046 = 0.5.
    assert [t.tenths for t in result.terms] == [100, 75, 80, 40, 91, 49, 5]
    assert result.tenths == sum(t.tenths for t in result.terms) == 440
    assert (result.part("fit"), result.part("engagement")) == (295, 145)
    assert format_points(result.tenths) == "44.0"
    assert [t.group for t in result.terms] == ["fit"] * 4 + ["engagement"] * 3


def test_engagement_terms_come_newest_first_and_drop_facts_worth_nothing() -> None:
    terms = engagement_terms([_visit(300), _visit(2), _visit(900)], DEFAULT)
    assert [t.age_days for t in terms] == [2, 300]


def test_the_horizon_is_the_lookback_or_when_everything_has_faded() -> None:
    assert horizon_days(DEFAULT) == 365
    assert horizon_days(DEFAULT._replace(lookback_days=2000)) == 742  # 90 × log2(300) + 1
    assert horizon_days(DEFAULT._replace(half_life_days=7, lookback_days=2000)) == 59


def test_points_are_shown_with_one_decimal() -> None:
    assert [format_points(t) for t in (0, 5, 84, 486, -12)] == ["0.0", "0.5", "8.4", "48.6", "-1.2"]
    assert format_points(84, sign=True) == "+8.4"
