"""Provides the Inquiries screen: open and waiting cases, oldest first, each with its thread.

The oldest case (by when it last changed status, whoever it waits on) is on top. Beneath it
(beside it when the terminal is wide) the highlighted case's messages, oldest first, so a thread
reads like a conversation. Replies, the customer's answers, waiting and resolving go through
`services.inquiries`, exactly as `crm inquiry` does.
"""

from __future__ import annotations

from datetime import date, tzinfo
from typing import ClassVar, NamedTuple

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Label, Static, TextArea

from crm_tui.domain.dates import business_days_between, from_utc_iso, local_time
from crm_tui.domain.records import Inquiry
from crm_tui.screens.app import Customer
from crm_tui.screens.base import CrmModal, CrmScreen
from crm_tui.screens.messages import StoreChanged
from crm_tui.screens.text import clipped, para, plain, shares
from crm_tui.screens.widgets import StatusLine
from crm_tui.services import inquiries
from crm_tui.services.listing import Filters, Listing, list_records
from crm_tui.services.show import RecordView, TimelineEntry, show_record
from crm_tui.services.values import business_holidays

WAITS_ON = {"open": "us", "waiting": "customer"}
"""Who a case waits on, by its status, in the rep's words."""


class Case(NamedTuple):
    """A row of the list: the inquiry, who it is for, and how long it has waited."""

    inquiry: Inquiry
    customer: str
    """The contact and their company, as the list shows them."""
    contact: str
    since: date
    business_days: int


class InquiriesScreen(CrmScreen):
    """Open and waiting inquiries, oldest first, with the highlighted one's thread."""

    CSS_PATH = "inquiries.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reply", "Reply", id="inquiries.reply"),
        Binding("a", "answer", "Customer answered", id="inquiries.answer"),
        Binding("w", "wait", "Waiting on customer", id="inquiries.wait"),
        Binding("d", "resolve", "Resolve", id="inquiries.resolve"),
        Binding("enter", "open_customer", "Open customer", id="inquiries.open-customer"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.cases: dict[str, Case] = {}
        self.fitted_width = 0
        # The screen gets `-wide` from 110 columns: the thread moves beside the list (crm.tcss).
        self.HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]

    def compose(self) -> ComposeResult:
        """The list, then the thread (stacked at 80 columns, side by side when wide)."""
        yield Header()
        with Vertical(id="inquiries-body"):
            table: DataTable[Text] = DataTable(
                id="inquiry-list", cursor_type="row", zebra_stripes=True
            )
            table.border_title = "Inquiries, oldest first"
            yield table
            with VerticalScroll(id="inquiry-thread-box") as box:
                box.border_title = "Thread"
                yield Static(id="inquiry-thread")
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        """Loads the open and waiting cases."""
        self.load()

    def on_store_changed(self, _: StoreChanged) -> None:
        """Reloads after a save or a sync."""
        self.load()

    def on_resize(self) -> None:
        """Fits the columns to the new width once the layout has followed it."""
        self.call_after_refresh(self.refit)

    def refit(self) -> None:
        """Fills the list again when its width is not the one its columns were cut for (the
        layout changes after a resize: at 110 columns the list moves beside the thread)."""
        width = self.query_one("#inquiry-list", DataTable).size.width
        if self.cases and width and width != self.fitted_width:
            self.show_cases(list(self.cases.values()))

    @work(group="inquiries", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        """Reads the cases waiting on us and on customers, and the holidays to count days by."""
        waiting_on_us = await self.backend.call(list_records, "inquiries", Filters(status="open"))
        on_them = await self.backend.call(list_records, "inquiries", Filters(status="waiting"))
        holidays = await self.backend.call(business_holidays)
        session = self.crm.backend.session
        cases = [
            _case(inquiry, listing, session.today, holidays, session.tz)
            for listing in (waiting_on_us, on_them)
            for inquiry in listing.records
            if isinstance(inquiry, Inquiry)
        ]
        cases.sort(key=lambda case: case.inquiry.status_since or case.inquiry.created_at)
        self.show_cases(cases)

    def show_cases(self, cases: list[Case]) -> None:
        """Fills the list, keeping the cursor on the same case while it is still listed."""
        table: DataTable[Text] = self.query_one("#inquiry-list", DataTable)
        current = self.current()
        self.cases = {case.inquiry.id: case for case in cases}
        self.fitted_width = table.size.width or self.app.size.width
        room = self.fitted_width - 8 - 10 - 4 - 2 * 5 - 2
        subject_cells, customer_cells = shares(room, (3, 2))
        # Columns are made again at each fill: a column keeps the width of its widest cell ever.
        table.clear(columns=True)
        for label, cells in (
            ("Subject", subject_cells),
            ("Customer", customer_cells),
            ("Waits on", 8),
            ("Since", 10),
            ("Days", 4),
        ):
            table.add_column(label, width=cells, key=label.lower())
        # Past the window Today uses, a case waiting on us is overdue: its days show in red.
        limit = self.crm.backend.session.config.windows.inquiry_business_days
        for case in cases:
            on_us = case.inquiry.status == "open"
            table.add_row(
                clipped(case.inquiry.subject, subject_cells),
                clipped(case.customer, customer_cells),
                plain(
                    WAITS_ON.get(case.inquiry.status, case.inquiry.status),
                    "bold" if on_us else "dim",
                ),
                plain(case.since.isoformat()),
                plain(
                    str(case.business_days),
                    "bold red" if on_us and case.business_days > limit else "",
                ),
                key=case.inquiry.id,
            )
        table.border_subtitle = f"{len(cases)} open or waiting"
        self.call_after_refresh(self.refit)
        if current is not None and current.inquiry.id in self.cases:
            table.move_cursor(row=table.get_row_index(current.inquiry.id))
        elif not cases:
            self.query_one("#inquiry-thread", Static).update(
                Text("No open or waiting inquiries.", style="dim")
            )
            self.query_one("#inquiry-thread-box").border_subtitle = ""

    def current(self) -> Case | None:
        """The case under the cursor."""
        table: DataTable[Text] = self.query_one("#inquiry-list", DataTable)
        if not self.cases or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.cases.get(key or "")

    @on(DataTable.RowHighlighted, "#inquiry-list")
    def highlighted(self, _: DataTable.RowHighlighted) -> None:
        """Shows the highlighted case's thread; the quick log writes against its contact."""
        case = self.current()
        if case is None:
            return
        if case.inquiry.contact_id:
            self.crm.selected = Customer(case.inquiry.contact_id, "contact", case.contact)
        self.load_thread(case.inquiry.id)

    @work(group="inquiry-thread", exclusive=True, exit_on_error=False)
    async def load_thread(self, inquiry_id: str) -> None:
        """Reads the case's messages and notes and shows them, oldest first."""
        view = await self.backend.call(show_record, inquiry_id)
        self.query_one("#inquiry-thread", Static).update(thread_text(view))
        box = self.query_one("#inquiry-thread-box", VerticalScroll)
        count = len(_messages(view))
        box.border_subtitle = f"{count} message" + ("" if count == 1 else "s")
        box.scroll_end(animate=False)

    def action_reply(self) -> None:
        """Asks for our reply and logs it (the case then waits on the customer)."""
        self._ask_message(inbound=False)

    def action_answer(self) -> None:
        """Asks for the customer's answer and logs it as inbound (the case waits on us again)."""
        self._ask_message(inbound=True)

    def _ask_message(self, *, inbound: bool) -> None:
        case = self._chosen()
        if case is None:
            return

        def written(text: str | None) -> None:
            if text:
                self.log_message(case.inquiry.id, text, inbound=inbound)

        self.app.push_screen(MessageScreen(case.inquiry.subject, inbound=inbound), written)

    def action_wait(self) -> None:
        """Marks the case as waiting on the customer."""
        case = self._chosen()
        if case is not None:
            self.set_status(case.inquiry.id, "waiting", None)

    def action_resolve(self) -> None:
        """Asks for an optional note, then resolves the case (it leaves the list)."""
        case = self._chosen()
        if case is None:
            return
        from crm_tui.screens.ask import AskScreen

        def noted(note: str | None) -> None:
            if note is not None:  # Escape cancels; an empty note resolves without one
                self.set_status(case.inquiry.id, "resolved", note or None)

        self.app.push_screen(AskScreen("Resolve: note (optional, Enter to skip)"), noted)

    def action_open_customer(self) -> None:
        """Opens the contact (or company) the case is about."""
        case = self._chosen()
        if case is None:
            return
        target = case.inquiry.contact_id or case.inquiry.company_id
        if target is None:
            self.notify("This inquiry is not linked to a customer.")
            return
        from crm_tui.screens.record import RecordScreen

        self.app.push_screen(RecordScreen(target))

    @on(DataTable.RowSelected, "#inquiry-list")
    def selected(self, _: DataTable.RowSelected) -> None:
        """Enter on a row opens its customer."""
        self.action_open_customer()

    def _chosen(self) -> Case | None:
        case = self.current()
        if case is None:
            self.notify("No inquiry is open or waiting.")
        return case

    @work(group="inquiries-change", exit_on_error=False)
    async def log_message(self, inquiry_id: str, text: str, *, inbound: bool) -> None:
        """Logs our reply or the customer's answer on the case, then reloads every screen."""
        await self.backend.call(inquiries.reply, inquiry_id, text, inbound=inbound)
        self.notify("Logged the customer's answer." if inbound else "Reply logged.")
        self.crm.refresh_screens()

    @work(group="inquiries-change", exit_on_error=False)
    async def set_status(self, inquiry_id: str, status: str, note: str | None) -> None:
        """Sets the case waiting or resolved (with an optional note), then reloads every screen."""
        await self.backend.call(inquiries.set_status, inquiry_id, status, note)
        self.notify("Resolved." if status == "resolved" else "Now waiting on the customer.")
        self.crm.refresh_screens()


class MessageScreen(CrmModal):
    """A message on a case, several lines long; Ctrl+S logs it, Escape cancels (None)."""

    CSS_PATH = "inquiries.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Log it", id="message.save"),
        Binding("escape", "cancel", "Cancel", id="message.cancel"),
    ]

    def __init__(self, subject: str, *, inbound: bool) -> None:
        super().__init__()
        self.subject = subject
        self.inbound = inbound

    def compose(self) -> ComposeResult:
        """The case's subject, a text area, and how to save."""
        with Vertical(classes="dialog", id="message-dialog"):
            title = Text("The customer's answer to: " if self.inbound else "Reply to: ")
            title.append_text(plain(self.subject, "bold"))
            yield Label(title)
            yield TextArea(id="message-text", soft_wrap=True)
            yield Label(Text("Ctrl+S logs it · Escape cancels", style="dim"))

    def on_mount(self) -> None:
        """The cursor starts in the text."""
        self.query_one("#message-text", TextArea).focus()

    def action_save(self) -> None:
        """Returns the message; an empty one is refused here, before the store sees it."""
        text = self.query_one("#message-text", TextArea).text.strip()
        if not text:
            self.notify("Write the message first (or Escape to cancel).", severity="warning")
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        """Returns no message."""
        self.dismiss(None)


def _case(
    inquiry: Inquiry, listing: Listing, today: date, holidays: set[date], tz: tzinfo | None
) -> Case:
    contact = listing.contacts.get(inquiry.contact_id or "") or ""
    company = listing.companies.get(inquiry.company_id or "")
    who = (f"{contact} ({company})" if contact else company) if company else contact
    since = from_utc_iso(inquiry.status_since or inquiry.created_at).astimezone(tz).date()
    return Case(inquiry, who, contact, since, business_days_between(since, today, holidays))


def _messages(view: RecordView) -> list[TimelineEntry]:
    """The case's activities (messages both ways, notes), oldest first."""
    return sorted(
        (entry for entry in view.timeline if "direction" in entry.detail),
        key=lambda entry: (entry.at, entry.id),
    )


def thread_text(view: RecordView) -> Text:
    """The thread as plain text: each message's time, who wrote it, and its text, oldest first."""
    names = view.names
    customer = names.get("contact") or names.get("company") or "customer"
    text = Text()
    for entry in _messages(view):
        inbound = entry.detail.get("direction") == "inbound"
        if entry.kind == "note":
            who, style = f"note by {entry.detail.get('owner') or 'us'}", "dim"
        elif inbound:
            who, style = f"← {customer}", "bold cyan"
        else:
            who, style = f"→ {entry.detail.get('owner') or 'us'}", "bold green"
        text.append(f"{local_time(entry.at)}  ", style="dim")
        text.append_text(plain(who, style))
        text.append("\n")
        text.append_text(para(entry.summary))
        body = entry.detail.get("body")
        if body:
            text.append("\n")
            text.append_text(para(body, "italic"))
        text.append("\n\n")
    text.rstrip()
    return text or Text("No messages yet.", style="dim")
