"""Tests the byte-level repairs that come before vobject: charsets, splitting, clean text."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_tui.domain.cards import Card
from crm_tui.interchange.vcard_read import read_vcards
from crm_tui.interchange.vcard_repair import (
    RawCard,
    card_text,
    decode_undeclared,
    decode_value,
    physical_lines,
    split_cards,
)


def split(data: bytes, max_card_bytes: int = 1_000_000) -> list[RawCard]:
    return list(split_cards(physical_lines(io.BytesIO(data)), max_card_bytes))


@pytest.mark.parametrize(
    "text", ["Renée", "Müller", "Ça va", "Œuvre", "FRANÇOISE", "Straße", "“Bob” – ok"]
)
def test_western_text_without_a_charset_reads_as_windows_1252(text: str) -> None:
    # Each of these also decodes as cp932, into a lone kanji or half-width kana.
    assert decode_undeclared(text.encode("cp1252")) == text


@pytest.mark.parametrize("text", ["山田", "表", "予定表", "㈱サンプル", "①番", "ｶﾀｶﾅ", "髙橋"])
def test_japanese_text_without_a_charset_reads_as_cp932(text: str) -> None:
    assert decode_undeclared(text.encode("cp932")) == text


@pytest.mark.parametrize("charset", ["SHIFT_JIS", "Shift-JIS", "SJIS", "CP932", "MS932", "x-sjis"])
def test_declared_shift_jis_reads_as_cp932_so_nec_and_ibm_characters_survive(charset: str) -> None:
    assert decode_value("㈱①髙".encode("cp932"), charset) == "㈱①髙"


def test_a_wrongly_declared_charset_falls_back_to_the_undeclared_rule() -> None:
    assert decode_value("山田".encode(), "SHIFT_JIS") == "山田"
    assert decode_value("Zoë".encode("cp1252"), "UTF-8") == "Zoë"


def test_a_dangling_soft_line_break_before_end_vcard_does_not_swallow_the_card_end() -> None:
    data = (
        b"BEGIN:VCARD\r\nFN:First\r\nNOTE;ENCODING=QUOTED-PRINTABLE:abc=\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nFN:Next\r\nEND:VCARD\r\n"
    )
    first, second = read_vcards(data, "f")
    assert isinstance(first, Card) and isinstance(second, Card)
    assert (first.display_name, first.note, second.display_name) == ("First", "abc", "Next")


def test_photo_data_is_never_kept_in_the_card() -> None:
    photo = b"\r\n ".join([b"QUJD" * 18] * 1000)
    data = b"BEGIN:VCARD\r\nFN:P\r\nPHOTO;ENCODING=b:" + photo + b"\r\nTEL:1\r\nEND:VCARD\r\n"
    (card,) = split(data)
    assert (card.lines, card.photo_dropped, card.size) == ([b"FN:P", b"TEL:1"], True, 9)


def test_a_name_reading_in_sound_is_kept_but_other_sounds_are_dropped() -> None:
    data = (
        b"BEGIN:VCARD\r\nSOUND;X-IRMC-N:yamada;taro;;;\r\n"
        b"SOUND;ENCODING=BASE64:UklGRg==\r\nKEY:abc\r\nEND:VCARD\r\n"
    )
    (card,) = split(data)
    assert (card.lines, card.photo_dropped) == ([b"SOUND;X-IRMC-N:yamada;taro;;;"], False)


def test_clean_text_escapes_bare_commas_in_text_values_only() -> None:
    text = card_text([b"FN:Smith, John", b"N:a,b;c", b"CATEGORIES:x,y", b"TEL;TYPE=CELL,VOICE:1"])
    assert text.splitlines()[1:-1] == [
        "FN:Smith\\, John",
        "N:a,b;c",
        "CATEGORIES:x,y",
        "TEL;TYPE=CELL,VOICE:1",
    ]


def test_clean_text_drops_encoding_parameters_vobject_would_take_for_base64() -> None:
    text = card_text([b"NOTE;ENCODING=8BIT:plain", b"X-KEY;ENCODING=b:@@@", b"FN:x"])
    assert text.splitlines()[1:-1] == ["NOTE:plain", "FN:x"]


def test_a_uid_and_a_url_with_commas_are_read_whole() -> None:
    data = b"BEGIN:VCARD\r\nFN:x\r\nUID:a,b\\,c\r\nURL:https://x.example/a,b\r\nEND:VCARD\r\n"
    (card,) = read_vcards(data, "f")
    assert isinstance(card, Card)
    assert (card.uid, card.urls) == ("a,b,c", ["https://x.example/a,b"])


CARD = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person %d\r\nEND:VCARD\r\n"
# Junk that starts with a UTF-16 byte order mark would make a file that begins with it a
# UTF-16 file, as it should: that is not junk but an encoding (tested with utf16_bom.vcf).
JUNK = st.binary(max_size=40).filter(
    lambda b: (
        not any(word in b.upper() for word in (b"BEGIN", b"END", b"FN"))
        and not b.startswith((b"\xff\xfe", b"\xfe\xff"))
    )
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(JUNK, JUNK), min_size=1, max_size=6))
def test_junk_bytes_between_and_inside_cards_never_lose_a_card(
    junk: list[tuple[bytes, bytes]],
) -> None:
    data = b"".join(
        before + b"\r\n" + (CARD % number).replace(b"FN:", inside + b"\r\nFN:", 1)
        for number, (before, inside) in enumerate(junk, 1)
    )
    found = list(read_vcards(data, "fuzz.vcf"))
    assert [entry.where.number for entry in found] == list(range(1, len(junk) + 1))
    names = [entry.display_name for entry in found if isinstance(entry, Card)]
    assert names == [f"Person {number}" for number in range(1, len(junk) + 1)]
