"""Every KPI of `crm report` on a small history written through the services, day by day, with
each expected value worked out by hand in the comments (November 2026 against October 2026).
The history is in tests/services/report_history.py; its comments say what each step moves.
"""

from __future__ import annotations

import pytest

from crm_tui.domain.report import Report
from crm_tui.services.activities import LogInput, log_activity
from crm_tui.services.report import ReportInput, build_report
from crm_tui.services.session import Session
from tests.services.report_history import TARO, deal, write_history


@pytest.fixture
def history(session: Session) -> Session:
    """The session after the two months above, on 2026-11-26."""
    write_history(session)
    return session


def test_deal_figures_of_both_months(history: Session) -> None:
    report = build_report(history)
    now, before = report.current, report.before
    assert (report.period.label, report.previous.label) == ("November 2026", "October 2026")
    # November: Press line, Tooling and Filters won (Mistake is archived), Consulting lost.
    assert (now.deals_won, now.deals_lost, now.win_rate) == (3, 1, 0.75)
    # 1,200,000 + 2,000,000 + 100,000; their mean; cycles 51, 7 and 1 days: the median is 7.
    assert now.won_amount == {"JPY": 3_300_000}
    assert now.average_deal_size == {"JPY": 1_100_000}
    assert now.sales_cycle_days == 7.0
    # October: Spare parts won after 20 days; nothing lost.
    assert (before.deals_won, before.deals_lost, before.win_rate) == (1, 0, 1.0)
    assert before.won_amount == before.average_deal_size == {"JPY": 300_000}
    assert before.sales_cycle_days == 20.0


def test_the_pipeline_now_and_at_the_end_of_the_month_before(history: Session) -> None:
    report = build_report(history)
    stages = {s.stage: (s.deals, s.amount, s.weighted) for s in report.current.pipeline}
    # Today Audit is open: negotiation, 400,000 at the stage's 80% = 320,000; and Idle, a
    # lead of 50,000 at 20% = 10,000.
    assert stages == {
        "lead": (1, {"JPY": 50_000}, {"JPY": 10_000}),
        "qualified": (0, {}, {}),
        "proposal": (0, {}, {}),
        "negotiation": (1, {"JPY": 400_000}, {"JPY": 320_000}),
    }
    assert report.current.pipeline_as_of.isoformat() == "2026-11-26"
    # At the end of October, from the op log: Press line at proposal (60%) with its amount
    # then (1,000,000, raised on 2026-11-02), Consulting a lead (20%) of $5,000; Idle as it is
    # (untouched since). Spare parts had been won; the deals made in November did not exist.
    then = {s.stage: (s.deals, s.amount, s.weighted) for s in report.before.pipeline}
    assert then["proposal"] == (1, {"JPY": 1_000_000}, {"JPY": 600_000})
    assert then["lead"] == (2, {"USD": 500_000, "JPY": 50_000}, {"USD": 100_000, "JPY": 10_000})
    assert then["qualified"] == then["negotiation"] == (0, {}, {})
    assert report.before.pipeline_value == {"JPY": 1_050_000, "USD": 500_000}
    assert report.before.pipeline_weighted == {"JPY": 610_000, "USD": 100_000}
    # JPY: 320,000 + 10,000 - 610,000; USD: 0 - 100,000.
    assert report.change["pipeline_weighted"] == {"JPY": -280_000, "USD": -100_000}


def test_customer_figures_of_both_months(history: Session) -> None:
    now, before = build_report(history).current, build_report(history).before
    # November: Acme won two deals (repeat); Beta won one and paid one invoice (one purchase
    # each way: not repeat); Kim, who has no company, paid two invoices (repeat).
    assert (now.customers_bought, now.repeat_customers, now.repeat_purchase_rate) == (3, 2, 0.6667)
    # Terms ending in November: Maintenance (11-15, not renewed), Hosting (11-30, renewed).
    assert (now.renewals_due, now.renewals_done, now.renewal_rate) == (2, 1, 0.5)
    # Unpaid past due today: INV-4 (¥200,000, due 11-19) and INV-5 ($12.50, due 11-10).
    assert (now.overdue_invoices, now.overdue_amount) == (2, {"JPY": 200_000, "USD": 1250})
    # NPS 10, 8, 7: one promoter, no detractor of three = 33; CSAT 4, 5, 2: two of three = 67.
    assert (now.nps, now.nps_answers, now.csat, now.csat_answers) == (33, 3, 67, 3)
    # October: Beta bought once; Support's term was renewed; INV-1 was due 10-25, paid later;
    # NPS 9 and 6: one promoter, one detractor = 0; CSAT 5 and 3 = 50.
    assert (before.customers_bought, before.repeat_customers, before.repeat_purchase_rate) == (
        1,
        0,
        0.0,
    )
    assert (before.renewals_due, before.renewals_done, before.renewal_rate) == (1, 1, 1.0)
    assert (before.overdue_invoices, before.overdue_amount) == (1, {"JPY": 110_000})
    assert (before.nps, before.csat) == (0, 50)


def test_activity_and_inquiry_figures_of_both_months(history: Session) -> None:
    report = build_report(history)
    now, before = report.current, report.before
    # November: two visits, Acme's meeting, two inquiries' first messages; the call retracted.
    assert now.activities == {
        "visit": 2,
        "call": 0,
        "email": 0,
        "meeting": 1,
        "inquiry": 2,
        "note": 0,
    }
    assert now.activities_total == 5
    by_day = {b.first.day: b.activities for b in now.activity_trend if b.activities}
    assert by_day == {3: 1, 4: 1, 11: 1, 20: 1, 25: 1}
    assert len(now.activity_trend) == 30
    # Cases opened: Manual request and Price list; resolved: Broken part (120 h) and Manual
    # request (6 h): the median is 63 h.
    assert (now.inquiries_opened, now.inquiries_resolved, now.resolution_hours) == (2, 2, 63.0)
    assert before.activities_total == 4  # a visit, a call, an email, Broken part's message
    assert (before.inquiries_opened, before.inquiries_resolved) == (1, 0)
    assert before.resolution_hours is None
    assert now.cadence_steps == []


def test_the_change_of_each_figure(history: Session) -> None:
    change = build_report(history).change
    assert change["win_rate"] == -0.25
    assert (change["deals_won"], change["deals_lost"]) == (2, 1)
    assert change["won_amount"] == {"JPY": 3_000_000}
    assert change["average_deal_size"] == {"JPY": 800_000}
    assert change["sales_cycle_days"] == -13.0
    assert change["repeat_purchase_rate"] == 0.6667
    assert change["renewal_rate"] == -0.5
    assert change["overdue_amount"] == {"JPY": 90_000, "USD": 1250}
    assert (change["nps"], change["csat"]) == (33, 17)
    assert change["activities"]["call"] == -1
    # No resolution in October: no change can be said.
    assert change["resolution_hours"] is None


def test_a_quarter_sums_its_months(history: Session) -> None:
    report = build_report(history, ReportInput(period="quarter"))
    now = report.current
    assert report.period.label == "2026 Q4"
    # Four won (Spare parts, Press line, Tooling, Filters), one lost.
    assert now.win_rate == 0.8
    # Beta now has two won deals too: every one of the three customers bought again.
    assert (now.customers_bought, now.repeat_customers, now.repeat_purchase_rate) == (3, 3, 1.0)
    # Support and Hosting renewed, Maintenance not.
    assert (now.renewals_due, now.renewals_done, now.renewal_rate) == (3, 2, 0.6667)
    assert now.activities_total == 9
    assert len(now.activity_trend) == 13  # weeks, the quarter's extra day in the last one
    # Nothing happened in Q3 but the deals made on 2026-09-20: no rate has a denominator.
    before = report.before
    assert before.win_rate is before.repeat_purchase_rate is before.renewal_rate is None
    assert before.nps is before.csat is None
    assert report.change["win_rate"] is None


def test_one_reps_records_only(history: Session) -> None:
    history.store.rep = "bob"
    deal(history, "Bob's deal", "999", "won", company="Beta")
    log_activity(history, LogInput("visit", TARO, "Bob's visit"))
    history.store.rep = "alice"
    everyone = build_report(history).current
    alice = build_report(history, ReportInput(owner="alice")).current
    bob = build_report(history, ReportInput(owner="bob")).current
    assert (everyone.deals_won, alice.deals_won, bob.deals_won) == (4, 3, 1)
    assert (everyone.activities_total, alice.activities_total, bob.activities_total) == (6, 5, 1)
    assert bob.win_rate == 1.0 and bob.nps is None and bob.renewal_rate is None
    assert alice.won_amount == {"JPY": 3_300_000}


def test_the_tui_figures_are_the_report_of_the_month(history: Session) -> None:
    from crm_tui.services.dashboard import today_figures

    shown: Report = today_figures(history)
    assert shown == build_report(history, ReportInput(period="month"))
