"""The embedded store: dedup, rollups equal to bucket(), latest, tables, crash safety, readers."""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core import store_files
from core.rollup import BUCKET_SCHEMA, bucket, latest
from core.schema import LEVELS_SCHEMA, READINGS_SCHEMA, STATIONS_SCHEMA, Batch
from core.store import open_store

ROOT = Path(__file__).resolve().parents[2]
UTC = dt.timezone.utc
T0 = dt.datetime(2026, 3, 27, 18, 0, tzinfo=UTC)  # two days before the spring DST switch


def readings(rows: list[tuple[dt.datetime, str, str, float]], source: str = "t") -> pl.DataFrame:
    ts, sid, qty, val = zip(*rows) if rows else ((), (), (), ())
    return pl.DataFrame({"ts": ts, "station_id": sid, "quantity": qty, "value": val, "source": source}, schema=READINGS_SCHEMA)


def station(sid: str, name: str = "Station") -> dict:
    return {"station_id": sid, "source": sid.split(":")[0], "name": name, "lat": 51.4, "lon": 7.8, "theme": "microclimate", "district": None}


def random_rows(rng: random.Random, n: int, *, series: int = 6, span_h: float = 80) -> list:
    return [
        (T0 + dt.timedelta(seconds=rng.randrange(int(span_h * 3600))), f"t:s{rng.randrange(series)}", rng.choice(["temperature", "humidity"]), round(rng.uniform(0, 40), 2))
        for _ in range(n)
    ]


@pytest.fixture
def store(tmp_path):
    return open_store(tmp_path / "data")


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
    expect = readings(rows).unique(["station_id", "quantity", "ts"], keep="first").filter(
        (pl.col("ts") >= start) & (pl.col("ts") < end) & pl.col("station_id").is_in(["t:s0", "t:s2"])
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
    store.append(Batch.from_rows(stations=[renamed], levels=[{**levels[0], "value": 170.0}, {**levels[0], "level": "info2", "value": 220.0}]))
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


def test_two_handles_see_each_others_commits(tmp_path):
    first, second = open_store(tmp_path), open_store(tmp_path)
    first.append(Batch(readings([(T0, "t:a", "co2", 500.0)])))
    assert second.version == first.version == 1
    assert second.append(Batch(readings([(T0, "t:a", "co2", 500.0), (T0 + dt.timedelta(minutes=1), "t:a", "co2", 501.0)]))) == 1
    assert first.readings().height == 2 and first.latest(T0)["value"].item() == 500.0
    with pytest.raises(ValueError, match="Europe/Berlin"):
        open_store(tmp_path, tz="UTC")


def test_compaction_merges_segments_and_keeps_data(store, monkeypatch):
    monkeypatch.setattr(store_files, "GRACE_S", 0.0)
    rows = random_rows(random.Random(11), 2000, span_h=30)
    for i in range(0, 2000, 50):
        store.append(Batch(readings(rows[i : i + 50])))
    before = {every: store.rollup(every) for every in ("15m", "1h", "1d")}
    segments = store._manifest()["segments"]
    assert all(len([s for s in segs if s["part"] == part]) < 2 * 8 for segs in segments.values() for part in {s["part"] for s in segs})
    (store.root / "readings" / "junk.parquet").write_bytes(b"orphan of a crashed writer")
    store.compact()
    segments = store._manifest()["segments"]
    assert all(len(segs) == len({s["part"] for s in segs}) for segs in segments.values())
    for every, frame in before.items():
        assert_frame_equal(store.rollup(every), frame, check_exact=False, rel_tol=1e-12)
    assert not (store.root / "readings" / "junk.parquet").exists()
    live = {s["file"] for segs in segments.values() for s in segs} | set(store._manifest()["tables"].values())
    assert {p.relative_to(store.root).as_posix() for p in store.root.rglob("*.parquet")} == live


WRITER = textwrap.dedent(
    """
    import datetime as dt, sys
    import polars as pl
    from core.schema import Batch
    from core.store import open_store
    store = open_store(sys.argv[1])
    first = int(sys.argv[2])
    t0 = dt.datetime(2026, 3, 28, tzinfo=dt.timezone.utc)
    print("ready", flush=True)
    for k in range(first, first + 100000):
        size = 5 + k % 17
        ts = [t0 + dt.timedelta(minutes=7 * k + i) for i in range(size)]
        frame = pl.DataFrame({"ts": ts, "station_id": f"k:{k}", "quantity": "co2", "value": [400.0 + i for i in range(size)], "source": "k"})
        st = pl.DataFrame([{"station_id": f"k:{k}", "source": "k", "name": str(k), "lat": None, "lon": None, "theme": "indoor_air", "district": None}])
        store.append(Batch(frame, st))
    """
)


def check_whole_batches(store) -> int:
    """Every batch is all there or absent, in readings, stations, rollups and latest alike.

    Each call reads its own snapshot and a writer may commit in between, so later reads
    are compared on the batches (stations) the first read saw.
    """
    stored = store.readings()
    counts = stored.group_by("station_id").len()
    for sid, n in counts.iter_rows():
        assert n == 5 + int(sid.split(":")[1]) % 17, f"batch {sid} is partial: {n} rows"
    seen = counts["station_id"]
    assert set(seen) <= set(store.stations()["station_id"])  # stations came in the same commit
    rolled = store.rollup("1h", station_ids=seen)
    assert_frame_equal(rolled, bucket(stored, "1h"), check_exact=False, rel_tol=1e-12)
    now = dt.datetime(2027, 1, 1, tzinfo=UTC)
    assert_frame_equal(store.latest(now).filter(pl.col("station_id").is_in(seen.to_list())), latest(stored, now))
    return stored.height


def test_kill_9_during_appends_leaves_whole_batches(tmp_path):
    rng = random.Random(5)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    total = 0
    for round_ in range(4):
        child = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(round_ * 10000)], stdout=subprocess.PIPE, env=env)
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.1, 0.6))
        child.send_signal(signal.SIGKILL)
        child.wait()
        store = open_store(tmp_path)
        now_total = check_whole_batches(store)
        assert now_total > total  # the writer got some batches in
        total = now_total
    store.compact()
    assert check_whole_batches(store) == total
    assert sorted(store.stations()["station_id"]) == sorted(store.readings()["station_id"].unique())


READER = textwrap.dedent(
    """
    import sys, time
    from core.store import open_store
    sys.path.insert(0, sys.argv[2])
    from test_store import check_whole_batches
    store = open_store(sys.argv[1])
    check_whole_batches(store)
    print("ready", flush=True)
    reads, deadline = 0, time.monotonic() + float(sys.argv[3])
    while time.monotonic() < deadline:
        check_whole_batches(store)
        reads += 1
    print(reads, flush=True)
    """
)


def test_concurrent_reader_during_appends_and_compaction(tmp_path, monkeypatch):
    monkeypatch.setattr(store_files, "GRACE_S", 0.3)  # delete replaced files soon, so readers meet it
    store = open_store(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    reader = subprocess.Popen([sys.executable, "-c", READER, str(tmp_path), str(Path(__file__).parent), "2.5"], stdout=subprocess.PIPE, env=env)
    assert reader.stdout.readline().strip() == b"ready"
    t0 = dt.datetime(2026, 3, 28, tzinfo=UTC)
    deadline = time.monotonic() + 2.5
    k = 0
    while time.monotonic() < deadline:
        size = 5 + k % 17
        ts = [t0 + dt.timedelta(minutes=7 * k + i) for i in range(size)]
        frame = pl.DataFrame({"ts": ts, "station_id": f"k:{k}", "quantity": "co2", "value": [400.0] * size, "source": "k"})
        stations = pl.DataFrame([station(f"k:{k}")]).with_columns(source=pl.lit("k"))
        store.append(Batch(frame, stations))
        if k % 25 == 24:
            store.compact()
        k += 1
    out, _ = reader.communicate(timeout=30)
    assert reader.returncode == 0
    assert int(out) > 5


def test_one_store_shared_by_threads(tmp_path):
    # Streamlit serves every session from one cached Store: its caches must hold up to threads.
    import threading

    store = open_store(tmp_path)
    stop, errors = threading.Event(), []

    def read():
        while not stop.is_set():
            try:
                seen = store.version
                assert store.readings().height >= 0 and store.version >= seen
                store.latest(T0)
            except Exception as exc:  # collected and re-raised in the test thread below
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
