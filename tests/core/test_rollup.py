"""Rollups against a plain-Python reference: buckets across both 2026 DST days, partials, latest."""

from __future__ import annotations

import datetime as dt
import random
import statistics
from collections import defaultdict
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core.rollup import BUCKET_SCHEMA, bucket, bucket_lazy, finish, latest, merge_partials, partials_lazy
from core.schema import READINGS_SCHEMA

UTC = dt.timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
STEP = {"15m": dt.timedelta(minutes=15), "1h": dt.timedelta(hours=1)}


def frame(rows: list[tuple]) -> pl.DataFrame:
    cols = list(zip(*rows)) if rows else [(), (), (), ()]
    return pl.DataFrame(dict(zip(("ts", "station_id", "quantity", "value"), cols)) | {"source": "t"}, schema=READINGS_SCHEMA)


def irregular(seed: int, n: int, start: dt.datetime, hours: int) -> list[tuple]:
    """Random times (unique per series), uneven gaps, a few series and quantities."""
    rng, seen, rows = random.Random(seed), set(), []
    while len(rows) < n:
        ts = start + dt.timedelta(microseconds=rng.randrange(hours * 3600 * 10**6))
        key = (f"t:{rng.choice('abcde')}", rng.choice(["co2", "temperature"]))
        if (key, ts) not in seen:
            seen.add((key, ts))
            rows.append((ts, *key, round(rng.uniform(-20, 40), 3)))
    return rows


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
    out = []
    for (sid, qty, start), items in sorted(groups.items()):
        values = [v for _, v in items]
        out.append((sid, qty, start, len(values), statistics.fmean(values), min(values), max(values), max(items)[1]))
    return pl.DataFrame(out, schema=BUCKET_SCHEMA, orient="row")


@pytest.mark.parametrize("every", ["15m", "1h", "1d"])
@pytest.mark.parametrize("start", [dt.datetime(2026, 3, 27, 12, tzinfo=UTC), dt.datetime(2026, 10, 23, 12, tzinfo=UTC)], ids=["spring", "autumn"])
def test_bucket_matches_plain_reference_across_dst(every, start):
    rows = irregular(hash((every, start.month)) % 1000, 3000, start, hours=5 * 24)
    random.Random(1).shuffle(rows)  # input order must not matter
    got = bucket(frame(rows), every, "Europe/Berlin")
    assert_frame_equal(got, reference(rows, every), check_exact=False, rel_tol=1e-12)


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
    rows = irregular(9, 2000, dt.datetime(2026, 3, 28, tzinfo=UTC), hours=60)
    rng = random.Random(2)
    pieces = [[], [], []]
    for row in rows:
        pieces[rng.randrange(3)].append(row)
    partials = pl.concat([partials_lazy(frame(p), every).collect() for p in pieces])
    assert_frame_equal(finish(merge_partials(partials)).collect(), bucket(frame(rows), every), check_exact=False, rel_tol=1e-12)


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
