"""The adapter kit: numbers, times, places and the Collector every adapter builds its Batch with."""

from datetime import UTC, datetime, timedelta

import pytest

from data_sources._kit import Collector, distance_km, lat_lon, number, parse_time, point
from data_sources.errors import FeedFormatError

UTC = UTC
NICE = [43.70, 7.26]  # lat, lon
MENDEN = [51.4436, 7.7783]
T0 = datetime(2024, 7, 1, 12, tzinfo=UTC)


def test_number_takes_numbers_and_numeric_strings_and_never_raises():
    assert (number(3), number(2.5), number(" 7 "), number("1e3")) == (3.0, 2.5, 7.0, 1000.0)
    assert number("21,5", decimal_comma=True) == 21.5
    assert number("21,5") is None  # a decimal comma only where the format has one
    for junk in (True, False, None, "", "x", "nan", "inf", float("nan"), float("-inf"), 10**400, [1], {"value": 1}, b"1"):
        assert number(junk) is None, junk


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2016-03-15T11:00:00", datetime(2016, 3, 15, 11, tzinfo=UTC)),  # no zone: UTC
        ("2016-11-30T07:00:00.00Z", datetime(2016, 11, 30, 7, tzinfo=UTC)),
        ("2020-09-16T13:30:00+05:30", datetime(2020, 9, 16, 8, 0, tzinfo=UTC)),
        ("2018-12-13T16:35:58.284", datetime(2018, 12, 13, 16, 35, 58, 284000, tzinfo=UTC)),
        ("2016-03-15T11:00:00/2016-03-15T12:00:00", datetime(2016, 3, 15, 12, tzinfo=UTC)),  # interval: its end
        ({"@type": "DateTime", "@value": "2016-11-30T07:00:00.00Z"}, datetime(2016, 11, 30, 7, tzinfo=UTC)),
        (1526000000000, datetime(2018, 5, 11, 0, 53, 20, tzinfo=UTC)),  # epoch ms (QuantumLeap)
        ("yesterday", None),
        ("2016-13-45T99:00:00", None),
        (10**30, None),
        (None, None),
        (True, None),
    ],
)
def test_parse_time(raw, expected):
    assert parse_time(raw, epoch=True) == expected


def test_point_reads_geojson_lon_lat_and_geo_point_text():
    assert point({"type": "Point", "coordinates": [7.7783, 51.4436]}) == (51.4436, 7.7783)
    assert point("51.4436, 7.7783") == (51.4436, 7.7783)  # NGSI-v2 geo:point is "lat, lon"
    square = {"type": "Polygon", "coordinates": [[[7.0, 51.0], [8.0, 51.0], [8.0, 52.0], [7.0, 52.0]]]}
    assert point(square) == (51.5, 7.5)
    for junk in (None, {}, {"coordinates": "x"}, {"coordinates": [None, 1]}, "a, b", 42, [7.0, 51.0], {"coordinates": [[[[[[1, 2]]]]]]}):
        assert point(junk) == (None, None)


def test_swapped_coordinates():
    nice_swapped = {"type": "Point", "coordinates": [43.66481, 7.196545]}  # WaterObserved example
    assert point(nice_swapped) == (7.196545, 43.66481)  # plausible as given: left alone
    assert point(nice_swapped, {"center": NICE}) == (43.66481, 7.196545)
    assert point(nice_swapped, {"center": MENDEN}) == (7.196545, 43.66481)  # neither near Menden: left alone
    assert point({"coordinates": [7.7783, 51.4436]}, {"center": MENDEN}) == (51.4436, 7.7783)  # right: untouched
    assert point({"coordinates": [51.4436, 7.7783]}, {"center": MENDEN}) == (51.4436, 7.7783)
    north = {"coordinates": [52.0, 7.7783]}  # swapped, 62 km north of Menden
    assert point(north, {"center": MENDEN}) == (52.0, 7.7783)
    assert point(north, {"center": MENDEN, "swap_radius_km": 10}) == (7.7783, 52.0)  # beyond the radius: left alone
    assert point({"coordinates": [13.4, 152.5]}) == (13.4, 152.5)  # a latitude of 152° can only be swapped
    with pytest.raises(FeedFormatError, match="center"):
        point(nice_swapped, {"center": "Nizza"})


def test_times_are_utc_and_numbers_are_times_only_where_the_format_says_so():
    assert parse_time("2024-07-01T14:00:00+02:00") == T0
    assert parse_time("2024-07-01T12:00:00.123456789Z") == T0 + timedelta(microseconds=123456)  # RFC 3339 nanoseconds
    assert parse_time(datetime(2024, 7, 1, 12)) == T0  # naive is UTC
    assert parse_time("9999-12-31T23:59:59-01:00") is None  # beyond datetime's range in UTC
    for epoch_like in (1719835200, 1719835200000, "1719835200"):
        assert parse_time(epoch_like) is None, epoch_like  # a CSV cell or a JSON number is no time by default
    assert parse_time(1719835200, epoch=True) == parse_time(1719835200000, epoch=True) == T0
    assert parse_time("1719835200", epoch=True) is None  # epoch means numbers, not digit strings


def test_lat_lon_ranges_and_the_null_island():
    assert lat_lon("51.44", 7.78) == (51.44, 7.78)
    assert lat_lon(91, 7) == lat_lon(51, 181) == lat_lon(None, 7) == lat_lon(True, 7) == (None, None)
    assert lat_lon(0, 0) == (0.0, 0.0)
    assert lat_lon(0, 0, zero_is_unknown=True) == (None, None)  # a GPS tracker without a fix
    assert lat_lon(0, 7.78, zero_is_unknown=True) == (0.0, 7.78)


def test_distance_km():
    assert distance_km(*MENDEN, *MENDEN) == 0.0
    assert distance_km(52.0, 7.7783, *MENDEN) == pytest.approx(61.9, abs=0.1)


def test_collector_lowest_rank_then_first_wins_and_stations_keep_their_first_sighting():
    rows = Collector("s")
    sid = rows.station("a", name=" Pegel ", lat=91, lon=7, district=17)
    assert rows.station("a", name="other", lat=51.4, lon=7.8, theme="water") == sid == "s:a"
    rows.reading(sid, T0, "water_level", 120.0, rank=2)
    rows.reading(sid, T0, "water_level", 110.0, rank=1)  # a better attribute
    rows.reading(sid, T0, "water_level", 100.0, rank=1)  # the same rank again: the first stays
    rows.reading(sid, T0, "discharge", None)
    rows.reading(sid, None, "discharge", 3.0)
    rows.level(sid, "water_level", "MHW", 300.0)
    rows.level(sid, "water_level", "MHW", 999.0)
    batch = rows.batch()
    assert batch.readings.select("quantity", "value").rows() == [("water_level", 110.0)]
    assert batch.skipped == 2
    assert batch.levels.select("level", "value").rows() == [("MHW", 300.0)]
    # gaps filled by the later sighting; the name stripped; a number is no district
    assert batch.stations.select("name", "lat", "lon", "theme", "district").row(0) == ("Pegel", 51.4, 7.8, "water", None)


def test_collector_themes_come_from_the_quantities_measured():
    rows = Collector("s")
    room, box, quiet = rows.station("room"), rows.station("box"), rows.station("quiet")
    rows.reading(room, T0, "co2", 800.0)
    rows.reading(room, T0, "temperature", 21.0)
    rows.measures(box, "pm10")  # a datastream without a value yet
    themes = dict(rows.batch(default_theme="microclimate").stations.select("station_id", "theme").rows())
    assert themes == {room: "indoor_air", box: "air_quality", quiet: "microclimate"}
    assert dict(rows.batch().stations.select("station_id", "name").rows())[quiet] == "quiet"  # the native id names it
