"""Provides the messages screens share: the store changed, a customer was chosen."""

from __future__ import annotations

from textual.message import Message


class StoreChanged(Message):
    """Something was saved (here, or by a sync): screens reload what they show."""
