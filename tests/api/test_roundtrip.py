"""The cockpit's own sensorthings adapter, pointed at this API, reads back exactly what the store holds."""

from __future__ import annotations

import datetime as dt

import polars as pl
import requests
from polars.testing import assert_frame_equal

from data_sources import sensorthings

COLUMNS = ("ts", "station_id", "quantity", "value")


def mirrored(batch_frame: pl.DataFrame) -> pl.DataFrame:
    """The adapter's rows under the stored station ids (it prefixes its own source key)."""
    return batch_frame.with_columns(station_id=pl.col("station_id").str.strip_prefix("mirror:")).select(COLUMNS).sort((*COLUMNS[1:3], "ts"))


def test_catching_up_reads_back_every_stored_reading(base, store):
    source = {"key": "mirror", "kind": "sensorthings", "base_url": base + "/v1.1", "max_pages": 1000, "max_observations": 40}
    with requests.Session() as session:
        batch = sensorthings.fetch(source, session, since=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    want = store.readings().select(COLUMNS).sort("station_id", "quantity", "ts")
    assert_frame_equal(mirrored(batch.readings), want)  # 40 per page: every Datastream's nextLink chain walked
    stations = batch.stations.with_columns(station_id=pl.col("station_id").str.strip_prefix("mirror:")).sort("station_id")
    stored = store.stations().sort("station_id")
    assert stations["station_id"].to_list() == stored["station_id"].to_list()
    assert stations["name"].to_list() == stored["name"].to_list()  # the hostile name too
    assert stations["lat"].to_list() == stored["lat"].to_list()


def test_a_first_poll_reads_the_latest_values(base, store):
    source = {"key": "mirror", "kind": "sensorthings", "base_url": base + "/v1.1"}
    with requests.Session() as session:
        batch = sensorthings.fetch(source, session)
    latest = store.latest().select(COLUMNS).sort("station_id", "quantity", "ts")
    assert_frame_equal(mirrored(batch.readings), latest)
