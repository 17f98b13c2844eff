"""Canonical frames: schema conformance and plausibility filtering at the edge."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from core.schema import QUANTITIES, READINGS_SCHEMA, STATIONS_SCHEMA, Batch, SchemaError

T = dt.datetime(2026, 11, 26, 8, tzinfo=dt.UTC)


def reading(quantity: str, value, ts=T, station="s:1") -> dict:
    return {"ts": ts, "station_id": station, "quantity": quantity, "value": value, "source": "s"}


def test_empty_batch_has_the_canonical_schema():
    b = Batch.empty()
    assert b.readings.schema == READINGS_SCHEMA
    assert b.stations.schema == STATIONS_SCHEMA
    assert len(b) == 0 and b.skipped == 0


@pytest.mark.parametrize(
    ("quantity", "value", "kept"),
    [
        ("temperature", 21.5, True),
        ("temperature", 85.0, False),  # DS18B20 power-on reset value
        ("temperature", -127.0, False),  # DS18B20 "no sensor"
        ("temperature", 61.0, False),
        ("temperature", -40.0, True),
        ("co2", 249.0, False),
        ("co2", 10000.0, True),
        ("co2", 65535.0, False),
        ("water_level", -101.0, False),
        ("water_level", 1999.0, True),
        ("humidity", 100.0, True),
        ("humidity", 101.0, False),
        ("pm10", float("nan"), False),
        ("pm10", float("inf"), False),
        ("pm10", None, False),
        ("no_such_quantity", 1.0, False),
    ],
)
def test_implausible_values_are_dropped_and_counted(quantity, value, kept):
    b = Batch.from_rows([reading(quantity, value), reading("humidity", 50.0)])
    assert len(b) == (2 if kept else 1)
    assert b.skipped == (0 if kept else 1)


def test_skipped_adds_up_with_adapter_counts_and_concat():
    a = Batch.from_rows([reading("co2", 1.0)], skipped=2)
    b = Batch.from_rows([reading("co2", 800.0)], skipped=1)
    both = Batch.concat([a, b])
    assert (a.skipped, b.skipped, both.skipped, len(both)) == (3, 1, 4, 1)


def test_missing_column_is_a_schema_error():
    with pytest.raises(SchemaError, match="value"):
        Batch(readings=pl.DataFrame({"ts": [T], "station_id": ["a"], "quantity": ["co2"], "source": ["s"]}))


def test_stations_are_unique_last_wins():
    rows = [
        {"station_id": "s:1", "source": "s", "name": "alt", "lat": 1.0, "lon": 2.0, "theme": "water"},
        {"station_id": "s:1", "source": "s", "name": "neu", "lat": 1.0, "lon": 2.0, "theme": "water"},
    ]
    assert Batch.from_rows(stations=rows).stations["name"].to_list() == ["neu"]


def test_every_quantity_has_unit_labels_and_a_sane_range():
    for q in QUANTITIES.values():
        assert q.label_de and q.label_en
        assert q.low < q.high
