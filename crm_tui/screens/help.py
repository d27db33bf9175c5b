"""Provides the keys screen: every key in force where it was opened, with what it does."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Label

from crm_tui.screens.base import CrmModal
from crm_tui.screens.text import plain


class HelpScreen(CrmModal):
    """The keys of the screen beneath and of the app; ids are what the config's [keys] remaps."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,f1", "close", "Close", id="help.close"),
    ]

    def compose(self) -> ComposeResult:
        """A table of key, what it does, and the id to remap it by."""
        with Vertical(classes="dialog wide"):
            yield Label("Keys (remap them in config.toml under [keys], by id)")
            yield DataTable(id="keys", cursor_type="row")

    def on_mount(self) -> None:
        """Lists the bindings active on the screen beneath, app-wide ones last."""
        table: DataTable[Text] = self.query_one("#keys", DataTable)
        table.add_columns("Key", "Does", "Id")
        beneath = self.app.screen_stack[-2] if len(self.app.screen_stack) > 1 else self.app.screen
        seen: set[str] = set()
        for key, active in beneath.active_bindings.items():
            binding = active.binding
            if binding.id is None or binding.id in seen or not binding.description:
                continue
            seen.add(binding.id)
            shown = self.app.get_key_display(binding.with_key(key))
            table.add_row(plain(shown), plain(binding.description), plain(binding.id))

    def action_close(self) -> None:
        """Back to the screen."""
        self.dismiss(None)
