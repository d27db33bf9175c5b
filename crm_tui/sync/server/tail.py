"""Provides the server's memory of its newest ops, as pulls send them.

A team that keeps up pulls the same newest ops over and over (every rep, every sync). The tail
keeps those ops' wire form in memory, so such pulls are a slice and a join instead of a read of
the store. It knows which range of `server_seq` it holds in full: the ops of a push commit in
`server_seq` order (see `Database.transaction`), so once a pull has seen the ops up to some seq,
no op below it can appear later. Only an erasure deletes ops; it bumps a counter in the store
that every pull reads, and a tail filled before it is dropped, in every server process.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from typing import NamedTuple

CAPACITY_BYTES = 64 << 20
"""How much wire text the tail keeps; older ops are read from the store."""


class Version(NamedTuple):
    """What a tail's content depends on: the store's identity and how many erasures it had."""

    epoch: str
    erasures: int


class Tail:
    """The newest ops' wire form, complete for the seqs in `(start, last]`."""

    def __init__(self, capacity: int = CAPACITY_BYTES) -> None:
        self.capacity = capacity
        self._lock = threading.Lock()
        self._version: Version | None = None
        self._start = self._last = 0
        self._seqs: list[int] = []
        self._wires: list[bytes] = []
        self._size = 0

    def read(
        self, version: Version, after: int, limit: int
    ) -> tuple[list[int], list[bytes], int] | None:
        """The ops after `after` that the tail holds (at most `limit`: their seqs and wire
        forms) and the seq up to which that answer is complete; None when it cannot answer."""
        with self._lock:
            if version != self._version or not self._start <= after <= self._last:
                return None
            first = bisect_right(self._seqs, after)
            seqs = self._seqs[first : first + limit]
            wires = self._wires[first : first + limit]
            return seqs, wires, (seqs[-1] if len(seqs) == limit else self._last)

    def remember(
        self, version: Version, after: int, seqs: list[int], wires: list[bytes], high: int
    ) -> None:
        """Takes in what a read of the store found: every op in `(after, high]`."""
        with self._lock:
            if self._version is not None and version != self._version:
                if version.erasures < self._version.erasures:
                    return  # read before an erasure this tail already knows of
                self._reset(version, after)
            elif self._version is None:
                self._reset(version, after)
            elif not self._start <= after <= self._last:
                if high <= self._last:
                    return  # an older stretch (a new device catching up): keep the newest
                self._reset(version, after)
            if high <= self._last:
                return
            new = bisect_right(seqs, self._last)
            self._seqs.extend(seqs[new:])
            self._wires.extend(wires[new:])
            self._size += sum(len(wire) for wire in wires[new:])
            self._last = high
            self._trim()

    def clear(self) -> None:
        """Forgets everything (after an erasure in this process)."""
        with self._lock:
            self._reset(None, 0)

    def _reset(self, version: Version | None, after: int) -> None:
        self._version, self._start, self._last = version, after, after
        self._seqs, self._wires, self._size = [], [], 0

    def _trim(self) -> None:
        if self._size <= self.capacity:
            return
        drop = 0
        while self._size > self.capacity // 2 and drop < len(self._wires):
            self._size -= len(self._wires[drop])
            drop += 1
        self._start = self._seqs[drop - 1]
        del self._seqs[:drop], self._wires[:drop]
