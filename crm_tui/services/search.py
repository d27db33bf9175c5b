"""Provides `crm search`: ranked hits across every kind of record, kana- and width-insensitive."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from crm_tui.domain.phones import e164_of, looks_like_phone
from crm_tui.domain.text import fold, fts_query, key_of_query
from crm_tui.errors import InvalidInput
from crm_tui.services.session import Session
from crm_tui.storage import search as store


class Hit(NamedTuple):
    """One search result."""

    kind: str
    id: str
    label: str
    context: str | None = None


def search(
    session: Session,
    text: str,
    *,
    limit: int = 20,
    include_archived: bool = False,
    kinds: Sequence[str] = (),
) -> list[Hit]:
    """Finds records (of `kinds`, or any) by names, readings, notes, text, emails and phones."""
    if not fold(text).strip():
        raise InvalidInput("Give something to search for.")
    if limit < 1:
        raise InvalidInput("--limit must be at least 1.")
    conn = session.store.conn
    with session.store.read():
        if looks_like_phone(text):
            e164 = e164_of(text, session.config.phone_region)
            if e164 is not None:
                rows = store.by_key(conn, f"tel:{e164}", include_archived, kinds)
                if rows:
                    return _hits(session, rows)
        key = key_of_query(text)
        if len(key) == 1:
            # One character is too short for bigrams: look through names and readings.
            rows = store.by_name(conn, key, limit, include_archived)
            if kinds:
                rows = [row for row in rows if row[1] in kinds]
        else:
            query = fts_query(text)
            if query is None:
                return []
            rows = store.full_text(conn, query, limit, include_archived, kinds)
        return _hits(session, rows)


def _hits(session: Session, rows: list[tuple[str, str, str]]) -> list[Hit]:
    contexts = store.contexts(
        session.store.conn, [rid for rid, kind, _ in rows if kind == "activity"]
    )
    return [Hit(kind, rid, label, contexts.get(rid)) for rid, kind, label in rows]
