"""Provides the pipeline's stage rules: which stage comes next or before, and a deal's chance.

The configured stages are the open ones in order, then won, then lost. Stepping forward from the
last open stage wins the deal; nothing comes after won or lost. Stepping back from won or lost
reopens the deal at the last open stage; nothing comes before the first open stage. Losing a deal
is its own action (it takes a reason), never a step.
"""

from __future__ import annotations

from collections.abc import Sequence

from crm_tui.domain import kpis


def next_stage(stage: str, stages: Sequence[str]) -> str | None:
    """The stage after `stage` (the last open stage leads to won), or None when closed."""
    open_stages = stages[:-2]
    if stage not in open_stages:
        return None
    index = open_stages.index(stage)
    return open_stages[index + 1] if index + 1 < len(open_stages) else stages[-2]


def previous_stage(stage: str, stages: Sequence[str]) -> str | None:
    """The stage before `stage` (won and lost reopen at the last open stage), or None."""
    open_stages = stages[:-2]
    if stage in stages[-2:]:
        return open_stages[-1]
    if stage not in open_stages:
        return None
    index = open_stages.index(stage)
    return open_stages[index - 1] if index > 0 else None


def chance(probability: int | None, stage: str, stages: Sequence[str]) -> int:
    """A deal's chance of closing in percent: its own, else 100 when won, else the stage's."""
    if probability is not None:
        return probability
    if stage == stages[-2]:
        return 100
    return kpis.default_probability(stage, stages[:-2])
