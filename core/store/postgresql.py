"""The PostgreSQL backend: one server database shared by any number of app servers and one poller.

Location: a libpq URL, ``postgresql://user@host:port/db``, optionally with ``?schema=name``
(the store's own parameter, default ``showroom``: every table lives in that schema, so several
deployments or tests can share one database). The password belongs in ``~/.pgpass`` or
``PGPASSWORD``, never in the city file.

Layout and why (docs/postgresql.md):

* ``readings`` is partitioned by month of ``ts`` (declarative range partitions, created for
  every month a batch brings and one month ahead by :meth:`maintain`), keyed
  (station_id, quantity, ts), so a repeat is ``INSERT … ON CONFLICT DO NOTHING``.
* ``rollup_15m``/``rollup_1h``/``rollup_1d`` hold the partial aggregates of
  ``core.store.partials`` per bucket. In the append's transaction the new rows' partials are
  merged into the buckets they touch (counts and sums add, extremes compare: exact, since every
  row is new); a register's buckets are recomputed from the readings instead (its increase counts
  from the reading before, and a late reading changes the bucket of the one after it), so
  ``rollup()`` equals ``bucket(readings())``.
* ``latest`` holds each series' newest reading, usual interval and newest 21 timestamps, merged
  with the new rows' without reading any back; ``meta.version`` grows with every commit.
* Appends travel as CSV through ``COPY`` (psycopg 3) into a temp table, reads come back as Arrow
  (ADBC's PostgreSQL driver) straight into polars: no Python per row either way.
* Writers take one transaction-level advisory lock, so concurrent appends from two processes
  serialise (no lost rollup update); readers are never blocked. ``leader()`` is a session-level
  advisory lock, released by the server the moment the holder's connection dies.

With the ``timescaledb`` extension installed in the database, ``readings`` becomes a hypertable
(7-day chunks) instead of a partitioned table; that path is not tested here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import queue
import re
import socket
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import polars as pl

from core import quality, rollup
from core.schema import LEVELS_SCHEMA, READINGS_SCHEMA, STATIONS_SCHEMA, Batch, aggregating
from core.store import HEALTH_SCHEMA, PROBLEMS_SCHEMA, ROLLUPS, describe, health_row, partials, windowed

log = logging.getLogger("showroom.store")
FORMAT = 1  # the layout version in meta.format
DEFAULT_SCHEMA = "showroom"
IDLE_READERS = 8  # Arrow connections kept open for reuse; more are opened while needed
AHEAD_MONTHS = 1  # partitions made ahead of the current month by maintain()
PARTITIONED = ("readings", "rollup_15m", "rollup_1h")  # by month; a day rollup is 1/100 of the 15 min one
# An append of this many new rows (a backfill, a migration) refreshes the planner's statistics of the
# months it filled at once: without them the per-series lookups of the next polls scan whole series.
ANALYZE_ROWS = 10_000
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_SQL_TYPES = {
    pl.String: "text",
    pl.Float64: "double precision",
    pl.Int64: "bigint",
    pl.UInt32: "bigint",
    pl.Boolean: "boolean",
}
PARTIAL_COLUMNS = partials.PARTIAL_SCHEMA.names()
# The bucket a timestamp falls in, as rollup.bucket_start computes it: UTC epoch multiples below a
# day, local midnight of the city's time zone (%(tz)s) for days.
_START = {
    "15m": "date_bin('15 minutes', {ts}, TIMESTAMPTZ '2000-01-01 00:00:00+00')",
    "1h": "date_bin('1 hour', {ts}, TIMESTAMPTZ '2000-01-01 00:00:00+00')",
    "1d": "date_trunc('day', {ts}, {tz})",
}
_END = {
    "15m": "{start} + interval '15 minutes'",
    "1h": "{start} + interval '1 hour'",
    "1d": "(({start}) AT TIME ZONE {tz} + interval '1 day') AT TIME ZONE {tz}",
}


class StoreUnavailable(RuntimeError):
    """The database cannot be reached or refused the store's login (the message names no secret)."""


def _driver() -> tuple[Any, Any]:
    try:
        import adbc_driver_postgresql.dbapi as adbc
        import psycopg
    except ImportError as exc:  # pragma: no cover - both are in requirements.txt
        msg = f"the PostgreSQL store needs psycopg and adbc-driver-postgresql ({exc.name} is missing; pip install -r requirements.txt)"
        raise StoreUnavailable(msg) from None
    return psycopg, adbc


def parse_location(location: str) -> tuple[str, str]:
    """(libpq URL without the store's own ``schema`` parameter, schema name)."""
    parts = urlsplit(location)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "schema"), DEFAULT_SCHEMA)
    if not _SCHEMA_NAME.fullmatch(schema):
        msg = f"store schema must be lower-case letters, digits and _ (at most 63), got {schema!r}"
        raise ValueError(msg)
    rest = [(k, v) for k, v in query if k != "schema"]
    if not any(k == "connect_timeout" for k, _ in rest):
        rest.append(("connect_timeout", "10"))
    rest.append(("options", f"-c search_path={schema}"))
    return urlunsplit(parts._replace(scheme="postgresql", query=urlencode(rest, quote_via=quote))), schema


def _key(*names: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``names``."""
    return int.from_bytes(hashlib.blake2b("\x1f".join(names).encode(), digest_size=8).digest(), "big", signed=True)


def _columns(schema: pl.Schema, key: Iterable[str] = ()) -> str:
    keyed = set(key)

    def column(name: str, dtype: pl.DataType) -> str:
        sql = _SQL_TYPES.get(dtype.base_type(), "timestamptz")
        collate = ' COLLATE "C"' if sql == "text" else ""  # byte order, as polars sorts
        return f'"{name}" {sql}{collate}{" NOT NULL" if name in keyed else ""}'

    return ", ".join(column(name, dtype) for name, dtype in schema.items())


def _ids(values: str | Iterable[str] | None) -> list[str] | None:
    return None if values is None else [values] if isinstance(values, str) else list(values)


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        msg = "start/end/now must be timezone-aware"
        raise ValueError(msg)
    return moment.astimezone(dt.UTC)


def _frame(table: Any, schema: pl.Schema) -> pl.DataFrame:
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    if frame.is_empty():
        return pl.DataFrame(schema=schema)
    return frame.select(schema.names()).cast(dict(schema))


def _csv(frame: pl.DataFrame) -> bytes:
    """``frame`` as COPY's CSV: ISO times with offset, shortest round-trip floats, unquoted empty = NULL.

    PostgreSQL text cannot hold NUL characters; a feed's text with one (garbage, never a name)
    loses them here rather than failing the whole batch.
    """
    texts = [pl.col(name).str.replace_all("\x00", "", literal=True) for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(texts).write_csv(include_header=False, datetime_format="%Y-%m-%dT%H:%M:%S%.6f+00").encode()


def open_store(location: str | Path, *, tz: str = "Europe/Berlin", durable: bool = False) -> PostgresStore:
    """Open (and create) the store in the database at ``location``; ``tz`` sets where day rollups start.

    ``durable`` is the server's business here (its ``fsync``/``synchronous_commit``): every
    commit the server acknowledges is kept by its own rules.
    """
    conninfo, schema = parse_location(str(location))
    return PostgresStore(conninfo, schema, tz=tz)


class PostgresStore:
    """One schema of a PostgreSQL database, shared by any number of processes. Implements ``core.store.Store``."""

    def __init__(self, conninfo: str, schema: str, *, tz: str) -> None:
        self.psycopg, self._adbc = _driver()
        self.conninfo, self.schema, self.tz = conninfo, schema, tz
        self._idle: queue.SimpleQueue = queue.SimpleQueue()  # Arrow (ADBC) connections for reads
        self._small = self._connect(autocommit=True)  # versions, state, single values
        self._small_lock = threading.Lock()
        self._writer = self._connect(autocommit=False)
        self._write_lock = threading.Lock()
        self._months: set[tuple[str, dt.date]] = set()  # partitions known to exist
        self._init()

    # -- connections -------------------------------------------------------------------
    def _connect(self, *, autocommit: bool, role: str = "showroom"):
        # pg_stat_activity names the process (``showroom-leader <host>:<pid>`` shows who polls)
        name = f"{role} {socket.gethostname()}:{os.getpid()}"[:63]
        try:
            return self.psycopg.connect(self.conninfo, autocommit=autocommit, application_name=name)
        except self.psycopg.OperationalError as exc:
            reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            msg = f"cannot connect to the store database {describe(self.conninfo)}: {reason}"
            raise StoreUnavailable(msg) from None

    def _lost(self, exc: Exception) -> StoreUnavailable:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        return StoreUnavailable(f"the store database {describe(self.conninfo)} is unavailable: {reason}")

    def _one(self, query: str, params: tuple = ()) -> Any:
        """The first column of the first row of ``query`` (None without rows)."""
        with self._small_lock:
            try:
                row = self._small.execute(query, params).fetchone()
            except self.psycopg.OperationalError:
                self._small = self._connect(autocommit=True)  # the server restarted: once more, anew
                try:
                    row = self._small.execute(query, params).fetchone()
                except self.psycopg.OperationalError as exc:
                    raise self._lost(exc) from None
        return None if row is None else row[0]

    @contextlib.contextmanager
    def _reader(self) -> Iterator[Any]:
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            conn = self._adbc.connect(self.conninfo, autocommit=True)
        try:
            yield conn
        except Exception:
            conn.close()  # never hand a connection that failed to the next reader
            raise
        if self._idle.qsize() < IDLE_READERS:
            self._idle.put(conn)
        else:
            conn.close()

    def _render(self, query: str, params: dict) -> str:
        """``query`` with its ``%(name)s`` parameters as SQL literals (psycopg's quoting), for the Arrow driver.

        Quoted without a connection (standard-conforming strings), so a read never waits for or
        fails with another connection.
        """
        literal = self.psycopg.sql.Literal
        return query % {key: literal(value).as_string(None) for key, value in params.items()} if params else query

    def _arrow(self, query: str, params: dict, schema: pl.Schema) -> pl.DataFrame:
        """Rows of ``query`` as a polars frame in ``schema``, through Arrow."""
        text = self._render(query, params)
        for attempt in range(2):
            try:
                with self._reader() as conn, conn.cursor() as cursor:
                    cursor.execute(text)
                    return _frame(cursor.fetch_arrow_table(), schema)
            except (self._adbc.OperationalError, self._adbc.InterfaceError) as exc:
                if attempt:  # a fresh connection failed too: the server is down, not just restarted
                    raise self._lost(exc) from None
        raise AssertionError  # unreachable

    # -- schema ------------------------------------------------------------------------
    def _init(self) -> None:
        stations_key, levels_key = ["station_id"], ["station_id", "quantity", "level"]
        partial = _columns(partials.PARTIAL_SCHEMA, ["station_id", "quantity", "bucket_start"])
        readings = _columns(READINGS_SCHEMA, ["station_id", "quantity", "ts"])
        with self._write_lock, self._writer.transaction(), self._writer.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_key(self.schema, "ddl"),))
            cur.execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
            fresh = cur.execute("SELECT to_regclass('meta') IS NULL").fetchone()[0]
            if fresh:
                timescale = cur.execute("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'").fetchone()[0]
                by_month = "" if timescale else " PARTITION BY RANGE (ts)"
                statements = [
                    "CREATE TABLE meta (one boolean PRIMARY KEY DEFAULT true CHECK (one), version bigint NOT NULL, tz text NOT NULL, format int NOT NULL)",
                    f"CREATE TABLE readings ({readings}, PRIMARY KEY (station_id, quantity, ts)){by_month}",
                    *(
                        f"CREATE TABLE rollup_{every} ({partial}, PRIMARY KEY (station_id, quantity, bucket_start))"
                        + (" PARTITION BY RANGE (bucket_start)" if f"rollup_{every}" in PARTITIONED else "")
                        for every in ROLLUPS
                    ),
                    'CREATE TABLE latest (station_id text COLLATE "C" NOT NULL, quantity text COLLATE "C" NOT NULL, '
                    "ts timestamptz NOT NULL, value double precision, interval_s double precision, recent timestamptz[] NOT NULL, "
                    "PRIMARY KEY (station_id, quantity))",
                    "CREATE TABLE source_newest (source text PRIMARY KEY, ts timestamptz NOT NULL)",
                    f"CREATE TABLE stations ({_columns(STATIONS_SCHEMA, stations_key)}, PRIMARY KEY (station_id))",
                    f"CREATE TABLE levels ({_columns(LEVELS_SCHEMA, levels_key)}, PRIMARY KEY (station_id, quantity, level))",
                    f"CREATE TABLE health ({_columns(HEALTH_SCHEMA, ['source'])}, PRIMARY KEY (source))",
                    f"CREATE TABLE quarantine ({_columns(quality.QUARANTINE_SCHEMA, ['station_id', 'quantity', 'ts', 'reason'])}, "
                    "PRIMARY KEY (station_id, quantity, ts, reason))",
                    "CREATE INDEX ON quarantine (ts)",
                    "CREATE TABLE state (key text PRIMARY KEY, value jsonb NOT NULL)",
                ]
                for statement in statements:
                    cur.execute(statement)
                if timescale:
                    cur.execute("SELECT create_hypertable('readings', 'ts', chunk_time_interval => interval '7 days')")
                cur.execute("INSERT INTO meta (version, tz, format) VALUES (0, %s, %s)", (self.tz, FORMAT))
            stored_tz = cur.execute("SELECT tz FROM meta").fetchone()[0]
            if stored_tz != self.tz:
                if cur.execute("SELECT EXISTS (SELECT 1 FROM rollup_1d)").fetchone()[0]:
                    msg = f"the store {describe(self.conninfo)} schema {self.schema} keeps day rollups in {stored_tz}; open it with tz={stored_tz!r}, not {self.tz!r}"
                    raise ValueError(msg)
                cur.execute("UPDATE meta SET tz = %s", (self.tz,))

    def _partitions(self, months: Iterable[dt.date]) -> int:
        """Make the monthly partitions of ``months`` (first days, UTC) that do not exist yet; how many were made."""
        wanted = sorted({(table, month) for month in months for table in PARTITIONED} - self._months)
        if not wanted:
            return 0
        made = 0
        with self._commit("ddl") as cur:
            if not cur.execute("SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = 'readings'::regclass)").fetchone()[0]:
                self._months.update(wanted)  # a hypertable: TimescaleDB makes its own chunks
                return 0
            for table, month in wanted:
                name = f"{table}_p{month:%Y%m}"
                after = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
                exists = cur.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()[0]
                if not exists:
                    cur.execute(
                        f"CREATE TABLE {name} PARTITION OF {table} FOR VALUES FROM ('{month.isoformat()} 00:00+00') TO ('{after.isoformat()} 00:00+00')"
                    )
                    made += 1
        self._months.update(wanted)
        return made

    # -- reading -----------------------------------------------------------------------
    @property
    def version(self) -> int:
        """Data version: grows with every commit (a cache key; one indexed single-row read)."""
        return int(self._one("SELECT version FROM meta"))

    @staticmethod
    def _where(column: str, start, end, ids, qs) -> tuple[str, dict]:
        clauses, params = ["true"], {}
        if start is not None:
            clauses.append(f"{column} >= %(start)s")
            params["start"] = start
        if end is not None:
            clauses.append(f"{column} < %(end)s")
            params["end"] = end
        if ids is not None:
            clauses.append("station_id = ANY(%(ids)s::text[])")
            params["ids"] = ids
        if qs is not None:
            clauses.append("quantity = ANY(%(qs)s::text[])")
            params["qs"] = qs
        return " AND ".join(clauses), params

    def readings(self, start=None, end=None, station_ids=None, quantities=None) -> pl.DataFrame:
        """Stored readings in [start, end) (aware datetimes), sorted by station_id, quantity, ts."""
        where, params = self._where("ts", _utc(start), _utc(end), _ids(station_ids), _ids(quantities))
        columns = ", ".join(READINGS_SCHEMA.names())
        return self._arrow(f"SELECT {columns} FROM readings WHERE {where} ORDER BY station_id, quantity, ts", params, READINGS_SCHEMA)

    def rollup(self, every: str, start=None, end=None, station_ids=None, quantities=None) -> pl.DataFrame:
        """Buckets of the readings in [start, end): equal to ``bucket(readings(...), every, tz)``.

        Whole buckets are the materialized partials (one row per bucket), cut edge buckets come
        from their readings (``core.store.windowed``).
        """
        ids, qs = _ids(station_ids), _ids(quantities)
        columns = ", ".join(f'"{c}"' for c in PARTIAL_COLUMNS)

        def whole(lo, hi) -> pl.DataFrame:
            where, params = self._where("bucket_start", lo, hi, ids, qs)
            return partials.finish(
                self._arrow(f"SELECT {columns} FROM rollup_{every} WHERE {where}", params, partials.PARTIAL_SCHEMA)
            ).collect()

        return windowed(every, _utc(start), _utc(end), self.tz, whole=whole, raw=lambda lo, hi: self.readings(lo, hi, ids, qs))

    def latest(self, now: dt.datetime | None = None) -> pl.DataFrame:
        """Newest value per series with interval_s, age_s and stale, as ``core.rollup.latest``."""
        now = dt.datetime.now(dt.UTC) if now is None else _utc(now)
        schema = pl.Schema(
            {"station_id": pl.String, "quantity": pl.String, "ts": pl.Datetime("us", "UTC"), "value": pl.Float64, "interval_s": pl.Float64}
        )
        summary = self._arrow("SELECT station_id, quantity, ts, value, interval_s FROM latest ORDER BY station_id, quantity", {}, schema)
        if summary.is_empty() or summary["ts"].max() <= now:
            return summary.with_columns(*rollup.stale_expr(now))
        # ``now`` before some newest readings (a look back): the last readings up to ``now`` decide
        query = (
            "SELECT r.ts, l.station_id, l.quantity, r.value, NULL::text AS source FROM latest l CROSS JOIN LATERAL "
            "(SELECT ts, value FROM readings WHERE station_id = l.station_id AND quantity = l.quantity AND ts <= %(now)s "
            f"ORDER BY ts DESC LIMIT {rollup.INTERVAL_WINDOW + 1}) r"
        )
        return rollup.latest(self._arrow(query, {"now": now}, READINGS_SCHEMA), now)

    def _table(self, name: str, schema: pl.Schema, key: list[str]) -> pl.DataFrame:
        columns = ", ".join(f'"{c}"' for c in schema.names())
        return self._arrow(f"SELECT {columns} FROM {name} ORDER BY {', '.join(key)}", {}, schema)

    def stations(self) -> pl.DataFrame:
        return self._table("stations", STATIONS_SCHEMA, ["station_id"])

    def levels(self) -> pl.DataFrame:
        return self._table("levels", LEVELS_SCHEMA, ["station_id", "quantity", "level"])

    def feed_health(self) -> pl.DataFrame:
        return self._table("health", HEALTH_SCHEMA, ["source"])

    def quarantined(self, start=None, end=None, sources=None) -> pl.DataFrame:
        """Readings the quality checks kept aside, with reading time in [start, end), newest first."""
        where, params = self._where("ts", _utc(start), _utc(end), None, None)
        wanted = _ids(sources)
        if wanted is not None:
            where += " AND source = ANY(%(sources)s::text[])"
            params["sources"] = wanted
        columns = ", ".join(f'"{c}"' for c in quality.QUARANTINE_SCHEMA.names())
        query = f"SELECT {columns} FROM quarantine WHERE {where} ORDER BY ts DESC, station_id, quantity, reason"
        return self._arrow(query, params, quality.QUARANTINE_SCHEMA)

    def last_ts(self, source: str) -> dt.datetime | None:
        found = self._one("SELECT ts FROM source_newest WHERE source = %s", (source,))
        return None if found is None else found.astimezone(dt.UTC)

    def state(self, key: str) -> dict | None:
        """Shared run state published with :meth:`set_state`, the same for every server."""
        return self._one("SELECT value FROM state WHERE key = %s", (key,))

    def problems(self) -> pl.DataFrame:
        """Always empty: the database checks its own pages (there are no store files to damage)."""
        return pl.DataFrame(schema=PROBLEMS_SCHEMA)

    # -- writing -----------------------------------------------------------------------
    @contextlib.contextmanager
    def _commit(self, lock: str | None = "write") -> Iterator[Any]:
        """One write transaction, under the advisory lock ``lock`` (``write``: concurrent appends serialise)."""
        with self._write_lock:
            if self._writer.closed or self._writer.broken:  # lost with the last write: a new one, or StoreUnavailable
                self._writer = self._connect(autocommit=False)
            try:
                with self._writer.transaction(), self._writer.cursor() as cur:
                    if lock:
                        cur.execute("SELECT pg_advisory_xact_lock(%s)", (_key(self.schema, lock),))
                    yield cur
            except self.psycopg.OperationalError as exc:
                raise self._lost(exc) from None  # nothing of this transaction is stored; the caller retries

    def _copy(self, cur, table: str, frame: pl.DataFrame, columns: list[str]) -> None:
        """``frame`` into the temp table ``table`` (created like ``columns`` of ``frame``) through COPY."""
        names = ", ".join(f'"{c}"' for c in columns)
        with cur.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT csv)") as copy:
            copy.write(_csv(frame.select(columns)))

    def append(self, batch: Batch) -> int:
        """Store a batch in one transaction; the number of readings newly stored.

        Readings already stored (same station_id, quantity, ts) are ignored, as are repeats inside
        the batch (the first wins); stations and levels are upserted (last wins). The rollups of
        every touched bucket, the latest values and the last ts per source change in the same
        transaction; the version grows only when something changed.
        """
        rows = batch.readings
        months = rows["ts"].dt.truncate("1mo").unique().dt.date().to_list() if rows.height else []
        self._partitions(months)
        with self._commit() as cur:
            new = self._insert_readings(cur, rows, months) if rows.height else 0
            changed = new
            for name, schema, key in (
                ("stations", STATIONS_SCHEMA, ["station_id"]),
                ("levels", LEVELS_SCHEMA, ["station_id", "quantity", "level"]),
            ):
                frame = getattr(batch, name)
                if frame.height:
                    changed += self._upsert(cur, name, frame.unique(key, keep="last", maintain_order=True), schema, key)
            if changed:
                cur.execute("UPDATE meta SET version = version + 1")
        if new >= ANALYZE_ROWS:
            self._analyze(months)
        return new

    def _analyze(self, months: Iterable[dt.date]) -> None:
        """Fresh planner statistics for the partitions of ``months`` and the small tables."""
        parts = [f"{table}_p{month:%Y%m}" for month in months for table in PARTITIONED]
        with self._commit(None) as cur:
            cur.execute(f"ANALYZE {', '.join([*parts, 'rollup_1d', 'latest'])}")

    def _insert_readings(self, cur, rows: pl.DataFrame, months: list[dt.date]) -> int:
        cur.execute(
            'CREATE TEMP TABLE incoming (ord bigint, ts timestamptz, station_id text COLLATE "C", quantity text COLLATE "C", '
            "value double precision, source text) ON COMMIT DROP"
        )
        self._copy(cur, "incoming", rows.with_row_index("ord"), ["ord", *READINGS_SCHEMA.names()])
        cur.execute("CREATE TEMP TABLE fresh (LIKE readings) ON COMMIT DROP")
        cur.execute(
            "WITH added AS (INSERT INTO readings (ts, station_id, quantity, value, source) "
            "SELECT DISTINCT ON (station_id, quantity, ts) ts, station_id, quantity, value, source FROM incoming "
            "ORDER BY station_id, quantity, ts, ord ON CONFLICT DO NOTHING RETURNING *) "
            "INSERT INTO fresh SELECT * FROM added"
        )
        new = cur.rowcount
        if new <= 0:
            return 0
        cur.execute("ANALYZE fresh")
        params = {"tz": self.tz, "counters": aggregating("counter"), "energetic": aggregating("energetic")}
        for every in ROLLUPS:
            cur.execute(self._add(every), params)
            cur.execute(self._recompute(every), params)
        cur.execute(_LATEST)
        cur.execute(
            "INSERT INTO source_newest AS s (source, ts) SELECT source, max(ts) FROM fresh WHERE source IS NOT NULL GROUP BY source "
            "ON CONFLICT (source) DO UPDATE SET ts = greatest(s.ts, excluded.ts)"
        )
        return new

    @staticmethod
    def _recompute(every: str) -> str:
        """Upsert the partials of every register bucket the rows in ``fresh`` touch, from the readings (one statement).

        A register's increase counts from the reading before it, so a late reading also changes
        the bucket of the stored reading after it. Set-based: each touched series is read once over the span of its touched buckets (a poll:
        one bucket; a backfill: its history), plus for a register the reading before the span,
        which its first increase counts from; then grouped into buckets, of which the touched are kept.
        """
        start = _START[every].format(ts="{ts}", tz="%(tz)s")
        end = _END[every].format(start="s.hi", tz="%(tz)s")
        counter = "quantity = ANY(%(counters)s::text[])"
        columns = ", ".join(f'"{c}"' for c in PARTIAL_COLUMNS)
        updates = ", ".join(f'"{c}" = excluded."{c}"' for c in PARTIAL_COLUMNS[3:])
        return f"""
        WITH touched AS (
            SELECT DISTINCT station_id, quantity, {start.format(ts="ts")} AS bucket_start FROM fresh WHERE {counter}
            UNION
            SELECT f.station_id, f.quantity, {start.format(ts="nxt.ts")} FROM fresh f
            CROSS JOIN LATERAL (
                SELECT r.ts FROM readings r WHERE r.station_id = f.station_id AND r.quantity = f.quantity AND r.ts > f.ts
                ORDER BY r.ts LIMIT 1) nxt
            WHERE f.{counter}
        ), span AS (
            SELECT station_id, quantity, min(bucket_start) AS lo, max(bucket_start) AS hi FROM touched GROUP BY station_id, quantity
        ), picked AS (
            SELECT r.station_id, r.quantity, r.ts, r.value, false AS before
            FROM span s JOIN readings r ON r.station_id = s.station_id AND r.quantity = s.quantity AND r.ts >= s.lo AND r.ts < {end}
            UNION ALL
            SELECT s.station_id, s.quantity, b.ts, b.value, true
            FROM span s CROSS JOIN LATERAL (
                SELECT r.ts, r.value FROM readings r WHERE r.station_id = s.station_id AND r.quantity = s.quantity AND r.ts < s.lo
                ORDER BY r.ts DESC LIMIT 1) b
            WHERE s.{counter}
        ), stepped AS (
            SELECT station_id, quantity, ts, value, before,
                   CASE WHEN {counter} THEN lag(value) OVER (PARTITION BY station_id, quantity ORDER BY ts) END AS prev
            FROM picked
        ), buckets AS (
            SELECT station_id, quantity, {start.format(ts="ts")} AS bucket_start, count(*) AS n, sum(value) AS total,
                   coalesce(sum(power(10.0::double precision, value / 10)) FILTER (WHERE quantity = ANY(%(energetic)s::text[])), 0) AS esum,
                   sum(CASE WHEN prev IS NULL THEN 0 WHEN value >= prev THEN value - prev ELSE value END) AS inc,
                   min(value) AS low, max(value) AS high, (array_agg(value ORDER BY ts DESC))[1] AS last, max(ts) AS last_ts
            FROM stepped WHERE NOT before
            GROUP BY 1, 2, 3
        )
        INSERT INTO rollup_{every} AS p ({columns})
        SELECT b.station_id, b.quantity, b.bucket_start, b.n, b.total, b.esum, b.inc, b.low, b.high, b.last, b.last_ts
        FROM buckets b JOIN touched t USING (station_id, quantity, bucket_start)
        ON CONFLICT (station_id, quantity, bucket_start) DO UPDATE SET {updates}
        """

    @staticmethod
    def _add(every: str) -> str:
        """Merge the partials of the new rows of every series but registers into their buckets (one statement).

        Exact (``core.store.partials.merge_partials``) because every row in ``fresh`` is new to
        the store: counts and sums add up, extremes and the last value compare. Only a register's
        increase depends on the readings around a new one (see :meth:`_recompute`).
        """
        start = _START[every].format(ts="ts", tz="%(tz)s")
        columns = ", ".join(f'"{c}"' for c in PARTIAL_COLUMNS)
        return f"""
        INSERT INTO rollup_{every} AS p ({columns})
        SELECT station_id, quantity, {start}, count(*), sum(value),
               coalesce(sum(power(10.0::double precision, value / 10)) FILTER (WHERE quantity = ANY(%(energetic)s::text[])), 0),
               0, min(value), max(value), (array_agg(value ORDER BY ts DESC))[1], max(ts)
        FROM fresh WHERE NOT quantity = ANY(%(counters)s::text[])
        GROUP BY 1, 2, 3
        ON CONFLICT (station_id, quantity, bucket_start) DO UPDATE SET
            "n" = p."n" + excluded."n", "sum" = p."sum" + excluded."sum", "esum" = p."esum" + excluded."esum",
            "min" = least(p."min", excluded."min"), "max" = greatest(p."max", excluded."max"),
            "last" = CASE WHEN excluded."last_ts" > p."last_ts" THEN excluded."last" ELSE p."last" END,
            "last_ts" = greatest(p."last_ts", excluded."last_ts")
        """

    def _upsert(self, cur, table: str, frame: pl.DataFrame, schema: pl.Schema, key: list[str]) -> int:
        """Rows of ``frame`` into ``table``, replacing equal keys; the number of rows that changed."""
        names = schema.names()
        cur.execute(f"CREATE TEMP TABLE incoming_{table} (LIKE {table}) ON COMMIT DROP")
        self._copy(cur, f"incoming_{table}", frame.select(names), names)
        quoted = [f'"{c}"' for c in names]
        rest = [c for c in quoted if c.strip('"') not in key]
        cur.execute(
            f"INSERT INTO {table} AS t ({', '.join(quoted)}) SELECT {', '.join(quoted)} FROM incoming_{table} "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in rest)} "
            f"WHERE ({', '.join(f't.{c}' for c in rest)}) IS DISTINCT FROM ({', '.join(f'excluded.{c}' for c in rest)})"
        )
        return max(cur.rowcount, 0)

    def quarantine(self, rows: pl.DataFrame) -> int:
        """Keep readings the quality checks refused; the number new to the store (same reading and reason: once)."""
        schema = quality.QUARANTINE_SCHEMA
        rows = rows.select(schema.names()).cast(dict(schema)).unique(["station_id", "quantity", "ts", "reason"], keep="first")
        if rows.is_empty():
            return 0
        with self._commit() as cur:
            cur.execute("CREATE TEMP TABLE incoming_quarantine (LIKE quarantine) ON COMMIT DROP")
            self._copy(cur, "incoming_quarantine", rows, schema.names())
            cur.execute("INSERT INTO quarantine SELECT * FROM incoming_quarantine ON CONFLICT DO NOTHING")
            new = max(cur.rowcount, 0)
            if new:
                cur.execute("UPDATE meta SET version = version + 1")
        return new

    def record_health(
        self,
        source: str,
        *,
        ok: bool,
        rows: int,
        skipped: int,
        latency_s: float,
        error: str | None = None,
        at: dt.datetime | None = None,
        quarantined: int = 0,
    ) -> None:
        """Record one poll attempt of ``source`` (see ``feed_health`` for the columns)."""
        at = dt.datetime.now(dt.UTC) if at is None else _utc(at)
        names = HEALTH_SCHEMA.names()
        with self._commit() as cur:
            found = cur.execute(f"SELECT {', '.join(names)} FROM health WHERE source = %s FOR UPDATE", (source,)).fetchone()
            old = dict(zip(names, found, strict=True)) if found else None
            row = health_row(
                old, source, ok=ok, rows=rows, skipped=skipped, latency_s=latency_s, error=error, at=at, quarantined=quarantined
            )
            updates = ", ".join(f"{c} = excluded.{c}" for c in names[1:])
            cur.execute(
                f"INSERT INTO health ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))}) ON CONFLICT (source) DO UPDATE SET {updates}",
                [row[c] for c in names],
            )
            cur.execute("UPDATE meta SET version = version + 1")

    def restore_health(self, frame: pl.DataFrame) -> None:
        """Put whole feed-health rows (``HEALTH_SCHEMA``) in place, by source: a migration's copy."""
        if frame.is_empty():
            return
        frame = frame.select(HEALTH_SCHEMA.names()).cast(dict(HEALTH_SCHEMA)).unique("source", keep="last")
        with self._commit() as cur:
            self._upsert(cur, "health", frame, HEALTH_SCHEMA, ["source"])
            cur.execute("UPDATE meta SET version = version + 1")

    def set_state(self, key: str, value: dict | None) -> None:
        """Publish (or with None remove) run state for every server, in one commit (a new version)."""
        with self._commit() as cur:
            if value is None:
                cur.execute("DELETE FROM state WHERE key = %s", (key,))
            else:
                cur.execute(
                    "INSERT INTO state (key, value) VALUES (%s, %s::jsonb) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, json.dumps(value)),
                )
            cur.execute("UPDATE meta SET version = version + 1")

    def compact(self, full: bool = True) -> None:
        """Refresh the planner's statistics (``full``); the database keeps its own physical order,
        so nothing is ever due."""
        if not full:
            return
        with self._commit(None) as cur:
            for table in ("readings", *(f"rollup_{every}" for every in ROLLUPS), "latest", "quarantine"):
                cur.execute(f"ANALYZE {table}")

    def maintain(self) -> dict[str, int]:
        """Make this month's and the next month's partitions ahead of the data; counts of what it did."""
        today = dt.datetime.now(dt.UTC).date().replace(day=1)
        months, month = [], today
        for _ in range(AHEAD_MONTHS + 1):
            months.append(month)
            month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return {"partitions": self._partitions(months)}

    @contextlib.contextmanager
    def leader(self, name: str) -> Iterator[bool]:
        """Hold the advisory lock ``name`` of this store on a connection of its own while inside.

        The server releases it when that connection ends, so a killed or vanished poller frees
        it: keepalives probe an idle peer after 10 s and give up after 3 x 5 s more.
        """
        conn = self._connect(autocommit=True, role=f"showroom-leader {name}")
        try:
            for setting, value in (("tcp_keepalives_idle", 10), ("tcp_keepalives_interval", 5), ("tcp_keepalives_count", 3)):
                conn.execute(f"SET {setting} = {value}")
            key = _key(self.schema, "leader", name)
            mine = bool(conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0])
            yield mine
            if mine:  # given back before the next one asks: a closed session's locks go only when its backend has exited
                conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
        finally:
            conn.close()

    def close(self) -> None:
        """Close every connection of this handle (a finished test, a stopping server)."""
        for conn in (self._small, self._writer):
            conn.close()
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                break


# The newest reading and the usual interval (median of the last 20 gaps) of every series a batch
# touched, kept with the series' newest 21 timestamps: merging those with the new rows' gives the
# new newest 21 exactly (every row in ``fresh`` is new), so no reading is read back.
_LATEST = f"""
INSERT INTO latest AS l (station_id, quantity, ts, value, interval_s, recent)
SELECT n.station_id, n.quantity, m.ts, CASE WHEN o.ts IS NULL OR n.ts > o.ts THEN n.value ELSE o.value END, m.interval_s, m.recent
FROM (
    SELECT station_id, quantity, max(ts) AS ts, (array_agg(value ORDER BY ts DESC))[1] AS value,
           (array_agg(ts ORDER BY ts DESC))[1:{rollup.INTERVAL_WINDOW + 1}] AS recent
    FROM fresh GROUP BY station_id, quantity
) n
LEFT JOIN latest o ON o.station_id = n.station_id AND o.quantity = n.quantity
CROSS JOIN LATERAL (
    SELECT max(g.t) AS ts, array_agg(g.t ORDER BY g.t DESC) AS recent,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY g.gap) AS interval_s
    FROM (
        SELECT k.t, extract(epoch FROM k.t - lag(k.t) OVER (ORDER BY k.t))::double precision AS gap
        FROM (SELECT t FROM unnest(n.recent || coalesce(o.recent, '{{}}')) AS u(t) ORDER BY t DESC LIMIT {rollup.INTERVAL_WINDOW + 1}) k
    ) g
) m
ON CONFLICT (station_id, quantity) DO UPDATE
SET ts = excluded.ts, value = excluded.value, interval_s = excluded.interval_s, recent = excluded.recent
"""
