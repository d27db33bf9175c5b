"""Provides record ids made on the device: ULIDs, time-sortable and needing no coordination."""

from __future__ import annotations

import os
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ID_LENGTH = 26
SHORT_ID_LENGTH = 12
"""Human output shows this many characters: the millisecond plus ten random bits."""


_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]
"""Every two-character group, indexed by its 10 bits (an import makes ids by the hundred
thousand: two characters per step halves the work)."""
_SHIFTS = tuple(range(120, -10, -10))


def encode_ulid(ms: int, randomness: bytes) -> str:
    """Encodes a 48-bit millisecond time and 80 random bits as a 26-character ULID."""
    value = (ms & 0xFFFF_FFFF_FFFF) << 80 | int.from_bytes(randomness[:10], "big")
    return "".join([_PAIRS[(value >> shift) & 1023] for shift in _SHIFTS])


def new_id(ms: int | None = None) -> str:
    """Makes a fresh id; fresh randomness each time keeps short prefixes distinct."""
    return encode_ulid(time.time_ns() // 1_000_000 if ms is None else ms, os.urandom(10))


# Each random byte names one character by its low 5 bits (256 is a multiple of 32, so every
# character is equally likely): 16 bytes make the 80 random bits of one id.
_BYTE_TO_CHAR = bytes.maketrans(
    bytes(range(256)), bytes(ord(_CROCKFORD[b & 31]) for b in range(256))
)


def new_ids(count: int) -> list[str]:
    """Makes `count` fresh ids with one read of the OS's randomness (an import makes thousands)."""
    prefix = encode_ulid(time.time_ns() // 1_000_000, bytes(10))[:10]
    text = os.urandom(16 * count).translate(_BYTE_TO_CHAR).decode("ascii")
    return [prefix + text[start : start + 16] for start in range(0, 16 * count, 16)]


def looks_like_id_prefix(text: str) -> bool:
    """Tells whether text could be an id or an id prefix of at least 8 characters."""
    if not 8 <= len(text) <= ID_LENGTH:
        return False
    return all(c in _CROCKFORD for c in text.upper())


def id_time_ms(record_id: str) -> int:
    """Returns the millisecond timestamp inside an id."""
    value = 0
    for c in record_id[:10].upper():
        value = value * 32 + _CROCKFORD.index(c)
    return value
