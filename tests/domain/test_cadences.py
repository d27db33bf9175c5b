"""Tests of cadence rules: reading a cadence, its placeholders, rendering, who may be mailed."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from crm_tui.domain.cadences import (
    CadenceSpec,
    Step,
    cadence_toml,
    fill,
    mail_block,
    parse_cadence,
    render_email,
    values_for,
)
from crm_tui.domain.records import Contact
from crm_tui.errors import InvalidInput

WELCOME: dict[str, Any] = {
    "name": "welcome",
    "steps": [
        {
            "day": 0,
            "channel": "email",
            "subject": "ご来場ありがとうございました",
            "body": "{given_name} 様\n先日はありがとうございました。\n{rep_signature}",
        },
        {"day": 3, "channel": "email", "subject": "資料のご案内", "body": "{given_name} 様"},
        {"day": 10, "channel": "call", "subject": "Follow-up call"},
    ],
}


def _with_step(n: int, **changes: Any) -> dict[str, Any]:
    steps = [dict(s) for s in WELCOME["steps"]]
    steps[n - 1].update(changes)
    steps[n - 1] = {k: v for k, v in steps[n - 1].items() if v is not None}
    return {**WELCOME, "steps": steps}


def test_the_issues_welcome_cadence_reads_as_three_steps() -> None:
    spec = parse_cadence(WELCOME, "welcome.toml")
    assert [(s.day, s.channel) for s in spec.steps] == [(0, "email"), (3, "email"), (10, "call")]
    assert spec.fallback == "skip"
    assert spec.steps[2].body is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_with_step(2, day=None), "welcome.toml, step 2 has no day: add day = 3"),
        (_with_step(2, day=-1), "welcome.toml, step 2: day -1 must be a whole number"),
        (_with_step(2, day=1.5), "welcome.toml, step 2: day 1.5 must be a whole number"),
        (_with_step(2, day="3"), "welcome.toml, step 2: day '3' must be a whole number"),
        (_with_step(2, day=True), "welcome.toml, step 2: day True must be a whole number"),
        (_with_step(3, channel="fax"), "step 3: channel is 'fax'; use one of email, call, task"),
        (_with_step(3, channel=None), "step 3: channel is missing"),
        (_with_step(1, body=None), "step 1: an email step needs a body"),
        (_with_step(1, subject=None), "step 1: the step needs a subject"),
        (_with_step(1, subject="{name} 様"), "step 1: unknown placeholder {name}"),
        (
            _with_step(2, body="{given_name.__class__}"),
            "unknown placeholder {given_name.__class__}",
        ),
        (_with_step(2, body="{given_name!r}"), "unknown placeholder {given_name!r}"),
        (_with_step(2, body="{title:>40}"), "unknown placeholder {title:>40}"),
        (_with_step(2, body="{0}"), "unknown placeholder {0}"),
        (_with_step(2, body="a { brace"), "step 2: a lone { or }; write {{ or }}"),
        (_with_step(2, dya=3), "step 2: unknown key 'dya'"),
        (_with_step(2, day=20), "step 3 (day 10) comes after step 2 (day 20)"),
        ({**WELCOME, "name": " "}, "the cadence needs a name"),
        ({**WELCOME, "steps": []}, "welcome.toml: no steps"),
        ({**WELCOME, "fallback": "fax"}, "fallback 'fax' is not one of skip, call, task"),
        ({**WELCOME, "nmae": "x"}, "unknown key 'nmae'"),
    ],
)
def test_a_bad_cadence_is_refused_naming_the_file_and_step(
    data: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_cadence(data, "welcome.toml")
    assert message in str(raised.value)
    assert str(raised.value).startswith("welcome.toml")


def test_double_braces_are_literal_braces() -> None:
    assert fill("{{given_name}} is {given_name}", {"given_name": "健一"}) == (
        "{given_name} is 健一"
    )


def test_a_contacts_text_is_inserted_as_is_never_read_as_a_template() -> None:
    assert fill("{display_name}", {"display_name": "{rep_signature} {0.__class__}"}) == (
        "{rep_signature} {0.__class__}"
    )


def _ken(**changes: Any) -> Contact:
    fields: dict[str, Any] = {
        "id": "01K",
        "display_name": "佐藤 健一",
        "family_name": "佐藤",
        "given_name": "健一",
        "title": "営業部長",
        "emails": ["ken@example.jp"],
        "consent": True,
    }
    return Contact(**(fields | changes))


def test_an_email_renders_japanese_with_the_signature_and_the_unsubscribe_line() -> None:
    spec = parse_cadence(WELCOME, "welcome.toml")
    values = values_for(_ken(), "株式会社ミナト精機", "Alice Sato", "ミナト商事 佐藤アリス")
    draft = render_email(spec.steps[0], values, "ken@example.jp", "配信停止はこちら: 返信で")
    assert draft.subject == "ご来場ありがとうございました"
    assert draft.body == (
        "健一 様\n先日はありがとうございました。\nミナト商事 佐藤アリス\n"
        "\n配信停止はこちら: 返信で\n"
    )
    company = Step(0, "email", "{company} {title} {family_name}様", "{display_name}")
    rendered = render_email(company, values, "ken@example.jp", "stop")
    assert rendered.subject == "株式会社ミナト精機 営業部長 佐藤様"


def test_a_missing_field_renders_empty() -> None:
    values = values_for(_ken(title=None, given_name=None), None, "Alice", "")
    assert fill("[{title}][{given_name}][{company}][{rep_name}]", values) == "[][][][Alice]"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({}, None),
        ({"consent": False}, "no marketing consent"),
        ({"opted_out": True}, "opted out"),
        ({"opted_out": True, "consent": False}, "opted out"),
        ({"emails": []}, "no email address"),
    ],
)
def test_only_consenting_reachable_contacts_may_be_mailed(
    changes: dict[str, Any], reason: str | None
) -> None:
    assert mail_block(_ken(**changes)) == reason


def test_the_toml_form_reads_back_as_the_same_cadence() -> None:
    spec = parse_cadence(
        {**WELCOME, "fallback": "call", "note": 'quotes " and \\ and \x7f \x1b[31m \x9b \u202e'},
        "welcome.toml",
    )
    text = cadence_toml(spec)
    assert not set(text) & {"\x7f", "\x1b", "\x9b", "\u202e"}
    assert parse_cadence(tomllib.loads(text), "again.toml") == spec
    assert isinstance(spec, CadenceSpec)
