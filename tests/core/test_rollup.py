"""Rollups against a plain-Python reference: buckets across both 2026 DST days, partials, latest."""

from __future__ import annotations

import datetime as dt
import math
import random
import statistics
from collections import defaultdict
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core.rollup import BUCKET_SCHEMA, bucket, bucket_lazy, coarsen, increments, latest
from core.schema import QUANTITIES, READINGS_SCHEMA
from core.store.partials import finish, merge_partials, partials_lazy

UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")
STEP = {"15m": dt.timedelta(minutes=15), "1h": dt.timedelta(hours=1)}


def frame(rows: list[tuple]) -> pl.DataFrame:
    cols = list(zip(*rows)) if rows else [(), (), (), ()]
    return pl.DataFrame(dict(zip(("ts", "station_id", "quantity", "value"), cols)) | {"source": "t"}, schema=READINGS_SCHEMA)


# one quantity per aggregation kind (core.schema): mean, sum, energetic, max, counter
KINDS = ("co2", "temperature", "precipitation", "noise", "noise_max", "electricity_meter")


def irregular(seed: int, n: int, start: dt.datetime, hours: int, quantities: tuple[str, ...] = KINDS) -> list[tuple]:
    """Random times (unique per series), uneven gaps, a few series and quantities.

    Registers mostly rise, with a reset to a small value now and then (a meter replaced).
    """
    rng, seen, rows = random.Random(seed), set(), []
    while len(rows) < n:
        ts = start + dt.timedelta(microseconds=rng.randrange(hours * 3600 * 10**6))
        key = (f"t:{rng.choice('abcde')}", rng.choice(quantities))
        if (key, ts) not in seen:
            seen.add((key, ts))
            rows.append((ts, *key, round(rng.uniform(-20, 40), 3)))
    registers = defaultdict(float)
    for i, (ts, sid, qty, value) in sorted(enumerate(rows), key=lambda r: r[1][0]):
        if QUANTITIES[qty].aggregation == "counter":
            registers[sid] = rng.uniform(0, 3) if rng.random() < 0.03 else registers[sid] + abs(value) / 10
            rows[i] = (ts, sid, qty, round(registers[sid], 4))
    return rows


def reference_value(quantity: str, items: list[tuple], previous: dict) -> float:
    """A bucket's value the long way: items are (ts, value) in time order; ``previous`` the series' last value before."""
    values = [v for _, v in items]
    kind = QUANTITIES[quantity].aggregation
    if kind == "sum":
        return math.fsum(values)
    if kind == "max":
        return max(values)
    if kind == "energetic":
        return 10 * math.log10(statistics.fmean(10 ** (v / 10) for v in values))
    if kind == "counter":
        total, before = 0.0, previous.get("value")
        for v in values:
            total += 0.0 if before is None else v - before if v >= before else v  # a drop: reset, counted from zero
            before = v
        previous["value"] = before
        return total
    return statistics.fmean(values)


def reference_start(ts: dt.datetime, every: str) -> dt.datetime:
    if every == "1d":  # local midnight of the reading's local date, as UTC
        day = ts.astimezone(BERLIN).date()
        return dt.datetime(day.year, day.month, day.day, tzinfo=BERLIN).astimezone(UTC)
    epoch = dt.datetime(1970, 1, 1, tzinfo=UTC)
    return epoch + (ts - epoch) // STEP[every] * STEP[every]


def reference(rows: list[tuple], every: str) -> pl.DataFrame:
    groups = defaultdict(list)
    for ts, sid, qty, value in rows:
        groups[sid, qty, reference_start(ts, every)].append((ts, value))
    out, previous = [], defaultdict(dict)
    for (sid, qty, start), items in sorted(groups.items()):
        items.sort()
        values = [v for _, v in items]
        value = reference_value(qty, items, previous[sid, qty])
        out.append((sid, qty, start, len(values), value, statistics.fmean(values), min(values), max(values), items[-1][1]))
    return pl.DataFrame(out, schema=BUCKET_SCHEMA, orient="row")


@pytest.mark.parametrize("every", ["15m", "1h", "1d"])
@pytest.mark.parametrize(
    "start", [dt.datetime(2026, 3, 27, 12, tzinfo=UTC), dt.datetime(2026, 10, 23, 12, tzinfo=UTC)], ids=["spring", "autumn"]
)
def test_bucket_matches_plain_reference_across_dst(every, start):
    rows = irregular(hash((every, start.month)) % 1000, 3000, start, hours=5 * 24)
    random.Random(1).shuffle(rows)  # input order must not matter
    got = bucket(frame(rows), every, "Europe/Berlin")
    assert_frame_equal(got, reference(rows, every), check_exact=False, rel_tol=1e-9)


def test_each_quantity_aggregates_its_own_way():
    t0 = dt.datetime(2026, 6, 1, 10, tzinfo=UTC)
    at = lambda minutes: t0 + dt.timedelta(minutes=minutes)  # noqa: E731
    rows = [
        (at(5), "t:a", "noise", 50.0),
        (at(20), "t:a", "noise", 60.0),  # energetic: 57.4, not 55
        *[(at(m), "t:a", "precipitation", 0.5) for m in (0, 10, 20, 30, 40, 50)],  # an hour of rain: 3 mm
        (at(1), "t:a", "noise_max", 71.0),
        (at(2), "t:a", "noise_max", 83.0),
        (at(3), "t:a", "noise_max", 64.0),
        # a register: +10 in the first hour; then a reset to 5 (counted from zero) and +3
        (at(0), "t:a", "electricity_meter", 100.0),
        (at(30), "t:a", "electricity_meter", 110.0),
        (at(70), "t:a", "electricity_meter", 5.0),
        (at(80), "t:a", "electricity_meter", 8.0),
    ]
    got = {(r["quantity"], r["bucket_start"]): r["value"] for r in bucket(frame(rows), "1h").iter_rows(named=True)}
    assert got[("noise", t0)] == pytest.approx(57.4, abs=0.05)
    assert got[("precipitation", t0)] == pytest.approx(3.0)
    assert got[("noise_max", t0)] == 83.0
    assert got[("electricity_meter", t0)] == 10.0 and got[("electricity_meter", at(60))] == 8.0
    day = bucket(frame(rows), "1d")
    assert day.filter(pl.col("quantity") == "electricity_meter")["value"].item() == 18.0
    assert day.filter(pl.col("quantity") == "precipitation")["value"].item() == pytest.approx(3.0)


@pytest.mark.parametrize("every", ["1h", "1d"])
def test_coarsen_equals_bucketing_the_readings_at_the_coarser_step(every):
    rows = irregular(4, 3000, dt.datetime(2026, 10, 23, tzinfo=UTC), hours=4 * 24)
    assert_frame_equal(coarsen(bucket(frame(rows), "15m"), every), bucket(frame(rows), every), check_exact=False, rel_tol=1e-9)


@pytest.mark.parametrize(
    ("first", "hours", "counts", "length"),
    [
        (dt.datetime(2026, 3, 28, 23, tzinfo=UTC), 24, [23, 1], dt.timedelta(hours=23)),  # local 29 March 00:00
        (dt.datetime(2026, 10, 24, 22, tzinfo=UTC), 26, [25, 1], dt.timedelta(hours=25)),  # local 25 October 00:00
    ],
    ids=["spring", "autumn"],
)
def test_day_buckets_have_23_and_25_hours_on_dst_days(first, hours, counts, length):
    hourly = [(first + dt.timedelta(hours=h), "t:a", "co2", float(h)) for h in range(hours)]
    days = bucket(frame(hourly), "1d", "Europe/Berlin")
    assert days["n"].to_list() == counts
    assert days["bucket_start"].to_list() == [first, first + length]
    assert days["last"].to_list() == [float(counts[0] - 1), float(hours - 1)]


def test_bucket_empty_and_lazy_inputs():
    empty = frame([])
    assert_frame_equal(bucket(empty, "1h"), pl.DataFrame(schema=BUCKET_SCHEMA))
    rows = irregular(3, 200, dt.datetime(2026, 5, 1, tzinfo=UTC), hours=30)
    assert_frame_equal(bucket_lazy(frame(rows).lazy(), "15m").collect(), bucket(frame(rows), "15m"))
    with pytest.raises(ValueError, match="bucket size"):
        bucket(empty, "5x")


@pytest.mark.parametrize("every", ["15m", "1h", "1d"])
def test_partials_merge_exactly(every):
    # a register's increase counts from the reading before it in the whole series (the store
    # finds it in what it holds); with it given, partials of any split merge to the buckets
    rows = irregular(9, 2000, dt.datetime(2026, 3, 28, tzinfo=UTC), hours=60)
    stepped = increments(frame(rows)).collect().sample(fraction=1.0, shuffle=True, seed=2)
    pieces = [stepped[i::3] for i in range(3)]
    partials = pl.concat([partials_lazy(p, every).collect() for p in pieces])
    assert_frame_equal(finish(merge_partials(partials)).collect(), bucket(frame(rows), every), check_exact=False, rel_tol=1e-9)


def test_latest_age_interval_and_staleness():
    now = dt.datetime(2026, 6, 1, 12, tzinfo=UTC)
    rows = [(now - dt.timedelta(minutes=10 * i), "t:fresh", "co2", float(i)) for i in range(30)]  # every 10 min
    rows += [(now - dt.timedelta(minutes=31 + 10 * i), "t:late", "co2", float(i)) for i in range(5)]  # 31 min > 3 x 10
    rows += [(now - dt.timedelta(minutes=119), "t:once", "humidity", 50.0)]  # no interval: 2 h rule
    rows += [(now - dt.timedelta(minutes=121), "t:gone", "humidity", 40.0)]
    rows += [(now + dt.timedelta(minutes=5), "t:fresh", "co2", 99.0)]  # in the future: ignored
    got = latest(frame(rows), now)
    assert got.columns == ["station_id", "quantity", "ts", "value", "interval_s", "age_s", "stale"]
    by = {r["station_id"]: r for r in got.to_dicts()}
    assert (by["t:fresh"]["value"], by["t:fresh"]["age_s"], by["t:fresh"]["interval_s"], by["t:fresh"]["stale"]) == (0.0, 0.0, 600.0, False)
    assert (by["t:late"]["age_s"], by["t:late"]["stale"]) == (31 * 60.0, True)
    assert by["t:once"]["interval_s"] is None and by["t:once"]["stale"] is False and by["t:gone"]["stale"] is True
    assert latest(frame([]), now).is_empty()
    with pytest.raises(ValueError, match="timezone-aware"):
        latest(frame(rows), dt.datetime(2026, 6, 1))
