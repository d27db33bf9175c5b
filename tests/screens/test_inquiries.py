"""The Inquiries screen: open and waiting cases oldest first, their thread, reply and resolve."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from crm_tui.domain.records import Inquiry
from crm_tui.services.agenda import next_actions
from crm_tui.services.inquiries import InquiryInput, open_inquiry, set_status
from crm_tui.services.listing import Filters, list_records
from crm_tui.services.references import load
from crm_tui.services.session import Session
from crm_tui.services.show import show_record
from tests.screens.conftest import Driver

DEMO_CASE = "Spare parts price list"
"""The inquiry the demo store opens (waiting on us for three business days)."""


def case(session: Session, subject: str = DEMO_CASE) -> Inquiry:
    """The inquiry as the store has it now."""
    found = load(session, subject, ("inquiry",))
    assert isinstance(found, Inquiry)
    return found


def thread(tui: Driver) -> str:
    """What the thread panel shows."""
    return str(tui.app.screen.query_one("#inquiry-thread", Static).render())


async def open_inquiries(tui: Driver) -> None:
    """Switches to the Inquiries screen and waits for its list and thread."""
    await tui.press("i")
    assert type(tui.app.screen).__name__ == "InquiriesScreen"


async def test_the_list_is_open_and_waiting_cases_oldest_first_with_the_thread(
    tui: Driver, check_store: Session
) -> None:
    open_inquiry(
        check_store, InquiryInput("Emma Clarke", "Scanner battery life", at="yesterday 10:00")
    )
    open_inquiry(check_store, InquiryInput("山田", "Old question", at="2026-11-10 10:00"))
    open_inquiry(check_store, InquiryInput("山田", "Answered long ago", at="2026-11-01 10:00"))
    set_status(check_store, "Answered long ago", "resolved")
    set_status(check_store, "Scanner battery life", "waiting")
    await open_inquiries(tui)
    rows = tui.rows("inquiry-list")
    assert [row[0].rstrip("…") for row in rows] == [
        "Old question",
        DEMO_CASE,
        "Scanner battery life",
    ]
    assert all("Answered" not in row[0] for row in rows)
    assert rows[0][2] == "us" and rows[0][3] == "2026-11-10"
    # From Friday the 20th: Monday the 23rd is a public holiday, so Tuesday to Thursday count.
    assert rows[1][4] == "3"
    assert rows[2][2:4] == ["customer", "2026-11-26"]
    assert "Old question" in thread(tui)
    await tui.press("down")
    assert "Could you send the 2027 list?" in thread(tui)


async def test_a_reply_is_logged_on_the_case_and_shown_last_in_its_thread(
    tui: Driver, check_store: Session
) -> None:
    await open_inquiries(tui)
    await tui.press("r")
    assert type(tui.app.screen).__name__ == "MessageScreen"
    await tui.type("Sent the 2027 list")
    await tui.press("enter")
    await tui.type("Regards")
    await tui.press("ctrl+s")
    assert type(tui.app.screen).__name__ == "InquiriesScreen"

    inquiry = case(check_store)
    assert inquiry.status == "waiting"
    logged = [e for e in show_record(check_store, inquiry.id).timeline if e.kind == "inquiry"]
    newest = max(logged, key=lambda e: e.at)
    assert (newest.summary, newest.detail["direction"]) == (
        "Sent the 2027 list\nRegards",
        "outbound",
    )
    shown = thread(tui)
    assert shown.index("Could you send the 2027 list?") < shown.index("Sent the 2027 list")
    assert "→ alice" in shown and "Regards" in shown
    assert tui.rows("inquiry-list")[0][2] == "customer"


async def test_the_customers_answer_is_logged_inbound_and_the_case_waits_on_us_again(
    tui: Driver, check_store: Session
) -> None:
    await open_inquiries(tui)
    await tui.press("w")
    assert case(check_store).status == "waiting"
    assert tui.rows("inquiry-list")[0][2] == "customer"
    await tui.press("a")
    await tui.type("Thanks, received")
    await tui.press("ctrl+s")
    inquiry = case(check_store)
    assert inquiry.status == "open"
    entries = show_record(check_store, inquiry.id).timeline
    assert any(
        e.summary == "Thanks, received" and e.detail["direction"] == "inbound" for e in entries
    )
    assert tui.rows("inquiry-list")[0][2] == "us"
    assert "← 佐藤 花子" in thread(tui).rsplit("Thanks", 1)[0].rsplit("\n\n", 1)[-1]


async def test_an_empty_reply_is_refused_and_escape_logs_nothing(
    tui: Driver, check_store: Session
) -> None:
    await open_inquiries(tui)
    before = len(show_record(check_store, case(check_store).id).timeline)
    await tui.press("r", "ctrl+s")
    assert type(tui.app.screen).__name__ == "MessageScreen"
    await tui.press("escape")
    assert type(tui.app.screen).__name__ == "InquiriesScreen"
    assert len(show_record(check_store, case(check_store).id).timeline) == before
    assert case(check_store).status == "open"


async def test_resolving_with_a_note_takes_the_case_off_the_list_and_off_today(
    tui: Driver, check_store: Session
) -> None:
    assert DEMO_CASE in [item.title for item in next_actions(check_store)]
    await open_inquiries(tui)
    await tui.press("d")
    assert type(tui.app.screen).__name__ == "AskScreen"
    await tui.type("Price list sent by post")
    await tui.press("enter")

    inquiry = case(check_store)
    assert inquiry.status == "resolved"
    notes = [e for e in show_record(check_store, inquiry.id).timeline if e.kind == "note"]
    assert [n.summary for n in notes] == ["Price list sent by post"]
    assert list_records(check_store, "inquiries", Filters(status="open")).records == []
    assert tui.rows("inquiry-list") == []
    assert "No open or waiting inquiries" in thread(tui)
    assert DEMO_CASE not in [item.title for item in next_actions(check_store)]
    await tui.press("t")
    assert all(not row[2].startswith("Spare parts") for row in tui.rows("agenda"))


async def test_escape_at_the_resolve_note_leaves_the_case_open(
    tui: Driver, check_store: Session
) -> None:
    await open_inquiries(tui)
    await tui.press("d", "escape")
    assert case(check_store).status == "open"
    assert len(tui.rows("inquiry-list")) == 1


async def test_enter_opens_the_customer_of_the_case(tui: Driver) -> None:
    await open_inquiries(tui)
    await tui.press("enter")
    assert type(tui.app.screen).__name__ == "RecordScreen"
    assert "佐藤 花子" in str(tui.app.screen.query_one("#fields").render())


async def test_markup_and_escape_sequences_in_a_subject_show_literally(
    tui: Driver, check_store: Session
) -> None:
    hostile = "[@click=app.quit]Win[/] [bold]now\x1b[31m"
    open_inquiry(
        check_store,
        InquiryInput("Emma Clarke", hostile, body="[red]body[/red]", at="2026-11-02 10:00"),
    )
    await open_inquiries(tui)
    cell = tui.rows("inquiry-list")[0][0]
    assert cell.startswith("[@click=app.quit]Win")
    shown = thread(tui)
    assert "[@click=app.quit]Win[/] [bold]now\\x1b[31m" in shown
    assert "[red]body[/red]" in shown and "\x1b" not in shown
    panel = tui.app.screen.query_one("#inquiry-thread", Static).render()
    assert isinstance(panel, Content)
    assert not any("click" in str(span.style) for span in panel.spans)
    await tui.press("r")
    await tui.press("escape")
    assert tui.app.is_running


async def test_at_120_columns_the_thread_stands_beside_the_list(tui: Driver) -> None:
    await open_inquiries(tui)
    await tui.pilot.resize_terminal(120, 40)
    await tui.settle()
    listing = tui.app.screen.query_one("#inquiry-list").region
    box = tui.app.screen.query_one("#inquiry-thread-box").region
    assert box.x >= listing.right and box.y == listing.y
    assert tui.rows("inquiry-list")[0][1] == "佐藤 花子 (株…"
