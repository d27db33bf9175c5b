"""Provides the people already in the store, indexed for finding whom a card or record matches.

Built once per import (or dedupe) from the contacts table; the import adds the people it plans
to create as it goes, so the second scan of one card finds the first.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from typing import Any

from crm_tui.domain.matching import MATCH, PROBABLE, Person, Verdict, judge, person
from crm_tui.domain.records import Company, Contact
from crm_tui.storage.queries import select


class Directory:
    """Contacts by UID, email, number and name, with the rules' view of each."""

    def __init__(self, company_numbers: set[str], company_names: dict[str, str]) -> None:
        self.people: dict[str, Person] = {}
        self.fields: dict[str, dict[str, Any]] = {}
        self._index: dict[str, set[str]] = defaultdict(set)
        self._numbers: dict[str, set[str]] = defaultdict(set)
        self.company_numbers = company_numbers
        self.company_names = company_names

    def person_of(self, contact_id: str, fields: dict[str, Any]) -> Person:
        """The rules' view of a contact's fields (not added)."""
        return person_of(contact_id, fields, self.company_names.get(fields.get("company_id") or ""))

    def add(self, contact_id: str, fields: dict[str, Any], who: Person | None = None) -> None:
        """Adds (or replaces) a contact's fields; `who` is their `person_of`, when known."""
        if contact_id in self.people:
            self._forget(contact_id)
        if who is None:
            who = self.person_of(contact_id, fields)
        self.people[contact_id] = who
        self.fields[contact_id] = fields
        for key in _keys(who):
            self._index[key].add(contact_id)
        for number in who.mobiles | who.lines:
            self._numbers[number].add(contact_id)

    def _forget(self, contact_id: str) -> None:
        who = self.people.pop(contact_id)
        for key in _keys(who):
            self._index[key].discard(contact_id)
        for number in who.mobiles | who.lines:
            self._numbers[number].discard(contact_id)

    def shared_lines(self, who: Person, other_id: str) -> frozenset[str]:
        """Numbers of `who` that a company or a third person also holds: switchboards."""
        return frozenset(
            n
            for n in who.lines
            if n in self.company_numbers or self._numbers.get(n, set()) - {other_id, who.id}
        )

    def candidates(self, who: Person, *, by_reading: bool = True) -> set[str]:
        """Contacts that share a key with `who` (the only ones the rules can call the same);
        without `by_reading`, not those that share only a name and its reading (which is never
        enough for a match, and common names have hundreds)."""
        found: set[str] = set()
        for key in _keys(who, by_reading=by_reading):
            found |= self._index.get(key, set())
        found.discard(who.id)
        return found

    def best_match(self, who: Person, threshold: int = MATCH) -> tuple[str, Verdict] | None:
        """The contact `who` most probably is, when the evidence reaches `threshold`."""
        best: tuple[str, Verdict] | None = None
        for other_id in sorted(self.candidates(who, by_reading=threshold <= PROBABLE)):
            verdict = judge(who, self.people[other_id], self.shared_lines(who, other_id))
            if verdict.score >= threshold and (best is None or verdict.score > best[1].score):
                best = (other_id, verdict)
        return best


def person_of(contact_id: str, fields: dict[str, Any], company: str | None) -> Person:
    """The rules' view of a contact's fields, `company` being the name of its company."""
    return person(
        contact_id,
        display_name=fields.get("display_name"),
        family=fields.get("family_name"),
        given=fields.get("given_name"),
        family_reading=fields.get("family_reading"),
        given_reading=fields.get("given_reading"),
        company=company,
        emails=fields.get("emails") or [],
        phones=fields.get("phones") or [],
        # A card exported by crm carries the contact's own id as its UID.
        uids=[contact_id, *(fields.get("uids") or [])],
        alt_names=fields.get("alt_names") or [],
    )


def _keys(who: Person, *, by_reading: bool = True) -> set[str]:
    return (
        {f"uid:{u}" for u in who.uids}
        | {f"email:{e}" for e in who.emails}
        | {f"tel:{n}" for n in who.mobiles | who.lines}
        # A name is evidence only with the same company or reading, so it is keyed with them:
        # a common name shared by hundreds of people does not make hundreds of candidates.
        | ({f"name:{n}@{who.company}" for n in who.names} if who.company else set())
        | ({f"name:{n}~{who.reading}" for n in who.names} if who.reading and by_reading else set())
    )


def load_directory(conn: sqlite3.Connection) -> Directory:
    """Every standing contact (not archived, not merged away) and every company's number."""
    names: dict[str, str] = {}
    numbers: set[str] = set()
    for company in select(conn, Company, include_archived=True, order_by="id"):
        names[company.id] = company.name
        if company.phone and company.phone.get("valid"):
            numbers.add(company.phone["number"])
    directory = Directory(numbers, names)
    for contact in select(conn, Contact, order_by="id"):
        directory.add(contact.id, contact.to_dict())
    return directory
