"""Provides the Pipeline screen (being built: a placeholder so the app runs)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer, Header, Static

from crm_tui.screens.base import CrmScreen


class PipelineScreen(CrmScreen):
    """The Pipeline screen."""

    def compose(self) -> ComposeResult:
        """A placeholder."""
        yield Header()
        yield Static("Pipeline: coming soon.")
        yield Footer()
