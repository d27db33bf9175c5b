"""Tests the generic Record base: defaults, fresh lists, unknown and missing fields, equality."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from crm_tui.domain.records import (
    BY_ENTITY,
    RECORD_TYPES,
    Activity,
    Company,
    Contact,
    Quote,
    Record,
    default_of,
    editable_fields,
    fresh_list,
)


class Gadget(Record):
    """A record kind made only for these tests."""

    ENTITY: ClassVar[str] = "gadget"
    TABLE: ClassVar[str] = "gadgets"

    name: str = ""
    size: int | None = None
    parts: list[str] = fresh_list()


class SmallGadget(Gadget):
    """A subclass adding one field."""

    colour: str = "red"


def test_fields_get_their_declared_defaults() -> None:
    gadget = Gadget(id="G1")
    assert (gadget.id, gadget.name, gadget.size, gadget.parts) == ("G1", "", None, [])
    assert (gadget.created_at, gadget.updated_at, gadget.owner, gadget.archived) == (
        "",
        "",
        None,
        False,
    )


def test_given_values_replace_the_defaults() -> None:
    gadget = Gadget(id="G1", name="lamp", size=3, parts=["bulb"], archived=True)
    assert (gadget.name, gadget.size, gadget.parts, gadget.archived) == ("lamp", 3, ["bulb"], True)


def test_each_record_gets_its_own_list() -> None:
    first, second = Gadget(id="G1"), Gadget(id="G2")
    first.parts.append("bulb")
    assert second.parts == []
    assert Gadget(id="G3").parts == []


def test_mutating_one_contacts_tags_leaves_other_contacts_alone() -> None:
    taro, hanako = Contact(id="C1"), Contact(id="C2")
    taro.tags.append("vip")
    taro.emails.append("taro@example.jp")
    assert (hanako.tags, hanako.emails) == ([], [])
    assert Contact(id="C3").tags == []


def test_an_unknown_field_is_a_type_error_naming_it() -> None:
    with pytest.raises(TypeError, match=r"Gadget has no fields \['colour', 'weight'\]"):
        Gadget(id="G1", weight=3, colour="red")  # type: ignore[call-arg]


def test_a_missing_id_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="Gadget needs id"):
        Gadget()  # type: ignore[call-arg]


def test_records_are_equal_when_kind_and_every_field_are_equal() -> None:
    assert Gadget(id="G1", name="lamp") == Gadget(id="G1", name="lamp")
    assert Gadget(id="G1", name="lamp") != Gadget(id="G1", name="desk")
    assert Gadget(id="G1", name="lamp") != Gadget(id="G2", name="lamp")


def test_records_of_different_kinds_are_never_equal() -> None:
    assert Gadget(id="G1") != SmallGadget(id="G1")
    assert Company(id="X1") != Contact(id="X1")
    assert Gadget(id="G1") != {"id": "G1"}


def test_to_dict_lists_base_fields_first_then_fields_in_declaration_order() -> None:
    assert list(SmallGadget(id="G1").to_dict()) == [
        "id",
        "created_at",
        "updated_at",
        "owner",
        "archived",
        "name",
        "size",
        "parts",
        "colour",
    ]


def test_to_dict_holds_the_values() -> None:
    data = Gadget(id="G1", name="lamp", parts=["bulb"]).to_dict()
    assert data == {
        "id": "G1",
        "created_at": "",
        "updated_at": "",
        "owner": None,
        "archived": False,
        "name": "lamp",
        "size": None,
        "parts": ["bulb"],
    }


def test_class_constants_are_not_fields() -> None:
    assert "ENTITY" not in Gadget.FIELDS
    assert "JSON_FIELDS" not in Contact.FIELDS


def test_the_repr_names_the_kind_and_fields() -> None:
    assert repr(Gadget(id="G1", name="lamp")) == (
        "Gadget(id='G1', created_at='', updated_at='', owner=None, archived=False, "
        "name='lamp', size=None, parts=[])"
    )


@pytest.mark.parametrize(
    ("cls", "name", "default"),
    [
        (Gadget, "name", ""),
        (Gadget, "size", None),
        (Gadget, "parts", []),
        (Contact, "consent", False),
        (Quote, "currency", "JPY"),
        (Activity, "versions", 1),
    ],
)
def test_default_of_gives_the_value_a_field_has_when_nothing_set_it(
    cls: type[Record], name: str, default: Any
) -> None:
    assert default_of(cls, name) == default


def test_default_of_a_list_field_is_a_new_list_each_time() -> None:
    first = default_of(Contact, "tags")
    first.append("vip")
    assert default_of(Contact, "tags") == []


def test_labels_are_the_human_names() -> None:
    assert Contact(id="C1", display_name="山田 太郎").label == "山田 太郎"
    assert Quote(id="Q1", number="Q-1", title="Model X").label == "Q-1 Model X"
    assert Quote(id="Q1", number="Q-1").label == "Q-1"


def test_every_record_kind_is_registered_by_its_entity() -> None:
    assert all(BY_ENTITY[cls.ENTITY] is cls for cls in RECORD_TYPES)
    assert "gadget" not in BY_ENTITY


def test_derived_fields_are_not_editable() -> None:
    editable = editable_fields(Activity)
    for derived in ("id", "created_at", "updated_at", "versions", "retracted"):
        assert derived not in editable
    assert "summary" in editable
    assert "archived" in editable
