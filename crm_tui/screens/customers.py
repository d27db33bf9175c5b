"""Provides the Customers screen: contacts and companies, searched as you type."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Input, OptionList, Static

from crm_tui.screens.app import Customer
from crm_tui.screens.base import CrmScreen
from crm_tui.screens.messages import StoreChanged
from crm_tui.screens.widgets import Column, LineList, StatusLine
from crm_tui.services.customers import CustomerPage, CustomerRow, browse

COLUMNS = (
    Column("Name", weight=4),
    Column("Reading", weight=3),
    Column("Company", weight=4),
    Column("Title", weight=3),
    Column("Phone", weight=3),
    Column("Email", weight=4),
)


class CustomersScreen(CrmScreen):
    """Every customer in reading order; typing narrows to matches (names, readings, phones...)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search", id="customers.search"),
        Binding("escape", "focus_list", "To list", show=False, id="customers.list"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[CustomerRow] = []
        self.more = False
        self.total = 0
        self.text = ""

    def compose(self) -> ComposeResult:
        """A search box over the list."""
        yield Header()
        yield Input(
            placeholder="Search names, readings (かな/カナ), companies, phones, emails",
            id="customer-search",
        )
        yield Static(id="customers-count", markup=False)
        yield Static(id="customers-header", classes="list-header")
        yield LineList(COLUMNS, id="customers")
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        """Shows the first page of customers, with the cursor in the search box."""
        self.query_one("#customer-search", Input).focus()
        self.load("", 0)

    def on_store_changed(self, _: StoreChanged) -> None:
        """Reloads after a save or a sync."""
        self.load(self.text, 0)

    def on_line_list_resized(self) -> None:
        """Recuts every line for the list's new width, keeping the highlight."""
        listing = self.query_one("#customers", LineList)
        current = listing.current_key
        self._start(listing)
        listing.add(self._line(row) for row in self.rows)
        if current is not None:
            listing.highlight_key(current)

    @on(Input.Changed, "#customer-search")
    def search_as_you_type(self, event: Input.Changed) -> None:
        """Each keystroke replaces the list with the matches for what is typed so far."""
        self.load(event.value, 0)

    @on(Input.Submitted, "#customer-search")
    def action_focus_list(self) -> None:
        """Enter (or Escape) in the search box moves to the list."""
        self.query_one("#customers", LineList).focus()

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
        """Puts the rows in the list (after those shown, when paging on)."""
        listing = self.query_one("#customers", LineList)
        if not append:
            self.rows = []
            self._start(listing)
        listing.add(self._line(row) for row in page.rows)
        if not append and page.rows:
            listing.highlighted = 0
        self.rows += page.rows
        self.more = page.more
        self.total = page.total
        # One line whose size never changes: no layout pass on each keystroke.
        self.query_one("#customers-count", Static).update(self._count_line(), layout=False)

    def _start(self, listing: LineList) -> None:
        widths = listing.widths
        listing.start()
        if listing.widths != widths:
            self.query_one("#customers-header", Static).update(listing.header(), layout=False)

    def _line(self, row: CustomerRow) -> tuple[str, tuple[object, ...], str]:
        company = row.company or ("company" if row.kind == "company" else "")
        cells = (row.name, row.reading, company, row.title, row.phone, row.email)
        return row.id, cells, "bold" if row.kind == "company" else ""

    def _count_line(self) -> str:
        if self.text.strip():
            found = len(self.rows)
            return f"{found} {'match' if found == 1 else 'matches'} for {self.text.strip()!r}"
        shown = f"{len(self.rows):,} of {self.total:,} customers"
        return shown + (" (more load as you scroll)" if self.more else "")

    @on(OptionList.OptionHighlighted, "#customers")
    def highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Selects the customer for the quick log; near the end of the list, loads more."""
        row = self.current()
        if row is not None:
            self.crm.selected = Customer(row.id, row.kind, row.name)
        if self.more and event.option_index >= len(self.rows) - 5:
            self.more = False
            self.load(self.text, len(self.rows))

    def current(self) -> CustomerRow | None:
        """The customer under the cursor."""
        index = self.query_one("#customers", LineList).highlighted
        if index is None or not 0 <= index < len(self.rows):
            return None
        return self.rows[index]

    @on(OptionList.OptionSelected, "#customers")
    def action_open(self) -> None:
        """Opens the highlighted customer with its timeline."""
        row = self.current()
        if row is not None:
            from crm_tui.screens.record import RecordScreen

            self.app.push_screen(RecordScreen(row.id))
