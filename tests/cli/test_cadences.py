"""Tests of `crm cadence …`: defining, enrolling, steps as next actions, leaving, status."""

from __future__ import annotations

import email
from email.policy import default
from pathlib import Path
from typing import Any

import pytest

from tests.cli.cadence_support import (
    SIGNATURE,
    UNSUBSCRIBE,
    WELCOME,
    issue_example,
    write_mail_config,
    write_welcome,
)
from tests.cli.support import fails, op_count, query
from tests.conftest import Crm


def _steps_due(crm: Crm) -> list[tuple[str, str, str | None, str | None]]:
    return [
        (item["due"], item["title"], item["channel"], item["contact"])
        for item in crm("next-actions", "--json").json()
        if item["kind"] == "task"
    ]


def test_the_issues_example_puts_the_day_0_step_in_next_actions_due_today(
    crm: Crm, tmp_path: Path
) -> None:
    issue_example(crm, tmp_path)
    enrolled = crm("cadence", "enrol", "welcome", "ken@example.jp")
    assert enrolled.out.startswith(
        "Enrolled 佐藤 健一 in welcome: 3 step(s), next email ご来場ありがとうございました "
        "due 2026-11-26  "
    )
    assert _steps_due(crm) == [
        ("2026-11-26", "ご来場ありがとうございました", "email", "佐藤 健一"),
        ("2026-11-29", "資料のご案内", "email", "佐藤 健一"),
    ]
    listed = crm("next-actions").out.splitlines()
    assert listed[1].split()[:3] == ["2026-11-26", "email", "ご来場ありがとうございました"]


def test_later_steps_come_due_on_their_days(
    crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    issue_example(crm, tmp_path)
    crm("cadence", "enrol", "welcome", "ken@example.jp")
    monkeypatch.setenv("CRM_NOW", "2026-11-29T09:00:00+09:00")  # day 3
    due = [i for i in crm("next-actions", "--json").json() if i["due"] == "2026-11-29"]
    assert [(i["title"], i["reason"], i["channel"]) for i in due] == [
        ("資料のご案内", "due today", "email")
    ]
    monkeypatch.setenv("CRM_NOW", "2026-12-06T09:00:00+09:00")  # day 10
    due = [i for i in crm("next-actions", "--json").json() if i["due"] == "2026-12-06"]
    assert [(i["title"], i["reason"], i["channel"]) for i in due] == [
        ("Follow-up call", "due today", "call")
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("day = 3\n", ""), "step 2 has no day: add day = 3"),
        (("day = 3\n", "day = -3\n"), "step 2: day -3 must be a whole number of days"),
        (("day = 3\n", "day = 2.5\n"), "step 2: day 2.5 must be a whole number of days"),
        (('channel = "call"', 'channel = "fax"'), "step 3: channel is 'fax'"),
        (("{given_name} 様\\n製品", "{name} 様\\n製品"), "step 2: unknown placeholder {name}"),
        (('body = "{given_name} 様\\n製品資料をお送りします。"\n', ""), "step 2: an email step"),
        (("[[steps]]\nday = 10", "[[steps]\nday = 10"), "not valid TOML"),
    ],
)
def test_a_bad_cadence_file_names_the_file_and_step_and_saves_nothing(
    crm: Crm, tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    text = (
        WELCOME.replace(change[0], change[1], 1)
        if change[0] != "day = 3\n"
        else (WELCOME.replace(change[0], change[1]))
    )
    path = write_welcome(tmp_path, text, "bad.toml")
    line = fails(crm, 2, "cadence", "add", str(path))
    assert str(path) in line
    assert message in line
    assert query("SELECT count(*) FROM cadences") == [(0,)]


def test_a_second_cadence_of_the_same_name_is_refused(crm: Crm, tmp_path: Path) -> None:
    path = write_welcome(tmp_path)
    crm("cadence", "add", str(path))
    line = fails(crm, 2, "cadence", "add", str(path))
    assert (
        "a cadence named 'welcome' exists; to replace it with this file: "
        f"crm cadence add {path} --replace" in line
    )


def test_a_cadence_is_replaced_from_its_edited_file(crm: Crm, tmp_path: Path) -> None:
    ken = issue_example(crm, tmp_path)
    crm("cadence", "enrol", "welcome", ken["id"])
    exported = crm("cadence", "show", "welcome", "--toml").out
    edited = write_welcome(tmp_path, exported.replace("製品資料", "新しい製品資料"), "edited.toml")
    replaced = crm("cadence", "add", str(edited), "--replace")
    assert replaced.out.startswith("Replaced cadence welcome: 3 steps")
    assert "1 active contact(s) keep their tasks" in replaced.err
    shown = crm("cadence", "show", "welcome", "--json").json()
    assert shown["steps"][1]["body"] == "{given_name} 様\n新しい製品資料をお送りします。"
    # Days and channels planned an active contact's tasks: they may not change under them.
    moved = write_welcome(tmp_path, exported.replace("day = 3", "day = 4"), "moved.toml")
    assert "1 contact(s) are active in 'welcome'" in fails(
        crm, 6, "cadence", "add", str(moved), "--replace"
    )


def test_a_cadence_is_built_by_command(crm: Crm) -> None:
    crm("cadence", "new", "trade-show", "--fallback", "call")
    crm(
        "cadence",
        "step",
        "add",
        "trade-show",
        "--day",
        "10",
        "--channel",
        "call",
        "--subject",
        "Follow-up call",
    )
    added = crm(
        "cadence",
        "step",
        "add",
        "trade-show",
        "--day",
        "0",
        "--channel",
        "email",
        "--subject",
        "Thanks, {given_name}",
        "--body",
        "{given_name} 様\n{rep_signature}",
    )
    assert added.out.startswith("Added step 1 to cadence trade-show")
    crm(
        "cadence",
        "step",
        "add",
        "trade-show",
        "--day",
        "3",
        "--channel",
        "task",
        "--subject",
        "Send the white paper",
    )
    shown = crm("cadence", "show", "trade-show", "--json").json()
    assert [(s["step"], s["day"], s["channel"]) for s in shown["steps"]] == [
        (1, 0, "email"),
        (2, 3, "task"),
        (3, 10, "call"),
    ]
    assert shown["fallback"] == "call"
    assert "an email step needs a body" in fails(
        crm,
        2,
        "cadence",
        "step",
        "add",
        "trade-show",
        "--day",
        "1",
        "--channel",
        "email",
        "--subject",
        "Hello",
    )
    assert "unknown placeholder {nmae}" in fails(
        crm,
        2,
        "cadence",
        "step",
        "add",
        "trade-show",
        "--day",
        "1",
        "--channel",
        "call",
        "--subject",
        "Call {nmae}",
    )
    crm("cadence", "step", "rm", "trade-show", "2")
    listed = crm("cadence", "ls", "--json").json()
    assert [(c["name"], len(c["steps"])) for c in listed] == [("trade-show", 2)]
    fails(crm, 2, "cadence", "new", "trade-show")


def test_a_contact_already_active_is_not_enrolled_twice(crm: Crm, tmp_path: Path) -> None:
    issue_example(crm, tmp_path)
    crm("cadence", "enrol", "welcome", "ken@example.jp")
    again = crm("cadence", "enrol", "welcome", "ken@example.jp", "--json").json()
    assert again["enrolled"] == []
    assert again["already"][0]["contact"] == "佐藤 健一"
    said = crm("cadence", "enrol", "welcome", "佐藤")
    assert (
        "佐藤 健一 is already active in welcome (since 2026-11-26); not enrolled twice." in said.err
    )
    assert query("SELECT count(*) FROM enrolments") == [(1,)]
    assert query("SELECT count(*) FROM tasks") == [(3,)]


def test_email_steps_go_only_to_consenting_contacts_and_the_rest_are_skipped_with_why(
    crm: Crm, tmp_path: Path
) -> None:
    issue_example(crm, tmp_path)
    crm("add", "contact", "山田 太郎", "--email", "taro@example.jp")  # no consent
    crm("add", "contact", "鈴木 花子", "--consent")  # no address
    crm("add", "contact", "Emma Clarke", "--email", "emma@example.com", "--consent")
    crm("edit", "Emma", "--opt-out")
    done = crm("cadence", "enrol", "welcome", "山田", "鈴木", "Emma", "--json").json()
    reasons = {
        p["contact"]: [(s["step"], s["reason"]) for s in p["skipped"]] for p in done["enrolled"]
    }
    assert reasons == {
        "山田 太郎": [(1, "no marketing consent"), (2, "no marketing consent")],
        "鈴木 花子": [(1, "no email address"), (2, "no email address")],
        "Emma Clarke": [(1, "opted out"), (2, "opted out")],
    }
    assert {p["contact"]: [t["channel"] for t in p["tasks"]] for p in done["enrolled"]} == {
        "山田 太郎": ["call"],
        "鈴木 花子": ["call"],
        "Emma Clarke": ["call"],
    }
    status = crm("cadence", "status", "welcome").out
    assert "step 1 skipped: no marketing consent; step 2 skipped: no marketing consent" in status


def test_the_call_fallback_turns_email_steps_into_calls_saying_why(
    crm: Crm, tmp_path: Path
) -> None:
    crm("add", "contact", "山田 太郎", "--email", "taro@example.jp")
    path = write_welcome(tmp_path, 'fallback = "call"\n' + WELCOME)
    crm("cadence", "add", str(path))
    done = crm("cadence", "enrol", "welcome", "山田", "--json").json()
    [planned] = done["enrolled"]
    assert [(t["step"], t["channel"], t["title"]) for t in planned["tasks"]] == [
        (1, "call", "ご来場ありがとうございました"),
        (2, "call", "資料のご案内"),
        (3, "call", "Follow-up call"),
    ]
    assert planned["tasks"][0]["note"] == "By call instead of email: no marketing consent."
    assert planned["skipped"] == []


def test_a_done_step_is_logged_and_the_contact_moves_to_the_next_step(
    crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    issue_example(crm, tmp_path)
    crm("cadence", "enrol", "welcome", "ken@example.jp")
    crm("task", "done", "ご来場ありがとうございました")
    assert query("SELECT type, direction, summary FROM activities") == [
        ("email", "outbound", "ご来場ありがとうございました")
    ]
    [position] = crm("cadence", "status", "welcome", "--json").json()["enrolments"]
    assert (position["status"], position["step"], position["done"]) == ("active", 2, 1)
    assert position["next"]["title"] == "資料のご案内"
    monkeypatch.setenv("CRM_NOW", "2026-12-06T10:00:00+09:00")
    crm("task", "done", "資料のご案内")
    crm("task", "done", "Follow-up call")
    assert query("SELECT type FROM activities ORDER BY at") == [("email",), ("email",), ("call",)]
    [position] = crm("cadence", "status", "welcome", "--json").json()["enrolments"]
    assert (position["status"], position["left_on"], position["next"]) == (
        "finished",
        "2026-12-06",
        None,
    )


def _left(crm: Crm) -> list[tuple[str, str, str | None]]:
    rows = crm("cadence", "status", "welcome", "--json").json()["enrolments"]
    return [(p["contact"], p["status"], p["reason"]) for p in rows]


def _open_steps() -> int:
    return int(
        query("SELECT count(*) FROM tasks WHERE enrolment_id IS NOT NULL AND status = 'open'")[0][0]
    )


def test_an_inbound_reply_takes_the_contact_out_and_cancels_their_steps(
    crm: Crm, tmp_path: Path
) -> None:
    issue_example(crm, tmp_path)
    crm("cadence", "enrol", "welcome", "ken@example.jp")
    crm("log", "email", "ken@example.jp", "ご案内ありがとうございます")  # ours: nothing changes
    assert _left(crm) == [("佐藤 健一", "active", None)]
    crm("log", "email", "ken@example.jp", "Re: ご来場ありがとうございました", "--inbound")
    assert _left(crm) == [
        ("佐藤 健一", "replied", "replied (email: Re: ご来場ありがとうございました)")
    ]
    assert _open_steps() == 0
    assert query("SELECT status FROM tasks ORDER BY step") == [("cancelled",)] * 3


def test_an_inbound_inquiry_is_a_reply_too(crm: Crm, tmp_path: Path) -> None:
    issue_example(crm, tmp_path)
    crm("cadence", "enrol", "welcome", "ken@example.jp")
    crm("inquiry", "open", "ken@example.jp", "見積もりのお願い")
    assert _left(crm) == [("佐藤 健一", "replied", "replied (inquiry: 見積もりのお願い)")]


def test_a_won_company_deal_and_a_lost_contact_deal_take_their_people_out(
    crm: Crm, tmp_path: Path
) -> None:
    issue_example(crm, tmp_path)
    crm("add", "contact", "Emma Clarke", "--email", "emma@example.com", "--consent")
    crm("cadence", "enrol", "welcome", "ken@example.jp", "Emma")
    crm("add", "deal", "Line 3 retrofit", "--company", "株式会社ミナト精機", "--amount", "1200000")
    crm("add", "deal", "Harbor pilot", "--contact", "Emma")
    crm("deal", "stage", "Line 3 retrofit", "won")
    assert _left(crm) == [
        ("Emma Clarke", "active", None),
        ("佐藤 健一", "won", "deal Line 3 retrofit won"),
    ]
    crm("deal", "stage", "Harbor pilot", "lost")
    assert _left(crm)[0] == ("Emma Clarke", "lost", "deal Harbor pilot lost")
    assert _open_steps() == 0


def test_opting_out_takes_the_contact_out(crm: Crm, tmp_path: Path) -> None:
    issue_example(crm, tmp_path)
    crm("cadence", "enrol", "welcome", "ken@example.jp")
    crm("edit", "ken@example.jp", "--opt-out")
    assert _left(crm) == [("佐藤 健一", "opted_out", "opted out")]
    assert _open_steps() == 0
    # Enrolled again later, he gets no email step.
    again = crm("cadence", "enrol", "welcome", "ken@example.jp", "--json").json()
    assert [t["channel"] for t in again["enrolled"][0]["tasks"]] == ["call"]


def test_stop_takes_a_contact_out_by_hand(crm: Crm, tmp_path: Path) -> None:
    issue_example(crm, tmp_path)
    crm("cadence", "enrol", "welcome", "ken@example.jp")
    crm("cadence", "stop", "welcome", "ken@example.jp", "--reason", "met at the fair")
    assert _left(crm) == [("佐藤 健一", "stopped", "met at the fair")]
    fails(crm, 2, "cadence", "stop", "welcome", "ken@example.jp")


def test_status_gives_each_steps_conversion_on_a_hand_computed_set(
    crm: Crm, tmp_path: Path
) -> None:
    issue_example(crm, tmp_path)
    for name in ("Aoki", "Baba", "Chiba"):
        crm("add", "contact", f"{name} Test", "--email", f"{name.lower()}@example.jp", "--consent")
    crm("cadence", "enrol", "welcome", "Aoki", "Baba", "Chiba")
    for name in ("Aoki", "Baba", "Chiba"):
        crm("task", "done", _step_task(name, 0))
    crm("log", "email", "Aoki", "Re: thanks", "--inbound")  # Aoki converts after step 1
    crm("task", "done", _step_task("Baba", 1))
    crm("add", "deal", "Baba order", "--contact", "Baba")
    crm("deal", "stage", "Baba order", "won")  # Baba converts after step 2; Chiba goes on
    status = crm("cadence", "status", "welcome", "--json").json()
    assert [
        (r["step"], r["reached"], r["converted"], r["conversion"]) for r in status["conversion"]
    ] == [
        (1, 3, 1, pytest.approx(1 / 3)),
        (2, 1, 1, 1.0),
        (3, 0, 0, None),
    ]
    human = crm("cadence", "status", "welcome").out
    assert human.splitlines()[0] == "welcome: 3 steps; 1 active, 1 replied, 1 won"
    assert [line.split()[-1] for line in human.splitlines()[-3:]] == ["33%", "100%", "–"]


def _step_task(contact: str, position: int) -> str:
    rows = query(
        "SELECT t.id FROM tasks t JOIN contacts c ON c.id = t.contact_id "
        "WHERE c.display_name LIKE ? AND t.step = ?",
        f"{contact}%",
        position,
    )
    return str(rows[0][0])


def test_an_email_step_is_written_as_an_eml_draft_and_stays_due(crm: Crm, tmp_path: Path) -> None:
    write_mail_config()
    issue_example(crm, tmp_path)
    crm("cadence", "enrol", "welcome", "ken@example.jp")
    before = op_count()
    folder = tmp_path / "drafts"
    sent = crm("cadence", "send", "ken@example.jp", "--eml", str(folder))
    path = Path(sent.out.strip())
    assert path.parent == folder and path.suffix == ".eml"
    message = email.message_from_bytes(path.read_bytes(), policy=default)
    assert message["To"] == "ken@example.jp"
    assert message["From"] == "Alice Sato <alice@example.jp>"
    assert message["Subject"] == "ご来場ありがとうございました"
    # Mail text lines end in CRLF (RFC 5322); the text is the rendered step with the notice.
    assert message.get_content().replace("\r\n", "\n") == (
        f"健一 様\n先日はありがとうございました。\n{SIGNATURE}\n\n{UNSUBSCRIBE}\n"
    )
    assert op_count() == before  # a draft is not a sent mail: the step stays due
    assert "Once sent: crm task done" in sent.err


def test_drafts_writes_every_due_email_step_and_leaves_out_who_may_not_be_mailed(
    crm: Crm, tmp_path: Path
) -> None:
    write_mail_config(f'drafts = "{tmp_path / "outbox"}"\n')
    issue_example(crm, tmp_path)
    crm("add", "contact", "Emma Clarke", "--email", "emma@example.com", "--consent")
    crm("cadence", "enrol", "welcome", "ken@example.jp", "Emma")
    crm("edit", "Emma", "--no-consent")  # withdrawn after enrolment
    done = crm("cadence", "drafts", "--json").json()
    assert [Path(w["path"]).parent for w in done["written"]] == [tmp_path / "outbox"]
    assert [w["to"] for w in done["written"]] == ["ken@example.jp"]
    assert (
        "Emma Clarke may not be sent marketing email (no marketing consent)"
        in done["refused"][0]["reason"]
    )


def test_no_email_step_renders_without_an_unsubscribe_line(crm: Crm, tmp_path: Path) -> None:
    write_mail_config(unsubscribe=False)
    issue_example(crm, tmp_path)
    crm("cadence", "enrol", "welcome", "ken@example.jp")
    line = fails(crm, 2, "cadence", "send", "ken@example.jp", "--eml", str(tmp_path / "d"))
    assert 'add unsubscribe = "…" under [mail]' in line
    assert not (tmp_path / "d").exists()


def test_mailto_prints_a_link_for_the_mail_client(crm: Crm, tmp_path: Path) -> None:
    write_mail_config()
    issue_example(crm, tmp_path)
    crm("cadence", "enrol", "welcome", "ken@example.jp")
    sent: dict[str, Any] = crm("cadence", "send", "ken@example.jp", "--mailto", "--json").json()
    from urllib.parse import parse_qs, urlsplit

    url = urlsplit(sent["url"])
    assert (url.scheme, url.path) == ("mailto", "ken@example.jp")
    fields = parse_qs(url.query)
    assert fields["subject"] == ["ご来場ありがとうございました"]
    assert fields["body"][0].endswith(f"\r\n\r\n{UNSUBSCRIBE}\r\n")
    assert sent["sent"] is False


def test_erasing_a_person_erases_their_enrolments(crm: Crm, tmp_path: Path) -> None:
    issue_example(crm, tmp_path)
    crm("cadence", "enrol", "welcome", "ken@example.jp")
    crm("erase", "ken@example.jp", "--yes")
    assert query("SELECT count(*) FROM enrolments") == [(0,)]
    assert query("SELECT count(*) FROM tasks") == [(0,)]
    assert query("SELECT count(*) FROM ops WHERE entity = 'enrolment'") == [(0,)]
    assert crm("cadence", "status", "welcome", "--json").json()["enrolments"] == []


def test_untrusted_names_and_subjects_reach_the_terminal_as_text(crm: Crm, tmp_path: Path) -> None:
    crm("add", "contact", "Evil \x1b[31mRed [bold]x[/bold]", "--email", "e@example.jp")
    path = write_welcome(tmp_path, WELCOME.replace("Follow-up call", "Call \\u001b]0;pwn\\u0007"))
    crm("cadence", "add", str(path))
    enrolled = crm("cadence", "enrol", "welcome", "e@example.jp")
    status = crm("cadence", "status", "welcome").out
    for text in (enrolled.out, enrolled.err, status):
        assert "\x1b" not in text and "\x07" not in text
    assert "Evil \\x1b[31mRed [bold]x[/bold]" in enrolled.out
    assert "Call \\x1b]0;pwn\\x07" in status


def test_a_segment_is_enrolled_in_one_go_and_a_bad_filter_enrols_nobody(
    crm: Crm, tmp_path: Path
) -> None:
    issue_example(crm, tmp_path)
    crm("add", "contact", "山田 太郎", "--email", "taro@example.jp", "--title", "部長", "--consent")
    crm("add", "contact", "鈴木 花子", "--email", "hanako@example.jp", "--title", "課長")
    crm("segment", "save", "bucho", 'title ~ "部長"')

    before = op_count()
    typo = crm("cadence", "enrol", "welcome", "--where", 'titel ~ "部長"', ok=False)
    assert typo.code == 2 and 'unknown field "titel" at column 1' in typo.err
    assert op_count() == before
    fails(crm, 3, "cadence", "enrol", "welcome", "--segment", "nobody")
    enrolled = crm("cadence", "enrol", "welcome", "--segment", "bucho", "--json").json()
    assert sorted(e["contact"] for e in enrolled["enrolled"]) == ["佐藤 健一", "山田 太郎"]
    day_zero = {(due, contact) for due, _, _, contact in _steps_due(crm) if due == "2026-11-26"}
    assert day_zero == {("2026-11-26", "佐藤 健一"), ("2026-11-26", "山田 太郎")}

    # A filter that also takes in 鈴木 enrols only her: the others are already in.
    again = crm("cadence", "enrol", "welcome", "--where", "consent or title ~ 課長", "--json")
    assert [e["contact"] for e in again.json()["enrolled"]] == ["鈴木 花子"]
    assert sorted(a["contact"] for a in again.json()["already"]) == ["佐藤 健一", "山田 太郎"]


def test_a_deal_added_as_already_won_takes_its_people_out(crm: Crm, tmp_path: Path) -> None:
    issue_example(crm, tmp_path)
    crm("cadence", "enrol", "welcome", "ken@example.jp")
    crm("add", "deal", "Spare parts", "--company", "株式会社ミナト精機", "--stage", "won")
    assert _left(crm) == [("佐藤 健一", "won", "deal Spare parts won")]
    assert _open_steps() == 0
