"""Provides widgets screens share: the sync status line, tables and lists that fit their width."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from rich.text import Text
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, OptionList, Static
from textual.widgets.option_list import Option

from crm_tui.screens.text import SEPARATOR, line_of, shares


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


class LineList(OptionList):
    """A list of records as pre-cut lines of columns: cheap to fill and to redraw.

    Each row is one line of text cut to the columns' widths (computed from the list's width),
    so nothing is measured cell by cell; `header()` is the matching line of column names. When
    the width changes the list posts `Resized` and its screen refills it.
    """

    @dataclass
    class Resized(Message):
        """The list's width is not the one its lines were cut for."""

        lines: LineList

    def __init__(self, columns: Sequence[Column], **options: Any) -> None:
        super().__init__(**options)
        self.spec = tuple(columns)
        self.widths: list[int] = []
        self.fitted_room = 0
        self.keys: list[str] = []
        self.fresh = False

    def start(self) -> None:
        """Fits the columns to the list's width now; the next `add` replaces every line."""
        self.fresh = True
        self.keys = []
        room = self.room
        separators = len(SEPARATOR) * (len(self.spec) - 1)
        fixed = sum(column.width for column in self.spec)
        flexible = shares(
            room - fixed - separators,
            tuple(column.weight for column in self.spec if not column.width),
        )
        shared = iter(flexible)
        self.widths = [column.width or next(shared) for column in self.spec]
        self.fitted_room = room
        # The first lines may arrive before the list is laid out: check again once it is drawn.
        self.call_after_refresh(self.check_fit)

    def header(self) -> Content:
        """The column names, cut and spaced like the lines."""
        return line_of(tuple(column.label for column in self.spec), self.widths, "bold")

    def add(self, rows: Iterable[tuple[str, tuple[object, ...], str]]) -> None:
        """Adds lines: each a key, its cells (untrusted text is fine) and a style."""
        options = []
        for key, cells, style in rows:
            options.append(Option(line_of(cells, self.widths, style)))
            self.keys.append(key)
        if self.fresh:
            # Replacing in one step redraws the list once, not once empty and once filled.
            self.fresh = False
            self.set_options(options)
        else:
            self.add_options(options)

    @property
    def current_key(self) -> str | None:
        """The key of the highlighted line."""
        index = self.highlighted
        return None if index is None or not 0 <= index < len(self.keys) else self.keys[index]

    def highlight_key(self, key: str) -> None:
        """Moves the highlight to the line with this key, if there is one."""
        if key in self.keys:
            self.highlighted = self.keys.index(key)

    def check_fit(self) -> None:
        """Asks the screen to refill the lines when the width they were cut for has changed."""
        if self.keys and self.room != self.fitted_room:
            self.post_message(self.Resized(self))

    def on_resize(self) -> None:
        """A new size may need a refit."""
        self.check_fit()

    @property
    def room(self) -> int:
        """Cells a line may take, after the border, padding and scrollbar."""
        return max(30, self.scrollable_content_region.width - 1)
