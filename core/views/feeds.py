"""Feed health: every configured source with its last poll, errors, rows and stale stations,
push sources' connections (MQTT bridges), the readings the quality checks kept aside, and damaged store files.

Reads the store's feed-health table, the latest values, the stations and the quarantine only (small frames).
Error texts are scrubbed by the ingest runner (``core.secrets``); they are scrubbed here again
against the source's current secret (it may have changed since) and of credentials in URLs
(a store written by an older version may hold some).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from core.config import CityConfig
from core.secrets import scrub, source_secrets
from core.store import HEALTH_SCHEMA, StoreReader
from core.views._time import now_or

LATE_FACTOR = 3.0  # a source is late when its last attempt is older than 3 poll intervals …
LATE_MIN_S = 300.0  # … and at least 5 minutes (fast demo polls jitter)


@dataclass(frozen=True)
class State:
    key: str
    tone: str  # as core.status levels: colour and icon follow the tone
    severity: int


# Checked in this order; the first that applies names the source's state.
STATES: tuple[State, ...] = (
    State("never", "unknown", 1),  # configured, but never polled
    State("failing", "bad", 3),  # the last attempt failed (failures = consecutive failed attempts)
    State("disconnected", "bad", 3),  # a push source whose bridge has no broker connection (or is not running)
    State("late", "moderate", 2),  # no attempt for a while: is the ingest runner running?
    State("ok", "good", 0),
)

SOURCE_COLUMNS = {"key": pl.String, "kind": pl.String, "poll_s": pl.Float64, "secret": pl.String}


QUARANTINE_SHOWN = 100  # newest quarantined readings listed (the counts cover all of them)
PUSH_KINDS = ("mqtt",)  # kinds whose data is pushed by a bridge that reports its connection
PUSH_SILENT_S = 90.0  # a bridge reports at least every 30 s: silent for this long, it is not running
PUSH_SCHEMA = pl.Schema(
    {
        "key": pl.String,
        "running": pl.Boolean,  # the bridge reported within PUSH_SILENT_S
        "connected": pl.Boolean,
        "since": pl.Datetime("us", "UTC"),  # connected (or disconnected) since
        "last_message": pl.Datetime("us", "UTC"),
        "per_hour": pl.Int64,  # uplinks filed in the last hour
        "stored": pl.Int64,  # since the bridge started, as are the next three
        "duplicates": pl.Int64,
        "malformed": pl.Int64,
        "protobuf": pl.Int64,
        "last_error": pl.String,
        "last_error_at": pl.Datetime("us", "UTC"),
    }
)


def push_state(key: str) -> str:
    """The run-state key (``Store.state``) under which a source's bridge publishes its health."""
    return f"push:{key}"


@dataclass(frozen=True)
class FeedsView:
    sources: pl.DataFrame  # one row per source, in config order (see :func:`sources`)
    stale: pl.DataFrame  # one row per station with a stale series (see :func:`stale_stations`)
    stations: int  # stations with any value
    as_of: dt.datetime
    quarantine: pl.DataFrame  # newest quarantined readings with station name (see :func:`quarantine`)
    quarantine_counts: pl.DataFrame  # source, reason, readings: every quarantined reading counted
    problems: pl.DataFrame  # damaged store files, repaired or awaiting repair (core.store.PROBLEMS_SCHEMA)
    push: pl.DataFrame  # one row per push source (PUSH_SCHEMA), in config order


def _configured(city: CityConfig) -> pl.DataFrame:
    rows = [
        {
            "key": src["key"],
            "kind": src["kind"],
            "poll_s": float(src.get("poll_s", 0.0)),
            "secret": next(iter(source_secrets(src)), None),
        }
        for src in city.sources
    ]
    return pl.DataFrame(rows, schema=SOURCE_COLUMNS).with_row_index("order")


def push(store: StoreReader, city: CityConfig, now: dt.datetime) -> pl.DataFrame:
    """What each push source's bridge last published: connected, last message, messages per hour, last error.

    A bridge that has not reported for :data:`PUSH_SILENT_S` is not running: not connected, whatever it said last.
    """

    def moment(epoch: Any) -> dt.datetime | None:
        return dt.datetime.fromtimestamp(float(epoch), tz=dt.UTC) if isinstance(epoch, (int, float)) else None

    def count(value: Any) -> int:
        return int(value) if isinstance(value, int) and not isinstance(value, bool) else 0

    rows = []
    for src in city.sources:  # a handful of sources, each one small dict: plain Python
        if src["kind"] not in PUSH_KINDS:
            continue
        status = store.state(push_state(src["key"])) or {}
        updated = moment(status.get("updated"))
        running = updated is not None and (now - updated).total_seconds() <= PUSH_SILENT_S
        secret = next(iter(source_secrets(src)), None)
        error = status.get("last_error") if isinstance(status.get("last_error"), str) else None
        rows.append(
            {
                "key": src["key"],
                "running": running,
                "connected": running and status.get("connected") is True,
                "since": moment(status.get("since")),
                "last_message": moment(status.get("last_message")),
                "per_hour": count(status.get("per_hour")),
                "stored": count(status.get("stored")),
                "duplicates": count(status.get("duplicates")),
                "malformed": count(status.get("malformed")),
                "protobuf": count(status.get("protobuf")),
                "last_error": scrub(error, [secret] if secret else []),
                "last_error_at": moment(status.get("last_error_at")),
            }
        )
    return pl.DataFrame(rows, schema=PUSH_SCHEMA)


def sources(
    configured: pl.DataFrame, health: pl.DataFrame, counts: pl.DataFrame, now: dt.datetime, pushed: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Configured sources (then any other the store has health of) with health, station counts and a state.

    Columns: key, kind, poll_s, state, tone, severity, last_attempt, last_success, last_error,
    rows, rows_total, skipped, skipped_total, latency_s, failures, quarantined, quarantined_total,
    since_success_s, stations, stale_stations.
    """
    since = lambda col: (pl.lit(now, dtype=pl.Datetime("us", "UTC")) - pl.col(col)).dt.total_microseconds() / 1e6  # noqa: E731
    late_after = pl.max_horizontal(pl.col("poll_s") * LATE_FACTOR, pl.lit(LATE_MIN_S))
    applies = {
        "never": pl.col("last_attempt").is_null(),
        "failing": pl.col("failures") > 0,
        "disconnected": pl.col("connected").not_().fill_null(False),
        "late": since("last_attempt") > late_after,
        "ok": pl.lit(True),
    }
    state = pl.when(applies[STATES[0].key]).then(pl.lit(STATES[0].key))
    for s in STATES[1:]:
        state = state.when(applies[s.key]).then(pl.lit(s.key))
    table = pl.DataFrame(
        [{"state": s.key, "tone": s.tone, "severity": s.severity} for s in STATES],
        schema={"state": pl.String, "tone": pl.String, "severity": pl.Int8},
    )
    # sources the store has heard of but the config does not name (the implicit workshop
    # scenario source, a source removed from the config) come last, without kind and interval
    extra = (
        health.select(key="source")
        .join(configured, on="key", how="anti")
        .with_columns(
            order=pl.lit(len(configured), dtype=pl.UInt32),
            kind=pl.lit(None, pl.String),
            poll_s=pl.lit(None, pl.Float64),
            secret=pl.lit(None, pl.String),
        )
    )
    everything = pl.concat([configured, extra.select(configured.columns)])
    pushed = pl.DataFrame(schema=PUSH_SCHEMA) if pushed is None else pushed
    joined = everything.join(health.rename({"source": "key"}), on="key", how="left").join(
        pushed.select("key", "connected"), on="key", how="left"
    )
    # one row per configured source (a handful): plain Python is the clearest way to scrub
    scrubbed = [scrub(error, [secret] if secret else []) for error, secret in joined.select("last_error", "secret").iter_rows()]
    return (
        joined.with_columns(last_error=pl.Series(scrubbed, dtype=pl.String))
        .join(counts, on="key", how="left")
        .with_columns(
            state=state,
            since_success_s=since("last_success"),
            stations=pl.col("stations").fill_null(0),
            stale_stations=pl.col("stale_stations").fill_null(0),
            # a store from before the quality checks has no counts yet; a never-polled source has none either
            quarantined=pl.col("quarantined").fill_null(0),
            quarantined_total=pl.col("quarantined_total").fill_null(0),
        )
        .join(table, on="state", how="left")
        .sort("order", "key")
        .select(
            "key",
            "kind",
            "poll_s",
            "state",
            "tone",
            "severity",
            *[c for c in HEALTH_SCHEMA.names() if c != "source"],
            "since_success_s",
            "stations",
            "stale_stations",
        )
    )


def stale_stations(latest: pl.DataFrame, stations: pl.DataFrame) -> pl.DataFrame:
    """Stations with at least one stale series: which quantities, last seen, silent or partly.

    Columns: station_id, name, source, theme, district, quantities (sorted list), last_ts,
    age_s (of the newest stale value), silent (every series of the station is stale).
    """
    per_station = latest.group_by("station_id").agg(
        quantities=pl.col("quantity").filter(pl.col("stale")).sort(),
        last_ts=pl.col("ts").filter(pl.col("stale")).max(),
        age_s=pl.col("age_s").filter(pl.col("stale")).min(),
        silent=pl.col("stale").all(),
        any_stale=pl.col("stale").any(),
    )
    return (
        per_station.filter(pl.col("any_stale"))
        .join(stations.select("station_id", "name", "source", "theme", "district"), on="station_id", how="left")
        .with_columns(source=_source_key(stations))
        .select("station_id", "name", "source", "theme", "district", "quantities", "last_ts", "age_s", "silent")
        .sort("age_s", "station_id", descending=[True, False])
    )


def quarantine(aside: pl.DataFrame, stations: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The newest quarantined readings (ts, station_id, name, source, quantity, value, reason; newest
    first, at most ``QUARANTINE_SHOWN``) and the count of all of them per source and reason."""
    counts = aside.group_by("source", "reason").agg(readings=pl.len().cast(pl.Int64)).sort("source", "reason")
    newest = (
        aside.head(QUARANTINE_SHOWN)
        .join(stations.select("station_id", "name"), on="station_id", how="left", maintain_order="left")
        .select("ts", "station_id", "name", "source", "quantity", "value", "reason")
    )
    return newest, counts


def _source_key(stations: pl.DataFrame) -> pl.Expr:
    # stations carry their source key; a station the stations table lacks has it as id prefix
    return pl.col("source").fill_null(pl.col("station_id").str.extract(r"^([^:]+):", 1))


def overview(store: StoreReader, city: CityConfig, *, now: dt.datetime | None = None) -> FeedsView:
    """Health of every configured source and the list of stale stations, as of now."""
    now = now_or(now)
    latest, stations = store.latest(now), store.stations()
    per_station = (
        latest.group_by("station_id")
        .agg(stale=pl.col("stale").any())
        .join(stations.select("station_id", "source"), on="station_id", how="left")
        .with_columns(key=_source_key(stations))
    )
    counts = per_station.group_by("key").agg(stations=pl.len().cast(pl.Int64), stale_stations=pl.col("stale").sum().cast(pl.Int64))
    newest, aside = quarantine(store.quarantined(), stations)
    pushed = push(store, city, now)
    return FeedsView(
        sources=sources(_configured(city), store.feed_health(), counts, now, pushed),
        stale=stale_stations(latest, stations),
        stations=per_station.height,
        as_of=now,
        quarantine=newest,
        quarantine_counts=aside,
        problems=store.problems(),
        push=pushed,
    )
