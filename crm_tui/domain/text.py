"""Provides text normalisation for search: NFKC, case folding, katakana to hiragana, CJK bigrams.

FTS5's unicode61 tokenizer keeps a run of Japanese as one token (山田太郎), and the trigram
tokenizer cannot match two characters (山田). So runs of CJK characters are indexed as
overlapping bigrams, plus the run's last character alone so that a one-character prefix query
finds it wherever it stands; queries are cut into the same bigrams and always quoted.
"""

from __future__ import annotations

import re
import unicodedata
from operator import add

_KATA_TO_HIRA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)} | {
    0x30FD: 0x309D,
    0x30FE: 0x309E,
}
_WORD = re.compile(r"\w+")


_KATAKANA = re.compile("[\u30a1-\u30f6\u30fd\u30fe]")


def fold(text: str) -> str:
    """Normalises text so that width, case and kana script do not matter (ﾔﾏﾀﾞ = ヤマダ = やまだ)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    # translate() looks every character up in the table; most text has no katakana at all.
    return folded.translate(_KATA_TO_HIRA) if _KATAKANA.search(folded) else folded


def is_cjk(char: str) -> bool:
    """Tells whether a character belongs to a script written without spaces between words."""
    code = ord(char)
    return (
        0x3040 <= code <= 0x30FF  # hiragana, katakana, the prolonged sound mark
        or 0x3400 <= code <= 0x4DBF  # CJK extension A
        or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
        or 0xAC00 <= code <= 0xD7AF  # hangul syllables
        or 0x20000 <= code <= 0x3134F  # extensions B to G
        or code in (0x3005, 0x3006, 0x3007)  # 々 〆 〇
    )


_CJK_RUN = re.compile(
    "([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
    "\U00020000-\U0003134f\u3005\u3006\u3007]+)"
)
"""A run of the characters `is_cjk` accepts (one regex: indexing runs per record synced)."""


def _chunks(text: str) -> list[tuple[bool, str]]:
    """Splits folded text into alternating CJK and other chunks."""
    # re.split with a group alternates: other, CJK, other, … (empty pieces dropped).
    return [(index % 2 == 1, piece) for index, piece in enumerate(_CJK_RUN.split(text)) if piece]


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def index_text(text: str | None) -> str:
    """Returns text ready for the FTS index: folded, with CJK runs as bigrams and a last unigram."""
    if not text:
        return ""
    folded = fold(text)
    if folded.isascii():
        return " ".join(folded.split())
    out: list[str] = []
    # re.split with a group alternates: other, CJK, other, … (the CJK runs at odd places).
    for index, piece in enumerate(_CJK_RUN.split(folded)):
        if index % 2 == 0:
            out += piece.split()
            continue
        # A run may hold punctuation such as ・; most hold none (isalnum is \w, without `_`).
        for run in (piece,) if piece.isalnum() else _WORD.findall(piece):
            out += map(add, run, run[1:])  # the bigrams, without a slice per pair
            out.append(run[-1])
    return " ".join(out)


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def fts_query(text: str) -> str | None:
    """Builds a safe FTS5 query matching every word of `text` (user text never acts as syntax)."""
    terms: list[str] = []
    for word in fold(text).split():
        for cjk, chunk in _chunks(word):
            if cjk:
                for run in _WORD.findall(chunk):
                    grams = _bigrams(run) or [run]
                    # A lone character is a prefix: it matches a bigram it starts or a last unigram.
                    terms.append(_quote(" ".join(grams)) + ("*" if len(run) == 1 else ""))
            else:
                tokens = _WORD.findall(chunk)
                if tokens:
                    terms.append(_quote(" ".join(tokens)) + "*")
    return " ".join(terms) if terms else None


def name_key(*names: str | None) -> str:
    """Returns the key that reference matching searches: each name folded, without spaces."""
    return "\n".join("".join(fold(n).split()) for n in names if n)


def key_of_query(text: str) -> str:
    """Returns a query folded like `name_key`, for a substring match."""
    return "".join(fold(text).split())


def has_cjk(text: str) -> bool:
    """Tells whether text contains kana or kanji (or another script without word spaces)."""
    return any(is_cjk(c) for c in text)
