"""Provides the TUI's Today figures: the report of the current period, as `crm report` has it."""

from __future__ import annotations

from crm_tui.domain.report import Report
from crm_tui.services.report import build_report
from crm_tui.services.session import Session


def today_figures(session: Session) -> Report:
    """The report of the default period (the month containing today): the same service and
    the same numbers as `crm report` without options."""
    return build_report(session)
