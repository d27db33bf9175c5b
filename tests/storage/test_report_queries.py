"""The report's queries: the past pipeline agrees with the tables, and each period is read
through an index (a quarter of the reference store holds tens of thousands of activities)."""

from __future__ import annotations

from datetime import date

import pytest

from crm_tui.domain.periods import period_containing
from crm_tui.domain.report import window
from crm_tui.services.session import Session
from crm_tui.storage import report as store
from tests.services.report_history import write_history

STAGES = ("lead", "qualified", "proposal", "negotiation", "won", "lost")
TODAY = date(2026, 11, 26)


@pytest.fixture
def history(session: Session) -> Session:
    """The session after the two months of tests/services/report_history.py."""
    write_history(session)
    return session


def test_the_pipeline_folded_from_the_log_up_to_now_is_the_tables_pipeline(
    history: Session,
) -> None:
    seen = window(period_containing("month", TODAY), TODAY, history.tz)
    now = store.pipeline(history.store.conn, seen, None, STAGES[:-2], "JPY")
    # As if today were over and past: every op so far, read from the log.
    folded = seen._replace(as_of_hlc=(1 << 63) - 1, as_of_end="9999-12-31T00:00:00.000Z")
    assert sorted(store.pipeline(history.store.conn, folded, None, STAGES[:-2], "JPY")) == sorted(
        now
    )
    assert sorted(now) != []


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
