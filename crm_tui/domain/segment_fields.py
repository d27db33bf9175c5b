"""Provides the fields a segment filter may name: each one's type, family and meaning.

The families say whose value a field is. A segment selects contacts or companies (its subject):
a person field of a company means "some contact of the company has …", a company field of a
contact is read through the contact's company, and `deal.*` and `activity.*` mean "some deal
(activity) of theirs has …". docs/segments.md explains each one to users.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from crm_tui.domain.records import ACTIVITY_TYPES, LIFECYCLES

# Types: what values a field takes and which operators apply.
TEXT = "text"
CHOICE = "choice"
"""Text from a fixed list (a lifecycle stage, a deal stage): a typo is an error."""
NUMBER = "number"
MONEY = "money"
"""A whole or decimal number of the record's own currency (¥1,000,000 is 1_000_000)."""
DATE = "date"
"""A local calendar date (a deal's close date)."""
INSTANT = "instant"
"""A moment in time, compared by the local day it falls on."""
BOOL = "bool"
LIST = "list"
"""A list of texts (tags, emails, phones): `=` means the list holds the value."""
COUNT = "count"
"""A number that always has a value (purchases)."""

# Families: whose value it is.
PERSON = "person"
COMPANY = "company"
RECORD = "record"
DEAL = "deal"
ACTIVITY = "activity"
DERIVED = "derived"

DIRECTIONS = ("inbound", "outbound")


class Field(NamedTuple):
    """One field of the filter language."""

    name: str
    type: str
    family: str
    meaning: str
    choices: tuple[str, ...] = ()
    """The allowed values of a CHOICE field (deal.stage's come from the config)."""


_FIELDS = (
    Field("name", TEXT, PERSON, "the contact's display name"),
    Field("reading", TEXT, PERSON, "the reading (furigana) of the contact's name"),
    Field("title", TEXT, PERSON, "job title"),
    Field("department", TEXT, PERSON, "department"),
    Field("lifecycle", CHOICE, PERSON, "lifecycle stage", LIFECYCLES),
    Field("source", TEXT, PERSON, "where the contact came from"),
    Field("email", LIST, PERSON, "an email address"),
    Field("phone", LIST, PERSON, "a phone number"),
    Field("tag", LIST, PERSON, "a tag of the contact"),
    Field("consent", BOOL, PERSON, "gave marketing consent"),
    Field("opted_out", BOOL, PERSON, "opted out of marketing email"),
    Field("note", TEXT, PERSON, "the contact's note"),
    Field("company", TEXT, COMPANY, "the company's name"),
    Field("company_reading", TEXT, COMPANY, "the reading of the company's name"),
    Field("industry", TEXT, COMPANY, "the company's industry"),
    Field("size", TEXT, COMPANY, "the company's size"),
    Field("revenue", MONEY, COMPANY, "annual revenue, in the company's revenue currency"),
    Field("region", TEXT, COMPANY, "the company's region"),
    Field("prefecture", TEXT, COMPANY, "the company's prefecture"),
    Field("company_tag", LIST, COMPANY, "a tag of the company"),
    Field("owner", TEXT, RECORD, "the rep who owns the record"),
    Field("created", INSTANT, RECORD, "when the record was created"),
    Field("archived", BOOL, RECORD, "the record is archived"),
    Field("last_activity", INSTANT, RECORD, "when the latest activity with them happened"),
    Field("purchases", COUNT, DERIVED, "won deals plus paid invoices"),
    Field("deal.title", TEXT, DEAL, "a deal's title"),
    Field("deal.stage", CHOICE, DEAL, "a deal's stage"),
    Field("deal.amount", MONEY, DEAL, "a deal's amount, in its currency"),
    Field("deal.currency", TEXT, DEAL, "a deal's currency code"),
    Field("deal.probability", NUMBER, DEAL, "a deal's probability (0-100)"),
    Field("deal.expected_close", DATE, DEAL, "a deal's expected close date"),
    Field("deal.closed", DATE, DEAL, "the day a deal was won or lost"),
    Field("deal.created", INSTANT, DEAL, "when a deal was created"),
    Field("deal.owner", TEXT, DEAL, "a deal's owner"),
    Field("activity.type", CHOICE, ACTIVITY, "an activity's type", ACTIVITY_TYPES),
    Field("activity.at", INSTANT, ACTIVITY, "when an activity happened"),
    Field("activity.direction", CHOICE, ACTIVITY, "inbound or outbound", DIRECTIONS),
    Field("activity.summary", TEXT, ACTIVITY, "an activity's summary"),
    Field("activity.outcome", TEXT, ACTIVITY, "an activity's outcome"),
    Field("activity.owner", TEXT, ACTIVITY, "who logged an activity"),
)

FIELDS: dict[str, Field] = {field.name: field for field in _FIELDS}
"""Every field by name, in the order the docs list them."""

ORDERED = frozenset({NUMBER, MONEY, DATE, INSTANT, COUNT})
"""The types `<`, `<=`, `>` and `>=` compare."""
NEVER_EMPTY = frozenset({BOOL, COUNT})
"""The types whose fields always have a value (so `none` makes no sense)."""


Scalar = str | int | float | bool | date | None
"""A value written in a filter, once read: text, a number, true/false, none or a date."""


class Mismatch(Exception):
    """A value that does not suit its field or operator (the parser adds where it is)."""

    def __init__(self, what: str, hint: str = "") -> None:
        super().__init__(what)
        self.what = what
        self.hint = hint


_KINDS = {
    TEXT: "text",
    CHOICE: "text",
    LIST: "text",
    NUMBER: "a number",
    MONEY: "a number",
    COUNT: "a number",
    DATE: "a date",
    INSTANT: "a date",
    BOOL: "true or false",
}
_WANTED = {
    TEXT: "text",
    CHOICE: "text",
    LIST: "text",
    NUMBER: "number",
    MONEY: "number",
    COUNT: "number",
    DATE: "date",
    INSTANT: "date",
    BOOL: "bool",
}
_HINTS = {
    "text": " (put text in quotes)",
    "number": " (numbers are written like 1_000_000 or 12.5)",
    "date": " (use YYYY-MM-DD, today, or -90d, +2w, -6m, -1y)",
    "bool": " (use true or false)",
}


def check_operator(field: Field, op: str) -> None:
    """Checks that an operator applies to a field: `<` to numbers and dates, `~` to text."""
    if op in ("<", "<=", ">", ">=") and field.type not in ORDERED:
        raise Mismatch(
            f"{op} does not apply to {field.name}, which takes {_KINDS[field.type]}",
            " (use =, !=, in or ~)",
        )
    if op == "~" and field.type not in (TEXT, CHOICE, LIST):
        raise Mismatch(f"~ (contains) applies to text; {field.name} takes {_KINDS[field.type]}")


def check_value(
    field: Field, op: str, kind: str, value: Scalar, deal_stages: tuple[str, ...]
) -> tuple[str, Scalar]:
    """Checks one value written after `field op`; returns it (kind, value) as compiled.

    `kind` is what the value was written as: text, number, bool, none or date. A CHOICE comes
    back lower-case; text that reads as an ISO date becomes a date for date fields.
    """
    if kind == "text" and op != "~" and not str(value).strip():
        kind, value = "none", None  # empty text is no text: `industry = ""` is `industry = none`
    if kind == "none":
        if field.type in NEVER_EMPTY:
            raise Mismatch(f"{field.name} always has a value, so none does not apply to it")
        if op not in ("=", "!=", "in"):
            raise Mismatch("none goes only with =, != or in", f" (e.g. {field.name} = none)")
        return kind, None
    if op == "~":
        if kind != "text" or not str(value).strip():
            raise Mismatch("~ (contains) needs some text to look for", _HINTS["text"])
        return kind, value
    wanted = _WANTED[field.type]
    if wanted == "date" and kind == "text":
        try:
            return "date", date.fromisoformat(str(value))
        except ValueError:
            pass
    if kind != wanted:
        shown = str(value).lower() if kind == "bool" else str(value)
        raise Mismatch(
            f'{field.name} takes {_KINDS[field.type]}, not "{shown[:40]}"', _HINTS[wanted]
        )
    if field.type == CHOICE:
        allowed = field.choices or deal_stages
        word = str(value).strip().lower()
        if word not in allowed:
            raise Mismatch(
                f'"{str(value)[:40]}" is not a valid {field.name}',
                f" (use one of: {', '.join(allowed)})",
            )
        return kind, word
    return kind, value
