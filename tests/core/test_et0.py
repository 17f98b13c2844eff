"""ET0 against the worked examples of FAO-56 (Allen et al. 1998, chapters 3 and 4)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from core import et0

# Example 18 (chapter 4): Uccle (Brussels), 6 July, 50°48' N, 100 m. Tmax 21.5, Tmin 12.3 °C,
# RHmax 84, RHmin 63 %, wind 10 km/h at 10 m, 9.25 h of sunshine -> Rs 22.07 MJ/m²/day.
UCCLE = {
    "date": [dt.date(2026, 7, 6)],
    "tmin": [12.3],
    "tmax": [21.5],
    "rh_min": [63.0],
    "rh_max": [84.0],
    "wind": [10 / 3.6],
    "rs": [22.07],
}
UCCLE_AT = {"lat": 50 + 48 / 60, "elevation": 100.0}

# Example 20 (chapter 3, ETo with missing data): Lyon, 15 July, 45°43' N, 200 m; only Tmax 26.6
# and Tmin 14.8 °C: Rs from eq. 50 (krs 0.16), ea from Tmin, u2 = 2 m/s.
LYON_AT = {"lat": 45 + 43 / 60, "elevation": 200.0}


def one(frame: dict, **at) -> dict:
    return et0.daily(pl.DataFrame(frame), **at).collect().row(0, named=True)


def test_example_18_uccle_daily_penman_monteith():
    row = one(UCCLE, **UCCLE_AT)
    assert row["u2"] == pytest.approx(2.078, abs=0.001)
    assert row["gamma"] == pytest.approx(0.0666, abs=0.0001)
    assert row["delta"] == pytest.approx(0.122, abs=0.001)
    assert row["es"] == pytest.approx(1.997, abs=0.002)
    assert row["ea"] == pytest.approx(1.409, abs=0.002)
    assert row["ra"] == pytest.approx(41.09, abs=0.02)
    assert row["rso"] == pytest.approx(30.90, abs=0.02)
    assert row["rnl"] == pytest.approx(3.71, abs=0.01)
    assert row["rn"] == pytest.approx(13.28, abs=0.01)
    assert row["et0"] == pytest.approx(3.88, abs=0.01)  # FAO-56: "ETo = 3.9 mm/day"
    assert row["method"] == "penman_monteith"


def test_example_20_lyon_radiation_from_the_temperature_range():
    row = one({"date": [dt.date(2026, 7, 15)], "tmin": [14.8], "tmax": [26.6], "wind": [2.0 / 0.748]}, **LYON_AT)
    assert et0.pressure_kpa(200) == pytest.approx(98.96, abs=0.01)
    assert row["ra"] == pytest.approx(40.55, abs=0.05)
    assert row["rs"] == pytest.approx(22.29, abs=0.05)  # 0.16 · √11.8 · Ra
    assert row["ea"] == pytest.approx(1.68, abs=0.005)  # e°(Tmin)
    assert row["method"] == "penman_monteith_estimated"
    assert 4.0 < row["et0"] < 5.5


def test_hargreaves_on_the_lyon_example_gives_5_mm():
    row = one({"date": [dt.date(2026, 7, 15)], "tmin": [14.8], "tmax": [26.6]}, **LYON_AT)  # no wind
    assert row["method"] == "hargreaves"
    assert row["et0"] == pytest.approx(5.0, abs=0.05)


def test_hargreaves_when_radiation_is_missing_if_the_city_asks_for_it():
    without_rs = {k: v for k, v in UCCLE.items() if k != "rs"}
    estimated = one(without_rs, **UCCLE_AT)
    hargreaves = one(without_rs, **UCCLE_AT, without_radiation="hargreaves")
    assert estimated["method"] == "penman_monteith_estimated" and hargreaves["method"] == "hargreaves"
    # both stay close to the measured 3.9 mm on this mild, humid day
    assert estimated["et0"] == pytest.approx(3.88, abs=0.6) and hargreaves["et0"] == pytest.approx(3.88, abs=0.9)


def test_mean_humidity_instead_of_min_and_max():
    frame = {**{k: v for k, v in UCCLE.items() if k not in ("rh_min", "rh_max")}, "rh_mean": [73.5]}
    row = one(frame, **UCCLE_AT)
    assert row["method"] == "penman_monteith" and row["ea"] == pytest.approx(0.735 * 1.997, abs=0.003)


def test_many_days_at_once_and_days_without_temperatures():
    frame = pl.DataFrame(
        {
            "station": ["a", "a", "a"],
            "date": [dt.date(2026, 1, 15), dt.date(2026, 7, 6), dt.date(2026, 7, 7)],
            "tmin": [-3.0, 12.3, None],
            "tmax": [2.0, 21.5, 20.0],
            "rh_mean": [90.0, 73.5, 70.0],
            "wind": [3.0, 2.78, 2.0],
        }
    )
    out = et0.daily(frame, **UCCLE_AT).collect()
    assert out["station"].to_list() == ["a", "a", "a"]
    winter, summer, unknown = out["et0"].to_list()
    assert 0 <= winter < 1.0 < summer < 5.0 and unknown is None
    assert out["method"].to_list()[2] is None


def test_an_unknown_choice_is_an_error():
    with pytest.raises(ValueError, match="without_radiation"):
        et0.daily(pl.DataFrame(UCCLE), **UCCLE_AT, without_radiation="guess")
