"""Tests search normalisation and FTS5 queries against a real SQLite FTS5 table."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from crm_tui.domain.text import fold, fts_query, has_cjk, index_text, key_of_query, name_key

# The same definition as the `search` table of crm_tui/storage/migrations.py.
_SEARCH_TABLE = """CREATE VIRTUAL TABLE search USING fts5 (
    kind UNINDEXED, name, body, tokenize = 'unicode61 remove_diacritics 2')"""


def _search_table() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute(_SEARCH_TABLE)
    return conn


def test_these_tests_use_the_search_table_the_store_creates() -> None:
    from crm_tui.storage import migrations

    def squeeze(sql: str) -> str:
        return " ".join(sql.replace("IF NOT EXISTS ", "").split())

    assert squeeze(_SEARCH_TABLE) in {squeeze(sql) for sql in migrations.INITIAL}


@pytest.fixture(scope="module")
def shared_table() -> Iterator[sqlite3.Connection]:
    """One FTS5 table for the properties that only need FTS5 to parse a query."""
    conn = _search_table()
    conn.execute(
        "INSERT INTO search (kind, name, body) VALUES ('contact', ?, ?)",
        (index_text("山田 太郎 ヤマダ タロウ"), index_text("taro@example.jp 株式会社ミナト精機")),
    )
    yield conn
    conn.close()


def _finds(query: str, *names: str, body: str = "") -> list[str]:
    """The names (indexed like the store does) that `query` finds, in insertion order."""
    built = fts_query(query)
    assert built is not None, f"{query!r} made no query"
    with closing(_search_table()) as conn:
        conn.executemany(
            "INSERT INTO search (rowid, kind, name, body) VALUES (?, 'contact', ?, ?)",
            [(n, index_text(name), index_text(body)) for n, name in enumerate(names)],
        )
        rows = conn.execute(
            "SELECT rowid FROM search WHERE search MATCH ? ORDER BY rowid", (built,)
        ).fetchall()
    return [names[rowid] for (rowid,) in rows]


# fold


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("ﾔﾏﾀﾞ", "やまだ"),
        ("ヤマダ", "やまだ"),
        ("やまだ", "やまだ"),
        ("ｶﾞｷﾞｸﾞ", "がぎぐ"),
        ("ｳﾞｧ", "ゔぁ"),
        ("ヶ月", "ゖ月"),
        ("ヽヾ", "ゝゞ"),
    ],
)
def test_katakana_of_any_width_folds_to_hiragana(typed: str, folded: str) -> None:
    assert fold(typed) == folded


def test_half_width_katakana_folds_to_hiragana() -> None:
    assert fold("ﾔﾏﾀﾞ") == fold("ヤマダ") == fold("やまだ") == "やまだ"


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("ＴＡＲＯ", "taro"),
        ("Taro@Example.JP", "taro@example.jp"),
        ("１２３", "123"),
        ("Straße", "strasse"),
        ("山田\u3000太郎", "山田 太郎"),
        ("㈱ミナト", "(株)みなと"),
    ],
)
def test_width_case_and_compatibility_forms_fold_away(typed: str, folded: str) -> None:
    assert fold(typed) == folded


def test_kanji_and_the_prolonged_sound_mark_are_left_alone() -> None:
    assert fold("精機ー") == "精機ー"


@settings(deadline=None)
@given(st.text())
def test_folding_twice_changes_nothing_more(text: str) -> None:
    assert fold(fold(text)) == fold(text)


# index_text


def test_a_kanji_run_is_indexed_as_overlapping_bigrams_and_its_last_character() -> None:
    assert index_text("山田太郎").split() == ["山田", "田太", "太郎", "郎"]


def test_latin_words_and_kana_are_indexed_folded() -> None:
    assert index_text("Taro ヤマダ") == "taro やま まだ だ"


@pytest.mark.parametrize("empty", [None, ""])
def test_nothing_to_index_gives_empty_text(empty: str | None) -> None:
    assert index_text(empty) == ""


def test_punctuation_inside_a_kanji_run_cuts_it_and_no_bigram_spans_it() -> None:
    assert index_text("東京・大阪") == "東京 京 大阪 阪"


def test_latin_next_to_kanji_is_a_word_of_its_own() -> None:
    assert index_text("ABC山田商事2号") == "abc 山田 田商 商事 事 2 号"


def _indexed_by_the_rule(text: str) -> str:
    """index_text's rule, spelt out a character at a time: runs of CJK letters become their
    bigrams and their last character; other non-space characters make words; CJK punctuation
    and spaces separate."""
    words: list[str] = []
    word, run = "", ""

    def end_run() -> None:
        if run:
            words.extend([run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]])

    for char in fold(text):
        cjk = has_cjk(char)
        if cjk and (char.isalnum() or char == "_"):
            if word:
                words.append(word)
                word = ""
            run += char
            continue
        end_run()
        run = ""
        if cjk or char.isspace():
            if word:
                words.append(word)
            word = ""
        else:
            word += char
    end_run()
    if word:
        words.append(word)
    return " ".join(words)


_MIXED = st.text(
    alphabet=st.sampled_from(
        [
            *"aZ1_ .,-\t\nＡ①㈱・ー。、山田ヤマダﾔﾏﾀﾞやまだ々〆〇가힣",
            *("\u3099", "\u309b", "\u30a0", "\u9fff", "\U00020000", "\U0002a6e0", "\x00"),
        ]
    ),
    max_size=20,
)


@given(st.one_of(_MIXED, st.text(max_size=20)))
def test_any_text_is_indexed_by_the_rule(text: str) -> None:
    assert index_text(text) == _indexed_by_the_rule(text)


# fts_query against a real FTS5 table


def test_two_kanji_find_a_full_name_that_starts_with_them() -> None:
    assert _finds("山田", "山田太郎", "田中一郎") == ["山田太郎"]


def test_katakana_finds_a_company_name_written_in_kanji_and_katakana() -> None:
    assert _finds("ミナト", "株式会社ミナト精機", "株式会社ミドリ商事") == ["株式会社ミナト精機"]


@pytest.mark.parametrize("typed", ["やまだ", "ヤマダ", "ﾔﾏﾀﾞ", "ﾔﾏﾀﾞ"])
def test_every_kana_spelling_finds_the_same_person(typed: str) -> None:
    assert _finds(typed, "山田 ヤマダ", "田中 タナカ") == ["山田 ヤマダ"]


@pytest.mark.parametrize(
    ("char", "expected"),
    [
        ("郎", ["山田太郎"]),  # the last character of a run
        ("山", ["山田太郎"]),  # the first character of a run
        ("太", ["山田太郎"]),  # a character inside a run
        ("機", ["株式会社ミナト精機"]),
        ("株", ["株式会社ミナト精機"]),
    ],
)
def test_a_single_cjk_character_finds_words_it_starts_ends_or_sits_in(
    char: str, expected: list[str]
) -> None:
    assert _finds(char, "山田太郎", "株式会社ミナト精機", "佐藤花子") == expected


def test_a_single_kanji_word_on_its_own_is_found() -> None:
    assert _finds("森", "森", "林") == ["森"]


def test_a_longer_cjk_query_must_appear_in_order() -> None:
    assert _finds("山田太", "山田太郎", "太田山") == ["山田太郎"]
    assert _finds("田山", "山田太郎") == []


@pytest.mark.parametrize("typed", ["jo", "Joh", "JOHN", "ｊｏｈｎ", "smi", "john smi"])
def test_latin_prefixes_find_words_case_and_width_insensitively(typed: str) -> None:
    assert _finds(typed, "John Smith", "Jane Doe") == ["John Smith"]


def test_every_word_of_the_query_must_match() -> None:
    assert _finds("john doe", "John Smith", "Jane Doe") == []


@pytest.mark.parametrize(
    "typed", ["taro@example.jp", "TARO@EXAMPLE.JP", "example.jp", "taro@exam", "taro"]
)
def test_emails_in_the_body_are_found_whole_or_by_prefix(typed: str) -> None:
    assert _finds(typed, "山田太郎", body="taro@example.jp") == ["山田太郎"]


def test_an_email_query_does_not_match_a_different_address() -> None:
    assert _finds("hanako@example.jp", "山田太郎", body="taro@example.jp") == []


def test_diacritics_do_not_matter_for_latin_names() -> None:
    assert _finds("cafe", "Café Tokyo") == ["Café Tokyo"]
    assert _finds("café", "Cafe Tokyo") == ["Cafe Tokyo"]


def test_voiced_kana_are_not_confused_with_unvoiced_ones() -> None:
    assert _finds("か", "かき", "がぎ") == ["かき"]


def test_digits_between_kanji_still_match() -> None:
    assert _finds("3営業", "第3営業部") == ["第3営業部"]
    assert _finds("営業部", "第3営業部") == ["第3営業部"]


@pytest.mark.parametrize("typed", ["", "   ", '"', "*", "()", "^", "-", "+", ":", "・", "\u3000"])
def test_text_with_nothing_searchable_builds_no_query(typed: str) -> None:
    assert fts_query(typed) is None


_ROWS = (("taro", "hanako"), ("hanako", "jiro"))


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ('taro" OR "hanako', []),
        ("taro OR hanako", []),
        ("NOT hanako", []),
        ("taro AND hanako", []),
        ("NEAR(taro hanako)", []),
        ("name:taro", []),
        ("body:hanako", []),
        ("{name body}: hanako", []),
        ("^taro", [0]),
        ("-hanako", [0, 1]),
        ("taro*", [0]),
        ("(taro)", [0]),
        ("hanako -jiro", [1]),
    ],
)
def test_fts_operators_in_user_text_are_searched_as_plain_words(
    typed: str, found: list[int]
) -> None:
    built = fts_query(typed)
    assert built is not None
    with closing(_search_table()) as conn:
        conn.executemany(
            "INSERT INTO search (rowid, kind, name, body) VALUES (?, 'contact', ?, ?)",
            [(n, index_text(name), index_text(body)) for n, (name, body) in enumerate(_ROWS)],
        )
        rows = conn.execute(
            "SELECT rowid FROM search WHERE search MATCH ? ORDER BY rowid", (built,)
        ).fetchall()
    assert [rowid for (rowid,) in rows] == found


def test_a_column_filter_in_user_text_is_searched_as_words_not_as_a_filter() -> None:
    assert _finds("body:taro", "body taro") == ["body taro"]
    # As a filter, `name:taro` would find Taro; as words it needs "name" too.
    assert _finds("name:taro", "Taro") == []


_FTS_SYNTAX = st.sampled_from(
    [
        *('"', "*", "NEAR(", "NEAR", "AND", "OR", "NOT", "^", ":", "(", ")", "-", "+"),
        *("name:", "{name body}:", " ", "\u3000", "山", "ﾔ", "a", "ー", "・", "_", "'", ","),
        "\u3099",  # a lone combining dakuten
    ]
)
_USER_TEXT = st.one_of(
    st.text(),
    st.lists(st.one_of(_FTS_SYNTAX, st.text(max_size=3)), max_size=12).map("".join),
)


@settings(max_examples=500, deadline=None)
@given(_USER_TEXT)
def test_any_user_text_gives_no_query_or_one_fts5_accepts(
    shared_table: sqlite3.Connection, text: str
) -> None:
    built = fts_query(text)
    if built is not None:
        shared_table.execute("SELECT count(*) FROM search WHERE search MATCH ?", (built,))


_NAME_CHARS = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.characters(min_codepoint=0x3041, max_codepoint=0x30FC),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(min_codepoint=0xFF10, max_codepoint=0xFF5A),
    st.characters(min_codepoint=0xFF66, max_codepoint=0xFF9F),
    st.sampled_from(["\u3000", "é", "ß", "々", "・"]),
)


@settings(max_examples=300, deadline=None)
@given(st.text(_NAME_CHARS, min_size=1, max_size=20))
def test_any_name_is_found_when_typed_in_full(name: str) -> None:
    assume(any(char.isalnum() for char in name))
    assert _finds(name, name) == [name]


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=2, max_size=8))
def test_any_piece_of_a_kanji_name_finds_it(name: str) -> None:
    for start in range(len(name)):
        for end in range(start + 1, len(name) + 1):
            assert _finds(name[start:end], name) == [name], name[start:end]


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(min_codepoint=0x61, max_codepoint=0x7A), min_size=1, max_size=12))
def test_any_prefix_of_a_latin_word_finds_it(word: str) -> None:
    for end in range(1, len(word) + 1):
        assert _finds(word[:end].upper(), word) == [word]


# name_key and key_of_query


def test_name_key_folds_each_name_and_drops_spaces() -> None:
    assert name_key("山田 太郎", "ﾔﾏﾀﾞ ﾀﾛｳ", None, "") == "山田太郎\nやまだたろう"


def test_a_query_key_is_a_substring_of_the_name_key_whatever_the_spelling() -> None:
    key = name_key("山田 太郎", "ヤマダ　タロウ")
    for typed in ("やまだたろう", "ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ", "山田太郎", "田 太"):
        assert key_of_query(typed) in key, typed


def test_a_query_key_of_blank_text_is_empty() -> None:
    assert key_of_query(" \u3000 ") == ""


@pytest.mark.parametrize(("text", "cjk"), [("山田", True), ("やまだ", True), ("Taro", False)])
def test_has_cjk_tells_japanese_from_latin(text: str, cjk: bool) -> None:
    assert has_cjk(text) is cjk
