"""The Conflicts screen: every field changed on two devices at once, resolved by a key."""

from __future__ import annotations

from textual.widgets import Static

from crm_tui.domain import hlc
from crm_tui.domain.ids import new_id
from crm_tui.domain.ops import SET, Op
from crm_tui.domain.records import Contact
from crm_tui.services.conflicts import list_conflicts
from crm_tui.services.references import load
from crm_tui.services.session import Session
from crm_tui.storage.oplog import heads_of
from crm_tui.storage.replica import Pulled, apply_pulled
from tests.screens.conftest import Driver


def conflicting_titles(session: Session, ours: str, theirs: str) -> Contact:
    """山田's title set here and, without seeing that, by bob on his laptop; then bob's op
    arrives as a sync would bring it. Both ops list the same old title as their `pred`."""
    contact = load(session, "山田", ("contact",))
    assert isinstance(contact, Contact)
    seen = heads_of(session.store.conn, contact.id, ["title"])["title"]
    with session.store.write() as writer:
        writer.update(Contact, contact.id, {"title": ours})
    stamp = hlc.pack(session.store.now_ms() + 60_000, 0)  # bob's clock a minute ahead
    payload = {"field": "title", "value": theirs, "pred": seen}
    op = Op(new_id(), "BOBSLAPTOP00001", stamp, "contact", contact.id, SET, payload, "bob")
    with session.store.write():
        apply_pulled(session.store.conn, [Pulled(op, 1, "2026-11-26T00:00:00.000Z")])
    return contact


def title(session: Session, contact: Contact) -> str | None:
    """The contact's title as the store has it now."""
    now = load(session, contact.id, ("contact",))
    assert isinstance(now, Contact)
    return now.title


def choices(tui: Driver) -> str:
    """What the kept-values panel shows."""
    return str(tui.app.screen.query_one("#conflict-choices", Static).render())


async def test_no_conflicts_says_so_and_how_they_arise(tui: Driver) -> None:
    await tui.press("X")
    assert type(tui.app.screen).__name__ == "ConflictsScreen"
    empty = tui.app.screen.query_one("#conflicts-empty", Static)
    assert empty.display and not tui.app.screen.query_one("#conflicts-body").display
    assert "No conflicts" in str(empty.render())
    assert "changed on two devices before either has synced" in str(empty.render())


async def test_picking_value_2_keeps_it_and_the_conflict_is_gone(
    tui: Driver, check_store: Session
) -> None:
    contact = conflicting_titles(check_store, "本部長", "課長")
    (conflict,) = list_conflicts(check_store)
    second = conflict.choices[1]
    await tui.press("X")
    assert tui.rows("conflict-list") == [["contact 山田 太郎", "title", conflict.shown, "2"]]
    shown = choices(tui)
    assert " 1. " in shown and " 2. " in shown
    assert "本部長" in shown and "課長" in shown and "(bob, device 00001" in shown

    await tui.press("2")
    assert title(check_store, contact) == second.value
    assert list_conflicts(check_store) == []
    assert tui.rows("conflict-list") == []
    assert tui.app.screen.query_one("#conflicts-empty").display


async def test_a_typed_value_replaces_every_kept_one(tui: Driver, check_store: Session) -> None:
    contact = conflicting_titles(check_store, "本部長", "課長")
    await tui.press("X", "e")
    assert type(tui.app.screen).__name__ == "AskScreen"
    await tui.type("Director")
    await tui.press("enter")
    assert title(check_store, contact) == "Director"
    assert list_conflicts(check_store) == []
    assert tui.rows("conflict-list") == []


async def test_a_digit_beyond_the_kept_values_explains_and_changes_nothing(
    tui: Driver, check_store: Session
) -> None:
    contact = conflicting_titles(check_store, "本部長", "課長")
    before = title(check_store, contact)
    await tui.press("X", "3")
    assert any("has 2 values" in n.message for n in tui.app._notifications)
    assert title(check_store, contact) == before
    assert len(list_conflicts(check_store)) == 1


async def test_markup_and_escape_sequences_in_a_kept_value_show_literally(
    tui: Driver, check_store: Session
) -> None:
    hostile = "[@click=app.quit]Boss[/] [bold]x\x1b[31m"
    contact = conflicting_titles(check_store, "本部長", hostile)
    await tui.press("X")
    assert "[@click=app.quit]Boss[/] [bold]x\\x1b[31m" in choices(tui)
    assert "\x1b" not in choices(tui)
    await tui.press("1")
    assert tui.app.is_running
    assert list_conflicts(check_store) == []
    assert title(check_store, contact) in (hostile, "本部長")
