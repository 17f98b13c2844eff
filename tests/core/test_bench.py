"""A tiny run of ``python -m core.bench``: every part works and checks what it claims (no timings)."""

from __future__ import annotations

import polars as pl
import pytest

from core import bench
from core.rollup import bucket


def test_bench_runs_end_to_end_on_tiny_sizes(monkeypatch, capsys):
    monkeypatch.setitem(bench.SIZES, "small", (20, 300, 40))
    results = bench.main(["--small"])
    b, a, m = results["bucket"], results["append"], results["memory"]
    assert (b["readings"], b["buckets"]) == (6000, 20 * 50)
    assert min(b["polars_s"], b["pandas_s"], b["duckdb_s"], b["vs_pandas"], b["vs_duckdb"]) > 0
    assert a["store_readings"] == 6000 and a["poll_rows"] == 40 and a["polls"] == 10
    assert 0 < a["median_ms"] <= a["max_ms"]
    assert m["stored"] == 6000 + 10 * 40 and m["bytes_per_reading"] >= 0
    out = capsys.readouterr().out
    assert "polars vs pandas" in out and "bytes per stored reading" in out


def test_bench_data_is_regular_and_plausible():
    frame = bench.readings(6, 12, first_step=3)
    assert frame.height == 72 and frame["station_id"].n_unique() == 3
    assert frame.group_by("station_id", "quantity").len()["len"].to_list() == [12] * 6
    assert frame["value"].is_between(0, 40).all() and frame["ts"].is_sorted()
    assert bench.readings(6, 12, first_step=3).equals(frame)  # deterministic


def test_equality_check_catches_a_differing_bucket():
    ours = bucket(bench.readings(4, 30), "1h")
    bench.same(ours, ours)
    changed = ours.with_columns(pl.when(pl.int_range(pl.len()) == 5).then(pl.col("last") + 0.01).otherwise(pl.col("last")).alias("last"))
    with pytest.raises(AssertionError):
        bench.same(changed, ours)
