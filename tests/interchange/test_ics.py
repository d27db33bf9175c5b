"""Tests the iCalendar export: tasks as VTODOs, visits as VEVENTs, text that stays text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar

from crm_tui.domain.records import Activity, Task
from crm_tui.interchange.ics import DEFAULT_DURATION, EventEntry, TaskEntry, calendar_of

NOW = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)
TOKYO = ZoneInfo("Asia/Tokyo")

FOLLOW_UP = TaskEntry(
    id="01JD000000000000000000TASK",
    title="見積書を送る",
    due="2026-12-01",
    priority="high",
    customer="山田 太郎",
    note="A案とB案の2通り",
)
VISIT = EventEntry(
    id="01JD000000000000000000VST1",
    summary="定例訪問",
    at="2026-11-26T01:00:00.000Z",
    location="株式会社サンプル 本社",
    body="新製品の説明",
    outcome="来月に再訪",
    customer="株式会社サンプル",
)


def parsed(tasks: list[TaskEntry], events: list[EventEntry]) -> Calendar:
    """The calendar written for TASKS and EVENTS, read back by the icalendar library."""
    return Calendar.from_ical(calendar_of(tasks, events, NOW))


def only(calendar: Calendar, name: str) -> Any:
    """The one component called NAME."""
    (component,) = calendar.walk(name)
    return component


def test_the_calendar_names_its_version_and_producer() -> None:
    calendar = parsed([], [])
    assert str(calendar["VERSION"]) == "2.0"
    assert "crm-tui" in str(calendar["PRODID"])
    assert calendar.walk("VTODO") == [] and calendar.walk("VEVENT") == []


def test_a_follow_up_task_is_a_vtodo_with_its_fields() -> None:
    todo = only(parsed([FOLLOW_UP], []), "VTODO")
    assert str(todo["UID"]) == "01JD000000000000000000TASK@crm"
    assert str(todo["SUMMARY"]) == "見積書を送る"
    assert todo["DUE"].dt == date(2026, 12, 1)
    assert todo["DUE"].params["VALUE"] == "DATE"
    assert todo["PRIORITY"] == 1
    assert str(todo["STATUS"]) == "NEEDS-ACTION"
    assert str(todo["DESCRIPTION"]) == "Customer: 山田 太郎\n\nA案とB案の2通り"
    assert todo["DTSTAMP"].dt == NOW


def test_the_due_date_is_written_as_a_date_value() -> None:
    written = calendar_of([FOLLOW_UP], [], NOW)
    assert b"DUE;VALUE=DATE:20261201\r\n" in written


@pytest.mark.parametrize(
    ("priority", "number"), [("urgent", 1), ("high", 1), ("normal", 5), ("low", 9)]
)
def test_priorities_map_to_icalendar_numbers(priority: str, number: int) -> None:
    task = TaskEntry(id="t", title="x", priority=priority)
    assert only(parsed([task], []), "VTODO")["PRIORITY"] == number


def test_a_done_task_is_completed_when_it_was_done() -> None:
    task = TaskEntry(id="t", title="x", status="done", done_at="2026-11-25T08:30:00.000Z")
    todo = only(parsed([task], []), "VTODO")
    assert str(todo["STATUS"]) == "COMPLETED"
    assert todo["COMPLETED"].dt == datetime(2026, 11, 25, 8, 30, tzinfo=UTC)


def test_a_cancelled_task_is_cancelled_and_a_task_without_due_has_no_due() -> None:
    todo = only(parsed([TaskEntry(id="t", title="x", status="cancelled")], []), "VTODO")
    assert str(todo["STATUS"]) == "CANCELLED"
    assert "DUE" not in todo and "DESCRIPTION" not in todo


def test_a_visit_is_a_vevent_starting_in_utc_for_an_hour() -> None:
    event = only(parsed([], [VISIT]), "VEVENT")
    assert str(event["UID"]) == "01JD000000000000000000VST1@crm"
    assert str(event["SUMMARY"]) == "定例訪問"
    assert event["DTSTART"].dt == datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    assert event["DURATION"].dt == DEFAULT_DURATION == timedelta(hours=1)
    assert "DTEND" not in event
    assert str(event["LOCATION"]) == "株式会社サンプル 本社"
    assert (
        str(event["DESCRIPTION"])
        == "Customer: 株式会社サンプル\n\n新製品の説明\n\nOutcome: 来月に再訪"
    )
    assert [str(category) for category in event["CATEGORIES"].cats] == ["visit"]
    assert b"DTSTART:20261126T010000Z\r\n" in calendar_of([], [VISIT], NOW)


def test_a_meeting_with_an_end_has_a_dtend_and_local_times_become_utc() -> None:
    start = datetime(2026, 11, 26, 14, 0, tzinfo=TOKYO)
    meeting = EventEntry(
        id="m", summary="商談", at=start, type="meeting", end=start + timedelta(minutes=90)
    )
    event = only(parsed([], [meeting]), "VEVENT")
    assert event["DTSTART"].dt == datetime(2026, 11, 26, 5, 0, tzinfo=UTC)
    assert event["DTEND"].dt == datetime(2026, 11, 26, 6, 30, tzinfo=UTC)
    assert "DURATION" not in event


def test_an_end_before_the_start_falls_back_to_the_default_length() -> None:
    slip = EventEntry(id="m", summary="x", at="2026-11-26T05:00:00Z", end="2026-11-26T04:00:00Z")
    event = only(parsed([], [slip]), "VEVENT")
    assert event["DURATION"].dt == DEFAULT_DURATION and "DTEND" not in event


def test_a_time_without_a_zone_is_refused() -> None:
    naive = EventEntry(id="m", summary="x", at="2026-11-26T05:00:00")
    with pytest.raises(ValueError, match="no time zone"):
        calendar_of([], [naive], NOW)


def test_punctuation_newlines_and_japanese_text_round_trip() -> None:
    text = "山田様, 佐藤様; 打合せ\\資料\n二行目「確認」"
    task = TaskEntry(id="t", title=text, note=text, customer="鈴木, 一郎")
    event = EventEntry(id="e", summary=text, at=NOW, location=text, body=text)
    calendar = parsed([task], [event])
    todo, vevent = only(calendar, "VTODO"), only(calendar, "VEVENT")
    assert str(todo["SUMMARY"]) == text
    assert str(todo["DESCRIPTION"]) == f"Customer: 鈴木, 一郎\n\n{text}"
    assert str(vevent["SUMMARY"]) == text
    assert str(vevent["LOCATION"]) == text


def test_untrusted_text_cannot_add_components_or_properties() -> None:
    hostile = "x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil@attacker\r\nSUMMARY:owned"
    event = EventEntry(id="e", summary=hostile, at=NOW, location=hostile, body=hostile)
    calendar = parsed([], [event])
    vevent = only(calendar, "VEVENT")
    assert str(vevent["UID"]) == "e@crm"
    assert str(vevent["SUMMARY"]) == hostile.replace("\r\n", "\n")
    assert b"\r\nUID:evil" not in calendar_of([], [event], NOW)


def test_control_characters_are_dropped_and_tabs_kept() -> None:
    event = EventEntry(id="e", summary="a\x1b[31mb\x00c\td\x7f", at=NOW)
    assert str(only(parsed([], [event]), "VEVENT")["SUMMARY"]) == "a[31mbc\td"


def test_long_lines_are_folded_at_75_octets_without_splitting_characters() -> None:
    task = TaskEntry(id="t", title="長い件名" * 40)
    written = calendar_of([task], [], NOW)
    assert all(len(line) <= 75 for line in written.split(b"\r\n"))
    assert str(only(Calendar.from_ical(written), "VTODO")["SUMMARY"]) == "長い件名" * 40


@given(st.text(st.characters(exclude_categories=("Cc", "Cs"))) | st.text())
def test_any_summary_reads_back_as_text(text: str) -> None:
    todo = only(parsed([TaskEntry(id="t", title=text)], []), "VTODO")
    expected = text.replace("\r\n", "\n").replace("\r", "\n")
    expected = "".join(c for c in expected if c in "\t\n" or not (c < " " or c == "\x7f"))
    assert str(todo["SUMMARY"]) == expected


def test_entries_take_the_fields_of_tasks_and_activities_as_stored() -> None:
    task = Task(id="t1", title="電話する", due="2026-12-01", priority="low", note="午前中")
    visit = Activity(
        id="a1",
        type="visit",
        at="2026-11-26T01:00:00.000Z",
        location="本社",
        summary="訪問",
        body="説明",
        outcome="受注",
    )
    entry = TaskEntry(
        id=task.id,
        title=task.title,
        due=task.due,
        priority=task.priority,
        status=task.status,
        done_at=task.done_at,
        note=task.note,
    )
    event = EventEntry(
        id=visit.id,
        summary=visit.summary,
        at=visit.at,
        type=visit.type,
        location=visit.location,
        body=visit.body,
        outcome=visit.outcome,
    )
    calendar = parsed([entry], [event])
    assert only(calendar, "VTODO")["PRIORITY"] == 9
    assert only(calendar, "VEVENT")["DTSTART"].dt == datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
