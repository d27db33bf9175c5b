"""Provides email address normalisation and validation."""

from __future__ import annotations

import re

from crm_tui.errors import InvalidInput

# Deliberately permissive: one @, a dot in the domain, no spaces. Mail servers decide the rest.
_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\".]{2,}$")
_ANGLE = re.compile(r"<([^<>]+)>\s*$")


def normalize_email(text: str) -> str:
    """Returns the address lower-cased, from `"Name" <addr>` or `mailto:addr` forms too."""
    candidate = text.strip()
    match = _ANGLE.search(candidate)
    if match:
        candidate = match.group(1).strip()
    if candidate.lower().startswith("mailto:"):
        candidate = candidate[7:].split("?", 1)[0]
    candidate = candidate.lower()
    if not _EMAIL.match(candidate):
        raise InvalidInput(f"{text!r} is not an email address; write it like taro@example.jp.")
    return candidate
