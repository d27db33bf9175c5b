"""Provides the Today screen: the next-actions agenda, the pipeline and this month's figures
(the report of `crm report`, for the month containing today)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Sparkline, Static

from crm_tui.domain.agenda import NextAction, days_phrase
from crm_tui.domain.money import format_money
from crm_tui.screens.app import Customer
from crm_tui.screens.base import CrmScreen
from crm_tui.screens.messages import StoreChanged
from crm_tui.screens.widgets import Column, LineList, StatusLine
from crm_tui.services import agenda

if TYPE_CHECKING:
    from crm_tui.domain.report import Figures, Report


# Due and kind are narrow; what, who and when share the rest, so nothing scrolls sideways.
AGENDA = (
    Column("Due", width=10),
    Column("", width=7),
    Column("What", weight=5),
    Column("Who", weight=3),
    Column("When", weight=3),
)


FIRST_ROWS = 60
"""Agenda rows in the first frame (more than a tall terminal shows); the rest follow it."""
MORE_ROWS = 200
"""Agenda rows added per frame after the first."""


class TodayScreen(CrmScreen):
    """Where the day starts: what is due (overdue first), and how the month is going."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="today.open"),
        Binding("d", "complete", "Done", id="today.complete"),
        Binding("z", "snooze", "Snooze 1d", id="today.snooze"),
        Binding("r", "reschedule", "Reschedule", id="today.reschedule"),
    ]

    # Wide terminals put the figures beside the agenda instead of beneath it.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # noqa: RUF012 (a ClassVar in Screen)

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[str, NextAction] = {}
        self.widths: list[int] = []
        self.shown_current: NextAction | None = None

    def compose(self) -> ComposeResult:
        """The agenda on top; the pipeline and the month beneath (or beside, when wide)."""
        with Vertical(id="today-body"):
            with Vertical(id="agenda-box") as box:
                box.border_title = "Next actions"
                yield Static(id="agenda-header", classes="list-header")
                yield LineList(AGENDA, id="agenda")
            # Filled once the agenda is on screen: the first frame has fewer widgets to draw.
            yield Horizontal(id="figures")
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        """Loads the agenda first (the frame a rep waits for), then the figures."""
        self.load()

    def on_line_list_resized(self) -> None:
        """Fits the agenda's columns to the list's new width (every line, with the highlight)."""
        current = self.current()
        self.start_list()
        self.add_rows(list(self.items.values()), current)

    def start_list(self) -> None:
        """Empties the agenda and fits its columns and header to its width."""
        agenda_list = self.query_one("#agenda", LineList)
        agenda_list.start()
        self.query_one("#agenda-header", Static).update(agenda_list.header())

    def on_store_changed(self, _: StoreChanged) -> None:
        """Reloads after a save or a sync."""
        self.load()

    @work(group="today", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        """Reads the agenda, shows it, then reads the pipeline and the month."""
        items = await self.backend.call(agenda.next_actions)
        self.show_agenda(items)
        self.crm.agenda_shown()
        # A screenful went in at once; the rest follow in slices, each after a frame is drawn.
        for start in range(FIRST_ROWS, len(items), MORE_ROWS):
            await self.drawn()
            self.add_rows(items[start : start + MORE_ROWS], self.shown_current)
        # The figures come after the agenda's frame, so they never delay what a rep waits for.
        from crm_tui.services import dashboard

        figures = await self.backend.call(dashboard.today_figures)
        if not self.query("#pipeline-summary"):
            pipeline = Static(id="pipeline-summary")
            pipeline.border_title = "Pipeline"
            month_box = Vertical(
                Static(id="month-figures"), Sparkline([], id="month-spark"), id="month"
            )
            await self.query_one("#figures").mount(pipeline, month_box)
        self.show_figures(figures)

    def show_agenda(self, items: list[NextAction]) -> None:
        """Fills the agenda: a screenful at once (the rest follow, in `load`)."""
        current = self.current()
        self.start_list()
        self.items = {item.record_id: item for item in items}
        self.query_one("#agenda-box").border_subtitle = f"{len(items)} items"
        self.shown_current = current
        self.add_rows(items[:FIRST_ROWS], current)

    async def drawn(self) -> None:
        """Returns once the screen has been drawn with what is in it now."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.call_after_refresh(done.set_result, None)
        await done

    def add_rows(self, items: list[NextAction], current: NextAction | None = None) -> None:
        """Adds agenda lines; puts the highlight back on `current` if it is among them."""
        agenda_list = self.query_one("#agenda", LineList)
        today = self.crm.backend.session.today
        agenda_list.add(
            (
                item.record_id,
                (
                    item.due.isoformat(),
                    item.channel or item.kind,
                    item.title,
                    _party(item),
                    days_phrase(item.due, today) if item.kind == "task" else item.reason,
                ),
                "bold red" if item.due < today else "",
            )
            for item in items
        )
        if agenda_list.highlighted is None and agenda_list.option_count:
            agenda_list.highlighted = 0
        if current is not None and current in items:
            agenda_list.highlight_key(current.record_id)

    def show_figures(self, report: Report) -> None:
        """Draws the pipeline by stage and the period's KPIs beside the period before's."""
        currency = self.crm.backend.session.config.currency
        lines = Text()
        for row in report.current.pipeline:
            bar = "█" * min(row.deals, 12)
            weighted = format_money(row.weighted.get(currency, 0), currency)
            lines.append(f"{row.stage:<12}{row.deals:>4} {weighted:>14} ")
            lines.append(bar + "\n", style="green")
        lines.append("weighted, in " + currency, style="dim")
        self.query_one("#pipeline-summary", Static).update(lines)
        self.query_one("#month-figures", Static).update(_period_text(report, currency))
        trend = [b.activities for b in report.current.activity_trend if b.first <= report.today]
        spark = self.query_one("#month-spark", Sparkline)
        spark.data = [float(n) for n in trend] or [0.0]

    def current(self) -> NextAction | None:
        """The agenda item under the cursor."""
        key = self.query_one("#agenda", LineList).current_key
        return None if key is None else self.items.get(key)

    @on(LineList.OptionHighlighted, "#agenda")
    def remember_customer(self) -> None:
        """The quick log writes against the highlighted item's contact."""
        item = self.current()
        if item is not None and item.contact_id:
            self.crm.selected = Customer(item.contact_id, "contact", item.contact or "")

    @on(LineList.OptionSelected, "#agenda")
    def action_open(self) -> None:
        """Opens the record behind the highlighted item."""
        item = self.current()
        if item is not None:
            from crm_tui.screens.record import RecordScreen

            self.app.push_screen(RecordScreen(item.record_id))

    def action_complete(self) -> None:
        """Marks the highlighted task done."""
        task = self._highlighted_task()
        if task is not None:
            self.change(task.record_id, None, None, f"Done: {task.title}")

    def action_snooze(self) -> None:
        """Moves the highlighted task to the next day."""
        task = self._highlighted_task()
        if task is not None:
            self.change(task.record_id, None, "1d", "Snoozed a day")

    def action_reschedule(self) -> None:
        """Asks for a new due date for the highlighted task."""
        task = self._highlighted_task()
        if task is None:
            return
        from crm_tui.screens.ask import AskScreen

        def chosen(value: str | None) -> None:
            if value:
                self.change(task.record_id, value, None, "Rescheduled")

        self.app.push_screen(
            AskScreen("New due date", "2026-12-01, 3d, 1w, fri…", task.due.isoformat()), chosen
        )

    def _highlighted_task(self) -> NextAction | None:
        item = self.current()
        if item is None:
            return None
        if item.kind != "task":
            self.notify("Only tasks can be completed, snoozed or rescheduled here.")
            return None
        return item

    @work(group="today-change", exit_on_error=False)
    async def change(self, record_id: str, until: str | None, by: str | None, done: str) -> None:
        """Completes a task (no new date) or moves it, then reloads every screen."""
        from crm_tui.services import tasks

        if until is None and by is None:
            await self.backend.call(tasks.complete_task, record_id)
        else:
            await self.backend.call(tasks.snooze_task, record_id, until, by)
        self.notify(done, markup=False)
        self.crm.refresh_screens()


def _party(item: NextAction) -> str:
    if item.contact and item.company:
        return f"{item.contact} ({item.company})"
    return item.contact or item.company or ""


def _period_text(report: Report, currency: str) -> Text:
    """The period's KPIs in five short lines, each with the period before's in brackets."""
    now, then = report.current, report.before
    text = Text()
    text.append(report.period.label, style="bold")
    text.append(f" vs {report.previous.label}\n", style="dim")
    _figure(text, "activities", f"{now.activities_total:,}", f"{then.activities_total:,}", " ")
    text.append(f"won {now.deals_won} lost {now.deals_lost}\n")
    _figure(text, "win rate", _rate(now.win_rate), _rate(then.win_rate), " ")
    _figure(text, "NPS", _nps(now), _nps(then))
    _figure(text, "CSAT", _csat(now), _csat(then), " ")
    _figure(text, "repeat", _rate(now.repeat_purchase_rate), _rate(then.repeat_purchase_rate))
    _figure(text, "renewal", _rate(now.renewal_rate), _rate(then.renewal_rate), " ")
    text.append(f"overdue {format_money(now.overdue_amount.get(currency, 0), currency)}")
    return text


def _figure(text: Text, name: str, now: str, before: str, end: str = "\n") -> None:
    text.append(f"{name} {now}")
    text.append(f" ({before})", style="dim")
    text.append(end)


def _rate(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _nps(figures: Figures) -> str:
    return "–" if figures.nps is None else f"{figures.nps:+d}"


def _csat(figures: Figures) -> str:
    return "–" if figures.csat is None else f"{figures.csat}%"
