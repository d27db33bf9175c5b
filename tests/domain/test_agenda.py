"""Tests the next-actions rules: each item's due date and reason, and the agenda's order."""

from __future__ import annotations

from datetime import date

import pytest

from crm_tui.domain.agenda import (
    NextAction,
    Party,
    agenda,
    days_phrase,
    inquiry_action,
    invoice_action,
    quote_action,
    renewal_action,
    stale_deal_action,
    task_action,
)
from crm_tui.domain.records import Contract, Deal, Inquiry, Invoice, Quote, Task

TODAY = date(2026, 11, 26)  # a Thursday
LABOUR_THANKSGIVING = date(2026, 11, 23)  # a Monday holiday
PARTY = Party(contact="山田 太郎", contact_id="C1", company="株式会社ミナト精機")


@pytest.mark.parametrize(
    ("due", "phrase"),
    [
        (date(2026, 11, 26), "due today"),
        (date(2026, 11, 27), "due tomorrow"),
        (date(2026, 11, 29), "due in 3 days"),
        (date(2026, 11, 25), "overdue by 1 day"),
        (date(2026, 11, 24), "overdue by 2 days"),
    ],
)
def test_days_phrase_says_how_far_the_due_date_is(due: date, phrase: str) -> None:
    assert days_phrase(due, TODAY) == phrase


def test_an_overdue_task_says_by_how_much_and_carries_who_it_is_for() -> None:
    task = Task(id="T1", title="Send the brochure", due="2026-11-24")
    item = task_action(task, TODAY, PARTY)
    assert item == NextAction(
        kind="task",
        due=date(2026, 11, 24),
        title="Send the brochure",
        reason="overdue by 2 days",
        record_id="T1",
        contact="山田 太郎",
        contact_id="C1",
        company="株式会社ミナト精機",
        priority="normal",
    )


def test_a_task_due_soon_says_in_how_many_days() -> None:
    item = task_action(Task(id="T1", title="Call", due="2026-11-29"), TODAY, PARTY)
    assert (item.due, item.reason) == (date(2026, 11, 29), "due in 3 days")


@pytest.mark.parametrize("priority", ["high", "urgent"])
def test_a_pressing_task_says_its_priority(priority: str) -> None:
    task = Task(id="T1", title="Call", due="2026-11-26", priority=priority)
    item = task_action(task, TODAY, PARTY)
    assert item.reason == f"due today, {priority} priority"
    assert item.priority == priority


def test_a_task_without_a_due_date_is_due_today() -> None:
    item = task_action(Task(id="T1", title="Call"), TODAY, Party())
    assert (item.due, item.reason) == (TODAY, "due today")
    assert (item.contact, item.contact_id, item.company) == (None, None, None)


def test_a_renewal_says_when_and_whether_it_renews_itself() -> None:
    contract = Contract(id="K1", product="Support plan", renewal_on="2026-12-26", auto_renew=True)
    item = renewal_action(contract, TODAY, PARTY)
    assert (item.kind, item.due, item.title) == (
        "renewal",
        date(2026, 12, 26),
        "Renew Support plan",
    )
    assert item.reason == "renewal on 2026-12-26, in 30 days (auto-renews)"


def test_a_passed_renewal_says_how_long_ago() -> None:
    contract = Contract(id="K1", product="Support plan", renewal_on="2026-11-24")
    assert renewal_action(contract, TODAY, PARTY).reason == "renewal on 2026-11-24, 2 days ago"


def test_a_renewal_today_says_today() -> None:
    contract = Contract(id="K1", product="Support plan", renewal_on="2026-11-26")
    assert renewal_action(contract, TODAY, PARTY).reason == "renewal on 2026-11-26, today"


def test_an_unpaid_invoice_says_how_much_and_how_late() -> None:
    invoice = Invoice(id="I1", number="INV-7", amount=330000, currency="JPY", due_on="2026-11-20")
    item = invoice_action(invoice, TODAY, PARTY)
    assert (item.kind, item.due, item.title) == (
        "invoice",
        date(2026, 11, 20),
        "Collect invoice INV-7",
    )
    assert item.reason == "¥330,000 unpaid, 6 days past due"


def test_an_invoice_one_day_late_says_one_day() -> None:
    invoice = Invoice(id="I1", number="INV-7", amount=1250, currency="USD", due_on="2026-11-25")
    assert invoice_action(invoice, TODAY, PARTY).reason == "$12.50 unpaid, 1 day past due"


def test_a_quote_about_to_expire_says_when() -> None:
    quote = Quote(id="Q1", number="Q-0001", title="Model X", valid_until="2026-11-29")
    item = quote_action(quote, TODAY, PARTY)
    assert (item.kind, item.due) == ("quote", date(2026, 11, 29))
    assert item.title == "Follow up quote Q-0001 (Model X)"
    assert item.reason == "expires in 3 days"


def test_a_quote_expiring_today_says_today() -> None:
    quote = Quote(id="Q1", number="Q-0001", valid_until="2026-11-26")
    item = quote_action(quote, TODAY, PARTY)
    assert (item.title, item.reason) == ("Follow up quote Q-0001", "expires today")


def test_an_expired_sent_quote_says_what_to_do() -> None:
    quote = Quote(id="Q1", number="Q-0001", valid_until="2026-11-20")
    assert quote_action(quote, TODAY, PARTY).reason == (
        "expired 6 days ago; follow up or mark it expired"
    )


def test_a_stale_deal_is_due_stale_days_after_its_last_touch() -> None:
    deal = Deal(id="D1", title="Line 3 upgrade", stage="proposal", amount=1_000_000, currency="JPY")
    item = stale_deal_action(deal, date(2026, 11, 1), TODAY, 14, PARTY)
    assert (item.kind, item.due, item.title) == ("deal", date(2026, 11, 15), "Line 3 upgrade")
    assert item.reason == "no activity for 25 days (stage proposal, ¥1,000,000)"


def test_a_stale_deal_without_an_amount_names_only_its_stage() -> None:
    deal = Deal(id="D1", title="Line 3 upgrade", stage="lead")
    item = stale_deal_action(deal, date(2026, 11, 1), TODAY, 14, PARTY)
    assert item.reason == "no activity for 25 days (stage lead)"


def test_an_inquiry_waiting_past_the_limit_counts_business_days_only() -> None:
    inquiry = Inquiry(id="N1", subject="Machine stops at night")
    # Since Friday 20: Monday 23 is a holiday, so Tue, Wed, Thu are 3 business days.
    item = inquiry_action(inquiry, date(2026, 11, 20), TODAY, 2, {LABOUR_THANKSGIVING}, PARTY)
    assert item is not None
    assert item.kind == "inquiry"
    assert item.reason == "waiting on us for 3 business days"
    # Due 2 business days after it came in: Tuesday 24, then Wednesday 25.
    assert item.due == date(2026, 11, 25)


def test_an_inquiry_within_the_limit_is_not_an_action_yet() -> None:
    inquiry = Inquiry(id="N1", subject="Machine stops at night")
    assert (
        inquiry_action(inquiry, date(2026, 11, 20), TODAY, 3, {LABOUR_THANKSGIVING}, PARTY) is None
    )


def test_without_the_holiday_the_same_inquiry_has_waited_a_day_longer() -> None:
    inquiry = Inquiry(id="N1", subject="Machine stops at night")
    item = inquiry_action(inquiry, date(2026, 11, 20), TODAY, 3, (), PARTY)
    assert item is not None
    assert item.reason == "waiting on us for 4 business days"
    assert item.due == date(2026, 11, 25)


def test_an_urgent_inquiry_says_its_priority() -> None:
    inquiry = Inquiry(id="N1", subject="Line down", priority="urgent")
    item = inquiry_action(inquiry, date(2026, 11, 20), TODAY, 1, (), PARTY)
    assert item is not None
    assert item.reason == "waiting on us for 4 business days, urgent priority"
    assert item.priority == "urgent"


def _item(kind: str, due: date, title: str, priority: str = "normal") -> NextAction:
    return NextAction(
        kind=kind, due=due, title=title, reason="", record_id=title, priority=priority
    )


def test_the_agenda_puts_overdue_items_first_then_orders_by_kind_and_priority() -> None:
    overdue = _item("deal", date(2026, 11, 15), "stale deal")
    low_task = _item("task", TODAY, "low task", "low")
    urgent_task = _item("task", TODAY, "urgent task", "urgent")
    inquiry = _item("inquiry", TODAY, "inquiry", "urgent")
    invoice = _item("invoice", TODAY, "invoice")
    later = _item("task", date(2026, 11, 30), "later task", "urgent")
    ordered = agenda([later, invoice, low_task, inquiry, overdue, urgent_task])
    assert [i.title for i in ordered] == [
        "stale deal",
        "urgent task",
        "low task",
        "inquiry",
        "invoice",
        "later task",
    ]


def test_equal_items_are_ordered_by_title() -> None:
    items = [_item("task", TODAY, "b"), _item("task", TODAY, "a")]
    assert [i.title for i in agenda(items)] == ["a", "b"]


def test_an_empty_agenda_is_empty() -> None:
    assert agenda([]) == []
