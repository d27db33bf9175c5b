"""Tests of contract renewals as a use case: each renewal adds one term of the same length."""

from __future__ import annotations

import pytest

from crm_tui.domain.records import Contract
from crm_tui.errors import InvalidInput
from crm_tui.services.contracts import ContractInput, add_contract, renew_contract
from crm_tui.services.records import CompanyInput, add_company
from crm_tui.services.session import Session
from crm_tui.storage import queries


def _contract(session: Session, start: str, end: str, renewal: str | None = None) -> Contract:
    add_company(session, CompanyInput("Acme"))
    return add_contract(
        session, ContractInput("Acme", "Support", start=start, end=end, renewal=renewal)
    )


def _renewals(session: Session) -> list[tuple[str, str, str]]:
    rows = session.store.conn.execute(
        "SELECT previous_end, end_on, renewal_on FROM contract_renewals ORDER BY end_on"
    )
    return rows.fetchall()


def test_yearly_terms_stay_yearly_across_renewals_and_leap_years(session: Session) -> None:
    contract = _contract(session, "2026-01-01", "2026-12-31", renewal="2026-11-30")
    ends = [renew_contract(session, "Support").end_on for _ in range(3)]
    assert ends == ["2027-12-31", "2028-12-31", "2029-12-31"]
    assert _renewals(session) == [
        ("2026-12-31", "2027-12-31", "2027-11-30"),
        ("2027-12-31", "2028-12-31", "2028-11-30"),
        ("2028-12-31", "2029-12-31", "2029-11-30"),
    ]
    stored = queries.get(session.store.conn, Contract, contract.id)
    assert stored is not None
    assert (stored.start_on, stored.end_on, stored.renewal_on) == (
        "2026-01-01",
        "2029-12-31",
        "2029-11-30",
    )


def test_a_term_of_days_is_repeated_in_days(session: Session) -> None:
    _contract(session, "2026-01-10", "2026-02-20")
    assert renew_contract(session, "Support").end_on == "2026-04-03"
    assert renew_contract(session, "Support").end_on == "2026-05-15"


def test_a_renewal_to_a_date_keeps_the_renewal_lead_time(session: Session) -> None:
    _contract(session, "2026-01-01", "2026-12-31", renewal="2026-10-31")
    renewed = renew_contract(session, "Support", until="2027-06-30", value="700000")
    assert (renewed.end_on, renewed.renewal_on, renewed.value) == (
        "2027-06-30",
        "2027-04-30",
        700000,
    )


def test_a_renewal_that_does_not_extend_the_contract_is_refused(session: Session) -> None:
    _contract(session, "2026-01-01", "2026-12-31")
    with pytest.raises(InvalidInput, match="must be after the current end"):
        renew_contract(session, "Support", until="2026-12-31")
    assert _renewals(session) == []
