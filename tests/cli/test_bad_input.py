"""Tests of bad input: one line on stderr, a documented exit code, no traceback, no write."""

from __future__ import annotations

import pytest

from tests.cli.support import add_yamada, assert_one_line_error, fails, op_count
from tests.conftest import Crm

MALFORMED = [
    pytest.param(("task", "add", "Call", "--due", "someday"), "is not a date", id="due-word"),
    pytest.param(("task", "add", "Call", "--due", "2026-02-30"), "is not a date", id="due-day"),
    pytest.param(
        ("log", "visit", "山田", "Demo", "--at", "2026-11-20 25:00"),
        "is not a time",
        id="at-hour",
    ),
    pytest.param(
        ("log", "visit", "山田", "Demo", "--at", "last tuesday"), "is not a time", id="at-word"
    ),
    pytest.param(
        ("log", "visit", "山田", "Demo", "--at", "yesterday 25:00"),
        "no valid time of day",
        id="at-clock",
    ),
    pytest.param(
        ("add", "deal", "Pilot", "--company", "ミナト", "--amount", "12abc"),
        "is not an amount",
        id="amount-letters",
    ),
    pytest.param(
        ("add", "deal", "Pilot", "--company", "ミナト", "--amount", "100.5"),
        "more decimals than JPY allows",
        id="amount-decimals",
    ),
    pytest.param(
        ("add", "deal", "Pilot", "--company", "ミナト", "--amount", "-5"),
        "cannot be negative",
        id="amount-negative",
    ),
    pytest.param(
        ("add", "deal", "Pilot", "--company", "ミナト", "--amount", "5", "--currency", "YEN"),
        "is not an ISO 4217 currency code",
        id="currency",
    ),
    pytest.param(
        ("add", "contact", "佐藤 花子", "--phone", "12"), "is not a valid phone", id="phone"
    ),
    pytest.param(
        ("add", "contact", "佐藤 花子", "--email", "hanako@"), "is not an email", id="email"
    ),
    pytest.param(
        ("edit", "山田", "--add-email", "no spaces@example.jp"), "is not an email", id="edit-email"
    ),
    pytest.param(
        ("add", "contact", "佐藤 花子", "--lifecycle", "vip"),
        "is not a lifecycle stage",
        id="lifecycle",
    ),
    pytest.param(("add", "contact", "  "), "cannot be empty", id="empty-name"),
    pytest.param(("task", "add", "Call", "--priority", "asap"), "is not a priority", id="priority"),
    pytest.param(
        ("add", "deal", "Pilot", "--company", "ミナト", "--probability", "101"),
        "between 0 and 100",
        id="probability",
    ),
]


@pytest.mark.parametrize(("args", "message"), MALFORMED)
def test_malformed_values_are_refused_with_one_line_and_nothing_written(
    crm: Crm, args: tuple[str, ...], message: str
) -> None:
    add_yamada(crm)
    line = fails(crm, 2, *args)
    assert message in line


def test_an_unknown_record_exits_3_and_writes_nothing(crm: Crm) -> None:
    add_yamada(crm)
    fails(crm, 3, "log", "visit", "佐藤", "Demo", "--next", "Call back", "--due", "3d")
    fails(crm, 3, "add", "deal", "Pilot", "--contact", "佐藤")
    fails(crm, 3, "task", "add", "Call", "--for", "佐藤")
    fails(crm, 3, "quote", "show", "Q-2026-XXXXX-001")


def test_an_ambiguous_reference_exits_4_and_writes_nothing(crm: Crm) -> None:
    add_yamada(crm)
    crm("add", "contact", "山田 花子")
    fails(crm, 4, "log", "visit", "山田", "Demo", "--next", "Call back")
    fails(crm, 4, "edit", "山田", "--title", "課長")
    fails(crm, 4, "archive", "山田")


def test_the_real_process_prints_one_line_and_the_documented_codes(crm_process: Crm) -> None:
    crm_process("add", "contact", "山田 太郎", "--email", "taro@example.jp")
    crm_process("add", "contact", "山田 花子")
    before = op_count()
    cases = [
        (("task", "add", "Call", "--due", "someday"), 2),
        (("add", "contact", "佐藤", "--phone", "12345"), 2),
        (("add", "deal", "Pilot", "--amount", "1O0"), 2),
        (("show", "佐藤"), 3),
        (("log", "visit", "山田", "Demo"), 4),
    ]
    for args, code in cases:
        result = crm_process(*args, ok=False)
        line = assert_one_line_error(result, code)
        assert "Error" not in line and "╭" not in result.err
    assert op_count() == before


def test_a_refused_request_exits_6_and_writes_nothing(crm: Crm) -> None:
    add_yamada(crm)
    number = crm("quote", "new", "山田").out.strip()
    fails(crm, 6, "quote", "set-status", number, "sent")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("survey", "山田", "--nps", "abc"), "Invalid value for '--nps'"),
        (("task", "add"), "Missing argument 'TITLE'"),
        (("bogus",), "No such command 'bogus'"),
        (("--bogus", "next-actions"), "No such option: --bogus"),
        (("log", "visit", "山田", "Demo", "--nope"), "No such option: --nope"),
    ],
)
def test_a_command_line_crm_cannot_parse_is_one_line_with_where_to_look(
    crm: Crm, args: tuple[str, ...], message: str
) -> None:
    add_yamada(crm)
    line = fails(crm, 2, *args)
    assert message.lower() in line.lower()
    assert "--help`" in line
