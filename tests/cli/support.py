"""Provides helpers for command tests: the store's path, its op count and failure checks."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from tests.conftest import Crm, Result


def store_path() -> Path:
    """The test's store (CRM_DB)."""
    return Path(os.environ["CRM_DB"])


def query(sql: str, *params: Any, db: Path | None = None) -> list[tuple[Any, ...]]:
    """Rows of a read-only query on the store."""
    conn = sqlite3.connect(f"file:{db or store_path()}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def op_count(db: Path | None = None) -> int:
    """How many ops the store holds (0 when there is no store yet)."""
    path = db or store_path()
    if not path.exists():
        return 0
    return int(query("SELECT count(*) FROM ops", db=path)[0][0])


def assert_one_line_error(result: Result, code: int) -> str:
    """Checks a failure: its exit code, one `crm: …` line on stderr, no traceback, no stdout."""
    assert result.code == code, f"exit {result.code}, expected {code}: {result.err}{result.out}"
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("crm: "), result.err
    assert "Traceback" not in result.err
    assert result.out == ""
    return lines[0]


def fails(crm: Crm, code: int, *args: str) -> str:
    """Runs a command that must fail with `code`, writing nothing; returns its error line."""
    before = op_count()
    line = assert_one_line_error(crm(*args, ok=False), code)
    assert op_count() == before, f"crm {' '.join(args)} wrote ops although it failed"
    return line


def add_yamada(crm: Crm) -> dict[str, Any]:
    """Adds the issue's company and 山田 太郎; returns his JSON."""
    crm("add", "company", "株式会社ミナト精機", "--reading", "ミナトセイキ")
    added: dict[str, Any] = crm(
        "add",
        "contact",
        "山田 太郎",
        "--reading",
        "ヤマダ タロウ",
        "--company",
        "株式会社ミナト精機",
        "--title",
        "部長",
        "--email",
        "Taro@Example.jp",
        "--phone",
        "090-1234-5678",
        "--json",
    ).json()
    return added
