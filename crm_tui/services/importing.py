"""Provides `crm import`: contacts from vCard and CSV files, matched so that no one comes in twice.

Each file is read whole, planned against the store (and against the cards before it), then
written in one transaction: a crash or a full disk leaves nothing of that file half-imported.
A card that is already here enriches its record (`domain.combine`) instead of making another.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crm_tui.domain.cards import Card, Skipped, Where
from crm_tui.domain.combine import combine
from crm_tui.domain.emails import normalize_email
from crm_tui.domain.ids import new_id
from crm_tui.domain.matching import company_key
from crm_tui.domain.names import display_name, split_name
from crm_tui.domain.phones import parse_phone
from crm_tui.domain.records import Company, Contact
from crm_tui.errors import CrmError, InvalidInput, NotFound
from crm_tui.services.directory import Directory, load_directory
from crm_tui.services.progress import Progress
from crm_tui.services.session import Session

VCARD_SUFFIXES = (".vcf", ".vcard")
CSV_SUFFIXES = (".csv", ".tsv")


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


def read_cards(path: Path, mapping: dict[str, str] | None) -> Iterator[Card | Skipped]:
    """The cards of one file, by its kind: CSV by suffix, vCard otherwise (checked)."""
    if path.suffix.lower() in CSV_SUFFIXES:
        from crm_tui.interchange.csv_read import read_csv

        return read_csv(path.read_bytes(), str(path), mapping)
    from crm_tui.interchange.vcard_read import read_vcard_path

    return read_vcard_path(path)


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
    reports = []
    for path in files:
        planner = Planner(session, directory, companies, str(path))
        try:
            cards = list(read_cards(path, mapping))
        except CrmError as error:
            reports.append(FileReport(str(path), error=str(error)))
            continue
        except OSError as error:
            reports.append(FileReport(str(path), error=f"{path} cannot be read ({error})."))
            continue
        for done, card in enumerate(cards, 1):
            planner.take(card)
            if progress is not None and done % 200 == 0:
                progress(str(path), done, len(cards))
        if not dry_run:
            planner.write()
        if progress is not None:
            progress(str(path), len(cards), len(cards))
        reports.append(planner.report)
    return reports


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

    def take(self, card: Card | Skipped) -> None:
        """Plans one card: skipped, new, merged into someone, or nothing new."""
        if isinstance(card, Skipped):
            self.report.skipped.append(card)
            return
        fields = self._fields(card)
        if not (fields["display_name"] or fields["emails"] or fields["phones"]):
            self.report.skipped.append(Skipped(card.where, "no name, email or phone to keep"))
            return
        incoming_id = new_id()
        who = self.directory.person_of(incoming_id, fields)
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

    def _fields(self, card: Card) -> dict[str, Any]:
        """A card's values as a contact's fields, normalised as `crm add contact` would."""
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
        region = self.session.config.phone_region
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
            "company_id": self._company(card),
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

    def _company(self, card: Card) -> str | None:
        """The id of the card's company: one here of the same normalised name, or a new one."""
        if not card.company:
            return None
        key = company_key(card.company) or card.company
        if key not in self.companies:
            company_id = new_id()
            self.companies[key] = company_id
            self.directory.company_names[company_id] = card.company
            self.new_companies[company_id] = {"name": card.company, "reading": card.company_reading}
            self.report.new_companies.append(card.company)
        return self.companies[key]

    def write(self) -> None:
        """Writes the file's plan in one transaction."""
        if not (self.new or self.changed or self.new_companies):
            return
        with self.session.store.write() as writer:
            writer.create_many(Company, list(self.new_companies.items()))
            made = {"lifecycle": "lead", "source": self.source}
            writer.create_many(Contact, [(i, fields | made) for i, fields in self.new.items()])
            for contact_id, changes in self.changed.items():
                writer.update(Contact, contact_id, changes)
