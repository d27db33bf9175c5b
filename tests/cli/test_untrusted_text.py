"""Tests that text from users stays text: no markup, no escape sequences reach the terminal."""

from __future__ import annotations

import json

from tests.cli.support import query
from tests.conftest import Crm

MARKUP = "[bold]x[/] [@click=app.quit]"
ESCAPE = "Evil \x1b[31mred\x1b[0m"
CONTROLS = "Bell\x07 \x9b2J Back\x08 \u202eevil"
RAW = ("\x1b", "\x07", "\x08", "\x9b", "\u202e")


def _assert_harmless(text: str) -> None:
    for char in RAW:
        assert char not in text, repr(char)


def test_markup_in_a_name_prints_literally_everywhere(crm: Crm) -> None:
    crm("add", "contact", MARKUP, "--title", "[red]boss[/red]")
    assert query("SELECT title FROM contacts") == [("[red]boss[/red]",)]
    assert crm("show", "bold").out.splitlines()[0] == f"Contact: {MARKUP}"
    assert "[red]boss[/red]" in crm("show", "bold").out
    assert MARKUP in crm("ls", "contacts").out
    assert MARKUP in crm("search", "bold").out
    assert crm("show", "bold", "--json").json()["display_name"] == MARKUP


def test_an_escape_sequence_in_a_name_is_shown_as_visible_codes(crm: Crm) -> None:
    added = crm("add", "contact", ESCAPE)
    assert "Evil \\x1b[31mred\\x1b[0m" in added.out
    assert query("SELECT display_name FROM contacts") == [(ESCAPE,)]
    for args in (("show", "Evil"), ("ls", "contacts"), ("search", "Evil")):
        out = crm(*args).out
        _assert_harmless(out)
        assert "\\x1b[31mred\\x1b[0m" in out, args


def test_json_escapes_control_characters_and_keeps_the_text(crm: Crm) -> None:
    contact_id = crm("add", "contact", CONTROLS, "--note", CONTROLS, "--json").json()["id"]
    for args in (("show", contact_id, "--json"), ("ls", "contacts", "--json")):
        out = crm(*args).out
        _assert_harmless(out)
        data = json.loads(out)
        record = data if isinstance(data, dict) else data[0]
        assert record["note"] == CONTROLS
        assert "\u202eevil" in record["display_name"]


def test_control_characters_in_names_and_notes_print_harmlessly(crm: Crm) -> None:
    contact_id = crm("add", "contact", CONTROLS, "--json").json()["id"]
    crm("log", "note", contact_id, f"Note with {ESCAPE}", "--body", "line one\nline two")
    for args in (("show", contact_id), ("ls", "contacts"), ("search", "note"), ("show", "Note")):
        _assert_harmless(crm(*args).out)
    listed = crm("ls", "contacts").out
    assert "\\x07" in listed and "\\x9b2J" in listed and "\\u202eevil" in listed


def test_error_messages_quote_user_text_harmlessly(crm: Crm) -> None:
    result = crm("show", ESCAPE, ok=False)
    assert result.code == 3
    _assert_harmless(result.err)
    assert "\\x1b[31m" in result.err
