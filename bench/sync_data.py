"""Builds the sync benchmark's data through crm's write path: a team's history and reps' work.

The team's store holds customers (a company with one contact each) and their activities,
planned and replayed by `build_reference` (Japanese names, two years of simulated clock). Each
simulated rep's store holds what that rep does during the load test: visits, calls and notes
logged about the team's customers (`record_activity`), and now and then a new contact from a
business card (`Writer.create`), stamped by the real clock.
"""

from __future__ import annotations

import random
import sys
from concurrent.futures import ProcessPoolExecutor
from contextlib import redirect_stdout
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import Any, NamedTuple

import build_reference as reference

from crm_tui.domain.dates import utc_iso
from crm_tui.domain.ops import Op
from crm_tui.domain.records import Contact
from crm_tui.services.activities import record_activity
from crm_tui.storage.db import open_store
from crm_tui.storage.oplog import COLUMNS, op_from_row
from crm_tui.storage.writer import Writer

TEAM_REP = reference.REP
"""The rep who made the team's history (and pushes it in the push benchmark)."""
NEW_CONTACT_SHARE = 0.02
"""The share of a simulated rep's changes that add a contact (about 12 set ops each)."""


class Customer(NamedTuple):
    """A contact of the team's and their company, as the reps' activities point at them."""

    contact_id: str
    company_id: str
    title: str


def build_team(db: Path, customers: int, activities: int) -> dict[str, int]:
    """Writes the team's history (companies, one contact each, activities); returns counts."""
    now = datetime.now(UTC).replace(microsecond=0)
    builder = reference.Builder(1.0, reference.SEED, now, datetime.now().astimezone().date())
    builder.counts = {"companies": customers, "contacts": customers, "activities": activities}
    builder.plan_companies()
    builder.contact_cum_weights = builder.cumulative(
        c.weight * builder.companies[c.company].weight for c in builder.contacts
    )
    builder.plan_activities()
    builder.jobs.sort(key=lambda job: (job[0], job[1]))
    # The build's progress lines go to stderr with the rest of the progress.
    with redirect_stdout(sys.stderr):
        reference.replay(builder, db, 1000)
    return counts(db)


def counts(db: Path) -> dict[str, int]:
    """How many companies, contacts, activities and ops a store holds."""
    store = open_store(db, TEAM_REP)
    try:
        return {
            table: int(store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in ("companies", "contacts", "activities", "ops")
        }
    finally:
        store.close()


def team_customers(db: Path) -> list[Customer]:
    """The team's contacts with their companies."""
    store = open_store(db, TEAM_REP)
    try:
        rows = store.conn.execute(
            "SELECT id, company_id, coalesce(title, '担当') FROM contacts ORDER BY id"
        ).fetchall()
    finally:
        store.close()
    return [Customer(*row) for row in rows]


def log_activity(w: Writer, rng: random.Random, rep: str, customer: Customer) -> None:
    """Logs one visit, call, email, meeting or note about a customer, as `crm log` does."""
    kind = rng.choices(*reference.ACTIVITY_TYPES)[0]
    product = rng.choice(reference.PRODUCTS)[0]
    summary = rng.choice(reference.SUMMARIES[kind]).format(product=product, title=customer.title)
    body = "".join(
        rng.choice(reference.BODY_SENTENCES).format(n=rng.randint(2, 12), title=customer.title)
        for _ in range(rng.choice([0, 1, 1, 2, 2, 3]))
    )
    at = datetime.now(UTC) - timedelta(minutes=rng.randint(5, 600))
    fields: dict[str, Any] = {
        "type": kind,
        "direction": "inbound" if kind in ("call", "email") and rng.random() < 0.3 else "outbound",
        "at": utc_iso(at),
        "summary": summary,
        "body": body or None,
        "location": rng.choice(reference.VISIT_PLACES) if kind == "visit" else None,
        "outcome": rng.choice(reference.OUTCOMES) if kind in ("visit", "meeting") else None,
        "owner": rep,
        "contact_id": customer.contact_id,
        "company_id": customer.company_id,
    }
    record_activity(w, fields)


def add_contact(w: Writer, rng: random.Random, rep: str, company_id: str, serial: int) -> None:
    """Adds a contact met at a customer (a business card), as `crm add contact` does."""
    family, family_kana, family_roman = rng.choice(reference.FAMILY_NAMES)
    given, given_kana, given_roman = rng.choice(reference.GIVEN_NAMES)
    w.create(
        Contact,
        {
            "display_name": f"{family} {given}",
            "family_name": family,
            "given_name": given,
            "family_reading": family_kana,
            "given_reading": given_kana,
            "company_id": company_id,
            "department": rng.choice(reference.DEPARTMENTS),
            "title": rng.choice(reference.JAPANESE_TITLES),
            "emails": [f"{given_roman}.{family_roman}.{rep}.{serial}@example.jp"],
            "lifecycle": "lead",
            "source": "展示会",
            "consent": True,
        },
    )


def build_rep(db: Path, rep: str, ops: int, customers: list[Customer], seed: int) -> int:
    """Writes at least `ops` ops of one rep's work into a new store; returns how many."""
    rng = random.Random(seed)
    store = open_store(db, rep)
    made = serial = 0
    try:
        while made < ops:
            with store.write() as w:
                while len(w.ops) < 500 and made + len(w.ops) < ops:
                    if rng.random() < NEW_CONTACT_SHARE:
                        serial += 1
                        add_contact(w, rng, rep, rng.choice(customers).company_id, serial)
                    else:
                        log_activity(w, rng, rep, rng.choice(customers))
                made += len(w.ops)
    finally:
        store.close()
    return made


def _build_rep_job(job: tuple[Path, str, int, list[Customer], int]) -> int:
    return build_rep(*job)


def build_reps(
    folder: Path, reps: list[str], ops: int, customers: list[Customer], workers: int = 2
) -> dict[str, Path]:
    """Builds one store per rep, in `workers` processes; returns each rep's store."""
    paths = {rep: folder / f"{rep}.db" for rep in reps}
    jobs = [(paths[rep], rep, ops, customers, i) for i, rep in enumerate(reps)]
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        list(pool.map(_build_rep_job, jobs))
    return paths


def read_ops(db: Path, after: int = 0) -> list[Op]:
    """The ops of a store's log after a local sequence number, in local order."""
    store = open_store(db, TEAM_REP)
    try:
        rows = store.conn.execute(
            f"SELECT {COLUMNS} FROM ops WHERE seq > ? ORDER BY seq", (after,)
        ).fetchall()
    finally:
        store.close()
    return [op_from_row(row) for row in rows]


def batches(ops: list[Op], size: int) -> list[list[Op]]:
    """Cuts a list of ops into batches of `size` (the last one may be shorter)."""
    return [ops[i : i + size] for i in range(0, len(ops), size)]
