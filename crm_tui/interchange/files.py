"""Provides `write_atomically`: a file written whole or not at all (exports, vdir cards)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Writes a file through a hidden temp file and a rename, so no reader sees half of it.

    An OSError (no such folder, no permission, a full disk) reaches the caller, with the temp
    file removed.
    """
    # `.tmp` does not end in `.vcf`, so vdir readers skip a temp file left by a crash.
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            # Without fsync a crash after the rename could leave an empty file in its place.
            os.fsync(handle.fileno())
        temp.replace(path)  # os.replace: atomic on POSIX and Windows
    except BaseException:  # even an interrupt must not leave the temp file behind
        temp.unlink(missing_ok=True)
        raise
