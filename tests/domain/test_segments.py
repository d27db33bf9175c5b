"""Tests of the segment filter language: what filters read as, and errors that point at typos."""

from __future__ import annotations

from datetime import date

import pytest

from crm_tui.domain.segment_fields import FIELDS
from crm_tui.domain.segment_lexer import FilterError, pointer
from crm_tui.domain.segments import (
    MAX_COMPARISONS,
    MAX_DEPTH,
    MAX_LENGTH,
    And,
    Comparison,
    Node,
    Not,
    Or,
    Value,
    fields_in,
    parse_filter,
)
from crm_tui.errors import InvalidInput

TODAY = date(2026, 11, 26)


def parse(text: str) -> Node:
    return parse_filter(text, TODAY)


def values_of(node: Node) -> list[object]:
    assert isinstance(node, Comparison)
    return [v.value for v in node.values]


def test_the_issue_examples_read_as_written() -> None:
    first = parse(
        'industry = "IT" and revenue >= 1_000_000_000 and prefecture in ("東京都", "大阪府")'
    )
    assert first == And(
        (
            Comparison("industry", "=", (Value("text", "IT", 12),), 1),
            Comparison("revenue", ">=", (Value("number", 1_000_000_000, 32),), 21),
            Comparison(
                "prefecture", "in", (Value("text", "東京都", 65), Value("text", "大阪府", 72)), 50
            ),
        )
    )
    second = parse('title ~ "部長" and lifecycle = customer and purchases >= 3')
    assert isinstance(second, And)
    assert [(c.field, c.op, values_of(c)) for c in second.parts if isinstance(c, Comparison)] == [
        ("title", "~", ["部長"]),
        ("lifecycle", "=", ["customer"]),
        ("purchases", ">=", [3]),
    ]
    third = parse('last_activity < -90d and deal.stage = "lost"')
    assert isinstance(third, And)
    assert values_of(third.parts[0]) == [date(2026, 8, 28)]
    assert values_of(third.parts[1]) == ["lost"]
    assert parse('tag = "trade-show-2026"') == Comparison(
        "tag", "=", (Value("text", "trade-show-2026", 7),), 1
    )


def test_or_binds_looser_than_and_and_not_binds_tightest() -> None:
    node = parse("consent or opted_out and not archived")
    assert isinstance(node, Or)
    assert node.parts[0] == Comparison("consent", "=", (Value("bool", True, 1),), 1)
    right = node.parts[1]
    assert isinstance(right, And)
    assert isinstance(right.parts[1], Not)


def test_parentheses_group_before_and() -> None:
    node = parse("(consent or opted_out) and archived = false")
    assert isinstance(node, And)
    assert isinstance(node.parts[0], Or)


def test_not_equal_and_not_in_are_the_negation_of_equal_and_in() -> None:
    assert parse('industry != "IT"') == Not(
        Comparison("industry", "=", (Value("text", "IT", 13),), 1)
    )
    node = parse("lifecycle not in (lead, former)")
    assert isinstance(node, Not)
    assert isinstance(node.part, Comparison)
    assert node.part.op == "in"
    assert values_of(node.part) == ["lead", "former"]


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("today", date(2026, 11, 26)),
        ("yesterday", date(2026, 11, 25)),
        ("tomorrow", date(2026, 11, 27)),
        ("-90d", date(2026, 8, 28)),
        ("+7d", date(2026, 12, 3)),
        ("-2w", date(2026, 11, 12)),
        ("-6m", date(2026, 5, 26)),
        ("-1y", date(2025, 11, 26)),
        ("2026-04-01", date(2026, 4, 1)),
        ('"2026-04-01"', date(2026, 4, 1)),
    ],
)
def test_dates_resolve_against_the_given_today(written: str, day: date) -> None:
    assert values_of(parse(f"created >= {written}")) == [day]


@pytest.mark.parametrize(
    ("written", "value"),
    [
        (r'"say \"hi\""', 'say "hi"'),
        (r"'it\'s'", "it's"),
        (r'"back\\slash"', "back\\slash"),
        ('"two\\nlines"', "two\nlines"),
        ("'single \"quoted\"'", 'single "quoted"'),
        ("bare-word_2", "bare-word_2"),
        ('"a\x00b"', "a\x00b"),
    ],
)
def test_strings_take_escapes_in_either_quote(written: str, value: str) -> None:
    assert values_of(parse(f"title = {written}")) == [value]


def test_numbers_take_underscores_and_decimals() -> None:
    assert values_of(parse("revenue >= 1_000_000")) == [1_000_000]
    assert values_of(parse("deal.amount < 12.5")) == [12.5]
    assert values_of(parse("deal.probability > -1")) == [-1]


def test_true_false_and_none_are_words() -> None:
    assert values_of(parse("consent = false")) == [False]
    assert values_of(parse("opted_out = TRUE")) == [True]
    assert parse("industry = none") == Comparison("industry", "=", (Value("none", None, 12),), 1)


def test_choices_are_checked_and_read_in_lower_case() -> None:
    assert values_of(parse("lifecycle = Customer")) == ["customer"]
    assert values_of(parse("activity.type in (Visit, call)")) == ["visit", "call"]
    custom = parse_filter("deal.stage = signed", TODAY, ("new", "talking", "signed", "dropped"))
    assert values_of(custom) == ["signed"]


def test_fields_in_lists_every_field_named() -> None:
    node = parse("not (archived = true or tag = x) and title ~ y")
    assert fields_in(node) == {"archived", "tag", "title"}


def test_every_field_has_a_meaning_for_the_docs() -> None:
    assert all(f.meaning for f in FIELDS.values())
    assert {"industry", "revenue", "prefecture", "title", "lifecycle", "purchases"} <= set(FIELDS)
    assert {"last_activity", "deal.stage", "tag", "email", "phone", "owner", "created"} <= set(
        FIELDS
    )


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ('industy = "IT"', 1, 'unknown field "industy" at column 1 (did you mean "industry"?)'),
        ('title == "x"', 7, 'unknown operator "==" at column 7 (did you mean "="?)'),
        ('title <> "x"', 7, 'unknown operator "<>" at column 7 (did you mean "!="?)'),
        ('title ~ "部長', 9, 'unterminated string at column 9 (close it with ")'),
        ("title ~ 'x", 9, "unterminated string at column 9 (close it with ')"),
        ("title =", 8, 'missing value after "=", found the end at column 8'),
        ("title = and consent", 9, 'missing value after "=", found "and" at column 9'),
        ("created < 2026-13-01", 11, 'bad date "2026-13-01" at column 11'),
        ("created < 2026-1-5", 11, 'bad date "2026-1-5" at column 11'),
        ("created < 90d", 11, 'relative date "90d" needs a sign at column 11'),
        ('prefecture in "東京都"', 15, "in takes a list in parentheses, found"),
        ('revenue >= "abc"', 12, 'revenue takes a number, not "abc" at column 12'),
        ("revenue >= 1e9", 12, 'bad number "1e9" at column 12'),
        ("title < 3", 7, "< does not apply to title, which takes text at column 7"),
        ("purchases ~ 3", 11, "~ (contains) applies to text; purchases takes a number"),
        ("title ~ 3", 9, "~ (contains) needs some text to look for at column 9"),
        ("created > none", 11, "none goes only with =, != or in at column 11"),
        ("purchases = none", 13, "purchases always has a value"),
        ("consent = yes", 11, 'consent takes true or false, not "yes" at column 11'),
        ("lifecycle = custmer", 13, '"custmer" is not a valid lifecycle at column 13'),
        ("deal.stage = signed", 14, '"signed" is not a valid deal.stage at column 14'),
        ("title ~ x y", 11, 'unexpected "y", expected and, or or ) at column 11'),
        ("(title ~ x", 11, "missing ) for the ( at column 1, found the end at column 11"),
        ("title ~ x)", 10, 'unexpected ")", expected the end at column 10'),
        ("title（", 6, 'unexpected character "（" at column 6 (did you mean "("?)'),
        ("title ~ x\x00", 10, "unexpected character"),
        ("   ", 1, "the filter is empty at column 1"),
        ('title ~ "\\q"', 10, 'unknown escape "\\q" at column 10'),
        ("1=1", 1, 'expected a field name, found "1" at column 1'),
        ("title not ~ x", 11, "expected in after not"),
        ("revenue > 99999999999999999999", 11, "is too large"),
    ],
)
def test_a_malformed_filter_names_the_problem_and_its_column(
    text: str, column: int, message: str
) -> None:
    with pytest.raises(FilterError) as caught:
        parse(text)
    assert str(caught.value).startswith("filter: ")
    assert message in str(caught.value)
    assert caught.value.column == column
    assert isinstance(caught.value, InvalidInput)
    assert caught.value.exit_code == 2


def test_the_error_details_put_a_caret_under_the_column() -> None:
    with pytest.raises(FilterError) as caught:
        parse('industy = "IT"')
    assert caught.value.details == ('  industy = "IT"', "  ^")


def test_the_caret_counts_wide_characters_as_two_cells() -> None:
    with pytest.raises(FilterError) as caught:
        parse('title ~ "部長" and industy = "IT"')
    line, caret = caught.value.details
    assert line == '  title ~ "部長" and industy = "IT"'
    # 'title ~ "部長" and ' is 17 characters but 19 terminal cells.
    assert caught.value.column == 18
    assert caret == "  " + " " * 19 + "^"


def test_control_characters_in_the_shown_filter_are_made_visible() -> None:
    line, caret = pointer('title = "\x1b[31m" and x', 21)
    assert "\x1b" not in line
    assert "\\x1b" in line
    assert caret.index("^") == line.index("x", line.index("and"))


def test_a_long_filter_is_shown_around_the_mistake() -> None:
    text = "title ~ x or " * 20 + "industy = y"
    with pytest.raises(FilterError) as caught:
        parse(text)
    line, caret = caught.value.details
    assert len(line) < 80
    assert line.startswith("  …")
    assert line[caret.index("^") :].startswith("industy")


def test_limits_stop_filters_too_long_too_deep_or_too_big() -> None:
    with pytest.raises(FilterError, match="too long"):
        parse("title ~ " + '"' + "x" * MAX_LENGTH + '"')
    parse("title ~ " + '"' + "x" * (MAX_LENGTH - 12) + '"')
    deep = "(" * (MAX_DEPTH - 1) + "consent" + ")" * (MAX_DEPTH - 1)
    assert parse(deep) == Comparison("consent", "=", (Value("bool", True, MAX_DEPTH),), MAX_DEPTH)
    with pytest.raises(FilterError, match="nests deeper than 32"):
        parse("(" * MAX_DEPTH + "consent" + ")" * MAX_DEPTH)
    with pytest.raises(FilterError, match="nests deeper"):
        parse("not " * 100 + "consent")
    with pytest.raises(FilterError, match="nests deeper"):
        parse("(" * 5000)
    many = " or ".join(["consent"] * MAX_COMPARISONS)
    assert isinstance(parse(many), Or)
    with pytest.raises(FilterError, match="more than 200 comparisons"):
        parse(many + " or consent")


def _docs() -> str:
    from pathlib import Path

    return (Path(__file__).parents[2] / "docs" / "segments.md").read_text(encoding="utf-8")


def test_the_examples_of_the_docs_parse() -> None:
    block = _docs().split("A filter compares fields with values and combines the comparisons:")[1]
    examples = block.split("```")[1].strip().splitlines()
    assert len(examples) == 5
    for example in examples:
        parse(example)


def test_the_docs_describe_every_field() -> None:
    docs = _docs()
    assert [name for name in FIELDS if f"`{name}`" not in docs] == []
