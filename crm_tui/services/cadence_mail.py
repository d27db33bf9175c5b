"""Provides a cadence's email steps as mail: rendered drafts as `.eml` files, `mailto:` links, or
sent through the rep's SMTP server (which marks the step done and logs the email).

Nothing is rendered without the rep's unsubscribe notice, and nothing is mailed to a contact
without marketing consent, opted out, or without an address (checked again at sending time:
consent may have changed since enrolment, on this device or another).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

from crm_tui.config import config_path
from crm_tui.domain.cadences import Draft, mail_block, render_email, spec_of, values_for
from crm_tui.domain.dates import utc_iso
from crm_tui.domain.records import Activity, Cadence, Company, Contact, Enrolment, Task
from crm_tui.errors import InvalidInput, NotFound, Refused
from crm_tui.services.references import load
from crm_tui.services.session import Session
from crm_tui.storage import cadences as stored
from crm_tui.storage import queries

if TYPE_CHECKING:
    from email.message import EmailMessage

How = Literal["eml", "mailto", "smtp"]


class Prepared(NamedTuple):
    """An email step ready to go: its task, contact, cadence and rendered draft."""

    task: Task
    contact: Contact
    cadence: Cadence
    draft: Draft


def unsubscribe_notice(session: Session) -> str:
    """The configured unsubscribe notice; without one no email step is rendered."""
    notice = (session.config.mail.unsubscribe or "").strip()
    if not notice:
        raise InvalidInput(
            f'No unsubscribe notice is configured: add unsubscribe = "…" under [mail] in '
            f"{config_path()}. Japan's Act on Specified Electronic Mail requires one on "
            "advertising mail, so no email step is rendered without it."
        )
    return notice


def prepare(session: Session, task: Task) -> Prepared:
    """Renders an open email step for its contact, refusing one that may not be mailed."""
    notice = unsubscribe_notice(session)
    if task.channel != "email" or not task.enrolment_id or task.status != "open":
        raise InvalidInput(f"The task {task.title!r} is not an open email step of a cadence.")
    conn = session.store.conn
    enrolment = queries.get(conn, Enrolment, task.enrolment_id)
    cadence = queries.get(conn, Cadence, enrolment.cadence_id) if enrolment else None
    steps = spec_of(cadence).steps if cadence else ()
    position = task.step if task.step is not None else -1
    if cadence is None or not 0 <= position < len(steps) or steps[position].channel != "email":
        raise NotFound(f"The cadence step of {task.title!r} no longer exists as an email.")
    contact = queries.get(conn, Contact, task.contact_id or "")
    if contact is None:
        raise NotFound(f"The contact of {task.title!r} has no data on this device.")
    blocked = mail_block(contact)
    if blocked:
        raise Refused(
            f"{contact.display_name} may not be sent marketing email ({blocked}); "
            f"call instead, or stop them: crm cadence stop {cadence.name} {contact.id[:12]}."
        )
    company = queries.get(conn, Company, contact.company_id) if contact.company_id else None
    mail = session.config.mail
    values = values_for(
        contact, company.name if company else None, session.config.rep, mail.signature
    )
    draft = render_email(steps[position], values, contact.emails[0], notice)
    return Prepared(task, contact, cadence, draft)


def step_to_send(session: Session, reference: str) -> Task:
    """The email step a reference means: a step task, or a contact's earliest open email step."""
    record = load(session, reference, ("task", "contact"))
    if isinstance(record, Task):
        return record
    found = stored.open_email_steps(session.store.conn, contact_id=record.id)
    if not found:
        raise NotFound(f"{record.label} has no open email step in any cadence.")
    return found[0]


class Sent(NamedTuple):
    """What `crm cadence send` did: the draft, where it went, and the activity when mailed."""

    prepared: Prepared
    how: How
    path: Path | None = None
    url: str | None = None
    activity: Activity | None = None


def send_step(session: Session, reference: str, how: How, folder: Path | None = None) -> Sent:
    """Writes an email step as an `.eml` draft, makes its `mailto:` link, or sends it by SMTP.

    Only a successful SMTP send marks the step done and logs the email; a draft or a link
    leaves it due until the rep sends it and runs `crm task done`.
    """
    prepared = prepare(session, step_to_send(session, reference))
    if how == "mailto":
        from crm_tui.interchange.email import mailto_url

        return Sent(prepared, how, url=mailto_url(prepared.draft))
    from crm_tui.interchange.email import build_message

    message = build_message(
        prepared.draft, session.config.mail.sender, session.now.astimezone(session.tz)
    )
    if how == "eml":
        target = drafts_folder(session, folder)
        return Sent(prepared, how, path=_write(target, message, _draft_name(prepared)))
    return Sent(prepared, how, activity=_send(session, prepared, message))


def _send(session: Session, prepared: Prepared, message: EmailMessage) -> Activity:
    from crm_tui.interchange.smtp import send
    from crm_tui.services.cadences import step_done

    mail = session.config.mail
    if not mail.sender:
        raise InvalidInput(
            f'Sending needs a From address: add sender = "Name <you@example.jp>" under [mail] '
            f"in {config_path()}."
        )
    send(message, mail, os.environ.get(mail.password_env))
    task = prepared.task
    with session.store.write() as writer:
        done = writer.update(Task, task.id, {"status": "done", "done_at": utc_iso(session.now)})
        return step_done(session, writer, done, body=prepared.draft.body)


def drafts_folder(session: Session, folder: Path | None) -> Path:
    """Where drafts go: `--eml DIR`, else `drafts` under [mail]; made if missing."""
    configured = session.config.mail.drafts
    if folder is None and not configured:
        raise InvalidInput(
            f'Say where to write drafts: --eml DIR, or drafts = "~/Mail/drafts" under [mail] '
            f"in {config_path()}."
        )
    target = folder or Path(configured or "").expanduser()
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InvalidInput(f"Cannot make the drafts folder {target}: {error.strerror}.") from None
    return target


def _draft_name(prepared: Prepared) -> str:
    task = prepared.task
    step = (task.step or 0) + 1
    return f"{task.due}_{prepared.cadence.name}_{step}_{prepared.contact.display_name}"


def _write(folder: Path, message: EmailMessage, name: str) -> Path:
    from crm_tui.interchange.email import write_eml

    try:
        return write_eml(folder, message, name)
    except OSError as error:
        raise InvalidInput(f"Cannot write a draft in {folder}: {error.strerror}.") from None


class Drafts(NamedTuple):
    """What `crm cadence drafts` wrote, and the due steps it left out (with why)."""

    written: list[tuple[Prepared, Path]]
    refused: list[tuple[Task, str]]


def write_drafts(session: Session, folder: Path | None = None) -> Drafts:
    """Writes every email step due today or earlier as an `.eml` draft; the steps stay due.

    A contact who may no longer be mailed is left out with the reason.
    """
    from crm_tui.interchange.email import build_message

    unsubscribe_notice(session)
    due = stored.open_email_steps(session.store.conn, due_by=session.today.isoformat())
    ready, refused = [], []
    for task in due:
        try:
            ready.append(prepare(session, task))
        except (Refused, NotFound) as error:
            refused.append((task, str(error)))
    written = []
    if ready:
        target = drafts_folder(session, folder)
        for prepared in ready:
            message = build_message(
                prepared.draft, session.config.mail.sender, session.now.astimezone(session.tz)
            )
            written.append((prepared, _write(target, message, _draft_name(prepared))))
    return Drafts(written, refused)
