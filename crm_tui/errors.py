"""Provides the one error hierarchy; front ends turn it into messages and exit codes."""

from __future__ import annotations


class CrmError(Exception):
    """A user-facing error: the message says what happened and what to do next."""

    exit_code = 1
    details: tuple[str, ...] = ()
    """Lines shown under the message, already safe for a terminal (a caret under a typo)."""


class InvalidInput(CrmError):
    """Input that cannot be understood: a date, an amount, a phone, an email, a field."""

    exit_code = 2


class NotFound(CrmError):
    """A reference that matches no record."""

    exit_code = 3


class Ambiguous(CrmError):
    """A reference that matches several records; the message lists them."""

    exit_code = 4

    def __init__(self, message: str, candidates: list[tuple[str, str, str]]) -> None:
        super().__init__(message)
        self.candidates = candidates


class StoreError(CrmError):
    """The store cannot be used: missing directory, damage, a newer schema, locked."""

    exit_code = 5


class Refused(CrmError):
    """A well-formed request that the rules do not allow (e.g. amending a retracted visit)."""

    exit_code = 6


class SyncError(CrmError):
    """The team server cannot be reached or refuses; the rep's work stays on the device."""

    exit_code = 7


class MailError(CrmError):
    """The mail server cannot be reached or refuses a message; the step stays due."""

    exit_code = 8
