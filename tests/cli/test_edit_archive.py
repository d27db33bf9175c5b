"""Tests of `crm edit`, `crm archive` and `crm unarchive`."""

from __future__ import annotations

from tests.cli.support import add_yamada, fails, op_count, query
from tests.conftest import Crm


def test_edit_changes_several_fields_at_once(crm: Crm) -> None:
    contact = add_yamada(crm)
    edited = crm(
        "edit",
        "山田",
        "--title",
        "課長",
        "--department",
        "営業部",
        "--opt-out",
        "--add-email",
        "t.yamada@example.jp",
        "--add-tag",
        "vip",
        "--lifecycle",
        "customer",
        "--json",
    ).json()
    assert edited["id"] == contact["id"]
    assert (edited["title"], edited["department"], edited["lifecycle"]) == (
        "課長",
        "営業部",
        "customer",
    )
    assert edited["opted_out"] is True
    assert edited["emails"] == ["taro@example.jp", "t.yamada@example.jp"]
    assert edited["tags"] == ["vip"]
    assert query("SELECT title, department, opted_out FROM contacts") == [("課長", "営業部", 1)]


def test_edit_prints_what_it_updated(crm: Crm) -> None:
    contact = add_yamada(crm)
    result = crm("edit", "山田", "--title", "課長")
    assert result.out == f"Updated contact 山田 太郎  {contact['id']}\n"


def test_remove_email_drops_one_address_and_the_reference_by_it(crm: Crm) -> None:
    add_yamada(crm)
    crm("edit", "山田", "--add-email", "t.yamada@example.jp")
    edited = crm("edit", "山田", "--remove-email", "Taro@Example.jp", "--json").json()
    assert edited["emails"] == ["t.yamada@example.jp"]
    fails(crm, 3, "show", "taro@example.jp")
    assert crm("show", "t.yamada@example.jp", "--json").json()["id"] == edited["id"]


def test_opt_in_undoes_opt_out(crm: Crm) -> None:
    add_yamada(crm)
    crm("edit", "山田", "--opt-out")
    assert crm("edit", "山田", "--opt-in", "--json").json()["opted_out"] is False
    assert query("SELECT opted_out FROM contacts") == [(0,)]


def test_editing_the_name_recomposes_the_display_name(crm: Crm) -> None:
    crm("add", "contact", "Jane Doe")
    edited = crm("edit", "Jane", "--family", "Roe", "--json").json()
    assert (edited["family_name"], edited["display_name"]) == ("Roe", "Jane Roe")
    assert query("SELECT display_name FROM contacts") == [("Jane Roe",)]


def test_edit_changes_a_deal_amount_in_another_currency(crm: Crm) -> None:
    crm("add", "company", "Acme")
    crm("add", "deal", "Pilot", "--company", "Acme", "--amount", "100")
    edited = crm("edit", "Pilot", "--amount", "12.50", "--currency", "USD", "--json").json()
    assert (edited["amount"], edited["currency"]) == (1250, "USD")


def test_an_option_that_does_not_apply_to_the_kind_is_a_clear_error(crm: Crm) -> None:
    add_yamada(crm)
    line = fails(crm, 2, "edit", "山田", "--industry", "manufacturing")
    assert line == "crm: --industry does not apply to a contact."
    line = fails(crm, 2, "edit", "ミナト", "--title", "x")
    assert line == "crm: --title does not apply to a company."


def test_edit_without_options_and_removing_an_unknown_email_are_errors(crm: Crm) -> None:
    add_yamada(crm)
    assert "Nothing to change" in fails(crm, 2, "edit", "山田")
    assert "has no email nobody@example.jp" in fails(
        crm, 2, "edit", "山田", "--remove-email", "nobody@example.jp"
    )
    assert "--currency needs the amount" in fails(crm, 2, "edit", "ミナト", "--currency", "USD")


def test_a_failing_option_among_good_ones_changes_nothing(crm: Crm) -> None:
    add_yamada(crm)
    fails(crm, 2, "edit", "山田", "--title", "課長", "--add-phone", "12")
    assert query("SELECT title FROM contacts") == [("部長",)]


def test_edit_that_changes_nothing_writes_no_op_and_says_so(crm: Crm) -> None:
    add_yamada(crm)
    before = op_count()
    result = crm("edit", "山田", "--title", "部長", "--add-email", "taro@example.jp")
    assert op_count() == before
    assert result.err == "Nothing changed: 山田 太郎 already has those values.\n"
    assert result.out.startswith("Unchanged contact 山田 太郎  ")


def test_an_archived_contact_leaves_ls_and_search_but_show_by_id_still_works(crm: Crm) -> None:
    contact = add_yamada(crm)
    result = crm("archive", "山田")
    assert result.out == f"Archived contact 山田 太郎  {contact['id']}\n"
    assert query("SELECT archived FROM contacts") == [(1,)]
    assert crm("ls", "contacts").out == "No contacts.\n"
    assert crm("ls", "contacts", "--json").json() == []
    assert crm("search", "山田", "--json").json() == []
    shown = crm("show", contact["id"], "--json").json()
    assert (shown["display_name"], shown["archived"]) == ("山田 太郎", True)
    assert "(archived)" in crm("show", contact["id"]).out.splitlines()[0]
    listed = crm("ls", "contacts", "--archived", "--json").json()
    assert [c["id"] for c in listed] == [contact["id"]]
    hits = crm("search", "山田", "--archived", "--json").json()
    assert [h["id"] for h in hits] == [contact["id"]]


def test_unarchive_brings_a_record_back(crm: Crm) -> None:
    contact = add_yamada(crm)
    crm("archive", "山田")
    result = crm("unarchive", contact["id"])
    assert result.out.startswith("Unarchived contact 山田 太郎")
    assert query("SELECT archived FROM contacts") == [(0,)]
    assert [c["id"] for c in crm("ls", "contacts", "--json").json()] == [contact["id"]]


def test_archiving_twice_is_an_error(crm: Crm) -> None:
    add_yamada(crm)
    crm("archive", "山田")
    assert "already archived" in fails(crm, 2, "archive", "山田")
    crm("unarchive", "山田")
    assert "is not archived" in fails(crm, 2, "unarchive", "山田")
