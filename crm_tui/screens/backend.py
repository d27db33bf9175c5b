"""Provides the TUI's backend: service calls run on one thread that owns the store.

Screens never touch SQLite on the event loop; they `await backend.call(service, ...)` inside a
worker, so a slow query cannot freeze the interface, and calls never interleave on the one
connection because a single thread runs them in the order they were made.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from crm_tui.services.session import Session, current_time

P = ParamSpec("P")
T = TypeVar("T")


class Backend:
    """Runs services against the rep's session, one call at a time, off the event loop."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crm-store")
        self._early: dict[Callable[..., Any], Future[Any]] = {}

    def prefetch(self, service: Callable[[Session], Any]) -> None:
        """Starts `service(session)` now, so its first `call` finds it done or under way.

        The app asks for the agenda this way before Textual is even imported: the query and
        the start-up then run at the same time.
        """
        self._early[service] = self._pool.submit(self._run, service)

    async def call(
        self,
        service: Callable[Concatenate[Session, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Runs `service(session, *args, **kwargs)` on the store's thread and returns its result."""
        early = None if args or kwargs else self._early.pop(service, None)
        if early is not None:
            return cast(T, await asyncio.wrap_future(early))
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, partial(self._run, service, *args, **kwargs))

    def _run(self, service: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        # The app lives for hours: "now" is read at each call, not when the store was opened.
        self.session.now = current_time()
        return service(self.session, *args, **kwargs)

    def close(self) -> None:
        """Drops calls not yet started, waits for the one in progress, then closes the store."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self.session.close()
