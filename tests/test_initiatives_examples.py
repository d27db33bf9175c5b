"""The examples of the initiatives issue (segments, cadences, scores, report), run as written."""

from __future__ import annotations

from pathlib import Path

from tests.cli.cadence_support import WELCOME
from tests.conftest import Crm


def test_the_issue_examples_work_as_written(crm: Crm, isolated: Path) -> None:
    crm(
        "add",
        "company",
        "株式会社ミナト精機",
        "--industry",
        "manufacturing",
        "--prefecture",
        "東京都",
    )
    crm(
        "add",
        "contact",
        "佐藤 健一",
        "--email",
        "ken@example.jp",
        "--title",
        "営業部長",
        "--company",
        "株式会社ミナト精機",
        "--consent",
    )
    # Someone the segment must leave out.
    crm("add", "contact", "鈴木 花子", "--email", "hanako@example.jp", "--title", "課長")

    crm("segment", "save", "bucho", 'title ~ "部長"')
    members = crm("ls", "contacts", "--segment", "bucho", "--json").json()
    assert [m["display_name"] for m in members] == ["佐藤 健一"]

    (isolated / "welcome.toml").write_text(WELCOME, encoding="utf-8")
    crm("cadence", "add", str(isolated / "welcome.toml"))
    crm("cadence", "enrol", "welcome", "ken@example.jp")
    agenda = crm("next-actions", "--json").json()
    day_zero = [a for a in agenda if a["title"] == "ご来場ありがとうございました"]
    assert len(day_zero) == 1
    assert (day_zero[0]["due"], day_zero[0]["contact"]) == ("2026-11-26", "佐藤 健一")

    crm(
        "add",
        "deal",
        "Line 3 retrofit",
        "--company",
        "株式会社ミナト精機",
        "--amount",
        "1200000",
        "--currency",
        "JPY",
    )
    crm("deal", "stage", "Line 3 retrofit", "won")
    crm("survey", "ken@example.jp", "--nps", "9", "--csat", "5")

    report = crm("report", "--period", "quarter", "--json").json()
    assert {"current", "previous"} <= set(report)
    current, previous = report["current"], report["previous"]
    # One deal closed this quarter, and it was won.
    assert current["win_rate"] == 1
    # One customer bought once: nobody bought twice.
    assert current["repeat_purchase_rate"] == 0
    # No contract was due for renewal: the rate has no denominator.
    assert current["renewal_rate"] is None
    # One promoter (9) of one answer; one 5 of one answer.
    assert current["nps"] == 100
    assert current["csat"] == 100
    assert "pipeline_weighted" in current
    # Nothing happened last quarter: every rate is null, never 0.
    for rate in ("win_rate", "repeat_purchase_rate", "renewal_rate", "nps", "csat"):
        assert previous[rate] is None, rate
