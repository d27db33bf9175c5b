"""Tests of lead scores at the command line: `crm score`, `ls --sort score`, the next-actions
tie-break and reach-out suggestions, and bad `[score]` settings."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.cli.support import fails
from tests.conftest import Crm


def _sato(crm: Crm) -> None:
    crm(
        "add", "company", "株式会社ミナト精機", "--industry", "manufacturing",
        "--size", "300-999", "--prefecture", "東京都",
    )  # fmt: skip
    crm(
        "add", "contact", "佐藤 健一", "--title", "営業部長", "--company", "株式会社ミナト精機",
        "--email", "ken@example.jp",
    )  # fmt: skip
    crm("log", "visit", "ken@example.jp", "Line 3 demo", "--at", "2026-11-14 10:00")
    crm("log", "email", "ken@example.jp", "Re: brochure", "--inbound", "--at", "2026-10-12 18:00")


def test_score_explains_every_term_and_they_sum_to_the_score(crm: Crm) -> None:
    _sato(crm)
    assert crm("score", "ken@example.jp").out == (
        "佐藤 健一: 32.0 points (fit 18.0 + engagement 14.0, as of 2026-11-26)\n"
    )
    lines = crm("score", "佐藤", "--explain").out.splitlines()
    assert lines[0].startswith("佐藤 健一: 32.0 points")
    assert lines[2].split() == ["POINTS", "PART", "FACT", "HOW"]
    body = [line.split(maxsplit=2) for line in lines[3:]]
    assert [row[:2] for row in body] == [
        ["+10.0", "fit"],
        ["+8.0", "fit"],
        ["+9.1", "engagement"],
        ["+4.9", "engagement"],
        ["32.0", "total"],
    ]
    assert 'title "営業部長" matches "部長"' in lines[3]
    assert "visit 12 days ago: Line 3 demo" in lines[5] and "10 × 0.912 decay" in lines[5]
    assert "inbound email 45 days ago: Re: brochure" in lines[6] and "7 × 0.707" in lines[6]
    assert sum(float(row[0]) for row in body[:-1]) == pytest.approx(32.0)


def test_score_json_has_the_parts_and_with_explain_the_terms(crm: Crm) -> None:
    _sato(crm)
    plain = crm("score", "ken@example.jp", "--json").json()
    assert plain == {
        "kind": "contact",
        "id": plain["id"],
        "name": "佐藤 健一",
        "score": 32.0,
        "fit": 18.0,
        "engagement": 14.0,
        "as_of": "2026-11-26",
    }
    terms = crm("score", "ken@example.jp", "--json", "--explain").json()["terms"]
    assert terms[2] == {
        "group": "engagement",
        "name": "visit",
        "fact": "visit 12 days ago: Line 3 demo",
        "points": 9.1,
        "weight": 10.0,
        "decay": 0.9117,
        "age_days": 12,
    }
    assert round(sum(t["points"] for t in terms), 1) == 32.0
    company = crm("score", "株式会社ミナト精機", "--json").json()
    assert (company["kind"], company["fit"], company["engagement"]) == ("company", 8.0, 14.0)


def test_score_of_nobody_or_of_a_deal_is_an_error(crm: Crm) -> None:
    _sato(crm)
    crm("add", "deal", "Line 3 retrofit", "--company", "株式会社ミナト精機")
    assert "No contact or company matches 'Line 3 retrofit'" in fails(
        crm, 3, "score", "Line 3 retrofit"
    )


def test_untrusted_names_and_summaries_are_shown_as_text(crm: Crm) -> None:
    crm("add", "contact", "[bold]Eve\x1b[31m", "--email", "eve@example.jp")
    crm("log", "visit", "eve@example.jp", "demo \x1b]0;owned\x07", "--at", "2026-11-25 10:00")
    out = crm("score", "eve@example.jp", "--explain").out
    assert "\x1b" not in out and "\x07" not in out
    assert "[bold]Eve\\x1b[31m" in out


def test_ls_sort_score_puts_the_best_first_with_a_score_column(crm: Crm) -> None:
    _sato(crm)
    crm("add", "contact", "Alice Abe", "--title", "Director", "--email", "alice@example.com")
    crm("add", "contact", "Bob Brown", "--email", "bob@example.com")
    rows = crm("ls", "contacts", "--sort", "score").out.splitlines()
    assert rows[0].split()[-1] == "SCORE"
    assert [(row.split()[1], row.split()[-1]) for row in rows[1:]] == [
        ("佐藤", "32.0"),
        ("Alice", "10.0"),
        ("Bob", "0.0"),
    ]
    # The limit applies after the order, not before it.
    listed = crm("ls", "contacts", "--sort", "score", "--limit", "2", "--json").json()
    assert [(c["display_name"], c["score"]) for c in listed] == [
        ("佐藤 健一", 32.0),
        ("Alice Abe", 10.0),
    ]
    # By name (the default) Alice comes first and there is no score.
    assert "score" not in crm("ls", "contacts", "--json").json()[0]
    companies = crm("ls", "companies", "--sort", "score", "--json").json()
    assert [(c["name"], c["score"]) for c in companies] == [("株式会社ミナト精機", 22.0)]


def test_ls_sort_takes_only_score_and_only_for_people_and_companies(crm: Crm) -> None:
    assert "--sort score applies to contacts and companies" in fails(
        crm, 2, "ls", "deals", "--sort", "score"
    )
    assert "use --sort score" in fails(crm, 2, "ls", "contacts", "--sort", "name")


def _agenda(crm: Crm, *args: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = crm("next-actions", *args, "--json").json()
    return items


def test_equally_urgent_tasks_put_the_better_scored_contact_first(crm: Crm) -> None:
    crm("add", "contact", "Low Scorer", "--email", "low@example.com")
    crm("add", "contact", "High Scorer", "--title", "CEO", "--email", "high@example.com")
    crm("log", "visit", "high@example.com", "Demo", "--at", "2026-11-20 10:00")
    crm("task", "add", "A call", "--for", "low@example.com", "--due", "2026-11-27")
    crm("task", "add", "B call", "--for", "high@example.com", "--due", "2026-11-27")
    crm("task", "add", "C note", "--for", "low@example.com", "--due", "2026-11-28")
    crm("task", "add", "D note", "--for", "high@example.com", "--due", "2026-11-29")
    # Same day: the better score first, although "A" sorts before "B"; different days: the
    # date still wins over the score.
    assert [a["title"] for a in _agenda(crm)] == ["B call", "A call", "C note", "D note"]
    lines = crm("next-actions").out.splitlines()
    assert ["B call" in lines[1], "A call" in lines[2]] == [True, True]


def test_equal_scores_keep_the_title_order(crm: Crm) -> None:
    crm("add", "contact", "One", "--email", "one@example.com")
    crm("add", "contact", "Two", "--email", "two@example.com")
    crm("task", "add", "Zeta", "--for", "one@example.com", "--due", "2026-11-27")
    crm("task", "add", "Alpha", "--for", "two@example.com", "--due", "2026-11-27")
    assert [a["title"] for a in _agenda(crm)] == ["Alpha", "Zeta"]


@pytest.fixture
def leads(crm: Crm, monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Leads made now (by the real clock), looked at 60 days later; returns that "now"."""
    made = crm(
        "add", "contact", "Idle Thirty", "--lifecycle", "lead", "--title", "部長",
        "--email", "thirty@example.com", "--json",
    ).json()["created_at"]  # fmt: skip
    crm("add", "contact", "Idle TwentyNine", "--lifecycle", "lead", "--email", "29@example.com")
    crm("add", "contact", "Never Met", "--lifecycle", "prospect", "--email", "never@example.com")
    crm("add", "contact", "Old Customer", "--lifecycle", "customer", "--email", "cust@example.com")
    crm("add", "contact", "On Agenda", "--lifecycle", "lead", "--email", "busy@example.com")
    crm("add", "contact", "Gone Away", "--lifecycle", "former", "--email", "gone@example.com")
    now = datetime.fromisoformat(made.replace("Z", "+00:00")) + timedelta(days=60)
    monkeypatch.setenv("CRM_NOW", now.isoformat())
    crm(
        "log",
        "visit",
        "thirty@example.com",
        "Visit",
        "--at",
        (now - timedelta(days=30)).isoformat(),
    )
    crm("log", "call", "29@example.com", "Call", "--at", (now - timedelta(days=29)).isoformat())
    crm("task", "add", "Call back", "--for", "busy@example.com", "--due", "today")
    return now


def test_suggestions_are_idle_leads_and_prospects_best_score_first(
    crm: Crm, leads: datetime
) -> None:
    items = _agenda(crm, "--suggest", "5", "--idle-days", "30")
    assert [a["kind"] for a in items] == ["task", "reach_out", "reach_out"]
    thirty, never = items[1], items[2]
    today = leads.astimezone().date().isoformat()
    assert thirty == {
        "kind": "reach_out",
        "due": today,
        "title": "Reach out to Idle Thirty",
        "reason": "lead, no activity for 30 days, score 17.9",
        "record_id": thirty["contact_id"],
        "contact": "Idle Thirty",
        "contact_id": thirty["contact_id"],
        "company": None,
        "channel": None,
        "score": 17.9,  # 部長 10 + visit 10 × 0.5^(30/90) = 7.9
    }
    assert (never["title"], never["reason"]) == (
        "Reach out to Never Met",
        "prospect, no activity for 60 days, score 0.0",
    )
    # One day more and the lead seen 30 days ago is no longer idle long enough.
    assert [a["title"] for a in _agenda(crm, "--suggest", "5", "--idle-days", "31")] == [
        "Call back",
        "Reach out to Never Met",
    ]
    assert [a["title"] for a in _agenda(crm, "--suggest", "1")][1:] == ["Reach out to Idle Thirty"]
    assert [a["kind"] for a in _agenda(crm)] == ["task"]


def test_suggestions_follow_the_agenda_in_their_own_table(crm: Crm, leads: datetime) -> None:
    out = crm("next-actions", "--suggest", "2").out.splitlines()
    start = out.index("Reach out (leads and prospects with no recent activity, best score first):")
    assert "Call back" in out[1] and out[start - 1] == ""
    assert out[start + 1].split() == ["SCORE", "WHO", "WHY"]
    assert out[start + 2].split()[:3] == ["17.9", "Idle", "Thirty"]
    assert len(out) == start + 4


def test_suggestion_options_are_checked(crm: Crm) -> None:
    assert "add --suggest N" in fails(crm, 2, "next-actions", "--idle-days", "10")
    assert "--suggest must be 0 or more" in fails(crm, 2, "next-actions", "--suggest", "-1")
    assert "--idle-days must be 1 or more" in fails(
        crm, 2, "next-actions", "--suggest", "3", "--idle-days", "0"
    )


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[score]\nbogus = 1\n", "unknown setting 'score.bogus'"),
        ('[score]\nhalf_life_days = "ninety"\n', "score.half_life_days must be a number"),
        ("[score]\nhalf_life_days = 0\n", "score.half_life_days must be more than 0 days"),
        ("[score]\nvisit = 3\n", "unknown setting 'score.visit'"),
        ("[score]\nlookback_days = 1.5\n", "score.lookback_days must be a whole number"),
        ("[score.activity]\nfax = 3\n", "score.activity.fax is not an activity type"),
        ("[score.activity]\nvisit = -2\n", "score.activity.visit must be a number of 0 or more"),
        ('[score.title]\n"部長" = "high"\n', "score.title.部長 must be a number"),
        ('[score.size]\n"big" = 3\n', "'score.size.big': [score.size] keys are least headcounts"),
        ('[score]\ntitle = "部長"\n', '[score.title] maps text to points, such as "部長" = 10.'),
        ("score = 5\n", "[score] is a table of settings"),
    ],
)
def test_bad_score_settings_name_the_setting(
    crm: Crm, isolated: Path, toml: str, message: str
) -> None:
    (isolated / "config.toml").write_text(toml, encoding="utf-8")
    line = fails(crm, 2, "next-actions")
    assert message in line
    assert str(isolated / "config.toml") in line


def test_show_gives_a_contacts_and_a_companys_score(crm: Crm) -> None:
    _sato(crm)
    lines = [line.split() for line in crm("show", "佐藤").out.splitlines()]
    assert ["score", "32.0", "(crm", "score", "--explain)"] in lines
    assert crm("show", "佐藤", "--json").json()["score"] == 32.0
    assert crm("show", "株式会社ミナト精機", "--json").json()["score"] == 22.0
    crm("task", "add", "Call", "--for", "佐藤")
    assert "score" not in crm("show", "Call", "--json").json()
