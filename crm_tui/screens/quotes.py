"""Provides the Quotes screen (being built: a placeholder so the app runs)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer, Header, Static

from crm_tui.screens.base import CrmScreen


class QuotesScreen(CrmScreen):
    """The Quotes screen."""

    def compose(self) -> ComposeResult:
        """A placeholder."""
        yield Header()
        yield Static("Quotes: coming soon.")
        yield Footer()
