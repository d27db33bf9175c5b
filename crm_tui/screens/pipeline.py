"""Provides the Pipeline screen: deals in columns by stage, moved a stage at a time by key.

Issue 5: "deals in columns by stage; move a deal to the next or previous stage with a key;
amounts and the weighted total per column." As many columns as fit (three at 80 columns, four at
120) are shown at a time; moving past the edge slides the window so the focused stage is always in
view. A moved deal keeps the cursor, so `]` twice moves it two stages.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import DescendantFocus
from textual.widgets import DataTable, Footer, Header, Static

from crm_tui.domain.money import format_money
from crm_tui.domain.records import Deal
from crm_tui.domain.terminal_text import safe
from crm_tui.screens.app import Customer
from crm_tui.screens.base import CrmScreen
from crm_tui.screens.messages import StoreChanged
from crm_tui.screens.text import clipped, plain
from crm_tui.screens.widgets import StatusLine
from crm_tui.services import pipeline
from crm_tui.services.pipeline import Board, Card, Column

COLUMN_CELLS = 26
"""The narrowest column that still shows a card legibly: 80 columns show three stages."""

CARD_FRAME = 5
"""Cells of a column that are not card text: border (2), cell padding (2), scrollbar (1)."""


class StageTable(DataTable[Text]):
    """One stage's deals, a three-line card per deal."""


class PipelineScreen(CrmScreen):
    """Every stage as a column of deal cards, with count, total and weighted total on top."""

    CSS_PATH = "pipeline.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: a stage's table would otherwise take left and right to scroll sideways.
        Binding("left", "column(-1)", "Stage left", show=False, priority=True, id="pipeline.left"),
        Binding(
            "right", "column(1)", "Stage right", show=False, priority=True, id="pipeline.right"
        ),
        Binding("right_square_bracket,shift+right", "step(1)", "Next stage", id="pipeline.next"),
        Binding("left_square_bracket,shift+left", "step(-1)", "Prev stage", id="pipeline.previous"),
        Binding("enter", "open", "Open", show=False, id="pipeline.open"),
        Binding("w", "won", "Won", id="pipeline.won"),
        Binding("x", "lost", "Lost…", id="pipeline.lost"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.board: Board | None = None
        self.focused_stage = 0
        """The index of the focused stage."""
        self.first_shown = 0
        """The index of the leftmost stage in view."""
        self.follow: str | None = None
        """A deal just moved: the cursor goes to it once the board is read again."""

    @property
    def stages(self) -> tuple[str, ...]:
        """The configured stages, open ones first, then won and lost."""
        return self.crm.backend.session.config.deal_stages

    def compose(self) -> ComposeResult:
        """A column per stage: its header over its cards."""
        yield Header()
        closed = self.stages[-2:]
        with Horizontal(id="board"):
            for index, stage in enumerate(self.stages):
                classes = "stage-column closed" if stage in closed else "stage-column"
                with Vertical(id=f"column-{index}", classes=classes):
                    yield Static(id=f"head-{index}", classes="stage-head")
                    yield StageTable(
                        id=f"stage-{index}",
                        cursor_type="row",
                        show_header=False,
                        zebra_stripes=True,
                    )
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        """Shows the first stages and reads the board."""
        self.tables()[0].focus()
        self.place_columns()
        self.load()

    def on_resize(self) -> None:
        """Fits as many stages as the width allows, and the cards to the columns."""
        self.place_columns()
        if self.board is not None:
            self.show_board(self.board)

    def on_store_changed(self, _: StoreChanged) -> None:
        """Reloads after a save or a sync."""
        self.load()

    def tables(self) -> list[StageTable]:
        """The stages' tables, in stage order."""
        return list(self.query(StageTable))

    def fitting(self) -> int:
        """How many stages fit side by side."""
        width = self.size.width or self.app.size.width
        return max(1, min(len(self.stages), width // COLUMN_CELLS))

    def place_columns(self) -> None:
        """Slides the window of shown stages so the focused one is in it."""
        shown = self.fitting()
        self.first_shown = min(self.first_shown, self.focused_stage)
        self.first_shown = max(self.first_shown, self.focused_stage - shown + 1)
        for index, column in enumerate(self.query(".stage-column")):
            column.display = self.first_shown <= index < self.first_shown + shown
        last = min(len(self.stages), self.first_shown + shown)
        self.sub_title = f"stages {self.first_shown + 1}–{last} of {len(self.stages)}"

    @work(group="pipeline", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        """Reads the board and shows it."""
        self.show_board(await self.backend.call(pipeline.load_board))

    def show_board(self, board: Board) -> None:
        """Fills every column, keeping each cursor where it was (or on a deal just moved)."""
        self.board = board
        cells = max(8, (self.size.width or self.app.size.width) // self.fitting() - CARD_FRAME)
        for index, (column, table) in enumerate(zip(board.columns, self.tables(), strict=True)):
            self.query_one(f"#head-{index}", Static).update(_head(column, board.currency, cells))
            row = table.cursor_row
            table.clear(columns=True)
            table.add_column("Deal", key="deal", width=cells)
            for card in column.cards:
                table.add_row(_card_text(card, cells), height=3, key=card.deal_id)
            if column.cards:
                table.move_cursor(row=min(row, len(column.cards) - 1))
        found = board.find(self.follow) if self.follow else None
        self.follow = None
        if found is not None:
            self.focus_column(found[0])
            self.tables()[found[0]].move_cursor(row=found[1])

    def focus_column(self, index: int) -> None:
        """Focuses a stage's column, sliding the window to show it."""
        self.focused_stage = max(0, min(index, len(self.stages) - 1))
        self.tables()[self.focused_stage].focus()
        self.place_columns()

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        """A click on a column focuses that stage."""
        tables = self.tables()
        if isinstance(event.widget, StageTable) and event.widget in tables:
            self.focused_stage = tables.index(event.widget)
            self.place_columns()

    def current_card(self) -> Card | None:
        """The deal under the cursor of the focused stage."""
        if self.board is None:
            return None
        table = self.tables()[self.focused_stage]
        cards = self.board.columns[self.focused_stage].cards
        if table.row_count == 0 or not cards:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((card for card in cards if card.deal_id == key), None)

    def action_column(self, step: int) -> None:
        """Moves to the stage on the left or right."""
        self.focus_column(self.focused_stage + step)

    @on(DataTable.RowHighlighted)
    def remember_customer(self, _: DataTable.RowHighlighted) -> None:
        """The quick log writes against the highlighted deal's contact (or company)."""
        card = self.current_card()
        if card is not None and card.contact_id:
            self.crm.selected = Customer(card.contact_id, "contact", card.customer)
        elif card is not None and card.company_id:
            self.crm.selected = Customer(card.company_id, "company", card.customer)

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        """Opens the highlighted deal."""
        card = self.current_card()
        if card is not None:
            from crm_tui.screens.record import RecordScreen

            self.app.push_screen(RecordScreen(card.deal_id))

    def action_step(self, step: int) -> None:
        """Moves the highlighted deal to the next (1) or previous (-1) stage."""
        card = self.current_card()
        if card is None:
            self.notify("No deal here to move.")
            return
        self.move(card.deal_id, step)

    def action_won(self) -> None:
        """Marks the highlighted deal won."""
        card = self.current_card()
        if card is not None:
            self.close_deal(card.deal_id, won=True, reason=None)

    def action_lost(self) -> None:
        """Asks why the highlighted deal was lost (optional), then marks it lost."""
        card = self.current_card()
        if card is None:
            return
        from crm_tui.screens.ask import AskScreen

        def answered(reason: str | None) -> None:
            if reason is not None:
                self.close_deal(card.deal_id, won=False, reason=reason)

        question = f"Mark “{safe(card.title)}” lost. Why? (optional; Escape cancels)"
        self.app.push_screen(AskScreen(question, "price, timing, competitor…"), answered)

    @work(group="pipeline-move", exit_on_error=False)
    async def move(self, deal_id: str, step: int) -> None:
        """Steps a deal through `move_deal`, then reloads every screen."""
        self.moved(await self.backend.call(pipeline.step_deal, deal_id, step))

    @work(group="pipeline-move", exit_on_error=False)
    async def close_deal(self, deal_id: str, *, won: bool, reason: str | None) -> None:
        """Marks a deal won or lost, then reloads every screen."""
        if won:
            deal = await self.backend.call(pipeline.mark_won, deal_id)
        else:
            deal = await self.backend.call(pipeline.mark_lost, deal_id, reason)
        self.moved(deal)

    def moved(self, deal: Deal) -> None:
        """Says where the deal went and keeps the cursor on it."""
        self.follow = deal.id
        self.notify(f"{safe(deal.title)} → {deal.stage}", markup=False)
        self.crm.refresh_screens()


def _head(column: Column, currency: str, cells: int) -> Text:
    """A stage's name and count, its total, and its weighted total (or how far back it goes)."""
    text = Text()
    text.append_text(clipped(column.stage, cells - 6, "bold"))
    text.append(f" {len(column.cards)}\n", style="bold")
    text.append_text(clipped(_money(column.amount, currency), cells))
    text.append("\n")
    if column.closed:
        text.append(f"last {pipeline.CLOSED_DAYS} days", style="dim")
    else:
        text.append_text(clipped("weighted " + _money(column.weighted, currency), cells, "dim"))
    return text


def _money(amounts: dict[str, int], currency: str) -> str:
    """Totals per currency, the configured currency first: `¥1,500,000 + $2,000.00`."""
    codes = sorted(amounts, key=lambda code: (code != currency, code))
    return " + ".join(format_money(amounts[code], code) for code in codes) or format_money(
        0, currency
    )


def _card_text(card: Card, cells: int) -> Text:
    """Three lines: the deal's title, its customer, its amount and chance."""
    amount = format_money(card.amount, card.currency) if card.amount is not None else "no amount"
    return Text("\n").join(
        [
            clipped(card.title, cells, "bold"),
            clipped(card.customer or "—", cells, "dim"),
            plain(f"{amount} · {card.probability}%"),
        ]
    )
