"""Provides the Textual app: its modes (one per main screen), global keys, and the app factory."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen

from crm_tui.domain.terminal_text import safe
from crm_tui.errors import CrmError
from crm_tui.screens.backend import Backend
from crm_tui.services.session import Session

if TYPE_CHECKING:
    from textual.command import Provider


class Customer(NamedTuple):
    """The customer a screen has selected: what the quick log writes against."""

    id: str
    kind: str
    label: str


def _records_provider() -> type[Provider]:
    from crm_tui.screens.palette import RecordsProvider

    return RecordsProvider


def _today() -> Screen[None]:
    from crm_tui.screens.today import TodayScreen

    return TodayScreen()


def _customers() -> Screen[None]:
    from crm_tui.screens.customers import CustomersScreen

    return CustomersScreen()


def _pipeline() -> Screen[None]:
    from crm_tui.screens.pipeline import PipelineScreen

    return PipelineScreen()


def _inquiries() -> Screen[None]:
    from crm_tui.screens.inquiries import InquiriesScreen

    return InquiriesScreen()


def _quotes() -> Screen[None]:
    from crm_tui.screens.quotes import QuotesScreen

    return QuotesScreen()


def _conflicts() -> Screen[None]:
    from crm_tui.screens.conflicts import ConflictsScreen

    return ConflictsScreen()


# The main screens: a palette entry and a key each; each keeps its own stack of pushed views.
SCREENS_BY_MODE = {
    "today": ("Today", "The agenda, pipeline and this month's figures", _today),
    "customers": ("Customers", "Contacts and companies, search as you type", _customers),
    "pipeline": ("Pipeline", "Open deals by stage", _pipeline),
    "quotes": ("Quotes", "Quotes and the quote editor", _quotes),
    "inquiries": ("Inquiries", "Open and waiting inquiries, oldest first", _inquiries),
    "conflicts": ("Conflicts", "Fields edited on two devices at once", _conflicts),
}


class CrmApp(App[None]):
    """A rep's day: Today, Customers, Pipeline, Quotes, Inquiries, Sync, over the local store."""

    CSS_PATH = "crm.tcss"
    TITLE = "crm"
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        mode: factory for mode, (_, _, factory) in SCREENS_BY_MODE.items()
    }
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {
        *App.COMMANDS,
        _records_provider,
    }
    DEFAULT_MODE = "today"
    # The footer shows few keys (each is a widget to draw at start-up); F1 and Ctrl+P show all.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Keys", id="help"),
        Binding("question_mark", "help", "Keys", show=False, id="help-alt"),
        Binding("t", "switch_mode('today')", "Today", show=False, id="today"),
        Binding("c", "switch_mode('customers')", "Customers", id="customers"),
        Binding("p", "switch_mode('pipeline')", "Pipeline", show=False, id="pipeline"),
        Binding("u", "switch_mode('quotes')", "Quotes", show=False, id="quotes"),
        Binding("i", "switch_mode('inquiries')", "Inquiries", show=False, id="inquiries"),
        Binding("l,ctrl+l", "quick_log", "Log", id="quick-log"),
        Binding("S", "sync", "Sync", id="sync"),
        Binding("X", "switch_mode('conflicts')", "Conflicts", show=False, id="conflicts"),
        Binding("q", "quit", "Quit", show=False, id="quit"),
    ]

    sync_line: reactive[str] = reactive("")
    """Pending ops, the last sync, offline or not: shown at the foot of every screen."""

    def __init__(self, backend: Backend, *, exit_when_ready: bool = False) -> None:
        super().__init__()
        self.backend = backend
        session = backend.session
        self.selected: Customer | None = None
        # For the start-up benchmark: leave as soon as Today has drawn its agenda.
        self.exit_when_ready = exit_when_ready
        self.syncing = False
        keys = session.config.keys
        if keys:
            self.set_keymap(dict(keys))

    def report(self, error: BaseException) -> None:
        """Shows an error as a notification: a user's mistake plainly, anything else as a bug."""
        if isinstance(error, CrmError):
            self.notify(safe(str(error)), severity="error", markup=False)
        else:
            self.log.error(error)
            self.notify(
                f"Something went wrong ({type(error).__name__}: {safe(str(error))}); "
                "nothing was saved by this step.",
                severity="error",
                markup=False,
            )

    def agenda_shown(self) -> None:
        """Today has drawn its agenda: now the status line (the start-up benchmark stops here)."""
        if self.exit_when_ready:
            self.call_after_refresh(self.exit)
        elif not self.sync_line:
            self.refresh_sync_line()

    def action_help(self) -> None:
        """Lists every key in force on this screen."""
        from crm_tui.screens.help import HelpScreen

        self.push_screen(HelpScreen())

    def action_quick_log(self) -> None:
        """Opens the quick log for the selected customer (or asks who)."""
        from crm_tui.screens.quick_log import QuickLogScreen

        self.push_screen(QuickLogScreen(self.selected), self._logged)

    def _logged(self, saved: object) -> None:
        if saved:
            self.refresh_screens()

    def refresh_screens(self) -> None:
        """Tells every screen that the store changed, so each reloads what it shows."""
        from crm_tui.screens.messages import StoreChanged

        for stack in self._screen_stacks.values():
            for screen in stack:
                screen.post_message(StoreChanged())
        self.refresh_sync_line()

    @work(group="status", exclusive=True, exit_on_error=False)
    async def refresh_sync_line(self) -> None:
        """Reads pending ops and the last sync from the store."""
        from crm_tui.services.team import status

        try:
            now = await self.backend.call(status)
        except CrmError as error:
            self.sync_line = f"sync status unavailable: {error}"
            return
        from crm_tui.screens.status import describe

        self.sync_line = describe(now)

    def action_sync(self) -> None:
        """Syncs with the team server in the background, with progress in the footer."""
        from crm_tui.screens.status import run_sync

        run_sync(self)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette: every main screen, the quick log, sync and keys, then Textual's own."""
        for mode, (title, help_text, _) in SCREENS_BY_MODE.items():
            yield SystemCommand(title, help_text, lambda m=mode: self.switch_mode(m))
        yield SystemCommand("Quick log", "Log a visit, call, inquiry, note", self.action_quick_log)
        yield SystemCommand("Sync now", "Push and pull with the team server", self.action_sync)
        yield SystemCommand("Keys", "Every key on this screen", self.action_help)
        yield from super().get_system_commands(screen)

    async def on_unmount(self) -> None:
        """Closes the store when the app ends."""
        self.backend.close()


def make_app(session: Session | Backend, *, exit_when_ready: bool = False) -> CrmApp:
    """Builds the app over an open session, or its backend (used by `crm` and by the tests)."""
    backend = session if isinstance(session, Backend) else Backend(session)
    return CrmApp(backend, exit_when_ready=exit_when_ready)


def run_app(backend: Backend) -> None:
    """Runs the app over the rep's store until the rep quits."""
    app = make_app(backend, exit_when_ready=bool(os.environ.get("CRM_TUI_EXIT_WHEN_READY")))
    app.run()
