"""Provides the tokens of the segment filter language, and its errors that point at a column.

Values: strings in double or single quotes with backslash escapes, numbers with `_` between
digits (`1_000_000`, `12.5`), ISO dates (`2026-04-01`), relative dates (`-90d`, `+2w`, `-6m`,
`-1y`, resolved against the `today` given), words (`customer`, `deal.stage`) and the operators
`= != < <= > >= ~` with `(`, `)` and `,`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from crm_tui.domain.dates import add_months
from crm_tui.domain.terminal_text import safe, width
from crm_tui.errors import InvalidInput

DATE_HELP = "use YYYY-MM-DD, today, yesterday, tomorrow, or -90d, +2w, -6m, -1y"
_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t"}
_INT_LIMIT = 2**63 - 1
"""SQLite's integers are 64-bit: a larger number could not be a parameter."""


class FilterError(InvalidInput):
    """A filter that cannot be read: the message names the column, `details` point at it."""

    def __init__(self, what: str, text: str, column: int, hint: str = "") -> None:
        super().__init__(f"filter: {what} at column {column}{hint}")
        self.column = column
        self.details = pointer(text, column)


def pointer(text: str, column: int, room: int = 70) -> tuple[str, ...]:
    """Two lines for a terminal: the filter (a window of it when long) and a caret under
    `column` (1-based), counted in terminal cells so that wide characters keep it aligned."""
    start = max(0, column - 1 - room // 2)
    shown = text[start : start + room]
    lead = "…" if start else ""
    before = lead + shown[: column - 1 - start]
    line = lead + shown + ("…" if start + room < len(text) else "")
    return (f"  {safe(line)}", "  " + " " * width(safe(before)) + "^")


def quoted(token: str) -> str:
    """A piece of the filter as messages show it, cut when long."""
    return '"' + (token if len(token) <= 40 else token[:39] + "…") + '"'


@dataclass(frozen=True, slots=True)
class Token:
    """One piece of a filter: its kind, its text as written, its column (1-based), its value."""

    kind: str
    text: str
    column: int
    value: str | int | float | date | None = None


_LEXEME = re.compile(
    r"""(?P<space>[\s\u3000]+)
    |(?P<date>\d{4}-\d{2}-\d{2})(?![\w.-])
    |(?P<relative>[+-]\d{1,6}[dwmy])(?![\w.-])
    |(?P<number>[+-]?\d+(?:_\d+)*(?:\.\d+(?:_\d+)*)?)(?![\w.-])
    |(?P<bad>[+-]?\d[\w.+-]*)
    |(?P<word>[^\W\d][\w.@-]*)
    |(?P<op>[=!<>~]+)
    |(?P<punct>[(),])
    |(?P<quote>["'])""",
    re.VERBOSE,
)


def tokens(text: str, today: date) -> Iterator[Token]:
    """Splits a filter into tokens, resolving dates against `today`; ends with an `end` token."""
    at = 0
    while at < len(text):
        match = _LEXEME.match(text, at)
        if match is None:
            raise _unexpected(text, at)
        kind = match.lastgroup or ""
        if kind == "quote":
            token, at = _string(text, at)
            yield token
            continue
        column, lexeme, at = at + 1, match.group(), match.end()
        if kind == "bad":
            raise _bad_value(lexeme, text, column)
        if kind != "space":
            yield Token(kind, lexeme, column, _literal(kind, lexeme, text, column, today))
    yield Token("end", "", len(text) + 1)


def _unexpected(text: str, at: int) -> FilterError:
    import unicodedata

    char = text[at]
    plain = unicodedata.normalize("NFKC", char)
    hint = f' (did you mean "{plain}"?)' if plain != char and plain.isascii() else ""
    return FilterError(f"unexpected character {quoted(char)}", text, at + 1, hint)


def _literal(
    kind: str, lexeme: str, text: str, column: int, today: date
) -> str | int | float | date | None:
    if kind == "date":
        try:
            return date.fromisoformat(lexeme)
        except ValueError:
            raise FilterError(
                f"bad date {quoted(lexeme)}", text, column, f" ({DATE_HELP})"
            ) from None
    if kind == "relative":
        return _relative(lexeme, text, column, today)
    if kind == "number":
        number: int | float = float(lexeme) if "." in lexeme else int(lexeme)
        if abs(number) > _INT_LIMIT:
            raise FilterError(f"number {quoted(lexeme)} is too large", text, column)
        return number
    return None


def _relative(lexeme: str, text: str, column: int, today: date) -> date:
    count, unit = int(lexeme[:-1]), lexeme[-1]
    try:
        if unit == "d":
            return today + timedelta(days=count)
        if unit == "w":
            return today + timedelta(weeks=count)
        return add_months(today, count * (12 if unit == "y" else 1))
    except (OverflowError, ValueError):
        raise FilterError(f"date {quoted(lexeme)} is out of range", text, column) from None


def _bad_value(lexeme: str, text: str, column: int) -> FilterError:
    if re.fullmatch(r"\d+[dwmy]", lexeme):
        hint = f" (write -{lexeme} for the past or +{lexeme} for the future)"
        return FilterError(f"relative date {quoted(lexeme)} needs a sign", text, column, hint)
    if "-" in lexeme.lstrip("+-"):
        return FilterError(f"bad date {quoted(lexeme)}", text, column, f" ({DATE_HELP})")
    hint = " (numbers are written like 1_000_000 or 12.5; put text in quotes)"
    return FilterError(f"bad number {quoted(lexeme)}", text, column, hint)


def _string(text: str, at: int) -> tuple[Token, int]:
    """Reads the quoted string that starts at `at`; returns its token and the index after it."""
    quote, start = text[at], at
    out: list[str] = []
    at += 1
    while at < len(text):
        char = text[at]
        if char == quote:
            return Token("string", text[start : at + 1], start + 1, "".join(out)), at + 1
        if char == "\\":
            escaped = text[at + 1 : at + 2]
            if escaped not in _ESCAPES:
                shown = quoted("\\" + escaped) if escaped else "\\ at the end"
                hint = " (use \\\\ for a backslash, \\\" or \\' for a quote)"
                raise FilterError(f"unknown escape {shown}", text, at + 1, hint)
            out.append(_ESCAPES[escaped])
            at += 2
            continue
        out.append(char)
        at += 1
    raise FilterError("unterminated string", text, start + 1, f" (close it with {quote})")
