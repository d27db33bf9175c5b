"""Provides `crm segment save|ls|show|rm|count` and `crm tag`: named filters and bulk tagging.

Kept light: `crm segment count` is timed against starting Python, so only typer and the service
it calls are imported (the formatting helpers when there is something to format).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from crm_tui.cli.common import DbOption, JsonOption, session

if TYPE_CHECKING:
    from crm_tui.domain.segments import Segment

segment_app = typer.Typer(
    help="Segments: named filters over contacts (docs/segments.md), to list, count, export, tag.",
    no_args_is_help=True,
    add_completion=False,
)

Name = Annotated[str, typer.Argument(help="The segment's name, like bucho.")]
Where = Annotated[
    str | None,
    typer.Option("--where", help="A filter, like 'title ~ \"部長\"' (docs/segments.md)."),
]


def _plural(count: int, what: str) -> str:
    return f"{count} {what}{'' if count == 1 else 's'}"


def _segment_json(segment: Segment) -> dict[str, object]:
    return {
        "name": segment.name,
        "filter": segment.filter,
        "created_at": segment.created_at,
        "updated_at": segment.updated_at,
    }


@segment_app.command("save")
def save(
    ctx: typer.Context,
    name: Name,
    filter_text: Annotated[str, typer.Argument(metavar="FILTER", help="The filter to save.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Save a filter under a name (checked first; an existing name is replaced).

    Example: crm segment save bucho 'title ~ "部長"'
    """
    from crm_tui.cli.output import emit_json, safe, write
    from crm_tui.services.segments import save as run

    saved = run(session(ctx, db), name, filter_text)
    if as_json:
        previous = saved.previous.filter if saved.previous else None
        emit_json(
            {
                **_segment_json(saved.segment),
                "count": saved.total,
                "replaced": saved.previous is not None,
                "previous_filter": previous,
            }
        )
        return
    members = _plural(saved.total, "contact")
    if saved.previous is None:
        write(f"Saved segment {safe(name)} ({members}): {safe(filter_text)}")
    else:
        write(
            f"Replaced segment {safe(name)} ({members}): {safe(filter_text)}  "
            f"(was: {safe(saved.previous.filter)})"
        )


@segment_app.command("ls")
def list_(ctx: typer.Context, db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the saved segments with their filters and member counts.

    Example: crm segment ls
    """
    from crm_tui.cli.output import emit_json, note, table
    from crm_tui.services.segments import saved

    counted = saved(session(ctx, db))
    if as_json:
        emit_json(
            [{**_segment_json(c.segment), "count": c.total, "problem": c.problem} for c in counted]
        )
        return
    if not counted:
        note("No saved segments; save one with: crm segment save NAME FILTER")
    table(
        ("NAME", "COUNT", "FILTER"),
        [(c.segment.name, "?" if c.total is None else c.total, c.segment.filter) for c in counted],
        flexible=2,
        right=(1,),
    )
    for c in counted:
        if c.problem:
            from crm_tui.cli.output import safe

            note(f"crm: {safe(c.problem)}")


@segment_app.command("show")
def show(
    ctx: typer.Context,
    name: Name,
    limit: Annotated[int, typer.Option(help="Show at most this many members.")] = 20,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a segment: its filter, its member count and its first members.

    Example: crm segment show bucho
    """
    from crm_tui.cli.output import emit_json, note, safe, short_id, table, write
    from crm_tui.services.segments import show as run

    view = run(session(ctx, db), name, max(0, limit))
    if as_json:
        from crm_tui.cli.jsonify import record_json

        members = [
            record_json(m, {"company": view.companies.get(getattr(m, "company_id", None) or "")})
            for m in view.members
        ]
        emit_json({**_segment_json(view.segment), "count": view.total, "members": members})
        return
    write(f"Segment {safe(view.segment.name)}: {_plural(view.total, 'contact')}")
    write(f"filter  {safe(view.segment.filter)}")
    if not view.members:
        return
    write()
    table(
        ("ID", "NAME", "COMPANY", "TITLE"),
        [
            (
                short_id(m.id),
                m.label,
                view.companies.get(getattr(m, "company_id", None) or "", ""),
                getattr(m, "title", None) or "",
            )
            for m in view.members
        ],
        flexible=2,
    )
    if view.total > len(view.members):
        note(
            f"First {len(view.members)} of {view.total}; "
            f"crm ls contacts --segment {safe(view.segment.name)} lists them all."
        )


@segment_app.command("rm")
def remove(
    ctx: typer.Context, name: Name, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """Remove a saved segment (its contacts are not touched).

    Example: crm segment rm bucho
    """
    from crm_tui.cli.output import emit_json, safe, write
    from crm_tui.services.segments import remove as run

    removed = run(session(ctx, db), name)
    if as_json:
        emit_json({**_segment_json(removed), "removed": True})
    else:
        write(f"Removed segment {safe(removed.name)}: {safe(removed.filter)}")


@segment_app.command("count")
def count(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="A saved segment's name.")] = None,
    where: Where = None,
    companies: Annotated[
        bool, typer.Option("--companies", help="Count companies instead of contacts.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print how many contacts (or companies) a segment or a filter selects.

    Example: crm segment count --where 'last_activity < -90d and deal.stage = lost'
    """
    from crm_tui.services.segments import count as run

    kind = "company" if companies else "contact"
    number = run(session(ctx, db), segment=name, where=where, kind=kind)
    if as_json:
        from crm_tui.cli.output import emit_json

        emit_json({"segment": name, "where": where, "kind": kind, "count": number})
    else:
        from crm_tui.cli.output import write

        write(str(number))


def tag(
    ctx: typer.Context,
    arguments: Annotated[
        list[str], typer.Argument(metavar="[SEGMENT] TAG", help="A saved segment, then the tag.")
    ],
    where: Where = None,
    remove_tag: Annotated[bool, typer.Option("--remove", help="Take the tag off instead.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Tag every contact of a segment (or of --where) in one step; --remove untags.

    Example: crm tag bucho trade-show-2026
    """
    from crm_tui.errors import InvalidInput
    from crm_tui.services.segments import tag_members

    wanted = 1 if where is not None else 2
    if len(arguments) != wanted:
        usage = "crm tag --where FILTER TAG" if where is not None else "crm tag SEGMENT TAG"
        raise InvalidInput(f"Give {'a tag' if wanted == 1 else 'a segment and a tag'}: {usage}.")
    segment = arguments[0] if where is None else None
    done = tag_members(
        session(ctx, db), arguments[-1], segment=segment, where=where, remove_tag=remove_tag
    )
    if as_json:
        from crm_tui.cli.output import emit_json

        keys = ("untagged", "without") if remove_tag else ("tagged", "already")
        emit_json(
            {
                "tag": done.tag,
                "members": done.members,
                keys[0]: done.changed,
                keys[1]: done.unchanged,
            }
        )
        return
    from crm_tui.cli.output import safe, write

    if remove_tag:
        write(
            f"Removed the tag {safe(done.tag)} from {_plural(done.changed, 'contact')}; "
            f"{done.unchanged} did not have it."
        )
    else:
        write(
            f"Tagged {_plural(done.changed, 'contact')} with {safe(done.tag)}; "
            f"{done.unchanged} already had it."
        )
