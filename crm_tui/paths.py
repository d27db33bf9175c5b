"""Provides where crm keeps its files (XDG directories via platformdirs; env vars override)."""

from __future__ import annotations

import os
from pathlib import Path

APP = "crm"


def data_dir() -> Path:
    """The user's data directory for crm."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def config_dir() -> Path:
    """The user's config directory for crm."""
    import platformdirs

    return Path(platformdirs.user_config_dir(APP, appauthor=False))


def store_path(option: str | Path | None) -> tuple[Path, bool]:
    """The rep's store: `--db`, else `CRM_DB`, else the data directory.

    Returns the path and whether it is the default location (whose directory crm may create).
    """
    chosen = option or os.environ.get("CRM_DB")
    if chosen:
        return Path(chosen).expanduser(), False
    return data_dir() / "crm.db", True
