"""Provides phone numbers in E.164 with a label, parsed with the region's rules (phonenumbers)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from crm_tui.errors import InvalidInput

_EXTENSION = re.compile(r"\s*(?:内線|ext\.?|extension|x|#)\s*(\d+)\s*$", re.IGNORECASE)
_LABELLED = re.compile(r"^([A-Za-z][\w-]{0,19})=(.+)$")
_PHONE_SHAPED = re.compile(r"^\+?[\d\s().\-]{6,}$")


def looks_like_phone(text: str) -> bool:
    """Tells whether a query is shaped like a phone number rather than words."""
    folded = unicodedata.normalize("NFKC", text).strip()
    return bool(_PHONE_SHAPED.match(folded)) and sum(c.isdigit() for c in folded) >= 6


def parse_phone(text: str, region: str, label: str | None = None) -> dict[str, Any]:
    """Parses a phone as typed into `{number, label, valid, display[, ext]}`.

    A number that is not valid keeps the text verbatim with `valid: False`; it is never dropped
    and never passed off as E.164.
    """
    # An import meets a company's switchboard on every card of its people: parse it once.
    return dict(_parse_phone(text, region, label))


@lru_cache(maxsize=16384)  # a few MB; enough for the switchboards of a big file's companies
def _parse_phone(text: str, region: str, label: str | None) -> dict[str, Any]:
    """`parse_phone` itself; the caller copies the result, so a cached dict is never changed."""
    import phonenumbers

    raw = text.strip()
    labelled = _LABELLED.match(raw)
    if labelled and label is None:
        label, raw = labelled.group(1).lower(), labelled.group(2).strip()
    folded = unicodedata.normalize("NFKC", raw)
    ext = None
    match = _EXTENSION.search(folded)
    if match:
        ext, folded = match.group(1), folded[: match.start()]
    # Pause and wait characters (`,` `;` `p` `w`) end the dialable part.
    folded = re.split(r"[,;pPwW]", folded, maxsplit=1)[0]
    try:
        parsed = phonenumbers.parse(folded, region.upper())
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        return {"number": raw, "label": label or "other", "valid": False, "display": raw}
    number = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    display = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if label is None:
        kind = phonenumbers.number_type(parsed)
        label = "mobile" if kind == phonenumbers.PhoneNumberType.MOBILE else "work"
    phone: dict[str, Any] = {"number": number, "label": label, "valid": True, "display": display}
    if ext:
        phone["ext"] = ext
        phone["display"] = f"{display} ext. {ext}"
    return phone


def require_valid_phone(text: str, region: str) -> dict[str, Any]:
    """Parses a phone typed by the user, refusing one that is not a valid number."""
    phone = parse_phone(text, region)
    if not phone["valid"]:
        raise InvalidInput(
            f"{text!r} is not a valid phone number for region {region.upper()}; "
            "type it as dialled locally (090-1234-5678) or with its country code "
            "(+81 90 1234 5678)."
        )
    return phone


def e164_of(text: str, region: str) -> str | None:
    """Returns the E.164 form of a phone-shaped query, or None when it is not a valid number."""
    phone = parse_phone(text, region, label="query")
    return str(phone["number"]) if phone["valid"] else None
