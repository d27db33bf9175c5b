"""Provides the human face of `crm report`: the figures of two periods side by side with the
change, the pipeline and the activity as bars, and the activity trend as sparklines."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from crm_tui.cli.charts import arrow, bar, colour_wanted, sparkline
from crm_tui.cli.output import pad, safe, width, write
from crm_tui.domain.money import format_money
from crm_tui.domain.periods import bucket_unit

if TYPE_CHECKING:
    from crm_tui.domain.report import Figures, Report

DASH = "–"
LABEL = 26
"""Cells for a row's name."""
BAR = 18
"""Cells for the longest bar."""


class Line(NamedTuple):
    """One compared figure: its name, both values as text, the change and its better way."""

    label: str
    now: str
    before: str
    change: str


def print_report(built: Report) -> None:
    """Prints the report for people."""
    colour = colour_wanted()
    now, before = built.period.label, built.previous.label
    column = max(14, width(now), width(before))
    who = f"{safe(built.owner)}'s records" if built.owner else "All reps"
    write(
        f"Report: {now} ({built.period.first}..{built.period.last}), "
        f"compared with {before} ({built.previous.first}..{built.previous.last})"
    )
    write(f"{who}; money per currency, never converted. Definitions: docs/report.md")
    write()
    write(pad("", LABEL) + f"{now:>{column}}  {before:>{column}}  change")
    for heading, lines in _sections(built, colour):
        write(heading)
        for line in lines:
            write(
                f"  {pad(line.label, LABEL - 2)}{line.now:>{column}}  "
                f"{line.before:>{column}}  {line.change}".rstrip()
            )
    _print_pipeline(built)
    _print_activity(built)
    write()
    _print_cadences(built)


def _print_cadences(built: Report) -> None:
    steps = built.current.cadence_steps
    write("Cadence step conversion" + ("" if steps else f"  {DASH} (no step done in the period)"))
    for step in steps:
        name = f"{safe(step['cadence'])} #{step['step']} {safe(step['channel'])}"
        shown = pad(bar(step["converted"], step["reached"], BAR), BAR)
        write(
            f"  {pad(name, 24)}{step['converted']:>5,} of {step['reached']:<5,} "
            f"{_percent(step['conversion']):>7}  {shown}  {safe(step['subject'])}".rstrip()
        )


def _sections(built: Report, colour: bool) -> list[tuple[str, list[Line]]]:
    now, then, delta = built.current, built.before, built.change
    compare = _Comparer(now, then, delta, colour)
    return [
        (
            "Deals",
            [
                compare.one("Win rate", "win_rate", _percent, "up", _points),
                compare.one("Deals won", "deals_won", _count, "up", _signed),
                compare.one("Deals lost", "deals_lost", _count, "down", _signed),
                *compare.money("Won", "won_amount", "up"),
                *compare.money("Average deal size", "average_deal_size", "up", total=False),
                compare.one("Sales cycle (median)", "sales_cycle_days", _days, "down", _more_days),
                *compare.money("Pipeline", "pipeline_value", "up"),
                *compare.money("Weighted forecast", "pipeline_weighted", "up"),
            ],
        ),
        (
            "Customers",
            [
                compare.one(
                    "Repeat purchase rate", "repeat_purchase_rate", _percent, "up", _points
                ),
                compare.one("Customers who bought", "customers_bought", _count, "up", _signed),
                compare.one("Renewal rate", "renewal_rate", _percent, "up", _points),
                compare.one("Renewals due", "renewals_due", _count, None, _signed),
                compare.one("Overdue invoices", "overdue_invoices", _count, "down", _signed),
                *compare.money("Overdue amount", "overdue_amount", "down"),
                compare.one("NPS", "nps", _nps, "up", _whole_points),
                compare.one("CSAT", "csat", _whole_percent, "up", _whole_points),
                compare.one("Survey answers", "nps_answers", _count, None, _signed),
            ],
        ),
        (
            "Service and activity",
            [
                compare.one("Inquiries opened", "inquiries_opened", _count, None, _signed),
                compare.one("Resolution (median)", "resolution_hours", _hours, "down", _more_hours),
                compare.one("Activities", "activities_total", _count, "up", _signed),
            ],
        ),
    ]


class _Comparer:
    """Makes the lines of figures compared between the two periods."""

    def __init__(self, now: Figures, then: Figures, delta: dict[str, Any], colour: bool) -> None:
        self.now, self.then = now._asdict(), then._asdict()
        self.delta, self.colour = delta, colour

    def one(
        self,
        label: str,
        key: str,
        shown: Callable[[Any], str],
        better: str | None,
        moved: Callable[[Any], str],
    ) -> Line:
        difference = self.delta[key]
        change = "" if difference is None else f"{arrow(difference, better, self.colour)} "
        change += DASH if difference is None else moved(difference)
        return Line(label, shown(self.now[key]), shown(self.then[key]), change)

    def money(self, label: str, key: str, better: str, *, total: bool = True) -> list[Line]:
        """One line per currency either period has. A `total` is 0 where a period has none of
        a currency; an average is "–" there."""
        now, then, delta = self.now[key], self.then[key], self.delta[key]
        codes = sorted(now.keys() | then.keys())
        if not codes:
            nothing = "0" if total else DASH
            return [Line(label, nothing, nothing, "=" if total else DASH)]
        if total:
            now = {code: now.get(code, 0) for code in codes}
            then = {code: then.get(code, 0) for code in codes}
        lines = []
        for code in codes:
            difference = delta.get(code)
            change = DASH
            if difference is not None:
                sign = "+" if difference > 0 else ""
                mark = arrow(difference, better, self.colour)
                change = f"{mark} {sign}{format_money(difference, code)}"
            lines.append(
                Line(
                    f"{label} ({code})",
                    _money(now.get(code), code),
                    _money(then.get(code), code),
                    change,
                )
            )
        return lines


def _print_pipeline(built: Report) -> None:
    now, then = built.current, built.before
    largest = max((s.deals for s in (*now.pipeline, *then.pipeline)), default=0)
    write()
    write("Pipeline by stage: open deals and their weighted value")
    write(pad("", 16) + pad(f"at {now.pipeline_as_of}", 44) + f"at {then.pipeline_as_of}")
    for stage, earlier in zip(now.pipeline, then.pipeline, strict=True):
        shown = pad(bar(stage.deals, largest, BAR), BAR)
        write(
            f"  {pad(safe(stage.stage), 14)}{stage.deals:>6,} {shown} "
            f"{_amounts(stage.weighted):>16}  {earlier.deals:>6,} {_amounts(earlier.weighted):>16}"
        )


def _print_activity(built: Report) -> None:
    now, then = built.current, built.before
    largest = max((*now.activities.values(), *then.activities.values()), default=0)
    write()
    write("Activities by kind")
    write(pad("", 12) + pad(built.period.label, 28) + built.previous.label)
    for kind, count in now.activities.items():
        earlier = then.activities.get(kind, 0)
        write(
            f"  {pad(safe(kind), 10)}{count:>7,} {pad(bar(count, largest, BAR), BAR)}"
            f"  {earlier:>7,} {bar(earlier, largest, BAR)}".rstrip()
        )
    write()
    write(f"Activities per {bucket_unit(built.period)}")
    trends = ((built.period.label, now.activity_trend), (built.previous.label, then.activity_trend))
    for label, trend in trends:
        counts = [b.activities for b in trend]
        peak = max(counts, default=0)
        write(f"  {pad(label, 16)}{sparkline(counts)}  (peak {peak:,})")


def _amounts(by_currency: dict[str, int]) -> str:
    if not by_currency:
        return "0"
    return ", ".join(format_money(amount, code) for code, amount in by_currency.items())


def _money(amount: int | None, code: str) -> str:
    return DASH if amount is None else format_money(amount, code)


def _count(value: int | None) -> str:
    return DASH if value is None else f"{value:,}"


def _signed(value: float) -> str:
    return f"{value:+,}" if value else "0"


def _percent(value: float | None) -> str:
    return DASH if value is None else f"{100 * value:.1f}%"


def _points(value: float) -> str:
    return f"{100 * value:+.1f} pts"


def _whole_percent(value: int | None) -> str:
    return DASH if value is None else f"{value}%"


def _nps(value: int | None) -> str:
    return DASH if value is None else f"{value:+d}" if value else "0"


def _whole_points(value: int) -> str:
    return f"{value:+d} pts" if value else "0"


def _days(value: float | None) -> str:
    return DASH if value is None else f"{value:g} days"


def _more_days(value: float) -> str:
    return f"{value:+g} days"


def _hours(value: float | None) -> str:
    return DASH if value is None else f"{value:.1f} h"


def _more_hours(value: float) -> str:
    return f"{value:+.1f} h"
