"""The linear pass of core.sorted_bucket against the hash plan: random readings in series order and out of it."""

from __future__ import annotations

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from core import sorted_bucket
from core.rollup import bucket, bucket_start
from core.schema import READINGS_SCHEMA
from core.sorted_bucket import bucket_ordered
from tests.core.test_rollup import frame, irregular, reference

UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")
KEYS = ["station_id", "quantity", "ts"]
# one quantity per aggregation kind (mean, sum, energetic, max, counter) and one unknown (a mean)
QUANTITIES = ("co2", "precipitation", "noise", "noise_max", "electricity_meter", "unknown_quantity")
# short names live inside the 12-byte Arrow view, long ones in its buffer; ä sorts by its UTF-8 bytes
STATIONS = ("t:a", "t:z", "t:ä", "t:a-station-with-a-long-name", "t:a-station-with-a-long-name-2")
DST_DAYS = {"spring": dt.datetime(2026, 3, 29, tzinfo=BERLIN), "autumn": dt.datetime(2026, 10, 25, tzinfo=BERLIN)}
EVERY = ("15m", "1h", "1d")
PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def readings(draw) -> tuple[pl.DataFrame, str]:
    """Readings around a DST day in series order: several series, every aggregation kind, repeated keys.

    Times fall on whole minutes (often on a bucket's first µs) or just before; the span is a
    little more than the 23 or 25 h day, so dense draws take the hourly grid of day buckets and
    sparse ones the row-by-row way. Repeated (station, quantity, ts) rows keep or change the value.
    """
    day = DST_DAYS[draw(st.sampled_from(sorted(DST_DAYS)))]
    start = day.astimezone(UTC) - dt.timedelta(hours=2)
    minutes = ((day + dt.timedelta(days=1)).astimezone(UTC) + dt.timedelta(hours=2) - start) // dt.timedelta(minutes=1)
    row = st.tuples(
        st.sampled_from(STATIONS),
        st.sampled_from(QUANTITIES),
        st.integers(0, minutes),
        st.sampled_from((0, 0, 1, 59_999_999)),
        st.floats(-50, 150, allow_nan=False).map(lambda v: round(v, 3)),
    )
    rows = draw(st.lists(row, min_size=1, max_size=draw(st.sampled_from((12, 60, 200)))))
    again = draw(st.lists(st.tuples(st.integers(0, len(rows) - 1), st.booleans()), max_size=len(rows) // 4 + 1))
    rows += [(*rows[i][:4], rows[i][4] if same else rows[i][4] + 1.5) for i, same in again]
    ts = [start + dt.timedelta(minutes=m, microseconds=us) for _, _, m, us, _ in rows]
    data = {"ts": ts, "station_id": [r[0] for r in rows], "quantity": [r[1] for r in rows], "value": [r[4] for r in rows]}
    readings = pl.DataFrame(data | {"source": "t"}, schema=READINGS_SCHEMA)
    return readings.sort(KEYS, maintain_order=True), draw(st.sampled_from(EVERY))


def latest_values(readings: pl.DataFrame, every: str) -> pl.Series:
    """Per bucket (in bucket order): the values of the rows at its latest ts, in input order."""
    return (
        readings.with_row_index("row")
        .with_columns(bucket_start=bucket_start(every, "Europe/Berlin"))
        .filter(pl.col("ts") == pl.col("ts").max().over("station_id", "quantity", "bucket_start"))
        .group_by("station_id", "quantity", "bucket_start")
        .agg(pl.col("value").sort_by("row"))
        .sort("station_id", "quantity", "bucket_start")["value"]
    )


def assert_same(got: pl.DataFrame, hashed: pl.DataFrame, tied: pl.Series, *, first: bool = True) -> None:
    """Equal buckets; ``last`` one of the values ``tied`` at the bucket's latest ts, the first of them when ``first``.

    The linear pass takes the first; polars' ``max_by`` leaves ties undefined (its threads do pick different ones).
    """
    assert_frame_equal(got.drop("last"), hashed.drop("last"), check_exact=False, rel_tol=1e-12, abs_tol=1e-9)
    for frame_, exact in ((got, first), (hashed, False)):
        lasts, values = frame_["last"].to_list(), tied.to_list()
        assert lasts == [v[0] for v in values] if exact else all(last in v for last, v in zip(lasts, values))


@PROPERTY
@given(readings(), st.booleans())
def test_linear_pass_equals_hash_plan_in_series_order(drawn, two_threads):
    ordered, every = drawn
    with mock.patch.object(sorted_bucket, "PIECE", 4 if two_threads else sorted_bucket.PIECE):  # small pieces: two threads
        fast = bucket_ordered(ordered, every, "Europe/Berlin")
        assert fast is not None
        assert_frame_equal(bucket(ordered, every, "Europe/Berlin"), fast)  # found by looking, not only when told
    assert_same(fast, bucket(ordered, every, "Europe/Berlin", ordered=False), latest_values(ordered, every))


@PROPERTY
@given(readings(), st.randoms(use_true_random=False))
def test_readings_out_of_series_order_take_the_hash_plan(drawn, rng):
    ordered, every = drawn
    rows = list(range(ordered.height))
    rng.shuffle(rows)
    shuffled = ordered[rows]
    in_order = shuffled.select(KEYS).equals(ordered.select(KEYS))  # only repeated rows swapped, or one row
    fast = bucket_ordered(shuffled, every, "Europe/Berlin")
    assert (fast is not None) == in_order
    hashed, tied = bucket(shuffled, every, "Europe/Berlin", ordered=False), latest_values(shuffled, every)
    for claimed in (None, True):
        assert_same(bucket(shuffled, every, "Europe/Berlin", ordered=claimed), hashed, tied, first=in_order)


def series_order(rows: list[tuple]) -> pl.DataFrame:
    return frame(rows).sort(KEYS, maintain_order=True)


SPOILS = {  # in the middle, so the few rows looked at still look in order (except for a whole series moved ahead)
    "ts-back": lambda f: pl.concat([f[:2000], f[2000:2001].with_columns(ts=pl.col("ts") - dt.timedelta(days=9)), f[2001:]]),
    "series-twice": lambda f: pl.concat([f[:1500], f[1501:2500], f[1500:1501], f[2500:]]),
    "descending": lambda f: pl.concat([f.filter(pl.col("station_id") == "t:e"), f.filter(pl.col("station_id") != "t:e")]),
    "nan": lambda f: f.with_columns(value=pl.when(pl.int_range(pl.len()) == 777).then(float("nan")).otherwise("value")),
    "inf": lambda f: f.with_columns(value=pl.when(pl.int_range(pl.len()) == 3001).then(float("-inf")).otherwise("value")),
}


@pytest.mark.parametrize("spoil", sorted(SPOILS))
@pytest.mark.parametrize("every", EVERY)
def test_a_frame_claimed_in_order_but_not_falls_back_to_the_reference(spoil, every):
    spoilt = SPOILS[spoil](series_order(irregular(7, 4000, dt.datetime(2026, 3, 27, 12, tzinfo=UTC), hours=5 * 24)))
    assert sorted_bucket.looks_ordered(spoilt) == (spoil != "descending")
    assert bucket_ordered(spoilt, every) is None
    expect = bucket(spoilt, every, ordered=False)
    for claimed in (None, True):
        assert_frame_equal(bucket(spoilt, every, ordered=claimed), expect, check_exact=False, rel_tol=1e-12)
    assert_frame_equal(bucket(spoilt.lazy(), every, ordered=True), expect, check_exact=False, rel_tol=1e-12)
    if spoil not in ("nan", "inf"):  # whatever polars makes of those
        assert_frame_equal(expect, reference(spoilt.drop("source").rows(), every), check_exact=False, rel_tol=1e-9)


@pytest.mark.parametrize("every", [*EVERY, "1w"])
def test_linear_pass_matches_the_plain_reference_across_dst(every):
    rows = irregular(11, 6000, dt.datetime(2026, 10, 23, tzinfo=UTC), hours=5 * 24)
    got = bucket_ordered(series_order(rows), every)
    assert got is not None
    expect = bucket(frame(rows), every, ordered=False) if every == "1w" else reference(rows, every)
    assert_frame_equal(got, expect, check_exact=False, rel_tol=1e-9)


def test_lazy_frames_and_other_types_and_string_layouts():
    ordered = series_order(irregular(3, 3000, dt.datetime(2026, 5, 1, tzinfo=UTC), hours=40))
    fast = bucket_ordered(ordered, "1h")
    assert fast is not None
    assert_frame_equal(bucket(ordered.lazy(), "1h", ordered=True), fast)
    # strings sharing their views (as read from Parquet) and strings stored one by one give the same runs
    shared = ordered.with_columns(pl.col("station_id", "quantity").cast(pl.Categorical).cast(pl.String))
    apart = pl.DataFrame(ordered.to_dict(as_series=False), schema=READINGS_SCHEMA)
    assert_frame_equal(bucket_ordered(shared, "1h"), fast)
    assert_frame_equal(bucket_ordered(apart, "1h"), fast)
    # what the linear pass leaves to the hash plan: other types, nulls, sizes that are not days or weeks
    assert bucket_ordered(ordered.with_columns(pl.col("quantity").cast(pl.Categorical)), "1h") is None
    assert bucket_ordered(ordered.with_columns(value=pl.when(pl.col("value") > 30).then(None).otherwise("value")), "1h") is None
    assert bucket_ordered(ordered, "24h") is None
    assert_frame_equal(bucket(ordered, "24h"), bucket(ordered, "24h", ordered=False))
    with pytest.raises(ValueError, match="bucket size"):
        bucket_ordered(ordered, "5x")
