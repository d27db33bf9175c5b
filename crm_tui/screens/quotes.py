"""Provides the Quotes screen: every quote newest first, opened in the quote editor (issue 5)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header

from crm_tui.domain.money import format_money
from crm_tui.domain.terminal_text import safe
from crm_tui.screens.app import Customer
from crm_tui.screens.base import CrmScreen
from crm_tui.screens.messages import StoreChanged
from crm_tui.screens.text import clipped, plain
from crm_tui.screens.widgets import StatusLine
from crm_tui.services.quotes import QuoteInput, QuoteSummary, new_quote, quote_summaries

STATUS_STYLES = {"draft": "yellow", "sent": "cyan", "accepted": "green", "rejected": "red"}


class QuotesScreen(CrmScreen):
    """Quotes newest first: number, customer, status, total and how long each is valid."""

    CSS_PATH = "pipeline.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Edit", id="quotes.open"),
        Binding("n", "new", "New quote", id="quotes.new"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, QuoteSummary] = {}

    def compose(self) -> ComposeResult:
        """The list of quotes."""
        yield Header()
        table: DataTable[Text] = DataTable(id="quotes", cursor_type="row", zebra_stripes=True)
        table.border_title = "Quotes"
        yield table
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        """Reads the quotes."""
        table = self.query_one("#quotes", DataTable)
        for label in ("Number", "Customer", "Status", "Total", "Valid until"):
            table.add_column(label, key=label.lower())
        self.load()

    def on_resize(self) -> None:
        """Fits the customer column to the new width."""
        if self.rows:
            self.show(list(self.rows.values()))

    def on_store_changed(self, _: StoreChanged) -> None:
        """Reloads after a save or a sync."""
        self.load()

    @work(group="quotes", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        """Reads the quotes with their totals."""
        self.show(await self.backend.call(quote_summaries))

    def show(self, rows: list[QuoteSummary]) -> None:
        """Fills the table, keeping the cursor on the same quote."""
        table: DataTable[Text] = self.query_one("#quotes", DataTable)
        current = self.current()
        table.clear()
        self.rows = {row.quote.id: row for row in rows}
        totals = [format_money(row.total, row.quote.currency) for row in rows]
        # Number, status, total and date are short; the customer takes what is left.
        figures = (
            max([6, *(len(row.quote.number) for row in rows)]),
            max([6, *(len(row.quote.status) for row in rows)]),
            max([5, *(len(total) for total in totals)]),
            len("Valid until"),
        )
        room = (table.size.width or self.app.size.width) - sum(figures) - 2 * 5 - 2
        for row, total in zip(rows, totals, strict=True):
            quote = row.quote
            table.add_row(
                plain(quote.number),
                clipped(row.customer, max(10, room)),
                plain(quote.status, STATUS_STYLES.get(quote.status, "dim")),
                Text(total, justify="right"),
                plain(quote.valid_until or ""),
                key=quote.id,
            )
        table.border_subtitle = f"{len(rows)} quotes"
        if current is not None and current.quote.id in self.rows:
            table.move_cursor(row=table.get_row_index(current.quote.id))

    def current(self) -> QuoteSummary | None:
        """The quote under the cursor."""
        table: DataTable[Text] = self.query_one("#quotes", DataTable)
        if not self.rows or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.rows.get(key or "")

    @on(DataTable.RowHighlighted, "#quotes")
    def remember_customer(self, _: DataTable.RowHighlighted) -> None:
        """The quick log (and a new quote) default to the highlighted quote's customer."""
        row = self.current()
        if row is None:
            return
        if row.quote.contact_id:
            self.crm.selected = Customer(row.quote.contact_id, "contact", row.customer)
        elif row.quote.company_id:
            self.crm.selected = Customer(row.quote.company_id, "company", row.customer)

    @on(DataTable.RowSelected, "#quotes")
    def action_open(self) -> None:
        """Opens the highlighted quote in the editor."""
        row = self.current()
        if row is not None:
            from crm_tui.screens.quote_editor import QuoteEditorScreen

            self.app.push_screen(QuoteEditorScreen(row.quote.id))

    def action_new(self) -> None:
        """Asks whom the new quote is for (the selected customer is the default), then starts it."""
        from crm_tui.screens.ask import AskScreen

        selected = self.crm.selected

        def answered(who: str | None) -> None:
            if not who:
                return
            if selected is not None and who == safe(selected.label):
                who = selected.id
            self.start(who)

        default = safe(selected.label) if selected else ""
        self.app.push_screen(
            AskScreen("New quote for", "name, reading, email or phone", default), answered
        )

    @work(group="quotes-new", exit_on_error=False)
    async def start(self, who: str) -> None:
        """Starts a draft quote and opens it in the editor."""
        quote = await self.backend.call(new_quote, QuoteInput(who))
        self.notify(f"Started {quote.number}.", markup=False)
        self.crm.refresh_screens()
        from crm_tui.screens.quote_editor import QuoteEditorScreen

        self.app.push_screen(QuoteEditorScreen(quote.id))
