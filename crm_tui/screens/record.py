"""Provides the record view: a customer (or any record) with its timeline, newest first."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static

from crm_tui.domain.dates import local_time
from crm_tui.domain.describe import entry_detail, field_lines
from crm_tui.domain.records import Company, Contact, Quote
from crm_tui.domain.terminal_text import safe
from crm_tui.screens.app import Customer
from crm_tui.screens.base import CrmScreen
from crm_tui.screens.messages import StoreChanged
from crm_tui.screens.text import clipped
from crm_tui.screens.widgets import Column, FittedTable, StatusLine
from crm_tui.services.show import RecordView, show_record

TIMELINE = (
    Column("When", width=16),
    Column("Kind", width=9),
    Column("Summary", weight=3),
    Column("Detail", weight=2),
)


class RecordScreen(CrmScreen):
    """One record: its fields (conflicting ones marked) and everything linked to it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="record.back"),
        Binding("enter", "open", "Open entry", id="record.open"),
        Binding("e", "edit_quote", "Edit quote", id="record.edit-quote"),
    ]

    def __init__(self, record_id: str) -> None:
        super().__init__()
        self.record_id = record_id
        self.view: RecordView | None = None

    def compose(self) -> ComposeResult:
        """Fields on top, the timeline beneath."""
        yield Header()
        with VerticalScroll(id="record-fields"):
            yield Static(id="fields")
        timeline = FittedTable(TIMELINE, id="timeline", cursor_type="row")
        timeline.border_title = "Timeline"
        yield timeline
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        """Loads the record."""
        self.load()

    def on_store_changed(self, _: StoreChanged) -> None:
        """Reloads after a save or a sync."""
        self.load()

    @work(group="record", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        """Reads the record, its names, conflicts and timeline."""
        view = await self.backend.call(show_record, self.record_id)
        self.view = view
        record = view.record
        self.sub_title = safe(record.label)
        if isinstance(record, Contact | Company):
            self.crm.selected = Customer(record.id, record.ENTITY, record.label)
        self.query_one("#fields", Static).update(describe(view))
        self.show_timeline(view)

    def show_timeline(self, view: RecordView) -> None:
        """Fills the timeline, newest first."""
        table: DataTable[Text] = self.query_one("#timeline", DataTable)
        when, kind, summary, detail = self.query_one("#timeline", FittedTable).start()
        for entry in view.timeline:
            table.add_row(
                clipped(local_time(entry.at), when),
                clipped(entry.kind, kind, "dim"),
                clipped(entry.summary, summary),
                clipped(entry_detail(entry.detail), detail),
                key=entry.id,
            )
        table.border_subtitle = f"{len(view.timeline)} entries"

    @on(DataTable.RowSelected, "#timeline")
    def action_open(self) -> None:
        """Opens the highlighted timeline entry's own record."""
        table: DataTable[Text] = self.query_one("#timeline", DataTable)
        if table.row_count == 0 or self.view is None:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        entry = next((e for e in self.view.timeline if e.id == key), None)
        if entry is not None and entry.kind not in ("handover", "renewal", "merge"):
            self.app.push_screen(RecordScreen(entry.id))

    def on_fitted_table_resized(self) -> None:
        """Refits the timeline to the table's new width."""
        if self.view is not None:
            self.show_timeline(self.view)

    def action_edit_quote(self) -> None:
        """Opens the quote editor on this quote."""
        if self.view is None or not isinstance(self.view.record, Quote):
            self.notify("Only a quote opens in the quote editor.")
            return
        from crm_tui.screens.quote_editor import QuoteEditorScreen

        self.app.push_screen(QuoteEditorScreen(self.view.record.id))

    def action_back(self) -> None:
        """Back to where the record was opened from."""
        self.app.pop_screen()


def describe(view: RecordView) -> Text:
    """The record's title line, fields and conflicts as plain text (untrusted values stay text)."""
    record = view.record
    text = Text()
    kind = record.ENTITY.replace("_", " ").title()
    text.append(f"{kind}: ", style="bold")
    text.append(safe(record.label), style="bold")
    if record.archived:
        text.append(" (archived)", style="dim")
    text.append("\n")
    conflicted = {conflict.field for conflict in view.conflicts}
    for label, value in field_lines(record, view.names):
        marked = label.replace(" ", "_") in conflicted
        text.append(f"  {label:<14}", style="bold yellow" if marked else "dim")
        text.append(safe(value))
        text.append("  ⚠ conflict\n" if marked else "\n", style="bold yellow")
    for conflict in view.conflicts:
        values = " | ".join(
            f"{safe(value['value'])} ({safe(value['rep'])}, {local_time(value['at'])})"
            for value in conflict.values
        )
        text.append(f"  CONFLICT {conflict.field}: ", style="bold yellow")
        text.append(values + "  (resolve on the Conflicts screen)\n")
    return text
