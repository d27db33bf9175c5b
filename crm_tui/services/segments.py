"""Provides segments: filters over contacts (or companies) to count, list, save, export and tag.

A selection is a saved segment's name or a filter written out (`--where`); either is read,
checked against the config's deal stages and compiled for the store in one place, here.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from crm_tui.domain.records import Contact, Record
from crm_tui.domain.segment_lexer import FilterError
from crm_tui.domain.segments import Node, Segment, fields_in, parse_filter
from crm_tui.errors import InvalidInput, NotFound
from crm_tui.services.session import Session
from crm_tui.storage import segments as stored
from crm_tui.storage.segment_sql import Context, Sql, compile_filter, prepare

KINDS = {"contact": "contact", "contacts": "contact", "company": "company", "companies": "company"}
"""The kinds a segment selects, as commands and callers name them."""
_NAME = re.compile(r"\w[\w.-]{0,63}")


class Selection(NamedTuple):
    """A filter ready to run: whom it selects and its SQL condition on their table."""

    subject: str
    """contact or company."""
    condition: Sql
    archived: bool
    """The filter names `archived`, so it decides about archived records itself."""


def parse(session: Session, text: str) -> Node:
    """Reads and checks a filter written by the user (relative dates count from today)."""
    return parse_filter(text, session.today, session.config.deal_stages)


def selection(
    session: Session, *, segment: str | None = None, where: str | None = None, kind: str = "contact"
) -> Selection:
    """Compiles a saved segment (by name) or a filter for contacts or companies."""
    subject = KINDS.get(kind)
    if subject is None:
        raise InvalidInput(f"A segment selects contacts or companies, not {kind}.")
    if segment is not None and where is not None:
        raise InvalidInput("Give a segment name or --where FILTER, not both.")
    if where is not None:
        node = parse(session, where)
    elif segment is not None:
        node = _saved_filter(session, load_segment(session, segment))
    else:
        raise InvalidInput("Give a segment name (see `crm segment ls`) or --where FILTER.")
    config = session.config
    prepare(session.store.conn, config.currency)
    context = Context(subject, config.won_stage, session.tz, config.phone_region)
    return Selection(subject, compile_filter(node, context), "archived" in fields_in(node))


def _saved_filter(session: Session, segment: Segment) -> Node:
    """A saved segment's filter, read today; one the config no longer fits names the segment."""
    try:
        return parse(session, segment.filter)
    except FilterError as error:
        problem = InvalidInput(f'segment "{segment.name}": {error}')
        problem.details = error.details
        raise problem from None


def members(
    session: Session, *, segment: str | None = None, where: str | None = None, kind: str = "contact"
) -> list[str]:
    """The ids of the segment's members, in the order `crm ls` shows them.

    One query, so it sees one state of the store; it may run inside an open write (a cadence
    enrols a segment's members in the same transaction that reads them).
    """
    chosen = selection(session, segment=segment, where=where, kind=kind)
    conn = session.store.conn
    return stored.member_ids(conn, chosen.condition, chosen.subject, chosen.archived)


def count(
    session: Session, *, segment: str | None = None, where: str | None = None, kind: str = "contact"
) -> int:
    """How many members the segment has (one query, like `members`)."""
    chosen = selection(session, segment=segment, where=where, kind=kind)
    conn = session.store.conn
    return stored.count_members(conn, chosen.condition, chosen.subject, chosen.archived)


def load_segment(session: Session, name: str) -> Segment:
    """A saved segment by name; an unknown name is NotFound, with the closest names."""
    found = stored.saved_segment(session.store.conn, name)
    if found is not None:
        return found
    import difflib

    names = [s.name for s in stored.saved_segments(session.store.conn)]
    close = difflib.get_close_matches(name, names, n=1)
    hint = f' Did you mean "{close[0]}"?' if close else " `crm segment ls` lists them."
    raise NotFound(f'No segment is named "{name}".{hint}')


class Saved(NamedTuple):
    """A segment just saved: it, the one it replaced (if any) and its member count."""

    segment: Segment
    previous: Segment | None
    total: int


def save(session: Session, name: str, text: str) -> Saved:
    """Saves a filter under a name after checking it; an existing name is replaced."""
    from crm_tui.domain.dates import utc_iso

    if not _NAME.fullmatch(name):
        raise InvalidInput(
            f"{name!r} cannot name a segment: use letters, digits, -, _ or . "
            "(at most 64, no spaces), like bucho or trade-show-2026."
        )
    members_now = count(session, where=text)
    with session.store.write() as writer:
        previous = stored.save_segment(writer.conn, name, text, utc_iso(session.now))
    segment = stored.saved_segment(session.store.conn, name)
    assert segment is not None
    return Saved(segment, previous, members_now)


class Counted(NamedTuple):
    """A saved segment with its member count, or why it cannot be counted today."""

    segment: Segment
    total: int | None
    problem: str | None = None


def saved(session: Session) -> list[Counted]:
    """Every saved segment with its member count."""
    out = []
    for segment in stored.saved_segments(session.store.conn):
        try:
            out.append(Counted(segment, count(session, segment=segment.name)))
        except InvalidInput as error:
            out.append(Counted(segment, None, str(error)))
    return out


class SegmentView(NamedTuple):
    """A segment with its count and its first members (with their companies' names)."""

    segment: Segment
    total: int
    members: list[Record]
    companies: dict[str, str]


def show(session: Session, name: str, limit: int = 20) -> SegmentView:
    """A saved segment, how many members it has and the first `limit` of them."""
    from crm_tui.storage import queries

    segment = load_segment(session, name)
    chosen = selection(session, segment=name)
    with session.store.read() as conn:
        total = stored.count_members(conn, chosen.condition, chosen.subject, chosen.archived)
        ids = stored.member_ids(conn, chosen.condition, chosen.subject, chosen.archived, limit)
        found = queries.get_many(conn, Contact, ids)
        people: list[Record] = [found[i] for i in ids if i in found]
        companies = queries.names(conn, (), (getattr(p, "company_id", None) for p in people))
    return SegmentView(segment, total, people, companies.companies)


def remove(session: Session, name: str) -> Segment:
    """Removes a saved segment (its members are not touched)."""
    segment = load_segment(session, name)
    with session.store.write() as writer:
        stored.remove_segment(writer.conn, name)
    return segment


class Tagged(NamedTuple):
    """What bulk tagging did: how many members changed and how many already were as asked."""

    tag: str
    members: int
    changed: int
    unchanged: int


def tag_members(
    session: Session,
    tag: str,
    *,
    segment: str | None = None,
    where: str | None = None,
    remove_tag: bool = False,
) -> Tagged:
    """Adds a tag to every member (or removes it), through the write path in one transaction."""
    from crm_tui.domain.text import fold
    from crm_tui.services import values as check
    from crm_tui.storage import queries

    given = check.tags([tag])
    if len(given) != 1:
        raise InvalidInput(f"Give one tag, without commas, not {tag!r}.")
    wanted, key = given[0], fold(given[0])
    chosen = selection(session, segment=segment, where=where)
    with session.store.write() as writer:
        conn = writer.conn
        ids = stored.member_ids(conn, chosen.condition, chosen.subject, chosen.archived)
        people = queries.get_many(conn, Contact, ids)
        changed = 0
        for person_id in ids:
            tags = people[person_id].tags
            has = any(fold(t) == key for t in tags)
            if has == (not remove_tag):
                continue
            new = [t for t in tags if fold(t) != key] if remove_tag else [*tags, wanted]
            writer.update(Contact, person_id, {"tags": new})
            changed += 1
    return Tagged(wanted, len(ids), changed, len(ids) - changed)
