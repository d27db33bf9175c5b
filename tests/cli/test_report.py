"""`crm report` as a user runs it: the issue's example, the JSON keys, the charts, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_tui.cli import charts
from tests.cli.support import fails
from tests.conftest import Crm


@pytest.fixture
def sold(crm: Crm) -> None:
    """The issue's example: a company, its 部長, a deal won today and a survey answer."""
    crm("add", "company", "株式会社ミナト精機", "--industry", "manufacturing")
    crm(
        "add", "contact", "佐藤 健一", "--email", "ken@example.jp", "--title", "営業部長",
        "--company", "株式会社ミナト精機", "--consent",
    )  # fmt: skip
    crm(
        "add", "deal", "Line 3 retrofit", "--company", "株式会社ミナト精機",
        "--amount", "1200000", "--currency", "JPY",
    )  # fmt: skip
    crm("deal", "stage", "Line 3 retrofit", "won")
    crm("survey", "ken@example.jp", "--nps", "9", "--csat", "5")


@pytest.mark.usefixtures("sold")
def test_the_issue_example_counts_todays_win_in_this_quarter(crm: Crm) -> None:
    data = crm("report", "--period", "quarter", "--json").json()
    assert set(data) == {"period", "current", "previous", "change"}
    assert data["period"]["label"] == "2026 Q4"
    assert (data["period"]["first"], data["period"]["last"]) == ("2026-10-01", "2026-12-31")
    assert data["period"]["previous"]["label"] == "2026 Q3"
    now = data["current"]
    assert now["win_rate"] == 1.0
    assert now["won_amount"] == {"JPY": 1200000}
    # One customer bought once: a rate of 0, not null. No contract was due: null.
    assert now["repeat_purchase_rate"] == 0.0
    assert now["renewal_rate"] is None
    assert (now["nps"], now["csat"]) == (100, 100)
    assert now["pipeline_weighted"] == {}
    assert now["cadence_steps"] == []
    # Nothing before: every rate is null and so is its change.
    assert data["previous"]["win_rate"] is None and data["previous"]["nps"] is None
    assert data["change"]["win_rate"] is None
    assert data["change"]["deals_won"] == 1


@pytest.mark.usefixtures("sold")
def test_the_default_period_is_the_month_containing_today(crm: Crm) -> None:
    data = crm("report", "--json").json()
    assert data["period"]["kind"] == "month"
    assert data["period"]["label"] == "November 2026"
    assert data["period"]["today"] == "2026-11-26"
    assert data["period"]["owner"] is None
    assert len(data["current"]["activity_trend"]) == 30
    assert data["current"]["activities"]["visit"] == 0


@pytest.mark.usefixtures("sold")
def test_a_custom_period_is_compared_with_as_many_days_before(crm: Crm) -> None:
    data = crm("report", "--from", "2026-11-20", "--to", "2026-11-29", "--json").json()
    assert data["period"]["kind"] == "custom"
    previous = data["period"]["previous"]
    assert (previous["first"], previous["last"]) == ("2026-11-10", "2026-11-19")
    # --from alone runs to today.
    alone = crm("report", "--from", "2026-11-01", "--json").json()["period"]
    assert alone["last"] == "2026-11-26"


@pytest.mark.usefixtures("sold")
def test_the_human_report_draws_bars_and_sparklines_and_shows_dashes(crm: Crm) -> None:
    out = crm("report", "--period", "quarter").out
    assert "Report: 2026 Q4 (2026-10-01..2026-12-31), compared with 2026 Q3" in out
    win = next(line for line in out.splitlines() if line.strip().startswith("Win rate"))
    assert win.split()[2:] == ["100.0%", "–", "–"]
    assert "Won (JPY)" in out and "¥1,200,000" in out
    assert "NPS" in out and "+100" in out
    assert "Activities per week" in out
    assert "Cadence step conversion  –" in out
    # Not a terminal: no colour codes at all.
    assert "\x1b" not in out


def test_stage_names_from_the_config_are_printed_as_text(crm: Crm, isolated: Path) -> None:
    (isolated / "config.toml").write_text(
        'deal_stages = ["cold\\u001b[2J", "won", "lost"]\n', encoding="utf-8"
    )
    crm("add", "company", "Acme")
    crm("add", "deal", "Big one", "--company", "Acme", "--amount", "100")
    out = crm("report").out
    assert "\x1b" not in out
    assert "cold\\x1b[2J" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "2026-13-01"), "--from: '2026-13-01' is not a date"),
        (("--from", "2026-11-01", "--to", "soon"), "--to: 'soon' is not a date"),
        (("--from", "2026-11-10", "--to", "2026-11-01"), "--from 2026-11-10 is after --to"),
        (("--to", "2026-11-01"), "--to needs --from"),
        (("--period", "week"), "'week' is not a period; use one of: month, quarter, year"),
        (("--period", "month", "--from", "2026-11-01"), "either --period or --from/--to"),
    ],
)
def test_bad_periods_are_one_line_errors(crm: Crm, args: tuple[str, ...], message: str) -> None:
    crm("add", "company", "Acme")
    assert message in fails(crm, 2, "report", *args)


def test_an_owner_with_no_records_is_not_found_and_shown_safely(crm: Crm) -> None:
    crm("add", "company", "Acme")
    line = fails(crm, 3, "report", "--owner", "bob\x1b[2J")
    assert "\x1b" not in line
    assert "reps with records: alice" in line
    assert crm("report", "--owner", "alice", "--json").json()["period"]["owner"] == "alice"


def test_colour_only_on_a_terminal_that_wants_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    assert charts.colour_wanted()
    assert charts.arrow(3, "down", True) == "\x1b[31m▲\x1b[0m"
    monkeypatch.setenv("NO_COLOR", "1")
    assert not charts.colour_wanted()
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setattr("sys.stdout.isatty", lambda: False)
    assert not charts.colour_wanted()
    assert charts.arrow(-2, "up", False) == "▼"
    assert charts.arrow(0, "up", True) == "="
    assert charts.arrow(None, "up", True) == ""


def test_bars_and_sparklines_are_block_characters() -> None:
    assert charts.bar(10, 10, 4) == "████"
    assert charts.bar(1, 16, 4) == "▎"  # two eighths of a cell
    assert charts.bar(1, 10_000, 4) == "▏"  # a sliver, never nothing
    assert charts.bar(0, 10, 4) == ""
    assert charts.sparkline([0, 1, 7, 0]) == " ▂█ "
    assert charts.sparkline([0, 0]) == "▁▁"


def test_cadence_steps_done_in_the_period_show_their_conversion(
    crm: Crm, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.cli.cadence_support import issue_example, write_mail_config

    write_mail_config()
    issue_example(crm, isolated)
    crm("add", "contact", "山田 太郎", "--email", "taro@example.jp", "--consent")
    crm("cadence", "enrol", "welcome", "ken@example.jp", "taro@example.jp")
    # Both get the day-0 mail; only 佐藤 replies to it. Three days later 山田 gets the second.
    for who in ("ken@example.jp", "taro@example.jp"):
        task = crm("cadence", "send", who, "--eml", str(isolated / "drafts"), "--json").json()
        crm("task", "done", task["task"]["id"])
    crm("log", "email", "ken@example.jp", "Re: ありがとう", "--inbound")
    monkeypatch.setenv("CRM_NOW", "2026-11-29T09:00:00+09:00")
    second = crm("cadence", "send", "taro@example.jp", "--eml", str(isolated / "d2"), "--json")
    crm("task", "done", second.json()["task"]["id"])

    steps = crm("report", "--json").json()["current"]["cadence_steps"]
    assert [(s["cadence"], s["step"], s["reached"], s["converted"]) for s in steps] == [
        ("welcome", 1, 2, 1),
        ("welcome", 2, 1, 0),
    ]
    assert [s["conversion"] for s in steps] == [0.5, 0.0]
    # Nothing was done last month; the steps are alice's (her enrolments), so her view has them.
    assert crm("report", "--json").json()["previous"]["cadence_steps"] == []
    mine = crm("report", "--owner", "Alice Sato", "--json").json()["current"]["cadence_steps"]
    assert mine == steps
    shown = crm("report").out
    assert "welcome #1 email" in shown and "1 of 2" in shown and "50.0%" in shown
