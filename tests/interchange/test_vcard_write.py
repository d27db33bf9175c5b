"""Tests writing contacts as vCard 3.0 and 4.0: values read back exactly, and khard reads them."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import vobject  # type: ignore[import-untyped]
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from crm_tui.domain.records import Company, Contact
from crm_tui.errors import InvalidInput
from crm_tui.interchange.vcard_write import vcard_of, vdir_name, write_vcards, write_vdir

VERSIONS = ("3.0", "4.0")
KHARD = Path(sys.executable).parent / "khard"

ACME = Company(id="01JD00000000000000000C0MP0", name="株式会社サンプル", reading="サンプル")
YAMADA = Contact(
    id="01JD0000000000000000000001",
    display_name="山田 太郎",
    family_name="山田",
    given_name="太郎",
    family_reading="ヤマダ",
    given_reading="タロウ",
    company_id=ACME.id,
    department="営業部",
    title="課長",
    emails=["taro@example.jp"],
    phones=[
        {"number": "+819012345678", "label": "mobile", "valid": True, "display": "+81 90"},
        {
            "number": "+81312345678",
            "label": "work",
            "valid": True,
            "display": "+81 3",
            "ext": "123",
        },
    ],
    address="東京都千代田区丸の内1-1-1",
    tags=["vip", "東京"],
    note="初回訪問",
    updated_at="2026-11-26T00:00:00.000Z",
)
SMITH = Contact(
    id="01JD0000000000000000000002",
    display_name="John Smith",
    family_name="Smith",
    given_name="John",
    emails=["john.smith@example.com", "js@example.org"],
    phones=[{"number": "+12025550123", "label": "home", "valid": True, "display": "+1 202"}],
    note="Met at the expo, booth 12; call back in Q1",
)
SATO = Contact(
    id="01JD0000000000000000000003",
    display_name="佐藤 花子",
    family_name="佐藤",
    given_name="花子",
    phones=[{"number": "03-1234-ABCD, 内線5", "label": "work", "valid": False, "display": "x"}],
    emails=["hanako@example.jp"],
)
MARKUP = Contact(
    id="01JD0000000000000000000004",
    display_name="[bold]x[/]",
    family_name="[bold]x[/]",
    emails=["markup@example.jp"],
    phones=[{"number": "+819087654321", "label": "mobile", "valid": True, "display": "+81"}],
)
BOOK: list[tuple[Contact, Company | None]] = [
    (YAMADA, ACME),
    (SMITH, None),
    (SATO, None),
    (MARKUP, None),
]


def contact(**fields: Any) -> Contact:
    """A contact with the given fields and a fixed id."""
    return Contact(id="01JD0000000000000000000009", **fields)


def parsed(text: str) -> Any:
    """The one vCard in TEXT, as vobject reads it."""
    cards = list(vobject.readComponents(text))
    assert len(cards) == 1
    return cards[0]


def values(card: Any, name: str) -> list[Any]:
    """Every value of the property NAME in a parsed card."""
    return [line.value for line in card.contents.get(name.lower(), [])]


def physical_lines(text: str) -> list[bytes]:
    """The card's lines as octets, split at CRLF (the last, empty one dropped)."""
    lines = text.encode("utf-8").split(b"\r\n")
    assert lines[-1] == b""
    return lines[:-1]


# ---- values read back by vobject ------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_every_field_of_a_japanese_contact_reads_back_equal(version: str) -> None:
    card = parsed(vcard_of(YAMADA, ACME, version))
    assert values(card, "VERSION") == [version]
    assert values(card, "PRODID") == ["-//crm//crm_tui//EN"]
    assert values(card, "UID") == [YAMADA.id]
    assert values(card, "FN") == ["山田 太郎"]
    assert (card.n.value.family, card.n.value.given) == ("山田", "太郎")
    assert values(card, "X-PHONETIC-LAST-NAME") == ["ヤマダ"]
    assert values(card, "X-PHONETIC-FIRST-NAME") == ["タロウ"]
    assert values(card, "ORG") == [["株式会社サンプル", "営業部"]]
    assert values(card, "X-PHONETIC-ORG") == ["サンプル"]
    assert values(card, "TITLE") == ["課長"]
    assert values(card, "EMAIL") == ["taro@example.jp"]
    assert card.adr.value.street == "東京都千代田区丸の内1-1-1"
    assert values(card, "CATEGORIES") == [["vip", "東京"]]
    assert values(card, "NOTE") == ["初回訪問"]
    assert values(card, "REV") == ["20261126T000000Z"]


def test_version_3_writes_phones_as_typed_e164_numbers_with_extension_words() -> None:
    card = parsed(vcard_of(YAMADA, ACME, "3.0"))
    tels = [(line.params["TYPE"], line.value) for line in card.tel_list]
    assert tels == [(["CELL"], "+819012345678"), (["WORK"], "+81312345678 ext. 123")]
    assert card.email.params["TYPE"] == ["INTERNET"]


def test_version_4_writes_phones_as_tel_uris_with_ext_parameter() -> None:
    card = parsed(vcard_of(YAMADA, ACME, "4.0"))
    tels = [(line.params["VALUE"], line.params["TYPE"], line.value) for line in card.tel_list]
    assert tels == [
        (["uri"], ["cell"], "tel:+819012345678"),
        (["uri"], ["work"], "tel:+81312345678;ext=123"),
    ]
    assert "TYPE" not in card.email.params


@pytest.mark.parametrize("version", VERSIONS)
def test_an_unparsed_phone_is_written_verbatim_as_text(version: str) -> None:
    card = parsed(vcard_of(SATO, None, version))
    assert values(card, "TEL") == ["03-1234-ABCD, 内線5"]
    assert card.tel.params.get("VALUE") == (["text"] if version == "4.0" else None)


@pytest.mark.parametrize(
    ("label", "v3", "v4"),
    [
        ("mobile", "CELL", "cell"),
        ("work", "WORK", "work"),
        ("home", "HOME", "home"),
        ("fax", "FAX", "fax"),
        ("other", "VOICE", "voice"),
        ("main", "X-MAIN", "x-main"),
        ("直通", "VOICE", "voice"),
    ],
)
def test_phone_labels_become_vcard_types(label: str, v3: str, v4: str) -> None:
    phone = {"number": "+819012345678", "label": label, "valid": True, "display": "x"}
    for version, expected in (("3.0", v3), ("4.0", v4)):
        card = parsed(vcard_of(contact(phones=[phone]), None, version))
        assert card.tel.params["TYPE"] == [expected]


def test_version_4_sorts_the_name_by_its_readings() -> None:
    text = vcard_of(YAMADA, ACME, "4.0")
    assert 'N;SORT-AS="ヤマダ,タロウ":山田;太郎;;;\r\n' in text
    assert "SORT-STRING" not in text


def test_version_3_writes_the_readings_as_sort_string() -> None:
    card = parsed(vcard_of(YAMADA, ACME, "3.0"))
    assert values(card, "SORT-STRING") == ["ヤマダ タロウ"]
    assert "SORT-AS" not in card.n.params


def test_a_missing_given_reading_sorts_by_the_given_name() -> None:
    text = vcard_of(contact(family_name="山田", given_name="太郎", family_reading="ヤマダ"), None)
    assert "SORT-STRING:ヤマダ 太郎\r\n" in text
    assert "X-PHONETIC-FIRST-NAME" not in text


def test_a_contact_without_readings_has_no_sort_keys() -> None:
    text = vcard_of(SMITH, None, "4.0") + vcard_of(SMITH, None, "3.0")
    assert "SORT" not in text
    assert "PHONETIC" not in text


def test_a_department_without_a_company_keeps_an_empty_organisation_name() -> None:
    card = parsed(vcard_of(contact(display_name="A", department="総務部"), None))
    assert values(card, "ORG") == [["", "総務部"]]


def test_a_contact_without_a_company_or_optional_fields_writes_only_names() -> None:
    text = vcard_of(contact(display_name="Solo"), None)
    names = [line.split(b":")[0].split(b";")[0] for line in physical_lines(text)]
    assert names == [b"BEGIN", b"VERSION", b"PRODID", b"UID", b"FN", b"N", b"END"]


def test_an_empty_display_name_is_composed_from_the_names() -> None:
    card = parsed(vcard_of(contact(family_name="山田", given_name="太郎"), None))
    assert values(card, "FN") == ["山田 太郎"]


def test_the_uid_is_the_plain_id_marked_as_text_in_version_4() -> None:
    assert f"\r\nUID:{YAMADA.id}\r\n" in vcard_of(YAMADA, ACME, "3.0")
    assert f"\r\nUID;VALUE=text:{YAMADA.id}\r\n" in vcard_of(YAMADA, ACME, "4.0")


def test_rev_is_the_update_instant_in_utc() -> None:
    card = parsed(vcard_of(contact(updated_at="2026-11-26T09:30:05+09:00"), None))
    assert values(card, "REV") == ["20261126T003005Z"]


def test_an_unknown_version_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"3\.0 or 4\.0"):
        vcard_of(SMITH, None, "2.1")


# ---- escaping --------------------------------------------------------------------------------

TRICKY = "Smith, Jr.; [bold]x[/] C:\\temp"


@pytest.mark.parametrize("version", VERSIONS)
def test_commas_semicolons_backslashes_and_markup_read_back_exactly(version: str) -> None:
    tricky = contact(
        display_name=TRICKY,
        family_name=TRICKY,
        given_name="a,b;c",
        family_reading="ヤ,マ;ダ",
        department=TRICKY,
        title=TRICKY,
        address=TRICKY,
        tags=[TRICKY, "x,y"],
        note=TRICKY,
    )
    card = parsed(vcard_of(tricky, Company(id="C", name=TRICKY, reading=TRICKY), version))
    assert values(card, "FN") == [TRICKY]
    assert (card.n.value.family, card.n.value.given) == (TRICKY, "a,b;c")
    assert values(card, "X-PHONETIC-LAST-NAME") == ["ヤ,マ;ダ"]
    assert values(card, "ORG") == [[TRICKY, TRICKY]]
    assert values(card, "X-PHONETIC-ORG") == [TRICKY]
    assert values(card, "TITLE") == [TRICKY]
    assert card.adr.value.street == TRICKY
    assert values(card, "CATEGORIES") == [[TRICKY, "x,y"]]
    assert values(card, "NOTE") == [TRICKY]


def test_version_3_escapes_semicolons_in_every_text_value() -> None:
    text = vcard_of(contact(display_name="a;b,c\\d"), None, "3.0")
    assert "\r\nFN:a\\;b\\,c\\\\d\r\n" in text


def test_version_4_escapes_semicolons_only_in_compound_values() -> None:
    text = vcard_of(contact(display_name="a;b", family_name="a;b"), None, "4.0")
    assert "\r\nFN:a;b\r\n" in text
    assert "\r\nN:a\\;b;;;;\r\n" in text


def test_sort_keys_drop_characters_a_parameter_value_cannot_hold() -> None:
    text = vcard_of(contact(family_name="X", family_reading='ヤ,マ"ダ^'), None, "4.0")
    assert '\r\nN;SORT-AS="ヤマダ":X;;;;\r\n' in text


@pytest.mark.parametrize("version", VERSIONS)
def test_newlines_are_escaped_and_control_characters_dropped(version: str) -> None:
    note = "one\r\ntwo\rthree\u2028four\nfive\tsix\x00\x07\x1b\x7f\x85seven\x9b"
    text = vcard_of(contact(display_name="A\x1b[1mB", note=note), None, version)
    assert "\r\nNOTE:one\\ntwo\\nthree\\nfour\\nfive\tsix\\nseven\r\n" in text
    card = parsed(text)
    assert values(card, "NOTE") == ["one\ntwo\nthree\nfour\nfive\tsix\nseven"]
    assert values(card, "FN") == ["A[1mB"]


TEXT = st.text(
    st.characters(
        exclude_categories=("Cc", "Cs", "Zl", "Zp"),
        include_characters="\n\t,;:\\\"'^[]",
    ),
    max_size=60,
)


@settings(deadline=None)
@given(TEXT, TEXT, TEXT)
def test_any_text_reads_back_equal_in_both_versions(name: str, company: str, note: str) -> None:
    written = contact(display_name=name, family_name=name, department=company, note=note)
    for version in VERSIONS:
        card = parsed(vcard_of(written, Company(id="C", name=company), version))
        assert values(card, "FN") == [name]
        assert card.n.value.family == name
        assert values(card, "ORG") == ([[company, company]] if company else [])
        assert values(card, "NOTE") == ([note] if note else [])


# ---- lines and folding -----------------------------------------------------------------------

LONG_NOTE = "商談メモ：" + "価格、納期; 次回は\\訪問。" * 12 + "end   "


@pytest.mark.parametrize("version", VERSIONS)
def test_lines_end_in_crlf_and_fold_at_75_octets_without_splitting_a_character(
    version: str,
) -> None:
    text = vcard_of(contact(display_name="長い メモ", note=LONG_NOTE), None, version)
    assert "\n" not in text.replace("\r\n", "")
    lines = physical_lines(text)
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)
    for line in lines:
        line.decode("utf-8")  # a character split across lines would not decode
    assert values(parsed(text), "NOTE") == [LONG_NOTE]


def test_folding_never_separates_a_backslash_from_its_escaped_character() -> None:
    for width in range(60, 80):
        text = vcard_of(contact(note="x" * width + "\\,;\n" * 20), None)
        for line in physical_lines(text):
            escapes = len(line) - len(line.rstrip(b"\\"))
            assert escapes % 2 == 0, line


def test_folding_keeps_blanks_off_the_start_of_a_continuation() -> None:
    note = "a" * 60 + " " * 30 + "b"
    text = vcard_of(contact(note=note), None)
    continuations = [line for line in physical_lines(text) if line.startswith(b" ")]
    assert continuations
    assert all(not line[1:].startswith((b" ", b"\t")) for line in continuations)
    assert values(parsed(text), "NOTE") == [note]


# ---- files -----------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_write_vcards_puts_every_contact_in_one_stream_and_counts_them(version: str) -> None:
    out = io.StringIO(newline="")
    assert write_vcards(iter(BOOK), out, version) == 4
    cards = list(vobject.readComponents(out.getvalue()))
    assert [card.uid.value for card in cards] == [c.id for c, _ in BOOK]


@pytest.mark.parametrize("version", VERSIONS)
def test_write_vdir_writes_one_file_per_contact_named_by_uid(tmp_path: Path, version: str) -> None:
    folder = tmp_path / "book" / "crm"
    assert write_vdir(BOOK, folder, version) == 4
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{c.id}.vcf" for c, _ in BOOK)
    for found, company in BOOK:
        text = (folder / f"{found.id}.vcf").read_bytes().decode("utf-8")
        assert text == vcard_of(found, company, version)


def test_write_vdir_replaces_an_earlier_export_of_the_same_contact(tmp_path: Path) -> None:
    write_vdir([(SMITH, None)], tmp_path / "book", "3.0")
    write_vdir([(SMITH, None)], tmp_path / "book", "4.0")
    assert [p.name for p in (tmp_path / "book").iterdir()] == [f"{SMITH.id}.vcf"]
    assert "VERSION:4.0" in (tmp_path / "book" / f"{SMITH.id}.vcf").read_text(encoding="utf-8")


@pytest.mark.parametrize("uid", ["../../etc/passwd", ".hidden", "a/b", "with space", "", "é"])
def test_vdir_file_names_stay_inside_the_folder_whatever_the_uid(tmp_path: Path, uid: str) -> None:
    name = vdir_name(uid)
    assert name.endswith(".vcf")
    assert not name.startswith(".")
    assert "/" not in name
    assert "\\" not in name
    write_vdir([(Contact(id=uid, display_name="x"), None)], tmp_path / "book", "3.0")
    assert [p.name for p in (tmp_path / "book").iterdir()] == [name]


def test_vdir_file_names_of_uids_that_clean_up_alike_differ() -> None:
    assert vdir_name("a/b") != vdir_name("a:b")


# ---- khard -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exported:
    """The test book exported in one vCard version, with a khard config that reads it."""

    home: Path
    version: str


@pytest.fixture(scope="module", params=VERSIONS)
def book(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Exported:
    """The test book written as a vdir by `write_vdir`, in a home of its own."""
    version: str = request.param
    home = tmp_path_factory.mktemp(f"khard-{version}")
    write_vdir(BOOK, home / "contacts" / "crm", version)
    (home / "khard.conf").write_text(
        "[addressbooks]\n"
        "[[crm]]\n"
        f"path = {home / 'contacts' / 'crm'}\n"
        "[general]\n"
        "default_action = list\n"
        "[contact table]\n"
        "display = formatted_name\n"
        "sort = formatted_name\n"
        "show_uids = true\n"
        "[vcard]\n"
        f"preferred_version = {version}\n"
        "private_objects = PHONETIC-LAST-NAME, PHONETIC-FIRST-NAME, PHONETIC-ORG\n"
        "skip_unparsable = false\n",
        encoding="utf-8",
    )
    return Exported(home, version)


def khard(book: Exported, *args: str) -> str:
    """Runs khard with ARGS on the exported book, with no user config in reach; its stdout."""
    home = book.home
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "KHARD_CONFIG": str(home / "khard.conf"),
        "PYTHONIOENCODING": "utf-8",
    }
    done = subprocess.run(
        [str(KHARD), "-c", str(home / "khard.conf"), *args],
        capture_output=True,
        env=env,
        check=False,
    )
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 0, stderr
    assert "error" not in stderr.lower(), stderr
    return done.stdout.decode("utf-8")


def shown(book: Exported, uid: str) -> dict[str, Any]:
    """What `khard show --format yaml` says of the contact with UID, every scalar as text."""
    output = khard(book, "show", "--format", "yaml", f"uid:{uid}")
    found: dict[str, Any] = YAML(typ="base").load(output)
    return found


def typed(entries: dict[str, Any]) -> dict[str, Any]:
    """khard's entries by type, the types lower-cased (3.0 writes them upper-case)."""
    return {kind.lower(): value for kind, value in entries.items()}


def rows(output: str) -> set[tuple[str, ...]]:
    """The tab-separated rows of khard's `--parsable` output."""
    # `phone` and `email` start with a `searching for …` line, which has no tab.
    return {tuple(line.split("\t")) for line in output.splitlines() if "\t" in line}


def test_khard_lists_every_exported_contact_by_uid_and_name(book: Exported) -> None:
    assert rows(khard(book, "list", "--parsable")) == {
        (YAMADA.id, "山田 太郎", "crm"),
        (SMITH.id, "John Smith", "crm"),
        (SATO.id, "佐藤 花子", "crm"),
        (MARKUP.id, "[bold]x[/]", "crm"),
    }


def test_khard_shows_exported_japanese_contact_with_reading_and_company(
    book: Exported,
) -> None:
    card = shown(book, YAMADA.id)
    assert card["Formatted name"] == "山田 太郎"
    assert (card["Last name"], card["First name"]) == ("山田", "太郎")
    assert card["Organisation"] == [["株式会社サンプル", "営業部"]]
    assert card["Title"] == "課長"
    assert card["Private"] == {
        "PHONETIC-LAST-NAME": "ヤマダ",
        "PHONETIC-FIRST-NAME": "タロウ",
        "PHONETIC-ORG": "サンプル",
    }
    assert typed(card["Email"]) == {"internet": "taro@example.jp"}
    assert typed(card["Address"])["work"]["Street"] == "東京都千代田区丸の内1-1-1"
    assert card["Categories"] == ["vip", "東京"]


def test_khard_shows_exported_phones_as_written(book: Exported) -> None:
    card = shown(book, YAMADA.id)
    extension = "+81312345678;ext=123" if book.version == "4.0" else "+81312345678 ext. 123"
    assert typed(card["Phone"]) == {"cell": "+819012345678", "work": extension}


def test_khard_shows_an_english_contact_with_a_comma_in_the_note_intact(
    book: Exported,
) -> None:
    card = shown(book, SMITH.id)
    assert card["Formatted name"] == "John Smith"
    assert (card["First name"], card["Last name"]) == ("John", "Smith")
    assert card["Note"] == "Met at the expo, booth 12; call back in Q1"
    assert sorted(typed(card["Email"])["internet"]) == ["john.smith@example.com", "js@example.org"]


def test_khard_shows_markup_in_a_name_literally(book: Exported) -> None:
    card = shown(book, MARKUP.id)
    assert card["Formatted name"] == "[bold]x[/]"
    assert card["Last name"] == "[bold]x[/]"


def test_khard_phone_lists_every_number_with_the_invalid_one_verbatim(book: Exported) -> None:
    numbers = {(row[0], row[1]) for row in rows(khard(book, "phone", "--parsable"))}
    extension = "+81312345678;ext=123" if book.version == "4.0" else "+81312345678 ext. 123"
    assert numbers == {
        ("+819012345678", "山田 太郎"),
        (extension, "山田 太郎"),
        ("+12025550123", "John Smith"),
        ("03-1234-ABCD, 内線5", "佐藤 花子"),
        ("+819087654321", "[bold]x[/]"),
    }


def test_khard_email_lists_every_address(book: Exported) -> None:
    addresses = {(row[0], row[1]) for row in rows(khard(book, "email", "--parsable"))}
    assert addresses == {
        ("taro@example.jp", "山田 太郎"),
        ("john.smith@example.com", "John Smith"),
        ("js@example.org", "John Smith"),
        ("hanako@example.jp", "佐藤 花子"),
        ("markup@example.jp", "[bold]x[/]"),
    }
