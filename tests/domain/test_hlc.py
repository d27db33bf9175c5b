"""Tests the hybrid logical clock: monotonic ticks, counter overflow, the receive rule, packing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_tui.domain.hlc import COUNTER_BITS, pack, receive, tick, to_datetime, to_iso, unpack

FULL = (1 << COUNTER_BITS) - 1
MS = st.integers(min_value=0, max_value=(1 << 48) - 2)
COUNTER = st.integers(min_value=0, max_value=FULL)


def test_a_tick_after_the_wall_clock_moved_on_takes_the_wall_clock_and_resets_the_counter() -> None:
    assert unpack(tick(pack(1000, 7), 1500)) == (1500, 0)


def test_a_tick_in_the_same_millisecond_increments_the_counter() -> None:
    assert unpack(tick(pack(1000, 7), 1000)) == (1000, 8)


def test_a_tick_when_the_wall_clock_went_backwards_stays_ahead_of_the_last_stamp() -> None:
    last = pack(1000, 7)
    stamp = tick(last, 400)
    assert stamp > last
    assert unpack(stamp) == (1000, 8)


def test_a_full_counter_borrows_the_next_millisecond_instead_of_wrapping() -> None:
    last = pack(1000, FULL)
    stamp = tick(last, 1000)
    assert stamp > last
    assert unpack(stamp) == (1001, 0)


def test_the_first_tick_from_zero_is_the_wall_clock() -> None:
    assert unpack(tick(0, 1_764_115_200_000)) == (1_764_115_200_000, 0)


@settings(deadline=None)
@given(MS, COUNTER, st.lists(st.integers(min_value=0, max_value=(1 << 47)), max_size=50))
def test_ticks_always_increase_whatever_the_wall_clock_does(
    ms: int, counter: int, walls: list[int]
) -> None:
    stamp = pack(ms, counter)
    for wall in walls:
        following = tick(stamp, wall)
        assert following > stamp
        assert unpack(following)[0] >= wall
        stamp = following


def test_receiving_a_stamp_from_the_future_moves_past_it() -> None:
    remote = pack(2000, 7)
    stamp = receive(pack(1000, 3), remote, now_ms=1500)
    assert stamp > remote
    assert unpack(stamp) == (2000, 8)


def test_receiving_an_old_stamp_keeps_local_order() -> None:
    last = pack(3000, 5)
    assert unpack(receive(last, pack(1000, 9), now_ms=2000)) == (3000, 6)


def test_receiving_when_the_wall_clock_is_ahead_of_both_takes_the_wall_clock() -> None:
    assert unpack(receive(pack(1000, 3), pack(2000, 7), now_ms=5000)) == (5000, 0)


def test_receiving_the_same_millisecond_from_both_sides_takes_the_higher_counter() -> None:
    assert unpack(receive(pack(1000, 3), pack(1000, 9), now_ms=1000)) == (1000, 10)


@settings(deadline=None)
@given(MS, COUNTER, MS, COUNTER, st.integers(min_value=0, max_value=(1 << 48) - 2))
def test_after_receiving_the_clock_is_past_both_stamps_and_not_behind_the_wall(
    last_ms: int, last_counter: int, remote_ms: int, remote_counter: int, now_ms: int
) -> None:
    last, remote = pack(last_ms, last_counter), pack(remote_ms, remote_counter)
    stamp = receive(last, remote, now_ms)
    assert stamp > last
    assert stamp > remote
    assert unpack(stamp)[0] >= now_ms


@settings(deadline=None)
@given(MS, COUNTER)
def test_pack_and_unpack_round_trip(ms: int, counter: int) -> None:
    assert unpack(pack(ms, counter)) == (ms, counter)


@settings(deadline=None)
@given(MS, COUNTER, MS, COUNTER)
def test_packed_stamps_compare_like_millisecond_then_counter(
    a_ms: int, a_counter: int, b_ms: int, b_counter: int
) -> None:
    assert (pack(a_ms, a_counter) < pack(b_ms, b_counter)) == (
        (a_ms, a_counter) < (b_ms, b_counter)
    )


@pytest.mark.parametrize("counter", [0, 1, FULL])
def test_a_stamp_shows_its_wall_clock_instant_in_utc(counter: int) -> None:
    stamp = pack(1_764_115_200_123, counter)
    assert to_datetime(stamp) == datetime(2025, 11, 26, 0, 0, 0, 123000, tzinfo=UTC)
    assert to_iso(stamp) == "2025-11-26T00:00:00.123Z"


@given(st.integers(min_value=0, max_value=7_258_118_399_999), COUNTER)
def test_a_stamp_shows_the_same_instant_as_its_datetime(ms: int, counter: int) -> None:
    # Until 2200: past about 2242, seconds as a float (`to_datetime`) lose the millisecond.
    stamp = pack(ms, counter)
    expected = to_datetime(stamp).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert to_iso(stamp) == expected
