"""Provides the Customers screen: contacts and companies, searched as you type."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from crm_tui.screens.app import Customer
from crm_tui.screens.base import CrmScreen
from crm_tui.screens.messages import StoreChanged
from crm_tui.screens.text import line_of, shares
from crm_tui.screens.widgets import StatusLine
from crm_tui.services.customers import CustomerPage, CustomerRow, browse

COLUMNS = ("Name", "Reading", "Company", "Title", "Phone", "Email")
WEIGHTS = (4, 3, 4, 3, 3, 4)


class CustomerList(OptionList):
    """The customers, one pre-cut line each: cheap to redraw on every keystroke."""

    def room(self) -> int:
        """Cells a line may take."""
        return max(30, self.scrollable_content_region.width - 1)


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
        self.widths: list[int] = []

    def compose(self) -> ComposeResult:
        """A search box over the list."""
        yield Header()
        yield Input(
            placeholder="Search names, readings (かな/カナ), companies, phones, emails",
            id="customer-search",
        )
        yield Static(id="customers-count", markup=False)
        yield Static(id="customers-header")
        yield CustomerList(id="customers")
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        """Shows the first page of customers, with the cursor in the search box."""
        self.query_one("#customer-search", Input).focus()
        self.load("", 0)

    def on_store_changed(self, _: StoreChanged) -> None:
        """Reloads after a save or a sync."""
        self.load(self.text, 0)

    def on_resize(self) -> None:
        """Recuts the lines for the new width."""
        if self.rows:
            self.call_after_refresh(self.refit)

    @on(Input.Changed, "#customer-search")
    def search_as_you_type(self, event: Input.Changed) -> None:
        """Each keystroke replaces the list with the matches for what is typed so far."""
        self.load(event.value, 0)

    @on(Input.Submitted, "#customer-search")
    def action_focus_list(self) -> None:
        """Enter (or Escape) in the search box moves to the list."""
        self.query_one("#customers", CustomerList).focus()

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
        listing = self.query_one("#customers", CustomerList)
        if not append:
            self.rows = []
            listing.clear_options()
            self._fit(listing)
        listing.add_options(self._option(row) for row in page.rows)
        if not append and page.rows:
            listing.highlighted = 0
        self.rows += page.rows
        self.more = page.more
        self.total = page.total
        self.query_one("#customers-count", Static).update(self._count_line())

    def refit(self) -> None:
        """Recuts every line when the list's width has changed, keeping the highlight."""
        listing = self.query_one("#customers", CustomerList)
        if listing.room() == sum(self.widths) + 3 * (len(self.widths) - 1):
            return
        highlighted = listing.highlighted
        listing.clear_options()
        self._fit(listing)
        listing.add_options(self._option(row) for row in self.rows)
        listing.highlighted = highlighted

    def _fit(self, listing: CustomerList) -> None:
        room = listing.room() - 3 * (len(COLUMNS) - 1)
        self.widths = shares(room, WEIGHTS)
        header = line_of(COLUMNS, self.widths, "bold")
        self.query_one("#customers-header", Static).update(header)

    def _option(self, row: CustomerRow) -> Option:
        cells = (
            row.name,
            row.reading or "",
            row.company or ("company" if row.kind == "company" else ""),
            row.title or "",
            row.phone or "",
            row.email or "",
        )
        return Option(line_of(cells, self.widths, "bold" if row.kind == "company" else ""), row.id)

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
        index = self.query_one("#customers", CustomerList).highlighted
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
