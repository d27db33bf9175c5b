"""Tests of `crm cadence send --smtp` end to end against a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import email
import socket
import ssl
from collections.abc import Iterator
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.cli.cadence_support import UNSUBSCRIBE, issue_example, write_mail_config
from tests.cli.support import fails, op_count, query
from tests.conftest import Crm


class Inbox:
    """An aiosmtpd handler that keeps what it receives, or refuses every recipient."""

    def __init__(self, refuse: bool = False) -> None:
        self.refuse = refuse
        self.received: list[tuple[list[str], bytes]] = []
        self.secured: list[bool] = []
        """For each message received, whether it came over TLS."""

    async def handle_RCPT(  # aiosmtpd's hook names
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        self.secured.append(server.transport.get_extra_info("ssl_object") is not None)
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


@pytest.fixture
def certificate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    """A server certificate for 127.0.0.1 from a throwaway authority that this test trusts
    the way a rep's machine trusts a real one (through the default verify paths)."""
    authority = trustme.CA()
    bundle = tmp_path / "authority.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    return context


def _alice_only(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    """The server's check of a login: alice with her password, and nobody else."""
    known = isinstance(data, LoginPassword) and (data.login, data.password) == PASSWORD
    # handled=False: aiosmtpd answers a failed login itself (535), as a real server does.
    return AuthResult(success=known, handled=False)


PASSWORD = (b"alice", "s3cret パス".encode())


def _secure_server(inbox: Inbox, context: ssl.SSLContext, *, implicit: bool) -> Controller:
    """A server that wants TLS (STARTTLS, or TLS from the first byte) and a login."""
    port = _free_port()
    # aiosmtpd offers AUTH only after its own STARTTLS: on a connection that is TLS from the
    # start it must be told that the login may go ahead.
    tls: dict[str, Any] = (
        {"ssl_context": context, "auth_require_tls": False}
        if implicit
        else {"tls_context": context, "require_starttls": True}
    )
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=_alice_only,
        auth_required=True,
        server_hostname="127.0.0.1",
        **tls,
    )
    controller.start()
    return controller


# aiosmtpd warns of AUTH without its STARTTLS, which is what TLS from the first byte looks like.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "ssl"])
def test_a_server_that_wants_tls_and_a_login_gets_both(
    crm: Crm,
    tmp_path: Path,
    inbox: Inbox,
    certificate: ssl.SSLContext,
    monkeypatch: pytest.MonkeyPatch,
    implicit: bool,
) -> None:
    controller = _secure_server(inbox, certificate, implicit=implicit)
    try:
        mode = "ssl = true" if implicit else "starttls = true"
        write_mail_config(
            f'smtp_host = "127.0.0.1"\nsmtp_port = {controller.port}\n{mode}\nsmtp_user = "alice"\n'
        )
        issue_example(crm, tmp_path)
        crm("cadence", "enrol", "welcome", "ken@example.jp")
        # Without the password in its variable: said, and nothing sent.
        monkeypatch.delenv("CRM_SMTP_PASSWORD", raising=False)
        line = fails(crm, 8, "cadence", "send", "ken@example.jp", "--smtp")
        assert "CRM_SMTP_PASSWORD" in line
        # A wrong password: the server's refusal is passed on, nothing sent, step still due.
        monkeypatch.setenv("CRM_SMTP_PASSWORD", "wrong")
        line = fails(crm, 8, "cadence", "send", "ken@example.jp", "--smtp")
        assert f"127.0.0.1:{controller.port} refused the login of alice (535" in line
        assert inbox.received == []
        monkeypatch.setenv("CRM_SMTP_PASSWORD", PASSWORD[1].decode())
        crm("cadence", "send", "ken@example.jp", "--smtp")
    finally:
        controller.stop()
    [(recipients, raw)] = inbox.received
    assert recipients == ["ken@example.jp"]
    assert (
        email.message_from_bytes(raw, policy=default)["Subject"] == "ご来場ありがとうございました"
    )
    assert inbox.secured == [True]
    assert query("SELECT status FROM tasks WHERE step = 0") == [("done",)]


def test_starttls_asked_of_a_server_without_it_sends_nothing(
    crm: Crm, tmp_path: Path, inbox: Inbox, smtp_port: int
) -> None:
    write_mail_config(f'smtp_host = "127.0.0.1"\nsmtp_port = {smtp_port}\n')
    issue_example(crm, tmp_path)
    crm("cadence", "enrol", "welcome", "ken@example.jp")
    line = fails(crm, 8, "cadence", "send", "ken@example.jp", "--smtp")
    assert line.startswith(f"crm: 127.0.0.1:{smtp_port} does not offer STARTTLS; set ssl = true")
    assert inbox.received == []
