"""Provides the progress callback long use cases (sync, import) report through."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int | None], None]
"""Called with (what, done, total or None); a front end draws it, `what == "done"` ends it."""
