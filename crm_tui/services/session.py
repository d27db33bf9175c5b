"""Provides a session: the config, the open store and the clock a use case runs against."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path

from crm_tui.config import Config, load_config
from crm_tui.errors import InvalidInput
from crm_tui.storage.db import Store, open_store


class Session:
    """What every use case needs: settings, the store and "now"."""

    def __init__(self, config: Config, store: Store, now: datetime | None = None) -> None:
        self.config = config
        self.store = store
        self.now = now or current_time()

    @property
    def tz(self) -> tzinfo | None:
        """The zone times are shown in and due dates are counted in; None is the system's."""
        return local_zone(self.config)

    @property
    def today(self) -> date:
        """Today's local date."""
        return self.now.astimezone(self.tz).date()

    @property
    def rep(self) -> str:
        """The rep this device writes as."""
        return self.store.rep

    def close(self) -> None:
        """Closes the store."""
        self.store.close()


def current_time() -> datetime:
    """Now, in UTC; `CRM_NOW` (ISO 8601) pins it for tests and demos."""
    pinned = os.environ.get("CRM_NOW")
    if pinned:
        try:
            value = datetime.fromisoformat(pinned)
        except ValueError:
            raise InvalidInput(f"CRM_NOW={pinned!r} is not an ISO 8601 time.") from None
        return (value if value.tzinfo else value.astimezone()).astimezone(UTC)
    return datetime.now(UTC)


def local_zone(config: Config) -> tzinfo | None:
    """The configured IANA zone, else None: the system's rules, which `astimezone` applies."""
    if config.timezone:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return ZoneInfo(config.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(
                f"timezone {config.timezone!r} in the config is not an IANA zone like Asia/Tokyo."
            ) from None
    return None


def open_session(db: str | Path | None = None, config: Config | None = None) -> Session:
    """Opens the rep's store (`--db`, `CRM_DB` or the data directory) with the config."""
    from crm_tui.paths import store_path

    config = config or load_config()
    path, is_default = store_path(db)
    store = open_store(path, config.rep, create_parent=is_default)
    return Session(config=config, store=store)
