"""Provides adding companies, contacts and deals, and archiving any record."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from crm_tui.domain.names import display_name, split_name, split_reading
from crm_tui.domain.records import BY_ENTITY, LIFECYCLES, Company, Contact, Deal, Record
from crm_tui.domain.text import key_of_query
from crm_tui.errors import InvalidInput, NotFound
from crm_tui.services import values as check
from crm_tui.services.references import links, load, resolve
from crm_tui.services.session import Session
from crm_tui.storage import queries
from crm_tui.storage.writer import Writer


class CompanyInput(NamedTuple):
    """What `crm add company` takes."""

    name: str
    reading: str | None = None
    industry: str | None = None
    size: str | None = None
    revenue: str | None = None
    currency: str | None = None
    region: str | None = None
    prefecture: str | None = None
    website: str | None = None
    phone: str | None = None
    tags: Sequence[str] = ()
    note: str | None = None


def company_fields(session: Session, data: CompanyInput) -> dict[str, Any]:
    """Checks a company's input and returns its field values."""
    currency = check.currency(session, data.currency)
    phones = check.phones(session, [data.phone]) if data.phone else []
    return {
        "name": check.text(data.name, "A company's name", required=True),
        "reading": check.text(data.reading, "reading"),
        "industry": check.text(data.industry, "industry"),
        "size": check.text(data.size, "size"),
        "annual_revenue": check.amount(data.revenue, currency),
        "revenue_currency": currency if data.revenue is not None else None,
        "region": check.text(data.region, "region"),
        "prefecture": check.text(data.prefecture, "prefecture"),
        "website": check.text(data.website, "website"),
        "phone": phones[0] if phones else None,
        "tags": check.tags(data.tags),
        "note": check.text(data.note, "note"),
    }


def add_company(session: Session, data: CompanyInput) -> Company:
    """Adds a company."""
    fields_ = company_fields(session, data)
    with session.store.write() as writer:
        return writer.create(Company, fields_)


class ContactInput(NamedTuple):
    """What `crm add contact` takes."""

    name: str
    family: str | None = None
    given: str | None = None
    reading: str | None = None
    company: str | None = None
    department: str | None = None
    title: str | None = None
    emails: Sequence[str] = ()
    phones: Sequence[str] = ()
    address: str | None = None
    tags: Sequence[str] = ()
    lifecycle: str | None = None
    source: str | None = None
    consent: bool = False
    note: str | None = None


class Added(NamedTuple):
    """A new record, and the company `--company` named: made on the way, or found."""

    record: Record
    new_company: Company | None = None
    linked_company: Company | None = None


def contact_fields(session: Session, data: ContactInput) -> dict[str, Any]:
    """Checks a contact's input (except the company) and returns its field values."""
    name = check.text(data.name, "A contact's name", required=True) or ""
    family, given = split_name(name)
    family = check.text(data.family, "family name") or family
    given = check.text(data.given, "given name") if data.given is not None else given
    family_reading, given_reading = split_reading(check.text(data.reading, "reading"))
    return {
        "display_name": display_name(family, given),
        "family_name": family,
        "given_name": given,
        "family_reading": family_reading,
        "given_reading": given_reading,
        "department": check.text(data.department, "department"),
        "title": check.text(data.title, "title"),
        "emails": check.emails(data.emails),
        "phones": check.phones(session, data.phones),
        "address": check.text(data.address, "address"),
        "tags": check.tags(data.tags),
        "lifecycle": check.choice(data.lifecycle, LIFECYCLES, "lifecycle stage")
        if data.lifecycle
        else "lead",
        "source": check.text(data.source, "source"),
        "consent": data.consent,
        "note": check.text(data.note, "note"),
    }


def add_contact(session: Session, data: ContactInput) -> Added:
    """Adds a contact, linking (or creating) the company named by `--company`."""
    fields_ = contact_fields(session, data)
    company_name = check.text(data.company, "company")
    with session.store.write() as writer:
        company, created = None, False
        if company_name:
            company, created = company_for(session, writer, company_name)
            fields_["company_id"] = company.id
        contact = writer.create(Contact, fields_)
    return Added(contact, company if created else None, None if created else company)


def company_for(session: Session, writer: Writer, name: str) -> tuple[Company, bool]:
    """The company a `--company` option means: an exact name, a unique match, or a new one."""
    conn = session.store.conn
    exact = conn.execute(
        "SELECT id FROM entities WHERE kind = 'company' AND NOT archived "
        "AND (name_key = ? OR name_key LIKE ? || char(10) || '%')",
        (key_of_query(name), key_of_query(name)),
    ).fetchall()
    if len(exact) == 1:
        company = queries.get(conn, Company, exact[0][0])
        if company is not None:
            return company, False
    try:
        match = resolve(session, name, ("company",))
    except NotFound:
        return writer.create(Company, {"name": name}), True
    company = queries.get(conn, Company, match.id)
    assert company is not None
    return company, False


class DealInput(NamedTuple):
    """What `crm add deal` takes."""

    title: str
    company: str | None = None
    contact: str | None = None
    amount: str | None = None
    currency: str | None = None
    stage: str | None = None
    close: str | None = None
    probability: int | None = None
    note: str | None = None


def add_deal(session: Session, data: DealInput) -> Deal:
    """Adds a deal for a company and/or contact, at the first stage unless told otherwise."""
    from crm_tui.services.deals import check_stage

    currency = check.currency(session, data.currency)
    stage = check_stage(session, data.stage) if data.stage else session.config.deal_stages[0]
    fields_: dict[str, Any] = {
        "title": check.text(data.title, "A deal's title", required=True),
        "amount": check.amount(data.amount, currency),
        "currency": currency,
        "stage": stage,
        "expected_close": check.due(session, data.close) if data.close else None,
        "probability": check.whole_number(data.probability, 0, 100, "Probability"),
        "note": check.text(data.note, "note"),
    }
    fields_.update(links(session, company=data.company, contact=data.contact))
    if stage in (session.config.won_stage, session.config.lost_stage):
        fields_["closed_on"] = session.today.isoformat()
    with session.store.write() as writer:
        deal = writer.create(Deal, fields_)
        if "closed_on" in fields_:
            # Recorded as already won or lost: its people leave their cadences, as on a move.
            from crm_tui.services.cadences import deal_closed

            won = stage == session.config.won_stage
            deal_closed(session, writer, deal, "won" if won else "lost")
        return deal


ARCHIVABLE = tuple(kind for kind in BY_ENTITY if kind not in ("activity", "survey"))


def set_archived(session: Session, reference: str, archived: bool) -> Record:
    """Archives or unarchives a record (a set op on its `archived` field; history stays)."""
    record = load(session, reference, ARCHIVABLE)
    if record.archived == archived:
        state = "is already archived" if archived else "is not archived"
        raise InvalidInput(f"The {record.ENTITY} {record.label!r} {state}.")
    with session.store.write() as writer:
        return writer.update(type(record), record.id, {"archived": archived})
