"""Provides small widgets screens share: the sync status line, a table that fits its width."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable, Static

from crm_tui.screens.text import shares


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


class Column(NamedTuple):
    """A table column: a fixed width in cells, or a share (weight) of what the fixed ones leave."""

    label: str
    width: int = 0
    weight: int = 0


class FittedTable(DataTable[Text]):
    """A table with set column widths that fill its width; cells are cut to fit, never scrolled.

    Fixed widths spare the table from measuring every cell (what makes a refill fast), and when
    the table's width changes it asks its screen, by a message, to refill the rows.
    """

    @dataclass
    class Resized(Message):
        """The table's width is not the one its rows were cut for."""

        table: FittedTable

    def __init__(self, columns: Sequence[Column], **options: Any) -> None:
        super().__init__(**options)
        self.spec = tuple(columns)
        self.widths: list[int] = []
        self.fitted_room = 0

    def start(self) -> list[int]:
        """Empties the rows and returns each column's width, to cut the next rows' cells to."""
        room = self.room
        fixed = sum(column.width for column in self.spec)
        flexible = shares(
            room - fixed - 2 * len(self.spec),
            tuple(column.weight for column in self.spec if not column.width),
        )
        shared = iter(flexible)
        widths = [column.width or next(shared) for column in self.spec]
        if widths != self.widths:
            self.clear(columns=True)
            for column, width in zip(self.spec, widths, strict=True):
                self.add_column(column.label, width=width)
            self.widths = widths
        else:
            self.clear()
        self.fitted_room = room
        # The first rows may arrive before the table is laid out: check again once it is drawn.
        self.call_after_refresh(self.check_fit)
        return widths

    def check_fit(self) -> None:
        """Asks the screen to refill the rows when the width they were cut for has changed."""
        if self.row_count and self.room != self.fitted_room:
            self.post_message(self.Resized(self))

    def on_resize(self) -> None:
        """A new size may need a refit."""
        self.check_fit()

    @property
    def room(self) -> int:
        """Cells available for column contents, after the border and the scrollbar."""
        return max(20, self.scrollable_content_region.width - 1)
