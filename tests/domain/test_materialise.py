"""Tests how folded ops become records: editable records, activities with versions, renewals."""

from __future__ import annotations

from itertools import permutations

import pytest

from crm_tui.domain.hlc import to_iso
from crm_tui.domain.materialise import activity_versions, record_from_state, renewals_from_state
from crm_tui.domain.ops import Op, fold_entity
from crm_tui.domain.records import Activity, Contact, Contract, Renewal, Survey
from tests.domain.builders import event_op, set_op, stamp

T1, T2, T3, T4 = (stamp(1_764_115_200_000 + n * 60_000) for n in range(4))


def _contact_ops() -> list[Op]:
    return [
        set_op("o1", "display_name", "山田 太郎", hlc=T1),
        set_op("o2", "emails", ["taro@example.jp"], hlc=T1 + 1),
        set_op("o3", "title", "課長", hlc=T2),
        set_op("o4", "title", "部長", hlc=T3, pred=("o3",)),
        set_op("o5", "consent", True, hlc=T3 + 1),
    ]


def test_a_contact_is_built_from_the_shown_value_of_each_field() -> None:
    record = record_from_state(fold_entity("contact", "C1", _contact_ops()))
    assert isinstance(record, Contact)
    assert record.id == "C1"
    assert record.display_name == "山田 太郎"
    assert record.emails == ["taro@example.jp"]
    assert record.title == "部長"
    assert record.consent is True


def test_fields_never_set_keep_their_defaults() -> None:
    record = record_from_state(fold_entity("contact", "C1", _contact_ops()))
    assert isinstance(record, Contact)
    assert record.phones == []
    assert record.tags == []
    assert record.company_id is None
    assert record.archived is False


def test_created_and_updated_come_from_the_first_and_last_clock() -> None:
    record = record_from_state(fold_entity("contact", "C1", list(reversed(_contact_ops()))))
    assert record.created_at == to_iso(T1) == "2025-11-26T00:00:00.000Z"
    assert record.updated_at == to_iso(T3 + 1)


def test_set_ops_cannot_overwrite_derived_or_unknown_fields() -> None:
    ops = [
        *_contact_ops(),
        set_op("x1", "id", "FORGED", hlc=T4),
        set_op("x2", "created_at", "1999-01-01", hlc=T4),
        set_op("x3", "no_such_field", "?", hlc=T4),
    ]
    record = record_from_state(fold_entity("contact", "C1", ops))
    assert record.id == "C1"
    assert record.created_at == to_iso(T1)
    assert "no_such_field" not in record.to_dict()


def test_an_archived_record_is_archived_until_another_set_unarchives_it() -> None:
    archived = [*_contact_ops(), set_op("a1", "archived", True, hlc=T4)]
    assert record_from_state(fold_entity("contact", "C1", archived)).archived is True
    restored = [*archived, set_op("a2", "archived", False, hlc=T4 + 1, pred=("a1",))]
    assert record_from_state(fold_entity("contact", "C1", restored)).archived is False


def _logged() -> Op:
    return event_op(
        "e1",
        "logged",
        hlc=T1,
        rep="alice",
        fields={"type": "visit", "summary": "Demo", "at": "2026-11-20T05:00:00Z", "body": "v1"},
    )


def _amended(op_id: str, hlc: int, **fields: str) -> Op:
    return event_op(op_id, "amended", hlc=hlc, rep="bob", fields=fields)


def test_a_logged_activity_is_version_one_and_not_retracted() -> None:
    record = record_from_state(fold_entity("activity", "A1", [_logged()]))
    assert isinstance(record, Activity)
    assert (record.type, record.summary, record.at) == ("visit", "Demo", "2026-11-20T05:00:00Z")
    assert (record.versions, record.retracted) == (1, False)


def test_amendments_change_only_their_fields_and_count_as_versions() -> None:
    ops = [_logged(), _amended("e2", T2, summary="Demo of model X")]
    record = record_from_state(fold_entity("activity", "A1", ops))
    assert isinstance(record, Activity)
    assert record.summary == "Demo of model X"
    assert record.body == "v1"
    assert record.versions == 2


@pytest.mark.parametrize("order", list(permutations(range(3))))
def test_the_later_amendment_wins_by_clock_whatever_the_arrival_order(
    order: tuple[int, ...],
) -> None:
    ops = [_logged(), _amended("e2", T2, summary="second"), _amended("e3", T3, summary="third")]
    record = record_from_state(fold_entity("activity", "A1", [ops[i] for i in order]))
    assert isinstance(record, Activity)
    assert (record.summary, record.versions) == ("third", 3)
    assert record.updated_at == to_iso(T3)


def test_a_retracted_activity_is_marked_retracted_and_keeps_its_content() -> None:
    ops = [
        _logged(),
        _amended("e2", T2, summary="Demo v2"),
        event_op("e3", "retracted", hlc=T3, rep="alice", reason="logged twice"),
    ]
    record = record_from_state(fold_entity("activity", "A1", ops))
    assert isinstance(record, Activity)
    assert record.retracted is True
    assert record.versions == 2
    assert record.summary == "Demo v2"


def test_an_event_payload_cannot_forge_the_version_count() -> None:
    forged = _amended("e2", T2, summary="x")
    forged.payload["fields"]["versions"] = 99
    record = record_from_state(fold_entity("activity", "A1", [_logged(), forged]))
    assert isinstance(record, Activity)
    assert record.versions == 2


def test_activity_versions_list_every_version_oldest_first_with_author_and_time() -> None:
    ops = [
        _amended("e2", T2, summary="Demo v2"),
        event_op("e3", "retracted", hlc=T3, rep="carol", reason="logged twice"),
        _logged(),
    ]
    versions = activity_versions(fold_entity("activity", "A1", ops))
    assert versions == [
        {
            "version": 1,
            "written_at": to_iso(T1),
            "by": "alice",
            "type": "visit",
            "summary": "Demo",
            "at": "2026-11-20T05:00:00Z",
            "body": "v1",
        },
        {
            "version": 2,
            "written_at": to_iso(T2),
            "by": "bob",
            "type": "visit",
            "summary": "Demo v2",
            "at": "2026-11-20T05:00:00Z",
            "body": "v1",
        },
        {
            "version": 3,
            "written_at": to_iso(T3),
            "by": "carol",
            "retracted": True,
            "reason": "logged twice",
        },
    ]


def test_a_survey_is_built_from_its_answers() -> None:
    ops = [
        event_op(
            "s1",
            "answered",
            hlc=T1,
            entity="survey",
            entity_id="S1",
            fields={"contact_id": "C1", "at": "2026-11-20T05:00:00Z", "nps": 9},
        ),
    ]
    record = record_from_state(fold_entity("survey", "S1", ops))
    assert isinstance(record, Survey)
    assert (record.contact_id, record.nps, record.csat) == ("C1", 9, None)


def _contract_ops() -> list[Op]:
    renewal = {"previous_end": "2026-12-31", "end_on": "2027-12-31", "renewal_on": "2027-11-30"}
    return [
        set_op("k1", "product", "Support plan", hlc=T1, entity="contract", entity_id="K1"),
        event_op(
            "r2",
            "renewed",
            hlc=T3,
            entity="contract",
            entity_id="K1",
            renewed_on="2027-11-20",
            previous_end="2027-12-31",
            end_on="2028-12-31",
            renewal_on="2028-11-30",
            value=130000,
        ),
        event_op(
            "r1",
            "renewed",
            hlc=T2,
            entity="contract",
            entity_id="K1",
            renewed_on="2026-11-20",
            value=120000,
            **renewal,
        ),
        event_op("n1", "noted", hlc=T4, entity="contract", entity_id="K1"),
    ]


def test_renewals_are_listed_in_the_order_they_happened() -> None:
    renewals = renewals_from_state(fold_entity("contract", "K1", _contract_ops()))
    assert renewals == [
        Renewal("r1", "K1", "2026-11-20", "2026-12-31", "2027-12-31", "2027-11-30", 120000),
        Renewal("r2", "K1", "2027-11-20", "2027-12-31", "2028-12-31", "2028-11-30", 130000),
    ]


def test_a_contract_record_comes_from_its_set_ops() -> None:
    record = record_from_state(fold_entity("contract", "K1", _contract_ops()))
    assert isinstance(record, Contract)
    assert record.product == "Support plan"


def test_only_contracts_have_renewals() -> None:
    assert renewals_from_state(fold_entity("contact", "C1", _contact_ops())) == []
