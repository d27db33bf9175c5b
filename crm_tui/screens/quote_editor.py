"""Provides the quote editor (being built: a placeholder so the app runs)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer, Header, Static

from crm_tui.screens.base import CrmScreen


class QuoteEditorScreen(CrmScreen):
    """The quote editor."""

    def __init__(self, quote_id: str) -> None:
        super().__init__()
        self.quote_id = quote_id

    def compose(self) -> ComposeResult:
        """A placeholder."""
        yield Header()
        yield Static("Quote editor: coming soon.")
        yield Footer()
