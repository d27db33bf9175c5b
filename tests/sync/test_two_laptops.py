"""A first end-to-end check: two devices and a real server agree after syncing."""

from __future__ import annotations

from collections.abc import Callable

from crm_tui.services.records import ContactInput, add_contact
from tests.sync.conftest import Device, Server


def test_a_contact_made_on_one_laptop_arrives_on_the_other(
    server: Server, make_device: Callable[..., Device]
) -> None:
    alice, bob = make_device("alice"), make_device("bob")
    alice.login(server, "alice")
    bob.login(server, "bob")
    add_contact(alice.session, ContactInput("佐藤 健一", emails=["ken@example.jp"]))
    assert alice.sync().sent > 0
    assert bob.sync().received > 0
    names = [r[0] for r in bob.session.store.conn.execute("SELECT display_name FROM contacts")]
    assert names == ["佐藤 健一"]
