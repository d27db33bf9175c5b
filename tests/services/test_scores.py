"""Tests of scores on a real store: the SQL aggregate equals the explained terms, ages count
local dates, and a company's score gathers its people's engagement."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_tui.config import load_config
from crm_tui.services.scores import company_scores, contact_scores, explain, frame
from crm_tui.services.session import Session
from crm_tui.storage import scores as store
from tests.conftest import Crm


@pytest.fixture
def minato(crm: Crm) -> dict[str, str]:
    """ミナト精機 (300-999 people) and 佐藤 健一, 営業部長, with engagement of known ages."""
    crm(
        "add", "company", "株式会社ミナト精機", "--industry", "manufacturing",
        "--size", "300-999", "--prefecture", "東京都",
    )  # fmt: skip
    sato = crm(
        "add", "contact", "佐藤 健一", "--title", "営業部長", "--company", "株式会社ミナト精機",
        "--email", "ken@example.jp", "--lifecycle", "prospect", "--json",
    ).json()["id"]  # fmt: skip
    crm("log", "visit", "ken@example.jp", "Line 3 demo", "--at", "2026-11-14 10:00")  # 12 days
    crm("log", "email", "ken@example.jp", "Re: brochure", "--inbound", "--at", "2026-10-12 18:00")
    crm("log", "visit", "ken@example.jp", "First visit", "--at", "2025-10-22 10:00")  # 400 days
    gone = crm("log", "visit", "ken@example.jp", "Wrong person", "--at", "yesterday", "--json")
    crm("retract", gone.json()["activity"]["id"])
    crm("survey", "ken@example.jp", "--nps", "9")  # today
    crm("quote", "new", "ken@example.jp", "--title", "Retrofit")  # today
    other = crm("add", "contact", "田中 一郎", "--company", "Other KK", "--json").json()["id"]
    crm("log", "visit", "田中", "Elsewhere", "--at", "2026-11-20 10:00")
    company = crm("ls", "companies", "--json").json()
    ids = {c["name"]: c["id"] for c in company}
    return {"sato": sato, "tanaka": other, "minato": ids["株式会社ミナト精機"]}


def test_a_contact_scores_fit_and_decayed_engagement(
    session: Session, minato: dict[str, str]
) -> None:
    result = explain(session, "ken@example.jp")
    assert [(t.name, t.tenths) for t in result.terms] == [
        ("title", 100),  # 部長
        ("size", 80),  # 300-999: at least 300 people
        ("survey answer", 40),  # today, like the quote: the earlier-made first
        ("quote", 80),
        ("visit", 91),  # 10 × 0.5^(12/90)
        ("inbound email", 49),  # (2 + 5) × 0.5^(45/90)
    ]
    # The retracted visit and the one older than the year's lookback count nothing.
    assert result.tenths == 440


def test_the_sql_aggregate_equals_the_explained_terms(
    session: Session, minato: dict[str, str]
) -> None:
    explained = explain(session, "ken@example.jp").tenths
    assert contact_scores(session, [minato["sato"]]) == {minato["sato"]: explained}
    everyone = contact_scores(session, [minato["sato"], minato["tanaka"]], every=True)
    assert everyone == {minato["sato"]: 440, minato["tanaka"]: 95}  # 10 × 0.5^(6/90)


def test_a_company_gathers_its_own_and_its_peoples_engagement(
    crm: Crm, session: Session, minato: dict[str, str]
) -> None:
    crm("log", "call", "株式会社ミナト精機", "Reception", "--at", "2026-11-26 08:00")
    result = explain(session, "株式会社ミナト精機")
    assert result.part("fit") == 80  # size only: a company has no title
    assert result.part("engagement") == 260 + 40  # 佐藤's facts and the company's own call
    assert company_scores(session, [minato["minato"]]) == {minato["minato"]: 380}
    assert company_scores(session, [minato["minato"]], every=True)[minato["minato"]] == 380
    # The call was with the company, not with 佐藤.
    assert explain(session, "ken@example.jp").tenths == 440


def test_a_fact_counts_from_its_local_date(crm: Crm, session: Session) -> None:
    crm("add", "contact", "山田 太郎", "--email", "taro@example.jp")
    crm("log", "call", "taro@example.jp", "Late call", "--at", "2026-11-25 23:59")
    crm("log", "call", "taro@example.jp", "Early call", "--at", "2026-11-26 00:00")
    crm("log", "call", "taro@example.jp", "Early yesterday", "--at", "2026-11-25 00:00")
    who = explain(session, "taro@example.jp").id
    ages = {
        f.label: f.age_days for f in store.facts(session.store.conn, frame(session), "contact", who)
    }
    assert ages == {"Late call": 1, "Early call": 0, "Early yesterday": 1}


def test_the_lookback_keeps_facts_of_exactly_a_year_ago(crm: Crm, session: Session) -> None:
    crm("add", "contact", "山田 太郎", "--email", "taro@example.jp")
    crm("log", "visit", "taro@example.jp", "A year ago", "--at", "2025-11-26 10:00")
    crm("log", "visit", "taro@example.jp", "A year and a day ago", "--at", "2025-11-25 10:00")
    result = explain(session, "taro@example.jp")
    # 10 × 0.5^(365/90) = 0.60
    assert [(t.fact, t.tenths) for t in result.terms] == [("visit 365 days ago: A year ago", 6)]


def test_weights_from_the_config_change_the_score(
    crm: Crm, isolated: Path, minato: dict[str, str]
) -> None:
    (isolated / "config.toml").write_text(
        "[score]\nhalf_life_days = 12\nquote = 0\nsurvey = 10\n"
        "[score.activity]\nvisit = 20\n[score.industry]\nManufacturing = 7\n"
        '[score.title]\n"営業" = 3\n[score.region]\n"東京都" = 2.5\n',
        encoding="utf-8",
    )
    assert load_config().score.title == (("営業", 3.0),)
    from crm_tui.services.session import open_session

    session = open_session()
    try:
        terms = {t.name: t.tenths for t in explain(session, "ken@example.jp").terms}
    finally:
        session.close()
    assert terms == {
        "title": 30,  # the configured patterns replace the defaults
        "industry": 70,
        "size": 80,
        "region": 25,
        "survey answer": 100,
        "visit": 100,  # 20 × 0.5^(12/12)
        "inbound email": 5,  # (2 + 5) × 0.5^(45/12) = 0.52
    }


def test_the_scores_of_a_few_people_read_only_the_activity_indexes(
    session: Session, minato: dict[str, str]
) -> None:
    # next-actions scores hundreds of tied parties: their activities must not be read row by
    # row from the table (a tenfold difference on the reference store).
    conn = session.store.conn
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        contact_scores(session, [minato["sato"]])
        company_scores(session, [minato["minato"]])
    finally:
        conn.set_trace_callback(None)
    queries = [q for q in seen if "FROM activities" in q]
    plans = [" ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {q}")) for q in queries]
    assert len(plans) == 2
    assert "SEARCH x USING COVERING INDEX activities_contact" in plans[0]
    assert "USING COVERING INDEX activities_company" in plans[1]
    assert "USING COVERING INDEX activities_contact" in plans[1]  # people with no company set
