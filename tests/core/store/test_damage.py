"""Damaged files in the Parquet store: reads go on without them, appends stay exact, maintain() repairs."""

from __future__ import annotations

import datetime as dt
import json
import os
import random

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core.rollup import latest
from core.schema import Batch
from core.store import open_store
from core.store.parquet import files as store_files
from tests.core.store.rows import T0, random_rows, readings, station


def truncate(path, share: float = 0.5) -> None:
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        handle.truncate(int(size * share))


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setattr(store_files, "GRACE_S", 0.0)
    s = open_store(tmp_path / "data")
    rows = random_rows(random.Random(3), 3000, series=8, span_h=60, quantities=("temperature", "humidity", "precipitation"))
    for i in range(0, len(rows), 250):
        s.append(Batch(readings(rows[i : i + 250]), pl.DataFrame([station(f"t:s{k}") for k in range(8)])))
    return s


def manifest(store) -> dict:
    return json.loads((store.root / "manifest.json").read_text())


def biggest(store, table: str) -> str:
    return max(manifest(store)["segments"][table], key=lambda s: s["rows"])["file"]


def test_a_truncated_rollup_file_is_skipped_then_rebuilt_exactly(store):
    expected = {every: store.rollup(every) for every in ("15m", "1h", "1d")}
    rel = biggest(store, "15m")
    truncate(store.root / rel)
    fresh = open_store(store.root)  # another process: it meets the damage on its own
    fresh.rollup("15m")  # no exception: the damaged file is skipped and reported
    assert fresh.problems().filter(~pl.col("repaired"))["file"].to_list() == [rel]
    assert (store.root / "reports").is_dir() and any((store.root / "reports").glob("*.json"))
    done = store.maintain()  # the writer (ingest) repairs what readers reported
    assert done["repaired"] == 1
    for every, frame in expected.items():
        assert_frame_equal(open_store(store.root).rollup(every), frame, check_exact=False, rel_tol=1e-9)
    problem = store.problems().row(0, named=True)
    assert problem["repaired"] and problem["file"] == rel and "rebuilt" in problem["action"]
    assert (store.root / "damaged" / rel).exists() and not any((store.root / "reports").glob("*.json"))


@pytest.mark.parametrize("table", ["1h", "1d"])
def test_coarser_rollups_are_rebuilt_from_the_fine_ones(store, table):
    expected = store.rollup(table)
    truncate(store.root / biggest(store, table))
    open_store(store.root).rollup(table)
    store.maintain()
    assert_frame_equal(store.rollup(table), expected, check_exact=False, rel_tol=1e-9)


def test_a_damaged_tail_never_lets_a_stored_row_in_twice(store):
    stored = store.readings()
    truncate(store.root / manifest(store)["tables"]["latest"])
    reader = open_store(store.root)
    now = stored["ts"].max() + dt.timedelta(minutes=5)
    assert not reader.latest(now).is_empty()  # from the readings meanwhile
    again = random.Random(3).sample(list(stored.select("ts", "station_id", "quantity", "value").iter_rows()), 40)
    writer = open_store(store.root)
    assert writer.append(Batch(readings(again))) == 0  # every one is stored already: the tail was rebuilt first
    assert writer.readings().height == stored.height
    assert_frame_equal(writer.latest(now), latest(writer.readings(), now))


def test_a_damaged_stations_table_reads_empty_and_the_next_poll_fills_it(store):
    truncate(store.root / manifest(store)["tables"]["stations"])
    reader = open_store(store.root)
    assert reader.stations().is_empty()
    store2 = open_store(store.root)
    store2.append(Batch(readings([(T0 + dt.timedelta(days=5), "t:s0", "temperature", 1.0)]), pl.DataFrame([station("t:s0")])))
    assert open_store(store.root).stations()["station_id"].to_list() == ["t:s0"]
    store2.maintain()
    assert store2.problems().height == 1


def test_damaged_readings_are_set_aside_and_their_rollups_kept(store):
    rollups = store.rollup("1h")
    rel = biggest(store, "readings")
    lost = next(s["rows"] for s in manifest(store)["segments"]["readings"] if s["file"] == rel)
    before = store.readings().height
    truncate(store.root / rel)
    reader = open_store(store.root)
    assert reader.readings().height == before - lost
    store.maintain()
    assert_frame_equal(store.rollup("1h"), rollups)  # pages keep showing the whole history
    assert f"{lost} readings" in store.problems()["action"][0]


def test_compaction_that_meets_damage_does_not_fail_the_append(tmp_path, monkeypatch):
    monkeypatch.setattr(store_files, "GRACE_S", 0.0)
    s = open_store(tmp_path / "d")
    rows = random_rows(random.Random(9), 700, series=3, span_h=10)
    for i in range(0, 350, 50):
        s.append(Batch(readings(rows[i : i + 50])))  # seven segments per partition: the eighth append compacts
    damaged = manifest(s)["segments"]["readings"][0]
    truncate(tmp_path / "d" / damaged["file"])
    s2 = open_store(tmp_path / "d")
    for i in range(350, 700, 50):
        assert s2.append(Batch(readings(rows[i : i + 50]))) >= 0  # committed; the compaction's trouble is not the batch's
    later = {(sid, q, ts) for ts, sid, q, _ in rows[350:]}
    stored = {(sid, q, ts) for sid, q, ts in s2.readings().select("station_id", "quantity", "ts").iter_rows()}
    assert later <= stored
    assert s2.problems()["file"].to_list() == [damaged["file"]] and s2.problems()["repaired"].all()
    assert stored | {(sid, q, ts) for ts, sid, q, _ in rows[:350]} == {(sid, q, ts) for ts, sid, q, _ in rows}


def test_maintain_deletes_what_a_killed_writer_left(store):
    root = store.root
    (root / "readings" / "2026-03-28").mkdir(parents=True, exist_ok=True)
    debris = [
        root / "readings" / "2026-03-28" / "000000999-deadbeef00.parquet",
        root / "manifest.json.4242.tmp",
        root / "15m" / "x.parquet",
    ]
    for path in debris:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half a file")
    before = store.readings().height
    done = store.maintain()
    assert done["orphans"] == len(debris) and not any(p.exists() for p in debris)
    assert store.readings().height == before
    assert os.listdir(root / "readings")
