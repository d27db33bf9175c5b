"""Provides the issue's cadence example for command tests: welcome.toml, 佐藤 健一, mail config."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.conftest import Crm

WELCOME = """\
name = "welcome"
[[steps]]
day = 0
channel = "email"
subject = "ご来場ありがとうございました"
body = "{given_name} 様\\n先日はありがとうございました。\\n{rep_signature}"
[[steps]]
day = 3
channel = "email"
subject = "資料のご案内"
body = "{given_name} 様\\n製品資料をお送りします。"
[[steps]]
day = 10
channel = "call"
subject = "Follow-up call"
"""
UNSUBSCRIBE = "配信停止をご希望の方は、このメールにご返信ください。"
SIGNATURE = "ミナト商事 営業部 Alice Sato"


def write_welcome(folder: Path, text: str = WELCOME, name: str = "welcome.toml") -> Path:
    """Writes the issue's welcome.toml (or other text) and returns its path."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def write_mail_config(extra: str = "", *, unsubscribe: bool = True) -> None:
    """Writes a config with the rep's name and [mail] (and `extra` lines inside [mail])."""
    lines = [
        'rep_name = "Alice Sato"',
        "[mail]",
        'sender = "Alice Sato <alice@example.jp>"',
        f'signature = "{SIGNATURE}"',
    ]
    if unsubscribe:
        lines.append(f'unsubscribe = "{UNSUBSCRIBE}"')
    Path(os.environ["CRM_CONFIG"]).write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")


def issue_example(crm: Crm, folder: Path) -> dict[str, Any]:
    """The issue's company, 佐藤 健一 (with consent) and the welcome cadence; returns his JSON."""
    crm("add", "company", "株式会社ミナト精機", "--industry", "manufacturing")
    ken: dict[str, Any] = crm(
        "add",
        "contact",
        "佐藤 健一",
        "--email",
        "ken@example.jp",
        "--title",
        "営業部長",
        "--company",
        "株式会社ミナト精機",
        "--consent",
        "--json",
    ).json()
    crm("cadence", "add", str(write_welcome(folder)))
    return ken
