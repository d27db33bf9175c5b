"""Tests of the cadence services: an enrolment batch is one transaction; step conversion by day."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crm_tui.services import cadences
from crm_tui.services.session import Session
from crm_tui.storage.cadences import step_conversion
from tests.cli.cadence_support import issue_example
from tests.cli.support import op_count, query
from tests.conftest import Crm


def test_a_batch_that_fails_midway_enrols_no_one(
    crm: Crm, tmp_path: Path, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    issue_example(crm, tmp_path)
    crm("add", "contact", "Emma Clarke", "--email", "emma@example.com", "--consent")
    crm("add", "contact", "山田 太郎", "--email", "taro@example.jp", "--consent")
    before = op_count()
    real = cadences._enrol_one
    calls: list[str] = []

    def second_fails(*args: Any) -> Any:
        calls.append(args[4].display_name)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(*args)

    monkeypatch.setattr(cadences, "_enrol_one", second_fails)
    with pytest.raises(OSError, match="disk full"):
        cadences.enrol(session, "welcome", ["ken@example.jp", "Emma", "山田"])
    assert calls == ["佐藤 健一", "Emma Clarke"]  # the first was written inside the transaction
    assert op_count() == before
    assert query("SELECT count(*) FROM enrolments") == [(0,)]
    assert query("SELECT count(*) FROM tasks") == [(0,)]


def test_step_conversion_counts_steps_done_inside_the_period(
    crm: Crm, tmp_path: Path, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    issue_example(crm, tmp_path)
    crm("add", "contact", "Emma Clarke", "--email", "emma@example.com", "--consent")
    crm("cadence", "enrol", "welcome", "ken@example.jp", "Emma")
    crm("task", "done", _first_step("佐藤"))  # 26 Nov
    monkeypatch.setenv("CRM_NOW", "2026-12-01T23:30:00+09:00")  # 1 Dec in Tokyo, 30 Nov in UTC
    crm("task", "done", _first_step("Emma"))
    crm("log", "email", "Emma", "Re: thanks", "--inbound")
    conn = session.store.conn

    def first(since: str | None, until: str | None) -> tuple[int, int, float | None]:
        row = step_conversion(conn, None, since, until, tz=session.tz)[0]
        return row.reached, row.converted, row.conversion

    assert first(None, None) == (2, 1, 0.5)
    assert first("2026-12-01", None) == (1, 1, 1.0)
    assert first(None, "2026-11-30") == (1, 0, 0.0)
    assert first("2026-12-02", "2026-12-31") == (0, 0, None)
    rows = step_conversion(conn)
    assert [(r.cadence, r.step, r.day, r.channel, r.subject) for r in rows] == [
        ("welcome", 1, 0, "email", "ご来場ありがとうございました"),
        ("welcome", 2, 3, "email", "資料のご案内"),
        ("welcome", 3, 10, "call", "Follow-up call"),
    ]


def _first_step(name: str) -> str:
    rows = query(
        "SELECT t.id FROM tasks t JOIN contacts c ON c.id = t.contact_id "
        "WHERE c.display_name LIKE ? AND t.step = 0",
        f"{name}%",
    )
    return str(rows[0][0])
