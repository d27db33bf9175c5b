"""Provides reading contacts from CSV files as Japanese and English spreadsheets write them.

Encoding, decided from the bytes in this order (the first that fits wins):
1. a byte order mark: UTF-8 (Excel's "CSV UTF-8"), UTF-32, UTF-16 (Excel's "Unicode text",
   which is tab-separated); UTF-32 is tried first because its LE mark begins like UTF-16's;
2. strict UTF-8: Shift_JIS text with kana or kanji is almost never valid UTF-8, and ASCII is
   the same in both;
3. CP932, the Windows Shift_JIS that Japanese Excel writes (with the NEC and IBM characters
   such as ①, ㈱ and 髙 that plain Shift_JIS lacks).
Anything else is refused with the file's name rather than read as mojibake.

The delimiter is the one of comma, tab and semicolon that the first line holding any of them
holds most of (outside quotes); a first line `sep=;` (an Excel hint) names it instead.

Headers are matched by a key: NFKC, case folded, katakana as hiragana, without spaces, brackets
and the punctuation `-_.・:;*※/`; so `ﾌﾘｶﾞﾅ`, `E-Mail`, `会社名 ` and `姓（フリガナ）` all match. A
header with a number (`メール2`, `E-mail 2 Address`) also matches without its digits. The first
of the first five non-blank rows that names a name, email or phone column is the header row;
rows above it (a title line) are not read. `--map "列名=field"` names other columns or overrides
a match (`ignore` drops a column). When several columns give one single-valued field, the one
whose header is listed first in `_ALIASES` wins (`Job Title` before Outlook's `Title`, Mr/Ms),
and `--map` beats them all; emails, phones, URLs, tags, notes and address parts are collected
from every column in the file's order.

Rows are told apart as the csv module does, with one exception: a quote that is still open at
the end of the file skips only the row that opened it, and reading goes on from its next line.
A quote that a later row closes joins those rows into one, as any spreadsheet would.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from crm_tui.domain.cards import Card, CardPhone, Skipped, Where
from crm_tui.domain.names import split_reading
from crm_tui.domain.text import fold, has_cjk, is_cjk
from crm_tui.errors import InvalidInput
from crm_tui.interchange.csv_write import unneutralise

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_WORKBOOKS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
"""The first bytes of .xlsx (a zip) and .xls files, which people pick instead of the CSV."""
_DELIMITERS = (",", "\t", ";")
_SEP_HINT = re.compile(r"^sep=(.)\s*$")
_QUOTED = re.compile(r'"[^"]*"')
_HEADER_SEARCH = 5
_IGNORE = "ignore"

_ALIASES: dict[str, str] = {
    "uid": "uid|id|連絡先ID|contact id",
    "display_name": "氏名|名前|姓名|フルネーム|お名前|氏名漢字|担当者名|参加者名|参加者氏名"
    "|full name|name|display name|contact name",
    "family_name": "姓|苗字|名字|last name|family name|surname",
    "given_name": "名|下の名前|first name|given name",
    "reading": "フリガナ|ふりがな|よみがな|読み|よみ|カナ|氏名フリガナ|氏名カナ|氏名よみ"
    "|名前フリガナ|フルネームフリガナ|reading|yomi name|phonetic name",
    "family_reading": "セイ|姓フリガナ|姓カナ|姓よみ|フリガナ姓|カナ姓"
    "|family reading|family name reading|last name reading|family name yomi|last name yomi"
    "|phonetic last name",
    "given_reading": "メイ|名フリガナ|名カナ|名よみ|フリガナ名|カナ名"
    "|given reading|given name reading|first name reading|given name yomi|first name yomi"
    "|phonetic first name",
    "company": "会社名|会社|企業名|勤務先|勤務先名|法人名|団体名|組織名|所属会社"
    "|company|company name|organization|organisation|organization name|employer|account name",
    "company_reading": "会社名フリガナ|会社名カナ|会社名よみ|会社フリガナ|企業名フリガナ"
    "|企業名カナ|company yomi|company reading|phonetic company name",
    "department": "部署|部署名|所属|所属部署|部門|部門名|department|dept|organization department",
    "title": "役職|役職名|肩書き|肩書|job title|title|position|organization title",
    "phone": "電話番号|電話|TEL|会社電話|会社電話番号|勤務先電話|勤務先電話番号"
    "|TEL会社|TEL部門|TEL直通|直通|直通電話|直通番号|部門電話"
    "|work phone|business phone|office phone|phone|phone number|telephone",
    "mobile": "携帯|携帯電話|携帯番号|携帯電話番号|ケータイ"
    "|mobile|mobile phone|cell|cell phone|mobile number",
    "home_phone": "自宅電話|自宅電話番号|自宅TEL|home phone",
    "main_phone": "代表電話|代表電話番号|代表番号|代表TEL"
    "|main phone|company main phone|primary phone",
    "other_phone": "その他電話|other phone",
    # Google Contacts' "Phone 1 - Value"; its kind is in another column, so it has no label.
    "any_phone": "phone value",
    "fax": "FAX|FAX番号|ファックス|ファクス|ファックス番号|会社FAX"
    "|business fax|work fax|home fax|fax number",
    "email": "メールアドレス|メール|Eメール|Eメールアドレス|メアド|会社メール|PCメール|携帯メール"
    "|email|email address|mail|mail address|email value",
    "address": "住所|所在地|都道府県|市区町村|番地|町名番地|建物名|ビル名|会社住所|勤務先住所"
    "|address|street|street address|city|state|prefecture|business street|business city"
    "|business state|business address|address formatted|full address|mailing address",
    "postal_code": "郵便番号|〒|郵便|zip|zip code|postal code|postcode|business postal code",
    "country": "国|国名|country|country region|business country region",
    "note": "備考|メモ|ノート|備考欄|メモ欄|コメント|特記事項|notes|note|memo|comments|comment",
    "url": "URL|ウェブサイト|Webサイト|ホームページ|HP|会社URL"
    "|website|web site|web page|homepage|website value",
    "tags": "タグ|tags|tag",
}
"""Headers (`|` between them) by the field they fill; within a field, earlier ones win."""

_PHONE_LABELS: dict[str, str | None] = {
    "phone": "work",
    "mobile": "mobile",
    "fax": "fax",
    "home_phone": "home",
    "main_phone": "main",
    "other_phone": "other",
    "any_phone": None,
}
_IDENTITY = frozenset({"display_name", "family_name", "given_name", "email", *_PHONE_LABELS})
"""Fields of which a file needs at least one column: who the rows are, or how to reach them."""

_FILLED_AS_NAMED = (
    "uid display_name family_name given_name family_reading given_reading company"
    " company_reading department title address country note tags url"
    " mobile phone fax email reading postal_code"
)
FIELDS: dict[str, str | None] = {
    **{name: name for name in _FILLED_AS_NAMED.split()},
    "name": "display_name",
    "emails": "email",
    "phones": "phone",
    "urls": "url",
    _IGNORE: None,
}
"""The field names `--map` accepts (Card's fields, phone kinds, `ignore`) and what they fill."""

_PUNCTUATION = re.compile(r"[\s()\[\]{}<>【】「」『』〔〕〈〉《》・.:;*※/_\-‐]+")
_DIGITS = re.compile(r"\d+")
_SPLIT_EMAILS = re.compile(r"[\s,;、，；]+")
_SPLIT_TAGS = re.compile(r"[,、，]")
_SPLIT_PHONES = re.compile(r";\s+|[\n、]")
"""Between phones in one cell: `; ` (as our export joins them), a line break or `、`; a `;` or
`,` alone stays, being a dial string's wait or pause (`+81312345678,,123`)."""
_JAPANESE_POSTAL_CODE = re.compile(r"^\d{3}[-－ー‐]?\d{4}$")


def _key(header: str) -> str:
    """The form headers are compared in: folded, without spaces, brackets and punctuation."""
    return _PUNCTUATION.sub("", fold(header))


def _index() -> dict[str, tuple[str, int]]:
    """Each header key with its field and its rank among that field's headers."""
    index: dict[str, tuple[str, int]] = {}
    for target, names in _ALIASES.items():
        for rank, name in enumerate(names.split("|")):
            key = _key(name)
            if index.setdefault(key, (target, rank))[0] != target:
                raise AssertionError(f"header {name!r} names two fields")
    return index


_INDEX = _index()


@dataclass(frozen=True, slots=True)
class _Column:
    """A column that fills a field; `rank` orders columns filling the same single field."""

    index: int
    target: str
    rank: int


@dataclass(frozen=True, slots=True)
class _Record:
    """One row of the file: its first physical line and its cells, or why it has none."""

    line: int
    cells: list[str | None] | None
    problem: str | None = None


def parse_mapping(items: list[str]) -> dict[str, str]:
    """Parses `--map column=field` options into {column: field}, refusing unknown fields."""
    mapping: dict[str, str] = {}
    for item in items:
        column, equals, field = item.rpartition("=")
        column, field = column.strip(), field.strip().lower()
        if not equals or not column or not field:
            raise InvalidInput(
                f'--map {item!r} is not column=field; write e.g. --map "携帯=mobile".'
            )
        _target(field, f"--map {item!r}")
        if column in mapping:
            raise InvalidInput(f"--map names the column {column!r} twice; keep one.")
        mapping[column] = field
    return mapping


def _target(field: str, context: str) -> str | None:
    """The target a --map field fills (None to ignore the column); refuses unknown fields."""
    try:
        return FIELDS[field.strip().lower()]
    except KeyError:
        raise InvalidInput(
            f"{context}: {field!r} is not a field; use one of: {', '.join(FIELDS)}."
        ) from None


def read_csv(
    data: bytes, file: str, mapping: dict[str, str] | None = None
) -> Iterator[Card | Skipped]:
    """Reads the contacts of a CSV file: a Card per row, or a Skipped saying why not.

    Refuses (InvalidInput) a file it cannot decode or whose header names no name, email or
    phone column; a bad row never stops the others.
    """
    text = _decode(data, file)
    lines = io.StringIO(text.lstrip("\ufeff"), newline="").readlines()
    hint = _SEP_HINT.match(lines[0]) if lines else None
    delimiter = hint.group(1) if hint else _delimiter(lines)
    records = list(_records(lines, delimiter, start=1 if hint else 0))
    at, columns = _header(records, mapping or {}, file)
    return _cards(records[at + 1 :], columns, file)


def _decode(data: bytes, file: str) -> str:
    """The file's text: by its byte order mark, else UTF-8, else CP932 (see the module)."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec)
            except UnicodeDecodeError:
                raise InvalidInput(
                    f"{file}: starts with a {codec} byte order mark but is not {codec} text."
                ) from None
    if data.startswith(_WORKBOOKS):
        raise InvalidInput(f"{file} is an Excel workbook, not CSV; save it as CSV UTF-8 first.")
    for codec in ("utf-8", "cp932"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(
        f"{file}: neither UTF-8 nor Shift_JIS (CP932) text; save it as CSV UTF-8 and try again."
    )


def _delimiter(lines: list[str]) -> str:
    """Comma, tab or semicolon: whichever the first line holding any holds most of."""
    for line in lines[: _HEADER_SEARCH * 4]:
        bare = _QUOTED.sub("", line)
        counts = [bare.count(delimiter) for delimiter in _DELIMITERS]
        if max(counts):
            return _DELIMITERS[counts.index(max(counts))]
    return ","


def _records(lines: list[str], delimiter: str, start: int) -> Iterator[_Record]:
    """The file's rows with their first lines; a quote open at the end skips only its row."""
    index = start
    while index < len(lines):
        end, still_open = index, _open_after(lines[index], False, delimiter)
        while still_open and end + 1 < len(lines):
            end += 1
            still_open = _open_after(lines[end], True, delimiter)
        if still_open:
            problem = 'a quote (") opened in this row is never closed; the row is left out'
            yield _Record(index + 1, None, problem)
            index += 1
            continue
        yield _parse(lines[index : end + 1], index + 1, delimiter)
        index = end + 1


def _open_after(line: str, open_before: bool, delimiter: str) -> bool:
    """Tells whether a quoted field is still open after LINE, by the csv module's rules."""
    if '"' not in line:
        return open_before
    # States: 0 at a field's start, 1 in an unquoted field, 2 quoted, 3 quote seen in quotes.
    state = 2 if open_before else 0
    for char in line:
        if state == 2:
            state = 3 if char == '"' else 2
        elif state == 3:
            state = 2 if char == '"' else 0 if char == delimiter else 1
        elif char == delimiter:
            state = 0
        else:
            # A quote only opens a field at its start; elsewhere it is an ordinary character.
            state = 2 if state == 0 and char == '"' else 1
    return state == 2


def _parse(lines: list[str], line: int, delimiter: str) -> _Record:
    """One row's cells (None for empty ones), or why it cannot be read."""
    try:
        cells = next(csv.reader(lines, delimiter=delimiter), [])
    except csv.Error as error:
        return _Record(line, None, f"the row cannot be read as CSV ({error})")
    return _Record(line, [_cell(cell) for cell in cells])


def _cell(text: str) -> str | None:
    """A cell's value: a neutralised export's quote removed, newlines as LF, spaces stripped."""
    # The quote goes first: our export put it in front of the text as it was, spaces and all.
    value = unneutralise(text).replace("\r\n", "\n").replace("\r", "\n").strip()
    return value or None


def _header(
    records: list[_Record], mapping: dict[str, str], file: str
) -> tuple[int, list[_Column]]:
    """The header row's position and its columns; refuses a file without a usable one."""
    candidates = [
        (at, record.cells)
        for at, record in enumerate(records)
        if record.cells is not None and any(record.cells)
    ][:_HEADER_SEARCH]
    if not candidates:
        raise InvalidInput(f"{file} has no header row; it looks empty.")
    for at, cells in candidates:
        headers = [cell or "" for cell in cells]
        columns, unmatched = _columns(headers, mapping)
        if any(column.target in _IDENTITY for column in columns):
            if unmatched:
                raise _not_in_header(file, unmatched, headers)
            return at, columns
    headers = [cell or "" for cell in candidates[0][1]]
    unmatched = _columns(headers, mapping)[1]
    if unmatched:
        raise _not_in_header(file, unmatched, headers)
    raise InvalidInput(
        f"{file}: no column for names, emails or phones among its headers "
        f'({_listed(headers)}); name one with --map, e.g. --map "{headers[0]}=name".'
    )


def _not_in_header(file: str, columns: list[str], headers: list[str]) -> InvalidInput:
    """The error for --map columns that the header does not have."""
    named = ", ".join(repr(column) for column in columns)
    return InvalidInput(f"{file}: --map names {named}, not among its headers ({_listed(headers)}).")


def _listed(headers: list[str]) -> str:
    """Headers for a message: the first twenty, quoted."""
    shown = ", ".join(repr(header) for header in headers[:20])
    return shown + (", …" if len(headers) > 20 else "")


def _columns(headers: list[str], mapping: dict[str, str]) -> tuple[list[_Column], list[str]]:
    """The columns that fill fields, and the --map columns the headers do not have."""
    mapped: dict[int, str | None] = {}
    unmatched: list[str] = []
    for name, field in mapping.items():
        target = _target(field, f"--map {name}={field}")
        exact = [at for at, header in enumerate(headers) if header == name.strip()]
        found = exact or [at for at, header in enumerate(headers) if _key(header) == _key(name)]
        unmatched += [] if found else [name]
        mapped |= dict.fromkeys(found, target)
    columns: list[_Column] = []
    for at, header in enumerate(headers):
        if at in mapped:
            target = mapped[at]
            columns += [_Column(at, target, -1)] if target else []
            continue
        match = _match(header)
        columns += [_Column(at, *match)] if match else []
    return columns, unmatched


def _match(header: str) -> tuple[str, int] | None:
    """The field a header names and its rank, trying it without digits too (`メール2`)."""
    key = _key(header)
    found = _INDEX.get(key)
    if found is None and _DIGITS.search(key):
        found = _INDEX.get(_DIGITS.sub("", key))
    return found


def _cards(records: list[_Record], columns: list[_Column], file: str) -> Iterator[Card | Skipped]:
    """The rows after the header as cards; blank rows are passed over without a number."""
    number = 0
    for record in records:
        if record.cells is not None and not any(record.cells):
            continue
        number += 1
        where = Where(file, number, record.line)
        if record.cells is None:
            yield Skipped(where, record.problem or "the row cannot be read")
        else:
            yield _card(where, record.cells, columns)


def _card(where: Where, cells: list[str | None], columns: list[_Column]) -> Card | Skipped:
    """One row as a card, or Skipped when it has no name, email, phone or company."""
    found: dict[str, list[tuple[int, str]]] = {}
    for column in columns:
        value = cells[column.index] if column.index < len(cells) else None
        if value:
            found.setdefault(column.target, []).append((column.rank, value))

    def one(target: str) -> str | None:
        entries = found.get(target)
        return min(entries, key=lambda entry: entry[0])[1] if entries else None

    def every(target: str) -> list[str]:
        return [value for _, value in found.get(target, [])]

    family_reading, given_reading = split_reading(one("reading"))
    card = Card(
        where=where,
        uid=one("uid"),
        display_name=one("display_name"),
        family_name=one("family_name"),
        given_name=one("given_name"),
        family_reading=one("family_reading") or family_reading,
        given_reading=one("given_reading") or given_reading,
        company=one("company"),
        company_reading=one("company_reading"),
        department=one("department"),
        title=one("title"),
        emails=_unique(part for cell in every("email") for part in _SPLIT_EMAILS.split(cell)),
        phones=_phones(columns, cells),
        address=_address(every("address"), one("postal_code")),
        country=one("country"),
        note="\n".join(every("note")) or None,
        urls=_unique(every("url")),
        tags=_unique(tag.strip() for cell in every("tags") for tag in _SPLIT_TAGS.split(cell)),
    )
    if card.display_name or card.family_name or card.given_name:
        return card
    if card.emails or card.phones or card.company:
        return card
    return Skipped(where, "the row has no name, email, phone or company")


def _unique(values: Iterable[str]) -> list[str]:
    """Non-empty values, each once, in order."""
    return list(dict.fromkeys(value for value in values if value))


def _phones(columns: list[_Column], cells: list[str | None]) -> list[CardPhone]:
    """The row's phones in column order, text as written, labelled by their column; the same
    number in two columns (TEL会社 and TEL直通) is listed once, with the first's label."""
    phones: dict[str, CardPhone] = {}
    for column in columns:
        value = cells[column.index] if column.index < len(cells) else None
        if not value or column.target not in _PHONE_LABELS:
            continue
        for text in filter(None, (part.strip() for part in _SPLIT_PHONES.split(value))):
            phones.setdefault(text, CardPhone(text, _PHONE_LABELS[column.target]))
    return list(phones.values())


def _address(parts: list[str], postal_code: str | None) -> str | None:
    """One address from its parts in column order, with its postal code.

    A part that another part starts with is dropped: files often have 都道府県 as well as a
    住所 that begins with it. A Japanese postal code goes in front as `〒100-0005`; any other
    goes at the end, where Western addresses have it.
    """
    parts = list(dict.fromkeys(parts))
    kept = [part for part in parts if not any(o != part and o.startswith(part) for o in parts)]
    text = ""
    for part in kept:
        text = f"{text}{_separator(text, part)}{part}"
    code = (postal_code or "").lstrip("〒").strip()
    if code and code not in text:
        text = f"〒{code} {text}" if _JAPANESE_POSTAL_CODE.match(code) else f"{text} {code}"
    return text.strip() or None


def _separator(left: str, right: str) -> str:
    """What goes between two address parts: nothing in Japanese (東京都千代田区), else `, `."""
    if not left:
        return ""
    if is_cjk(left[-1]) and is_cjk(right[0]):
        return ""
    # A Japanese part after a block number (１－１ 丸の内ビル) or a mix of scripts: a space.
    return " " if has_cjk(left + right) else ", "
