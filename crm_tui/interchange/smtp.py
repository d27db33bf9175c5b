"""Provides sending a message through the rep's SMTP server (`crm cadence send --smtp`).

Only the standard library's smtplib; every failure becomes a `MailError` saying which server,
what it answered and what to check, so the caller can leave the step due.
"""

from __future__ import annotations

import base64
import smtplib
import ssl
from email.message import EmailMessage

from crm_tui.config import Mail
from crm_tui.errors import MailError


def send(message: EmailMessage, mail: Mail, password: str | None) -> None:
    """Sends one message; raises MailError, with nothing sent, when the server will not take it."""
    if not mail.smtp_host:
        raise MailError("No SMTP server is configured; set smtp_host (and smtp_port) in [mail].")
    where = f"{mail.smtp_host}:{mail.smtp_port}"
    try:
        with _connect(mail) as server:
            if mail.starttls and not mail.ssl:
                _starttls(server, where)
            if mail.smtp_user:
                if password is None:
                    raise MailError(
                        f"The SMTP password for {mail.smtp_user} is not set; put it in the "
                        f"environment variable {mail.password_env}."
                    )
                _login(server, mail.smtp_user, password, where)
            server.send_message(message)
    except smtplib.SMTPAuthenticationError as error:
        raise MailError(
            f"{where} refused the login of {mail.smtp_user} ({_said(error)}); check smtp_user "
            f"and the password in ${mail.password_env}. Nothing was sent."
        ) from None
    except smtplib.SMTPRecipientsRefused as error:
        said = "; ".join(f"{who}: {_reply(*reply)}" for who, reply in error.recipients.items())
        raise MailError(
            f"{where} refused the recipient ({said}); check the contact's address. "
            "Nothing was sent."
        ) from None
    except smtplib.SMTPSenderRefused as error:
        raise MailError(
            f"{where} refused the sender {error.sender} ({_said(error)}); check sender in [mail]."
            " Nothing was sent."
        ) from None
    except smtplib.SMTPConnectError as error:
        raise MailError(
            f"{where} refused the connection ({_said(error)}); check smtp_host and smtp_port "
            "in [mail]. Nothing was sent."
        ) from None
    except smtplib.SMTPResponseException as error:
        raise MailError(
            f"{where} refused the message ({_said(error)}); check the server's rules for "
            "this account. Nothing was sent."
        ) from None
    except (smtplib.SMTPException, ssl.SSLError) as error:
        raise MailError(
            f"The mail to {where} failed ({error}); check smtp_host, smtp_port, starttls and "
            "ssl in [mail]. Nothing was sent."
        ) from None
    except OSError as error:
        reason = error.strerror or str(error) or type(error).__name__
        raise MailError(
            f"Cannot reach the SMTP server {where} ({reason}); check smtp_host and smtp_port "
            "in [mail] and the network. Nothing was sent."
        ) from None


def _connect(mail: Mail) -> smtplib.SMTP:
    assert mail.smtp_host is not None
    if mail.ssl:
        return smtplib.SMTP_SSL(
            mail.smtp_host,
            mail.smtp_port,
            timeout=mail.timeout,
            context=ssl.create_default_context(),
        )
    return smtplib.SMTP(mail.smtp_host, mail.smtp_port, timeout=mail.timeout)


def _login(server: smtplib.SMTP, user: str, password: str, where: str) -> None:
    """Logs in; a user name or password beyond ASCII goes as RFC 4616's PLAIN in UTF-8, since
    smtplib would fail encoding it as ASCII."""
    if (user + password).isascii():
        server.login(user, password)
        return
    server.ehlo_or_helo_if_needed()
    if "PLAIN" not in server.esmtp_features.get("auth", "").upper().split():
        raise MailError(
            f"{where} offers no AUTH PLAIN, the only login that carries a user name or password "
            "beyond ASCII; use an ASCII password (or an app password) for this server. "
            "Nothing was sent."
        )
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
    code, said = server.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, said)


def _starttls(server: smtplib.SMTP, where: str) -> None:
    server.ehlo()
    if not server.has_extn("starttls"):
        raise MailError(
            f"{where} does not offer STARTTLS; set ssl = true (port 465) or, for a relay on a "
            "trusted network, starttls = false in [mail]. Nothing was sent."
        )
    server.starttls(context=ssl.create_default_context())
    server.ehlo()


def _said(error: smtplib.SMTPResponseException) -> str:
    return _reply(error.smtp_code, error.smtp_error)


def _reply(code: int, text: bytes | str) -> str:
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(said.split())}"
