"""Provides the command line's output: safe text, aligned tables for people, JSON for scripts.

Quick commands print without Rich: importing it costs more than a whole `crm next-actions`
run may take. Text from users, cards or other reps is never interpreted: control characters and
escape sequences are shown as visible `\\x1b`-style codes, and nothing is markup.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from typing import Any

from crm_tui.domain.dates import local_time
from crm_tui.domain.describe import readable
from crm_tui.domain.terminal_text import BIDI, clip, pad, safe, width

__all__ = ["clip", "local_time", "pad", "readable", "safe", "width"]


def terminal_width() -> int | None:
    """The terminal's width, or None when output goes to a file or a pipe (nothing is cut)."""
    if not sys.stdout.isatty():
        return None
    return max(40, shutil.get_terminal_size((120, 24)).columns)


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    flexible: int = -1,
    right: Sequence[int] = (),
) -> None:
    """Prints aligned columns (those in `right` flush right, for amounts); on a terminal the
    `flexible` column shrinks to fit."""
    if not rows:
        return
    cells = [[safe(c) for c in row] for row in rows]
    sizes = [[width(c) for c in row] for row in cells]
    widths = [max(width(h), *(size[i] for size in sizes)) for i, h in enumerate(headers)]
    available = terminal_width()
    spare = 0 if available is None else available - (sum(widths) + 2 * (len(widths) - 1))
    if spare < 0:
        flex = flexible % len(widths)
        widths[flex] = max(8, widths[flex] + spare)
    flush_right = [i in right for i in range(len(widths))]
    header = [
        " " * (widths[i] - width(h)) + h if flush_right[i] else pad(h, widths[i])
        for i, h in enumerate(headers)
    ]
    lines = ["  ".join(header).rstrip()]
    for row, size in zip(cells, sizes, strict=True):
        parts = []
        for column, (text, cells_used, room) in enumerate(zip(row, size, widths, strict=True)):
            if cells_used > room:
                text = clip(text, room)
                cells_used = width(text)
            gap = " " * (room - cells_used)
            parts.append(gap + text if flush_right[column] else text + gap)
        lines.append("  ".join(parts).rstrip())
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
_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in (*range(0x7F, 0xA0), *BIDI)}


def emit_json(data: Any) -> None:
    """Prints JSON with stable keys; control characters arrive escaped."""
    import json  # here: most commands print for people, and json takes a millisecond to load

    write(json.dumps(data, ensure_ascii=False, indent=2, default=str).translate(_JSON_ESCAPES))


def _quiet_pipe() -> None:
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    raise SystemExit(0)


def short_id(record_id: str) -> str:
    """The id as shown in tables (12 characters: enough to tell records apart)."""
    from crm_tui.domain.ids import SHORT_ID_LENGTH

    return record_id[:SHORT_ID_LENGTH]
