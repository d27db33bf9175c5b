"""Provides the quick log: a visit, call, inquiry or note, with a follow-up, in a few keys."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Select

from crm_tui.screens.app import Customer
from crm_tui.screens.base import CrmModal
from crm_tui.services.activities import LogInput, log_activity

LOG_TYPES = ("visit", "call", "inquiry", "note", "meeting", "email")
"""What can be logged, the usual first: a visit is what a field rep logs most."""


class QuickLogScreen(CrmModal):
    """The quick log form. Enter in any field (or Ctrl+S) saves; Escape cancels.

    A visit with a follow-up is: `l`, the summary, Tab, the follow-up, Tab, the due date, Enter.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="log.save"),
        Binding("escape", "cancel", "Cancel", id="log.cancel"),
    ]

    def __init__(self, customer: Customer | None) -> None:
        super().__init__()
        self.customer = customer

    def compose(self) -> ComposeResult:
        """Summary first (it has the focus), then the follow-up and its due date, type, who."""
        with Vertical(classes="dialog"):
            yield Label("Log", id="log-title")
            yield Input(placeholder="What happened (one line)", id="log-summary")
            yield Input(placeholder="Follow-up task (optional)", id="log-next")
            yield Input(placeholder="Follow-up due: 3d, fri, 2026-12-01 (optional)", id="log-due")
            with Horizontal(classes="buttons"):
                yield Select(
                    [(kind, kind) for kind in LOG_TYPES],
                    value="visit",
                    allow_blank=False,
                    id="log-type",
                )
                yield Input(
                    self.customer.label if self.customer else "",
                    placeholder="Who: name, email or phone",
                    id="log-who",
                )

    def on_mount(self) -> None:
        """Puts the cursor in the summary, or in Who when no customer is selected."""
        target = "#log-summary" if self.customer else "#log-who"
        self.query_one(target, Input).focus()

    @on(Input.Submitted)
    def submitted(self) -> None:
        """Enter in any field saves."""
        self.action_save()

    def action_save(self) -> None:
        """Checks and saves the entry; a mistake is shown and the form stays open."""
        who = self.query_one("#log-who", Input).value.strip()
        if self.customer is not None and who == self.customer.label:
            who = self.customer.id
        kind = self.query_one("#log-type", Select).value
        entry = LogInput(
            type=str(kind),
            who=who,
            summary=self.query_one("#log-summary", Input).value,
            next=self.query_one("#log-next", Input).value.strip() or None,
            due=self.query_one("#log-due", Input).value.strip() or None,
        )
        self.save(entry)

    @work(group="log", exclusive=True, exit_on_error=False)
    async def save(self, entry: LogInput) -> None:
        """Writes the activity (and its follow-up), then closes with True."""
        if not entry.who:
            self.notify("Say who this was with (name, email or phone).", severity="error")
            return
        logged = await self.backend.call(log_activity, entry)
        follow = f", follow-up due {logged.task.due}" if logged.task and logged.task.due else ""
        self.notify(f"Logged the {entry.type}{follow}.", markup=False)
        self.dismiss(True)

    def action_cancel(self) -> None:
        """Closes without saving."""
        self.dismiss(False)
