"""Provides what every screen and dialog shares: the backend, and errors as notifications."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from crm_tui.screens.app import CrmApp
    from crm_tui.screens.backend import Backend


class Backed:
    """Mixin for screens: the typed app, its backend, and failed work shown as a notice."""

    @property
    def crm(self) -> CrmApp:
        """The app, typed."""
        return cast("CrmApp", cast(Any, self).app)

    @property
    def backend(self) -> Backend:
        """Runs service calls off the event loop."""
        return self.crm.backend

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Shows a worker's error as a notification instead of ending the app."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.crm.report(event.worker.error)


class CrmScreen(Backed, Screen[None]):
    """A main screen of the app."""


class CrmModal(Backed, ModalScreen[Any]):
    """A dialog over a screen."""
