"""Provides cards made ready for planning an import: fields normalised, the rules' view built.

Preparing a card (parsing it, normalising its phones and emails, folding its names for the
matching rules) needs nothing from the store, so for a big vCard file it runs in worker
processes while this one matches and plans the cards prepared before, in file order: on two
cores the import then takes about half the preparing, plus the matching and the write. Small
files, CSV files and machines with one core prepare in this process; the result is the same.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crm_tui.domain.cards import Card, Skipped, Where
from crm_tui.domain.emails import normalize_email
from crm_tui.domain.ids import new_id
from crm_tui.domain.matching import Person
from crm_tui.domain.names import display_name, split_name
from crm_tui.domain.phones import parse_phone
from crm_tui.errors import InvalidInput
from crm_tui.services.directory import person_of

if TYPE_CHECKING:
    from multiprocessing.pool import Pool

    from crm_tui.interchange.vcard_repair import RawCard

CSV_SUFFIXES = (".csv", ".tsv")
WORKER_MIN_BYTES = 256 * 1024
"""A vCard file at least this big (about 800 cards) is prepared in a worker process; below it,
starting the worker costs more than it saves."""
_CHUNK = 250
"""Cards sent to the worker at a time: enough to cover the cost of a message, few enough that
this process starts planning early."""


@dataclass(slots=True)
class Prepared:
    """A card ready to plan: its values as a new contact's fields (no company yet: the planner
    links it) and the rules' view of them, under the id it gets if it is new."""

    where: Where
    contact_id: str
    fields: dict[str, Any]
    who: Person
    company: str | None
    company_reading: str | None


def prepare(card: Card, region: str) -> Prepared:
    """Normalises a card's values as `crm add contact` would, with `region` for its phones."""
    fields = contact_fields(card, region)
    contact_id = new_id()
    return Prepared(
        card.where,
        contact_id,
        fields,
        person_of(contact_id, fields, card.company),
        card.company,
        card.company_reading,
    )


def contact_fields(card: Card, region: str) -> dict[str, Any]:
    """A card's values as a contact's fields, `company_id` left None for the planner."""
    family, given = card.family_name, card.given_name
    shown = card.display_name or display_name(family, given)
    if not family and not given and shown:
        family, given = split_name(shown)
    emails, notes = [], []
    for text in card.emails:
        try:
            address = normalize_email(text)
        except InvalidInput:
            notes.append(f"Email as written on the card: {text}")
            continue
        if address not in emails:
            emails.append(address)
    phones: list[dict[str, Any]] = []
    for phone in card.phones:
        parsed = parse_phone(phone.text, phone.region or card.country or region, phone.label)
        if parsed["number"] not in {p["number"] for p in phones}:
            phones.append(parsed)
    notes += [f"Web: {url}" for url in card.urls]
    note = "\n".join([card.note, *notes] if card.note else notes) or None
    if not shown:
        shown = (
            card.company
            or (emails[0] if emails else "")
            or (phones[0]["display"] if phones else "")
        )
    return {
        "display_name": shown,
        "family_name": family or None,
        "given_name": given or None,
        "family_reading": card.family_reading,
        "given_reading": card.given_reading,
        "company_id": None,
        "department": card.department,
        "title": card.title,
        "emails": emails,
        "phones": phones,
        "address": card.address,
        "tags": list(dict.fromkeys(card.tags)),
        "uids": [card.uid] if card.uid else [],
        "alt_names": [],
        "note": note,
    }


def prepared_cards(
    path: Path, mapping: dict[str, str] | None, region: str, pool: Pool | None
) -> tuple[int, Iterator[Prepared | Skipped]]:
    """The number of cards in a file and the cards prepared, in file order; reads and splits the
    whole file first, so that a file that cannot be read fails before anything is planned."""
    if path.suffix.lower() in CSV_SUFFIXES:
        from crm_tui.interchange.csv_read import read_csv

        rows = list(read_csv(path.read_bytes(), str(path), mapping))
        return len(rows), (_prepared(row, region) for row in rows)
    from crm_tui.interchange.vcard_read import raw_vcards

    try:
        stream = path.open("rb")
    except OSError as error:
        raise InvalidInput(f"Cannot read {path}: {error.strerror}; check the path.") from error
    with stream:
        raws = list(raw_vcards(stream, str(path)))
    if pool is None or not wants_workers(path):
        return len(raws), (
            entry for raw in raws for entry in _prepare_raw([raw], str(path), region)
        )
    chunks = [(raws[i : i + _CHUNK], str(path), region) for i in range(0, len(raws), _CHUNK)]
    return len(raws), (entry for done in pool.imap(_prepare_chunk, chunks) for entry in done)


def wants_workers(path: Path) -> bool:
    """Tells whether a file is worth preparing in worker processes: a big vCard file."""
    return path.suffix.lower() not in CSV_SUFFIXES and path.stat().st_size >= WORKER_MIN_BYTES


def _prepared(entry: Card | Skipped, region: str) -> Prepared | Skipped:
    return entry if isinstance(entry, Skipped) else prepare(entry, region)


def _prepare_raw(raws: list[RawCard], file: str, region: str) -> list[Prepared | Skipped]:
    from crm_tui.interchange.vcard_read import card_of

    return [_prepared(card_of(raw, file), region) for raw in raws]


def _prepare_chunk(job: tuple[list[RawCard], str, str]) -> list[Prepared | Skipped]:
    """The worker's task: one chunk of a file's cards."""
    return _prepare_raw(*job)


def worker_pool() -> Pool | None:
    """Worker processes to prepare cards in, one per core up to 4, or None where they would not
    help or cannot be forked (one core; not Linux, where forking a process with threads is not
    safe). This process mostly waits for them while they work, so they may have every core."""
    cores = os.cpu_count() or 1
    if cores < 2 or sys.platform != "linux":
        return None
    import multiprocessing

    # Forked before any progress bar starts its thread, so a worker inherits no held lock.
    return multiprocessing.get_context("fork").Pool(min(cores, 4), initializer=_ignore_interrupt)


def _ignore_interrupt() -> None:
    """Ctrl-C is for the importing process, which stops the worker itself."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
