"""Tests record ids: ULIDs made on the device, sortable by time, with readable prefixes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_tui.domain.ids import (
    ID_LENGTH,
    SHORT_ID_LENGTH,
    encode_ulid,
    id_time_ms,
    looks_like_id_prefix,
    new_id,
    new_ids,
)

CROCKFORD = set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
MS = st.integers(min_value=0, max_value=(1 << 48) - 1)


def test_an_id_is_26_crockford_characters() -> None:
    made = new_id()
    assert len(made) == ID_LENGTH == 26
    assert set(made) <= CROCKFORD


def test_fresh_ids_in_the_same_millisecond_differ_even_in_their_short_form() -> None:
    made = {new_id(1_764_115_200_000) for _ in range(200)}
    assert len(made) == 200
    # 10 random bits in the short form: collisions are possible but rare.
    assert len({m[:SHORT_ID_LENGTH] for m in made}) > 150


@settings(deadline=None)
@given(MS, MS)
def test_ids_sort_by_the_millisecond_they_were_made(first: int, second: int) -> None:
    a, b = new_id(first), new_id(second)
    if first < second:
        assert a < b
    elif first > second:
        assert a > b


@settings(deadline=None)
@given(MS, st.binary(min_size=10, max_size=10))
def test_the_millisecond_inside_an_id_reads_back(ms: int, randomness: bytes) -> None:
    made = encode_ulid(ms, randomness)
    assert id_time_ms(made) == ms
    assert id_time_ms(made.lower()) == ms


def test_encoding_known_values() -> None:
    assert encode_ulid(0, bytes(10)) == "0" * 26
    assert encode_ulid((1 << 48) - 1, b"\xff" * 10) == "7" + "Z" * 25
    assert encode_ulid(1, bytes(10)) == "0000000001" + "0" * 16


@pytest.mark.parametrize("text", ["01KAYQBE", "01kayqbe", "01KAYQBE00HHZE1FZV94PFSFNC", "ABCDEFGH"])
def test_eight_to_twenty_six_crockford_characters_look_like_an_id_prefix(text: str) -> None:
    assert looks_like_id_prefix(text)


@pytest.mark.parametrize(
    "text",
    [
        "01KAYQB",  # too short
        "01KAYQBE00HHZE1FZV94PFSFNCX",  # too long
        "ILOUILOU",  # letters Crockford leaves out
        "01KAY-BE",
        "山田太郎山田太郎",
        "",
    ],
)
def test_other_text_does_not_look_like_an_id_prefix(text: str) -> None:
    assert not looks_like_id_prefix(text)


def test_a_new_id_is_a_valid_prefix_of_itself() -> None:
    made = new_id()
    assert looks_like_id_prefix(made)
    assert looks_like_id_prefix(made[:8])


def test_ids_made_in_a_batch_are_distinct_ids_of_this_millisecond() -> None:
    before = new_id()
    made = new_ids(5_000)
    assert len(set(made)) == 5_000
    assert all(len(m) == ID_LENGTH and set(m) <= CROCKFORD for m in made)
    assert before[:10] <= made[0][:10] <= new_id()[:10]
    assert len({m[:SHORT_ID_LENGTH] for m in made[:200]}) > 150
