"""Provides the repairs that turn real-world vCard bytes into clean text vobject can parse.

Everything up to a card's logical lines happens on bytes: line endings, BOMs, UTF-16, folds
and quoted-printable soft line breaks. So a fold that splits a UTF-8 character, or a Shift_JIS
character whose trail byte is 0x5C (ソ is 0x83 0x5C, 表 is 0x95 0x5C), is whole again before
any decoder or unescaper sees it. Folds are unfolded by removing the line break and one space
or tab, as RFC 6350 says, for every version (2.1 writers fold little but base64, which is
dropped). A quoted-printable continuation is taken as it is, whatever it looks like, except a
line that is exactly END:VCARD: that ends the card (a writer left a `=` on the last value).

PHOTO, LOGO, KEY and binary SOUND values are skipped line by line without being joined or
decoded (3.0 folds them; 2.1 writes base64 lines up to a blank line), so a multi-megabyte photo
costs one cheap test per line. SOUND;X-IRMC-N is a name reading and is kept.

Charset of a value with no CHARSET parameter, or whose declared charset fails: UTF-8 if it
decodes; else cp932 (Shift_JIS with the NEC and IBM extensions, so ㈱ ① 髙 survive) if it
decodes and looks Japanese: two Japanese characters in a row (kana, kanji, full-width forms),
or one with no Latin letter in the value (Western accented letters read as cp932 give a lone
kanji or half-width kana between Latin letters: Ça is ﾇa); else cp1252; else Latin-1, which
never fails. A declared Shift_JIS, SJIS, CP932, MS932 or Windows-31J is read as cp932, and
ISO-8859-1 as cp1252 (its superset, as browsers do).

Clean text for vobject: values are decoded, newlines escaped as `\\n`, and bare commas in text
values escaped, because vobject's text decoding keeps only what comes before the first bare
comma (FN:Smith, John would become Smith). N, ADR, ORG, GEO and CATEGORIES are left raw:
vobject does not decode the first four and splits CATEGORIES at commas. C0 and C1 control
characters other than tab and newline are dropped (a name cannot carry a terminal escape).
"""

from __future__ import annotations

import binascii
import codecs
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

MAX_CARD_BYTES = 1_000_000
"""A card bigger than this once photos are dropped is skipped, not read."""

_SNIFF = 4096
_UTF8_BOM = b"\xef\xbb\xbf"
_BINARY = re.compile(rb"(?:[A-Za-z0-9_-]+\.)?(PHOTO|LOGO|KEY|SOUND)[;:]", re.IGNORECASE)
_MARKERS = re.compile(rb"quoted-printable|charset|base64|encoding", re.IGNORECASE)
_JAPANESE = "\u2460-\u24ff\u3000-\u30ff\u3200-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff60"
_JAPANESE_RUN = re.compile(f"[{_JAPANESE}]{{2,}}|[\uff66-\uff9f]{{2,}}")
_JAPANESE_CHAR = re.compile(f"[{_JAPANESE}\uff66-\uff9f]")
_LATIN = re.compile("[A-Za-z]")
_PRIVATE = re.compile("[\ue000-\uf8ff]")
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_DROP_CONTROLS = dict.fromkeys([*range(0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)])
_BARE_COMMA = re.compile(r"(?<!\\)((?:\\\\)*),")
_RAW_VALUES = frozenset({"N", "ADR", "ORG", "GEO", "CATEGORIES"})
_CP932 = frozenset({"SHIFT-JIS", "SJIS", "CP932", "MS932", "WINDOWS-31J", "X-SJIS", "MS-KANJI"})
_CP1252 = frozenset({"ISO-8859-1", "LATIN1", "LATIN-1", "WINDOWS-1252", "CP1252", "US-ASCII"})


@dataclass(slots=True)
class RawCard:
    """One card's logical lines (unfolded bytes, without BEGIN and END) and what the split saw."""

    number: int
    line: int
    lines: list[bytes] = field(default_factory=list)
    size: int = 0
    closed: bool = False
    photo_dropped: bool = False
    oversized: bool = False


def physical_lines(stream: BinaryIO) -> Iterator[bytes]:
    """Yields the stream's lines with their endings, as UTF-8 for UTF-16 input, without a BOM."""
    if not stream.seekable():  # a pipe: the encoding is told from the head, read again after
        stream = io.BytesIO(stream.read())
    head = stream.read(_SNIFF)
    stream.seek(0)
    encoding = _sniff(head)
    if encoding != "utf-8":
        # newline="" splits at CR, LF and CRLF and keeps the endings.
        text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
        for line in text:
            yield line.encode("utf-8")
        text.detach()
        return
    if head.startswith(_UTF8_BOM):
        stream.read(len(_UTF8_BOM))
    for raw in stream:
        # Old Mac files end lines with CR alone; a file iterator splits at LF only.
        if raw.find(b"\r", 0, len(raw) - 2) >= 0:
            yield from raw.splitlines(keepends=True)
        else:
            yield raw


def _sniff(head: bytes) -> str:
    """Tells the file's encoding from its first bytes: UTF-16 by its BOM or its NULs, else UTF-8."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if b"\x00" in head:
        even = head[: len(head) // 2 * 2]
        for codec in ("utf-16-le", "utf-16-be"):
            if "BEGIN:VCARD" in even.decode(codec, "replace").upper():
                return codec
    return "utf-8"


def _word(line: bytes, word: bytes) -> bool:
    """Tells whether a line is BEGIN:VCARD or END:VCARD (any case, spaces or a stray BOM)."""
    return line.strip().removeprefix(_UTF8_BOM).upper() == word


def _is_qp(line: bytes) -> bool:
    """Tells whether a property's parameters say quoted-printable."""
    return b"QUOTED-PRINTABLE" in line[: line.find(b":")].upper()


def _binary(line: bytes) -> str | None:
    """Names the binary property a line starts (PHOTO, LOGO, KEY, SOUND), or None."""
    match = _BINARY.match(line)
    if match is None:
        return None
    name = match.group(1).upper().decode()
    if name == "SOUND" and b"X-IRMC-N" in line[: line.find(b":")].upper():
        return None  # the reading of the name on Japanese phones, not a sound
    return name


def split_cards(lines: Iterator[bytes], max_card_bytes: int = MAX_CARD_BYTES) -> Iterator[RawCard]:
    """Yields each card between BEGIN:VCARD and END:VCARD, unfolded, in file order.

    Junk outside cards is ignored. A card cut short by another BEGIN:VCARD or by the end of the
    file is yielded with closed=False; a last line without its line break is dropped (cut off).
    """
    # One loop with local state: it runs for every line of the file, so no calls per line.
    card: RawCard | None = None
    pieces: list[bytes] = []  # the logical line being built
    qp = skip = agent = False
    number = 0
    raw = b""
    for n, raw in enumerate(lines, 1):
        line = raw.rstrip(b"\r\n")
        if card is None:
            if line[:1] in b"Bb\xef" and line and _word(line, b"BEGIN:VCARD"):
                number += 1
                card = RawCard(number, n)
            continue
        if agent:  # the nested card of a 2.1 AGENT property: not this person
            agent = not _word(line, b"END:VCARD")
            continue
        if qp and not _word(line, b"END:VCARD"):
            card.size += len(line)
            if card.size <= max_card_bytes:
                pieces[-1] = pieces[-1][:-1]  # the soft line break's "="
                pieces.append(line)
            qp = line[-1:] == b"="
            continue
        qp = False
        first = line[:1]
        if first == b" " or first == b"\t":
            if pieces and not skip:
                card.size += len(line)
                if card.size <= max_card_bytes:
                    pieces.append(line[1:])
                qp = line[-1:] == b"=" and _is_qp(pieces[0])
            continue
        if skip:
            if b":" not in line:
                continue  # 2.1 base64 lines (no colon in that alphabet) and the blank line
            skip = False
        if not line:
            continue
        if pieces:
            if card.size > max_card_bytes:
                card.oversized = True
                card.lines.clear()
            else:
                card.lines.append(pieces[0] if len(pieces) == 1 else b"".join(pieces))
            pieces = []
        if first in b"EeBb\xef":
            if _word(line, b"END:VCARD"):
                card.closed = True
                yield card
                card = None
                continue
            if _word(line, b"BEGIN:VCARD"):
                if card.lines and card.lines[-1].rstrip().upper().endswith(b"AGENT:"):
                    card.lines.pop()
                    agent = True
                    continue
                yield card
                number += 1
                card = RawCard(number, n)
                continue
        if card.oversized:
            continue
        binary = _binary(line)
        if binary is not None:
            skip = True
            card.photo_dropped |= binary in ("PHOTO", "LOGO")
            continue
        card.size += len(line)
        pieces = [line]
        qp = line[-1:] == b"=" and _is_qp(line)
    if card is not None:
        if pieces and raw.endswith((b"\n", b"\r")):
            if card.size > max_card_bytes:
                card.oversized = True
                card.lines.clear()
            else:
                card.lines.append(b"".join(pieces))
        yield card


def card_text(lines: list[bytes]) -> str:
    """Returns a card as clean vCard text for vobject: decoded, one line per property."""
    blob = b"\n".join(lines)
    if not _MARKERS.search(blob):
        try:
            return _finish(blob.decode("utf-8").split("\n"))
        except UnicodeDecodeError:
            pass
    return _finish([text for text in map(decode_line, lines) if text is not None])


def careful_text(lines: list[bytes], parses: Callable[[str], object]) -> str:
    """Returns card text keeping only lines `parses(line)` accepts, after tidying failed ones.

    Used when vobject refused the card: junk lines, empty parameters, spaces around names.
    """
    kept: list[str] = []
    for text in map(decode_line, lines):
        if text is None or text[:6].upper().startswith(("BEGIN:", "END:")):
            continue
        for candidate in (text, _tidy(text)):
            try:
                parses(candidate)
            except Exception:  # vobject raises several kinds for lines it cannot read
                continue
            kept.append(candidate)
            break
    return _finish(kept)


def _finish(lines: list[str]) -> str:
    """Protects values from vobject's text decoding, drops control characters, wraps the card."""
    for index, line in enumerate(lines):
        if "," in line or line[-1:] == "\\":
            lines[index] = _protect(line)
    body = "\n".join(lines)
    if _CONTROLS.search(body):
        body = body.translate(_DROP_CONTROLS)
    return "BEGIN:VCARD\n" + body + "\nEND:VCARD\n"


def value_start(line: str) -> int:
    """Returns the index of the colon that ends a property's name and parameters, or -1."""
    colon = line.find(":")
    if colon < 0 or '"' not in line[:colon]:
        return colon
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return index
    return -1


def _protect(line: str) -> str:
    """Escapes bare commas in a text value and a lone trailing backslash."""
    colon = value_start(line)
    if colon < 0:
        return line
    head, value = line[:colon], line[colon + 1 :]
    name = head.split(";", 1)[0].rpartition(".")[2].upper()
    if name not in _RAW_VALUES and "," in value:
        value = value.replace(",", "\\,") if "\\" not in value else _BARE_COMMA.sub(r"\1\\,", value)
    if (len(value) - len(value.rstrip("\\"))) % 2:
        value += "\\"
    return f"{head}:{value}"


def decode_line(line: bytes) -> str | None:
    """Decodes one logical line: quoted-printable and charset applied; None drops base64 lines."""
    colon = line.find(b":")
    if colon < 0 or not _MARKERS.search(line, 0, colon):
        return decode_undeclared(line)
    name, *params = _split_params(decode_undeclared(line[:colon]))
    kept, charset, qp = [name], None, False
    for param in params:
        key, equals, value = param.partition("=")
        key, value = key.strip().upper(), value.strip().strip('"').upper()
        if (key, value) in (("ENCODING", "QUOTED-PRINTABLE"), ("QUOTED-PRINTABLE", "")):
            qp = True
        elif (key, value) in (("ENCODING", "B"), ("ENCODING", "BASE64"), ("BASE64", "")):
            return None  # binary data (a key, a sound): nothing a contact needs
        elif key == "CHARSET" and equals:
            charset = value
        elif key != "ENCODING":  # 8BIT, 7BIT dropped: vobject takes any ENCODING for base64
            kept.append(param)
    raw = line[colon + 1 :]
    text = decode_value(binascii.a2b_qp(raw) if qp else raw, charset)
    if "\n" in text or "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return ";".join(kept) + ":" + text


def _split_params(head: str) -> list[str]:
    """Splits `NAME;P=V;P="a;b"` at semicolons outside quotes."""
    if '"' not in head:
        return head.split(";")
    return re.findall(r'(?:[^;"]|"[^"]*")+', head) or [head]


def _tidy(line: str) -> str:
    """Drops empty parameters and spaces, and makes odd names and parameter values legal."""
    colon = value_start(line)
    if colon < 0:
        return line
    parts = [part.strip() for part in _split_params(line[:colon]) if part.strip()]
    if not parts:
        return line
    name = re.sub(r"[^A-Za-z0-9_.-]", "-", parts[0])
    params = []
    for part in parts[1:]:
        key, equals, value = part.partition("=")
        key = re.sub(r"[^A-Za-z0-9_-]", "-", key.strip())
        value = value.strip().replace('"', "")
        if re.search(r"[;:,]", value):
            value = f'"{value}"'
        params.append(key + equals + value)
    return ";".join([name, *params]) + ":" + line[colon + 1 :]


def decode_value(raw: bytes, charset: str | None) -> str:
    """Decodes a value in its declared charset, or by the module's rule when that fails.

    Valid UTF-8 beyond ASCII wins over any declared charset: writers mislabel UTF-8, and
    Shift_JIS or cp1252 text is almost never valid UTF-8.
    """
    codec = _codec(charset) if charset else None
    if codec is None:
        return decode_undeclared(raw)
    if codec != "utf-8" and not raw.isascii():
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode(codec)
    except UnicodeDecodeError:
        return decode_undeclared(raw)


def _codec(charset: str) -> str | None:
    """Maps a CHARSET parameter to a Python codec, or None when Python knows no such charset."""
    name = charset.upper().replace("_", "-")
    if name in _CP932:
        return "cp932"
    if name in _CP1252:
        return "cp1252"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_undeclared(raw: bytes) -> str:
    """Decodes bytes with no declared charset: UTF-8, else Japanese cp932, else cp1252."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp932")
    except UnicodeDecodeError:
        pass
    else:
        if _looks_japanese(text):
            return text
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _looks_japanese(text: str) -> bool:
    """Tells whether a cp932 reading is Japanese rather than Western bytes that happen to pair."""
    if _PRIVATE.search(text):
        return False  # lead bytes 0xF0-0xF9 are user-defined: Western letters, not Japanese
    if _JAPANESE_RUN.search(text):
        return True
    return bool(_JAPANESE_CHAR.search(text)) and not _LATIN.search(text)
