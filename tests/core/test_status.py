"""Status bands of DESIGN.md, config overrides, station levels, and felt temperature."""

from __future__ import annotations

import polars as pl
import pytest

from core.status import SCALES, felt_temperature, status, worst


def rate(quantity: str, values: list, station: str = "s:1", **kwargs) -> pl.DataFrame:
    frame = pl.DataFrame(
        {"station_id": [station] * len(values), "quantity": [quantity] * len(values), "value": values},
        schema={"station_id": pl.String, "quantity": pl.String, "value": pl.Float64},
    )
    return status(frame, **kwargs)


@pytest.mark.parametrize(
    ("value", "key", "de"),
    [
        (420, "good", "gut"),
        (999, "good", "gut"),
        (1000, "moderate", "lüften"),
        (1999, "moderate", "lüften"),
        (2000, "bad", "schlecht"),
        (4000, "bad", "schlecht"),
    ],
)
def test_co2_uba_bands(value, key, de):
    row = rate("co2", [value]).row(0, named=True)
    assert (row["status"], row["status_de"]) == (key, de)


@pytest.mark.parametrize(
    ("quantity", "values", "keys"),
    [
        ("pm10", [9, 10, 27, 28, 54, 55, 90, 91], ["very_good", "good", "good", "moderate", "moderate", "poor", "poor", "very_poor"]),
        ("pm2_5", [5, 6, 15, 16, 30, 31, 50, 51], ["very_good", "good", "good", "moderate", "moderate", "poor", "poor", "very_poor"]),
        ("no2", [10, 11, 30, 31, 60, 61, 100, 101], ["very_good", "good", "good", "moderate", "moderate", "poor", "poor", "very_poor"]),
        ("o3", [24, 25, 72, 73, 144, 145, 240, 241], ["very_good", "good", "good", "moderate", "moderate", "poor", "poor", "very_poor"]),
    ],
)
def test_uba_air_quality_index_bands(quantity, values, keys):
    assert rate(quantity, values)["status"].to_list() == keys


def test_severity_is_ordered_and_labels_exist_in_both_languages():
    out = rate("pm10", [1, 20, 40, 70, 200])
    assert out["severity"].to_list() == [0, 1, 2, 3, 4]
    assert out["status_en"].to_list() == ["very good", "good", "moderate", "poor", "very poor"]
    for scale in SCALES.values():
        assert all(level.de and level.en for level in scale.levels)


def test_missing_value_is_unknown_and_gauge_without_levels_unrated():
    out = rate("co2", [None])
    assert out.row(0, named=True)["status"] == "unknown" and out["severity"][0] is None
    gauge = rate("water_level", [120.0])
    assert gauge["status"][0] == "unrated" and gauge["status_de"][0] == "ohne Bewertung"


def test_water_levels_per_gauge_from_config():
    thresholds = {"stations": {"g:1": {"water_level": [100, 150, 200]}}}
    out = rate("water_level", [99, 100, 160, 250], station="g:1", thresholds=thresholds)
    assert out["status"].to_list() == ["normal", "info1", "info2", "info3"]
    assert out["status_de"].to_list()[1] == "Informationsstufe 1"


def test_water_levels_from_store_levels_and_config_wins():
    levels = pl.DataFrame(
        {"station_id": ["g:1"] * 3, "quantity": "water_level", "level": ["info1", "info2", "info3"], "value": [50.0, 60.0, 70.0]}
    )
    assert rate("water_level", [55.0], station="g:1", levels=levels)["status"][0] == "info1"
    thresholds = {"stations": {"g:1": {"water_level": [100, 150, 200]}}}
    assert rate("water_level", [55.0], station="g:1", levels=levels, thresholds=thresholds)["status"][0] == "normal"


def test_quantity_override_from_config():
    assert rate("co2", [1200.0], thresholds={"co2": [1500, 2500]})["status"][0] == "good"


def test_soil_moisture_falls_into_worse_bands():
    assert rate("soil_moisture", [30, 25, 20, 15, 10])["status"].to_list() == ["moist", "drying", "drying", "dry", "dry"]
    assert rate("soil_tension", [10, 30, 59, 60])["status"].to_list() == ["moist", "drying", "drying", "dry"]


def test_heat_stress_from_felt_temperature():
    frame = pl.DataFrame({"t": [20.0, 30.0, 32.2222, 37.7778, 40.0], "rh": [50.0, 40.0, 50.0, 40.0, None]})
    felt = frame.select(felt_temperature(pl.col("t"), pl.col("rh"))).to_series().to_list()
    assert felt[0] == 20.0  # below 27 °C the air temperature is the felt temperature
    assert felt[1] == 30.0  # dry air: the heat index (29.7 °C) is below the air temperature
    assert felt[2] == pytest.approx(35.0, abs=0.3)  # NWS heat index table: 90 °F / 50 % → 95 °F
    assert felt[3] == pytest.approx(42.9, abs=0.3)  # 100 °F / 40 % → 109 °F
    assert felt[4] == 40.0  # no humidity: the air temperature
    assert rate("felt_temperature", felt)["status"].to_list() == ["no_stress", "no_stress", "strong", "extreme", "extreme"]
    assert rate("felt_temperature", [31.9, 32.0, 37.9, 38.0])["status"].to_list() == ["no_stress", "strong", "strong", "extreme"]


def test_status_keeps_row_order_and_other_columns():
    frame = pl.DataFrame(
        {"station_id": ["a", "b", "c"], "quantity": ["co2", "pm10", "co2"], "value": [2500.0, 3.0, 500.0], "name": ["A", "B", "C"]}
    )
    out = status(frame)
    assert out["station_id"].to_list() == ["a", "b", "c"] and out["name"].to_list() == ["A", "B", "C"]


def test_worst_pollutant_decides():
    frame = pl.DataFrame(
        {"station_id": ["a", "a", "a", "b"], "quantity": ["pm10", "pm2_5", "no2", "pm10"], "value": [5.0, 35.0, 20.0, 3.0]}
    )
    out = worst(status(frame)).sort("station_id")
    assert out.select("station_id", "quantity", "status").rows() == [("a", "pm2_5", "poor"), ("b", "pm10", "very_good")]


def test_vectorised_on_many_rows():
    n = 200_000
    frame = pl.DataFrame(
        {"station_id": [f"s:{i % 500}" for i in range(n)], "quantity": "co2", "value": [400.0 + i % 3000 for i in range(n)]}
    )
    out = status(frame)
    assert len(out) == n and out["severity"].max() == 2
