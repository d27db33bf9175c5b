"""Provides the command palette's jump to any customer, deal or quote by name."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual.command import Hit, Hits, Provider
from textual.content import Content

from crm_tui.domain.terminal_text import safe
from crm_tui.errors import CrmError
from crm_tui.services.search import search

if TYPE_CHECKING:
    from crm_tui.screens.app import CrmApp

JUMP_KINDS = ("contact", "company", "deal", "quote")


class RecordsProvider(Provider):
    """Finds customers, deals and quotes as the palette's query is typed."""

    async def search(self, query: str) -> Hits:
        """The store's best matches (names, readings, numbers), each opening its record."""
        app = cast("CrmApp", self.app)
        if not query.strip():
            return
        try:
            hits = await app.backend.call(search, query, limit=12, kinds=JUMP_KINDS)
        except CrmError:
            return
        for rank, hit in enumerate(hits):
            # Names are untrusted: shown as plain Content, never through markup or highlight().
            yield Hit(
                1.0 - rank / 100,
                Content(f"{safe(hit.label)}  ({hit.kind})"),
                partial(_open, app, hit.id),
                text=hit.label,
                help=f"Open this {hit.kind}",
            )


def _open(app: Any, record_id: str) -> None:
    from crm_tui.screens.record import RecordScreen

    app.push_screen(RecordScreen(record_id))
