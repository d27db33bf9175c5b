"""The report's queries: the past pipeline agrees with the domain's fold of the op log, and each
period is read through an index (a quarter of the reference store holds tens of thousands of
activities)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from crm_tui.domain import kpis
from crm_tui.domain.materialise import record_from_state
from crm_tui.domain.ops import fold_entity
from crm_tui.domain.periods import Period, period_containing
from crm_tui.domain.pipeline import chance
from crm_tui.domain.records import Deal
from crm_tui.domain.report import PipelineRow, window
from crm_tui.services.session import Session
from crm_tui.storage import report as store
from crm_tui.storage.oplog import ops_of
from tests.services.report_history import write_history

STAGES = ("lead", "qualified", "proposal", "negotiation", "won", "lost")
TODAY = date(2026, 11, 26)


@pytest.fixture
def history(session: Session) -> Session:
    """The session after the two months of tests/services/report_history.py."""
    write_history(session)
    return session


def folded_pipeline(session: Session, limit: int) -> list[PipelineRow]:
    """The pipeline at stamp `limit` by the domain's own fold of each deal's ops (the rule the
    tables are made by), summed in Python: what the SQL must agree with."""
    conn, open_stages = session.store.conn, STAGES[:-2]
    totals: dict[tuple[str, str], tuple[int, int, int]] = {}
    for (deal_id,) in conn.execute("SELECT id FROM deals").fetchall():
        ops = [op for op in ops_of(conn, deal_id) if op.hlc <= limit]
        if not ops:
            continue
        deal = record_from_state(fold_entity("deal", deal_id, ops))
        assert isinstance(deal, Deal)
        if deal.archived or deal.stage not in open_stages:
            continue
        key = (deal.stage, deal.currency or "JPY")
        weighted = kpis.weighted(deal.amount, chance(deal.probability, deal.stage, STAGES))
        count, amount, total = totals.get(key, (0, 0, 0))
        totals[key] = (count + 1, amount + (deal.amount or 0), total + weighted)
    return sorted(PipelineRow(*key, *sums) for key, sums in totals.items())


def test_the_pipeline_at_the_end_of_each_past_day_is_the_fold_of_the_log(
    history: Session,
) -> None:
    day, checked = date(2026, 9, 20), 0
    while day < TODAY:
        seen = window(Period("custom", day, day), TODAY, history.tz)
        assert seen.as_of_hlc is not None
        expected = folded_pipeline(history, seen.as_of_hlc)
        got = sorted(store.pipeline(history.store.conn, seen, None, STAGES[:-2], "JPY"))
        assert got == expected, day
        checked += bool(expected)
        day += timedelta(days=1)
    assert checked > 60


def test_every_query_of_a_period_uses_an_index(history: Session) -> None:
    conn = history.store.conn
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        for kind in ("month", "quarter"):
            period = period_containing(kind, date(2026, 10, 1))
            store.gather(conn, window(period, TODAY, history.tz), "alice", STAGES, "JPY")
    finally:
        conn.set_trace_callback(None)
    plans = []
    for sql in statements:
        if sql.lstrip().upper().startswith(("WITH", "SELECT")):
            plans += [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
    assert any("USING INDEX activities_at" in step for step in plans)
    assert any("USING INDEX deals_closed" in step for step in plans)
    assert any("USING INDEX surveys_at" in step for step in plans)
    assert any("USING INDEX ops_entity" in step for step in plans)
    # Whole tables read only where they are small (deals, contracts, invoices, inquiries).
    scanned = {step.split()[1] for step in plans if step.startswith("SCAN ") and " " in step}
    assert not scanned & {"a", "o", "s", "activities", "ops", "surveys"}, plans
