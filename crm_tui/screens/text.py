"""Provides plain text for widgets: untrusted names and notes never act as markup or escapes."""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from crm_tui.domain.terminal_text import clip, pad, safe


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
    return Text(clip(safe(value), cells), style=style, no_wrap=True, overflow="ellipsis")


SEPARATOR = " │ "
"""Between the columns of a pre-cut line."""


def line_of(cells: tuple[object, ...], widths: list[int], style: str = "") -> Content:
    """One line of columns, each cut or padded to its width, as plain (never markup) content.

    Textual's own Content (not a Rich Text) so that a list redraws it without converting it.
    """
    parts = [
        pad(clip(safe(value), cells_wide), cells_wide)
        for value, cells_wide in zip(cells, widths, strict=True)
    ]
    line = SEPARATOR.join(parts)
    return Content.styled(line, style) if style else Content(line)
