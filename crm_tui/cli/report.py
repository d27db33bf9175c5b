"""Provides `crm report`: KPIs of a period beside the period before (the PDCA check)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from crm_tui.cli.common import DbOption, JsonOption, session

if TYPE_CHECKING:
    from crm_tui.domain.periods import Period
    from crm_tui.domain.report import Figures, Report


def report(
    ctx: typer.Context,
    period: Annotated[
        str | None,
        typer.Option(
            help="month, quarter or year containing today (default: month).", show_default=False
        ),
    ] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="First day of a custom period.", show_default=False)
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(
            "--to", help="Last day of a custom period (default today).", show_default=False
        ),
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Only this rep's records.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """KPIs of a period beside the period before, with the change (definitions: docs/report.md).

    Example: crm report --period quarter
    """
    from crm_tui.services.report import ReportInput, build_report

    built = build_report(session(ctx, db), ReportInput(period, start, end, owner))
    if as_json:
        from crm_tui.cli.output import emit_json

        emit_json(report_json(built))
    else:
        from crm_tui.cli.report_view import print_report

        print_report(built)


def report_json(built: Report) -> dict[str, Any]:
    """`crm report --json`: the period, the figures of both periods and the change."""
    return {
        "period": {
            **_period_json(built.period),
            "previous": _period_json(built.previous),
            "owner": built.owner,
            "today": built.today.isoformat(),
        },
        "current": figures_json(built.current),
        "previous": figures_json(built.before),
        "change": built.change,
    }


def _period_json(period: Period) -> dict[str, Any]:
    return {
        "kind": period.kind,
        "label": period.label,
        "first": period.first.isoformat(),
        "last": period.last.isoformat(),
    }


def figures_json(figures: Figures) -> dict[str, Any]:
    """One period's figures; dates as ISO text, the pipeline and the trend as lists."""
    data = figures._asdict()
    data["pipeline_as_of"] = figures.pipeline_as_of.isoformat()
    data["pipeline"] = [stage._asdict() for stage in figures.pipeline]
    data["activity_trend"] = [
        {"first": b.first.isoformat(), "last": b.last.isoformat(), "activities": b.activities}
        for b in figures.activity_trend
    ]
    return data
