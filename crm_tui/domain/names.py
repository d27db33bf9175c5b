"""Provides how a person's name is split into family and given names and shown."""

from __future__ import annotations

from crm_tui.domain.text import has_cjk


def split_name(name: str) -> tuple[str, str | None]:
    """Splits NAME at its first space: family first for kana or kanji, given first otherwise.

    Returns `(family, given)`; a single word is a family name.
    """
    # NFKC would also fold the ideographic space; only whitespace matters here.
    parts = name.replace("\u3000", " ").strip().split(None, 1)
    if not parts:
        return "", None
    if len(parts) == 1:
        return parts[0], None
    first, rest = parts[0], parts[1].strip()
    if has_cjk(name):
        return first, rest
    return rest, first


def display_name(family: str | None, given: str | None) -> str:
    """Composes the name people see: `山田 太郎` for Japanese names, `John Smith` otherwise."""
    family, given = (family or "").strip(), (given or "").strip()
    if not given:
        return family
    if not family:
        return given
    if has_cjk(family + given):
        return f"{family} {given}"
    return f"{given} {family}"


def split_reading(reading: str | None) -> tuple[str | None, str | None]:
    """Splits a reading like `ヤマダ タロウ` into family and given readings."""
    if not reading:
        return None, None
    parts = reading.replace("\u3000", " ").strip().split(None, 1)
    if len(parts) == 1:
        return parts[0], None
    return parts[0], parts[1].strip()
