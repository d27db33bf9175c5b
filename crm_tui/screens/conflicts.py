"""Provides the Conflicts screen: fields changed on two devices at once, resolved by a key.

Each row is one field of one record with several kept values; beneath the list, the highlighted
conflict's values, numbered as `crm conflicts` numbers them. A digit keeps that value, `e` types
another; either is written through `services.conflicts.resolve`, as `crm resolve` does.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Header, Static

from crm_tui.domain.dates import local_time
from crm_tui.domain.describe import readable
from crm_tui.domain.terminal_text import safe
from crm_tui.screens.base import CrmScreen
from crm_tui.screens.messages import StoreChanged
from crm_tui.screens.text import clipped, plain, shares
from crm_tui.screens.widgets import StatusLine
from crm_tui.services.conflicts import FieldConflict, list_conflicts, resolve

MOST_CHOICES = 9
"""Values a digit key can pick; a conflict with more is resolved by typing the value."""

NONE_YET = (
    "No conflicts.\n\n"
    "A conflict arises when the same field of a record (a phone, a title, a deal's stage) is "
    "changed on two devices before either has synced with the other. Both values are kept, "
    "nothing is lost, and the field is listed here until someone picks one of them or types "
    "another; the choice then syncs to the whole team."
)


def _pick(n: int) -> Binding:
    # One binding per digit so that each can be remapped; the footer shows the first as `1-9`.
    return Binding(
        str(n),
        f"pick({n})",
        "Keep value" if n == 1 else f"Keep value {n}",
        key_display="1-9" if n == 1 else None,
        show=n == 1,
        id=f"conflicts.pick-{n}",
    )


class ConflictsScreen(CrmScreen):
    """Every field in conflict with its kept values; a key keeps one or types another."""

    CSS_PATH = "inquiries.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        *(_pick(n) for n in range(1, MOST_CHOICES + 1)),
        Binding("e", "type_value", "Type a value", id="conflicts.type"),
        Binding("enter", "open", "Open record", id="conflicts.open"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.conflicts: dict[str, FieldConflict] = {}

    def compose(self) -> ComposeResult:
        """The list of conflicts over the highlighted one's values, or why there are none."""
        yield Header()
        with Vertical(id="conflicts-body"):
            table: DataTable[Text] = DataTable(
                id="conflict-list", cursor_type="row", zebra_stripes=True
            )
            table.border_title = "Conflicts"
            yield table
            choices = Static(id="conflict-choices")
            choices.border_title = "Kept values"
            yield choices
        yield Static(Text(NONE_YET), id="conflicts-empty")
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        """Loads the conflicts."""
        self.load()

    def on_store_changed(self, _: StoreChanged) -> None:
        """Reloads after a save or a sync (a sync is what brings conflicts)."""
        self.load()

    @work(group="conflicts", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        """Reads every conflict and shows them."""
        self.show(await self.backend.call(list_conflicts))

    def show(self, conflicts: list[FieldConflict]) -> None:
        """Fills the list (or shows the empty state), keeping the cursor where it was."""
        table: DataTable[Text] = self.query_one("#conflict-list", DataTable)
        current = self.current()
        self.conflicts = {conflict.id: conflict for conflict in conflicts}
        self.query_one("#conflicts-body").display = bool(conflicts)
        self.query_one("#conflicts-empty").display = not conflicts
        room = (table.size.width or self.app.size.width) - 12 - 4 - 2 * 4 - 2
        record_cells, shown_cells = shares(room, (3, 2))
        table.clear(columns=True)
        for label, cells in (
            ("Record", record_cells),
            ("Field", 12),
            ("Shown now", shown_cells),
            ("Kept", 4),
        ):
            table.add_column(label, width=cells, key=label.lower())
        for conflict in conflicts:
            table.add_row(
                clipped(f"{conflict.kind} {conflict.label}", record_cells),
                clipped(conflict.field, 12),
                clipped(readable(conflict.shown), shown_cells),
                plain(str(len(conflict.choices))),
                key=conflict.id,
            )
        table.border_subtitle = f"{len(conflicts)} field" + ("" if len(conflicts) == 1 else "s")
        if current is not None and current.id in self.conflicts:
            table.move_cursor(row=table.get_row_index(current.id))
        self.show_choices()

    def current(self) -> FieldConflict | None:
        """The conflict under the cursor."""
        table: DataTable[Text] = self.query_one("#conflict-list", DataTable)
        if not self.conflicts or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.conflicts.get(key or "")

    @on(DataTable.RowHighlighted, "#conflict-list")
    def show_choices(self) -> None:
        """Shows the highlighted conflict's values, numbered, with who, device and when."""
        conflict = self.current()
        self.query_one("#conflict-choices", Static).update(
            choices_text(conflict, self.crm.backend.session.tz) if conflict else Text()
        )

    def action_pick(self, n: int) -> None:
        """Keeps value `n` of the highlighted conflict."""
        conflict = self.current()
        if conflict is None:
            self.notify("There is no conflict to resolve.")
        elif n > len(conflict.choices):
            self.notify(f"This conflict has {len(conflict.choices)} values; pick 1 to that.")
        else:
            self.resolve(conflict.id, n, None)

    def action_type_value(self) -> None:
        """Asks for a value of one's own, checked as `crm edit` checks it."""
        conflict = self.current()
        if conflict is None:
            self.notify("There is no conflict to resolve.")
            return
        from crm_tui.screens.ask import AskScreen

        def typed(value: str | None) -> None:
            if value is not None:
                self.resolve(conflict.id, None, value)

        question = f"New value for {conflict.field} of {conflict.label}"
        self.app.push_screen(AskScreen(question, "Enter keeps it, Escape cancels"), typed)

    @work(group="conflicts-resolve", exit_on_error=False)
    async def resolve(self, conflict_id: str, pick: int | None, value: str | None) -> None:
        """Writes the chosen value over every kept one, then reloads every screen."""
        done = await self.backend.call(resolve, conflict_id, pick, value)
        self.notify(f"Resolved {done.field} of {done.kind} {safe(done.label)}.", markup=False)
        self.crm.refresh_screens()

    @on(DataTable.RowSelected, "#conflict-list")
    def action_open(self) -> None:
        """Opens the record the highlighted conflict is in."""
        conflict = self.current()
        if conflict is not None:
            from crm_tui.screens.record import RecordScreen

            self.app.push_screen(RecordScreen(conflict.record_id))


def choices_text(conflict: FieldConflict, tz: tzinfo | None) -> Text:
    """The conflict's values, numbered from 1, each with who wrote it, on which device, when."""
    text = Text()
    text.append(f"{conflict.kind} ", style="dim")
    text.append_text(plain(conflict.label, "bold"))
    text.append(f": {conflict.field}\n", style="bold")
    for n, choice in enumerate(conflict.choices, 1):
        text.append(f" {n}. ", style="bold yellow" if n <= MOST_CHOICES else "dim")
        text.append_text(plain(readable(choice.value)))
        if choice.label:
            text.append(" = ")
            text.append_text(plain(choice.label))
        text.append("  (", style="dim")
        text.append_text(plain(choice.rep or "someone", "dim"))
        text.append_text(
            plain(f", device {choice.site_id[-5:]}, {local_time(choice.at, tz)})", "dim")
        )
        text.append("\n")
    text.append("A digit keeps that value; e types another.", style="dim italic")
    return text
