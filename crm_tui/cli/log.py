"""Provides `crm log visit|call|email|meeting|inquiry|note <who> "summary" [--next … --due …]`."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Annotated, ClassVar

import typer

from crm_tui.cli.common import DbOption, JsonOption, session
from crm_tui.cli.lazy import LazyGroup, command_from

if TYPE_CHECKING:
    from typer._click import core as click

log_app = typer.Typer(
    help="Log a visit, call, email, meeting, inquiry or note.", no_args_is_help=True
)

TYPES = {
    "visit": "Log a visit.",
    "call": "Log a phone call.",
    "email": "Log an email.",
    "meeting": "Log a meeting.",
    "inquiry": "Log a customer's inquiry (opens a case, like `crm inquiry open`).",
    "note": "Log a note.",
}


def _command(kind: str) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        who: Annotated[str, typer.Argument(help="Contact or company: name, email, phone or id.")],
        summary: Annotated[str, typer.Argument(help="One line on what happened.")],
        body: Annotated[str | None, typer.Option(help="Longer notes.")] = None,
        at: Annotated[
            str | None, typer.Option(help='When, local time: "2026-11-20 14:00", 14:00, now.')
        ] = None,
        where: Annotated[str | None, typer.Option("--where", help="Where it happened.")] = None,
        outcome: Annotated[str | None, typer.Option(help="What came of it.")] = None,
        inbound: Annotated[
            bool, typer.Option("--inbound/--outbound", help="Who started it (default: us).")
        ] = False,
        deal: Annotated[str | None, typer.Option(help="The deal it belongs to.")] = None,
        next_: Annotated[
            str | None, typer.Option("--next", help="A follow-up task to create.")
        ] = None,
        due: Annotated[
            str | None, typer.Option(help="The follow-up's due date: today, 3d, 2w, mon, …")
        ] = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        from crm_tui.services.activities import LogInput, log_activity

        data = LogInput(kind, who, summary, body, at, where, outcome, inbound, deal, next_, due)
        logged = log_activity(session(ctx, db), data)
        _report(kind, logged, as_json)

    example = f'crm log {kind} taro@example.jp "…" --next "Send the brochure" --due 3d'
    command.__doc__ = f"{TYPES[kind]}\n\nExample: {example}"
    return command


def _report(kind: str, logged: object, as_json: bool) -> None:
    from crm_tui.cli.output import emit_json, safe, write
    from crm_tui.services.activities import Logged

    assert isinstance(logged, Logged)
    if as_json:
        from crm_tui.cli.jsonify import record_json

        emit_json(
            {
                "activity": record_json(logged.activity),
                "task": record_json(logged.task) if logged.task else None,
                "inquiry": record_json(logged.inquiry) if logged.inquiry else None,
            }
        )
        return
    write(f"Logged {kind} {safe(logged.activity.summary)}  {logged.activity.id}")
    if logged.inquiry:
        write(f"Opened inquiry {safe(logged.inquiry.subject)}  {logged.inquiry.id}")
    if logged.task:
        due = f" due {logged.task.due}" if logged.task.due else ""
        write(f"Follow-up: {safe(logged.task.title)}{due}  {logged.task.id}")


def _build(kind: str) -> click.Command:
    return command_from(kind, _command(kind))


class LogGroup(LazyGroup):
    """`crm log`: builds only the activity type being logged."""

    BUILDERS: ClassVar[dict[str, Callable[[], click.Command]]] = {
        kind: partial(_build, kind) for kind in TYPES
    }


log_app = typer.Typer(
    cls=LogGroup,
    add_completion=False,
    help="Log a visit, call, email, meeting, inquiry or note.",
    no_args_is_help=True,
)


@log_app.callback()
def log() -> None:
    """Log a visit, call, email, meeting, inquiry or note."""
