"""Tests of `crm segment …`, `crm tag`, and `--segment`/`--where` on `crm ls` and `crm export`."""

from __future__ import annotations

import pytest

from tests.cli.support import fails, op_count
from tests.conftest import Crm, Result


@pytest.fixture
def minato(crm: Crm) -> dict[str, str]:
    """The issue's company and contact, a 課長 beside him and a 部長 at another company."""
    crm(
        "add",
        "company",
        "株式会社ミナト精機",
        "--industry",
        "manufacturing",
        "--prefecture",
        "東京都",
    )
    ids = {}
    for name, title, email, company in (
        ("佐藤 健一", "営業部長", "ken@example.jp", "株式会社ミナト精機"),
        ("鈴木 一郎", "課長", "ichiro@example.jp", "株式会社ミナト精機"),
        ("Emma Clarke", "Sales Director 部長", "emma@harbor.example", "Harbor Logistics"),
    ):
        added = crm(
            "add", "contact", name, "--email", email, "--title", title, "--company", company,
            "--consent", "--json",
        ).json()  # fmt: skip
        ids[email] = added["id"]
    return ids


def filter_error(result: Result) -> tuple[str, str, str]:
    """A refused filter: exit 2, nothing on stdout, and three lines on stderr (the message,
    the filter, a caret under the mistake)."""
    assert result.code == 2, result.err
    assert result.out == ""
    assert "Traceback" not in result.err
    message, shown, caret = result.err.splitlines()
    return message, shown, caret


def test_the_issue_example_lists_exactly_the_contacts_whose_title_holds_bucho(
    crm: Crm, minato: dict[str, str]
) -> None:
    saved = crm("segment", "save", "bucho", 'title ~ "部長"')
    assert saved.out == 'Saved segment bucho (2 contacts): title ~ "部長"\n'
    listed = crm("ls", "contacts", "--segment", "bucho", "--json").json()
    assert [c["id"] for c in listed] == [minato["emma@harbor.example"], minato["ken@example.jp"]]
    assert {c["title"] for c in listed} == {"営業部長", "Sales Director 部長"}
    assert listed[1]["company"] == "株式会社ミナト精機"
    where = crm("ls", "contacts", "--where", 'title ~ "部長" and company ~ "ミナト"', "--json")
    assert [c["display_name"] for c in where.json()] == ["佐藤 健一"]


def test_saving_an_existing_name_replaces_it_and_says_so(crm: Crm, minato: dict[str, str]) -> None:
    crm("segment", "save", "bucho", 'title ~ "部長"')
    again = crm("segment", "save", "bucho", 'title ~ "課長"')
    assert again.out == (
        'Replaced segment bucho (1 contact): title ~ "課長"  (was: title ~ "部長")\n'
    )
    shown = crm("segment", "save", "bucho", "consent", "--json").json()
    assert shown["replaced"] is True
    assert shown["previous_filter"] == 'title ~ "課長"'
    assert (shown["name"], shown["filter"], shown["count"]) == ("bucho", "consent", 3)
    listed = crm("segment", "ls", "--json").json()
    assert [(s["name"], s["filter"], s["count"]) for s in listed] == [("bucho", "consent", 3)]


def test_a_bad_filter_is_refused_with_a_caret_and_nothing_is_saved(
    crm: Crm, minato: dict[str, str]
) -> None:
    before = op_count()
    message, shown, caret = filter_error(crm("segment", "save", "it", 'industy = "IT"', ok=False))
    assert message == 'crm: filter: unknown field "industy" at column 1 (did you mean "industry"?)'
    assert shown == '  industy = "IT"'
    assert caret == "  ^"
    assert crm("segment", "ls", "--json").json() == []
    assert op_count() == before


@pytest.mark.parametrize(
    ("where", "column", "start"),
    [
        ('industy = "IT"', 1, 'unknown field "industy"'),
        ('title == "部長"', 7, 'unknown operator "=="'),
        ('title ~ "部長', 9, "unterminated string"),
        ("title =", 8, 'missing value after "="'),
        ("created < 2026-02-30", 11, 'bad date "2026-02-30"'),
        ('prefecture in "東京都"', 15, "in takes a list in parentheses"),
        ('revenue >= "abc"', 12, 'revenue takes a number, not "abc"'),
        ("lifecycle = custmer", 13, '"custmer" is not a valid lifecycle'),
        ("title ~ x y", 11, 'unexpected "y"'),
    ],
)
def test_every_kind_of_mistake_points_at_its_column(
    crm: Crm, where: str, column: int, start: str
) -> None:
    message, shown, caret = filter_error(crm("segment", "count", "--where", where, ok=False))
    assert message.startswith(f"crm: filter: {start}")
    assert f"at column {column}" in message
    assert shown == f"  {where}"
    # The filters above are ASCII before the mistake, so one character is one cell.
    assert caret == "  " + " " * (column - 1) + "^"


def test_a_real_run_reports_a_bad_filter_on_stderr_with_exit_code_2(crm_process: Crm) -> None:
    done = crm_process("ls", "contacts", "--where", "revenue >= 'abc'", ok=False)
    message, shown, caret = filter_error(done)
    assert message == (
        'crm: filter: revenue takes a number, not "abc" at column 12 '
        "(numbers are written like 1_000_000 or 12.5)"
    )
    assert caret.index("^") == shown.index("'")


def test_segment_ls_show_count_and_rm(crm: Crm, minato: dict[str, str]) -> None:
    crm("segment", "save", "bucho", 'title ~ "部長"')
    crm("segment", "save", "minato", 'company = "株式会社ミナト精機"')
    assert crm("segment", "ls").out.splitlines() == [
        "NAME    COUNT  FILTER",
        'bucho       2  title ~ "部長"',
        'minato      2  company = "株式会社ミナト精機"',
    ]
    shown = crm("segment", "show", "bucho").out.splitlines()
    assert shown[:3] == ["Segment bucho: 2 contacts", 'filter  title ~ "部長"', ""]
    assert shown[3].split() == ["ID", "NAME", "COMPANY", "TITLE"]
    assert "Emma Clarke" in shown[4] and "Harbor Logistics" in shown[4]
    assert "佐藤 健一" in shown[5] and "営業部長" in shown[5]
    first = crm("segment", "show", "bucho", "--limit", "1")
    assert len(first.out.splitlines()) == 5
    assert "First 1 of 2" in first.err
    data = crm("segment", "show", "bucho", "--json").json()
    assert (data["name"], data["filter"], data["count"]) == ("bucho", 'title ~ "部長"', 2)
    assert [m["id"] for m in data["members"]] == [
        minato["emma@harbor.example"],
        minato["ken@example.jp"],
    ]
    assert data["members"][1]["company"] == "株式会社ミナト精機"
    assert crm("segment", "count", "bucho").out == "2\n"
    assert crm("segment", "count", "--where", "consent").out == "3\n"
    assert crm("segment", "count", "bucho", "--companies").out == "2\n"
    counted = crm("segment", "count", "minato", "--json").json()
    assert counted == {"segment": "minato", "where": None, "kind": "contact", "count": 2}
    removed = crm("segment", "rm", "minato")
    assert removed.out == 'Removed segment minato: company = "株式会社ミナト精機"\n'
    assert [s["name"] for s in crm("segment", "ls", "--json").json()] == ["bucho"]
    assert crm("segment", "rm", "bucho", "--json").json()["removed"] is True


def test_unknown_segments_and_bad_requests_fail_cleanly(crm: Crm, minato: dict[str, str]) -> None:
    crm("segment", "save", "bucho", 'title ~ "部長"')
    assert fails(crm, 3, "segment", "show", "bocho") == (
        'crm: No segment is named "bocho". Did you mean "bucho"?'
    )
    assert "No segment is named" in fails(crm, 3, "segment", "rm", "nothing")
    assert "No segment is named" in fails(crm, 3, "ls", "contacts", "--segment", "nothing")
    assert "not both" in fails(crm, 2, "segment", "count", "bucho", "--where", "consent")
    assert "Give a segment name" in fails(crm, 2, "segment", "count")
    assert "not deals" in fails(crm, 2, "ls", "deals", "--where", "consent")
    assert "cannot name a segment" in fails(crm, 2, "segment", "save", "my list", "consent")
    assert "Give a segment and a tag" in fails(crm, 2, "tag", "vip")
    assert "Give a tag" in fails(crm, 2, "tag", "--where", "consent", "bucho", "vip")
    assert "No segment is named" in fails(crm, 3, "tag", "nothing", "vip")
    assert "one tag" in fails(crm, 2, "tag", "bucho", "a,b")


def test_ls_companies_where_person_fields_mean_some_contact(
    crm: Crm, minato: dict[str, str]
) -> None:
    listed = crm("ls", "companies", "--where", 'title ~ "課長"', "--json").json()
    assert [c["name"] for c in listed] == ["株式会社ミナト精機"]
    crm("segment", "save", "bucho", 'title ~ "部長"')
    both = crm("ls", "companies", "--segment", "bucho", "--json").json()
    assert sorted(c["name"] for c in both) == ["Harbor Logistics", "株式会社ミナト精機"]


def test_archived_contacts_are_members_only_when_the_filter_asks(
    crm: Crm, minato: dict[str, str]
) -> None:
    crm("archive", "ken@example.jp")
    assert crm("segment", "count", "--where", 'title ~ "部長"').out == "1\n"
    asked = crm("ls", "contacts", "--where", 'title ~ "部長" and archived', "--json").json()
    assert [c["id"] for c in asked] == [minato["ken@example.jp"]]
    listed = crm("ls", "contacts", "--where", 'title ~ "部長"', "--archived", "--json").json()
    assert len(listed) == 2


def test_tag_tags_every_member_once_through_the_op_log(crm: Crm, minato: dict[str, str]) -> None:
    crm("segment", "save", "bucho", 'title ~ "部長"')
    before = op_count()
    assert crm("tag", "bucho", "vip").out == "Tagged 2 contacts with vip; 0 already had it.\n"
    assert op_count() == before + 2
    assert crm("tag", "bucho", "VIP").out == "Tagged 0 contacts with VIP; 2 already had it.\n"
    assert op_count() == before + 2
    tagged = crm("ls", "contacts", "--tag", "vip", "--json").json()
    assert sorted(c["id"] for c in tagged) == sorted(
        [minato["ken@example.jp"], minato["emma@harbor.example"]]
    )
    assert crm("segment", "count", "--where", "tag = vip").out == "2\n"
    data = crm("tag", "--where", "consent", "vip", "--json").json()
    assert data == {"tag": "vip", "members": 3, "tagged": 1, "already": 2}
    removed = crm("tag", "--where", 'company ~ "ミナト"', "vip", "--remove")
    assert removed.out == "Removed the tag vip from 2 contacts; 0 did not have it.\n"
    again = crm("tag", "bucho", "vip", "--remove", "--json").json()
    assert again == {"tag": "vip", "members": 2, "untagged": 1, "without": 1}
    assert crm("segment", "count", "--where", "tag = vip").out == "0\n"
    history = crm("history", "ken@example.jp", "--json").json()
    assert [h["value"] for h in history if h["field"] == "tags"] == [["vip"], []]


def test_exports_take_only_the_members(crm: Crm, minato: dict[str, str]) -> None:
    crm("segment", "save", "bucho", 'title ~ "部長"')
    rows = crm("export", "csv", "--segment", "bucho").out.splitlines()
    assert len(rows) == 3
    assert rows[1].startswith(minato["emma@harbor.example"] + ",")
    assert rows[2].startswith(minato["ken@example.jp"] + ",")
    cards = crm("export", "vcard", "--where", 'title ~ "課長"').out
    assert cards.count("BEGIN:VCARD") == 1
    assert "ichiro@example.jp" in cards
    crm("task", "add", "Call Ken", "--for", "ken@example.jp", "--due", "3d")
    crm("task", "add", "Call Ichiro", "--for", "ichiro@example.jp", "--due", "3d")
    calendar = crm("export", "ics", "--segment", "bucho").out
    assert "Call Ken" in calendar
    assert "Call Ichiro" not in calendar


def test_filters_and_tags_from_users_are_shown_harmlessly(crm: Crm, minato: dict[str, str]) -> None:
    crm("segment", "save", "evil", 'title ~ "\x1b[31mred\x1b]0;owned\x07"')
    listed = crm("segment", "ls").out
    assert "\x1b" not in listed and "\x07" not in listed
    assert "\\x1b[31mred" in listed
    assert "\x1b" not in crm("segment", "ls", "--json").out
    tagged = crm("tag", "--where", "consent", "\x1b[2J")
    assert "\x1b" not in tagged.out
    message = crm("segment", "count", "--where", 'title ~ "x" and \x1b[2J', ok=False).err
    assert "\x1b" not in message
