"""Provides moving deals through the pipeline's stages."""

from __future__ import annotations

from typing import Any

from crm_tui.domain.records import Deal
from crm_tui.errors import InvalidInput
from crm_tui.services import values as check
from crm_tui.services.references import load
from crm_tui.services.session import Session


def check_stage(session: Session, stage: str) -> str:
    """Checks a stage name against the configured pipeline."""
    return check.choice(stage, session.config.deal_stages, "deal stage")


def move_deal(session: Session, reference: str, stage: str, lost_reason: str | None = None) -> Deal:
    """Moves a deal to a stage; reaching won or lost sets the closed date, reopening clears it."""
    deal = load(session, reference, ("deal",))
    assert isinstance(deal, Deal)
    new_stage = check_stage(session, stage)
    closed = (session.config.won_stage, session.config.lost_stage)
    if lost_reason and new_stage != session.config.lost_stage:
        raise InvalidInput("--lost-reason only applies when a deal moves to the lost stage.")
    changes: dict[str, Any] = {"stage": new_stage}
    if new_stage in closed and deal.stage not in closed:
        changes["closed_on"] = session.today.isoformat()
    elif new_stage not in closed:
        changes["closed_on"] = None
        if deal.stage in closed:
            # Reopened: the won (100) or lost (0) probability no longer says anything.
            changes["probability"] = None
    if new_stage == session.config.won_stage:
        changes["probability"] = 100
    elif new_stage == session.config.lost_stage:
        changes["probability"] = 0
        if lost_reason:
            changes["lost_reason"] = check.text(lost_reason, "lost reason")
    with session.store.write() as writer:
        moved = writer.update(Deal, deal.id, changes)
        if new_stage in closed and deal.stage != new_stage:
            # Won or lost: the people it was for leave their cadences.
            from crm_tui.services.cadences import deal_closed

            won = new_stage == session.config.won_stage
            deal_closed(session, writer, moved, "won" if won else "lost")
        return moved
