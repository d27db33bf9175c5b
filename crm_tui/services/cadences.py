"""Provides cadences (step sequences): defining them, enrolling contacts, steps done, leaving.

Each enrolled contact gets their steps as tasks (due on enrolment day + the step's day), so they
show in `crm next-actions`; marking one done logs it as an activity and moves the enrolment on.
A contact leaves when they reply, their deal closes or they opt out, in the same transaction as
the write that says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, NamedTuple

from crm_tui.domain.cadences import (
    FALLBACKS,
    CadenceSpec,
    Step,
    check_day_order,
    fill,
    mail_block,
    parse_cadence,
    parse_step,
    spec_of,
    values_for,
)
from crm_tui.domain.dates import utc_iso
from crm_tui.domain.records import Activity, Cadence, Company, Contact, Deal, Enrolment, Task
from crm_tui.errors import InvalidInput, NotFound, Refused
from crm_tui.services import values as check
from crm_tui.services.references import load
from crm_tui.services.session import Session
from crm_tui.storage import cadences as stored
from crm_tui.storage import queries
from crm_tui.storage.writer import Writer

ACTIVITY_OF_CHANNEL = {"email": "email", "call": "call", "task": "note"}
"""The activity a done step is logged as."""


def read_cadence_file(path: Path) -> CadenceSpec:
    """Reads and checks a cadence's TOML file; errors name the file and the step."""
    import tomllib

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInput(f"Cannot read {path}: {error.strerror or error}.") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not UTF-8 text; save it as UTF-8.") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidInput(f"{path}: not valid TOML ({error}); nothing was saved.") from None
    return parse_cadence(data, str(path))


def find_cadence(session: Session, reference: str) -> Cadence:
    """The cadence a name (exact) or an id (8+ characters) means."""
    conn = session.store.conn
    found = stored.cadence_named(conn, reference.strip())
    if found is None and len(reference.strip()) >= 8:
        by_id = [c for c in stored.all_cadences(conn) if c.id.startswith(reference.upper())]
        found = by_id[0] if len(by_id) == 1 else None
    if found is None:
        names = ", ".join(c.name for c in stored.all_cadences(conn)) or "none yet"
        raise NotFound(
            f"No cadence is named {reference!r} (cadences: {names}); see crm cadence ls."
        )
    return found


class Saved(NamedTuple):
    """A cadence as saved, whether it replaced one, and how many contacts are active in it."""

    cadence: Cadence
    replaced: bool
    active: int


def add_cadence(session: Session, path: Path, *, replace: bool = False) -> Saved:
    """Adds a cadence from its file, or with `replace` puts the edited file over the old one."""
    spec = read_cadence_file(path)
    existing = stored.cadence_named(session.store.conn, spec.name)
    if existing is not None and not replace:
        raise InvalidInput(
            f"{path}: a cadence named {spec.name!r} exists; to replace it with this file: "
            f"crm cadence add {path} --replace."
        )
    if existing is None and replace:
        raise NotFound(
            f"{path}: no cadence named {spec.name!r} to replace; add it without --replace."
        )
    with session.store.write() as writer:
        if existing is None:
            return Saved(writer.create(Cadence, spec.fields()), False, 0)
        active = _check_plans_kept(session, existing, spec.steps)
        return Saved(writer.update(Cadence, existing.id, spec.fields()), True, active)


def new_cadence(
    session: Session, name: str, fallback: str = "skip", note: str | None = None
) -> Cadence:
    """Starts a cadence with no steps; `crm cadence step add` gives it steps."""
    text = check.text(name, "A cadence's name", required=True) or ""
    if stored.cadence_named(session.store.conn, text) is not None:
        raise InvalidInput(f"A cadence named {text!r} exists; choose another name.")
    spec = CadenceSpec(
        text, (), check.choice(fallback, FALLBACKS, "fallback"), check.text(note, "note")
    )
    with session.store.write() as writer:
        return writer.create(Cadence, spec.fields())


def add_step(session: Session, reference: str, step: dict[str, Any]) -> tuple[Cadence, int]:
    """Adds a step in day order (after the steps of the same day); returns its number."""
    cadence = find_cadence(session, reference)
    spec = spec_of(cadence)
    new = parse_step(step, "the new step")
    position = sum(1 for s in spec.steps if s.day <= new.day)
    steps = (*spec.steps[:position], new, *spec.steps[position:])
    with session.store.write() as writer:
        _check_plans_kept(session, cadence, steps)
        saved = writer.update(Cadence, cadence.id, spec._replace(steps=steps).fields())
    return saved, position + 1


def remove_step(session: Session, reference: str, number: int) -> Cadence:
    """Removes step `number` (counting from 1)."""
    cadence = find_cadence(session, reference)
    spec = spec_of(cadence)
    if not 1 <= number <= len(spec.steps):
        raise InvalidInput(f"{cadence.name!r} has steps 1 to {len(spec.steps)}, not {number}.")
    steps = spec.steps[: number - 1] + spec.steps[number:]
    with session.store.write() as writer:
        _check_plans_kept(session, cadence, steps)
        return writer.update(Cadence, cadence.id, spec._replace(steps=steps).fields())


def _check_plans_kept(session: Session, cadence: Cadence, steps: Sequence[Step]) -> int:
    """Refuses to change the days or channels of steps while contacts are active in the cadence
    (their tasks were planned from them); subjects and bodies may change. Returns the count."""
    counts = stored.enrolment_counts(session.store.conn).get(cadence.id, {})
    active = counts.get("active", 0)
    shape = [(s.day, s.channel) for s in spec_of(cadence).steps]
    if active and shape != [(s.day, s.channel) for s in steps]:
        raise Refused(
            f"{active} contact(s) are active in {cadence.name!r} and their steps were planned "
            "from its days and channels; change only subjects and bodies, stop them "
            f"(crm cadence stop {cadence.name} <contact>), or add a cadence under a new name."
        )
    check_day_order(steps, cadence.name)
    return active


class Listed(NamedTuple):
    """A cadence with how many enrolments it has in each status."""

    cadence: Cadence
    counts: dict[str, int]


def list_cadences(session: Session) -> list[Listed]:
    """The cadences by name, with their enrolment counts."""
    conn = session.store.conn
    counts = stored.enrolment_counts(conn)
    return [Listed(c, counts.get(c.id, {})) for c in stored.all_cadences(conn)]


class Planned(NamedTuple):
    """One contact's new enrolment: its step tasks and the steps they will not get."""

    contact: Contact
    enrolment: Enrolment
    tasks: list[Task]


class Enrolled(NamedTuple):
    """What `crm cadence enrol` did: who was enrolled, and who already was (with since when)."""

    cadence: Cadence
    enrolled: list[Planned]
    already: list[tuple[Contact, Enrolment]]


def enrol(
    session: Session,
    reference: str,
    contacts: Sequence[str] = (),
    *,
    segment: str | None = None,
    where: str | None = None,
) -> Enrolled:
    """Enrols contacts (named, or a segment's) in one transaction: all of them or none."""
    cadence = find_cadence(session, reference)
    spec = spec_of(cadence)
    if not spec.steps:
        raise InvalidInput(
            f"{cadence.name!r} has no steps yet; add one with crm cadence step add {cadence.name} …"
        )
    people = _contacts(session, contacts, segment, where)
    conn = session.store.conn
    active = {
        e.contact_id: e for e in stored.active_enrolments(conn, [c.id for c in people], cadence.id)
    }
    companies = queries.get_many(conn, Company, (c.company_id for c in people))
    planned, already = [], []
    with session.store.write() as writer:
        for contact in people:
            if contact.id in active:
                already.append((contact, active[contact.id]))
                continue
            company = companies.get(contact.company_id or "")
            planned.append(_enrol_one(session, writer, cadence, spec, contact, company))
    return Enrolled(cadence, planned, already)


def _contacts(
    session: Session, references: Sequence[str], segment: str | None, where: str | None
) -> list[Contact]:
    if bool(references) + (segment is not None) + (where is not None) != 1:
        raise InvalidInput("Say whom to enrol: contacts, or --segment NAME, or --where FILTER.")
    if references:
        found = [load(session, r, ("contact",)) for r in references]
    else:
        from crm_tui.services.segments import members

        ids = members(session, segment=segment, where=where, kind="contact")
        by_id = queries.get_many(session.store.conn, Contact, ids)
        found = [by_id[i] for i in ids if i in by_id]
    unique = {c.id: c for c in found if isinstance(c, Contact)}
    return list(unique.values())


def _enrol_one(
    session: Session,
    writer: Writer,
    cadence: Cadence,
    spec: CadenceSpec,
    contact: Contact,
    company: Company | None,
) -> Planned:
    mail = session.config.mail
    values = values_for(
        contact, company.name if company else None, session.config.rep, mail.signature
    )
    blocked = mail_block(contact)
    plan: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    for position, step in enumerate(spec.steps):
        channel = step.channel
        # A call's or task's body is its talking points; an email's body is rendered when sent.
        note = fill(step.body, values) if step.body and channel != "email" else None
        if channel == "email" and blocked:
            if spec.fallback == "skip":
                skipped.append({"step": position, "reason": blocked})
                continue
            channel, note = spec.fallback, f"By {spec.fallback} instead of email: {blocked}."
        plan.append(
            {
                "title": " ".join(fill(step.subject, values).split()),
                "due": (session.today + timedelta(days=step.day)).isoformat(),
                "channel": channel,
                "step": position,
                "note": note,
                "contact_id": contact.id,
                "company_id": contact.company_id,
            }
        )
    fields: dict[str, Any] = {
        "cadence_id": cadence.id,
        "contact_id": contact.id,
        "enrolled_on": session.today.isoformat(),
        "skipped": skipped,
        "step": plan[0]["step"] if plan else len(spec.steps),
    }
    if not plan:
        fields |= {"status": "finished", "left_on": session.today.isoformat()}
        fields["reason"] = f"every step skipped ({skipped[0]['reason']})"
    enrolment = writer.create(Enrolment, fields)
    tasks = [writer.create(Task, {**item, "enrolment_id": enrolment.id}) for item in plan]
    return Planned(contact, enrolment, tasks)


def step_done(session: Session, writer: Writer, task: Task, body: str | None = None) -> Activity:
    """Logs a done step as an activity and moves its enrolment to the next step (or finishes
    it), inside the write that marked the task done."""
    from crm_tui.services.activities import record_activity

    fields: dict[str, Any] = {
        "type": ACTIVITY_OF_CHANNEL.get(task.channel or "task", "note"),
        "direction": "outbound",
        "at": utc_iso(session.now),
        "summary": task.title,
        "body": body,
        "owner": session.rep,
    }
    fields |= {k: getattr(task, k) for k in ("contact_id", "company_id") if getattr(task, k)}
    activity = record_activity(writer, fields)
    enrolment = queries.get(session.store.conn, Enrolment, task.enrolment_id or "")
    if enrolment is not None and enrolment.status == "active":
        tasks = stored.step_tasks(session.store.conn, [enrolment.id])
        still = sorted(t.step or 0 for t in tasks if t.status == "open")
        if still:
            writer.update(Enrolment, enrolment.id, {"step": still[0]})
        else:
            planned = len(tasks) + len(enrolment.skipped)
            finished = {"status": "finished", "left_on": session.today.isoformat()}
            writer.update(Enrolment, enrolment.id, {"step": planned, **finished})
    return activity


def leave(
    session: Session, writer: Writer, enrolments: Sequence[Enrolment], status: str, reason: str
) -> list[Enrolment]:
    """Ends enrolments (replied, won, lost, opted_out, stopped) and cancels their open steps."""
    left = []
    tasks = stored.step_tasks(session.store.conn, [e.id for e in enrolments])
    for enrolment in enrolments:
        changes = {"status": status, "left_on": session.today.isoformat(), "reason": reason}
        left.append(writer.update(Enrolment, enrolment.id, changes))
    for task in tasks:
        if task.status == "open":
            writer.update(Task, task.id, {"status": "cancelled"})
    return left


def contact_replied(session: Session, writer: Writer, activity: Activity) -> list[Enrolment]:
    """An inbound message from a contact ends their cadences (they replied)."""
    found = stored.active_enrolments(session.store.conn, [activity.contact_id or ""])
    reason = f"replied ({activity.type}: {activity.summary})"
    return leave(session, writer, found, "replied", reason)


def deal_closed(session: Session, writer: Writer, deal: Deal, status: str) -> list[Enrolment]:
    """A deal won or lost ends the cadences of its contact and of the people at its company."""
    conn = session.store.conn
    found = {
        e.id: e
        for e in stored.active_enrolments(conn, [deal.contact_id] if deal.contact_id else [])
    }
    if deal.company_id:
        found |= {e.id: e for e in stored.active_enrolments_at_company(conn, deal.company_id)}
    return leave(session, writer, list(found.values()), status, f"deal {deal.title} {status}")


def opted_out(session: Session, writer: Writer, contact: Contact) -> list[Enrolment]:
    """A contact who opts out leaves every cadence."""
    found = stored.active_enrolments(session.store.conn, [contact.id])
    return leave(session, writer, found, "opted_out", "opted out")


def stop(session: Session, reference: str, who: str, reason: str | None = None) -> Enrolment:
    """Takes a contact out of a cadence by hand (status stopped)."""
    cadence = find_cadence(session, reference)
    contact = load(session, who, ("contact",))
    found = stored.active_enrolments(session.store.conn, [contact.id], cadence.id)
    if not found:
        raise InvalidInput(f"{contact.label!r} is not active in {cadence.name!r}.")
    with session.store.write() as writer:
        why = check.text(reason, "reason") or "stopped by hand"
        return leave(session, writer, found, "stopped", why)[0]
