"""Provides `crm dedupe`, `crm merge` and `crm unmerge`."""

from __future__ import annotations

from typing import Annotated

import typer

from crm_tui.cli.common import DbOption, JsonOption, report, session


def dedupe(
    ctx: typer.Context,
    auto: Annotated[
        bool, typer.Option("--auto", help="Merge the certain cases (into the older record).")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List contacts that are probably one person, with the evidence and a score.

    Example: crm dedupe; then crm merge <first id> <second id>
    """
    from crm_tui.cli.output import emit_json, safe, short_id, write
    from crm_tui.services.merging import auto_merge, probable_duplicates

    s = session(ctx, db)
    pairs = auto_merge(s) if auto else probable_duplicates(s)
    if as_json:
        emit_json(
            [
                {
                    "first": p.first.id,
                    "second": p.second.id,
                    "score": p.verdict.score,
                    "certain": p.verdict.certain,
                    "evidence": list(p.verdict.evidence),
                    "merged": auto,
                }
                for p in pairs
            ]
        )
        return
    if not pairs:
        write("No probable duplicates." if not auto else "Nothing certain to merge.")
        return
    for pair in pairs:
        mark = "merged" if auto else ("certain" if pair.verdict.certain else "probable")
        write(
            f"{pair.verdict.score:>3}  {mark:<8}  {safe(pair.first.display_name)} "
            f"({short_id(pair.first.id)})  =  {safe(pair.second.display_name)} "
            f"({short_id(pair.second.id)})"
        )
        write(f"      {safe('; '.join(pair.verdict.evidence))}")
    if not auto:
        write(
            "Merge a pair with `crm merge FIRST SECOND`; the certain ones with `crm dedupe --auto`."
        )


def merge(
    ctx: typer.Context,
    kept: Annotated[str, typer.Argument(help="The contact that stays.")],
    other: Annotated[str, typer.Argument(help="The duplicate merged into it.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Merge a duplicate contact into another; `crm unmerge` undoes it.

    Example: crm merge taro@example.jp "Taro Yamada"
    """
    from crm_tui.cli.output import safe
    from crm_tui.services.merging import merge_contacts

    survivor = merge_contacts(session(ctx, db), kept, other)
    report(survivor, f"Merged into {safe(survivor.display_name)}", as_json)


def unmerge(
    ctx: typer.Context,
    merged: Annotated[str, typer.Argument(help="The contact that was merged away.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Undo a merge: the merged-away contact and what was moved from it come back.

    Example: crm unmerge 01JD3...
    """
    from crm_tui.cli.output import safe
    from crm_tui.services.merging import unmerge_contact

    _, restored = unmerge_contact(session(ctx, db), merged)
    report(restored, f"Restored {safe(restored.display_name)}", as_json)
