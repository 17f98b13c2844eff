"""Traffic views on small frames and a small store: the usual of a weekday and hour, comparison words, today's counts."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from core.config import CityConfig
from core.schema import Batch
from core.store import open_store
from core.views import today, traffic
from core.views.sentences import Count, Label, Phrase
from core.views.tiles import sentence

UTC = dt.UTC
NOW = dt.datetime(2026, 7, 15, 12, 30, tzinfo=UTC)  # Wednesday 14:30 in Berlin (CEST)


def city() -> CityConfig:
    return CityConfig(name="Test", timezone="Europe/Berlin", center=(51.44, 7.78), zoom=12.0, language="de", sources=())


def buckets(rows: list[tuple[dt.datetime, float]], station: str = "a", quantity: str = "traffic_car") -> pl.DataFrame:
    return pl.DataFrame(
        {"station_id": station, "quantity": quantity, "bucket_start": [ts for ts, _ in rows], "value": [v for _, v in rows]},
        schema={"station_id": pl.String, "quantity": pl.String, "bucket_start": pl.Datetime("us", "UTC"), "value": pl.Float64},
    )


def test_the_usual_is_the_median_and_band_of_the_same_weekday_and_local_hour():
    eight = dt.datetime(2026, 7, 15, 6, tzinfo=UTC)  # 08:00 CEST
    rows = [(eight - dt.timedelta(weeks=w), float(w)) for w in range(1, 9)]  # the 8 Wednesdays before: 1 … 8
    rows += [(eight - dt.timedelta(weeks=9), 1000.0)]  # nine weeks back: outside the window
    rows += [(eight - dt.timedelta(days=d), 500.0) for d in (1, 2, 3, 8)]  # other weekdays at 08:00
    rows += [(eight - dt.timedelta(weeks=1, hours=1), 700.0)]  # a Wednesday, but 07:00
    rows += [(eight, 900.0)]  # today: never its own usual
    usual = traffic.weekday_usual(buckets(rows), NOW, "Europe/Berlin").filter(pl.col("hour") == 8).row(0, named=True)
    assert usual["usual"] == 4.5 and usual["days"] == 8
    assert usual["low"] == pytest.approx(1.7) and usual["high"] == pytest.approx(7.3)  # 10th and 90th percentile of 1 … 8


def test_the_latest_count_is_compared_with_its_own_hour_and_weekday():
    # 00:30 on a Wednesday: the counter's newest hour is Tuesday 23:00, published when it was over
    tuesday_23 = dt.datetime(2026, 7, 14, 21, tzinfo=UTC)
    rows = [(tuesday_23 - dt.timedelta(weeks=w), 40.0 + w) for w in (1, 2, 3)]  # earlier Tuesdays at 23:00: 41, 42, 43
    rows += [(tuesday_23 + dt.timedelta(days=1) - dt.timedelta(weeks=1), 5.0)]  # a Wednesday 23:00: another weekday
    rows += [(tuesday_23, 60.0)]  # the compared value itself
    latest = pl.DataFrame({"station_id": ["a"], "quantity": ["traffic_car"], "ts": [tuesday_23]})
    usual = traffic.usual_of(buckets(rows), latest, "Europe/Berlin")
    assert usual.select("station_id", "usual").rows() == [("a", 42.0)]


@pytest.mark.parametrize(
    ("value", "usual", "key"),
    [
        (420.0, 380.0, "more"),  # (420+20)/(380+20) = 1.1
        (380.0, 380.0, "usual"),
        (400.0, 380.0, "usual"),
        (600.0, 380.0, "much_more"),
        (300.0, 380.0, "less"),
        (100.0, 380.0, "much_less"),
        (3.0, 1.0, "more"),  # 3 cars instead of 1 at night is "a little more", not "far more": (3+20)/(1+20) = 1.1
    ],
)
def test_comparison_words(value, usual, key):
    assert traffic.compare(value, usual).key == key


def test_no_comparison_without_a_usual():
    assert traffic.compare(300.0, None) is None


def station(sid: str, name: str, theme: str = "traffic") -> dict:
    return {"station_id": f"t:{sid}", "source": "t", "name": name, "lat": 51.44, "lon": 7.78, "theme": theme, "district": None}


def hourly_counts(sid: str, day: dt.date, hours: range, values: dict[str, float]) -> list[dict]:
    """One reading per hour at the hour's start (Telraam), local hours ``hours`` of ``day`` in Berlin (CEST)."""
    out = []
    for hour in hours:
        ts = dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.timezone(dt.timedelta(hours=2))).astimezone(UTC)
        out += [{"ts": ts, "station_id": f"t:{sid}", "quantity": q, "value": v, "source": "t"} for q, v in values.items()]
    return out


@pytest.fixture
def counted(tmp_path):
    """Wednesday 14:30: today's hours 00–13 published with 100 cars each; the two Wednesdays before had 80 every hour."""
    store = open_store(tmp_path / "store", tz="Europe/Berlin")
    today_values = {"traffic_car": 100.0, "traffic_heavy": 10.0, "traffic_bike": 40.0, "traffic_pedestrian": 50.0, "speed_v85": 52.0}
    rows = hourly_counts("h", dt.date(2026, 7, 15), range(14), today_values)
    for past in (dt.date(2026, 7, 8), dt.date(2026, 7, 1)):
        rows += hourly_counts("h", past, range(24), {"traffic_car": 80.0, "traffic_bike": 30.0})
    rows += hourly_counts("h", dt.date(2026, 7, 14), range(24), {"traffic_car": 300.0})  # Tuesday: not a Wednesday's usual
    store.append(Batch.from_rows(rows, [station("h", "Verkehrszählung Hauptstraße")]))
    return store


def test_overview_counts_today_against_the_same_hours_of_the_usual_wednesday(counted):
    view = traffic.overview(counted, city(), now=NOW)
    row = view.counters.row(0, named=True)
    assert row["traffic_car"] == 100.0 and row["speed_v85"] == 52.0
    assert row["at"] == dt.datetime(2026, 7, 15, 11, tzinfo=UTC)  # the 13:00 hour, published at 14:00
    assert row["usual"] == 80.0 and row["comparison"] == "more"  # (100 + 20) / (80 + 20) = 1.2
    assert (row["comparison_de"], row["tone"]) == ("etwas mehr als üblich", "moderate")
    assert row["today"] == 14 * 100.0  # hours 00–13, a full hour each
    assert row["usual_today"] == 14 * 80.0  # the same 14 hours, not the unpublished 14:00 one
    split = dict(view.split.select("quantity", "share").rows())
    assert split == {"traffic_car": 0.5, "traffic_heavy": 0.05, "traffic_bike": 0.2, "traffic_pedestrian": 0.25}
    assert view.split["quantity"].to_list() == list(traffic.MODES)  # the modal split in its fixed order
    cars = view.hourly.filter(pl.col("quantity") == "traffic_car")
    assert cars.height == 24 and cars.filter(pl.col("hour") == 20).row(0, named=True)["value"] is None  # the evening is to come
    assert cars.filter(pl.col("hour") == 20)["usual"].item() == 80.0
    assert (view.weekday, view.hour) == (3, 14)


def test_a_partly_gone_hour_counts_only_as_far_as_it_has_gone(tmp_path):
    store = open_store(tmp_path / "store", tz="Europe/Berlin")
    rows = hourly_counts("h", dt.date(2026, 7, 15), range(14, 15), {"traffic_car": 120.0})  # 14:00, a rate reported live
    store.append(Batch.from_rows(rows, [station("h", "Hauptstraße")]))
    assert traffic.overview(store, city(), now=NOW).counters["today"].item() == pytest.approx(60.0)  # half of the hour is gone


def test_heute_compares_the_busiest_counter_with_its_usual_weekday_hour(counted):
    tile = {t.key: t for t in today.overview(counted, city(), now=NOW).tiles}["traffic"]
    assert (tile.value, tile.usual, tile.status, tile.tone) == (100.0, 80.0, "more", "moderate")
    key, params = sentence(tile)
    assert key == "sentence.traffic.street"  # "Auf der Hauptstraße …": the kind of station is left out
    assert params["place"] == "Hauptstraße" and params["value"] == Count(100.0)
    assert params["versus"] == Phrase("sentence.traffic.versus", {"comparison": Label("etwas mehr als üblich", "a little more than usual")})
