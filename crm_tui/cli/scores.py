"""Provides `crm score`: a contact's or company's lead score, and with `--explain` every term."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from crm_tui.cli.common import DbOption, JsonOption, session

if TYPE_CHECKING:
    from crm_tui.domain.scoring import Score

Who = Annotated[str, typer.Argument(help="A contact or company: name, email, phone or id.")]


def score(
    ctx: typer.Context,
    who: Who,
    explain: Annotated[
        bool, typer.Option("--explain", help="List every term; they sum to the score.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a lead score: fit (title, industry, size, region) plus engagement that decays.

    Example: crm score 佐藤 --explain
    """
    from crm_tui.services.scores import explain as explained

    s = session(ctx, db)
    result = explained(s, who)
    if as_json:
        from crm_tui.cli.output import emit_json

        emit_json(score_json(result, s.today.isoformat(), explain))
    else:
        print_score(result, s.today.isoformat(), explain)


def score_json(result: Score, today: str, explain: bool) -> dict[str, Any]:
    """`crm score --json`: the score and its parts; `terms` with `--explain`."""
    data: dict[str, Any] = {
        "kind": result.kind,
        "id": result.id,
        "name": result.name,
        "score": result.points,
        "fit": result.part("fit") / 10,
        "engagement": result.part("engagement") / 10,
        "as_of": today,
    }
    if explain:
        data["terms"] = [
            {
                "group": term.group,
                "name": term.name,
                "fact": term.fact,
                "points": term.points,
                "weight": term.weight,
                "decay": None if term.decay is None else round(term.decay, 4),
                "age_days": term.age_days,
            }
            for term in result.terms
        ]
    return data


def print_score(result: Score, today: str, explain: bool) -> None:
    """The score on one line; with `explain`, a table of its terms and their total."""
    from crm_tui.cli.output import safe, table, write
    from crm_tui.domain.scoring import format_points, term_detail

    fit = format_points(result.part("fit"))
    engagement = format_points(result.part("engagement"))
    write(
        f"{safe(result.name)}: {format_points(result.tenths)} points "
        f"(fit {fit} + engagement {engagement}, as of {today})"
    )
    if not explain:
        return
    if not result.terms:
        write("No term scores: no fitting title or company details, no recent activity.")
        return
    rows = [
        (format_points(t.tenths, sign=True), t.group, t.fact, term_detail(t)) for t in result.terms
    ]
    rows.append((format_points(result.tenths), "total", "", ""))
    write()
    table(("POINTS", "PART", "FACT", "HOW"), rows, flexible=2, right=[0])
