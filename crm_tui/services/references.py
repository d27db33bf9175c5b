"""Provides how a reference typed by a user (`<who>`, `<record>`, `<deal>`) finds one record.

Tried in order: an exact id or an id prefix of at least 8 characters, an exact email, a phone in
any format, a quote or invoice number, then a case- and kana-insensitive substring of a name or
reading. Exactly one match is used; none is an error; several is an error listing them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from crm_tui.domain.ids import looks_like_id_prefix
from crm_tui.domain.phones import e164_of, looks_like_phone
from crm_tui.domain.records import BY_ENTITY, Contact, Deal, Record
from crm_tui.domain.text import key_of_query
from crm_tui.errors import Ambiguous, InvalidInput, NotFound
from crm_tui.services.session import Session
from crm_tui.storage import queries

WHO = ("contact", "company")
NAMED = ("contact", "company", "deal", "quote")
MAX_LISTED = 10


class Match(NamedTuple):
    """A record a reference points at."""

    kind: str
    id: str
    label: str


def describe(kinds: Sequence[str]) -> str:
    """Names kinds for messages: `contact or company`."""
    names = [k.replace("_", " ") for k in kinds]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def resolve(session: Session, reference: str, kinds: Sequence[str]) -> Match:
    """Finds the one record of the given kinds that `reference` means."""
    text = reference.strip()
    if not text:
        raise InvalidInput(f"An empty reference matches nothing; name a {describe(kinds)}.")
    for finder in (_by_id, _by_email, _by_phone, _by_number, _by_name):
        candidates = finder(session, text, kinds)
        if candidates is None:
            continue
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            raise _ambiguous(text, candidates)
    raise NotFound(
        f"No {describe(kinds)} matches {reference!r}; check the spelling or try `crm search`."
    )


def load(session: Session, reference: str, kinds: Sequence[str]) -> Record:
    """Resolves a reference and loads the record it means."""
    match = resolve(session, reference, kinds)
    record = queries.get(session.store.conn, BY_ENTITY[match.kind], match.id)
    if record is None:
        raise NotFound(f"The {match.kind} {match.id} has no data on this device yet.")
    return record


def _ambiguous(text: str, candidates: list[Match]) -> Ambiguous:
    listed = "; ".join(f"{c.kind} {c.id} {c.label}" for c in candidates[:MAX_LISTED])
    more = len(candidates) - MAX_LISTED
    tail = f"; and {more} more" if more > 0 else ""
    return Ambiguous(
        f"{text!r} matches {len(candidates)} records: {listed}{tail}. "
        "Use an id or more of the name.",
        [(c.kind, c.id, c.label) for c in candidates],
    )


def _matches(rows: list[tuple[str, str, str]]) -> list[Match]:
    return [Match(kind, rid, label) for rid, kind, label in rows]


def _by_id(session: Session, text: str, kinds: Sequence[str]) -> list[Match] | None:
    if not looks_like_id_prefix(text):
        return None
    found = _matches(queries.entities_by_id_prefix(session.store.conn, text.upper(), kinds))
    return found or None


def _by_email(session: Session, text: str, kinds: Sequence[str]) -> list[Match] | None:
    if "@" not in text or " " in text.strip():
        return None
    return _by_key(session, f"email:{text.lower()}", kinds)


def _by_phone(session: Session, text: str, kinds: Sequence[str]) -> list[Match] | None:
    if not looks_like_phone(text):
        return None
    e164 = e164_of(text, session.config.phone_region)
    return None if e164 is None else _by_key(session, f"tel:{e164}", kinds)


def _by_number(session: Session, text: str, kinds: Sequence[str]) -> list[Match] | None:
    if not set(kinds) & {"quote", "invoice"}:
        return None
    return _by_key(session, f"number:{text.upper()}", kinds)


def _by_key(session: Session, key: str, kinds: Sequence[str]) -> list[Match] | None:
    return _matches(queries.entities_by_key(session.store.conn, key, kinds)) or None


def _by_name(session: Session, text: str, kinds: Sequence[str]) -> list[Match] | None:
    key = key_of_query(text)
    if not key:
        return None
    rows = queries.entities_by_name(session.store.conn, key, kinds)
    return _matches(rows) or None


def links(
    session: Session,
    *,
    company: str | None = None,
    contact: str | None = None,
    who: str | None = None,
    deal: str | None = None,
) -> dict[str, str]:
    """Resolves the records a new record belongs to; a contact also brings its company."""
    out: dict[str, str] = {}
    if who:
        record = load(session, who, ("contact", "company"))
        if isinstance(record, Contact):
            out["contact_id"] = record.id
            if record.company_id:
                out["company_id"] = record.company_id
        else:
            out["company_id"] = record.id
    if contact:
        person = load(session, contact, ("contact",))
        out["contact_id"] = person.id
        if isinstance(person, Contact) and person.company_id and not company:
            out.setdefault("company_id", person.company_id)
    if company:
        out["company_id"] = resolve(session, company, ("company",)).id
    if deal:
        found = load(session, deal, ("deal",))
        out["deal_id"] = found.id
        if isinstance(found, Deal):
            for key in ("company_id", "contact_id"):
                value = getattr(found, key)
                if value:
                    out.setdefault(key, value)
    return out
