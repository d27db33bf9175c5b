"""Provides a contact card as read from a vCard or a CSV row, before it meets the store.

Readers in `interchange/` turn files into `Card`s (or `Skipped` entries); the import service
normalises, matches and writes them. Everything here is plain text as the file had it, decoded:
phones are not parsed yet and emails not yet reduced, so that one place (the service) applies
the configured region and the store's rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Where:
    """Where a card came from: the file, the card's number in it (1-based) and its first line."""

    file: str
    number: int
    line: int | None = None

    def __str__(self) -> str:
        at = f", line {self.line}" if self.line is not None else ""
        return f"{self.file}: card {self.number}{at}"


@dataclass(frozen=True, slots=True)
class CardPhone:
    """A phone as the card gave it: the text, its label (mobile, work, home, fax, main, other)
    and the region its card hints at (ISO 3166 alpha-2 from an address country), if any."""

    text: str
    label: str | None = None
    region: str | None = None


@dataclass(slots=True)
class Card:
    """One person from a card or a row. Empty strings are never stored: absent is None."""

    where: Where
    uid: str | None = None
    display_name: str | None = None
    family_name: str | None = None
    given_name: str | None = None
    family_reading: str | None = None
    given_reading: str | None = None
    company: str | None = None
    company_reading: str | None = None
    department: str | None = None
    title: str | None = None
    emails: list[str] = field(default_factory=list)
    phones: list[CardPhone] = field(default_factory=list)
    address: str | None = None
    country: str | None = None
    note: str | None = None
    urls: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    photo_dropped: bool = False


@dataclass(frozen=True, slots=True)
class Skipped:
    """A card that could not be read, with why, so the summary can name it."""

    where: Where
    reason: str
