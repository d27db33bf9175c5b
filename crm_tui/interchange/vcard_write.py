"""Provides contacts written as vCard 3.0 (RFC 2426) or 4.0 (RFC 6350): one file, or a vdir.

The text is built directly rather than through vobject's serializer: it is faster, loads no
heavy library and gives exact control over parameters such as `SORT-AS` and `VALUE=uri`.

Decisions, so that readers of our files (and our own import) know what to expect:

- UID is the contact's id as is (a ULID, not a UUID), so re-importing our own export matches
  by UID. In 4.0 it carries `VALUE=text`, because a bare ULID is not the URI 4.0 expects.
- FN is the display name; N holds family and given names. Readings (furigana) go to
  `X-PHONETIC-LAST-NAME` / `X-PHONETIC-FIRST-NAME` in both versions (what Apple and Google
  read), and also to `SORT-AS` on N in 4.0 and `SORT-STRING` ("family given") in 3.0. A missing
  reading falls back to the name itself in those sort keys; `"`, `,` and `^` are dropped from
  them, since they cannot stand in a parameter value without RFC 6868 escaping.
- ORG is `company;department`; the company's reading goes to `X-PHONETIC-ORG`.
- The one-line address goes to the street component of ADR, typed work (a customer's address
  is where the rep visits; 3.0's default type is work too, but readers such as khard assume
  home without one). No LABEL: it would repeat the same line.
- TEL types: mobile→cell, work→work, home→home, fax→fax, other→voice, any other label→x-label.
  Valid numbers are E.164: `tel:` URIs with `;ext=` in 4.0, the bare number (and ` ext. 123`)
  in 3.0. Numbers that did not parse are written verbatim as text (`VALUE=text` in 4.0).
- Every text value is escaped: `\\`, `,` and newlines in both versions; `;` in 3.0 text and in
  the components of N, ORG and ADR in both (4.0 allows a bare `;` in plain text). TEL values
  are escaped as text too, since vobject-based readers (khard) unescape every value.
- Control characters are not allowed in vCard text: CR LF, CR, NEL, U+2028 and U+2029 become a
  newline (written `\\n`); tab is kept; every other C0 control, DEL and C1 control is dropped.
- Lines end in CRLF and fold at 75 octets, never inside a UTF-8 character or an escape, and
  before a non-blank character where one is near.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from crm_tui.domain.names import display_name
from crm_tui.domain.records import Company, Contact
from crm_tui.errors import InvalidInput
from crm_tui.interchange.files import write_atomically

VERSIONS = ("3.0", "4.0")
PRODID = "-//crm//crm_tui//EN"
FOLD_OCTETS = 75

_NEWLINES = re.compile("\r\n|[\r\x85\u2028\u2029]")
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_NOT_IN_PARAM = re.compile('[",^]')
# An escape is one token, so that folding never separates a backslash from its character.
_TOKENS = re.compile(r"\\.|.", re.DOTALL)
_E164 = re.compile(r"\+[0-9]{4,15}")
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
_TEL_TYPES = {"mobile": "cell", "cell": "cell", "work": "work", "home": "home", "fax": "fax"}


def vcard_of(contact: Contact, company: Company | None, version: str = "3.0") -> str:
    """Writes one contact (with its company, if any) as a vCard of the version, CRLF-ended."""
    v4 = _checked(version) == "4.0"
    lines = ["BEGIN:VCARD", f"VERSION:{version}", f"PRODID:{PRODID}"]
    lines.append(f"UID{';VALUE=text' if v4 else ''}:{_text(contact.id, v4)}")
    lines += _name_lines(contact, v4)
    lines += _org_lines(contact, company, v4)
    lines += [_tel_line(phone, v4) for phone in contact.phones if phone.get("number")]
    lines += [_email_line(email, v4) for email in contact.emails if email]
    lines += _other_lines(contact, v4)
    lines.append("END:VCARD")
    return "".join(_fold(line) + "\r\n" for line in lines)


def write_vcards(
    items: Iterable[tuple[Contact, Company | None]], out: TextIO, version: str = "3.0"
) -> int:
    """Writes the contacts one after another into OUT and returns how many were written.

    OUT keeps the cards' CRLF only if it does not translate newlines (`open(..., newline="")`).
    """
    _checked(version)
    count = 0
    for contact, company in items:
        out.write(vcard_of(contact, company, version))
        count += 1
    return count


def write_vdir(
    items: Iterable[tuple[Contact, Company | None]], folder: Path, version: str = "3.0"
) -> int:
    """Writes each contact to `<uid>.vcf` in FOLDER (a vdir), atomically; returns the count."""
    _checked(version)
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for contact, company in items:
        card = vcard_of(contact, company, version).encode("utf-8")
        write_atomically(folder / vdir_name(contact.id), card)
        count += 1
    return count


def vdir_name(uid: str) -> str:
    """The file name of a contact's card in a vdir: `<uid>.vcf`, made safe when it is not."""
    if _SAFE_NAME.fullmatch(uid):
        return f"{uid}.vcf"
    # A hash of the whole uid keeps two unsafe uids that clean up alike apart.
    stem = re.sub(r"[^A-Za-z0-9_-]", "_", uid)[:64].strip("_") or "contact"
    return f"{stem}-{hashlib.sha256(uid.encode()).hexdigest()[:16]}.vcf"


def _checked(version: str) -> str:
    """Refuses a vCard version we do not write."""
    if version not in VERSIONS:
        raise InvalidInput(f"vCard version {version!r} is not supported; use 3.0 or 4.0.")
    return version


def _clean(text: str) -> str:
    """Turns every newline form into LF and drops the controls vCard text cannot hold."""
    return _CONTROLS.sub("", _NEWLINES.sub("\n", text))


def _text(value: str, v4: bool) -> str:
    """Escapes a text value: `\\`, `,`, newline, and `;` too in 3.0."""
    escaped = _clean(value).replace("\\", "\\\\").replace(",", "\\,").replace("\n", "\\n")
    return escaped if v4 else escaped.replace(";", "\\;")


def _component(value: str | None) -> str:
    """Escapes one component of a compound value (N, ORG, ADR), where `;` separates."""
    return _text(value or "", v4=False)


def _name_lines(contact: Contact, v4: bool) -> list[str]:
    """FN, N (with SORT-AS in 4.0), the phonetic names and, in 3.0, SORT-STRING."""
    full = contact.display_name or display_name(contact.family_name, contact.given_name)
    keys = _sort_keys(contact)
    sort_as = f';SORT-AS="{",".join(keys)}"' if v4 and keys else ""
    name = f"{_component(contact.family_name)};{_component(contact.given_name)};;;"
    lines = [f"FN:{_text(full, v4)}", f"N{sort_as}:{name}"]
    if contact.family_reading:
        lines.append(f"X-PHONETIC-LAST-NAME:{_text(contact.family_reading, v4)}")
    if contact.given_reading:
        lines.append(f"X-PHONETIC-FIRST-NAME:{_text(contact.given_reading, v4)}")
    if keys and not v4:
        lines.append(f"SORT-STRING:{_text(' '.join(key for key in keys if key), v4)}")
    return lines


def _sort_keys(contact: Contact) -> list[str]:
    """The family and given sort keys: readings, or the names where a reading is missing."""
    if not (contact.family_reading or contact.given_reading):
        return []
    keys = [
        contact.family_reading or contact.family_name or "",
        contact.given_reading or contact.given_name or "",
    ]
    keys = [_NOT_IN_PARAM.sub("", _CONTROLS.sub("", _NEWLINES.sub("", key))) for key in keys]
    while keys and not keys[-1]:
        keys.pop()
    return keys


def _org_lines(contact: Contact, company: Company | None, v4: bool) -> list[str]:
    """ORG (`company;department`), the company's reading and TITLE."""
    lines = []
    name = company.name if company else ""
    if name or contact.department:
        department = f";{_component(contact.department)}" if contact.department else ""
        lines.append(f"ORG:{_component(name)}{department}")
    if company and company.reading:
        lines.append(f"X-PHONETIC-ORG:{_text(company.reading, v4)}")
    if contact.title:
        lines.append(f"TITLE:{_text(contact.title, v4)}")
    return lines


def _tel_type(label: str | None, v4: bool) -> str:
    """The TYPE of a phone label: a standard type, or the label as an x-name."""
    word = (label or "other").lower()
    kind = _TEL_TYPES.get(word)
    if kind is None:
        custom = re.sub(r"[^a-z0-9-]", "", word.removeprefix("x-"))
        kind = f"x-{custom}" if custom and word != "other" else "voice"
    return kind if v4 else kind.upper()


def _tel_line(phone: dict[str, Any], v4: bool) -> str:
    """One TEL: a `tel:` URI or E.164 number when valid, the verbatim text otherwise."""
    kind = _tel_type(phone.get("label"), v4)
    number = str(phone["number"])
    ext = re.sub(r"[^0-9]", "", str(phone.get("ext") or ""))
    if not (phone.get("valid") and _E164.fullmatch(number)):
        return f"TEL{';VALUE=text' if v4 else ''};TYPE={kind}:{_text(number, v4)}"
    if v4:
        return f"TEL;VALUE=uri;TYPE={kind}:tel:{number}{f';ext={ext}' if ext else ''}"
    # `ext. 123` is what people write, and what our own phone parser reads back.
    return f"TEL;TYPE={kind}:{number}{f' ext. {ext}' if ext else ''}"


def _email_line(email: str, v4: bool) -> str:
    """One EMAIL; 3.0 marks it as an internet address, 4.0 has no such type."""
    return f"EMAIL:{_text(email, v4)}" if v4 else f"EMAIL;TYPE=INTERNET:{_text(email, v4)}"


def _other_lines(contact: Contact, v4: bool) -> list[str]:
    """ADR, CATEGORIES, NOTE and REV, for those the contact has."""
    lines = []
    if contact.address:
        lines.append(f"ADR;TYPE={'work' if v4 else 'WORK'}:;;{_component(contact.address)};;;;")
    tags = [_text(tag, v4) for tag in contact.tags if tag]
    if tags:
        lines.append(f"CATEGORIES:{','.join(tags)}")
    if contact.note:
        lines.append(f"NOTE:{_text(contact.note, v4)}")
    rev = _rev(contact.updated_at)
    if rev:
        lines.append(f"REV:{rev}")
    return lines


def _rev(stamp: str) -> str | None:
    """The REV timestamp (UTC, basic format, valid in 3.0 and 4.0) of an ISO instant."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    # The store writes instants in UTC; one without an offset is taken as UTC too.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Folds a content line at 75 octets; a continuation's leading space counts in its 75."""
    if len(line.encode("utf-8")) <= FOLD_OCTETS:
        return line
    tokens = _TOKENS.findall(line)
    parts: list[str] = []
    start, limit = 0, FOLD_OCTETS
    while start < len(tokens):
        end, size = start, 0
        while end < len(tokens) and size + len(tokens[end].encode("utf-8")) <= limit:
            size += len(tokens[end].encode("utf-8"))
            end += 1
        if end < len(tokens):
            end = _before_non_blank(tokens, start, end)
        parts.append("".join(tokens[start:end]))
        start, limit = end, FOLD_OCTETS - 1
    return "\r\n ".join(parts)


def _before_non_blank(tokens: list[str], start: int, end: int) -> int:
    """Moves a fold back to just before a non-blank token in the segment's second half.

    Readers that unfold by removing every blank after a line break, not just the one the RFC
    adds, would lose spaces that start a continuation. Looking back only half a segment keeps
    lines long and the property name whole.
    """
    for index in range(end, start + (end - start) // 2, -1):
        if not tokens[index].isspace():
            return index
    return end
