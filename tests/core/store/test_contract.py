"""The store contract: every backend in core.store.BACKENDS passes these, through the public API only.

Dedup, rollups equal to ``bucket()`` for every aggregation kind (late and repeated rows
included), latest, stations and levels, feed health, shared run state and the one leader.
A new backend adds its location to ``LOCATIONS``; the test below fails until it does.
"""

from __future__ import annotations

import datetime as dt
import random
import threading

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core.rollup import BUCKET_SCHEMA, bucket, floor, latest
from core.schema import LEVELS_SCHEMA, READINGS_SCHEMA, STATIONS_SCHEMA, Batch
from core.store import BACKENDS, Store, open_store
from tests.core.store.rows import T0, UTC, random_rows, readings, station

# backend -> where a test keeps a fresh store of it
LOCATIONS = {
    "file": lambda request: request.getfixturevalue("tmp_path") / "data",
    "postgresql": lambda request: request.getfixturevalue("pg_url"),
}


def test_every_backend_is_under_contract():
    assert set(LOCATIONS) == set(BACKENDS)


@pytest.fixture(params=sorted(BACKENDS))
def location(request):
    return LOCATIONS[request.param](request)


@pytest.fixture
def store(location) -> Store:
    opened = open_store(location)
    assert isinstance(opened, Store)
    return opened


def test_empty_store_returns_typed_frames(store):
    assert store.readings().schema == READINGS_SCHEMA
    assert store.rollup("1h").schema == BUCKET_SCHEMA
    assert store.stations().schema == STATIONS_SCHEMA
    assert store.levels().schema == LEVELS_SCHEMA
    assert store.latest().is_empty() and store.feed_health().is_empty()
    assert store.last_ts("t") is None and store.version == 0
    assert store.append(Batch()) == 0 and store.version == 0


def test_dedup_within_and_across_batches_counts_new_rows(store):
    a = [(T0 + dt.timedelta(minutes=10 * i), "t:a", "temperature", float(i)) for i in range(30)]
    assert store.append(Batch(readings(a + a[:5]))) == 30
    assert store.append(Batch(readings(a))) == 0
    version = store.version
    late = [(T0 - dt.timedelta(minutes=5), "t:a", "temperature", 1.0)]
    more = [(T0 + dt.timedelta(minutes=10 * i), "t:a", "temperature", -1.0) for i in range(25, 35)]
    assert store.append(Batch(readings(a[:3] + late + more))) == 6
    assert store.version > version
    stored = store.readings()
    assert stored.height == 36 and stored.select(["station_id", "quantity", "ts"]).is_unique().all()
    # the first stored value wins: the re-sent rows with -1.0 did not overwrite
    assert stored.filter(pl.col("ts") == T0 + dt.timedelta(minutes=250))["value"].item() == 25.0


def test_dedup_of_old_rows_checks_the_files(store):
    # A series with more readings than the tail: old repeats are only found in the files.
    day = [(T0 + dt.timedelta(minutes=10 * i), "t:a", "co2", 400.0 + i) for i in range(200)]
    assert store.append(Batch(readings(day))) == 200
    mixed = day[10:20] + [(T0 + dt.timedelta(minutes=10 * i + 1), "t:a", "co2", 500.0) for i in range(10, 15)]
    assert store.append(Batch(readings(mixed))) == 5
    assert store.readings().height == 205


def test_rollups_equal_bucket_after_many_small_appends(store):
    rng = random.Random(7)
    rows = random_rows(rng, 1500)
    for i in range(0, len(rows), 37):
        chunk = rows[i : i + 37] + rng.sample(rows[: i + 1], k=min(5, i + 1))  # re-sent and out of order
        store.append(Batch(readings(chunk)))
    stored = store.readings()
    assert stored.height == len({(r[1], r[2], r[0]) for r in rows})
    cuts = [None, T0 + dt.timedelta(hours=13, minutes=7), T0 + dt.timedelta(hours=24), T0 + dt.timedelta(hours=61, seconds=5)]
    for every in ("15m", "1h", "1d"):
        assert_frame_equal(store.rollup(every), bucket(stored, every), check_exact=False, rel_tol=1e-12)
        for start, end in [(cuts[1], cuts[3]), (cuts[2], None), (None, cuts[1]), (cuts[1], cuts[1] + dt.timedelta(minutes=3))]:
            expect = bucket(store.readings(start, end), every)
            assert_frame_equal(store.rollup(every, start, end), expect, check_exact=False, rel_tol=1e-12)
    picked = store.rollup("1h", station_ids=["t:s1"], quantities="humidity")
    assert_frame_equal(picked, bucket(store.readings(station_ids="t:s1", quantities=["humidity"]), "1h"), check_exact=False, rel_tol=1e-12)


def test_readings_filters_and_sort(store):
    rows = random_rows(random.Random(3), 300)
    store.append(Batch(readings(rows)))
    start, end = T0 + dt.timedelta(hours=5), T0 + dt.timedelta(hours=30)
    got = store.readings(start, end, station_ids=["t:s0", "t:s2"])
    expect = (
        readings(rows)
        .unique(["station_id", "quantity", "ts"], keep="first")
        .filter((pl.col("ts") >= start) & (pl.col("ts") < end) & pl.col("station_id").is_in(["t:s0", "t:s2"]))
    )
    assert_frame_equal(got, expect.sort("station_id", "quantity", "ts"))
    with pytest.raises(ValueError, match="timezone-aware"):
        store.readings(dt.datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="every"):
        store.rollup("5m")


def test_latest_is_incremental_and_flags_stale(store):
    fast = [(T0 + dt.timedelta(minutes=5 * i), "t:fast", "co2", 500.0 + i) for i in range(40)]
    slow = [(T0 + dt.timedelta(hours=i), "t:slow", "temperature", 10.0 + i) for i in range(3)]
    lone = [(T0, "t:lone", "humidity", 50.0)]
    for chunk in (fast[:15], slow, fast[15:], fast[3:8], lone):
        store.append(Batch(readings(chunk)))
    now = T0 + dt.timedelta(hours=3, minutes=40)  # fast: 40 min old, slow: 100 min, lone: 220 min
    got = store.latest(now)
    assert_frame_equal(got, latest(store.readings(), now))
    flags = dict(zip(got["station_id"], got["stale"]))
    assert flags == {"t:fast": True, "t:slow": False, "t:lone": True}
    assert got.filter(pl.col("station_id") == "t:fast")["interval_s"].item() == 300.0


def test_stations_and_levels_upsert(store):
    levels = [{"station_id": "g:1", "quantity": "water_level", "level": "info1", "value": 150.0}]
    store.append(Batch.from_rows(stations=[station("g:1", "Alt"), station("g:2")], levels=levels))
    version = store.version
    assert store.append(Batch.from_rows(stations=[station("g:2")])) == 0 and store.version == version
    renamed = {**station("g:1", "Neu <b>"), "district": "Lendringsen"}
    store.append(
        Batch.from_rows(stations=[renamed], levels=[{**levels[0], "value": 170.0}, {**levels[0], "level": "info2", "value": 220.0}])
    )
    got = store.stations()
    assert got["station_id"].to_list() == ["g:1", "g:2"] and got["name"].to_list() == ["Neu <b>", "Station"]
    assert store.levels().sort("level")["value"].to_list() == [170.0, 220.0]


def test_feed_health_and_last_ts(store):
    at = dt.datetime(2026, 5, 1, 12, tzinfo=UTC)
    store.append(Batch(readings([(T0, "a:x", "co2", 500.0), (T0 + dt.timedelta(hours=1), "a:x", "co2", 600.0)], source="a")))
    store.append(Batch(readings([(T0 - dt.timedelta(hours=1), "a:x", "co2", 450.0)], source="a")))
    assert store.last_ts("a") == T0 + dt.timedelta(hours=1) and store.last_ts("b") is None
    store.record_health("a", ok=True, rows=2, skipped=1, latency_s=0.3, at=at)
    store.record_health("a", ok=False, rows=0, skipped=0, latency_s=5.0, error="timeout", at=at + dt.timedelta(minutes=1))
    store.record_health("a", ok=False, rows=0, skipped=2, latency_s=5.0, error="HTTP 503", at=at + dt.timedelta(minutes=2))
    store.record_health("b", ok=True, rows=7, skipped=0, latency_s=0.1, at=at)
    health = {row["source"]: row for row in store.feed_health().to_dicts()}
    a = health["a"]
    assert (a["failures"], a["last_error"], a["rows"], a["rows_total"], a["skipped"], a["skipped_total"]) == (2, "HTTP 503", 2, 2, 2, 3)
    assert a["last_success"] == at and a["last_attempt"] == at + dt.timedelta(minutes=2)
    store.record_health("a", ok=True, rows=4, skipped=0, latency_s=0.2, at=at + dt.timedelta(minutes=3))
    a = store.feed_health().filter(pl.col("source") == "a").row(0, named=True)
    assert (a["failures"], a["rows"], a["rows_total"]) == (0, 4, 6)
    assert health["b"]["rows_total"] == 7


def test_quarantined_readings_are_kept_once_apart_from_the_readings(location):
    from core.quality import QUARANTINE_SCHEMA

    store = open_store(location)
    assert store.quarantined().schema == QUARANTINE_SCHEMA and store.quarantine(pl.DataFrame(schema=QUARANTINE_SCHEMA)) == 0
    rows = [(T0 + dt.timedelta(days=40 * i), "a:x", "temperature", 60.0 - i) for i in range(3)]  # three months: three partitions
    aside = readings(rows, source="a").with_columns(reason=pl.Series(["spike", "rate", "future"]))
    assert store.quarantine(aside) == 3
    assert store.quarantine(pl.concat([aside, aside.with_columns(reason=pl.lit("flat"))])) == 3  # a new reason is a new entry
    got = open_store(location).quarantined()
    assert got.height == 6 and got["ts"].is_sorted(descending=True) and got.columns == QUARANTINE_SCHEMA.names()
    assert store.quarantined(T0, T0 + dt.timedelta(days=1))["reason"].sort().to_list() == ["flat", "spike"]
    assert store.quarantined(sources="b").is_empty() and store.quarantined(sources=["a"]).height == 6
    assert store.readings().is_empty() and store.rollup("1d").is_empty() and store.latest().is_empty()
    store.record_health("a", ok=True, rows=0, skipped=0, latency_s=0.1, quarantined=3)
    store.record_health("a", ok=True, rows=1, skipped=0, latency_s=0.1)
    row = store.feed_health().row(0, named=True)
    assert (row["quarantined"], row["quarantined_total"]) == (0, 3)
    if hasattr(store, "compact"):
        store.compact()
        assert store.quarantined().height == 6


def test_two_handles_see_each_others_commits(location):
    first, second = open_store(location), open_store(location)
    first.append(Batch(readings([(T0, "t:a", "co2", 500.0)])))
    assert second.version == first.version == 1
    assert second.append(Batch(readings([(T0, "t:a", "co2", 500.0), (T0 + dt.timedelta(minutes=1), "t:a", "co2", 501.0)]))) == 1
    assert first.readings().height == 2 and first.latest(T0)["value"].item() == 500.0
    with pytest.raises(ValueError, match="Europe/Berlin"):
        open_store(location, tz="UTC")


def test_one_store_shared_by_threads(store):
    # Streamlit serves every session from one cached Store: its caches must hold up to threads.
    import threading

    stop, errors = threading.Event(), []

    def read():
        while not stop.is_set():
            try:
                seen = store.version
                got = store.readings()
                # a read sees a whole commit: k rows are the first k appends, in order
                assert got["value"].to_list() == [400.0 + k for k in range(got.height)]
                assert store.version >= seen
                latest = store.latest(T0 + dt.timedelta(hours=1))
                assert latest.height <= 1 and (latest.is_empty() or latest["value"].item() >= 400.0 + got.height - 1)
            except Exception as exc:  # noqa: BLE001 - collected and re-raised in the test thread below
                errors.append(exc)
                return

    readers = [threading.Thread(target=read) for _ in range(3)]
    for thread in readers:
        thread.start()
    try:
        for k in range(30):
            store.append(Batch(readings([(T0 + dt.timedelta(minutes=k), "t:a", "co2", 400.0 + k)])))
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    assert not errors, errors
    assert store.readings().height == 30


def test_every_aggregation_kind_survives_late_and_repeated_rows(store):
    # sound levels, rain, peaks and a meter with resets, appended in random order and chunks:
    # the materialized rollups equal bucketing everything stored at once
    rng = random.Random(17)
    kinds = ("noise", "precipitation", "noise_max", "electricity_meter", "co2")
    rows = random_rows(rng, 1200, series=3, span_h=60, quantities=kinds)
    register: dict[str, float] = {}
    for i, (ts, sid, qty, value) in sorted(enumerate(rows), key=lambda r: r[1][0]):
        if qty == "electricity_meter":  # a rising register with a reset now and then
            register[sid] = rng.uniform(0, 2) if rng.random() < 0.05 else register.get(sid, 0.0) + value / 10
            rows[i] = (ts, sid, qty, round(register[sid], 3))
        elif qty in ("noise", "noise_max"):
            rows[i] = (ts, sid, qty, 30 + value)
        elif qty == "co2":
            rows[i] = (ts, sid, qty, 400 + 10 * value)
    rng.shuffle(rows)
    for i in range(0, len(rows), 53):
        store.append(Batch(readings(rows[i : i + 53] + rng.sample(rows[: i + 1], k=min(4, i + 1)))))
    stored = store.readings()
    assert stored.height == len({(r[1], r[2], r[0]) for r in rows})
    for every in ("15m", "1h", "1d"):
        assert_frame_equal(store.rollup(every), bucket(stored, every), check_exact=False, rel_tol=1e-9)
        # a window of whole buckets reads the materialized ones: a register's first bucket
        # in it still counts from the stored reading before the window
        start, end = floor(T0 + dt.timedelta(hours=20), every), floor(T0 + dt.timedelta(hours=50), every)
        whole = bucket(store.readings(None, end), every).filter(pl.col("bucket_start") >= start)
        assert_frame_equal(store.rollup(every, start, end), whole, check_exact=False, rel_tol=1e-9)


def test_a_long_station_list_reads_the_same_as_a_short_one(store):
    rows = [(T0 + dt.timedelta(minutes=10 * i), f"t:s{k}", "co2", 400.0 + i + k) for i in range(12) for k in range(60)]
    store.append(Batch(readings(rows)))
    many = [f"t:s{k}" for k in range(0, 60, 1) if k % 7]  # longer than any pushdown limit
    got = store.rollup("1h", station_ids=many)
    assert set(got["station_id"]) == set(many)
    assert_frame_equal(got, bucket(store.readings(station_ids=many), "1h"), check_exact=False, rel_tol=1e-12)
    assert_frame_equal(store.readings(station_ids=many), store.readings().filter(pl.col("station_id").is_in(many)))


def test_run_state_is_shared_and_moves_the_version(location):
    first, second = open_store(location), open_store(location)
    assert first.state("scenario") is None
    version = first.version
    first.set_state("scenario", {"name": "starkregen", "speed": 60})
    assert second.state("scenario") == {"name": "starkregen", "speed": 60} and second.version > version
    first.append(Batch(readings([(T0, "t:a", "co2", 500.0)])))
    assert second.state("scenario") == {"name": "starkregen", "speed": 60}  # appends keep it
    second.set_state("scenario", None)
    assert first.state("scenario") is None


def test_one_leader_at_a_time(location):
    first, second = open_store(location), open_store(location)
    with first.leader("ingest") as mine:
        assert mine
        with second.leader("ingest") as theirs:
            assert not theirs
        with second.leader("other") as other:
            assert other  # leadership is per name
        seen = []
        thread = threading.Thread(target=lambda: seen.append(open_store(location).leader("ingest").__enter__()))
        thread.start()
        thread.join()
        assert seen == [False]
    with second.leader("ingest") as theirs:
        assert theirs  # released when the first one left
