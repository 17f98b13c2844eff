"""The PostgreSQL store beyond the contract: processes that share it, the poller's failover, its SQL layout.

Every test runs against a real server (tests/pgserver.py), each in a schema of its own.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import psycopg
import pytest
from polars.testing import assert_frame_equal

from core.config import ConfigError, load_config, store_location
from core.rollup import bucket
from core.schema import Batch
from core.store import describe, open_store, partials
from core.store.postgresql import parse_location
from tests.core.store.rows import T0, random_rows, readings, station

ROOT = Path(__file__).resolve().parents[3]

WRITER = """
import random, sys
from core.schema import Batch
from core.store import open_store
from tests.core.store.rows import random_rows, readings
location, seed = sys.argv[1], int(sys.argv[2])
rows = random_rows(random.Random(0), 3000, series=8, quantities=("temperature", "electricity_meter", "noise"))
mine = random.Random(seed)
store = open_store(location)
order = list(range(0, len(rows), 50))
mine.shuffle(order)
for i in order:  # both writers send every row, in their own order and chunks, with repeats
    store.append(Batch(readings(rows[i : i + 50] + mine.sample(rows, 5))))
print("done")
"""

LEADER = """
import sys, time
from core.store import open_store
with open_store(sys.argv[1]).leader("ingest") as mine:
    print("leader" if mine else "follower", flush=True)
    time.sleep(600)
"""


def python(code: str, *args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, text=True, **popen)


def test_two_processes_appending_the_same_rows_neither_duplicate_nor_lose_any(pg_url):
    writers = [python(WRITER, pg_url, str(seed), stdout=subprocess.PIPE, stderr=subprocess.PIPE) for seed in (1, 2)]
    outputs = [proc.communicate(timeout=180) for proc in writers]
    assert [proc.returncode for proc in writers] == [0, 0], outputs
    rows = random_rows(random.Random(0), 3000, series=8, quantities=("temperature", "electricity_meter", "noise"))
    store = open_store(pg_url)
    stored = store.readings()
    expect = readings(rows).unique(["station_id", "quantity", "ts"], keep="first").sort("station_id", "quantity", "ts")
    assert stored.height == expect.height
    assert_frame_equal(stored.drop("value"), expect.drop("value"))
    for every in ("15m", "1h", "1d"):  # no rollup update lost between the two writers
        assert_frame_equal(store.rollup(every), bucket(stored, every), check_exact=False, rel_tol=1e-9)


def test_two_ingest_runners_started_together_store_one_backfill(pg_url, tmp_path):
    text = (ROOT / "config" / "menden.toml").read_text(encoding="utf-8").replace("backfill_days = 14", "backfill_days = 1", 1)
    (tmp_path / "menden.toml").write_text(text, encoding="utf-8")
    (tmp_path / "menden-outline.geojson").write_bytes((ROOT / "config" / "menden-outline.geojson").read_bytes())
    open_store(pg_url)  # the schema exists before two processes race to make it
    env = {**os.environ, "SHOWROOM_DATABASE_URL": pg_url, "SHOWROOM_CONFIG": str(tmp_path / "menden.toml")}
    runners = [
        subprocess.Popen(
            [sys.executable, "-m", "core.ingest", "--once"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for _ in range(2)
    ]
    outputs = [proc.communicate(timeout=180)[0] for proc in runners]
    codes = sorted(proc.returncode for proc in runners)
    # one polls; the other finds it polling (exit 1) or, if it came later, polls again and adds nothing old twice
    assert codes in ([0, 1], [0, 0]), outputs
    assert codes == [0, 0] or any("another ingest runner is polling" in out for out in outputs)
    stored = open_store(pg_url).readings()
    assert stored.height > 10_000 and stored.select(["station_id", "quantity", "ts"]).is_unique().all()


def test_a_killed_leader_is_replaced_at_once(pg_url):
    open_store(pg_url)  # the schema exists before two processes race to make it
    first = python(LEADER, pg_url, stdout=subprocess.PIPE)
    try:
        assert first.stdout.readline().strip() == "leader"
        with open_store(pg_url).leader("ingest") as mine:
            assert not mine
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        deadline, taken = time.monotonic() + 10, False
        while not taken and time.monotonic() < deadline:
            with open_store(pg_url).leader("ingest") as taken:
                if taken:
                    break
            time.sleep(0.1)
        assert taken, "no process could lead 10 s after the leader was killed"
    finally:
        first.kill()
        first.wait()


def test_rollup_tables_equal_a_full_recompute(pg_url):
    # out of order, repeated, registers with resets: the SQL partials equal partials of all readings
    rng = random.Random(5)
    rows = random_rows(rng, 2000, series=4, span_h=72, quantities=("electricity_meter", "noise", "precipitation", "temperature"))
    rows = [(ts, sid, q, round(v * 10 if q == "electricity_meter" else v, 2)) for ts, sid, q, v in rows]
    store = open_store(pg_url)
    for i in range(0, len(rows), 97):
        store.append(Batch(readings(rows[i : i + 97] + rng.sample(rows, 3))))
    stored = store.readings()
    conninfo, _ = parse_location(pg_url)
    keys = ["station_id", "quantity", "bucket_start"]
    with psycopg.connect(conninfo) as conn:
        for every in ("15m", "1h", "1d"):
            cursor = conn.execute(f"SELECT {', '.join(partials.PARTIAL_SCHEMA.names())} FROM rollup_{every}")
            table = pl.DataFrame(cursor.fetchall(), schema=partials.PARTIAL_SCHEMA, orient="row").sort(keys)
            expect = partials.partials_lazy(stored, every).collect().sort(keys)
            assert table.height == expect.height
            assert_frame_equal(table, expect, check_exact=False, rel_tol=1e-9, check_dtypes=False)


def test_readings_are_partitioned_by_month_and_made_ahead(pg_url):
    store = open_store(pg_url)
    store.append(Batch(readings([(T0, "t:a", "co2", 500.0), (T0 + dt.timedelta(days=40), "t:a", "co2", 510.0)])))
    assert store.maintain()["partitions"] >= 1  # this month and the next, ahead of any reading
    conninfo, schema = parse_location(pg_url)
    with psycopg.connect(conninfo) as conn:
        parts = [row[0] for row in conn.execute("SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'readings'::regclass")]
    today = dt.datetime.now(dt.UTC).date()
    assert {"readings_p202603", "readings_p202605", f"readings_p{today:%Y%m}"} <= set(parts)
    assert store.maintain()["partitions"] == 0  # nothing more to make
    assert schema.startswith("t_")


def test_feed_text_that_postgresql_cannot_hold_does_not_fail_the_batch(pg_url):
    store = open_store(pg_url)
    hostile = {**station("t:a", 'Schule\x00 <b>Raum\n7</b>, "A"'), "district": ""}
    assert store.append(Batch(readings([(T0, "t:a", "co2", 500.0)]), stations=pl.DataFrame([hostile]))) == 1
    got = store.stations().row(0, named=True)
    assert got["name"] == 'Schule <b>Raum\n7</b>, "A"' and got["district"] == ""  # an empty text stays empty, not NULL


def test_scenario_state_is_the_same_for_every_server(pg_url):
    one, two = open_store(pg_url), open_store(pg_url)
    one.set_state("scenario", {"name": "hitzewelle", "started": "2026-07-01T12:00:00+00:00"})
    assert two.state("scenario")["name"] == "hitzewelle"


def test_a_wrong_address_is_one_sentence_without_the_password():
    with pytest.raises(RuntimeError, match=r"cannot connect to the store database postgresql://showroom:\*\*\*@127\.0\.0\.1:9/x") as caught:
        open_store("postgresql://showroom:geheim@127.0.0.1:9/x?connect_timeout=2")
    assert "geheim" not in str(caught.value)
    assert describe("postgresql://u:geheim@h/db?schema=s") == "postgresql://u:***@h/db"


def test_a_database_restart_is_a_typed_error_and_then_forgotten():
    from core.store.postgresql import StoreUnavailable
    from tests.pgserver import Server

    try:
        server = Server().start()
    except (RuntimeError, OSError) as exc:
        pytest.skip(f"no PostgreSQL server could be started here: {exc}")
    try:
        store = open_store(server.url)
        assert store.append(Batch(readings([(T0, "t:a", "co2", 500.0)]))) == 1
        server.halt()
        for attempt in (lambda: store.append(Batch(readings([(T0 + dt.timedelta(minutes=1), "t:a", "co2", 501.0)]))), store.readings):
            with pytest.raises(StoreUnavailable, match="is unavailable"):
                attempt()
        server.resume()
        assert store.readings()["value"].to_list() == [500.0] and store.latest(T0)["value"].to_list() == [500.0]
        # every connection is new now: nothing acknowledged was lost, nothing unacknowledged stored
        assert store.append(Batch(readings([(T0 + dt.timedelta(minutes=2), "t:a", "co2", 502.0)]))) == 1
        assert store.readings()["value"].to_list() == [500.0, 502.0] and store.version == 2
    finally:
        server.stop()


def test_schema_names_are_checked():
    with pytest.raises(ValueError, match="schema"):
        parse_location("postgresql://h/db?schema=x;drop")
    assert parse_location("postgres://h/db")[1] == "showroom"


def test_the_city_file_may_name_the_variable_that_holds_the_url(tmp_path, monkeypatch):
    source = (ROOT / "config" / "menden.toml").read_text(encoding="utf-8")
    for name in ("menden-outline.geojson",):
        if (ROOT / "config" / name).exists():
            (tmp_path / name).write_bytes((ROOT / "config" / name).read_bytes())
    city = tmp_path / "city.toml"
    city.write_text(source + '\n[store]\nurl_env = "MENDEN_DB"\n', encoding="utf-8")
    monkeypatch.delenv("SHOWROOM_DATABASE_URL", raising=False)
    config = load_config(city)
    monkeypatch.delenv("MENDEN_DB", raising=False)
    with pytest.raises(ConfigError, match="url_env names MENDEN_DB, which is not set"):
        store_location(config)
    monkeypatch.setenv("MENDEN_DB", "postgresql://db/showroom")
    assert store_location(config) == "postgresql://db/showroom"
    monkeypatch.setenv("SHOWROOM_DATABASE_URL", "postgresql://other/showroom")
    assert store_location(config) == "postgresql://other/showroom"  # the deployment's variable wins
    city.write_text(source + '\n[store]\nurl = "postgresql://u:p@db/x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="no connection strings in the file"):
        load_config(city)
