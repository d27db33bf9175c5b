"""Provides charts for the terminal in plain Unicode block characters: bars, sparklines, and
the ▲/▼ of a change, coloured only on a terminal that wants colour (NO_COLOR, pipes, `dumb`)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

_EIGHTHS = " ▏▎▍▌▋▊▉█"
_LEVELS = "▁▂▃▄▅▆▇█"
_GREEN, _RED, _RESET = "\x1b[32m", "\x1b[31m", "\x1b[0m"


def bar(value: float, largest: float, cells: int) -> str:
    """A horizontal bar of `value` out of `largest`, `cells` wide at most, to an eighth of a cell;
    any value above zero shows at least a sliver."""
    if value <= 0 or largest <= 0:
        return ""
    eighths = max(1, round(8 * cells * min(value, largest) / largest))
    full, rest = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[rest] if rest else "")


def sparkline(values: Sequence[float]) -> str:
    """One block per value, its height relative to the largest; all zero is a flat line."""
    top = max(values, default=0)
    if top <= 0:
        return _LEVELS[0] * len(values)
    return "".join(_LEVELS[min(7, round(7 * v / top))] if v > 0 else " " for v in values)


def colour_wanted() -> bool:
    """Whether to colour output: stdout is a terminal, NO_COLOR is unset and TERM is not dumb."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return sys.stdout.isatty()


def arrow(difference: float | None, better: str | None, colour: bool) -> str:
    """▲ for a rise, ▼ for a fall, = for none; green when it is the `better` way ("up" or
    "down"), red when not, plain when neither way is better or colour is off."""
    if difference is None:
        return ""
    if difference == 0:
        return "="
    up = difference > 0
    mark = "▲" if up else "▼"
    if not colour or better is None:
        return mark
    good = up == (better == "up")
    return f"{_GREEN if good else _RED}{mark}{_RESET}"
