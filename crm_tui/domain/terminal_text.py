"""Provides text for terminals: untrusted text made harmless, and widths in terminal cells.

Names and notes from cards, CSVs or other reps may hold control characters, escape sequences or
bidirectional overrides; they are shown as visible `\\x1b`-style codes instead of acting.
"""

from __future__ import annotations

import re
import unicodedata

# Bidirectional overrides and isolates can reorder what a terminal shows (Trojan Source).
BIDI = {*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C}
# C0 and C1 controls, DEL and the bidi marks: what must never reach a terminal raw.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code in BIDI:
        return f"\\u{code:04x}"
    return f"\\x{code:02x}"


def safe(text: object, *, one_line: bool = True) -> str:
    """Text made harmless for a terminal; newlines become `⏎` unless `one_line` is False."""
    if text is None:
        return ""
    value = str(text)
    if not _UNSAFE.search(value):
        return value
    if one_line:
        value = value.replace("\n", " ⏎ ").replace("\t", " ")
    else:
        value = value.replace("\t", "    ")
        return "\n".join(_UNSAFE.sub(_visible, line) for line in value.split("\n"))
    return _UNSAFE.sub(_visible, value)


class _CellWidths(dict[str, int]):
    """Terminal cells per character, looked up once each (tables measure every cell)."""

    def __missing__(self, char: str) -> int:
        if unicodedata.combining(char):
            cells = 0
        else:
            cells = 2 if unicodedata.east_asian_width(char) in "WF" else 1
        self[char] = cells
        return cells


_CELLS = _CellWidths()
_cells = _CELLS.__getitem__


def width(text: str) -> int:
    """Terminal cells taken by text: East Asian wide and full-width characters take two."""
    if text.isascii():
        return len(text)
    return sum(map(_cells, text))


def clip(text: str, cells: int) -> str:
    """Cuts text to fit `cells`, ending with `…` when cut."""
    if width(text) <= cells:
        return text
    out, used = [], 0
    for char in text:
        used += _cells(char)
        if used > cells - 1:
            break
        out.append(char)
    return "".join(out) + "…"


def pad(text: str, cells: int) -> str:
    """Pads text with spaces to `cells` terminal cells."""
    return text + " " * max(0, cells - width(text))
