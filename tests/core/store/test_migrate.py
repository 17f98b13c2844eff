"""``python -m core.store migrate``: a full copy through the Store protocol, idempotent reruns, a damaged copy found, CLI errors."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import random
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core.scenario.state import KEY
from core.schema import Batch
from core.store import BACKENDS, migrate, open_store
from core.store.__main__ import main
from tests.core.store.rows import T0, random_rows, readings, station

ROOT = Path(__file__).resolve().parents[3]
NOW = T0 + dt.timedelta(days=4)
QUANTITIES = ("temperature", "humidity", "electricity_meter", "noise")
needs_pg = pytest.mark.skipif("postgresql" not in BACKENDS, reason="no PostgreSQL backend registered in core.store.BACKENDS yet")


@contextlib.contextmanager
def opened(location):
    store = open_store(location)
    try:
        yield store
    finally:
        getattr(store, "close", lambda: None)()  # a database store holds connections


@pytest.fixture
def source(tmp_path) -> Path:
    """An embedded store with three days of random readings and something in every other table."""
    root = tmp_path / "source"
    store = open_store(root)
    rows = random_rows(random.Random(7), 4000, series=8, span_h=72, quantities=QUANTITIES)
    stations = pl.DataFrame([station(f"t:s{i}", f"Station {i}") for i in range(8)])
    levels = pl.DataFrame({"station_id": ["t:s0", "t:s0"], "quantity": "water_level", "level": ["info1", "info2"], "value": [120.0, 180.0]})
    store.append(Batch(readings(rows[:3000]), stations=stations, levels=levels))
    store.append(Batch(readings(rows[3000:], source="u")))
    far = [(T0 + dt.timedelta(days=400), "t:s1", "temperature", 21.0), (T0 + dt.timedelta(hours=5), "t:s2", "temperature", 39.0)]
    store.quarantine(readings(far).with_columns(reason=pl.Series(["future", "spike"])))
    store.record_health("t", ok=True, rows=3000, skipped=2, latency_s=0.4, at=T0, quarantined=1)
    store.record_health("u", ok=False, rows=0, skipped=0, latency_s=10.0, error="timeout", at=T0)
    store.set_state(KEY, {"name": "hitze", "speed": 10, "started_at": T0.isoformat(), "loop": False, "duration_s": 3600.0, "stations": []})
    return root


@pytest.fixture(params=["file", pytest.param("postgresql", marks=needs_pg)])
def target(request, tmp_path) -> str:
    return str(tmp_path / "target") if request.param == "file" else request.getfixturevalue("pg_url")


def test_a_copy_holds_everything_and_is_verified(source, target, monkeypatch):
    monkeypatch.setattr(migrate, "WINDOW_ROWS", 1000)  # several windows, each a batch of its own
    report = migrate.run(source, target, tz="Europe/Berlin")
    assert report.differences == [] and report.windows > 2
    with opened(source) as src, opened(target) as dst:
        assert report.readings == report.new == src.readings().height > 3500
        assert report.tables == {"stations": 8, "levels": 2, "quarantined readings": 2, "feed-health rows": 2}
        assert_frame_equal(dst.readings(), src.readings())
        for table in ("stations", "levels", "feed_health", "quarantined"):
            got, want = getattr(dst, table)(), getattr(src, table)()
            assert_frame_equal(got.sort(got.columns), want.sort(want.columns), check_row_order=False)
        assert dst.state(KEY) == src.state(KEY)
        assert dst.last_ts("u") == src.last_ts("u") and dst.last_ts("t") == src.last_ts("t")
        for every in ("15m", "1d"):  # the target computed its own rollups from the copied readings
            assert_frame_equal(dst.rollup(every), src.rollup(every), check_exact=False, rel_tol=1e-9)
        assert_frame_equal(dst.latest(NOW), src.latest(NOW), check_exact=False, rel_tol=1e-9)


def test_a_second_run_copies_nothing_new_and_still_verifies(source, target, capsys):
    assert main(["migrate", "--from", str(source), "--to", target]) == 0
    with opened(target) as dst:
        version = dst.version
    assert main(["migrate", "--from", str(source), "--to", target]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert "(0 new," in out[-1] and "already there" in out[-1] and "verified" in out[-1]
    with opened(target) as dst:
        assert dst.version == version  # nothing was written the second time


def drop_readings(location: str, start: dt.datetime, end: dt.datetime) -> None:
    """Damage a copy behind the store's back: delete its readings in [start, end) of one UTC day."""
    if "://" in location:
        import psycopg

        from core.store.postgresql import parse_location

        with psycopg.connect(parse_location(location)[0]) as conn:
            conn.execute("DELETE FROM readings WHERE ts >= %s AND ts < %s", (start, end))
        return
    for path in (Path(location) / "readings" / f"{start:%Y-%m-%d}").glob("*.parquet"):
        pl.read_parquet(path).filter(~pl.col("ts").is_between(start, end, closed="left")).write_parquet(path)


def test_a_damaged_copy_is_found_and_a_rerun_mends_it(source, target, capsys):
    assert migrate.run(source, target, tz="Europe/Berlin").differences == []
    drop_readings(target, dt.datetime(2026, 3, 28, 8, tzinfo=dt.UTC), dt.datetime(2026, 3, 28, 12, tzinfo=dt.UTC))
    with opened(target) as dst:
        dst.append(Batch(stations=pl.DataFrame([station("t:s3", "Renamed")])))
    assert main(["migrate", "--check", "--from", str(source), "--to", target]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and err[0].endswith(" readings")  # a line per window, then one sentence
    assert "differs from the source: readings of 2026-03-28 (" in err[1] and err[1].endswith("; stations.") and "03-29" not in err[1]
    report = migrate.run(source, target, tz="Europe/Berlin")  # copying again restores the day and the station
    assert report.new > 0 and report.differences == []


def test_windows_are_whole_back_to_back_days_of_bounded_size(source):
    with opened(source) as store:
        spans = migrate.windows(store, rows=1500, days=2)
        assert all(a[1] == b[0] for a, b in itertools.pairwise(spans)) and len(spans) >= 3
        sizes = [store.readings(lo, hi).height for lo, hi in spans]
        assert sum(sizes) == store.readings().height and max(sizes) <= 1500
        assert all(hi - lo <= dt.timedelta(days=2, hours=1) for lo, hi in spans)


def test_the_checksum_ignores_row_order_and_sees_one_changed_value(source):
    with opened(source) as store:
        rows = store.readings()
    digest = migrate.digest(rows, "Europe/Berlin")
    assert_frame_equal(migrate.digest(rows.sample(fraction=1.0, shuffle=True, seed=3), "Europe/Berlin"), digest)
    changed = rows.with_columns(value=pl.when(pl.int_range(pl.len()) == 100).then(pl.col("value") + 0.01).otherwise("value"))
    assert len(migrate.differing_days(digest, migrate.digest(changed, "Europe/Berlin"))) == 1


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ([], "required"),
        (["migrate", "--to", "x"], "--from"),
        (["migrate", "--from", "{tmp}/none", "--to", "{tmp}/t"], "is not a store directory"),
        (["migrate", "--from", "{tmp}", "--to", "{tmp}/t"], "holds no store"),
        (["migrate", "--from", "{source}", "--to", "ftp://example.org/x"], "no store backend for 'ftp'"),
        (["migrate", "--from", "{source}", "--to", "{source}/"], "the same store"),
        (["migrate", "--from", "{source}", "--to", "{tmp}/t", "--tz", "UTC"], "open it with tz='Europe/Berlin'"),
    ],
)
def test_bad_arguments_and_unreadable_sources_say_one_sentence(source, tmp_path, capsys, args, says):
    argv = [a.format(tmp=tmp_path / "empty", source=source) for a in args]
    (tmp_path / "empty").mkdir()
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse ends the process itself
        code = exc.code
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and says in err[0], err


def test_the_command_line_entry_point_ends_without_a_traceback(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "core.store", "migrate", "--from", str(tmp_path / "none"), "--to", str(tmp_path / "t")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_restore_health_puts_whole_rows_in_place_and_keeps_other_sources(source, target):
    with opened(source) as src, opened(target) as dst:
        dst.record_health("mine", ok=True, rows=5, skipped=0, latency_s=0.1, at=T0)
        dst.record_health("t", ok=False, rows=0, skipped=0, latency_s=1.0, error="down", at=T0)
        dst.restore_health(src.feed_health())
        version = dst.version
        health = dst.feed_health().sort("source")
        assert health["source"].to_list() == ["mine", "t", "u"]
        assert_frame_equal(health.filter(pl.col("source") != "mine"), src.feed_health().sort("source"))
        dst.restore_health(src.feed_health().head(0))
        assert dst.version == version
