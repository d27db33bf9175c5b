"""Provides `crm task add|done|snooze` and `crm deal stage`."""

from __future__ import annotations

from typing import Annotated

import typer

from crm_tui.cli.common import DbOption, JsonOption, report, session
from crm_tui.domain.records import Deal, Task

task_app = typer.Typer(
    add_completion=False, help="Add, complete and snooze tasks.", no_args_is_help=True
)
deal_app = typer.Typer(
    add_completion=False, help="Move deals through the pipeline.", no_args_is_help=True
)


@deal_app.callback()
def deal() -> None:
    """Move deals through the pipeline."""


TaskRef = Annotated[str, typer.Argument(help="The task's id (8+ characters) or title.")]


def _print(record: Task | Deal, verb: str, as_json: bool) -> None:
    from crm_tui.cli.output import safe

    if isinstance(record, Task):
        due = f" due {record.due}" if record.due else ""
        line = f"{verb} task {safe(record.title)}{due}"
    else:
        closed = f", closed {record.closed_on}" if record.closed_on else ""
        line = f"{verb} deal {safe(record.title)}: {record.stage}{closed}"
    report(record, line, as_json)


@task_app.command("add")
def add(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help="What to do.")],
    due: Annotated[
        str | None, typer.Option(help="today, tomorrow, 3d, 2w, mon, 2026-12-01 …")
    ] = None,
    priority: Annotated[str | None, typer.Option(help="low, normal, high or urgent.")] = None,
    for_: Annotated[str | None, typer.Option("--for", help="The contact or company.")] = None,
    deal: Annotated[str | None, typer.Option(help="The deal it moves forward.")] = None,
    note: Annotated[str | None, typer.Option(show_default=False)] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a task.

    Example: crm task add "Call about the demo" --for 山田 --due mon
    """
    from crm_tui.services.tasks import TaskInput, add_task

    task = add_task(session(ctx, db), TaskInput(title, due, priority, for_, deal, note))
    _print(task, "Added", as_json)


@task_app.command("done")
def done(
    ctx: typer.Context, task: TaskRef, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """Mark a task done.

    Example: crm task done "Send the brochure"
    """
    from crm_tui.services.tasks import complete_task

    _print(complete_task(session(ctx, db), task), "Completed", as_json)


@task_app.command("snooze")
def snooze(
    ctx: typer.Context,
    task: TaskRef,
    until: Annotated[str | None, typer.Option(help="The new due date: mon, 2026-12-01 …")] = None,
    by: Annotated[str | None, typer.Option(help="Push it back by 3d, 1w, 2bd …")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Move a task's due date.

    Example: crm task snooze "Send the brochure" --by 2d
    """
    from crm_tui.services.tasks import snooze_task

    if until is None and by is None:
        by = "1d"
    _print(snooze_task(session(ctx, db), task, until, by), "Snoozed", as_json)


@deal_app.command("stage")
def stage(
    ctx: typer.Context,
    deal: Annotated[str, typer.Argument(help="The deal's title or id.")],
    new_stage: Annotated[
        str,
        typer.Argument(
            metavar="STAGE", help="lead, qualified, proposal, negotiation, won or lost."
        ),
    ],
    lost_reason: Annotated[str | None, typer.Option(help="Why it was lost.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Move a deal to a stage.

    Example: crm deal stage "Model X" proposal
    """
    from crm_tui.services.deals import move_deal

    _print(move_deal(session(ctx, db), deal, new_stage, lost_reason), "Moved", as_json)
