"""Provides the small history the report's figures are computed by hand on: two months of one
rep's work (October and November 2026), written through the services in time order, the
session's clock and the store's (which stamps ops) travelling together."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from crm_tui.services.activities import LogInput, log_activity, retract_activity
from crm_tui.services.contracts import ContractInput, add_contract, renew_contract
from crm_tui.services.deals import move_deal
from crm_tui.services.edit import EditInput, edit_record
from crm_tui.services.inquiries import InquiryInput, open_inquiry, set_status
from crm_tui.services.invoices import InvoiceInput, add_invoice, mark_paid
from crm_tui.services.records import (
    CompanyInput,
    ContactInput,
    DealInput,
    add_company,
    add_contact,
    add_deal,
    set_archived,
)
from crm_tui.services.session import Session
from crm_tui.services.surveys import record_survey

TARO, KIM = "taro@example.jp", "kim@example.com"


def travel(session: Session, local: str) -> None:
    """Moves the session's clock and the store's to a Tokyo time (never backwards)."""
    moment = datetime.fromisoformat(f"{local}+09:00")
    session.now = moment.astimezone(UTC)
    session.store.clock_offset_ms = int(moment.timestamp() * 1000) - time.time_ns() // 1_000_000


def deal(
    session: Session,
    title: str,
    amount: str,
    stage: str,
    *,
    company: str | None = None,
    contact: str | None = None,
    currency: str | None = None,
    probability: int | None = None,
) -> None:
    """Adds a deal at a stage (won or lost: closed today)."""
    data = DealInput(title, company, contact, amount, currency, stage, probability=probability)
    add_deal(session, data)


def write_history(session: Session) -> None:
    """Two months of one rep's work; the comments say which figure each step moves."""
    travel(session, "2026-09-20T10:00")
    add_company(session, CompanyInput("Acme"))
    add_company(session, CompanyInput("Beta"))
    add_contact(session, ContactInput("山田 太郎", company="Acme", emails=[TARO]))
    add_contact(session, ContactInput("Kim Solo", emails=[KIM]))  # a customer with no company
    deal(session, "Press line", "1000000", "qualified", company="Acme")  # D1
    deal(session, "Spare parts", "300000", "proposal", company="Beta", probability=50)  # D2
    deal(session, "Consulting", "5000", "lead", contact=KIM, currency="USD")  # D3
    deal(session, "Idle", "50000", "lead", company="Beta")  # open, never touched again
    add_contract(session, ContractInput("Acme", "Support", start="2025-11-01", end="2026-10-31"))
    add_contract(session, ContractInput("Beta", "Maintenance", "2025-11-16", "2026-11-15"))
    add_contract(session, ContractInput("Acme", "Hosting", start="2025-12-01", end="2026-11-30"))

    travel(session, "2026-10-01T09:00")
    add_invoice(session, InvoiceInput("Beta", "INV-1", "110000", "2026-10-25", issued="2026-10-01"))
    travel(session, "2026-10-05T10:00")
    move_deal(session, "Press line", "proposal")
    travel(session, "2026-10-10T10:00")
    move_deal(session, "Spare parts", "won")  # October's one win, made 20 days before
    travel(session, "2026-10-15T10:00")
    record_survey(session, TARO, 9, 5)
    record_survey(session, KIM, 6, 3)
    travel(session, "2026-10-20T10:00")
    log_activity(session, LogInput("visit", TARO, "Visit"))
    log_activity(session, LogInput("call", TARO, "Call"))
    renew_contract(session, "Support")  # the term ending 2026-10-31 is renewed
    add_invoice(session, InvoiceInput("Acme", "INV-4", "200000", "2026-11-19", issued="2026-10-20"))
    travel(session, "2026-10-21T10:00")
    log_activity(session, LogInput("email", KIM, "Brochure"))
    travel(session, "2026-10-28T10:00")
    open_inquiry(session, InquiryInput(KIM, "Broken part"))  # opened in October

    travel(session, "2026-11-01T09:00")
    add_invoice(session, InvoiceInput(KIM, "INV-2", "50000", "2026-11-15", issued="2026-11-01"))
    add_invoice(session, InvoiceInput(KIM, "INV-3", "70000", "2026-11-30", issued="2026-11-01"))
    add_invoice(
        session, InvoiceInput("Acme", "INV-5", "12.50", "2026-11-10", "USD", issued="2026-11-01")
    )
    travel(session, "2026-11-02T10:00")
    move_deal(session, "Press line", "negotiation")
    edit_record(session, "Press line", EditInput(amount="1200000"))  # after October's end
    set_status(session, "Broken part", "resolved")  # 5 days after its first message: 120 h
    travel(session, "2026-11-03T09:00")
    open_inquiry(session, InquiryInput(TARO, "Manual request"))
    travel(session, "2026-11-03T15:00")
    set_status(session, "Manual request", "resolved")  # 6 h
    travel(session, "2026-11-04T10:00")
    log_activity(session, LogInput("visit", TARO, "Visit"))
    travel(session, "2026-11-05T10:00")
    deal(session, "Tooling", "2000000", "qualified", company="Acme")  # D4
    travel(session, "2026-11-10T10:00")
    move_deal(session, "Press line", "won")  # 51 days after 2026-09-20
    travel(session, "2026-11-11T10:00")
    log_activity(session, LogInput("visit", TARO, "Visit"))
    travel(session, "2026-11-12T10:00")
    move_deal(session, "Tooling", "won")  # 7 days
    mistake = log_activity(session, LogInput("call", KIM, "Wrong number")).activity
    retract_activity(session, mistake.id, "logged by mistake")  # counts nowhere
    travel(session, "2026-11-13T10:00")
    move_deal(session, "Consulting", "lost")
    travel(session, "2026-11-14T10:00")
    deal(session, "Audit", "400000", "negotiation", company="Beta")  # D5, still open
    travel(session, "2026-11-15T10:00")
    deal(session, "Filters", "100000", "qualified", company="Beta")  # D6
    travel(session, "2026-11-16T10:00")
    move_deal(session, "Filters", "won")  # 1 day
    deal(session, "Mistake", "5000000", "won", company="Acme")
    set_archived(session, "Mistake", True)  # archived: counts nowhere
    travel(session, "2026-11-18T10:00")
    record_survey(session, TARO, 10, 4)
    travel(session, "2026-11-19T10:00")
    record_survey(session, KIM, 8, 5)
    travel(session, "2026-11-20T10:00")
    mark_paid(session, "INV-1")  # paid after October's end: overdue at 2026-10-31
    log_activity(session, LogInput("meeting", "Acme", "Review"))
    renew_contract(session, "Hosting")  # renewed before its term ends on 2026-11-30
    travel(session, "2026-11-21T10:00")
    mark_paid(session, "INV-2")
    travel(session, "2026-11-22T10:00")
    mark_paid(session, "INV-3")
    travel(session, "2026-11-24T10:00")
    record_survey(session, TARO, 7, 2)
    travel(session, "2026-11-25T09:00")
    open_inquiry(session, InquiryInput(TARO, "Price list"))  # still open
    travel(session, "2026-11-26T09:00")  # today
