"""Provides `crm login`, `sync`, `status`, `conflicts`, `resolve`, `handover`, `history`,
`erase`: a rep's side of the team."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from crm_tui.cli.common import DbOption, JsonOption, session

Text = Annotated[str | None, typer.Option(show_default=False)]


def login(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="The team server, e.g. https://team.example:8765.")],
    code: Annotated[str, typer.Argument(help="The one-time code from `crm server add-rep`.")],
    label: Annotated[str | None, typer.Option(help="A name for this device.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Join the team server with a one-time code (once per device).

    Example: crm login https://team.example:8765 ABCD-EFGH-JKLM
    """
    from crm_tui.cli.output import emit_json, safe, write
    from crm_tui.services.team import login as join

    joined = join(session(ctx, db), url, code, label)
    if as_json:
        emit_json(joined._asdict())
        return
    write(f"Joined {safe(joined.server)} as {safe(joined.rep)} ({joined.role}).")
    if joined.adopted:
        write(f"{joined.adopted} records made before joining are now {safe(joined.rep)}'s.")
    write("Run `crm sync` to exchange data with the team.")


def sync(ctx: typer.Context, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Send this device's work and receive the team's, until both are current."""
    import sys

    from crm_tui.cli.output import emit_json, local_time, write
    from crm_tui.cli.progress import progress_bar
    from crm_tui.services.sync import sync_now

    s = session(ctx, db)
    show = progress_bar() if sys.stderr.isatty() and not as_json else None
    try:
        report = sync_now(s, show)
    finally:
        if show is not None:
            show("done", 0, None)
    if as_json:
        emit_json(report._asdict())
        return
    line = (
        f"sent {report.sent}, received {report.received}, conflicts {report.conflicts}, "
        f"rejected {report.rejected}; last sync {local_time(report.last_sync, s.tz)}"
    )
    write(line)
    if report.waiting:
        write(
            f"{report.waiting} ops wait: they are stamped ahead of the server's clock; "
            "check this computer's clock. Nothing is lost: they go out once it is right."
        )
    if report.dropped:
        write(
            f"{report.dropped} change{'' if report.dropped == 1 else 's'} about a person erased "
            "meanwhile were refused and deleted here, as the erasure requires."
        )
    if report.clock_skew_ms is not None and abs(report.clock_skew_ms) > 60_000:
        write(f"This computer's clock is off by {report.clock_skew_ms / 1000:+.0f} s.")


def status(ctx: typer.Context, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show pending and refused ops and the last sync (no network needed)."""
    from crm_tui.cli.output import emit_json, local_time, safe, write
    from crm_tui.services.team import status as read_status

    s = session(ctx, db)
    now = read_status(s)
    if as_json:
        emit_json(now._asdict())
        return
    write(f"Team server: {safe(now.server) if now.server else 'none (run `crm login URL CODE`)'}")
    write(f"Rep: {safe(now.rep)}" + (f" ({now.role})" if now.role else ""))
    write(f"Pending: {now.pending} op{'' if now.pending == 1 else 's'} to send")
    last = local_time(now.last_sync, s.tz) if now.last_sync else "never"
    write(f"Last sync: {last}")
    if now.last_error:
        write(f"Last attempt failed: {safe(now.last_error)}")
    for refused in now.rejected:
        what = safe(refused["label"] or refused["entity_id"])
        write(
            f"Refused by the server: {refused['entity']} {what}: {safe(refused['change'])} "
            f"({safe(refused['meaning'])}); kept on this device"
        )


def conflicts(ctx: typer.Context, db: DbOption = None, as_json: JsonOption = False) -> None:
    """List every field whose concurrent values are both kept."""
    from crm_tui.cli.output import emit_json, local_time, readable, safe, write
    from crm_tui.services.conflicts import list_conflicts

    s = session(ctx, db)
    found = list_conflicts(s)
    if as_json:
        emit_json(
            [{**c._asdict(), "choices": [choice._asdict() for choice in c.choices]} for c in found]
        )
        return
    if not found:
        write("No conflicts.")
    for conflict in found:
        write(f"{conflict.id}  {conflict.kind} {safe(conflict.label)}: {conflict.field}")
        for n, choice in enumerate(conflict.choices, 1):
            write(
                f"  {n}. {safe(readable(choice.value))}"
                f"{f' = {safe(choice.label)}' if choice.label else ''}  ({safe(choice.rep)}, "
                f"device {choice.site_id[-5:]}, {local_time(choice.at, s.tz)})"
            )


def resolve(
    ctx: typer.Context,
    conflict: Annotated[str, typer.Argument(help="The conflict's id, or its record.")],
    pick: Annotated[
        int | None, typer.Option(help="Keep value N as `crm conflicts` numbers it.")
    ] = None,
    value: Annotated[str | None, typer.Option(help="Keep this value instead.")] = None,
    field: Annotated[
        str | None, typer.Option(help="Which field, when the record has several.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Resolve a conflict by picking one of its values or typing a new one.

    Example: crm resolve ken@example.jp --field title --pick 2
    """
    from crm_tui.cli.output import safe, write
    from crm_tui.services.conflicts import resolve as settle

    done = settle(session(ctx, db), conflict, pick, value, field)
    write(f"Resolved {done.field} of {done.kind} {safe(done.label)}.")


def handover(
    ctx: typer.Context,
    record: Annotated[str | None, typer.Argument(help="The contact or company.")] = None,
    to: Annotated[str, typer.Option("--to", help="The rep who takes over.")] = "",
    all_of: Annotated[str | None, typer.Option(help="Every customer of this rep.")] = None,
    note: Text = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Hand a customer (or all of a rep's customers) to another rep, history and all.

    Example: crm handover ken@example.jp --to bob --note "Bob covers Osaka now"
    """
    from crm_tui.cli.output import emit_json, safe, write
    from crm_tui.errors import InvalidInput
    from crm_tui.services.handover import handover as hand

    if not to:
        raise InvalidInput("Say who takes over: --to REP.")
    done = hand(session(ctx, db), record, to, note, all_of)
    if as_json:
        emit_json(
            {
                "to": done.to,
                "customers": [c.id for c in done.customers],
                "open_records": done.open_records,
            }
        )
        return
    names = ", ".join(safe(c.label) for c in done.customers[:5])
    more = f" and {len(done.customers) - 5} more" if len(done.customers) > 5 else ""
    records = f"{done.open_records} open record{'' if done.open_records == 1 else 's'}"
    write(f"Handed {names}{more} to {safe(done.to)}, with {records}.")


def history(
    ctx: typer.Context,
    record: Annotated[str, typer.Argument(help="Any record: name, email, number or id.")],
    field: Annotated[str | None, typer.Option(help="Only this field's changes.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Who changed what about a record, when, on which device.

    Example: crm history ken@example.jp --field title
    """
    from crm_tui.cli.output import emit_json, local_time, table, write
    from crm_tui.services.history import history as read_history

    s = session(ctx, db)
    changes = read_history(s, record, field)
    if as_json:
        emit_json([c._asdict() for c in changes])
        return
    if not changes:
        write(f"No changes to {field} recorded." if field else "No changes recorded.")
        return
    table(
        ("WHEN", "WHO", "DEVICE", "CHANGE"),
        [
            (
                local_time(c.at, s.tz),
                c.rep or "",
                c.site_id[-5:],
                _change(c.what, c.field, c.value)
                + (f"  [refused: {c.refused}]" if c.refused else ""),
            )
            for c in changes
        ],
        flexible=3,
    )


def _change(what: str, field: str | None, value: Any) -> str:
    """One line of `crm history`: `title = 部長`, `handover from alice to bob`, `logged …`."""
    from crm_tui.cli.output import readable

    if field:
        return f"{field} = {readable(value)}"
    data = value if isinstance(value, dict) else {}
    if what == "handover":
        note = f" ({data['note']})" if data.get("note") else ""
        return f"handover from {data.get('from')} to {data.get('to')}{note}"
    fields = data.get("fields")
    return f"{what} {readable(fields if isinstance(fields, dict) else data)}".rstrip()


def erase(
    ctx: typer.Context,
    contact: Annotated[str, typer.Argument(help="The person to erase.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    db: DbOption = None,
) -> None:
    """Erase a person's data here and, at their next sync, on the server and every device.

    Example: crm erase ken@example.jp --yes
    """
    from crm_tui.cli.output import safe, write
    from crm_tui.services.erase import erase as run_erase
    from crm_tui.services.references import load

    s = session(ctx, db)
    if not yes:
        person = load(s, contact, ("contact",))
        typer.confirm(
            f"Erase {safe(person.label)} and every visit, survey, inquiry and task about them?",
            abort=True,
        )
    erased = run_erase(s, contact)
    write(f"Erased {safe(erased.label)} and {len(erased.ids) - 1} records about them.")
