"""Provides the command line's output: safe text, aligned tables for people, JSON for scripts.

Quick commands print without Rich: importing it costs more than a whole `crm next-actions`
run may take. Text from users, cards or other reps is never interpreted: control characters and
escape sequences are shown as visible `\\x1b`-style codes, and nothing is markup.
"""

from __future__ import annotations

import json
import shutil
import sys
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any

# Bidirectional overrides and isolates can reorder what a terminal shows (Trojan Source).
_BIDI = {*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C}


def _visible(char: str) -> str:
    code = ord(char)
    if code < 0x20 or 0x7F <= code < 0xA0:
        return f"\\x{code:02x}"
    if code in _BIDI:
        return f"\\u{code:04x}"
    return char


def safe(text: object, *, one_line: bool = True) -> str:
    """Text made harmless for a terminal; newlines become `⏎` unless `one_line` is False."""
    if text is None:
        return ""
    value = str(text)
    if value.isprintable() and not any(ord(c) in _BIDI for c in value):
        return value
    out = []
    for char in value:
        if char == "\n" and not one_line:
            out.append(char)
        elif char == "\n":
            out.append(" ⏎ ")
        elif char == "\t":
            out.append("    " if not one_line else " ")
        else:
            out.append(_visible(char))
    return "".join(out)


def width(text: str) -> int:
    """Terminal cells taken by text: East Asian wide and full-width characters take two."""
    if text.isascii():
        return len(text)
    total = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        total += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    return total


def clip(text: str, cells: int) -> str:
    """Cuts text to fit `cells`, ending with `…` when cut."""
    if width(text) <= cells:
        return text
    out, used = [], 0
    for char in text:
        w = 2 if unicodedata.east_asian_width(char) in "WF" else 1
        if used + w > cells - 1:
            break
        out.append(char)
        used += w
    return "".join(out) + "…"


def pad(text: str, cells: int) -> str:
    """Pads text with spaces to `cells` terminal cells."""
    return text + " " * max(0, cells - width(text))


def terminal_width() -> int:
    """The terminal's width, or 120 when output is not a terminal."""
    if not sys.stdout.isatty():
        return 120
    return max(40, shutil.get_terminal_size((120, 24)).columns)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, flexible: int = -1) -> None:
    """Prints aligned columns; the `flexible` column shrinks to fit the terminal."""
    if not rows:
        return
    cells = [[safe(c) for c in row] for row in rows]
    widths = [max(width(h), *(width(r[i]) for r in cells)) for i, h in enumerate(headers)]
    spare = terminal_width() - (sum(widths) + 2 * (len(widths) - 1))
    flex = flexible % len(widths)
    if spare < 0:
        widths[flex] = max(8, widths[flex] + spare)
    lines = ["  ".join(pad(h, widths[i]) for i, h in enumerate(headers)).rstrip()]
    for row in cells:
        lines.append(
            "  ".join(pad(clip(c, widths[i]), widths[i]) for i, c in enumerate(row)).rstrip()
        )
    write("\n".join(lines))


def write(text: str = "") -> None:
    """Prints a line to stdout (data), tolerating a closed pipe."""
    try:
        sys.stdout.write(text + "\n")
    except BrokenPipeError:
        _quiet_pipe()


def note(text: str) -> None:
    """Prints a message for people to stderr (confirmations, hints), so stdout stays data."""
    sys.stderr.write(text + "\n")


# json.dumps escapes only C0 controls; DEL, C1 controls (0x9b is a one-byte CSI) and bidi
# overrides would reach the terminal raw. Escaping them keeps the JSON equal and harmless.
_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in (*range(0x7F, 0xA0), *_BIDI)}


def emit_json(data: Any) -> None:
    """Prints JSON with stable keys; control characters arrive escaped."""
    write(json.dumps(data, ensure_ascii=False, indent=2, default=str).translate(_JSON_ESCAPES))


def _quiet_pipe() -> None:
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    raise SystemExit(0)


def local_time(instant: str | None, tz: Any = None) -> str:
    """A stored UTC instant shown in the local zone as `2026-11-20 14:00`."""
    if not instant:
        return ""
    moment = datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(tz)
    return moment.strftime("%Y-%m-%d %H:%M")


def short_id(record_id: str) -> str:
    """The id as shown in tables (12 characters: enough to tell records apart)."""
    from crm_tui.domain.ids import SHORT_ID_LENGTH

    return record_id[:SHORT_ID_LENGTH]
