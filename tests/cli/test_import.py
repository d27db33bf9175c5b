"""Tests `crm import` end to end: nobody twice, enrichment, dry runs, bad files, one transaction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crm_tui.services import card_prep, importing
from crm_tui.services.importing import FileReport, import_files
from crm_tui.services.session import Session
from crm_tui.storage.doctor import check_store
from tests.cli.support import fails, op_count, query
from tests.conftest import Crm

IPHONE = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:山田;太郎;;;\r\nFN:山田 太郎\r\n"
    "X-PHONETIC-LAST-NAME:ヤマダ\r\nX-PHONETIC-FIRST-NAME:タロウ\r\n"
    "ORG:株式会社ミナト精機;営業部\r\nTITLE:部長\r\n"
    "item1.TEL:090-1234-5678\r\nitem1.X-ABLabel:_$!<Mobile>!$_\r\n"
    "EMAIL;TYPE=INTERNET:Taro@Example.jp\r\nUID:iphone-1\r\nEND:VCARD\r\n"
)
ANDROID = (
    "BEGIN:VCARD\r\nVERSION:2.1\r\nN:山田;太郎;;;\r\nFN:山田 太郎\r\n"
    "TEL;CELL:+81 90 1234 5678\r\nTEL;WORK:03-5555-0000\r\n"
    "EMAIL;HOME:taro.private@example.com\r\nEND:VCARD\r\n"
)


def _file(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _contacts() -> list[tuple[Any, ...]]:
    return query("SELECT display_name, emails, phones FROM contacts WHERE NOT archived")


def test_the_same_person_from_two_phones_is_one_contact(crm: Crm, tmp_path: Path) -> None:
    crm("import", str(_file(tmp_path, "iphone.vcf", IPHONE)))
    out = crm("import", str(_file(tmp_path, "android.vcf", ANDROID))).out
    assert "0 created, 1 merged" in out
    (contact,) = crm("ls", "contacts", "--json").json()
    assert contact["emails"] == ["taro@example.jp", "taro.private@example.com"]
    assert [p["number"] for p in contact["phones"]] == ["+819012345678", "+81355550000"]
    assert contact["family_reading"] == "ヤマダ" and contact["company"] == "株式会社ミナト精機"
    assert contact["department"] == "営業部" and contact["title"] == "部長"


def test_reimporting_a_file_changes_nothing(crm: Crm, tmp_path: Path) -> None:
    path = _file(tmp_path, "iphone.vcf", IPHONE + ANDROID)
    assert "1 created, 1 merged" in crm("import", str(path)).out
    ops = op_count()
    assert "0 created, 0 merged, 2 unchanged" in crm("import", str(path)).out
    assert op_count() == ops


def test_our_own_export_imports_back_unchanged(crm: Crm, tmp_path: Path) -> None:
    crm("import", str(_file(tmp_path, "iphone.vcf", IPHONE)))
    for version in ("3.0", "4.0"):
        exported = tmp_path / f"export-{version}.vcf"
        crm("export", "vcard", "--version", version, "--out", str(exported))
        assert "1 unchanged" in crm("import", str(exported)).out
    exported = tmp_path / "export.csv"
    crm("export", "csv", "--out", str(exported))
    assert "1 unchanged" in crm("import", str(exported)).out


def test_a_shared_switchboard_does_not_make_two_people_one(crm: Crm, tmp_path: Path) -> None:
    cards = "".join(
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{name}\r\nN:{name.split()[0]};{name.split()[1]};;;\r\n"
        f"ORG:株式会社ミナト精機\r\nTEL;TYPE=WORK:03-5555-0000\r\nEND:VCARD\r\n"
        for name in ("山田 太郎", "佐藤 花子", "鈴木 一郎")
    )
    assert "3 created" in crm("import", str(_file(tmp_path, "expo.vcf", cards))).out
    assert query("SELECT count(*) FROM companies") == [(1,)]


def test_front_and_back_of_one_card_scanned_twice_are_one_contact(crm: Crm, tmp_path: Path) -> None:
    back = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Yamada;Taro;;;\r\nFN:Taro Yamada\r\n"
        "ORG:Minato Seiki Co.\\, Ltd.\r\nEMAIL:taro@example.jp\r\nEND:VCARD\r\n"
    )
    out = crm("import", str(_file(tmp_path, "scan.vcf", IPHONE + back))).out
    assert "1 created, 1 merged" in out
    (contact,) = crm("ls", "contacts", "--json").json()
    assert contact["alt_names"] == ["Taro Yamada"]


def test_a_dry_run_shows_the_plan_and_writes_nothing(crm: Crm, tmp_path: Path) -> None:
    path = _file(tmp_path, "cards.vcf", IPHONE + ANDROID)
    out = crm("import", "--dry-run", str(path)).out
    assert "would import 2 cards: 1 created, 1 merged" in out
    assert "create  山田 太郎" in out and "same mobile +819012345678" in out
    assert op_count() == 0


def test_a_file_that_is_not_a_vcard_is_refused_and_others_still_import(
    crm: Crm, tmp_path: Path
) -> None:
    junk = _file(tmp_path, "notes.vcf", "Dear Taro,\nsee you Monday.\n")
    good = _file(tmp_path, "iphone.vcf", IPHONE)
    result = crm("import", str(junk), str(good), ok=False)
    assert result.code == 2
    assert "notes.vcf" in result.err and "Traceback" not in result.err
    assert "1 created" in result.out
    assert len(_contacts()) == 1


def test_a_damaged_file_imports_every_complete_card_and_names_the_broken(
    crm: Crm, tmp_path: Path
) -> None:
    # An unclosed card with a name, then a card that is only its first line.
    broken = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Card;Broken\r\nBEGIN:VCARD\r\n"
    path = _file(tmp_path, "damaged.vcf", IPHONE + broken + ANDROID.replace("山田", "佐藤"))
    out = crm("import", str(path)).out
    assert "imported 4 cards: 3 created, 0 merged, 0 unchanged, 1 skipped" in out
    assert "damaged.vcf: card 3, line 17: the card is cut short" in out
    names = sorted(row[0] for row in _contacts())
    assert names == ["Broken Card", "佐藤 太郎", "山田 太郎"]


def test_a_missing_path_is_a_clear_error(crm: Crm, tmp_path: Path) -> None:
    line = fails(crm, 3, "import", str(tmp_path / "nowhere.vcf"))
    assert "nowhere.vcf does not exist" in line


def test_markup_in_a_name_is_stored_and_shown_as_text(crm: Crm, tmp_path: Path) -> None:
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:[bold]Evil[/] [@click=app.quit]\r\nEND:VCARD\r\n"
    out = crm("import", "--dry-run", str(_file(tmp_path, "evil.vcf", card))).out
    assert "[bold]Evil[/] [@click=app.quit]" in out
    crm("import", str(tmp_path / "evil.vcf"))
    assert query("SELECT display_name FROM contacts") == [("[bold]Evil[/] [@click=app.quit]",)]


def test_a_failed_write_leaves_the_store_as_it_was(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _file(tmp_path, "cards.vcf", IPHONE + ANDROID.replace("山田", "佐藤"))
    from crm_tui.storage.writer import Writer

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(Writer, "create_many", disk_full)
    with pytest.raises(OSError):
        import_files(session, [path])
    monkeypatch.undo()
    assert session.store.conn.execute("SELECT count(*) FROM ops").fetchone() == (0,)
    (report,) = import_files(session, [path])
    assert len(report.created) == 2


FIXTURES = Path(__file__).parents[1] / "interchange" / "fixtures" / "vcard"
MIXED = [
    "featurephone_21_sjis_qp.vcf",
    "iphone_30_itemN_ablabel.vcf",
    "damaged_file.vcf",
    "unescaped_commas_and_escapes.vcf",
    "photos_base64.vcf",
    "phone_labels.vcf",
]


def _summary(report: FileReport) -> list[Any]:
    """What a report says, without the ids made for new records."""
    return [
        [(c.where, c.name, c.evidence) for c in report.created],
        [(c.where, c.name, c.evidence, sorted(c.fields)) for c in report.merged],
        [(c.where, c.name) for c in report.unchanged],
        [(s.where, s.reason) for s in report.skipped],
        report.new_companies,
    ]


def test_a_big_file_prepared_in_worker_processes_imports_as_it_would_here(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    back = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Taro Yamada\r\nEMAIL:taro@example.jp\r\nEND:VCARD\r\n"
    data = (IPHONE + ANDROID + back).encode() * 3
    data += b"".join((FIXTURES / name).read_bytes() for name in MIXED) * 40
    path = tmp_path / "big.vcf"
    path.write_bytes(data)
    (here,) = import_files(session, [path], dry_run=True)
    monkeypatch.setattr(card_prep, "WORKER_MIN_BYTES", 0)
    monkeypatch.setattr(importing, "WRITE_EVERY", 7)  # several writes inside the one transaction
    (dry,) = import_files(session, [path], dry_run=True)
    (done,) = import_files(session, [path])
    assert _summary(dry) == _summary(here) == _summary(done)
    assert here.created and here.merged and here.unchanged and here.skipped
    assert check_store(session.store.conn).healthy


def test_a_card_that_enriches_a_contact_written_earlier_in_the_file_updates_it(
    crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "WRITE_EVERY", 1)  # the first card is written before the second
    back = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Yamada;Taro;;;\r\nFN:Taro Yamada\r\n"
        "EMAIL:taro@example.jp\r\nNOTE:Met at the expo\r\nEND:VCARD\r\n"
    )
    out = crm("import", str(_file(tmp_path, "scan.vcf", IPHONE + back))).out
    assert "1 created, 1 merged" in out
    (contact,) = crm("ls", "contacts", "--json").json()
    assert contact["alt_names"] == ["Taro Yamada"] and contact["note"] == "Met at the expo"
    assert crm("doctor").code == 0
