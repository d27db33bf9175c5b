"""Provides the Customers screen: contacts and companies, searched as you type."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Input, Static

from crm_tui.screens.app import Customer
from crm_tui.screens.base import CrmScreen
from crm_tui.screens.messages import StoreChanged
from crm_tui.screens.text import clipped, shares
from crm_tui.screens.widgets import StatusLine
from crm_tui.services.customers import CustomerPage, CustomerRow, browse


class CustomersScreen(CrmScreen):
    """Every customer in reading order; typing narrows to matches (names, readings, phones...)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search", id="customers.search"),
        Binding("escape", "focus_list", "To list", show=False, id="customers.list"),
        Binding("enter", "open", "Open", show=False, id="customers.open"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[CustomerRow] = []
        self.more = False
        self.text = ""

    def compose(self) -> ComposeResult:
        """A search box over the list."""
        yield Header()
        yield Input(
            placeholder="Search names, readings (かな/カナ), companies, phones, emails",
            id="customer-search",
        )
        yield Static(id="customers-count", markup=False)
        table: DataTable[Text] = DataTable(id="customers", cursor_type="row", zebra_stripes=True)
        yield table
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        """Shows the first page of customers, with the cursor in the search box."""
        table = self.query_one("#customers", DataTable)
        for label in ("Name", "Reading", "Company", "Title", "Phone", "Email"):
            table.add_column(label, key=label.lower())
        self.query_one("#customer-search", Input).focus()
        self.load("", 0)

    def on_store_changed(self, _: StoreChanged) -> None:
        """Reloads after a save or a sync."""
        self.load(self.text, 0)

    @on(Input.Changed, "#customer-search")
    def search_as_you_type(self, event: Input.Changed) -> None:
        """Each keystroke replaces the list with the matches for what is typed so far."""
        self.load(event.value, 0)

    @on(Input.Submitted, "#customer-search")
    def action_focus_list(self) -> None:
        """Enter (or Escape) in the search box moves to the list."""
        self.query_one("#customers", DataTable).focus()

    def action_focus_search(self) -> None:
        """Back to the search box."""
        self.query_one("#customer-search", Input).focus()

    @work(group="customers", exclusive=True, exit_on_error=False)
    async def load(self, text: str, offset: int) -> None:
        """Reads a page (or the matches) and shows it; a newer keystroke cancels an older read."""
        page = await self.backend.call(browse, text, offset)
        self.text = text
        self.show(page, append=offset > 0)

    def show(self, page: CustomerPage, *, append: bool) -> None:
        """Puts the rows in the table (after those shown, when paging on)."""
        table: DataTable[Text] = self.query_one("#customers", DataTable)
        if not append:
            table.clear()
            self.rows = []
        # Six columns share the width, so nothing scrolls sideways at 80 columns.
        room = (table.size.width or self.app.size.width) - 2 * 6 - 2
        name, reading, company, title, phone, email = shares(room, (4, 3, 4, 3, 3, 4))
        for row in page.rows:
            table.add_row(
                clipped(row.name, name, "bold" if row.kind == "company" else ""),
                clipped(row.reading or "", reading),
                clipped(row.company or ("company" if row.kind == "company" else ""), company),
                clipped(row.title or "", title),
                clipped(row.phone or "", phone),
                clipped(row.email or "", email),
                key=row.id,
            )
        self.rows += page.rows
        self.more = page.more
        self.query_one("#customers-count", Static).update(self._count_line(page))

    def _count_line(self, page: CustomerPage) -> str:
        if self.text.strip():
            return f"{len(self.rows)} matches for {self.text.strip()!r}"
        shown = f"{len(self.rows):,} of {page.total:,} customers"
        return shown + (" (more load as you scroll)" if self.more else "")

    @on(DataTable.RowHighlighted, "#customers")
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Selects the customer for the quick log; near the end of the list, loads more."""
        row = self.current()
        if row is not None:
            self.crm.selected = Customer(row.id, row.kind, row.name)
        if self.more and event.cursor_row >= len(self.rows) - 5:
            self.more = False
            self.load(self.text, len(self.rows))

    def current(self) -> CustomerRow | None:
        """The customer under the cursor."""
        table: DataTable[Text] = self.query_one("#customers", DataTable)
        if table.row_count == 0 or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    @on(DataTable.RowSelected, "#customers")
    def action_open(self) -> None:
        """Opens the highlighted customer with its timeline."""
        row = self.current()
        if row is not None:
            from crm_tui.screens.record import RecordScreen

            self.app.push_screen(RecordScreen(row.id))
