"""Provides the footer's sync status and the background sync with its progress."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crm_tui.domain.dates import local_time
from crm_tui.services.session import open_session

if TYPE_CHECKING:
    from crm_tui.screens.app import CrmApp
    from crm_tui.services.sync import SyncReport
    from crm_tui.services.team import Status


def describe(status: Status) -> str:
    """One line: pending ops, refused ops, the last sync, and whether this device is offline."""
    parts = [f"{status.pending} pending"]
    if status.rejected:
        parts.append(f"{len(status.rejected)} refused")
    if status.server is None:
        parts.append("not joined to a team (crm login)")
    else:
        parts.append(f"last sync {local_time(status.last_sync) or 'never'}")
        if status.last_error and status.last_attempt != status.last_sync:
            parts.append("offline" if "Cannot reach" in status.last_error else "last sync failed")
    return " · ".join(parts)


def summary(report: SyncReport) -> str:
    """What a sync did, in one line, as `crm sync` says it."""
    line = (
        f"Synced: {report.sent} sent, {report.received} received, "
        f"{report.conflicts} conflicts, {report.rejected} rejected"
    )
    if report.dropped:
        line += f", {report.dropped} dropped (erased person)"
    return line


def run_sync(app: CrmApp) -> None:
    """Starts a sync in a thread on its own connection, so the screens stay usable meanwhile."""
    if app.syncing:
        app.notify("A sync is already running.")
        return
    app.syncing = True
    path = app.backend.session.store.path
    app.run_worker(lambda: _sync(app, path), thread=True, group="sync", exit_on_error=False)


def _sync(app: CrmApp, path: object) -> None:
    from crm_tui.services.sync import sync_now

    def progress(phase: str, done: int, total: int | None) -> None:
        shown = f"{phase} {done}" + (f"/{total}" if total else "")
        app.call_from_thread(setattr, app, "sync_line", f"syncing: {shown}")

    try:
        session = open_session(str(path), app.backend.session.config)
        try:
            report = sync_now(session, progress)
        finally:
            session.close()
    except Exception as error:  # CrmError as a notice; a bug too, instead of ending the app
        app.call_from_thread(app.report, error)
    else:
        app.call_from_thread(app.notify, summary(report), markup=False)
    finally:
        app.call_from_thread(_done, app)


def _done(app: CrmApp) -> None:
    app.syncing = False
    app.refresh_screens()
