"""Tests writing CSV: plain and Excel forms, formula neutralisation, and structure kept intact."""

from __future__ import annotations

import codecs
import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_tui.interchange.csv_write import (
    cell_text,
    csv_bytes,
    needs_quote_prefix,
    neutralise,
    unneutralise,
    write_csv,
)


def rows_of(data: bytes) -> list[list[str]]:
    """Reads written bytes back with the csv module, as another program would."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_plain_csv_is_utf8_without_a_bom_and_ends_lines_with_lf() -> None:
    data = csv_bytes(["氏名", "会社名"], [["山田 太郎", "株式会社サンプル, 大阪支店"]])
    assert data == '氏名,会社名\n山田 太郎,"株式会社サンプル, 大阪支店"\n'.encode()


def test_excel_csv_starts_with_a_bom_and_ends_lines_with_crlf() -> None:
    data = csv_bytes(["氏名"], [["山田 太郎"]], excel=True)
    assert data.startswith(codecs.BOM_UTF8)
    assert data[len(codecs.BOM_UTF8) :] == "氏名\r\n山田 太郎\r\n".encode()


def test_write_csv_writes_to_a_file_and_counts_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    with path.open("wb") as out:
        count = write_csv(out, ["氏名"], iter([["山田"], ["佐藤"]]))
    assert count == 2
    assert rows_of(path.read_bytes()) == [["氏名"], ["山田"], ["佐藤"]]


def test_a_header_alone_counts_no_rows() -> None:
    out = io.BytesIO()
    assert write_csv(out, ["氏名"], []) == 0
    assert out.getvalue() == b"\xe6\xb0\x8f\xe5\x90\x8d\n"


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example","click")',
        "=cmd|' /C calc'!A0",
        "+81312345678",
        "-5",
        "-",
        "@SUM(A1:A2)",
        "\t=1+2",
        "\r=1+2",
        "\n=1+2",
        "\x00=1+2",
        " =1+2",
        "\u3000=1+2",
        "＝SUM(A1)",
        "＋81 3-1234-5678",
        "﹦1",
    ],
)
def test_a_cell_a_spreadsheet_could_evaluate_gets_a_quote_in_front(text: str) -> None:
    assert rows_of(csv_bytes(["備考"], [[text]]))[1] == ["'" + text]


@pytest.mark.parametrize(
    "text",
    ["山田 太郎", "a=b", "03-1234-5678", "", "'quoted", "it's", "1+1", "ー長音", "−5"],
)
def test_ordinary_text_is_written_as_it_is(text: str) -> None:
    assert rows_of(csv_bytes(["備考"], [[text]]))[1] == [text]


def test_e164_phones_are_neutralised_like_any_cell_starting_with_plus() -> None:
    # Policy: no exemption for number-shaped text; our import removes the quote again.
    assert cell_text("+819012345678") == "'+819012345678"
    assert unneutralise("'+819012345678") == "+819012345678"


def test_text_that_already_looks_neutralised_gets_one_more_quote() -> None:
    assert neutralise("'=x") == "''=x"
    assert neutralise("''+81") == "'''+81"
    assert unneutralise(neutralise("'=x")) == "'=x"
    assert unneutralise("'plain") == "'plain"


@given(st.text())
def test_unneutralise_undoes_neutralise_for_any_text(text: str) -> None:
    assert unneutralise(neutralise(text)) == text


@given(st.text())
def test_a_neutralised_cell_is_never_a_formula(text: str) -> None:
    cell = neutralise(text)
    assert cell.startswith("'") or not needs_quote_prefix(cell)
    assert not cell[:1] or cell[0] not in "=+-@\t\r\n\x00"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (-5, "-5"),
        (-1.5, "-1.5"),
        (Decimal("-3.20"), "-3.20"),
        (date(2026, 12, 1), "2026-12-01"),
        (datetime(2026, 11, 26, 0, 0, tzinfo=UTC), "2026-11-26T00:00:00+00:00"),
        (["重要顧客", "建設"], "重要顧客, 建設"),
        (["=x", "y"], "'=x, y"),
        ("-5", "'-5"),
    ],
)
def test_values_are_formatted_and_only_text_is_neutralised(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_control_characters_are_kept_verbatim() -> None:
    row = ["a\x1bb", "c\x00d", "e\x7ff", "g\u2028h"]
    assert rows_of(csv_bytes(["1", "2", "3", "4"], [row]))[1] == row


@pytest.mark.parametrize("excel", [False, True])
def test_a_cell_with_a_line_break_never_breaks_a_row(excel: bool) -> None:
    row = ["first\nsecond", "cr\ronly", "crlf\r\nend", 'a "quoted", comma']
    data = csv_bytes(["1", "2", "3", "4"], [row, ["next"]], excel=excel)
    assert rows_of(data) == [["1", "2", "3", "4"], row, ["next"]]


@given(st.lists(st.lists(st.text(), min_size=1, max_size=4), max_size=5), st.booleans())
def test_any_rows_read_back_as_their_neutralised_cells(rows: list[list[str]], excel: bool) -> None:
    data = csv_bytes(["h"], rows, excel=excel)
    expected = [["h"]] + [[neutralise(cell) for cell in row] for row in rows]
    assert rows_of(data) == expected
