"""Provides `AskScreen`: a one-line question (a new due date, a reason) answered in place."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label

from crm_tui.screens.base import CrmModal


class AskScreen(CrmModal):
    """Asks for one value; Enter answers, Escape cancels (the answer is None)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="ask.cancel"),
    ]

    def __init__(self, question: str, hint: str = "", value: str = "") -> None:
        super().__init__()
        self.question = question
        self.hint = hint
        self.value = value

    def compose(self) -> ComposeResult:
        """The question and its input."""
        with Vertical(classes="dialog"):
            yield Label(self.question, markup=False)
            yield Input(self.value, placeholder=self.hint, id="answer")

    @on(Input.Submitted, "#answer")
    def answer(self, event: Input.Submitted) -> None:
        """Returns what was typed."""
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        """Returns no answer."""
        self.dismiss(None)
