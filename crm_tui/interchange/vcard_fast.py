"""Provides parsing of plain cards without vobject: the lines vobject would make, but faster.

Most cards in an import are plain: UTF-8, no quoted-printable, no charset or encoding
parameters, no quoted parameter values, no control characters, names of letters, digits and
dashes. For those, `plain_contents` builds what `vobject.readOne(card_text(lines),
transform=False).contents` holds, by the same rules (checked line for line against vobject by
the tests); anything else returns None and takes the full path (`vcard_repair` + vobject).

vobject's rules reproduced: N, ADR, ORG and GEO keep their raw value; CATEGORIES is split at
bare commas and unescaped; every other value is unescaped (`\\n` and `\\N` newline; `\\,`
`\\;` `\\\\` `\\"` the character; any other escape kept with its backslash). A bare comma stays
in the value, as `vcard_repair` protects it; a lone trailing backslash stays a backslash.
"""

from __future__ import annotations

import re
from typing import Any

# A property line with nothing the full path would repair: group, name, unquoted parameters.
_LINE = re.compile(
    r"(?:([A-Za-z0-9-]+)\.)?([A-Za-z0-9-]+)((?:;[A-Za-z0-9-]+(?:=[^;:,\"]+(?:,[^;:,\"]+)*)?)*):(.*)",
    re.DOTALL,
)
_MARKERS = re.compile(rb"quoted-printable|charset|base64|encoding", re.IGNORECASE)
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_LIST_TOKEN = re.compile(r"\\(.)|,", re.DOTALL)
_ESCAPED = {"n": "\n", "N": "\n", ",": ",", ";": ";", "\\": "\\", '"': '"'}
_RAW = frozenset({"N", "ADR", "ORG", "GEO"})
"""vobject gives these values as written (its structured values are decoded by the reader)."""
_UNDECODED = frozenset({"VERSION", "PRODID"})
"""vobject leaves these as written too; plain only without commas or backslashes."""
_NOT_PROPERTIES = frozenset({"BEGIN", "END", "PROFILE"})


class Line:
    """One property line, with the attributes of vobject's ContentLine that the reader uses."""

    __slots__ = ("group", "name", "params", "singletonparams", "value")

    def __init__(
        self,
        name: str,
        group: str | None,
        params: dict[str, list[str]],
        singletonparams: list[str],
        value: Any,
    ) -> None:
        self.name = name
        self.group = group
        self.params = params
        self.singletonparams = singletonparams
        self.value = value


def plain_contents(lines: list[bytes]) -> dict[str, list[Line]] | None:
    """Returns a card's lines by lower-case name, as vobject would, or None when it is not plain."""
    blob = b"\n".join(lines)
    if _MARKERS.search(blob):
        return None
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _CONTROLS.search(text):
        return None
    contents: dict[str, list[Line]] = {}
    match = _LINE.fullmatch
    for raw in text.split("\n"):
        found = match(raw)
        if found is None:
            return None
        group, name, params, value = found.groups()
        name = name.upper()
        if name in _NOT_PROPERTIES:
            return None
        line = _line(name, group, params, value)
        if line is None:
            return None
        contents.setdefault(name.lower(), []).append(line)
    return contents


def _line(name: str, group: str | None, params: str, value: str) -> Line | None:
    """Builds one line; None when its value needs the full path."""
    named: dict[str, list[str]] = {}
    single: list[str] = []
    if params:
        for param in params[1:].split(";"):
            key, equals, values = param.partition("=")
            if equals:
                named.setdefault(key.upper(), []).extend(values.split(","))
            else:
                single.append(key)
    decoded: Any
    if name in _RAW:
        decoded = _double_trailing_backslash(value)
    elif name in _UNDECODED:
        if "," in value or "\\" in value:
            return None
        decoded = value
    elif name == "CATEGORIES":
        decoded = text_values(value)
    else:
        decoded = value if "\\" not in value else _ESCAPE.sub(_unescape, value)
    return Line(name, group, named, single, decoded)


def _unescape(match: re.Match[str]) -> str:
    return _ESCAPED.get(match.group(1), match.group(0))


def _double_trailing_backslash(value: str) -> str:
    """What `vcard_repair` does to a value ending in an odd run of backslashes."""
    if value[-1:] == "\\" and (len(value) - len(value.rstrip("\\"))) % 2:
        return value + "\\"
    return value


def text_values(value: str) -> list[str]:
    """Splits a list value at bare commas and unescapes each part (a trailing empty one dropped)."""
    parts: list[str] = []
    current: list[str] = []
    position = 0
    for token in _LIST_TOKEN.finditer(value):
        current.append(value[position : token.start()])
        if token.group(1) is None:
            parts.append("".join(current))
            current = []
        else:
            current.append(_ESCAPED.get(token.group(1), token.group(0)))
        position = token.end()
    current.append(value[position:])
    last = "".join(current)
    if last or not parts:
        parts.append(last)
    return parts
