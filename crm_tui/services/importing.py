"""Provides `crm import`: contacts from vCard and CSV files, matched so that no one comes in twice.

Each file is read whole, then planned against the store (and against the cards before it)
inside one write transaction, which takes the new records as they are planned, every
`WRITE_EVERY` cards: a crash or a full disk leaves nothing of that file half-imported. A card
that is already here enriches its record (`domain.combine`) instead of making another; one
that enriches a record the same file created earlier updates it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crm_tui.domain.cards import Skipped, Where
from crm_tui.domain.combine import combine
from crm_tui.domain.ids import new_id
from crm_tui.domain.matching import company_key
from crm_tui.domain.records import Company, Contact
from crm_tui.errors import CrmError, NotFound
from crm_tui.services.card_prep import (
    CSV_SUFFIXES,
    Prepared,
    prepared_cards,
    wants_workers,
    worker_pool,
)
from crm_tui.services.collector import cycle_collector_paused
from crm_tui.services.directory import Directory, load_directory
from crm_tui.services.progress import Progress
from crm_tui.services.session import Session

if TYPE_CHECKING:
    from multiprocessing.pool import Pool

    from crm_tui.storage.writer import Writer

VCARD_SUFFIXES = (".vcf", ".vcard")
WRITE_EVERY = 1000
"""Cards planned between two writes of the new records of a file, inside its one transaction."""


@dataclass(slots=True)
class Change:
    """One card's effect: a new contact, or what it added to one already here."""

    where: Where
    name: str
    contact_id: str
    fields: dict[str, Any]
    evidence: tuple[str, ...] = ()


@dataclass(slots=True)
class FileReport:
    """What importing one file did (or, with `--dry-run`, would do)."""

    file: str
    created: list[Change] = field(default_factory=list)
    merged: list[Change] = field(default_factory=list)
    unchanged: list[Change] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    new_companies: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def cards(self) -> int:
        """How many cards or rows the file held."""
        return len(self.created) + len(self.merged) + len(self.unchanged) + len(self.skipped)


def files_to_import(paths: Sequence[Path]) -> list[Path]:
    """The files named, with the `.vcf` and `.csv` files of folders named (vdir folders)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(
                p
                for p in path.iterdir()
                if p.is_file() and p.suffix.lower() in VCARD_SUFFIXES + CSV_SUFFIXES
            )
            if not inside:
                raise NotFound(f"{path} holds no .vcf or .csv files to import.")
            found += inside
        elif path.is_file():
            found.append(path)
        else:
            raise NotFound(f"{path} does not exist; check the path.")
    return found


def import_files(
    session: Session,
    paths: Sequence[Path],
    *,
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> list[FileReport]:
    """Imports each file in its own transaction; a file that cannot be read is reported and
    the others still come in."""
    files = files_to_import(paths)
    if not dry_run:
        session.store.require_healthy()
    directory = load_directory(session.store.conn)
    companies = _companies_by_key(directory)
    pool = worker_pool() if any(wants_workers(path) for path in files) else None
    try:
        with cycle_collector_paused():
            return [
                _import_file(session, directory, companies, path, mapping, dry_run, progress, pool)
                for path in files
            ]
    finally:
        if pool is not None:
            pool.terminate()


def _import_file(
    session: Session,
    directory: Directory,
    companies: dict[str, str],
    path: Path,
    mapping: dict[str, str] | None,
    dry_run: bool,
    progress: Progress | None,
    pool: Pool | None,
) -> FileReport:
    """Reads, plans and writes one file (the file's own transaction)."""
    planner = Planner(session, directory, companies, str(path))
    try:
        total, cards = prepared_cards(path, mapping, session.config.phone_region, pool)
    except CrmError as error:
        return FileReport(str(path), error=str(error))
    except OSError as error:
        return FileReport(str(path), error=f"{path} cannot be read ({error}).")
    if dry_run:
        _plan(planner, total, cards, progress, None)
    else:
        with session.store.write() as writer:
            _plan(planner, total, cards, progress, writer)
            planner.write(writer)
    if progress is not None:
        progress(str(path), total, total)
    return planner.report


def _plan(
    planner: Planner,
    total: int,
    cards: Iterator[Prepared | Skipped],
    progress: Progress | None,
    writer: Writer | None,
) -> None:
    """Plans every card; with the file's write open, writes new records as it goes, so that
    writing overlaps the workers' preparing of the cards still to come."""
    for done, card in enumerate(cards, 1):
        planner.take(card)
        if progress is not None and done % 200 == 0:
            progress(planner.report.file, done, total)
        if writer is not None and done % WRITE_EVERY == 0:
            planner.write_new(writer)


def _companies_by_key(directory: Directory) -> dict[str, str]:
    by_key: dict[str, str] = {}
    for company_id, name in sorted(directory.company_names.items()):
        by_key.setdefault(company_key(name), company_id)
    return by_key


class Planner:
    """Decides, card by card, what one file creates and merges; then writes it at once."""

    def __init__(
        self, session: Session, directory: Directory, companies: dict[str, str], file: str
    ) -> None:
        self.session = session
        self.directory = directory
        self.companies = companies
        self.report = FileReport(file)
        self.new: dict[str, dict[str, Any]] = {}
        self.changed: dict[str, dict[str, Any]] = {}
        self.new_companies: dict[str, dict[str, Any]] = {}
        self.source = "CSV import" if file.lower().endswith(CSV_SUFFIXES) else "vCard import"

    def take(self, card: Prepared | Skipped) -> None:
        """Plans one card: skipped, new, merged into someone, or nothing new."""
        if isinstance(card, Skipped):
            self.report.skipped.append(card)
            return
        fields, who = card.fields, card.who
        fields["company_id"] = company_id = self._company(card.company, card.company_reading)
        # The rules compare the company here, which may be spelt unlike the card's.
        who.company = company_key(self.directory.company_names.get(company_id or ""))
        if not (fields["display_name"] or fields["emails"] or fields["phones"]):
            self.report.skipped.append(Skipped(card.where, "no name, email or phone to keep"))
            return
        incoming_id = card.contact_id
        match = self.directory.best_match(who)
        if match is None:
            self.new[incoming_id] = fields
            self.directory.add(incoming_id, fields, who)
            change = Change(card.where, fields["display_name"], incoming_id, fields)
            self.report.created.append(change)
            return
        kept_id, verdict = match
        kept = self.directory.fields[kept_id]
        fields["uids"] = [u for u in fields["uids"] if u != kept_id]
        changes = combine(kept, fields)
        name = kept.get("display_name") or fields["display_name"]
        change = Change(card.where, name, kept_id, changes, verdict.evidence)
        if not changes:
            self.report.unchanged.append(change)
            return
        self.directory.add(kept_id, kept | changes)
        if kept_id in self.new:
            self.new[kept_id] = kept | changes
        else:
            self.changed[kept_id] = self.changed.get(kept_id, {}) | changes
        self.report.merged.append(change)

    def _company(self, name: str | None, reading: str | None) -> str | None:
        """The id of the card's company: one here of the same normalised name, or a new one."""
        if not name:
            return None
        key = company_key(name) or name
        if key not in self.companies:
            company_id = new_id()
            self.companies[key] = company_id
            self.directory.company_names[company_id] = name
            self.new_companies[company_id] = {"name": name, "reading": reading}
            self.report.new_companies.append(name)
        return self.companies[key]

    def write_new(self, writer: Writer) -> None:
        """Creates the companies and contacts planned so far; a later card that merges into
        one of them becomes an update (`write`)."""
        writer.create_many(Company, list(self.new_companies.items()))
        made = {"lifecycle": "lead", "source": self.source}
        writer.create_many(Contact, [(i, fields | made) for i, fields in self.new.items()])
        self.new_companies.clear()
        self.new.clear()

    def write(self, writer: Writer) -> None:
        """Writes the rest of the file's plan (in the file's one transaction)."""
        self.write_new(writer)
        for contact_id, changes in self.changed.items():
            writer.update(Contact, contact_id, changes)
