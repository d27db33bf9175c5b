"""Provides `crm ls`: records of one kind, filtered, with the names they point at."""

from __future__ import annotations

from typing import Any, NamedTuple

from crm_tui.domain.records import (
    INQUIRY_STATUSES,
    LIFECYCLES,
    QUOTE_STATUSES,
    TASK_STATUSES,
    Company,
    Contact,
    Contract,
    Deal,
    Inquiry,
    Invoice,
    Quote,
    Record,
    Task,
    column_names,
)
from crm_tui.errors import InvalidInput
from crm_tui.services import values as check
from crm_tui.services.references import resolve
from crm_tui.services.session import Session
from crm_tui.storage import queries

KINDS: dict[str, type[Record]] = {
    "contacts": Contact,
    "companies": Company,
    "deals": Deal,
    "tasks": Task,
    "quotes": Quote,
    "inquiries": Inquiry,
    "contracts": Contract,
    "invoices": Invoice,
}
_ORDER = {
    Contact: "coalesce(family_reading, family_name, display_name), display_name",
    Company: "coalesce(reading, name), name",
    Deal: "created_at DESC",
    Task: "due IS NULL, due, created_at",
    Quote: "created_at DESC",
    Inquiry: "status_since",
    Contract: "renewal_on",
    Invoice: "due_on",
}
_STATUSES = {Task: TASK_STATUSES, Quote: QUOTE_STATUSES, Inquiry: INQUIRY_STATUSES}


class Filters(NamedTuple):
    """What `crm ls` can filter on; each applies to the kinds that have the field."""

    owner: str | None = None
    company: str | None = None
    tag: str | None = None
    lifecycle: str | None = None
    stage: str | None = None
    status: str | None = None
    unpaid: bool = False
    archived: bool = False
    all: bool = False
    limit: int | None = None
    segment: str | None = None
    """A saved segment's name: only its members (contacts or companies)."""
    where: str | None = None
    """A segment filter (docs/segments.md): only the contacts or companies it selects."""


class Listing(NamedTuple):
    """Records with the display names of their contacts and companies."""

    records: list[Record]
    contacts: dict[str, str]
    companies: dict[str, str]


def list_records(session: Session, kind: str, filters: Filters) -> Listing:
    """Lists records of a kind (`contacts`, `deals`, ...) that pass the filters."""
    cls = KINDS.get(kind)
    if cls is None:
        raise InvalidInput(f"{kind!r} is not something to list; use one of: {', '.join(KINDS)}.")
    equals, where, params = _conditions(session, cls, filters)
    include_archived = filters.archived
    if filters.segment is not None or filters.where is not None:
        include_archived |= _segment_conditions(session, cls, filters, where, params)
    conn = session.store.conn
    with session.store.read():
        records = queries.select(
            conn,
            cls,
            equals=equals,
            tag=filters.tag,
            include_archived=include_archived,
            where=where,
            params=params,
            order_by=_ORDER[cls],
            limit=filters.limit or None,
        )
        names = queries.names(
            conn,
            (getattr(r, "contact_id", None) for r in records),
            (getattr(r, "company_id", None) for r in records),
        )
    return Listing(
        records,
        {cid: name for cid, (name, _) in names.contacts.items()},
        names.companies,
    )


def _conditions(
    session: Session, cls: type[Record], filters: Filters
) -> tuple[dict[str, Any], list[str], list[Any]]:
    equals: dict[str, Any] = {}
    where: list[str] = []
    params: list[Any] = []
    if filters.owner:
        equals["owner"] = filters.owner
    if filters.company:
        company_id = resolve(session, filters.company, ("company",)).id
        if cls is Company:
            equals["id"] = company_id
        else:
            _require(cls, "company_id", "--company")
            equals["company_id"] = company_id
    if filters.tag:
        _require(cls, "tags", "--tag")
    if filters.lifecycle:
        _require(cls, "lifecycle", "--lifecycle")
        equals["lifecycle"] = check.choice(filters.lifecycle, LIFECYCLES, "lifecycle stage")
    if filters.stage:
        _require(cls, "stage", "--stage")
        equals["stage"] = check.choice(filters.stage, session.config.deal_stages, "deal stage")
    if filters.status:
        if cls not in _STATUSES:
            raise InvalidInput(f"--status does not apply to {cls.TABLE}.")
        equals["status"] = check.choice(filters.status, _STATUSES[cls], "status")
    elif cls is Task and not filters.all:
        equals["status"] = "open"
    if filters.unpaid:
        _require(cls, "paid_on", "--unpaid")
        where.append("paid_on IS NULL")
    if cls is Deal and not filters.all and not filters.stage:
        stages = session.config.open_stages
        where.append(f"stage IN ({', '.join('?' * len(stages))})")
        params.extend(stages)
    return equals, where, params


def _segment_conditions(
    session: Session, cls: type[Record], filters: Filters, where: list[str], params: list[Any]
) -> bool:
    """Adds the condition of `--segment` or `--where`; True when the filter itself decides
    about archived records (it names `archived`)."""
    from crm_tui.services.segments import selection
    from crm_tui.storage.segments import scope

    if cls not in (Contact, Company):
        raise InvalidInput(f"--segment and --where select contacts or companies, not {cls.TABLE}.")
    chosen = selection(session, segment=filters.segment, where=filters.where, kind=cls.ENTITY)
    sql, values = chosen.condition
    where += [scope(chosen.subject, include_archived=True), sql]
    params += values
    return chosen.archived


def _require(cls: type[Record], field_name: str, option: str) -> None:
    if field_name not in column_names(cls):
        raise InvalidInput(f"{option} does not apply to {cls.TABLE}.")
