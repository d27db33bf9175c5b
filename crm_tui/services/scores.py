"""Provides lead scores as use cases: one explained score, the scores of many, and the best-scored
leads nobody has been in touch with lately."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from crm_tui.domain import scoring
from crm_tui.domain.records import Record
from crm_tui.domain.scoring import Score
from crm_tui.errors import InvalidInput
from crm_tui.services.session import Session
from crm_tui.storage import scores as store
from crm_tui.storage.scores import Frame, Lead

LEAD_STAGES = ("lead", "prospect")
_JULIAN_DAY_OF_ORDINAL_0 = 1_721_425
"""date.toordinal() plus this is the Julian day number SQLite's julianday() gives at noon."""


class Suggestion(NamedTuple):
    """A lead worth reaching out to: who, how long idle, and their score in tenths."""

    lead: Lead
    idle_days: int
    tenths: int


def frame(session: Session) -> Frame:
    """How facts are aged and weighed today, with the configured weights."""
    weights = session.config.score
    today = session.today
    offset = session.now.astimezone(session.tz).utcoffset() or timedelta(0)
    oldest = today - timedelta(days=scoring.horizon_days(weights))
    return Frame(
        today=today.toordinal() + _JULIAN_DAY_OF_ORDINAL_0,
        offset_minutes=int(offset.total_seconds() // 60),
        since=_local_midnight_utc(session, oldest),
        half_life_days=weights.half_life_days,
        # Tenths computed here once, exactly as domain.scoring.fact_weight computes them.
        activity=tuple((kind, points * 10) for kind, points in weights.activity),
        inbound=weights.inbound * 10,
        other=(
            ("quote", weights.quote * 10),
            ("survey", weights.survey * 10),
        ),
    )


def explain(session: Session, reference: str) -> Score:
    """The score of one contact or company, with every term that makes it."""
    from crm_tui.services.references import WHO, resolve

    match = resolve(session, reference, WHO)
    conn = session.store.conn
    scope = frame(session)
    with session.store.read():
        profiles = (
            store.contact_profiles(conn, [match.id])
            if match.kind == "contact"
            else store.company_profiles(conn, [match.id])
        )
        facts = store.facts(conn, scope, match.kind, match.id)
    name, profile = profiles.get(match.id, (match.label, scoring.Profile()))
    return scoring.score(match.kind, match.id, name, profile, facts, session.config.score)


def contact_scores(session: Session, ids: Iterable[str], *, every: bool = False) -> dict[str, int]:
    """The score in tenths of each contact; `every` aggregates all contacts' facts in one pass
    (cheaper than a list of thousands of ids)."""
    wanted = set(ids)
    conn = session.store.conn
    weights = session.config.score
    with session.store.read():
        profiles = store.contact_profiles(conn, wanted)
        engaged = store.engagement(conn, frame(session), "contact", None if every else wanted)
    fit = _Fit(weights)
    return {cid: fit(profile) + engaged.get(cid, 0) for cid, (_, profile) in profiles.items()}


def company_scores(session: Session, ids: Iterable[str], *, every: bool = False) -> dict[str, int]:
    """The score in tenths of each company: its fit and the engagement of it and its people."""
    wanted = set(ids)
    conn = session.store.conn
    weights = session.config.score
    with session.store.read():
        profiles = store.company_profiles(conn, wanted)
        engaged = store.engagement(conn, frame(session), "company", None if every else wanted)
    return {
        cid: scoring.fit_tenths(profile, weights) + engaged.get(cid, 0)
        for cid, (_, profile) in profiles.items()
    }


def party_scores(
    session: Session, contact_ids: Iterable[str], company_ids: Iterable[str]
) -> dict[str, int]:
    """The scores in tenths of a few contacts and companies, by id (for ordering the agenda)."""
    contacts, companies = set(contact_ids), set(company_ids)
    out = contact_scores(session, contacts) if contacts else {}
    if companies:
        out |= company_scores(session, companies)
    return out


def suggest(
    session: Session, limit: int, idle_days: int, skip: Iterable[str] = ()
) -> list[Suggestion]:
    """Up to `limit` leads and prospects with no activity for `idle_days` (nor since they were
    added), best score first; contacts in `skip` (already on the agenda) are left out."""
    if limit < 0:
        raise InvalidInput("--suggest must be 0 or more leads.")
    if idle_days < 1:
        raise InvalidInput("--idle-days must be 1 or more days.")
    if limit == 0:
        return []
    today = session.today
    cutoff = _local_midnight_utc(session, today - timedelta(days=idle_days - 1))
    with session.store.read():
        leads = store.idle_leads(session.store.conn, LEAD_STAGES, cutoff)
    leaving = set(skip)
    leads = [lead for lead in leads if lead.id not in leaving]
    if not leads:
        return []
    # Hundreds of leads: one pass over every contact's facts beats a list of ids that long.
    scores = contact_scores(session, (lead.id for lead in leads), every=len(leads) > 200)
    ranked = [
        Suggestion(lead, (today - _local_day(session, lead.touch)).days, scores.get(lead.id, 0))
        for lead in leads
    ]
    ranked.sort(key=lambda s: (-s.tenths, -s.idle_days, s.lead.name, s.lead.id))
    return ranked[:limit]


class _Fit:
    """Fit in tenths, remembering each company's part: thousands of contacts share a few
    hundred companies, and only the title differs."""

    def __init__(self, weights: scoring.ScoreWeights) -> None:
        self.weights = weights
        self.company: dict[tuple[str | None, ...], int] = {}
        self.title: dict[str | None, int] = {}

    def __call__(self, profile: scoring.Profile) -> int:
        key = tuple(profile[1:])
        company = self.company.get(key)
        if company is None:
            company = self.company[key] = scoring.fit_tenths(
                profile._replace(title=None), self.weights
            )
        title = self.title.get(profile.title)
        if title is None:
            title = self.title[profile.title] = scoring.fit_tenths(
                scoring.Profile(title=profile.title), self.weights
            )
        return company + title


def _local_day(session: Session, instant: str) -> date:
    return datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(session.tz).date()


def _local_midnight_utc(session: Session, day: date) -> str:
    local = datetime.combine(day, time(0), tzinfo=session.tz)
    return local.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def by_score(
    session: Session, kind: str, records: list[Record], limit: int | None = None
) -> tuple[list[Record], dict[str, int]]:
    """Records of a listing (`contacts` or `companies`) highest score first, at most `limit`,
    with each one's score in tenths; equal scores keep the listing's order."""
    check_sort("score", kind)
    ids = [record.id for record in records]
    # Past a few hundred records one pass over everyone's facts is cheaper than a long id list.
    every = len(ids) > 200
    scoring_of = contact_scores if kind == "contacts" else company_scores
    scores = scoring_of(session, ids, every=every) if ids else {}
    ranked = sorted(records, key=lambda record: -scores.get(record.id, 0))
    return ranked[: limit or None], scores


def check_sort(sort: str, kind: str) -> None:
    """Refuses a sort order other than `score`, or on a kind that has no score."""
    if sort != "score":
        raise InvalidInput(f"--sort {sort!r} is not an order; use --sort score.")
    if kind not in ("contacts", "companies"):
        raise InvalidInput(f"--sort score applies to contacts and companies, not {kind}.")
