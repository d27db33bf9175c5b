"""Provides plain text for widgets: untrusted names and notes never act as markup or escapes."""

from __future__ import annotations

from rich.text import Text

from crm_tui.domain.terminal_text import safe


def plain(value: object, style: str = "") -> Text:
    """A Text that shows `value` literally: `[bold]` stays brackets, ESC shows as `\\x1b`."""
    return Text(safe(value), style=style, no_wrap=True, overflow="ellipsis")


def para(value: object, style: str = "") -> Text:
    """Like `plain` for several lines (notes, bodies): newlines kept, wrapped to the width."""
    return Text(safe(value, one_line=False), style=style)


def shares(room: int, weights: tuple[int, ...], least: int = 6) -> list[int]:
    """Splits `room` cells between columns by weight (each gets at least `least`)."""
    total = sum(weights)
    return [max(least, room * weight // total) for weight in weights]


def clipped(value: object, cells: int, style: str = "") -> Text:
    """`plain`, cut to `cells` terminal cells with an ellipsis (wide characters count two)."""
    text = plain(value, style)
    # Most cells fit: even at two cells a character, a short text needs no measuring.
    if 2 * len(text.plain) > cells:
        text.truncate(cells, overflow="ellipsis")
    return text


SEPARATOR = " │ "
"""Between the columns of a pre-cut line."""


def line_of(cells: tuple[object, ...], widths: list[int], style: str = "") -> Text:
    """One line of columns, each cut or padded to its width, as plain (never markup) text."""
    line = Text(no_wrap=True, overflow="ellipsis")
    for index, (value, cells_wide) in enumerate(zip(cells, widths, strict=True)):
        if index:
            line.append(SEPARATOR, style="dim")
        cell = plain(value, style)
        cell.truncate(cells_wide, overflow="ellipsis", pad=True)
        line.append_text(cell)
    return line
