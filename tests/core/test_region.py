"""Region files (several cities, one deployment) and the store as one city sees it."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest

from core.config import DEFAULT_CONFIG, ConfigError, load_config
from core.region import Scoped, load_deployment, scoped
from core.schema import Batch
from core.store import open_store
from data_sources import KINDS
from tests.core.store.rows import T0, readings, station

CONFIG = Path(DEFAULT_CONFIG).parent
REGION = CONFIG / "suedwestfalen.toml"


def test_the_bundled_region_holds_five_cities_with_their_own_files():
    region = load_deployment(REGION, kinds=KINDS)
    assert region.name == "Südwestfalen" and not region.single
    assert region.keys == ("menden", "soest", "olpe", "arnsberg", "bad-berleburg")
    assert [c.name for c in region.cities] == ["Menden (Sauerland)", "Soest", "Olpe", "Arnsberg", "Bad Berleburg"]
    assert region.owner("stadtklima").key == "soest" and region.owner("schulen").key == "olpe"
    assert region.owner("baumkataster").key == "menden" and region.owner("verkehr") is None
    # thresholds stay the city's own: Soest's gauges are in Soest's file only
    soest, menden = region.city("soest").config, region.city("menden").config
    assert set(soest.thresholds["stations"]) == {"soest:pegel-soestbach", "soest:pegel-ahse-ampen"}
    assert not any(k.startswith("soest:") for k in menden.thresholds["stations"])
    assert menden == load_config(CONFIG / "menden.toml", kinds=KINDS)  # a city file reads the same inside a region
    # one poller for the deployment: every city's sources, the default city's place and time zone
    combined = region.combined()
    assert [s["key"] for s in combined.sources] == [s["key"] for c in region.cities for s in c.config.sources]
    assert combined.name == menden.name and combined.timezone == "Europe/Berlin"
    assert load_config(REGION, kinds=KINDS) == combined  # what server, ingest and receiver read
    # an unknown or missing ?city= shows the default city
    assert region.city(None).key == region.city("atlantis").key == "menden"


def test_a_single_city_file_is_a_region_of_one_and_reads_as_before():
    region = load_deployment(DEFAULT_CONFIG, kinds=KINDS)
    assert region.single and region.keys == ("menden",)
    assert region.combined() == load_config(DEFAULT_CONFIG, kinds=KINDS) == region.city("menden").config
    store = object()
    assert scoped(store, region, "menden") is store  # nothing in between for one city


def _region(tmp_path: Path, body: str, cities: dict[str, str] | None = None) -> Path:
    for name in ("menden.toml", "menden-outline.geojson", "menden-trees.csv", "soest.toml", "olpe.toml"):
        if (CONFIG / name).exists():
            shutil.copy(CONFIG / name, tmp_path / name)
    for name, text in (cities or {}).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    path = tmp_path / "region.toml"
    path.write_text(body, encoding="utf-8")
    return path


def _city(key: str, *, tz: str = "Europe/Berlin") -> str:
    return f"""
[city]
name = "Stadt {key}"
timezone = "{tz}"
center = [51.0, 8.0]
zoom = 12

[[sources]]
key = "{key}"
kind = "demo"
stations = "olpe"
"""


CASES = {
    "missing city file": (
        '[region]\nname = "R"\n[[region.cities]]\nkey = "a"\nfile = "nowhere.toml"\n',
        {},
        r"\(a\): the city file .*nowhere\.toml does not exist",
    ),
    "duplicate keys": (
        '[region]\nname = "R"\n[[region.cities]]\nkey = "a"\nfile = "soest.toml"\n[[region.cities]]\nkey = "a"\nfile = "olpe.toml"\n',
        {},
        r"the key 'a' is used twice",
    ),
    "one source key in two cities": (
        '[region]\nname = "R"\n[[region.cities]]\nkey = "a"\nfile = "x.toml"\n[[region.cities]]\nkey = "b"\nfile = "y.toml"\n',
        {"x.toml": _city("same"), "y.toml": _city("same")},
        r"the source key 'same' is in the files of a and b",
    ),
    "bad key": (
        '[region]\nname = "R"\n[[region.cities]]\nkey = "Soest City"\nfile = "soest.toml"\n',
        {},
        r"key 'key': expected lower-case",
    ),
    "unknown default": (
        '[region]\nname = "R"\ndefault = "paris"\n[[region.cities]]\nkey = "soest"\nfile = "soest.toml"\n',
        {},
        r"key 'default': expected one of soest, got 'paris'",
    ),
    "no cities": ('[region]\nname = "R"\n', {}, r"expected at least one city"),
    "city and region in one file": (
        '[region]\nname = "R"\n[[region.cities]]\nkey = "s"\nfile = "soest.toml"\n[city]\nname = "X"\n',
        {},
        r"a region file lists city files only",
    ),
    "two time zones": (
        '[region]\nname = "R"\n[[region.cities]]\nkey = "a"\nfile = "x.toml"\n[[region.cities]]\nkey = "b"\nfile = "y.toml"\n',
        {"x.toml": _city("x"), "y.toml": _city("y", tz="Europe/Lisbon")},
        r"time zones Europe/Berlin, Europe/Lisbon",
    ),
    "unknown use case": (
        '[region]\nname = "R"\n[[region.cities]]\nkey = "s"\nfile = "soest.toml"\nowns = ["raketen"]\n',
        {},
        r"key 'owns': expected a list of",
    ),
    "a bad city file": (
        '[region]\nname = "R"\n[[region.cities]]\nkey = "a"\nfile = "x.toml"\n',
        {"x.toml": "[city]\nname = 'X'\n"},
        r"x\.toml: \[city\] key 'timezone'",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_region_file_errors_stop_with_one_sentence(tmp_path, case):
    body, cities, message = CASES[case]
    path = _region(tmp_path, body, cities)
    with pytest.raises(ConfigError, match=message) as caught:
        load_deployment(path, kinds=KINDS)
    assert "\n" not in str(caught.value) and str(tmp_path) in str(caught.value)
    with pytest.raises(ConfigError):  # the server, the poller and the receiver stop the same way
        load_config(path, kinds=KINDS)


@pytest.fixture
def two_cities(tmp_path):
    """One store holding two cities' sources (a and b) and a scenario's station."""
    store = open_store(tmp_path / "data")
    rows = [(T0 + dt.timedelta(minutes=10 * k), sid, "temperature", 10.0 + k) for k in range(12) for sid in ("a:1", "a:2", "b:1")]
    stations = pl.DataFrame([station("a:1"), station("a:2"), station("b:1"), station("scenario:x")])
    frame = pl.concat([readings([r for r in rows if r[1].startswith("a")], "a"), readings([r for r in rows if r[1].startswith("b")], "b")])
    store.append(Batch(readings=frame, stations=stations))
    for source in ("a", "b"):
        store.record_health(source, ok=True, rows=12, skipped=0, latency_s=0.1)
    return store


def test_a_city_sees_its_own_stations_only(two_cities):
    a = Scoped(two_cities, ["a"])
    assert a.stations()["station_id"].to_list() == ["a:1", "a:2"]
    assert set(a.latest(T0 + dt.timedelta(hours=2))["station_id"]) == {"a:1", "a:2"}
    assert set(a.readings()["station_id"]) == {"a:1", "a:2"} and a.readings().height == 24
    assert set(a.rollup("1h")["station_id"]) == {"a:1", "a:2"}
    assert a.readings(station_ids="b:1").is_empty() and a.rollup("15m", station_ids=["b:1", "a:2"])["station_id"].unique().to_list() == [
        "a:2"
    ]
    assert a.feed_health()["source"].to_list() == ["a"] and a.last_ts("b") is None and a.last_ts("a") is not None
    assert a.version == two_cities.version and a.tz == two_cities.tz
    with_scenario = Scoped(two_cities, ["b", "scenario"])
    assert with_scenario.stations()["station_id"].to_list() == ["b:1", "scenario:x"]
    # what a page reads for one city equals the whole store's rows of that city
    whole = two_cities.rollup("1h").filter(pl.col("station_id").str.starts_with("b:"))
    assert Scoped(two_cities, ["b"]).rollup("1h").equals(whole)


def test_a_new_city_station_is_seen_after_the_next_commit(two_cities):
    a = Scoped(two_cities, ["a"])
    assert a.readings().height == 24
    new = readings([(T0, "a:3", "temperature", 1.0)], "a")
    two_cities.append(Batch(readings=new, stations=pl.DataFrame([station("a:3")])))
    assert "a:3" in a.readings()["station_id"].to_list()  # the station list follows the store's version
