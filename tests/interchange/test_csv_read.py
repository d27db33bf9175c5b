"""Tests reading contacts from CSV files as Japanese and English spreadsheets write them."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_tui.domain.cards import Card, CardPhone, Skipped, Where
from crm_tui.errors import InvalidInput
from crm_tui.interchange.csv_read import FIELDS, parse_mapping, read_csv
from crm_tui.interchange.csv_write import csv_bytes, unneutralise

FIXTURES = Path(__file__).parent / "fixtures" / "csv"


def read(name: str, mapping: dict[str, str] | None = None) -> list[Card | Skipped]:
    """Reads a fixture file, as `crm import csv FILE` would."""
    return list(read_csv((FIXTURES / name).read_bytes(), name, mapping))


def cards(name: str, mapping: dict[str, str] | None = None) -> list[Card]:
    """The cards of a fixture, failing when it skips a row."""
    found = read(name, mapping)
    assert all(isinstance(entry, Card) for entry in found), found
    return [entry for entry in found if isinstance(entry, Card)]


def test_an_eight_export_in_cp932_reads_names_company_phones_and_address() -> None:
    first, second = cards("eight_export_cp932.csv")
    assert (first.family_name, first.given_name, first.display_name) == ("髙橋", "一郎", None)
    assert first.company == "株式会社髙島屋商事"
    assert (first.department, first.title) == ("営業本部 第一営業部", "部長")
    assert first.emails == ["takahashi@takashimaya-shoji.example.jp"]
    # TEL直通 repeats TEL会社, so the number is listed once.
    assert first.phones == [
        CardPhone("03-1234-5678", "work"),
        CardPhone("03-1234-5670", "work"),
        CardPhone("03-1234-5679", "fax"),
        CardPhone("090-1111-2222", "mobile"),
    ]
    assert first.address == "〒100-0005 東京都千代田区丸の内１－１－１ 丸の内ビル①号館"
    assert first.urls == ["https://takashimaya-shoji.example.jp"]
    assert first.where == Where("eight_export_cp932.csv", 1, 2)
    assert second.company == "㈱サンプル工業"
    assert second.where == Where("eight_export_cp932.csv", 2, 3)


def test_an_event_list_with_a_bom_keeps_full_names_whole_and_splits_the_reading() -> None:
    yamada, suzuki, absent, smith = read("event_list_utf8_bom.csv")
    assert isinstance(yamada, Card)
    assert (yamada.display_name, yamada.family_name, yamada.given_name) == ("山田 太郎", None, None)
    assert (yamada.family_reading, yamada.given_reading) == ("ヤマダ", "タロウ")
    assert yamada.emails == ["Taro.Yamada@ABC.example.jp"]
    assert yamada.phones == [CardPhone("03-1111-2222", "work")]
    assert yamada.note == "展示会で名刺交換\n資料送付希望"
    assert isinstance(suzuki, Card)
    assert suzuki.display_name == "鈴木\u3000一郎"
    assert (suzuki.family_reading, suzuki.given_reading) == ("スズキ", "イチロウ")
    assert isinstance(smith, Card)
    assert smith.phones == [CardPhone("+1 212 555 0100", "work")]
    assert isinstance(absent, Skipped)
    assert "no name, email, phone or company" in absent.reason


def test_blank_rows_are_passed_over_without_taking_a_number() -> None:
    entries = read("event_list_utf8_bom.csv")
    # Lines 4 (empty) and 6 (only commas) are blank; line 2's note takes lines 2 and 3.
    assert [(entry.where.number, entry.where.line) for entry in entries] == [
        (1, 2),
        (2, 5),
        (3, 7),
        (4, 8),
    ]


def test_excel_unicode_text_is_read_as_utf16_separated_by_tabs() -> None:
    (card,) = cards("excel_unicode_text_utf16.txt")
    assert card.display_name == "小林 直樹"
    assert card.company == "株式会社小林, 第二営業部"
    assert card.phones == [CardPhone("090-7777-8888", "mobile")]
    assert card.note == "タブ\tを含む"


def test_half_width_full_width_and_padded_headers_match() -> None:
    (card,) = cards("halfwidth_headers_cp932.csv")
    assert card.display_name == "中村 優子"
    assert (card.family_reading, card.given_reading) == ("ﾅｶﾑﾗ", "ﾕｳｺ")
    assert card.emails == ["yuko@nakamura.example.jp"]
    assert card.company == "中村商事"
    assert card.phones == [CardPhone("045-123-4567", "work"), CardPhone("070-5555-6666", "mobile")]


def test_separate_readings_numbered_emails_tags_and_ids_are_read() -> None:
    tanaka, ito = cards("japanese_headers_furigana.csv")
    assert tanaka.uid == "c-001"
    assert (tanaka.family_reading, tanaka.given_reading) == ("タナカ", "ミサキ")
    assert tanaka.company_reading == "タナカケンセツ"
    assert tanaka.emails == ["misaki@tanaka.example.jp", "m.tanaka@gmail.example.com"]
    assert tanaka.phones == [CardPhone("080-3333-4444", "mobile"), CardPhone("052-111-2222", "fax")]
    assert tanaka.tags == ["重要顧客", "建設"]
    assert tanaka.note == "月末は多忙"
    assert ito.tags == ["紹介", "展示会"]


def test_the_postal_code_and_prefecture_join_the_address_once() -> None:
    tanaka, ito = cards("japanese_headers_furigana.csv")
    assert tanaka.address == "〒460-0008 愛知県名古屋市中区栄３－３"
    # 住所 already starts with 福岡県, so the prefecture column adds nothing.
    assert ito.address == "〒8100001 福岡県福岡市中央区天神１－１"


def test_outlook_headers_prefer_the_job_title_and_label_each_phone() -> None:
    (jane,) = cards("outlook_english_headers.csv")
    assert (jane.given_name, jane.family_name) == ("Jane", "Doe")
    assert (jane.company, jane.department, jane.title) == ("Globex Inc.", "Purchasing", "Buyer")
    assert jane.phones == [
        CardPhone("+1 555 0100", "work"),
        CardPhone("+1 555 0199", "home"),
        CardPhone("+1 555 0111", "mobile"),
        CardPhone("+1 555 0102", "fax"),
    ]
    # A cell listing two addresses gives two; case is left for the import service.
    assert jane.emails == [
        "jane@globex.example.com",
        "jane.doe@globex.example.com",
        "JANE@home.example.com",
    ]
    assert jane.address == "1 Main St, Springfield 12345"
    assert jane.note == "Met at CES, Jan."
    assert jane.urls == ["https://globex.example.com"]


def test_google_contacts_numbered_value_columns_are_read() -> None:
    (kato,) = cards("google_contacts_export.csv")
    assert (kato.display_name, kato.family_name, kato.given_name) == ("加藤 恵", "加藤", "恵")
    assert (kato.family_reading, kato.given_reading) == ("かとう", "めぐみ")
    assert kato.emails == ["megumi@kato.example.jp"]
    # The kind of a Google phone is in its own column, so the phone has no label.
    assert kato.phones == [CardPhone("090-1234-0000", None)]
    assert (kato.company, kato.title) == ("加藤物産", "主任")


def test_ragged_rows_import_the_cells_they_have() -> None:
    yamamoto, matsumoto, inoue = cards("ragged_rows.csv")
    assert (yamamoto.display_name, yamamoto.company, yamamoto.emails) == (
        "山本 健太",
        "山本工務店",
        [],
    )
    assert matsumoto.emails == ["yoko@matsumoto.example.jp"]
    assert matsumoto.phones == [CardPhone("03-5555-6666", "work")]
    assert inoue.display_name == "井上 翔"


def test_an_unterminated_quote_skips_its_row_and_keeps_the_rows_after_it() -> None:
    yamada, sato, suzuki, tanaka = read("unterminated_quote.csv")
    assert isinstance(yamada, Card) and yamada.note == "二行の\n備考"
    assert isinstance(sato, Skipped)
    assert sato.where == Where("unterminated_quote.csv", 2, 4)
    assert "quote" in sato.reason
    assert isinstance(suzuki, Card) and suzuki.display_name == "鈴木 一郎"
    assert suzuki.where == Where("unterminated_quote.csv", 3, 5)
    assert isinstance(tanaka, Card) and tanaka.where.line == 6


def test_a_title_line_above_the_header_is_passed_over() -> None:
    (card,) = cards("title_line_before_header.csv")
    assert (card.display_name, card.company) == ("清水 真一", "清水電機")
    assert card.where == Where("title_line_before_header.csv", 1, 4)


def test_an_excel_sep_line_names_the_delimiter() -> None:
    (card,) = cards("sep_hint_semicolon.csv")
    assert card.display_name == "Anna Müller"
    assert card.emails == ["anna@example.de"]
    assert card.where.line == 3


def test_old_mac_files_with_cr_line_ends_are_read() -> None:
    bob, carol = cards("old_mac_cr_line_ends.csv")
    assert (bob.display_name, carol.display_name) == ("Bob Brown", "Carol White")
    assert carol.where.line == 3


def test_cells_neutralised_by_an_export_lose_their_quote() -> None:
    formula, typed = cards("neutralised_cells.csv")
    assert formula.display_name == '=HYPERLINK("http://evil.example")'
    assert formula.phones == [CardPhone("+81 90-1234-5678", "work")]
    assert formula.note == "-5 points"
    # Only the quote an export adds goes: one of two, and none before ordinary text.
    assert typed.display_name == "'=literal quote"
    assert typed.note == "'plain apostrophe"


def test_a_crm_export_for_excel_reads_back_field_for_field() -> None:
    yamada, hostile = cards("crm_export_excel.csv")
    assert yamada.uid == "01JD0000000000000000000001"
    assert (yamada.display_name, yamada.family_name, yamada.given_name) == (
        "山田 太郎",
        "山田",
        "太郎",
    )
    assert (yamada.family_reading, yamada.given_reading) == ("ヤマダ", "タロウ")
    assert (yamada.company, yamada.department, yamada.title) == (
        "株式会社ミナト精機",
        "営業部",
        "課長",
    )
    assert yamada.emails == ["taro@example.jp", "t.yamada@example.jp"]
    # The export joins several phones of a kind with "; ".
    assert yamada.phones == [
        CardPhone("+819012345678", "mobile"),
        CardPhone("+81312345678", "work"),
        CardPhone("+81312345679", "work"),
    ]
    assert yamada.address == "〒105-0011 東京都港区芝公園1-1"
    assert yamada.tags == ["重要", "展示会"]
    assert yamada.note == "初回訪問は\n2026年10月"
    assert hostile.display_name == '=HYPERLINK("http://evil.example","x")'
    assert hostile.note == "@SUM(A1)"
    assert hostile.where == Where("crm_export_excel.csv", 2, 4)


def test_a_lone_semicolon_or_comma_in_a_phone_is_a_dial_string_and_stays() -> None:
    data = '氏名,電話番号\n山田,"+81312345678,,123"\n佐藤,03-1234-5678;内線12\n'.encode()
    yamada, sato = (entry for entry in read_csv(data, "dial.csv") if isinstance(entry, Card))
    assert yamada.phones == [CardPhone("+81312345678,,123", "work")]
    assert sato.phones == [CardPhone("03-1234-5678;内線12", "work")]


def test_our_own_export_reads_back_as_it_was_written(tmp_path: Path) -> None:
    rows = [["=1+2", "+81312345678", "-", "@home", " =SUM(A1)", "'=quoted"]]
    header = ["氏名", "電話番号", "役職", "部署", "会社名", "備考"]
    path = tmp_path / "export.csv"
    path.write_bytes(csv_bytes(header, rows, excel=True))
    (card,) = read_csv(path.read_bytes(), str(path))
    assert isinstance(card, Card)
    assert card.display_name == "=1+2"
    assert card.phones == [CardPhone("+81312345678", "work")]
    assert (card.title, card.department, card.company) == ("-", "@home", "=SUM(A1)")
    assert card.note == "'=quoted"


_CELL = st.text(
    alphabet=st.sampled_from(list("山田aZ09 ,;\t\"'=+-@\r\n\u3000ｱ")), min_size=1, max_size=12
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_CELL, _CELL), min_size=1, max_size=6), st.booleans())
def test_any_rows_our_export_writes_read_back_row_for_row(
    rows: list[tuple[str, str]], excel: bool
) -> None:
    data = csv_bytes(["氏名", "備考"], rows, excel=excel)
    found = list(read_csv(data, "export.csv"))

    def value(text: str) -> str | None:
        return text.replace("\r\n", "\n").replace("\r", "\n").strip() or None

    expected = [(value(name), value(note)) for name, note in rows]
    expected = [pair for pair in expected if pair != (None, None)]
    got = [
        (entry.display_name, entry.note) if isinstance(entry, Card) else (None, None)
        for entry in found
    ]
    assert len(got) == len(expected)
    assert [name for name, _ in got] == [name for name, _ in expected]
    assert [note for (name, note) in got if name] == [note for (name, note) in expected if name]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab,"\r\n ')), max_size=40))
def test_rows_are_told_apart_as_the_csv_module_does_when_every_quote_closes(body: str) -> None:
    text = "氏名,備考\n" + body
    found = list(read_csv(text.encode(), "any.csv"))
    if any(isinstance(entry, Skipped) and "quote" in entry.reason for entry in found):
        return
    rows = list(csv.reader(io.StringIO(text, newline="")))[1:]

    def value(cell: str) -> str | None:
        return unneutralise(cell).replace("\r\n", "\n").replace("\r", "\n").strip() or None

    # Rows with any cell (even past the header's columns) count; the name is the first cell.
    expected = [value(row[0]) for row in rows if any(value(cell) for cell in row)]
    got = [entry.display_name if isinstance(entry, Card) else None for entry in found]
    assert got == expected


def test_a_file_without_name_email_or_phone_columns_is_refused_with_its_headers() -> None:
    with pytest.raises(InvalidInput) as raised:
        read("no_recognisable_columns.csv")
    message = str(raised.value)
    assert "no_recognisable_columns.csv" in message
    assert "'列A', '列B', '列C'" in message
    assert "--map" in message


def test_map_names_columns_the_reader_does_not_know() -> None:
    mapping = parse_mapping(["担当者様=name", "連絡先=email"])
    (card,) = cards("unknown_columns_mapped.csv", mapping)
    assert card.display_name == "森 大輔"
    assert card.emails == ["daisuke@mori.example.jp"]
    assert card.company == "森製作所"
    assert card.note is None


def test_map_overrides_a_recognised_column_and_can_ignore_one() -> None:
    mapping = {"担当者様": "name", "連絡先": "email", "会社": "ignore", "入手経路": "tags"}
    (card,) = cards("unknown_columns_mapped.csv", mapping)
    assert card.company is None
    assert card.tags == ["紹介"]


def test_map_matches_column_names_as_headers_are_matched() -> None:
    (card,) = cards("unknown_columns_mapped.csv", {"担当者様 ": "NAME", "（連絡先）": "email"})
    assert card.display_name == "森 大輔"
    assert card.emails == ["daisuke@mori.example.jp"]


def test_map_naming_a_column_the_file_lacks_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"'携帯番号'.*not among its headers"):
        read("event_list_utf8_bom.csv", {"携帯番号": "mobile"})


def test_map_to_an_unknown_field_is_refused_by_the_reader_too() -> None:
    with pytest.raises(InvalidInput, match="'nickname' is not a field"):
        read("unknown_columns_mapped.csv", {"担当者様": "nickname"})


def test_parse_mapping_reads_column_equals_field() -> None:
    assert parse_mapping(["携帯=mobile", " 担当 = Name ", "a=b=email"]) == {
        "携帯": "mobile",
        "担当": "name",
        "a=b": "email",
    }


@pytest.mark.parametrize("item", ["携帯", "=mobile", "携帯=", "   "])
def test_parse_mapping_refuses_items_that_are_not_column_equals_field(item: str) -> None:
    with pytest.raises(InvalidInput, match="is not column=field") as raised:
        parse_mapping([item])
    assert repr(item) in str(raised.value)


def test_parse_mapping_refuses_an_unknown_field_listing_the_valid_ones() -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_mapping(["携帯=cellphone"])
    message = str(raised.value)
    assert "'携帯=cellphone'" in message
    assert "'cellphone' is not a field" in message
    for field in ("display_name", "mobile", "phone", "fax", "email", "reading", "postal_code"):
        assert field in message


def test_parse_mapping_refuses_a_column_named_twice() -> None:
    with pytest.raises(InvalidInput, match="twice"):
        parse_mapping(["携帯=mobile", "携帯=phone"])


def test_every_card_field_and_phone_kind_can_be_mapped() -> None:
    card_fields = set(Card.__slots__) - {"where", "photo_dropped"}
    assert card_fields <= set(FIELDS)
    assert {"mobile", "phone", "fax", "email", "reading", "name", "postal_code"} <= set(FIELDS)


def test_a_workbook_is_refused_with_advice_to_save_as_csv() -> None:
    with pytest.raises(InvalidInput, match=r"book\.xlsx is an Excel workbook"):
        read_csv(b"PK\x03\x04\x14\x00\x06\x00", "book.xlsx")


def test_text_in_neither_utf8_nor_cp932_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"contacts\.csv: neither UTF-8 nor Shift_JIS"):
        read_csv("氏名\n山田\n".encode("cp932") + b"\x85\x40", "contacts.csv")


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"empty\.csv has no header row"):
        read_csv(b"\r\n\r\n", "empty.csv")


def test_a_header_without_rows_gives_no_cards() -> None:
    assert list(read_csv("氏名,メール\r\n".encode(), "header.csv")) == []
