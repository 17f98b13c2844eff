"""A tiny run of ``python -m core.bench`` and of its store bench: every part works and checks what it claims (no timings)."""

from __future__ import annotations

import os

import polars as pl
import pytest

from core import bench, bench_store
from core.rollup import bucket
from core.schema import Batch
from core.store import BACKENDS


def test_bench_runs_end_to_end_on_tiny_sizes(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(bench.SIZES, "small", (20, 300, 40))
    results = bench.main(["--small", "--markdown", str(tmp_path / "BENCHMARKS.md")])
    b, q, a, m = results["bucket"], results["query"], results["append"], results["memory"]
    assert q["buckets"] == 20 * 50 and q["files"] >= 1 and min(q["store_s"], q["duckdb_s"], q["vs_duckdb"]) > 0
    assert b["readings"] == 6000 and b["store"]["buckets"] == b["arrival"]["buckets"] == 20 * 50
    for r in (b["store"], b["arrival"]):
        assert min(r["polars_s"], r["pandas_s"], r["duckdb_s"], r["vs_pandas"], r["vs_duckdb"]) > 0
    assert a["store_readings"] == 6000 and a["poll_rows"] == 40 and a["polls"] == 10
    assert 0 < a["median_ms"] <= a["max_ms"]
    assert m["stored"] == 6000 + 10 * 40 and m["bytes_per_reading"] >= 0
    out = capsys.readouterr().out
    assert "polars vs pandas" in out and "in store order" in out and "in arrival order" in out and "bytes per stored reading" in out
    assert "store vs DuckDB" in out and f"on {os.cpu_count()} CPUs" in out
    written = (tmp_path / "BENCHMARKS.md").read_text(encoding="utf-8")
    assert written.startswith("# Benchmarks") and "python -m core.bench --small --markdown BENCHMARKS.md" in written
    assert bench.report(results) in written  # the file holds the printed report, figure for figure


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


def test_store_bench_runs_on_a_tiny_embedded_store(monkeypatch, capsys):
    monkeypatch.setitem(bench_store.SIZES, "small", (6000, 40, 80))
    results = bench.main(["--store", "file", "--small", "--polls", "4"])["stores"]
    assert (results["readings"], results["poll_rows"], results["polls"]) == (6000, 80, 4) and list(results["backends"]) == ["file"]
    timed = results["backends"]["file"]
    assert len(timed) == 4 + len(bench_store.questions(40, bench_store.NOW)) and min(timed.values()) > 0
    out = capsys.readouterr().out
    assert "Daten: 1d, all stations, all days" in out and "embedded" in out and "ratio" not in out


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="no PostgreSQL backend registered in core.store.BACKENDS yet")
def test_store_bench_sets_postgresql_beside_the_embedded_store(pg_url, tmp_path, capsys):
    locations = {"file": tmp_path / "store", "postgresql": pg_url}
    results = bench_store.compare(locations, readings=6000, series=40, poll=80, polls=3, repeat=1)  # raises if the answers differ
    assert list(results["backends"]) == ["file", "postgresql"]
    bench_store.report(results, locations)
    out = capsys.readouterr().out
    assert "PostgreSQL" in out and out.count("x\n") == 9  # a ratio on every line


def test_store_bench_city_is_plausible_and_has_every_page_s_stations():
    frame = bench_store.city(40, 6, first_step=2, start=bench_store.NOW)
    assert frame.height == 240 and Batch(frame).skipped == 0
    assert frame.group_by("station_id", "quantity").len()["len"].to_list() == [6] * 40
    assert set(frame["quantity"]) == {"temperature", "humidity", "co2", "water_level"}
    assert len(bench_store.stations(40, "bench:clima")) == len(bench_store.stations(40, "bench:room")) == 10
    assert frame["ts"].min() == bench_store.NOW + 2 * bench_store.CADENCE


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="no PostgreSQL backend registered in core.store.BACKENDS yet")
def test_the_bench_schema_on_a_given_server_is_dropped_afterwards(pg_server, monkeypatch):
    import psycopg

    monkeypatch.setenv("SHOWROOM_DATABASE_URL", f"{pg_server}?schema=mine")
    with bench_store.postgres() as location:
        assert "schema=bench_" in location and "mine" not in location
        bench_store.compare({"postgresql": location}, readings=400, series=8, poll=8, polls=2, repeat=1)
    schema = location.rsplit("schema=", 1)[1]
    with psycopg.connect(pg_server) as conn:
        assert conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()[0] == 0
