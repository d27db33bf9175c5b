"""Tests `crm export` as a rep runs it: filters, files, spreadsheet safety, calendars, JSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import icalendar
import vobject  # type: ignore[import-untyped]

from tests.cli.support import add_yamada
from tests.conftest import Crm


def test_csv_export_neutralises_formulas_and_opens_in_excel(crm: Crm, tmp_path: Path) -> None:
    add_yamada(crm)
    crm("add", "contact", '=HYPERLINK("http://evil.example","x")', "--note", "@SUM(A1)")
    out = tmp_path / "contacts.csv"
    crm("export", "csv", "--excel", "--out", str(out))
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    names = {row["Display Name"] for row in rows}
    assert '\'=HYPERLINK("http://evil.example","x")' in names
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())
    yamada = next(row for row in rows if row["Family Name"] == "山田")
    assert yamada["Mobile"] == "'+819012345678" and yamada["Family Reading"] == "ヤマダ"


def test_export_takes_the_filters_of_ls(crm: Crm) -> None:
    add_yamada(crm)
    crm("add", "contact", "Emma Clarke", "--tag", "expo")
    cards = list(vobject.readComponents(crm("export", "vcard", "--tag", "expo").out))
    assert [c.fn.value for c in cards] == ["Emma Clarke"]
    everyone = list(vobject.readComponents(crm("export", "vcard", "--version", "4.0").out))
    assert sorted(c.fn.value for c in everyone) == ["Emma Clarke", "山田 太郎"]


def test_ics_export_has_follow_ups_as_todos_and_visits_as_events(crm: Crm) -> None:
    yamada = add_yamada(crm)
    crm(
        "log",
        "visit",
        yamada["id"],
        "Demo, with the new model",
        "--where",
        "本社",
        "--next",
        "Send the brochure",
        "--due",
        "3d",
    )
    crm("log", "call", yamada["id"], "Quick call")
    calendar = icalendar.Calendar.from_ical(crm("export", "ics").out)
    todos = list(calendar.walk("VTODO"))
    events = list(calendar.walk("VEVENT"))
    assert [str(t["SUMMARY"]) for t in todos] == ["Send the brochure"]
    assert [str(e["SUMMARY"]) for e in events] == ["Demo, with the new model"]
    assert str(events[0]["LOCATION"]) == "本社"
    assert "山田 太郎" in str(todos[0]["DESCRIPTION"])


def test_person_export_holds_everything_about_them(crm: Crm, tmp_path: Path) -> None:
    yamada = add_yamada(crm)
    crm("log", "visit", yamada["id"], "Demo", "--next", "Send the brochure")
    out = tmp_path / "yamada.json"
    crm("export", "person", "taro@example.jp", "--out", str(out))
    data = json.loads(out.read_text())
    assert data["contact"]["id"] == yamada["id"]
    assert data["company"]["name"] == "株式会社ミナト精機"
    assert [a["summary"] for a in data["activities"]] == ["Demo"]
    assert [t["title"] for t in data["tasks"]] == ["Send the brochure"]
    assert {op["payload"].get("field") for op in data["history"]} >= {"display_name", "emails"}


def test_json_export_holds_every_kind(crm: Crm) -> None:
    add_yamada(crm)
    data = crm("export", "json").json()
    assert len(data["contacts"]) == 1 and len(data["companies"]) == 1
    assert set(data) >= {"contacts", "companies", "deals", "activities", "tasks", "quotes"}


def test_an_export_to_a_folder_that_does_not_exist_is_a_clear_error(
    crm: Crm, tmp_path: Path
) -> None:
    add_yamada(crm)
    missing = tmp_path / "no" / "such"
    for args, option in (
        (("csv", "--out", str(missing / "x.csv")), "--out"),
        (("vcard", "--out", str(missing / "x.vcf")), "--out"),
        (("vcard", "--vdir", str(tmp_path / "file.txt" / "cards")), "--vdir"),
    ):
        (tmp_path / "file.txt").write_text("not a folder")
        result = crm("export", *args, ok=False)
        assert result.code == 2 and "Traceback" not in result.err, result.err
        assert (
            result.err.startswith("crm: Cannot write ") and f"choose another {option}" in result.err
        )
