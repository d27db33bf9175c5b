"""Tests the merge algebra: leaves, winners, conflicts and their resolution, order-free folding."""

from __future__ import annotations

from random import Random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_tui.domain.ops import EVENT, SET, EntityState, Op, fold_all, fold_entity, fold_field
from tests.domain.builders import event_op, set_op, stamp


def fold(*ops: Op) -> EntityState:
    """Folds the ops of contact C1."""
    return fold_entity("contact", "C1", ops)


def test_an_op_knows_its_kind_field_and_event_type() -> None:
    written = set_op("o1", "phone", "090", hlc=stamp(1))
    logged = event_op("o2", "logged", hlc=stamp(2))
    assert (written.kind, written.field) == (SET, "phone")
    assert (logged.kind, logged.event_type) == (EVENT, "logged")


def test_a_field_written_once_shows_that_value() -> None:
    state = fold(set_op("o1", "title", "部長", hlc=stamp(1)))
    assert state.value("title") == "部長"
    assert state.fields["title"].leaf_ids == ["o1"]
    assert not state.fields["title"].in_conflict


def test_a_field_never_written_shows_the_default() -> None:
    state = fold(set_op("o1", "title", "部長", hlc=stamp(1)))
    assert state.value("department") is None
    assert state.value("department", "営業部") == "営業部"


def test_an_op_that_saw_the_earlier_value_supersedes_it() -> None:
    first = set_op("o1", "title", "課長", hlc=stamp(1))
    second = set_op("o2", "title", "部長", hlc=stamp(2), pred=("o1",))
    state = fold(second, first)
    assert state.value("title") == "部長"
    assert state.fields["title"].leaf_ids == ["o2"]
    assert state.conflicts() == {}


def test_a_superseding_op_wins_even_with_an_older_clock() -> None:
    # A site whose clock is behind still replaces the value it saw.
    first = set_op("o1", "title", "課長", hlc=stamp(5000), site="fast")
    second = set_op("o2", "title", "部長", hlc=stamp(1000), site="slow", pred=("o1",))
    state = fold(first, second)
    assert state.value("title") == "部長"
    assert not state.fields["title"].in_conflict


def test_the_shown_value_of_concurrent_writes_is_the_greatest_clock() -> None:
    ours = set_op("o1", "title", "課長", hlc=stamp(1000), site="a")
    theirs = set_op("o2", "title", "部長", hlc=stamp(2000), site="b")
    assert fold(ours, theirs).value("title") == "部長"
    assert fold(theirs, ours).value("title") == "部長"


def test_equal_clocks_break_the_tie_on_site_id() -> None:
    ours = set_op("o1", "title", "課長", hlc=stamp(1000), site="site-b")
    theirs = set_op("o2", "title", "部長", hlc=stamp(1000), site="site-a")
    assert fold(ours, theirs).value("title") == "課長"
    assert fold(theirs, ours).value("title") == "課長"


def test_the_counter_orders_writes_within_one_millisecond() -> None:
    ours = set_op("o1", "title", "課長", hlc=stamp(1000, 2), site="a")
    theirs = set_op("o2", "title", "部長", hlc=stamp(1000, 1), site="z")
    assert fold(ours, theirs).value("title") == "課長"


def test_concurrent_writes_of_different_values_are_a_conflict_keeping_both() -> None:
    ours = set_op("o1", "phone", "090-1111-1111", hlc=stamp(1000), site="a")
    theirs = set_op("o2", "phone", "090-2222-2222", hlc=stamp(2000), site="b")
    state = fold(ours, theirs)
    phone = state.fields["phone"]
    assert phone.in_conflict
    assert set(state.conflicts()) == {"phone"}
    assert phone.leaf_ids == ["o1", "o2"]
    # The winner comes first among the kept values.
    assert [leaf.payload["value"] for leaf in phone.leaves] == ["090-2222-2222", "090-1111-1111"]


def test_concurrent_writes_of_the_same_value_are_not_a_conflict() -> None:
    ours = set_op("o1", "stage", "won", hlc=stamp(1000), site="a")
    theirs = set_op("o2", "stage", "won", hlc=stamp(2000), site="b")
    state = fold(ours, theirs)
    assert state.value("stage") == "won"
    assert not state.fields["stage"].in_conflict
    assert state.conflicts() == {}
    assert state.fields["stage"].leaf_ids == ["o1", "o2"]


def test_an_op_that_saw_only_one_of_two_conflicting_values_keeps_the_conflict() -> None:
    ours = set_op("o1", "phone", "111", hlc=stamp(1000), site="a")
    theirs = set_op("o2", "phone", "222", hlc=stamp(2000), site="b")
    partial = set_op("o3", "phone", "333", hlc=stamp(3000), site="a", pred=("o1",))
    state = fold(ours, theirs, partial)
    assert state.value("phone") == "333"
    assert state.fields["phone"].leaf_ids == ["o2", "o3"]
    assert state.fields["phone"].in_conflict


def test_an_op_listing_every_leaf_resolves_the_conflict() -> None:
    ours = set_op("o1", "phone", "111", hlc=stamp(1000), site="a")
    theirs = set_op("o2", "phone", "222", hlc=stamp(2000), site="b")
    leaves = tuple(fold(ours, theirs).fields["phone"].leaf_ids)
    resolved = set_op("o3", "phone", "111", hlc=stamp(3000), site="a", pred=leaves)
    state = fold(ours, theirs, resolved)
    assert state.value("phone") == "111"
    assert state.fields["phone"].leaf_ids == ["o3"]
    assert state.conflicts() == {}


def test_a_resolution_with_an_older_clock_still_resolves() -> None:
    ours = set_op("o1", "phone", "111", hlc=stamp(1000), site="a")
    theirs = set_op("o2", "phone", "222", hlc=stamp(9000), site="b")
    resolved = set_op("o3", "phone", "111", hlc=stamp(3000), site="a", pred=("o1", "o2"))
    state = fold(resolved, theirs, ours)
    assert state.value("phone") == "111"
    assert state.conflicts() == {}


def test_an_op_arriving_before_the_op_it_supersedes_still_supersedes_it() -> None:
    later = set_op("o2", "title", "部長", hlc=stamp(2000), pred=("o1",))
    earlier = set_op("o1", "title", "課長", hlc=stamp(1000))
    assert fold(later).value("title") == "部長"
    assert fold(later, earlier).value("title") == "部長"
    assert fold(later, earlier).fields["title"].leaf_ids == ["o2"]


def test_pred_only_supersedes_ops_of_the_same_field() -> None:
    title = set_op("o1", "title", "課長", hlc=stamp(1000))
    phone = set_op("o2", "phone", "090", hlc=stamp(2000), pred=("o1",))
    state = fold(title, phone)
    assert state.values() == {"title": "課長", "phone": "090"}


def test_fields_merge_independently() -> None:
    state = fold(
        set_op("o1", "title", "課長", hlc=stamp(1000), site="a"),
        set_op("o2", "phone", "111", hlc=stamp(1500), site="a"),
        set_op("o3", "phone", "222", hlc=stamp(2000), site="b"),
        set_op("o4", "title", "部長", hlc=stamp(2500), site="b", pred=("o1",)),
    )
    assert state.values() == {"title": "部長", "phone": "222"}
    assert set(state.conflicts()) == {"phone"}


def test_a_cycle_of_preds_falls_back_to_the_latest_op_instead_of_losing_the_field() -> None:
    a = set_op("o1", "title", "課長", hlc=stamp(1000), pred=("o2",))
    b = set_op("o2", "title", "部長", hlc=stamp(2000), pred=("o1",))
    assert fold_field([a, b]).value == "部長"
    assert fold_field([b, a]).value == "部長"


def test_a_value_can_be_any_json_value_including_none() -> None:
    state = fold(
        set_op("o1", "tags", ["vip"], hlc=stamp(1000)),
        set_op("o2", "note", "x", hlc=stamp(1000)),
        set_op("o3", "note", None, hlc=stamp(2000), pred=("o2",)),
    )
    assert state.value("tags") == ["vip"]
    assert state.value("note", "default") is None


def test_duplicated_ops_count_once() -> None:
    op = set_op("o1", "title", "課長", hlc=stamp(1000))
    state = fold(op, op, op)
    assert state.fields["title"].leaf_ids == ["o1"]


def test_events_are_kept_in_clock_order_whatever_the_arrival_order() -> None:
    logged = event_op("e1", "logged", hlc=stamp(1000), entity_id="C1", entity="contact")
    amended = event_op("e2", "amended", hlc=stamp(2000), entity_id="C1", entity="contact")
    retracted = event_op("e3", "retracted", hlc=stamp(3000), entity_id="C1", entity="contact")
    state = fold(retracted, logged, amended, logged)
    assert [e.op_id for e in state.events] == ["e1", "e2", "e3"]
    assert state.fields == {}


def test_first_and_last_stamps_span_every_op() -> None:
    state = fold(
        set_op("o2", "title", "部長", hlc=stamp(2000)),
        set_op("o1", "phone", "090", hlc=stamp(1000)),
        event_op("e1", "noted", hlc=stamp(3000), entity="contact", entity_id="C1"),
    )
    assert (state.first_hlc, state.last_hlc) == (stamp(1000), stamp(3000))


def test_fold_all_groups_ops_by_entity() -> None:
    ops = [
        set_op("o1", "title", "部長", hlc=stamp(1000), entity_id="C1"),
        set_op("o2", "name", "ミナト精機", hlc=stamp(1100), entity="company", entity_id="K1"),
        event_op("e1", "logged", hlc=stamp(1200), entity_id="A1", fields={"summary": "Demo"}),
        set_op("o3", "title", "社長", hlc=stamp(1300), entity_id="C1", pred=("o1",)),
    ]
    states = fold_all(ops)
    assert set(states) == {"C1", "K1", "A1"}
    assert (states["C1"].entity, states["C1"].value("title")) == ("contact", "社長")
    assert (states["K1"].entity, states["K1"].value("name")) == ("company", "ミナト精機")
    assert states["A1"].entity == "activity"
    assert [e.op_id for e in states["A1"].events] == ["e1"]


def test_fold_all_of_nothing_is_empty() -> None:
    assert fold_all([]) == {}


# properties: folding is a pure function of the set of ops

_SITES = ("site-a", "site-b", "site-c")
_FIELDS = ("title", "phone", "stage")


@st.composite
def op_histories(draw: st.DrawFn) -> list[Op]:
    """Ops as honest sites make them: each set op's pred lists earlier ops of its field."""
    ops: list[Op] = []
    count = draw(st.integers(min_value=0, max_value=14))
    for n in range(count):
        # Few distinct stamps, so ties on the clock are common. Stamps start at 1 ms: a clock
        # reads 0 only before its first tick, and fold_entity treats first_hlc 0 as "unset".
        hlc = stamp(draw(st.integers(min_value=1, max_value=6)), draw(st.integers(0, 2)))
        site = draw(st.sampled_from(_SITES))
        if draw(st.integers(0, 5)) == 0:
            ops.append(
                event_op(
                    f"op{n:02d}", "noted", hlc=hlc, site=site, entity="contact", entity_id="C1"
                )
            )
            continue
        field = draw(st.sampled_from(_FIELDS))
        earlier = [op.op_id for op in ops if op.kind == SET and op.field == field]
        pred = draw(st.lists(st.sampled_from(earlier), unique=True) if earlier else st.just([]))
        value = draw(st.sampled_from(["x", "y", "z", None]))
        ops.append(set_op(f"op{n:02d}", field, value, hlc=hlc, site=site, pred=tuple(pred)))
    return ops


def _summary(state: EntityState) -> dict[str, Any]:
    """Everything a user could see of a folded entity."""
    return {
        "values": state.values(),
        "leaves": {name: f.leaf_ids for name, f in state.fields.items()},
        "winners": {name: f.leaves[0].op_id for name, f in state.fields.items()},
        "conflicts": sorted(state.conflicts()),
        "events": [e.op_id for e in state.events],
        "span": (state.first_hlc, state.last_hlc),
    }


@settings(max_examples=300, deadline=None)
@given(op_histories(), st.randoms(use_true_random=False))
def test_folding_is_order_free(ops: list[Op], random: Random) -> None:
    shuffled = list(ops)
    random.shuffle(shuffled)
    assert _summary(fold(*shuffled)) == _summary(fold(*ops))


@settings(max_examples=300, deadline=None)
@given(op_histories(), st.data())
def test_folding_is_idempotent_under_duplicated_ops(ops: list[Op], data: st.DataObject) -> None:
    extra = data.draw(st.lists(st.sampled_from(ops)) if ops else st.just([]))
    assert _summary(fold(*ops, *extra, *ops)) == _summary(fold(*ops))


@settings(max_examples=300, deadline=None)
@given(op_histories(), op_histories())
def test_merging_two_replicas_is_commutative(ours: list[Op], theirs: list[Op]) -> None:
    theirs = [op._replace(op_id="t" + op.op_id, payload=_renamed(op.payload)) for op in theirs]
    merged_one_way = fold_entity("contact", "C1", [*ours, *theirs])
    merged_other_way = fold_entity("contact", "C1", [*theirs, *ours])
    assert _summary(merged_one_way) == _summary(merged_other_way)


def _renamed(payload: dict[str, Any]) -> dict[str, Any]:
    if "pred" not in payload:
        return payload
    return {**payload, "pred": ["t" + p for p in payload["pred"]]}


@settings(max_examples=300, deadline=None)
@given(op_histories())
def test_the_shown_value_is_the_greatest_leaf_and_conflicts_are_differing_leaves(
    ops: list[Op],
) -> None:
    state = fold(*ops)
    for name in _FIELDS:
        field_ops = [op for op in ops if op.kind == SET and op.field == name]
        if not field_ops:
            assert name not in state.fields
            continue
        seen = {p for op in field_ops for p in op.payload["pred"]}
        leaves = [op for op in field_ops if op.op_id not in seen]
        winner = max(leaves, key=lambda op: (op.hlc, op.site_id, op.op_id))
        assert state.value(name) == winner.payload["value"]
        assert state.fields[name].leaf_ids == sorted(op.op_id for op in leaves)
        differing = len({repr(op.payload["value"]) for op in leaves}) > 1
        assert state.fields[name].in_conflict is differing
        assert (name in state.conflicts()) is differing


@settings(max_examples=300, deadline=None)
@given(op_histories())
def test_a_write_listing_every_leaf_always_ends_the_conflict(ops: list[Op]) -> None:
    state = fold(*ops)
    resolutions = [
        set_op(
            f"fix-{name}", name, "resolved", hlc=stamp(1), site="site-z", pred=tuple(field.leaf_ids)
        )
        for name, field in state.fields.items()
    ]
    after = fold(*ops, *resolutions)
    assert after.conflicts() == {}
    assert all(after.value(name) == "resolved" for name in state.fields)


@pytest.mark.parametrize("count", [2, 3])
def test_many_concurrent_sites_writing_the_same_value_never_conflict(count: int) -> None:
    ops = [set_op(f"o{n}", "stage", "won", hlc=stamp(1000 + n), site=f"s{n}") for n in range(count)]
    assert fold(*ops).conflicts() == {}
