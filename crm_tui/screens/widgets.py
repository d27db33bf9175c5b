"""Provides small widgets every screen uses: the sync status line."""

from __future__ import annotations

from typing import Any, cast

from textual.widgets import Static


class StatusLine(Static):
    """The sync status at the foot of a screen: pending ops, last sync, offline."""

    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; color: $text-muted; background: $panel; }
    """

    def __init__(self) -> None:
        super().__init__("", markup=False, id="status-line")

    def on_mount(self) -> None:
        """Follows the app's status line."""
        self.watch(cast(Any, self.app), "sync_line", self._show)

    def _show(self, line: str) -> None:
        self.update(line)
