"""Provides reading vCard files (2.1, 3.0, 4.0, as phones and address books write them) into Cards.

`vcard_repair` turns the bytes into clean text per card; vobject parses that text (or, for a
plain card, `vcard_fast` makes the same lines without it); this module maps the lines to a
`Card`. Decisions:

- Readings (furigana), first source that has one: X-PHONETIC-LAST-NAME/FIRST-NAME;
  SOUND;X-IRMC-N; N;SORT-AS; SORT-STRING (split at its first space); an ALTID alternate of N.
  They are kept verbatim (half-width kana stay half-width: the store folds them when searching).
- ALTID: of FN or N lines sharing the first one's ALTID, the first with kanji is primary (else
  the first). When the primary has kanji, a kana-only alternate, else a Latin one, is the reading.
- Phone labels: an Apple X-ABLabel of the same group wins (`_$!<Mobile>!$_` is mobile; custom
  text is matched by keyword, else other). Else TYPE, by priority: FAX fax, CELL mobile, PAGER
  pager, WORK work, HOME home, MAIN main; PREF alone is main; VOICE alone or nothing is no label;
  any other type (CAR, ISDN, VIDEO, TEXT, ...) is other.
- Address: the PREF one, else the WORK one, else the first, as one line. Japanese order when it
  has kana or kanji: `〒100-0005 東京都千代田区丸の内1-1-1 丸ビル` (postal code, region, locality,
  street, extended, box; no spaces between Japanese pieces); else `street, extended, box,
  locality, region code`. The country goes to `country` as ISO alpha-2 (from the country
  component or Apple's X-ABADR); an unknown country stays at the end of the line instead.
- Text: tab and newline in single-line fields become spaces; notes keep them. Other control
  characters are dropped in repair. Rich markup and the like stay as plain text.
- Photos: PHOTO and LOGO values are dropped unread and `photo_dropped` is set; KEY and binary
  SOUND are dropped too.
- Missing FN: the name from N (`山田 太郎`, `John Smith`), else the company, else the first email.
- A card with no name, company, email or phone is skipped; so is one cut short (no END:VCARD)
  with none of them. A cut-short card that has one is imported.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from crm_tui.domain.cards import Card, CardPhone, Skipped, Where
from crm_tui.domain.emails import normalize_email
from crm_tui.domain.names import display_name, split_reading
from crm_tui.domain.text import is_cjk
from crm_tui.errors import InvalidInput
from crm_tui.interchange import vcard_repair as repair
from crm_tui.interchange.vcard_fast import plain_contents

# The characters `is_cjk` accepts, as one search (a loop over every address is slower).
_CJK = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\u3005-\u3007]"
)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_ESCAPED = {"n": "\n", "N": "\n", ",": ",", ";": ";", "\\": "\\", ":": ":", '"': '"'}
_STRUCTURED_SPLIT = re.compile(r"(?<!\\)((?:\\\\)*);")
_KANA_ONLY = re.compile(r"[\u3041-\u30ff\uff66-\uff9f\s;,・ー-]+")
_LATIN_ONLY = re.compile(r"[A-Za-z\s;,.'-]+")
_ISO = re.compile("[A-Za-z]{2}")
_APPLE_LABEL = re.compile(r"_\$!<(.*)>!\$_")
# In order of priority (WORK,FAX is a fax, CELL,WORK a mobile); a kind's label is its lower case.
_TYPE_PRIORITY = ("FAX", "CELL", "MOBILE", "IPHONE", "PAGER", "WORK", "HOME", "MAIN")
_TYPE_LABELS = {"CELL": "mobile", "MOBILE": "mobile", "IPHONE": "mobile"}
_NO_KIND = frozenset({"VOICE", "PREF", "INTERNET"})
_LABEL_WORDS = (
    ("fax", ("fax", "ファックス", "ファクス")),
    ("pager", ("pager", "ポケベル")),
    ("mobile", ("mobile", "cell", "iphone", "携帯", "モバイル")),
    ("main", ("main", "代表")),
    ("work", ("work", "office", "会社", "勤務", "仕事", "職場")),
    ("home", ("home", "自宅")),
)
# ISO 3166 alpha-2, then the names address books write (compared case-folded, dots dropped).
_COUNTRY_NAMES = """
JP japan|日本|日本国|jpn|nippon|にほん|ニッポン
US usa|united states|united states of america|america|アメリカ|アメリカ合衆国|米国
GB uk|united kingdom|great britain|england|britain|イギリス|英国
CN china|中国|中華人民共和国|people's republic of china|prc
KR korea|south korea|republic of korea|韓国|大韓民国
TW taiwan|台湾
HK hong kong|香港
SG singapore|シンガポール
TH thailand|タイ
VN vietnam|viet nam|ベトナム
PH philippines|フィリピン
ID indonesia|インドネシア
MY malaysia|マレーシア
IN india|インド
AU australia|オーストラリア
NZ new zealand|ニュージーランド
CA canada|カナダ
MX mexico|メキシコ
BR brazil|brasil|ブラジル
DE germany|deutschland|ドイツ
FR france|フランス
IT italy|italia|イタリア
ES spain|españa|スペイン
NL netherlands|the netherlands|holland|オランダ
CH switzerland|schweiz|suisse|スイス
"""
_COUNTRY_CODES = {
    name: code
    for code, names in (row.split(" ", 1) for row in _COUNTRY_NAMES.strip().splitlines())
    for name in [code.lower(), *names.split("|")]
}


class NotAVCard(InvalidInput):
    """A file given as vCard that has no card in it at all."""


def read_vcards(
    data: bytes, file: str, *, max_card_bytes: int = repair.MAX_CARD_BYTES
) -> Iterator[Card | Skipped]:
    """Yields a Card, or a Skipped saying why, for every card in vCard bytes, in file order.

    Raises NotAVCard, once iterated, when the bytes hold no BEGIN:VCARD at all.
    """
    return _read(io.BytesIO(data), file, max_card_bytes)


def read_vcard_path(
    path: Path, *, max_card_bytes: int = repair.MAX_CARD_BYTES
) -> Iterator[Card | Skipped]:
    """Yields the cards of a vCard file, reading it as it goes, so a file of any size fits."""
    try:
        stream = path.open("rb")
    except OSError as error:
        raise InvalidInput(f"Cannot read {path}: {error.strerror}; check the path.") from error
    with stream:
        yield from _read(stream, str(path), max_card_bytes)


def _read(stream: BinaryIO, file: str, max_card_bytes: int) -> Iterator[Card | Skipped]:
    """Splits, repairs, parses and maps each card; raises NotAVCard when there is none."""
    for raw in raw_vcards(stream, file, max_card_bytes):
        yield card_of(raw, file, max_card_bytes)


def raw_vcards(
    stream: BinaryIO, file: str, max_card_bytes: int = repair.MAX_CARD_BYTES
) -> Iterator[repair.RawCard]:
    """Yields each card's logical lines, in file order; raises NotAVCard when there is none.

    Splitting is cheap; `card_of` does the rest, so the two can run in different processes.
    """
    seen = False
    for raw in repair.split_cards(repair.physical_lines(stream), max_card_bytes):
        seen = True
        yield raw
    if not seen:
        raise NotAVCard(
            f"{file} is not a vCard file: it has no BEGIN:VCARD line. "
            "Export the contacts as vCard (.vcf) and import that file."
        )


def card_of(
    raw: repair.RawCard, file: str, max_card_bytes: int = repair.MAX_CARD_BYTES
) -> Card | Skipped:
    """Repairs, parses and maps one card split from `file`, or says why it is skipped."""
    where = Where(file, raw.number, raw.line)
    if raw.oversized:
        limit = (
            f"{max_card_bytes / 1e6:g} MB" if max_card_bytes >= 1e6 else f"{max_card_bytes:,} bytes"
        )
        return Skipped(where, f"the card is bigger than {limit} even without its photo")
    contents = plain_contents(raw.lines)
    if contents is None:
        try:
            contents = _parsed(raw.lines)
        except Exception as error:  # vobject raises many kinds on lines it cannot read
            return Skipped(where, f"the card cannot be read ({error})")
    return _card_or_skipped(contents, where, raw)


def _parsed(lines: list[bytes]) -> dict[str, list[Any]]:
    """Repairs and parses a card that is not plain with vobject; raises when it cannot."""
    import vobject  # type: ignore[import-untyped]
    from vobject.base import parseLine  # type: ignore[import-untyped]

    try:
        component = vobject.readOne(repair.card_text(lines), transform=False)
    except Exception:  # vobject raises many kinds on odd lines; read it again carefully
        component = vobject.readOne(repair.careful_text(lines, parseLine), transform=False)
    return component.contents  # type: ignore[no-any-return]


def _card_or_skipped(
    contents: dict[str, list[Any]], where: Where, raw: repair.RawCard
) -> Card | Skipped:
    """Maps a parsed card, or says why it is skipped when nothing in it identifies a person."""
    card = _to_card(contents, where)
    card.photo_dropped = raw.photo_dropped
    if card.display_name or card.emails or card.phones:
        return card
    if not raw.closed:
        reason = "the card is cut short (no END:VCARD) and has no name, company, email or phone"
        return Skipped(where, reason)
    return Skipped(where, "the card has no name, company, email or phone")


def _to_card(contents: dict[str, list[Any]], where: Where) -> Card:
    """Maps vobject's lines of one card, by lower-case property name, to a Card."""
    get = contents.get
    card = Card(where=where)
    card.uid = _first(get("uid"))
    fn, _ = _pick(get("fn"))
    n, n_reading = _pick(get("n"))
    names = _components(n.value) if n is not None else []
    card.family_name, card.given_name = _at(names, 0), _at(names, 1)
    readings = _reading_sources(get, n, n_reading)
    card.family_reading, card.given_reading = next((r for r in readings if any(r)), (None, None))
    _organisation(card, get("org"), get("x-phonetic-org"))
    card.title = _first(get("title"))
    card.note = _note(get("note"))
    card.urls = _unique(_line(_text(line.value)) for line in get("url", ()))
    card.tags = _unique(_line(tag) for line in get("categories", ()) for tag in _tags(line.value))
    card.emails = _unique(_email(_text(line.value)) for line in get("email", ()))
    _address(card, get("adr"), get("x-abadr"))
    labels = {(line.group or "").lower(): _text(line.value) for line in get("x-ablabel", ())}
    phones: dict[str, CardPhone] = {}  # a number listed twice is one phone, first label wins
    for line in get("tel", ()):
        if (text := _phone_text(line.value)) and text not in phones:
            phones[text] = CardPhone(text, _phone_label(line, labels), card.country)
    card.phones = list(phones.values())
    card.display_name = (
        (_line(_text(fn.value)) if fn is not None else None)
        or display_name(card.family_name, card.given_name)
        or card.company
        or (card.emails[0] if card.emails else None)
    )
    return card


def _text(value: Any) -> str:
    """Returns a vobject value as text (CATEGORIES come as a list)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return ""


def _line(text: str | None) -> str | None:
    """Returns a single-line field: tabs and newlines as spaces, trimmed, None when empty."""
    if not text:
        return None
    if "\n" in text or "\t" in text:
        text = " ".join(text.replace("\t", " ").split("\n"))
    return text.strip() or None


def _first(lines: list[Any] | None) -> str | None:
    """Returns the first non-empty single-line value of a property."""
    for line in lines or ():
        if text := _line(_text(line.value)):
            return text
    return None


def _note(lines: list[Any] | None) -> str | None:
    """Returns the notes, several joined by a blank line, newlines and tabs kept."""
    notes = [text for line in lines or () if (text := _text(line.value).strip())]
    return "\n\n".join(notes) or None


def _unique(values: Iterator[str | None]) -> list[str]:
    """Returns the values present, each once, in order."""
    return list(dict.fromkeys(value for value in values if value))


def _unescape(text: str) -> str:
    """Undoes backslash escapes; an unknown escape keeps its backslash."""
    if "\\" not in text:
        return text
    return _ESCAPE.sub(lambda m: _ESCAPED.get(m.group(1), m.group(0)), text)


def _components(value: Any) -> list[str]:
    """Splits a structured value (N, ADR, ORG) at unescaped semicolons and unescapes each part."""
    text = _text(value)
    if "\\" not in text:
        return text.split(";")
    marked = _STRUCTURED_SPLIT.sub(lambda m: m.group(1) + "\x00", text)
    return [_unescape(part) for part in marked.split("\x00")]


def _at(parts: list[str], index: int) -> str | None:
    """Returns a component as a single-line field, or None."""
    return _line(parts[index]) if index < len(parts) else None


def _params(line: Any, name: str) -> list[str]:
    """Returns a parameter's values, comma lists split (`TYPE="voice,cell"`)."""
    values = line.params.get(name)
    if not values:
        return []
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _pick(lines: list[Any] | None) -> tuple[Any | None, Any | None]:
    """Returns the primary line of FN or N and, among its ALTID alternates, a reading one."""
    if not lines:
        return None, None
    altid = _params(lines[0], "ALTID")
    if len(lines) == 1 or not altid:
        return lines[0], None
    alternates = [line for line in lines if _params(line, "ALTID") == altid]
    primary = next((line for line in alternates if _has_kanji(_text(line.value))), lines[0])
    if not _has_kanji(_text(primary.value)):
        return primary, None
    others = [line for line in alternates if line is not primary]
    for pattern in (_KANA_ONLY, _LATIN_ONLY):
        for line in others:
            if pattern.fullmatch(_unescape(_text(line.value))):
                return primary, line
    return primary, None


def _has_kanji(text: str) -> bool:
    """Tells whether text has a kanji (a CJK character that is not kana)."""
    return any(is_cjk(char) and not "\u3040" <= char <= "\u30ff" for char in text)


def _reading_sources(get: Any, n: Any, alternate: Any) -> Iterator[tuple[str | None, str | None]]:
    """Yields (family, given) readings in the order of preference, each only when asked for."""
    yield _first(get("x-phonetic-last-name")), _first(get("x-phonetic-first-name"))
    yield _irmc_reading(get("sound"))
    yield _sort_as(n)
    yield split_reading(_first(get("sort-string")))
    if alternate is not None:
        yield _pair(_components(alternate.value))


def _pair(parts: list[str]) -> tuple[str | None, str | None]:
    """Returns the first two components, as family and given."""
    return _at(parts, 0), _at(parts, 1)


def _irmc_reading(lines: list[Any] | None) -> tuple[str | None, str | None]:
    """Reads SOUND;X-IRMC-N:ﾔﾏﾀﾞ;ﾀﾛｳ;;; (or one string with a space) from 2.1 Japanese phones."""
    for line in lines or ():
        if "X-IRMC-N" in line.params or "X-IRMC-N" in line.singletonparams:
            text = _text(line.value)
            return _pair(text.split(";")) if ";" in text else split_reading(_line(text))
    return None, None


def _sort_as(line: Any) -> tuple[str | None, str | None]:
    """Reads N;SORT-AS="ヤマダ,タロウ" (vCard 4.0)."""
    if line is None or not line.params.get("SORT-AS"):
        return None, None
    return _pair(",".join(line.params["SORT-AS"]).split(","))


def _organisation(card: Card, orgs: list[Any] | None, readings: list[Any] | None) -> None:
    """Sets company (ORG's first part), department (the others) and the company's reading."""
    if orgs:
        parts = _components(orgs[0].value)
        card.company = _at(parts, 0)
        card.department = _line(" ".join(p.strip() for p in parts[1:] if p.strip()))
        sort_as = orgs[0].params.get("SORT-AS")
        card.company_reading = _line(",".join(sort_as)) if sort_as else None
    card.company_reading = _first(readings) or card.company_reading


def _address(card: Card, addresses: list[Any] | None, apple: list[Any] | None) -> None:
    """Sets the address line and the country from the preferred ADR."""
    if not addresses:
        return
    chosen = next(
        (line for kind in ("PREF", "WORK") for line in addresses if kind in _types(line)),
        addresses[0],
    )
    parts = [_line(part) or "" for part in _components(chosen.value)]
    parts += [""] * (7 - len(parts))
    country_text = parts[6]
    codes = {(line.group or "").lower(): _text(line.value).strip() for line in apple or ()}
    apple_code = codes.get((chosen.group or "").lower(), "")  # Apple writes ISO codes: jp
    code = _country(country_text) or (apple_code.upper() if _ISO.fullmatch(apple_code) else None)
    card.country = code
    card.address = _address_line(parts[:6], "" if code else country_text)


def _address_line(parts: list[str], country: str) -> str | None:
    """Writes box, extended, street, locality, region, code as one line, in the local order."""
    box, extended, street, locality, region, code = parts
    if _CJK.search("".join(parts)):
        line = _join_japanese([region, locality, street, extended, box, country])
        return (f"〒{code} {line}" if code else line).strip() or None
    regional = f"{region} {code}".strip()
    pieces = [street, extended, box, locality, regional, country]
    return ", ".join(piece for piece in pieces if piece) or None


def _join_japanese(pieces: list[str]) -> str:
    """Joins address pieces, with no space between two Japanese ones (東京都千代田区)."""
    out = ""
    for piece in filter(None, pieces):
        glue = "" if out and is_cjk(out[-1]) and is_cjk(piece[0]) else " "
        out = out + glue + piece if out else piece
    return out


def _country(text: str) -> str | None:
    """Maps a country name or code (Japan, 日本, USA, jp) to ISO alpha-2, or None."""
    key = " ".join(text.replace(".", "").split()).casefold()
    return _COUNTRY_CODES.get(key)


def _types(line: Any) -> set[str]:
    """Returns a line's TYPE values and bare 2.1 parameters, upper-case."""
    return {value.upper() for value in _params(line, "TYPE")} | {
        value.upper() for value in line.singletonparams
    }


def _phone_text(value: Any) -> str | None:
    """Returns the phone as written, without a tel: scheme."""
    text = _line(_text(value))
    if text and text[:4].lower() == "tel:":
        text = text[4:].strip() or None
    return text


def _phone_label(line: Any, labels: dict[str, str]) -> str | None:
    """Returns mobile, work, home, fax, main, pager or other (see the module's docstring)."""
    if line.group and (apple := labels.get(line.group.lower())):
        return _label_word(apple)
    types = _types(line)
    for kind in _TYPE_PRIORITY:
        if kind in types:
            return _TYPE_LABELS.get(kind, kind.lower())
    if types - _NO_KIND:
        return "other"
    return "main" if "PREF" in types else None


def _label_word(text: str) -> str:
    """Maps an Apple label (`_$!<HomeFAX>!$_`, `iPhone`, `社用携帯`) to a label word."""
    match = _APPLE_LABEL.fullmatch(text.strip())
    word = (match.group(1) if match else text).casefold()
    for label, keywords in _LABEL_WORDS:
        if any(keyword in word for keyword in keywords):
            return label
    return "other"


def _email(text: str) -> str | None:
    """Reduces `"Name" <addr>` and `mailto:addr` to the address, lower-cased."""
    text = text.strip()
    if not text:
        return None
    try:
        return normalize_email(text)
    except InvalidInput:
        return text  # left as written for the import service to report


def _tags(value: Any) -> list[str]:
    """Returns CATEGORIES values (vobject gives a list; a single string is split at commas)."""
    if isinstance(value, list):
        return [str(item) for item in value]
    return _text(value).split(",")
