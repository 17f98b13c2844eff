"""Noise views on a small store: energetic day and night levels in local time, hours above the day value, guideline values."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from core.config import CityConfig, NoiseGuide
from core.schema import Batch
from core.store import open_store
from core.views import noise

UTC = dt.UTC
CEST = dt.timezone(dt.timedelta(hours=2))
NOW = dt.datetime(2026, 7, 15, 12, 30, tzinfo=UTC)  # 14:30 in Berlin: the day period runs from 06:00


def city(guide: NoiseGuide | None = None) -> CityConfig:
    return CityConfig(
        name="Test", timezone="Europe/Berlin", center=(51.44, 7.78), zoom=12.0, language="de", sources=(), noise=guide or NoiseGuide()
    )


def level(db: float) -> float:
    return 10 ** (db / 10)


def energetic(*pairs: tuple[int, float]) -> float:
    """The energetic mean of ``count`` readings at ``dB`` each."""
    return 10 * math.log10(sum(n * level(db) for n, db in pairs) / sum(n for n, _ in pairs))


def quarters(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    out, ts = [], start
    while ts < end:
        out.append(ts)
        ts += dt.timedelta(minutes=15)
    return out


@pytest.fixture
def store(tmp_path):
    """One sound meter: last night 45 dB(A) (a loud 21:45 just before it), today 06–10 at 50, from 10:00 alternating 60 and 70."""
    rows = []

    def add(ts: dt.datetime, value: float, quantity: str = "noise") -> None:
        rows.append({"ts": ts, "station_id": "t:a", "quantity": quantity, "value": value, "source": "t"})

    add(dt.datetime(2026, 7, 14, 21, 45, tzinfo=CEST), 90.0)  # the day before: in neither period
    for ts in quarters(dt.datetime(2026, 7, 14, 22, tzinfo=CEST), dt.datetime(2026, 7, 15, 6, tzinfo=CEST)):
        add(ts, 45.0)
    for ts in quarters(dt.datetime(2026, 7, 15, 6, tzinfo=CEST), dt.datetime(2026, 7, 15, 10, tzinfo=CEST)):
        add(ts, 50.0)
    for i, ts in enumerate(quarters(dt.datetime(2026, 7, 15, 10, tzinfo=CEST), NOW)):
        add(ts, 60.0 if i % 2 == 0 else 70.0)
        add(ts, 75.0 + i, "noise_max")
    place = {"station_id": "t:a", "source": "t", "name": "Lärmmessung Unnaer Straße", "lat": 51.44, "lon": 7.78, "theme": "noise"}
    store = open_store(tmp_path / "store", tz="Europe/Berlin")
    store.append(Batch.from_rows(rows, [place]))
    return store


def test_day_and_night_levels_are_energetic_means_in_local_time(store):
    row = noise.overview(store, city(), now=NOW).stations.row(0, named=True)
    # 06:00–14:30: 16 quarters at 50, then 18 alternating 60/70 (9 each)
    assert row["day"] == pytest.approx(energetic((16, 50.0), (9, 60.0), (9, 70.0)))
    assert row["day"] == pytest.approx(64.7112, abs=1e-4)  # the arithmetic mean of the same readings would be 57.9
    assert row["day_hours"] == 8.5
    assert row["night"] == pytest.approx(45.0) and row["night_hours"] == 8.0  # 22:00–06:00, the loud 21:45 left out
    assert (row["now"], row["peak"]) == (70.0, 92.0)  # the latest LAeq and LAFmax
    assert (row["day_rating"], row["day_tone"], row["night_rating"], row["night_tone"]) == ("above", "poor", "below", "good")


def test_hours_of_the_day_period_above_the_day_value(store):
    row = noise.overview(store, city(), now=NOW).stations.row(0, named=True)
    # hours 10, 11, 12, 13 and the running 14 are at 67.4 dB(A) (two quarters of 60 and two of 70 each); 06–09 at 50
    assert (row["hours_above"], row["hours_counted"]) == (5, 9)


def test_the_hourly_profile_merges_quarters_energetically_and_peaks_by_their_maximum(store):
    hourly = noise.overview(store, city(), now=NOW).hourly
    eleven = dt.datetime(2026, 7, 15, 9, tzinfo=UTC)  # 11:00 CEST
    laeq = hourly.filter((hourly["quantity"] == "noise") & (hourly["bucket_start"] == eleven))["value"].item()
    peak = hourly.filter((hourly["quantity"] == "noise_max") & (hourly["bucket_start"] == eleven))["value"].item()
    assert laeq == pytest.approx(energetic((2, 60.0), (2, 70.0)))
    assert peak == 75.0 + 7  # the quarters of 11:00 are the 4th to 7th since 10:00
    assert hourly["bucket_start"].min() >= NOW - dt.timedelta(hours=24)  # the last 24 hours only


def test_the_city_sets_the_guideline_values(store):
    row = noise.overview(store, city(NoiseGuide(day=65.0, night=40.0)), now=NOW).stations.row(0, named=True)
    assert (row["day_rating"], row["night_rating"]) == ("below", "above")
    assert (row["hours_above"], row["hours_counted"]) == (5, 9)  # 67.4 is above 65 as well


def test_before_six_the_day_shown_is_yesterdays_and_the_night_the_last_complete_one():
    at_three = dt.datetime(2026, 7, 15, 1, tzinfo=UTC)  # 03:00 CEST
    spans = noise.periods(at_three, "Europe/Berlin")
    assert spans.day == (dt.datetime(2026, 7, 14, 4, tzinfo=UTC), dt.datetime(2026, 7, 14, 20, tzinfo=UTC))
    assert spans.night == (dt.datetime(2026, 7, 13, 20, tzinfo=UTC), dt.datetime(2026, 7, 14, 4, tzinfo=UTC))
    assert not spans.day_running


def test_a_night_across_the_clock_change_is_seven_hours_long():
    spans = noise.periods(dt.datetime(2026, 3, 29, 10, tzinfo=UTC), "Europe/Berlin")  # the night the clocks went forward
    assert spans.night == (dt.datetime(2026, 3, 28, 21, tzinfo=UTC), dt.datetime(2026, 3, 29, 4, tzinfo=UTC))
    assert spans.day[0] == dt.datetime(2026, 3, 29, 4, tzinfo=UTC)


def test_no_sound_meters_no_rows(tmp_path):
    store = open_store(tmp_path / "empty", tz="Europe/Berlin")
    view = noise.overview(store, city(), now=NOW)
    assert view.stations.is_empty() and view.hourly.is_empty() and view.as_of is None
