"""Provides the KPI report (`crm report` and the TUI's Today): a period's figures beside the
period before's, from local data. docs/report.md defines every figure."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from crm_tui.domain.periods import (
    DEFAULT_PERIOD,
    Period,
    custom_period,
    period_containing,
    previous_period,
)
from crm_tui.domain.report import Figures, Report, change, figures, window
from crm_tui.errors import InvalidInput, NotFound
from crm_tui.services.session import Session
from crm_tui.storage import report as store
from crm_tui.storage.cadences import step_conversion


class ReportInput(NamedTuple):
    """What `crm report` takes: a kind of period, or a range of dates, and maybe a rep."""

    period: str | None = None
    start: str | None = None
    end: str | None = None
    owner: str | None = None


def build_report(session: Session, data: ReportInput | None = None) -> Report:
    """The report of the period asked for (by default the month containing today)."""
    data = data or ReportInput()
    period = choose_period(session, data)
    earlier = previous_period(period)
    owner = data.owner.strip() if data.owner is not None else None
    with session.store.read() as conn:
        if owner is not None and not store.has_records(conn, owner):
            known = ", ".join(store.owners(conn)) or "none yet"
            raise NotFound(f"No record here is owned by {owner!r}; reps with records: {known}.")
        current = _figures(session, period, owner)
        before = _figures(session, earlier, owner)
    return Report(period, earlier, owner, session.today, current, before, change(current, before))


def choose_period(session: Session, data: ReportInput) -> Period:
    """The period asked for: `--from`/`--to`, else `--period`, else the default."""
    if data.start is None and data.end is None:
        kind = (data.period or DEFAULT_PERIOD).strip().lower()
        return period_containing(kind, session.today)
    if data.period is not None:
        raise InvalidInput("Give either --period or --from/--to, not both.")
    if data.start is None:
        raise InvalidInput("--to needs --from: say where the period starts.")
    first = _day(session, data.start, "--from")
    last = _day(session, data.end, "--to") if data.end is not None else session.today
    return custom_period(first, last)


def _day(session: Session, text: str, option: str) -> date:
    from crm_tui.services.values import day

    try:
        return day(session, text)
    except InvalidInput as error:
        raise InvalidInput(f"{option}: {error}") from None


def _figures(session: Session, period: Period, owner: str | None) -> Figures:
    config = session.config
    seen = window(period, session.today, session.tz)
    facts = store.gather(session.store.conn, seen, owner, config.deal_stages, config.currency)
    as_of = date.fromisoformat(seen.as_of)
    steps = step_conversion(
        session.store.conn,
        since=period.first.isoformat(),
        until=period.last.isoformat(),
        tz=session.tz,
        owner=owner,
    )
    made = figures(facts, period, as_of, config.deal_stages, session.tz)
    # Only the steps someone reached in the period: a cadence nobody is in says nothing.
    return made._replace(cadence_steps=[step._asdict() for step in steps if step.reached])
