"""Provides `crm cadence add|new|step|ls|show|enrol|status|send|drafts|stop` (step sequences)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crm_tui.cli.common import DbOption, JsonOption, session

cadence_app = typer.Typer(
    add_completion=False,
    help="Step sequences: steps on day offsets that become next actions and email drafts.",
    no_args_is_help=True,
)
step_app = typer.Typer(
    add_completion=False, help="Add or remove a cadence's steps.", no_args_is_help=True
)
cadence_app.add_typer(step_app, name="step")

Name = Annotated[str, typer.Argument(help="The cadence's name (or id).")]


@cadence_app.callback()
def cadence() -> None:
    """Step sequences: steps on day offsets that become next actions and email drafts."""


@cadence_app.command("add")
def add(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="A TOML file: name, then [[steps]] (docs/cadences.md).")
    ],
    replace: Annotated[
        bool, typer.Option(help="Replace the cadence of that name with this file.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a cadence from its TOML file, or replace one from its edited file.

    Example: crm cadence add welcome.toml
    """
    from crm_tui.cli.cadence_render import print_saved
    from crm_tui.services.cadences import add_cadence

    print_saved(add_cadence(session(ctx, db), file, replace=replace), as_json)


@cadence_app.command("new")
def new(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Its name.")],
    fallback: Annotated[
        str,
        typer.Option(help="An email step for a contact who may not be mailed: skip, call or task."),
    ] = "skip",
    note: Annotated[str | None, typer.Option(show_default=False)] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Start a cadence with no steps; give it steps with `crm cadence step add`.

    Example: crm cadence new trade-show --fallback call
    """
    from crm_tui.cli.cadence_render import print_saved
    from crm_tui.services.cadences import Saved, new_cadence

    print_saved(Saved(new_cadence(session(ctx, db), name, fallback, note), False, 0), as_json)


@step_app.command("add")
def step_add(
    ctx: typer.Context,
    name: Name,
    day: Annotated[int, typer.Option(help="Days after enrolment (0: the day of enrolment).")],
    channel: Annotated[str, typer.Option(help="email, call or task.")],
    subject: Annotated[str, typer.Option(help="The mail's subject; the task's title.")],
    body: Annotated[
        str | None,
        typer.Option(help="The mail's text (an email needs one); a call's talking points."),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a step; it takes its place in day order.

    Example: crm cadence step add trade-show --day 10 --channel call --subject "Follow-up call"
    """
    from crm_tui.cli.cadence_render import print_cadence
    from crm_tui.services.cadences import add_step

    raw = {"day": day, "channel": channel, "subject": subject, "body": body}
    cadence, number = add_step(
        session(ctx, db), name, {k: v for k, v in raw.items() if v is not None}
    )
    print_cadence(cadence, as_json, f"Added step {number} to")


@step_app.command("rm")
def step_rm(
    ctx: typer.Context,
    name: Name,
    number: Annotated[
        int, typer.Argument(help="The step's number, from 1 (see crm cadence show).")
    ],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Remove a step.

    Example: crm cadence step rm trade-show 2
    """
    from crm_tui.cli.cadence_render import print_cadence
    from crm_tui.services.cadences import remove_step

    print_cadence(
        remove_step(session(ctx, db), name, number), as_json, f"Removed step {number} from"
    )


@cadence_app.command("ls")
def ls(ctx: typer.Context, db: DbOption = None, as_json: JsonOption = False) -> None:
    """List cadences with their steps and enrolments.

    Example: crm cadence ls
    """
    from crm_tui.cli.cadence_render import print_cadences
    from crm_tui.services.cadences import list_cadences

    print_cadences(list_cadences(session(ctx, db)), as_json)


@cadence_app.command("show")
def show(
    ctx: typer.Context,
    name: Name,
    toml: Annotated[
        bool, typer.Option("--toml", help="Print it as a file for add --replace.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a cadence's steps.

    Example: crm cadence show welcome --toml > welcome.toml
    """
    from crm_tui.cli.cadence_render import print_cadence
    from crm_tui.services.cadences import find_cadence

    print_cadence(find_cadence(session(ctx, db), name), as_json, toml=toml)


@cadence_app.command("enrol")
def enrol(
    ctx: typer.Context,
    name: Name,
    contacts: Annotated[
        list[str] | None,
        typer.Argument(help="Contacts: name, email, phone or id.", show_default=False),
    ] = None,
    segment: Annotated[str | None, typer.Option(help="Everyone in this saved segment.")] = None,
    where: Annotated[str | None, typer.Option(help="Everyone this filter selects.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Enrol contacts: each gets the steps as tasks, day 0 being today. All or none are enrolled.

    Example: crm cadence enrol welcome ken@example.jp
    """
    from crm_tui.cli.cadence_render import print_enrolled
    from crm_tui.services.cadences import enrol as run

    print_enrolled(
        run(session(ctx, db), name, contacts or (), segment=segment, where=where), as_json
    )


@cadence_app.command("status")
def status(
    ctx: typer.Context, name: Name, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """Each contact's position and each step's conversion.

    Example: crm cadence status welcome
    """
    from crm_tui.cli.cadence_render import print_status
    from crm_tui.services.cadence_status import cadence_status

    print_status(cadence_status(session(ctx, db), name), as_json)


@cadence_app.command("send")
def send(
    ctx: typer.Context,
    step: Annotated[
        str, typer.Argument(help="A contact (their next email step) or a step task's id.")
    ],
    eml: Annotated[
        Path | None,
        typer.Option("--eml", help="Write an .eml draft into this folder.", show_default=False),
    ] = None,
    mailto: Annotated[bool, typer.Option("--mailto", help="Open it in your mail client.")] = False,
    smtp: Annotated[
        bool, typer.Option("--smtp", help="Send it through the SMTP server in [mail].")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Render an email step: an .eml draft (default: the drafts folder), a mailto: link, or SMTP.

    Only --smtp marks the step done and logs the email; after sending a draft yourself, run
    `crm task done <task>`.

    Example: crm cadence send ken@example.jp --smtp
    """
    from crm_tui.cli.cadence_render import print_sent
    from crm_tui.errors import InvalidInput
    from crm_tui.services.cadence_mail import How, send_step

    if (eml is not None) + mailto + smtp > 1:
        raise InvalidInput("Choose one of --eml DIR, --mailto and --smtp.")
    how: How = "mailto" if mailto else "smtp" if smtp else "eml"
    print_sent(send_step(session(ctx, db), step, how, eml), as_json)


@cadence_app.command("drafts")
def drafts(
    ctx: typer.Context,
    eml: Annotated[
        Path | None,
        typer.Option("--eml", help="The folder (default: drafts in [mail]).", show_default=False),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write every email step due today or earlier as an .eml draft (the steps stay due).

    Example: crm cadence drafts --eml ~/Mail/drafts
    """
    from crm_tui.cli.cadence_render import print_drafts
    from crm_tui.services.cadence_mail import write_drafts

    print_drafts(write_drafts(session(ctx, db), eml), as_json)


@cadence_app.command("stop")
def stop(
    ctx: typer.Context,
    name: Name,
    contact: Annotated[str, typer.Argument(help="The contact to take out.")],
    reason: Annotated[str | None, typer.Option(show_default=False)] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Take a contact out of a cadence; their open steps are cancelled.

    Example: crm cadence stop welcome ken@example.jp --reason "met at the fair"
    """
    from crm_tui.cli.common import report
    from crm_tui.cli.output import safe
    from crm_tui.services.cadences import stop as run

    enrolment = run(session(ctx, db), name, contact, reason)
    report(enrolment, f"Stopped: {safe(enrolment.reason)}", as_json)
