"""Provides cadence emails as files and links: an RFC 5322 message, an `.eml` draft, a `mailto:`.

Built with the standard library's `email` package: the subject is encoded as RFC 2047 UTF-8
words and the body as UTF-8, so Japanese text arrives intact in any mail client.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import quote

from crm_tui.domain.cadences import Draft
from crm_tui.interchange.files import write_atomically


def build_message(draft: Draft, sender: str | None, when: datetime) -> EmailMessage:
    """The draft as a message: To, Subject, Date, Message-ID, From when configured."""
    message = EmailMessage(policy=SMTP)
    if sender:
        message["From"] = sender
    message["To"] = draft.to
    message["Subject"] = draft.subject
    message["Date"] = format_datetime(when)
    # make_msgid() without a domain asks the resolver for this host's name: slow offline.
    domain = parseaddr(sender or "")[1].rpartition("@")[2] or "crm.invalid"
    message["Message-ID"] = make_msgid(domain=domain)
    # base64 keeps the body 7-bit clean through any relay (8bit needs the server's 8BITMIME).
    message.set_content(draft.body, charset="utf-8", cte="base64")
    return message


def write_eml(folder: Path, message: EmailMessage, name: str) -> Path:
    """Writes the message as `<name>.eml` in `folder`, whole or not at all; returns its path.

    `X-Unsent: 1` makes Outlook and others open the file as a draft ready to send.
    """
    message["X-Unsent"] = "1"
    path = folder / f"{_file_name(name)}.eml"
    write_atomically(path, message.as_bytes())
    return path


def _file_name(name: str) -> str:
    # Names come from contacts' names: keep letters (Japanese too), digits and a few marks.
    cleaned = re.sub(r"[^\w.-]+", "-", name, flags=re.UNICODE).strip("-.")
    return cleaned[:120] or "draft"


def mailto_url(draft: Draft) -> str:
    """A `mailto:` URL (RFC 6068) that opens the draft in the user's mail client."""
    body = draft.body.replace("\r\n", "\n").replace("\n", "\r\n")
    return (
        f"mailto:{quote(draft.to, safe='@')}"
        f"?subject={quote(draft.subject, safe='')}&body={quote(body, safe='')}"
    )
