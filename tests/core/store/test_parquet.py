"""The Parquet backend's own guarantees: compaction keeps data, kill -9 leaves whole batches,
readers in other processes never see a half commit, and a format-1 store is upgraded."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core.rollup import bucket, latest
from core.schema import Batch
from core.store import open_store
from core.store.parquet import files as store_files
from tests.core.store.rows import T0, UTC, random_rows, readings, station

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def store(tmp_path):
    return open_store(tmp_path / "data")


def test_compaction_merges_segments_and_keeps_data(store, monkeypatch):
    monkeypatch.setattr(store_files, "GRACE_S", 0.0)
    rows = random_rows(random.Random(11), 2000, span_h=30)
    for i in range(0, 2000, 50):
        store.append(Batch(readings(rows[i : i + 50])))
        store.compact(full=False)  # what the ingest runner's compaction thread does after an append
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


def test_an_append_commits_only_its_batch_and_merges_run_beside_it(store, monkeypatch):
    compaction = importlib.import_module("core.store.parquet.compact")  # the module: the package exports its function

    rows = random_rows(random.Random(12), 1200, span_h=10)
    for i in range(0, 600, 30):
        store.append(Batch(readings(rows[i : i + 30])))
    counts = [len(segs) for segs in store._manifest()["segments"].values()]
    assert max(counts) >= 20  # twenty appends, twenty segments: no append merged any
    # a slow merge: appends and readers go on meanwhile, and an orphan sweep waits for it
    started, release = threading.Event(), threading.Event()
    original = compaction.merged

    def slow(files, table, segs):
        started.set()
        release.wait(10)
        return original(files, table, segs)

    monkeypatch.setattr(compaction, "merged", slow)
    merging = threading.Thread(target=store.compact, kwargs={"full": False})
    merging.start()
    assert started.wait(10)
    for i in range(600, 1200, 30):  # none of these waits for the merge
        store.append(Batch(readings(rows[i : i + 30])))
    assert store.readings().height == len({(r[1], r[2], r[0]) for r in rows})
    sweeping = threading.Thread(target=store.maintain)
    sweeping.start()
    time.sleep(0.3)
    assert sweeping.is_alive()  # the sweep waits: the merge's unpublished files are not orphans
    release.set()
    merging.join(10)
    sweeping.join(10)
    manifest = store._manifest()
    assert max(len(segs) for segs in manifest["segments"].values()) < max(counts) + 20  # merged, appends kept
    live = {s["file"] for segs in manifest["segments"].values() for s in segs}
    assert all((store.root / rel).exists() for rel in live)
    stored = store.readings()
    assert stored.height == len({(r[1], r[2], r[0]) for r in rows})
    for every in ("15m", "1h", "1d"):
        assert_frame_equal(store.rollup(every), bucket(stored, every), check_exact=False, rel_tol=1e-12)


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
    from test_parquet import check_whole_batches
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
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(tmp_path), str(Path(__file__).parent), "2.5"], stdout=subprocess.PIPE, env=env
    )
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


def test_a_format_1_store_is_upgraded_on_open(tmp_path):
    # format 1 kept partials without esum/inc (sound levels were averaged arithmetically)
    store = open_store(tmp_path)
    rows = random_rows(random.Random(23), 600, quantities=("noise", "temperature"))
    for i in range(0, len(rows), 100):
        store.append(Batch(readings([(ts, sid, q, v + 30 if q == "noise" else v) for ts, sid, q, v in rows[i : i + 100]])))
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    for table in ("15m", "1h", "1d"):
        for seg in manifest["segments"][table]:
            path = tmp_path / seg["file"]
            pl.read_parquet(path).drop("esum", "inc").write_parquet(path)
    (tmp_path / "manifest.json").write_text(json.dumps({**manifest, "format": 1}))
    upgraded = open_store(tmp_path)
    assert json.loads((tmp_path / "manifest.json").read_text())["format"] == store_files.FORMAT
    for every in ("15m", "1h", "1d"):
        assert_frame_equal(upgraded.rollup(every), bucket(upgraded.readings(), every), check_exact=False, rel_tol=1e-9)


def test_a_store_from_before_the_quarantine_reads_and_writes(tmp_path):
    # written before data quality: no quarantine table in the manifest, feed health without its counts
    store = open_store(tmp_path)
    store.append(Batch(readings([(dt.datetime(2026, 5, 1, tzinfo=dt.UTC), "a:x", "co2", 500.0)], source="a")))
    store.record_health("a", ok=True, rows=1, skipped=0, latency_s=0.1)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    del manifest["segments"]["quarantine"]
    health = tmp_path / manifest["tables"]["health"]
    pl.read_parquet(health).drop("quarantined", "quarantined_total").write_parquet(health)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    old = open_store(tmp_path)
    assert old.quarantined().is_empty() and old.feed_health()["quarantined_total"].to_list() == [None]
    old.record_health("a", ok=True, rows=0, skipped=0, latency_s=0.1, quarantined=2)
    assert old.feed_health()["quarantined_total"].to_list() == [2] and old.feed_health()["rows_total"].to_list() == [1]
    aside = old.readings().with_columns(reason=pl.lit("spike"))
    assert old.quarantine(aside) == 1 and open_store(tmp_path).quarantined().height == 1


def test_rollups_read_from_merged_partitions_equal_the_buckets_of_the_readings(store, monkeypatch):
    # A merged segment holds each bucket once, so reading a partition that is one merged segment
    # skips the merge of partials; an append's segment can hold a bucket twice (a register's
    # correction beside its partial) and is merged on read. Both must give bucket(readings).
    monkeypatch.setattr(store_files, "GRACE_S", 0.0)
    rng = random.Random(13)
    rows = random_rows(rng, 1500, span_h=24 * 45, quantities=("temperature", "precipitation", "noise", "noise_max"))
    meter = sorted((T0 + dt.timedelta(minutes=10 * k), "t:m", "electricity_meter", 1000.0 + 3 * k) for k in range(600))
    meter[300] = (meter[300][0], "t:m", "electricity_meter", 2.0)  # a reset
    mixed = rows + meter
    rng.shuffle(mixed)  # registers arrive out of order: later appends correct earlier partials
    for i in range(0, len(mixed), 150):
        store.append(Batch(readings(mixed[i : i + 150])))

    def check() -> None:
        every_row = store.readings()
        start, end = T0 + dt.timedelta(days=3, hours=5), T0 + dt.timedelta(days=40)
        # A register's first bucket in a window counts the step from the reading before the
        # window, which bucket() of the window's readings cannot see: windows without the meter.
        window = every_row.filter((pl.col("ts") >= start) & (pl.col("ts") < end) & (pl.col("quantity") != "electricity_meter"))
        for every in ("15m", "1h", "1d"):
            assert_frame_equal(store.rollup(every), bucket(every_row, every, store.tz), check_exact=False, rel_tol=1e-12)
            kept = ["temperature", "precipitation", "noise", "noise_max"]
            assert_frame_equal(
                store.rollup(every, start, end, quantities=kept), bucket(window, every, store.tz), check_exact=False, rel_tol=1e-12
            )

    check()  # appends only: every partition merged on read
    store.compact()
    segments = store._manifest()["segments"]
    assert all(len(segs) == len({s["part"] for s in segs}) and all(s["level"] >= 1 for s in segs) for segs in segments.values())
    check()  # one merged segment per partition: read as it is
    store.append(Batch(readings([(T0 + dt.timedelta(days=2, minutes=7), "t:m", "electricity_meter", 1500.0)])))
    check()  # a merged segment beside a new append in one partition: merged on read again


def test_readings_files_are_in_series_order_and_the_manifest_says_so(store, monkeypatch):
    monkeypatch.setattr(store_files, "GRACE_S", 0.0)
    rows = random_rows(random.Random(14), 900, series=5, span_h=1.5)  # arrival order; one day: one partition
    for i in range(0, 900, 300):
        store.append(Batch(readings(rows[i : i + 300])))

    def files_sorted() -> list[dict]:
        segments = store._manifest()["segments"]["readings"]
        for seg in segments:
            assert seg["order"] == "series"
            on_disk = pl.read_parquet(store.root / seg["file"])
            assert on_disk.equals(on_disk.sort("station_id", "quantity", "ts")), seg["file"]
        return segments

    assert len(files_sorted()) == 3  # each append's batch, sorted before it is written
    everything = store.readings()
    store.compact()
    assert len(files_sorted()) == 1  # merged, still in series order
    # One series-ordered segment is read as it lies; the answer is the same sorted frame.
    assert_frame_equal(store.readings(), everything)
    some = store.readings(T0 + dt.timedelta(minutes=10), T0 + dt.timedelta(minutes=70), station_ids=["t:s1", "t:s3"])
    assert some.equals(some.sort("station_id", "quantity", "ts")) and some.height > 0
    fast, hashed = bucket(some, "1h", ordered=True), bucket(some, "1h", ordered=False)  # ordered=True: the linear pass
    assert_frame_equal(fast, hashed, check_exact=False, rel_tol=1e-12)

    # A segment without the flag (written before stores kept the order) is sorted on read.
    manifest = store._manifest()
    del manifest["segments"]["readings"][0]["order"]
    reversed_rows = pl.read_parquet(store.root / manifest["segments"]["readings"][0]["file"]).reverse()
    reversed_rows.write_parquet(store.root / manifest["segments"]["readings"][0]["file"])
    (store.root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert_frame_equal(open_store(store.root).readings(), everything)
