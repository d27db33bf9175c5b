"""Tests how people's names are split into family and given names and shown."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_tui.domain.names import display_name, split_name, split_reading


@pytest.mark.parametrize(
    ("typed", "parts"),
    [
        ("山田 太郎", ("山田", "太郎")),
        ("山田\u3000太郎", ("山田", "太郎")),
        ("  山田   太郎  ", ("山田", "太郎")),
        ("ヤマダ タロウ", ("ヤマダ", "タロウ")),
        ("やまだ たろう", ("やまだ", "たろう")),
        ("山田 John", ("山田", "John")),
    ],
)
def test_japanese_names_are_written_family_name_first(
    typed: str, parts: tuple[str, str | None]
) -> None:
    assert split_name(typed) == parts


@pytest.mark.parametrize(
    ("typed", "parts"),
    [
        ("John Smith", ("Smith", "John")),
        ("Jean-Luc Picard", ("Picard", "Jean-Luc")),
        ("John\u3000Smith", ("Smith", "John")),
    ],
)
def test_western_names_are_written_given_name_first(
    typed: str, parts: tuple[str, str | None]
) -> None:
    assert split_name(typed) == parts


def test_a_name_splits_at_its_first_space_only() -> None:
    assert split_name("John Paul Smith") == ("Paul Smith", "John")
    assert split_name("山田 太郎 次郎") == ("山田", "太郎 次郎")


@pytest.mark.parametrize("typed", ["山田", "Madonna", " 山田 "])
def test_a_single_word_is_a_family_name(typed: str) -> None:
    assert split_name(typed) == (typed.strip(), None)


@pytest.mark.parametrize("typed", ["", "   ", "\u3000"])
def test_a_blank_name_has_no_parts(typed: str) -> None:
    assert split_name(typed) == ("", None)


@pytest.mark.parametrize(
    ("family", "given", "shown"),
    [
        ("山田", "太郎", "山田 太郎"),
        ("Smith", "John", "John Smith"),
        (" 山田 ", " 太郎 ", "山田 太郎"),
        ("山田", None, "山田"),
        (None, "太郎", "太郎"),
        ("Smith", "", "Smith"),
        (None, None, ""),
    ],
)
def test_display_name_orders_the_parts_by_script(
    family: str | None, given: str | None, shown: str
) -> None:
    assert display_name(family, given) == shown


_LATIN_WORD = st.text(st.characters(min_codepoint=0x61, max_codepoint=0x7A), min_size=1, max_size=8)
_JAPANESE_WORD = st.text(
    st.sampled_from("山田太郎佐藤花子やまだたろうヤマダタロウ々ー"), min_size=1, max_size=6
)


@settings(deadline=None)
@given(st.one_of(st.tuples(_LATIN_WORD, _LATIN_WORD), st.tuples(_JAPANESE_WORD, _JAPANESE_WORD)))
def test_splitting_a_displayed_name_gives_back_its_parts(parts: tuple[str, str]) -> None:
    family, given_name = parts
    assert split_name(display_name(family, given_name)) == (family, given_name)


@pytest.mark.parametrize(
    ("reading", "parts"),
    [
        ("ヤマダ タロウ", ("ヤマダ", "タロウ")),
        ("ヤマダ\u3000タロウ", ("ヤマダ", "タロウ")),
        ("ヤマダ", ("ヤマダ", None)),
        (None, (None, None)),
        ("", (None, None)),
    ],
)
def test_a_reading_splits_family_first(
    reading: str | None, parts: tuple[str | None, str | None]
) -> None:
    assert split_reading(reading) == parts
