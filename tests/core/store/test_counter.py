"""Meter registers (aggregation ``counter``) in buckets and in every store backend: resets, gaps, out-of-order and repeated rows.

A bucket holds the consumption: each reading's increase over the reading before it in its series;
a drop is a meter reset (or a replaced meter), counted from zero; the first reading adds nothing.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core.rollup import bucket
from core.schema import Batch
from core.store import BACKENDS, open_store
from tests.core.store.rows import UTC, readings
from tests.core.store.test_contract import LOCATIONS

T = dt.datetime(2026, 11, 2, 0, 0, tzinfo=UTC)  # a Monday, 01:00 in Berlin
SID = "t:strom"


def at(hours: float) -> dt.datetime:
    return T + dt.timedelta(hours=hours)


def register(*points: tuple[float, float], quantity: str = "electricity_meter") -> list[tuple]:
    return [(at(h), SID, quantity, v) for h, v in points]


def values(frame: pl.DataFrame) -> dict[dt.datetime, float]:
    return dict(zip(frame["bucket_start"].to_list(), frame["value"].to_list()))


# (hour, register value): +10 and +5 in hour 0, +5 into hour 1, a reset to 2 in hour 2 (counted from zero: +2), +3 after it
RESET = register((0.0, 100.0), (0.25, 110.0), (0.5, 115.0), (1.5, 120.0), (2.2, 2.0), (2.7, 5.0))


def test_a_bucket_holds_the_increase_and_a_drop_is_a_reset():
    got = values(bucket(readings(RESET), "1h"))
    assert got == {at(0): 15.0, at(1): 5.0, at(2): 5.0}


def test_a_gap_puts_the_whole_gap_into_the_bucket_of_the_next_reading():
    # no reading for six hours: the 60 kWh used meanwhile show up in the bucket where the meter is read again
    rows = register((0.5, 100.0), (6.5, 160.0), (7.5, 170.0))
    got = values(bucket(readings(rows), "1h"))
    assert got == {at(0): 0.0, at(6): 60.0, at(7): 10.0}
    day = bucket(readings(rows), "1d")
    assert day["value"].to_list() == [70.0]


def test_out_of_order_and_repeated_rows_give_the_same_buckets():
    shuffled = [RESET[i] for i in (4, 0, 5, 2, 1, 3)] + [RESET[2]]  # arrival order, and one row sent twice
    in_order = bucket(readings(RESET), "1h")
    assert_frame_equal(bucket(readings(shuffled).unique(maintain_order=True), "1h"), in_order)
    assert_frame_equal(bucket(readings(shuffled).unique(maintain_order=True), "1h", ordered=False), in_order)


def test_every_counter_quantity_aggregates_as_a_register():
    for quantity in ("electricity_meter", "heat_meter", "gas_meter", "water_meter"):
        rows = register((0.0, 10.0), (0.5, 12.5), (1.5, 1.0), quantity=quantity)
        assert values(bucket(readings(rows), "1h")) == {at(0): 2.5, at(1): 1.0}, quantity


@pytest.fixture(params=sorted(BACKENDS))
def store(request):
    return open_store(LOCATIONS[request.param](request))


def test_store_rollups_count_resets_like_bucket(store):
    store.append(Batch(readings(RESET)))
    for every in ("15m", "1h", "1d"):
        assert_frame_equal(store.rollup(every), bucket(store.readings(), every), check_exact=False, rel_tol=1e-12)
    assert values(store.rollup("1h")) == {at(0): 15.0, at(1): 5.0, at(2): 5.0}


def test_a_late_reading_between_two_stored_ones_moves_the_increase(store):
    # stored: 100 at 0:00 and 160 at 6:30 (all 60 in hour 6); then the reading of 3:30 (130) arrives late
    store.append(Batch(readings(register((0.0, 100.0), (6.5, 160.0)))))
    assert values(store.rollup("1h")) == {at(0): 0.0, at(6): 60.0}
    store.append(Batch(readings(register((3.5, 130.0)))))
    assert values(store.rollup("1h")) == {at(0): 0.0, at(3): 30.0, at(6): 30.0}
    assert store.rollup("1d")["value"].to_list() == [60.0]


def test_a_late_reset_and_repeated_batches_in_the_store(store):
    first, late = RESET[:3] + RESET[5:], RESET[3:5]  # the reading of 1:30 and the reset of 2:12 arrive last
    store.append(Batch(readings(first)))
    store.append(Batch(readings(late + first[:2])))  # with two rows sent again
    assert values(store.rollup("1h")) == {at(0): 15.0, at(1): 5.0, at(2): 5.0}
    assert_frame_equal(store.rollup("1h"), bucket(store.readings(), "1h"), check_exact=False, rel_tol=1e-12)


def test_a_window_starting_after_a_reset_counts_from_the_reading_before_it(store):
    store.append(Batch(readings(RESET)))
    window = store.rollup("1h", start=at(2), end=at(3))
    assert values(window) == {at(2): 5.0}  # 120 → 2 is a reset: +2, then +3
