"""Provides the Today figures: the pipeline by stage, this month's activity and the KPIs."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from crm_tui.domain import kpis
from crm_tui.domain.dates import utc_iso
from crm_tui.domain.records import Deal
from crm_tui.services.session import Session
from crm_tui.storage import dashboard as store
from crm_tui.storage import queries


class StageTotal(NamedTuple):
    """One pipeline stage: how many open deals, their value and their weighted value."""

    stage: str
    deals: int
    amount: dict[str, int]
    weighted: dict[str, int]


class Month(NamedTuple):
    """This month's activity per day, and the KPIs for it beside last month's."""

    first: date
    per_day: list[int]
    activities: int
    activities_before: int
    won: int
    lost: int
    win_rate: int | None
    win_rate_before: int | None
    nps: int | None
    csat: int | None
    surveys: int


def pipeline_summary(session: Session) -> list[StageTotal]:
    """Open deals per stage with amounts and weighted amounts per currency, in stage order."""
    stages = session.config.open_stages
    with session.store.read():
        deals = queries.select(
            session.store.conn,
            Deal,
            where=[f"stage IN ({', '.join('?' * len(stages))})"],
            params=list(stages),
        )
    totals = {stage: StageTotal(stage, 0, {}, {}) for stage in stages}
    for deal in deals:
        row = totals[deal.stage]
        code = deal.currency or session.config.currency
        chance = deal.probability
        if chance is None:
            chance = kpis.default_probability(deal.stage, stages)
        row.amount[code] = row.amount.get(code, 0) + (deal.amount or 0)
        row.weighted[code] = row.weighted.get(code, 0) + kpis.weighted(deal.amount, chance)
        totals[deal.stage] = row._replace(deals=row.deals + 1)
    return list(totals.values())


def this_month(session: Session) -> Month:
    """Activities per day this month (to today) and the KPIs of this month and the last."""
    today = session.today
    first = today.replace(day=1)
    before = (first - timedelta(days=1)).replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    conn = session.store.conn
    with session.store.read():
        times = store.activity_times(conn, _utc(session, first), _utc(session, next_month))
        earlier = store.activity_times(conn, _utc(session, before), _utc(session, first))
        closed = store.closed_deals(conn, first.isoformat(), today.isoformat())
        closed_before = store.closed_deals(
            conn, before.isoformat(), (first - timedelta(days=1)).isoformat()
        )
        surveys = store.survey_scores(conn, _utc(session, first), _utc(session, next_month))
    days = Counter(_local_day(session, at) for at in times)
    won_stage, lost_stage = session.config.won_stage, session.config.lost_stage
    won, lost = closed.get(won_stage, 0), closed.get(lost_stage, 0)
    return Month(
        first=first,
        per_day=[days.get(first + timedelta(days=n), 0) for n in range(today.day)],
        activities=len(times),
        activities_before=len(earlier),
        won=won,
        lost=lost,
        win_rate=kpis.win_rate(won, lost),
        win_rate_before=kpis.win_rate(
            closed_before.get(won_stage, 0), closed_before.get(lost_stage, 0)
        ),
        nps=kpis.nps(n for n, _ in surveys if n is not None),
        csat=kpis.csat(c for _, c in surveys if c is not None),
        surveys=len(surveys),
    )


def _utc(session: Session, day: date) -> str:
    """Local midnight at the start of `day`, as a UTC instant."""
    return utc_iso(datetime.combine(day, time(0), tzinfo=session.tz).astimezone(UTC))


def _local_day(session: Session, instant: str) -> date:
    return datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(session.tz).date()
