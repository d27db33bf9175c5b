"""Provides the progress bar that long commands (sync, import) draw on stderr, with Rich."""

from __future__ import annotations

from crm_tui.services.progress import Progress


def progress_bar(threshold: int = 2000) -> Progress:
    """A bar per phase, shown only when a phase has at least `threshold` items to do."""
    from rich.progress import Progress as Bar
    from rich.progress import TaskID

    bar = Bar(transient=True)
    tasks: dict[str, TaskID] = {}

    def show(phase: str, done: int, total: int | None) -> None:
        if phase == "done":
            if tasks:
                bar.stop()
            return
        if total is not None and total < threshold and phase not in tasks:
            return  # short work needs no bar
        if not tasks:
            bar.start()
        if phase not in tasks:
            tasks[phase] = bar.add_task(phase, total=total)
        bar.update(tasks[phase], completed=done, total=total)

    return show
