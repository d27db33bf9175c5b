"""Tests reading vCard files as phones, iPhones, Android, Outlook and address books write them."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import pytest

from crm_tui.domain.cards import Card, CardPhone, Skipped, Where
from crm_tui.errors import InvalidInput
from crm_tui.interchange.vcard_read import NotAVCard, read_vcard_path, read_vcards

FIXTURES = Path(__file__).parent / "fixtures" / "vcard"


def read(name: str, **options: int) -> list[Card | Skipped]:
    """Reads a fixture file, as `crm import vcard FILE` would."""
    return list(read_vcards((FIXTURES / name).read_bytes(), name, **options))


def cards(name: str) -> list[Card]:
    """The cards of a fixture, failing when it skips one."""
    found = read(name)
    assert all(isinstance(entry, Card) for entry in found), found
    return [entry for entry in found if isinstance(entry, Card)]


def only(name: str) -> Card:
    """The one card of a fixture."""
    (card,) = cards(name)
    return card


def test_a_feature_phone_card_in_shift_jis_quoted_printable_reads_whole() -> None:
    card = only("featurephone_21_sjis_qp.vcf")
    assert (card.family_name, card.given_name, card.display_name) == ("髙橋", "一郎", "髙橋 一郎")
    assert (card.company, card.department) == ("㈱髙島屋商事", "営業部")
    assert card.emails == ["takahashi@example.jp"]
    assert card.phones == [CardPhone("090-1111-2222", "mobile"), CardPhone("03-3333-4444", "fax")]


def test_quoted_printable_continuations_that_look_like_properties_stay_in_the_value() -> None:
    # The note's soft line breaks put BEGIN: and TEL: at the start of the next physical lines.
    assert only("featurephone_21_sjis_qp.vcf").note == "会議室予約\nBEGIN:10時\nTEL:内線①"


def test_irmc_sound_readings_are_kept_verbatim_in_half_width_kana() -> None:
    card = only("featurephone_21_sjis_qp.vcf")
    assert (card.family_reading, card.given_reading) == ("ﾀｶﾊｼ", "ｲﾁﾛｳ")


def test_shift_jis_trail_byte_5c_is_not_an_escape() -> None:
    raw = (FIXTURES / "sjis_trail_byte_5c.vcf").read_bytes()
    assert b"\x83\x5c;" in raw and b"\x95\x5c;" in raw  # ソ; and 表; as written
    card = only("sjis_trail_byte_5c.vcf")
    assert (card.family_name, card.given_name, card.display_name) == ("表", "ソ", "表 ソ")
    assert (card.company, card.department) == ("ソニー表", "開発ソ")
    assert card.note == "予定表\nソフト"


def test_undeclared_bytes_read_as_utf8_else_japanese_cp932_else_windows_1252() -> None:
    japanese, western, utf8 = cards("undeclared_charsets.vcf")
    assert (japanese.family_name, japanese.given_name, japanese.company) == (
        "山田",
        "太郎",
        "株式会社サンプル",
    )
    assert (western.family_name, western.given_name) == ("Müller", "Renée")
    assert western.note == "“Café” – naïve"
    assert utf8.display_name == "Søren Østergård"


def test_a_declared_windows_1252_charset_applies_after_quoted_printable() -> None:
    card = only("windows_1252_declared.vcf")
    assert (card.family_name, card.given_name, card.display_name) == ("Gómez", "José", "José Gómez")
    assert card.note == "Line one\nLine two costs €20"


def test_android_utf8_quoted_printable_with_a_soft_break_inside_a_character() -> None:
    card = only("android_21_utf8_qp.vcf")
    assert (card.family_name, card.given_name, card.display_name) == ("中村", "美穂", "中村 美穂")
    assert (card.family_reading, card.given_reading) == ("ナカムラ", "ミホ")
    assert [phone.label for phone in card.phones] == ["mobile", "home"]


def test_an_iphone_card_labels_grouped_phones_from_x_ablabel() -> None:
    card = only("iphone_30_itemN_ablabel.vcf")
    assert card.phones == [
        CardPhone("090-1234-5678", "mobile", "JP"),
        CardPhone("03-1234-5678", "main", "JP"),
        CardPhone("03-9999-0000", "mobile", "JP"),  # 社用携帯, a custom label
        CardPhone("03-5555-6666", "fax", "JP"),
        CardPhone("080-0000-1111", "mobile", "JP"),
    ]


def test_an_iphone_card_reads_phonetic_names_company_address_and_the_rest() -> None:
    card = only("iphone_30_itemN_ablabel.vcf")
    assert (card.family_reading, card.given_reading) == ("やまだ", "たろう")
    assert (card.company, card.company_reading) == ("サンプル商事株式会社", "さんぷるしょうじ")
    assert (card.department, card.title) == ("営業本部 第一営業部", "部長")
    assert card.emails == ["taro.yamada@example.jp"]
    assert card.address == "〒100-0005 東京都千代田区丸の内1-1-1 丸ビル10F"
    assert card.country == "JP"  # from item5.X-ABADR:jp, the ADR has no country
    assert (card.urls, card.tags) == (["https://example.jp/"], ["取引先", "VIP"])
    assert card.uid == "8E3D5E6A-1111-2222-3333-444455556666"
    assert card.photo_dropped


@pytest.mark.parametrize("name", ["utf16_bom.vcf", "utf16_be_bom.vcf", "utf16_le_no_bom.vcf"])
def test_utf16_files_read_like_utf8(name: str) -> None:
    card = only(name)
    assert (card.display_name, card.family_name, card.where) == (
        "佐藤 花子",
        "佐藤",
        Where(name, 1, 1),
    )


def test_a_utf8_bom_is_not_part_of_the_first_line() -> None:
    assert only("utf8_bom.vcf").display_name == "Lower Case"


def test_crlf_lf_and_lone_cr_line_endings_mix_in_one_file() -> None:
    found = cards("line_endings_mixed.vcf")
    assert [card.display_name for card in found] == ["Crlf Person", "Lf Person", "Cr Person"]
    assert [card.where.line for card in found] == [1, 5, 9]
    assert found[2].note == "ab"  # a fold in a file of lone CRs


def test_folds_that_split_utf8_characters_are_unfolded_on_bytes() -> None:
    card = only("folded_utf8_split.vcf")
    assert card.display_name == "渡辺 美咲"
    assert card.note == "長い備考です。" * 8


def test_lower_case_property_names_read() -> None:
    card = only("lowercase_names.vcf")
    assert (card.family_name, card.given_name) == ("Case", "Lower")
    assert card.phones == [CardPhone("+44 20 7946 0000", "mobile")]
    assert card.emails == ["lower@example.com"]


def test_empty_properties_and_blank_lines_inside_a_card_are_ignored() -> None:
    card = only("empty_properties_blank_lines.vcf")
    assert card.display_name == "Blank Lines"
    assert (card.family_name, card.given_name, card.company, card.title, card.note) == (None,) * 5
    assert (card.emails, card.phones) == ([], [CardPhone("+1 212 555 0100", "work")])


def test_junk_between_and_inside_cards_is_passed_over() -> None:
    first, second = cards("junk_between_cards.vcf")
    assert first.display_name == "First Person"
    assert first.phones == [CardPhone("+1 212 555 0101", "mobile")]  # TEL;TYPE=CELL;:… repaired
    assert (second.display_name, second.where) == (
        "Second Person",
        Where("junk_between_cards.vcf", 2, 13),
    )


def test_an_unclosed_card_with_a_name_is_imported_and_no_other_card_is_lost() -> None:
    found = cards("unclosed_cards.vcf")
    assert [card.display_name for card in found] == [
        "Complete One",
        "Unclosed Two",
        "Complete Three",
        "Unclosed Last",
    ]
    assert found[1].emails == ["two@example.com"]
    assert [card.where.line for card in found] == [1, 5, 9, 13]


def test_the_last_line_of_a_file_cut_off_mid_line_is_not_imported() -> None:
    last = cards("unclosed_cards.vcf")[-1]
    assert last.phones == [CardPhone("+81-3-1234-5678")]
    assert last.note is None  # "NOTE:cut off in the mid" has no line break: the file was cut


def test_an_unclosed_card_with_nothing_usable_is_reported() -> None:
    kept, skipped = read("unclosed_empty_card.vcf")
    assert isinstance(kept, Card) and kept.display_name == "Kept"
    assert skipped == Skipped(
        Where("unclosed_empty_card.vcf", 2, 5),
        "the card is cut short (no END:VCARD) and has no name, company, email or phone",
    )


def test_a_damaged_file_yields_every_complete_card_and_a_skip_for_each_broken_one() -> None:
    found = read("damaged_file.vcf")
    summary = [
        (entry.where.number, entry.display_name if isinstance(entry, Card) else "skipped")
        for entry in found
    ]
    assert summary == [
        (1, "Good One"),
        (2, "skipped"),
        (3, "No End"),
        (4, "Good Two"),
        (5, "skipped"),
    ]


def test_a_missing_fn_is_derived_from_n_then_org_then_email() -> None:
    *found, empty = read("missing_fn.vcf")
    names = [entry.display_name for entry in found if isinstance(entry, Card)]
    assert names == ["鈴木 一郎", "Jane Doe", "Acme Trading", "only.email@example.com"]
    assert empty == Skipped(
        Where("missing_fn.vcf", 5, 17), "the card has no name, company, email or phone"
    )


def test_vcard_40_tel_uris_lose_the_scheme_and_mailto_uris_the_prefix() -> None:
    card = cards("vcard40_tel_uri_altid.vcf")[0]
    assert card.phones == [
        CardPhone("+81-90-1234-5678", "mobile"),
        CardPhone("+81-3-1234-5678", "work"),
    ]
    assert card.emails == ["hanako@example.jp"]
    assert card.photo_dropped  # a data: URI


def test_altid_alternates_make_the_kanji_name_primary_and_the_kana_one_its_reading() -> None:
    card = cards("vcard40_tel_uri_altid.vcf")[0]
    assert (card.display_name, card.family_name, card.given_name) == ("佐藤 花子", "佐藤", "花子")
    assert (card.family_reading, card.given_reading) == ("サトウ", "ハナコ")


def test_altid_with_only_a_latin_alternate_gives_a_latin_reading() -> None:
    card = cards("vcard40_tel_uri_altid.vcf")[2]
    assert (card.family_name, card.given_name) == ("伊藤", "誠")
    assert (card.family_reading, card.given_reading) == ("Ito", "Makoto")


def test_sort_as_gives_the_readings_of_n_and_org() -> None:
    card = cards("vcard40_tel_uri_altid.vcf")[1]
    assert (card.family_name, card.family_reading, card.given_reading) == (
        "山田",
        "ヤマダ",
        "タロウ",
    )
    assert (card.company, card.company_reading) == ("株式会社サンプル", "サンプル")


def test_sort_string_splits_at_its_first_space_else_is_the_family_reading() -> None:
    both, family_only, phonetic = cards("readings_sources.vcf")
    assert (both.family_reading, both.given_reading) == ("キムラ", "タクヤ")
    assert (family_only.family_reading, family_only.given_reading) == ("ハヤシ", None)
    # X-PHONETIC-* come before SORT-STRING.
    assert (phonetic.family_reading, phonetic.given_reading) == ("モリ", "ケン")


def test_a_file_can_mix_vcard_21_30_and_40() -> None:
    found = cards("mixed_versions.vcf")
    assert [card.display_name for card in found] == ["Version One", "Version Three", "Version Four"]
    assert [card.phones[0].text for card in found] == [
        "+1 415 555 0001",
        "+1 415 555 0003",
        "+1-415-555-0004",
    ]
    assert {card.phones[0].label for card in found} == {"home"}


def test_photos_written_as_21_30_and_40_are_dropped_and_flagged() -> None:
    found = cards("photos_base64.vcf")
    assert [card.photo_dropped for card in found] == [True, True, True, True, False]
    assert found[0].phones == [CardPhone("+44 7700 900001", "mobile")]  # after the blank line
    assert found[1].emails == ["indented@example.com"]
    assert found[2].phones == [CardPhone("+44 7700 900003", "mobile")]


def test_a_multi_megabyte_photo_is_skipped_without_slowing_the_card(tmp_path: Path) -> None:
    photo = base64.b64encode(bytes(range(256)) * 16_000).decode()  # 5.5 MB of base64
    folded = "\r\n ".join(photo[i : i + 74] for i in range(0, len(photo), 74))
    path = tmp_path / "big_photo.vcf"
    text = (
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Big Photo\r\nPHOTO;ENCODING=b:{folded}\r\nEND:VCARD\r\n"
    )
    path.write_bytes(text.encode() + (FIXTURES / "photos_base64.vcf").read_bytes())
    start = time.perf_counter()
    found = list(read_vcard_path(path))
    elapsed = time.perf_counter() - start
    assert [card.display_name for card in found if isinstance(card, Card)][:2] == [
        "Big Photo",
        "Two One Photo",
    ]
    assert elapsed < 2.0, elapsed  # about 0.05 s; joining and decoding it would take far longer


def test_a_card_bigger_than_the_cap_is_skipped_and_the_next_card_read() -> None:
    big, small = read("oversized_card.vcf", max_card_bytes=4_000)
    assert big == Skipped(
        Where("oversized_card.vcf", 1, 1),
        "the card is bigger than 4,000 bytes even without its photo",
    )
    assert isinstance(small, Card) and small.display_name == "Small Card"


def test_unescaped_commas_survive_in_fn_note_title_and_org() -> None:
    card = cards("unescaped_commas_and_escapes.vcf")[0]
    assert card.display_name == "Smith, John"
    assert card.title == "VP, Sales, Asia"
    assert (card.company, card.department) == ("ABC, Inc.", "R&D, East Lab 2")
    assert card.note == "Met in Osaka, then Kyoto, then Nara"
    assert card.tags == ["client", "golf, tennis"]


def test_backslash_escapes_are_undone_and_unknown_ones_kept() -> None:
    card = cards("unescaped_commas_and_escapes.vcf")[1]
    assert (card.display_name, card.family_name, card.given_name) == (
        "Escaped, Person",
        "O;Brien",
        "Pat",
    )
    assert (card.company, card.department, card.title) == (
        "Tools; Dies",
        "Back\\slash",
        "Lead,Engineer",
    )
    assert card.note == "one\ntwo\nthree\\four, five; six C:\\temp\\"


def test_rich_markup_stays_text_and_control_characters_are_dropped() -> None:
    card = only("untrusted_markup_controls.vcf")
    assert card.display_name == "[bold red]Boss[/] [@click=app.quit]x[/]"
    assert card.company == "[link=file:///etc/passwd]Corp[/link]"
    assert (card.family_name, card.given_name) == ("Evil[2J", "Name")  # ESC and NUL dropped
    assert card.title == "Chief Officer"  # a single-line field: the newline became a space
    assert card.note == "line one\n\tindented [b]two[/b]"  # a note keeps newlines and tabs


def test_the_preferred_then_the_work_address_is_kept_in_the_local_order() -> None:
    work, preferred, unknown = cards("addresses_countries.vcf")
    assert (work.address, work.country) == ("500 Work Ave, Suite 200, Seattle, WA 98101", "US")
    assert work.phones == [CardPhone("206-555-0100", "work", "US")]
    assert (preferred.address, preferred.country) == ("〒530-0001 大阪府大阪市北区梅田1-1-1", "JP")
    assert preferred.phones[0].region == "JP"
    # An unknown country stays in the line; no region is guessed for the phones.
    assert (unknown.address, unknown.country) == ("1 Unknown Way, Atlantis, Atlantis", None)


def test_emails_are_reduced_to_the_address_lower_cased_and_listed_once() -> None:
    card = only("emails_forms.vcf")
    # What is no address at all is left as written, for the import to report.
    assert card.emails == [
        "taro@example.jp",
        "second@example.com",
        "taken@example.com",
        "not an address",
    ]


def test_phone_labels_come_from_type_parameters_by_priority() -> None:
    card = only("phone_labels.vcf")
    assert [(phone.text, phone.label) for phone in card.phones] == [
        ("1", "mobile"),  # CELL,WORK; listed again later as CELL: one phone
        ("2", "fax"),  # WORK,FAX
        ("3", "home"),
        ("4", "main"),
        ("5", "main"),  # PREF alone
        ("6", None),  # VOICE alone
        ("7", None),
        ("8", "pager"),
        ("9", "other"),  # CAR
        ("10", "other"),
    ]


def test_an_agent_card_inside_a_21_card_is_not_a_separate_person() -> None:
    boss, after = cards("agent_nested_21.vcf")
    assert (boss.display_name, boss.phones) == ("Big Boss", [CardPhone("+1 555 0100", "work")])
    assert (after.display_name, after.where.number) == ("Agent After", 2)


def test_a_file_without_begin_vcard_is_not_a_vcard() -> None:
    with pytest.raises(NotAVCard, match=r"not_a_vcard\.txt is not a vCard file.*Export"):
        read("not_a_vcard.txt")
    assert issubclass(NotAVCard, InvalidInput)


def test_binary_data_is_not_a_vcard() -> None:
    with pytest.raises(NotAVCard):
        list(read_vcards(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "x.png"))


def test_a_path_reads_like_its_bytes_and_a_missing_one_says_so(tmp_path: Path) -> None:
    path = FIXTURES / "iphone_30_itemN_ablabel.vcf"
    (card,) = read_vcard_path(path)
    assert isinstance(card, Card)
    assert card.where == Where(str(path), 1, 1)
    with pytest.raises(InvalidInput, match="Cannot read"):
        list(read_vcard_path(tmp_path / "missing.vcf"))
