"""Provides `crm dedupe`, `crm merge` and `crm unmerge`: one person recorded twice becomes one.

A merge writes ops like any edit, so it syncs and shows in `crm history`: the survivor takes
what the other record adds (`domain.combine`), everything that pointed at the other record
(activities, tasks, deals, quotes, inquiries, contracts, invoices, surveys) moves to the
survivor, and the other record is archived with `merged_into` set. A `merged` event on the
survivor remembers what changed, so `crm unmerge` can put it all back.
"""

from __future__ import annotations

import sqlite3
from typing import Any, NamedTuple

from crm_tui.domain.combine import combine
from crm_tui.domain.matching import CERTAIN, PROBABLE, Verdict, judge
from crm_tui.domain.materialise import MERGED, MOVED, UNMERGED
from crm_tui.domain.ops import EVENT
from crm_tui.domain.records import (
    BY_ENTITY,
    Activity,
    Contact,
    Contract,
    Deal,
    Inquiry,
    Invoice,
    Quote,
    Record,
    Survey,
    Task,
)
from crm_tui.errors import InvalidInput, Refused
from crm_tui.services.directory import load_directory
from crm_tui.services.references import load
from crm_tui.services.session import Session
from crm_tui.storage.oplog import ops_of
from crm_tui.storage.queries import get, select
from crm_tui.storage.writer import Writer

LINKED: tuple[type[Record], ...] = (Task, Deal, Quote, Inquiry, Contract, Invoice)
"""Records whose `contact_id` a set op moves."""
LOGGED: tuple[type[Record], ...] = (Activity, Survey)
"""Logged facts, moved by a `moved` event (they are never edited in place)."""


class Pair(NamedTuple):
    """Two contacts the rules think are one person."""

    first: Contact
    second: Contact
    verdict: Verdict


def probable_duplicates(session: Session, threshold: int = PROBABLE) -> list[Pair]:
    """Pairs of standing contacts that are probably one person, most certain first."""
    conn = session.store.conn
    directory = load_directory(conn)
    found: list[tuple[str, str, Verdict]] = []
    for contact_id, who in sorted(directory.people.items()):
        for other_id in sorted(directory.candidates(who)):
            if other_id <= contact_id:
                continue
            verdict = judge(who, directory.people[other_id], directory.shared_lines(who, other_id))
            if verdict.score >= threshold:
                found.append((contact_id, other_id, verdict))
    found.sort(key=lambda f: (-f[2].score, f[0], f[1]))
    pairs = []
    for first_id, second_id, verdict in found:
        first, second = get(conn, Contact, first_id), get(conn, Contact, second_id)
        assert first is not None and second is not None
        pairs.append(Pair(first, second, verdict))
    return pairs


def merge_contacts(session: Session, kept_ref: str, other_ref: str) -> Contact:
    """Merges the second contact into the first; returns the survivor."""
    kept = _contact(session, kept_ref)
    other = _contact(session, other_ref)
    with session.store.write() as writer:
        return merge_into(session, writer, kept, other)


def auto_merge(session: Session) -> list[Pair]:
    """Merges every pair the rules are certain of (into the older record); returns them."""
    merged: list[Pair] = []
    gone: set[str] = set()
    pairs = [p for p in probable_duplicates(session, CERTAIN) if p.verdict.certain]
    with session.store.write() as writer:
        for pair in pairs:
            if pair.first.id in gone or pair.second.id in gone:
                continue  # one of them was merged already in this run; dedupe again for more
            kept, other = sorted((pair.first, pair.second), key=lambda c: (c.created_at, c.id))
            current = get(session.store.conn, Contact, kept.id)
            assert current is not None
            merge_into(session, writer, current, other)
            gone.add(other.id)
            merged.append(pair)
    return merged


def _contact(session: Session, reference: str) -> Contact:
    record = load(session, reference, ("contact",))
    assert isinstance(record, Contact)
    if record.merged_into:
        raise Refused(
            f"{record.display_name!r} was merged into another contact; "
            f"run `crm unmerge {record.id}` first."
        )
    return record


def merge_into(session: Session, writer: Writer, kept: Contact, other: Contact) -> Contact:
    """Folds `other` into `kept` within a write: fields, everything linked, the merge event."""
    if kept.id == other.id:
        raise InvalidInput("A contact cannot be merged with itself; name two different contacts.")
    conn = session.store.conn
    changes = combine(kept.to_dict(), other.to_dict())
    before = {name: getattr(kept, name) for name in changes}
    moved: list[list[str]] = []
    for cls in LINKED + LOGGED:
        for record in select(conn, cls, equals={"contact_id": other.id}, include_archived=True):
            if cls in LOGGED:
                writer.event(cls, record.id, MOVED, {"fields": {"contact_id": kept.id}})
            else:
                writer.update(cls, record.id, {"contact_id": kept.id})
            moved.append([cls.ENTITY, record.id])
    writer.update(Contact, other.id, {"merged_into": kept.id, "archived": True})
    if changes:
        writer.update(Contact, kept.id, changes)
    payload = {"from": other.id, "name": other.display_name, "before": before, "moved": moved}
    return writer.event(Contact, kept.id, MERGED, payload)


def unmerge_contact(session: Session, reference: str) -> tuple[Contact, Contact]:
    """Undoes a merge, named by the merged-away contact; returns (survivor, restored)."""
    conn = session.store.conn
    other = load(session, reference, ("contact",))
    assert isinstance(other, Contact)
    if not other.merged_into:
        raise InvalidInput(
            f"{other.display_name!r} was not merged into anyone; name the contact that was "
            "merged away (see `crm history` of the survivor)."
        )
    kept = get(conn, Contact, other.merged_into)
    if kept is None:
        raise Refused(f"The contact {other.display_name!r} was merged into is gone.")
    merge = _last_merge(conn, kept.id, other.id)
    with session.store.write() as writer:
        _move_back(writer, conn, kept, other, merge)
        restore = {
            name: value
            for name, value in merge.get("before", {}).items()
            if getattr(kept, name) != value
        }
        if restore:
            writer.update(Contact, kept.id, restore)
        restored = writer.update(Contact, other.id, {"merged_into": None, "archived": False})
        survivor = writer.event(Contact, kept.id, UNMERGED, {"from": other.id})
    return survivor, restored


def _last_merge(conn: sqlite3.Connection, kept_id: str, other_id: str) -> dict[str, Any]:
    """The payload of the latest merge of `other_id` into `kept_id`."""
    merges = [
        op.payload
        for op in ops_of(conn, kept_id)
        if op.kind == EVENT and op.event_type == MERGED and op.payload.get("from") == other_id
    ]
    # A merge made elsewhere may not have arrived yet; moving back what still points at the
    # survivor from the other record's own history is then the best there is.
    return merges[-1] if merges else {"before": {}, "moved": []}


def _move_back(
    writer: Writer, conn: sqlite3.Connection, kept: Contact, other: Contact, merge: dict[str, Any]
) -> None:
    """Moves the records the merge moved (and that still point at the survivor) back."""
    for entity, record_id in merge.get("moved", []):
        cls = BY_ENTITY.get(entity)
        if cls is None:
            continue
        record = get(conn, cls, record_id)
        if record is None or getattr(record, "contact_id", None) != kept.id:
            continue
        if cls in LOGGED:
            writer.event(cls, record_id, MOVED, {"fields": {"contact_id": other.id}})
        else:
            writer.update(cls, record_id, {"contact_id": other.id})
