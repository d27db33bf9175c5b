"""Provides the segment filter language: a filter read into a checked tree of small frozen nodes.

`title ~ "部長" and lifecycle = customer and purchases >= 3` becomes an `And` of three
`Comparison`s. `or` binds loosest, then `and`, then `not`; parentheses group. `a != b` is read as
`not a = b` and `a not in (…)` as `not a in (…)`, so "not equal" includes records where the field
has no value. Relative dates are resolved against the `today` the caller gives. Nothing here
knows SQL: storage/segment_sql.py compiles the tree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from crm_tui.config import DEFAULT_STAGES
from crm_tui.domain.segment_fields import (
    BOOL,
    FIELDS,
    Field,
    Mismatch,
    Scalar,
    check_operator,
    check_value,
)
from crm_tui.domain.segment_lexer import FilterError, Token, quoted, tokens

MAX_LENGTH = 10_000
"""The longest filter accepted, in characters."""
MAX_DEPTH = 32
"""How deep parentheses and `not` may nest."""
MAX_COMPARISONS = 200
"""How many comparisons one filter may hold (SQLite bounds the size of a query)."""
MAX_LIST = 500
"""How many values an `in (…)` list may hold."""

OPERATORS = ("=", "!=", "<", "<=", ">", ">=", "~")
_LIKELY = {"==": "=", "<>": "!=", "=<": "<=", "=>": ">=", "!": "!=", "=~": "~", "!~": "not … ~"}
_USE = " (use = != < <= > >= ~ or in)"
_KEYWORDS = frozenset({"and", "or", "not", "in"})
_DATE_WORDS = {"today": 0, "yesterday": -1, "tomorrow": 1}


@dataclass(frozen=True, slots=True)
class Value:
    """A value as compiled: `kind` text, number, bool, none or date, and where it was written."""

    kind: str
    value: Scalar
    column: int


@dataclass(frozen=True, slots=True)
class Comparison:
    """`field op values`: `op` is one of `= < <= > >= ~ in` (`!=` is a `Not` of `=`)."""

    field: str
    op: str
    values: tuple[Value, ...]
    column: int


@dataclass(frozen=True, slots=True)
class And:
    """Every part holds."""

    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """At least one part holds."""

    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """The part does not hold (a field with no value never holds `=`, so `not` includes it)."""

    part: Node


Node = Comparison | And | Or | Not


def parse_filter(text: str, today: date, deal_stages: Sequence[str] = DEFAULT_STAGES) -> Node:
    """Reads and checks a filter; a mistake raises `FilterError` pointing at its column."""
    if len(text) > MAX_LENGTH:
        what = f"the filter is too long ({len(text):,} characters, at most {MAX_LENGTH:,})"
        raise FilterError(what, text, MAX_LENGTH + 1)
    parser = _Parser(text, today, tuple(deal_stages))
    if parser.peek.kind == "end":
        raise FilterError("the filter is empty", text, 1, ' (e.g. title ~ "部長")')
    node = parser.either(0)
    if parser.peek.kind != "end":
        expected = "the end" if parser.peek.text == ")" else "and, or or )"
        raise parser.fail(f"unexpected {parser.found()}, expected {expected}", parser.peek.column)
    return node


def fields_in(node: Node) -> set[str]:
    """The names of the fields a filter uses."""
    if isinstance(node, Comparison):
        return {node.field}
    if isinstance(node, Not):
        return fields_in(node.part)
    return set().union(*(fields_in(part) for part in node.parts))


class _Parser:
    """A recursive-descent parser over the tokens, one token of look-ahead."""

    def __init__(self, text: str, today: date, deal_stages: tuple[str, ...]) -> None:
        self.text = text
        self.today = today
        self.deal_stages = deal_stages
        self.stream = tokens(text, today)
        self.peek = next(self.stream)
        self.comparisons = 0

    def fail(self, what: str, column: int, hint: str = "") -> FilterError:
        return FilterError(what, self.text, column, hint)

    def found(self) -> str:
        return "the end" if self.peek.kind == "end" else quoted(self.peek.text)

    def take(self) -> Token:
        token = self.peek
        if token.kind != "end":
            self.peek = next(self.stream)
        return token

    def at_word(self, *words: str) -> bool:
        return self.peek.kind == "word" and self.peek.text.lower() in words

    def at_punct(self, char: str) -> bool:
        return self.peek.kind == "punct" and self.peek.text == char

    def either(self, depth: int) -> Node:
        parts = [self.both(depth)]
        while self.at_word("or"):
            self.take()
            parts.append(self.both(depth))
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def both(self, depth: int) -> Node:
        parts = [self.negated(depth)]
        while self.at_word("and"):
            self.take()
            parts.append(self.negated(depth))
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def negated(self, depth: int) -> Node:
        if depth >= MAX_DEPTH:
            raise self.fail(f"the filter nests deeper than {MAX_DEPTH} levels", self.peek.column)
        if self.at_word("not"):
            self.take()
            return Not(self.negated(depth + 1))
        if self.at_punct("("):
            opening = self.take()
            node = self.either(depth + 1)
            if not self.at_punct(")"):
                what = f"missing ) for the ( at column {opening.column}, found {self.found()}"
                raise self.fail(what, self.peek.column)
            self.take()
            return node
        return self.comparison()

    def comparison(self) -> Node:
        token = self.take()
        field = self.field(token)
        self.comparisons += 1
        if self.comparisons > MAX_COMPARISONS:
            what = f"the filter has more than {MAX_COMPARISONS} comparisons"
            raise self.fail(what, token.column)
        if field.type == BOOL and self.at_end_of_comparison():
            # A yes/no field alone means "is true": `consent and not opted_out`.
            return Comparison(field.name, "=", (Value("bool", True, token.column),), token.column)
        if self.at_word("not"):
            self.take()
            if not self.at_word("in"):
                hint = f" (put not before the field to negate: not {field.name} …)"
                raise self.fail(
                    f"expected in after not, found {self.found()}", self.peek.column, hint
                )
            return Not(Comparison(field.name, "in", self.values(field), token.column))
        if self.at_word("in"):
            return Comparison(field.name, "in", self.values(field), token.column)
        operator = self.operator(field)
        value = self.value(field, operator.text)
        if operator.text == "!=":
            return Not(Comparison(field.name, "=", (value,), token.column))
        return Comparison(field.name, operator.text, (value,), token.column)

    def at_end_of_comparison(self) -> bool:
        return self.peek.kind == "end" or self.at_word("and", "or") or self.at_punct(")")

    def field(self, token: Token) -> Field:
        if token.kind != "word" or token.text.lower() in _KEYWORDS:
            found = "the end" if token.kind == "end" else quoted(token.text)
            raise self.fail(f"expected a field name, found {found}", token.column)
        field = FIELDS.get(token.text.lower())
        if field is None:
            raise self.fail(
                f"unknown field {quoted(token.text)}", token.column, _suggest(token.text)
            )
        return field

    def operator(self, field: Field) -> Token:
        if self.peek.kind == "op":
            token = self.take()
            if token.text in OPERATORS:
                try:
                    check_operator(field, token.text)
                except Mismatch as problem:
                    raise self.fail(problem.what, token.column, problem.hint) from None
                return token
            likely = _LIKELY.get(token.text)
            hint = f' (did you mean "{likely}"?)' if likely else _USE
            raise self.fail(f"unknown operator {quoted(token.text)}", token.column, hint)
        what = f"expected an operator after {field.name}, found {self.found()}"
        raise self.fail(what, self.peek.column, _USE)

    def values(self, field: Field) -> tuple[Value, ...]:
        self.take()  # `in`
        if not self.at_punct("("):
            hint = f' (e.g. {field.name} in ("a", "b"))'
            what = f"in takes a list in parentheses, found {self.found()}"
            raise self.fail(what, self.peek.column, hint)
        self.take()
        values = [self.value(field, "in")]
        while self.at_punct(","):
            self.take()
            values.append(self.value(field, "in"))
            if len(values) > MAX_LIST:
                raise self.fail(f"an in list holds at most {MAX_LIST} values", self.peek.column)
        if not self.at_punct(")"):
            raise self.fail(f"expected , or ) in the list, found {self.found()}", self.peek.column)
        self.take()
        return tuple(values)

    def value(self, field: Field, op: str) -> Value:
        token = self.take()
        kind, value = self.literal(token, op)
        try:
            kind, value = check_value(field, op, kind, value, self.deal_stages)
        except Mismatch as problem:
            raise self.fail(problem.what, token.column, problem.hint) from None
        return Value(kind, value, token.column)

    def literal(self, token: Token, op: str) -> tuple[str, Scalar]:
        if token.kind == "string":
            return "text", token.value
        if token.kind == "number":
            return "number", token.value
        if token.kind in ("date", "relative"):
            return "date", token.value
        word = token.text.lower()
        if token.kind == "word" and word not in _KEYWORDS:
            if word in ("true", "false"):
                return "bool", word == "true"
            if word == "none":
                return "none", None
            if word in _DATE_WORDS:
                return "date", self.today + timedelta(days=_DATE_WORDS[word])
            return "text", token.text
        found = "the end" if token.kind == "end" else quoted(token.text)
        raise self.fail(f"missing value after {quoted(op)}, found {found}", token.column)


def _suggest(name: str) -> str:
    import difflib

    close = difflib.get_close_matches(name.lower(), list(FIELDS), n=1, cutoff=0.6)
    if close:
        return f' (did you mean "{close[0]}"?)'
    return " (docs/segments.md lists the fields)"


@dataclass(frozen=True, slots=True)
class Segment:
    """A saved segment: the rep's name for a filter (kept on this device, not synced)."""

    name: str
    filter: str
    created_at: str
    updated_at: str
