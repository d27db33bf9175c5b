"""Tests of `crm cadence send --smtp` end to end against a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.cli.cadence_support import UNSUBSCRIBE, issue_example, write_mail_config
from tests.cli.support import fails, op_count, query
from tests.conftest import Crm


class Inbox:
    """An aiosmtpd handler that keeps what it receives, or refuses every recipient."""

    def __init__(self, refuse: bool = False) -> None:
        self.refuse = refuse
        self.received: list[tuple[list[str], bytes]] = []

    async def handle_RCPT(  # aiosmtpd's hook names
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(inbox: Inbox) -> Iterator[int]:
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def inbox() -> Inbox:
    """What the local SMTP server received."""
    return Inbox()


@pytest.fixture
def smtp_port(inbox: Inbox) -> Iterator[int]:
    """A real SMTP server on 127.0.0.1 that accepts mail."""
    yield from _serve(inbox)


def _configure(port: int) -> None:
    write_mail_config(f'smtp_host = "127.0.0.1"\nsmtp_port = {port}\nstarttls = false\n')


def test_a_sent_step_arrives_and_is_logged_as_done(
    crm: Crm, tmp_path: Path, inbox: Inbox, smtp_port: int
) -> None:
    _configure(smtp_port)
    issue_example(crm, tmp_path)
    crm("cadence", "enrol", "welcome", "ken@example.jp")
    sent = crm("cadence", "send", "ken@example.jp", "--smtp")
    assert sent.out.startswith(
        "Sent ご来場ありがとうございました to 佐藤 健一 <ken@example.jp>; step done"
    )
    [(recipients, raw)] = inbox.received
    assert recipients == ["ken@example.jp"]
    message = email.message_from_bytes(raw, policy=default)
    assert message["To"] == "ken@example.jp"
    assert message["Subject"] == "ご来場ありがとうございました"
    body = message.get_content().replace("\r\n", "\n")
    assert body.startswith("健一 様\n先日はありがとうございました。\n")
    assert body.endswith(f"\n\n{UNSUBSCRIBE}\n")
    assert query("SELECT status FROM tasks WHERE step = 0") == [("done",)]
    [(kind, direction, summary, logged_body)] = query(
        "SELECT type, direction, summary, body FROM activities"
    )
    assert (kind, direction, summary) == ("email", "outbound", "ご来場ありがとうございました")
    assert UNSUBSCRIBE in logged_body
    [position] = crm("cadence", "status", "welcome", "--json").json()["enrolments"]
    assert (position["step"], position["done"]) == (2, 1)


def test_a_refusing_server_leaves_the_step_due_and_nothing_logged(crm: Crm, tmp_path: Path) -> None:
    refusing = Inbox(refuse=True)
    for port in _serve(refusing):
        _configure(port)
        issue_example(crm, tmp_path)
        crm("cadence", "enrol", "welcome", "ken@example.jp")
        line = fails(crm, 8, "cadence", "send", "ken@example.jp", "--smtp")
        assert f"127.0.0.1:{port} refused the recipient" in line
        assert "550 5.1.1 Mailbox unavailable" in line
        assert "Nothing was sent" in line
    assert refusing.received == []
    assert query("SELECT status FROM tasks WHERE step = 0") == [("open",)]
    assert query("SELECT count(*) FROM activities") == [(0,)]


def test_a_port_with_nothing_listening_is_a_clear_error(crm: Crm, tmp_path: Path) -> None:
    port = _free_port()
    _configure(port)
    issue_example(crm, tmp_path)
    crm("cadence", "enrol", "welcome", "ken@example.jp")
    before = op_count()
    line = fails(crm, 8, "cadence", "send", "ken@example.jp", "--smtp")
    assert line == (
        f"crm: Cannot reach the SMTP server 127.0.0.1:{port} (Connection refused); check "
        "smtp_host and smtp_port in [mail] and the network. Nothing was sent."
    )
    assert op_count() == before
    assert next(i["title"] for i in crm("next-actions", "--json").json()) == (
        "ご来場ありがとうございました"
    )
