"""Provides the quote editor: lines, totals per tax rate as you type, and status changes.

Issue 5: "lines (description, quantity, unit price, discount, tax rate), totals per tax rate and
grand total updating as you type, status changes; the quote's number and customer." The line
being typed is checked by the same rules as a saved one (`draft_line`) and the totals come from
the domain's `totals`, so the preview is exactly what saving will give.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from crm_tui.domain.money import format_money
from crm_tui.domain.quotes import QuoteTotals, line_amount, totals
from crm_tui.domain.records import QUOTE_STATUSES, Quote, QuoteLine
from crm_tui.domain.terminal_text import safe
from crm_tui.errors import CrmError, InvalidInput
from crm_tui.screens.base import CrmModal, CrmScreen
from crm_tui.screens.messages import StoreChanged
from crm_tui.screens.text import clipped, plain
from crm_tui.screens.widgets import StatusLine
from crm_tui.services.quotes import (
    LineInput,
    QuoteView,
    add_line,
    draft_line,
    remove_line,
    set_quote_status,
    view_quote,
)

FORM = ("description", "qty", "price", "discount", "tax")
"""The line form's inputs, in order (their ids are `line-<name>`)."""

LIKELY_NEXT = {"draft": ("sent",), "sent": ("accepted", "rejected", "expired")}
"""The statuses a quote usually moves to next: offered first in the status list."""


class QuoteEditorScreen(CrmScreen):
    """One quote: its header, its lines, a form for a new line, and the totals."""

    CSS_PATH = "pipeline.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "add_line", "Add line", id="quote.add-line"),
        Binding("delete", "remove_line", "Remove line", id="quote.remove-line"),
        Binding("ctrl+t", "status", "Status…", id="quote.status"),
        Binding("escape", "back", "Back", id="quote.back"),
    ]

    def __init__(self, quote_id: str) -> None:
        super().__init__()
        self.quote_id = quote_id
        self.view: QuoteView | None = None

    def compose(self) -> ComposeResult:
        """Header, lines, the new line's form, its error, and the totals."""
        yield Header()
        yield Static(id="quote-header")
        table: DataTable[Text] = DataTable(id="quote-lines", cursor_type="row", zebra_stripes=True)
        table.border_title = "Lines"
        yield table
        tax = self.crm.backend.session.config.tax_rate
        hints = ("What is sold", "1", "0", "10% or 500", tax)
        titles = ("Description", "Qty", "Price", "Discount", "Tax %")
        with Horizontal(id="line-form"):
            for name, hint, title in zip(FORM, hints, titles, strict=True):
                field = Input(placeholder=hint, id=f"line-{name}", classes="line-input")
                field.border_title = title
                yield field
        yield Static(id="line-error")
        yield Static(id="quote-totals")
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        """Reads the quote."""
        table = self.query_one("#quote-lines", DataTable)
        for label in ("#", "Description", "Qty", "Unit price", "Discount", "Tax", "Amount"):
            table.add_column(label, key=label.lower())
        self.load()

    def on_store_changed(self, _: StoreChanged) -> None:
        """Reloads after a save or a sync."""
        self.load()

    @work(group="quote", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        """Reads the quote, its lines and customer, and shows them."""
        first = self.view is None
        self.view = await self.backend.call(view_quote, self.quote_id)
        self.show(self.view)
        if first:
            draft = self.view.quote.status == "draft"
            self.query_one("#line-description" if draft else "#quote-lines").focus()

    def show(self, view: QuoteView) -> None:
        """Shows the header and lines; the form is open only while the quote is a draft."""
        quote = view.quote
        self.sub_title = safe(quote.number)
        self.query_one("#quote-header", Static).update(_header(view))
        self.show_lines(view)
        draft = quote.status == "draft"
        for field in self.query(".line-input"):
            field.disabled = not draft
        self.show_totals()

    def show_lines(self, view: QuoteView) -> None:
        """Fills the lines table, keeping the cursor on the same row."""
        table: DataTable[Text] = self.query_one("#quote-lines", DataTable)
        row = table.cursor_row
        table.clear()
        code = view.quote.currency
        figures = [_figures(number, line, code) for number, line in enumerate(view.lines, 1)]
        # The description takes what the figures (and their headings) leave.
        widths = [
            max([len(label), *(len(cells[i].plain) for cells in figures)])
            for i, label in enumerate(("#", "Qty", "Unit price", "Discount", "Tax", "Amount"))
        ]
        room = (table.size.width or self.app.size.width) - sum(widths) - 2 * 7 - 2
        for line, cells in zip(view.lines, figures, strict=True):
            number, *rest = cells
            description = clipped(line.description, max(12, room))
            table.add_row(number, description, *rest, key=line.id)
        table.border_subtitle = f"{len(view.lines)} lines"
        if view.lines:
            table.move_cursor(row=min(row, len(view.lines) - 1))

    def typed(self) -> LineInput | None:
        """The line in the form as typed, or None while the form is empty."""
        values = {name: self.query_one(f"#line-{name}", Input).value for name in FORM}
        if not any(value.strip() for value in values.values()):
            return None
        return LineInput(
            description=values["description"],
            quantity=values["qty"].strip() or "1",
            price=values["price"].strip() or "0",
            tax=values["tax"].strip() or None,
            discount=values["discount"].strip() or None,
        )

    @on(Input.Changed, ".line-input")
    def show_totals(self) -> None:
        """Totals of the saved lines plus the line being typed; a mistake shows under the form."""
        if self.view is None:
            return
        config = self.crm.backend.session.config
        lines = list(self.view.lines)
        draft: QuoteLine | None = None
        problem = ""
        typed = self.typed() if self.view.quote.status == "draft" else None
        if typed is not None:
            try:
                draft = draft_line(self.view.quote, typed, config.tax_rate)
            except InvalidInput as error:
                problem = str(error)
        if draft is not None:
            lines.append(draft)
        shown = totals(lines, config.tax_rounding)
        self.show_problem(problem or self._closed_note())
        self.query_one("#quote-totals", Static).update(
            _totals_text(shown, self.view.quote.currency, draft)
        )

    def _closed_note(self) -> str:
        if self.view is None or self.view.quote.status == "draft":
            return ""
        return (
            f"This quote is {self.view.quote.status}: its lines change only while it is a draft "
            "(change the status back to draft to edit them)."
        )

    def show_problem(self, problem: str) -> None:
        """Shows what is wrong with the typed line (or nothing) under the form."""
        self.query_one("#line-error", Static).update(plain(problem, "bold red"))

    @on(Input.Submitted, ".line-input")
    def action_add_line(self) -> None:
        """Saves the typed line (Enter in any field of the form does too)."""
        typed = self.typed()
        if self.view is None or typed is None:
            return
        if not typed.description.strip():
            self.show_problem("Say what the line is for: its description is empty.")
            self.query_one("#line-description", Input).focus()
            return
        self.save_line(typed)

    @work(group="quote-change", exit_on_error=False)
    async def save_line(self, typed: LineInput) -> None:
        """Adds the line through `add_line`, clears the form, and reloads every screen."""
        try:
            line = await self.backend.call(add_line, self.quote_id, typed)
        except CrmError as error:
            self.show_problem(str(error))
            raise
        for name in FORM:
            self.query_one(f"#line-{name}", Input).value = ""
        self.query_one("#line-description", Input).focus()
        self.notify(f"Added {safe(line.description)}.", markup=False)
        self.crm.refresh_screens()

    def action_remove_line(self) -> None:
        """Removes the highlighted line (from the lines table)."""
        table: DataTable[Text] = self.query_one("#quote-lines", DataTable)
        if self.view is None or not self.view.lines or table.row_count == 0:
            return
        self.drop_line(table.cursor_row + 1)

    @work(group="quote-change", exit_on_error=False)
    async def drop_line(self, number: int) -> None:
        """Removes a line through `remove_line`, and reloads every screen."""
        line = await self.backend.call(remove_line, self.quote_id, number)
        self.notify(f"Removed {safe(line.description)}.", markup=False)
        self.crm.refresh_screens()

    def action_status(self) -> None:
        """Offers the statuses the quote can change to, the likely next one first."""
        if self.view is None:
            return

        def chosen(status: str | None) -> None:
            if status:
                self.change_status(status)

        self.app.push_screen(StatusScreen(self.view.quote), chosen)

    @work(group="quote-change", exit_on_error=False)
    async def change_status(self, status: str) -> None:
        """Changes the status through `set_quote_status`, and reloads every screen."""
        quote = await self.backend.call(set_quote_status, self.quote_id, status)
        self.notify(f"{safe(quote.number)} is now {quote.status}.", markup=False)
        self.crm.refresh_screens()

    def action_back(self) -> None:
        """Back to where the quote was opened from."""
        self.app.pop_screen()


class StatusScreen(CrmModal):
    """A quote's possible statuses; Enter picks one, Escape keeps the current one."""

    CSS_PATH = "pipeline.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="quote-status.cancel"),
    ]

    def __init__(self, quote: Quote) -> None:
        super().__init__()
        self.quote = quote

    def compose(self) -> ComposeResult:
        """The question and the statuses."""
        likely = LIKELY_NEXT.get(self.quote.status, ())
        others = [s for s in QUOTE_STATUSES if s not in likely and s != self.quote.status]
        with Vertical(classes="dialog"):
            yield Label(
                f"{safe(self.quote.number)} is {self.quote.status}; change it to:", markup=False
            )
            yield OptionList(
                *(Option(status, id=status) for status in (*likely, *others)),
                id="quote-statuses",
            )

    def on_mount(self) -> None:
        """Highlights the likely next status, so Enter picks it."""
        choices = self.query_one("#quote-statuses", OptionList)
        choices.highlighted = 0
        choices.focus()

    @on(OptionList.OptionSelected, "#quote-statuses")
    def picked(self, event: OptionList.OptionSelected) -> None:
        """Returns the chosen status."""
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Returns no status."""
        self.dismiss(None)


def _header(view: QuoteView) -> Text:
    """Number, title and status; then customer, currency and validity."""
    quote = view.quote
    text = Text()
    text.append(safe(quote.number), style="bold")
    if quote.title:
        text.append("  ")
        text.append(safe(quote.title))
    text.append("  ")
    text.append(quote.status, style="reverse bold")
    text.append("\n")
    customer = view.contact.label if view.contact else ""
    if view.company is not None:
        customer = f"{customer} ({view.company.label})" if customer else view.company.label
    text.append(safe(customer or "no customer"))
    text.append(f" · {quote.currency} · valid until {quote.valid_until or '–'}", style="dim")
    return text


def _figures(number: int, line: QuoteLine, currency: str) -> list[Text]:
    """A line's number, quantity, unit price, discount, tax rate and amount, as cells."""
    return [
        plain(number),
        Text(line.quantity, justify="right"),
        Text(format_money(line.unit_price, currency), justify="right"),
        plain(_discount(line, currency)),
        plain(f"{line.tax_rate}%"),
        Text(format_money(line_amount(line), currency), justify="right"),
    ]


def _discount(line: QuoteLine, currency: str) -> str:
    if not line.discount:
        return ""
    if line.discount.endswith("%"):
        return line.discount
    return format_money(int(line.discount), currency)


def _totals_text(shown: QuoteTotals, currency: str, draft: QuoteLine | None) -> Text:
    """Subtotal and tax per rate, then the grand total; says when the typed line is counted."""
    text = Text()
    if draft is not None:
        amount = format_money(line_amount(draft), currency)
        text.append(f"With the line being typed ({amount} at {draft.tax_rate}%), not saved yet\n")
    for rate in shown.by_rate:
        text.append(f"{rate.rate + '%':>6} ", style="bold")
        text.append(f"{format_money(rate.subtotal, currency):>16}")
        text.append(f"  tax {format_money(rate.tax, currency):>14}\n")
    text.append(f"Subtotal {format_money(shown.subtotal, currency)}  ")
    text.append(f"Tax {format_money(shown.tax, currency)}  ")
    text.append(f"Total {format_money(shown.total, currency)}", style="bold")
    return text
