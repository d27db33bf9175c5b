"""Tests that the plain-card parser makes exactly the lines vobject makes, or declines the card."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import vobject  # type: ignore[import-untyped]
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_tui.interchange.vcard_fast import plain_contents, text_values
from crm_tui.interchange.vcard_repair import card_text, physical_lines, split_cards

FIXTURES = Path(__file__).parent / "fixtures" / "vcard"


def raw_cards(data: bytes) -> list[list[bytes]]:
    """The logical lines of each card, as the reader gives them to either parser."""
    return [raw.lines for raw in split_cards(physical_lines(io.BytesIO(data))) if raw.lines]


def as_vobject_reads(lines: list[bytes]) -> dict[str, list[tuple[Any, ...]]] | None:
    """What vobject makes of the repaired card, or None when it refuses it."""
    try:
        component = vobject.readOne(card_text(lines), transform=False)
    except Exception:  # vobject raises many kinds; the reader then reads the card carefully
        return None
    return {
        name: [(line.group, line.params, line.singletonparams, line.value) for line in found]
        for name, found in component.contents.items()
    }


def assert_same_as_vobject(lines: list[bytes]) -> bool:
    """Checks a card the fast parser takes against vobject; tells whether it took it."""
    contents = plain_contents(lines)
    if contents is None:
        return False
    fast = {
        name: [(line.group, line.params, line.singletonparams, line.value) for line in found]
        for name, found in contents.items()
    }
    assert fast == as_vobject_reads(lines), lines
    return True


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.vcf")), ids=lambda p: p.name)
def test_every_fixture_card_the_fast_parser_takes_reads_as_vobject_reads_it(path: Path) -> None:
    for lines in raw_cards(path.read_bytes()):
        assert_same_as_vobject(lines)


def test_a_plain_phone_card_takes_the_fast_path() -> None:
    card = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:山田;太郎;;;\r\nFN:山田 太郎\r\n"
        "item1.TEL;TYPE=CELL,VOICE;PREF:090-1234-5678\r\nitem1.X-ABLabel:_$!<Mobile>!$_\r\n"
        "NOTE:Met at the show\\, booth 12\\nAsk about Q3\r\nCATEGORIES:VIP,Tokyo\\,Japan\r\n"
        "END:VCARD\r\n"
    )
    (lines,) = raw_cards(card.encode())
    assert assert_same_as_vobject(lines)


@pytest.mark.parametrize(
    "line",
    [
        b"NOTE;ENCODING=QUOTED-PRINTABLE:=E5=B1=B1",
        b"FN;CHARSET=SHIFT_JIS:\x8eR\x93c",
        b"FN:\x8eR\x93c",  # undeclared Shift_JIS
        b'TEL;TYPE="cell,voice":090',
        b"FN:bell\x07",
        b"X_LOTUS:underscore",
        b"BEGIN:VCALENDAR",
        b"no colon at all",
        b"VERSION:3.0\\,1",
    ],
)
def test_a_card_with_anything_to_repair_takes_the_full_path(line: bytes) -> None:
    assert plain_contents([b"FN:Taro", line]) is None


_VALUE = st.text(alphabet='ab ,;:\\"nN=.山ｱ\t-', max_size=12)
_NAME = st.sampled_from(
    ["FN", "N", "ORG", "ADR", "GEO", "NOTE", "TEL", "EMAIL", "CATEGORIES", "UID", "X-Foo", "label"]
)
_PARAM = st.one_of(
    st.sampled_from(["", ";PREF", ";TYPE=WORK", ";type=cell,voice", ";X-A=b c;X-A=d"]),
    st.builds(lambda v: f";X-P={v}", st.text(alphabet="ab -=.", min_size=1, max_size=4)),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["", "item1.", "A-2."]), _NAME, _PARAM, _VALUE),
        min_size=1,
        max_size=5,
    )
)
def test_random_plain_lines_read_as_vobject_reads_them(
    lines: list[tuple[str, str, str, str]],
) -> None:
    assert_same_as_vobject([f"{g}{n}{p}:{v}".encode() for g, n, p, v in lines])


@pytest.mark.parametrize(
    ("value", "parts"),
    [("", [""]), ("a,b", ["a", "b"]), ("a\\,b,", ["a,b"]), (",a", ["", "a"]), ("a\\", ["a\\"])],
)
def test_list_values_split_at_bare_commas_as_vobject_splits_them(
    value: str, parts: list[str]
) -> None:
    assert text_values(value) == parts
