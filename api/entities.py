"""The SensorThings entity sets as polars frames from the store, and one entity of each as a JSON object.

Ids are the store's own names, so they stay stable across restarts and servers: a Thing and its
Location are a station (``demo:pegel-hoenne-mitte``), a Datastream is station × quantity
(``demo:pegel-hoenne-mitte:water_level``), an ObservedProperty a quantity (``water_level``), a
Sensor a source (``demo``), an Observation a Datastream and a time in epoch microseconds
(``…:water_level:1767225600000000``; a rollup's ``…:water_level:1h:1767225600000000``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import quote

import polars as pl

from core.config import CityConfig
from core.schema import QUANTITIES
from core.store import ROLLUPS, StoreReader
from data_sources import licences
from data_sources.sensorthings import SHOWROOM_PROPERTY

MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
PROPERTY_URN = SHOWROOM_PROPERTY  # + quantity key: what an ObservedProperty means (the sensorthings adapter reads it)
UNCEFACT_URN = "urn:un:unece:uncefact:rec20:"  # + the unit's UN/CEFACT common code
TIME = "%Y-%m-%dT%H:%M:%S%.fZ"


@dataclass(frozen=True)
class Nav:
    """A navigation property: the target set, one or many, and which columns link them."""

    target: str
    many: bool
    here: str
    there: str


NAVS: dict[str, dict[str, Nav]] = {
    "Things": {"Locations": Nav("Locations", True, "id", "id"), "Datastreams": Nav("Datastreams", True, "id", "thing_id")},
    "Locations": {"Things": Nav("Things", True, "id", "id")},
    "Datastreams": {
        "Thing": Nav("Things", False, "thing_id", "id"),
        "Sensor": Nav("Sensors", False, "sensor_id", "id"),
        "ObservedProperty": Nav("ObservedProperties", False, "property_id", "id"),
        "Observations": Nav("Observations", True, "id", "datastream_id"),
    },
    "Sensors": {"Datastreams": Nav("Datastreams", True, "id", "sensor_id")},
    "ObservedProperties": {"Datastreams": Nav("Datastreams", True, "id", "property_id")},
    "Observations": {"Datastream": Nav("Datastreams", False, "datastream_id", "id")},
}
# $filter / $orderby path -> frame column, per entity set
PATHS: dict[str, dict[str, str]] = {
    "Things": {"id": "id", "name": "name", "properties/source": "source", "properties/theme": "theme", "properties/district": "district"},
    "Locations": {"id": "id", "name": "name"},
    "Datastreams": {
        "id": "id",
        "name": "name",
        "Thing/id": "thing_id",
        "Sensor/id": "sensor_id",
        "ObservedProperty/id": "property_id",
    },
    "Sensors": {"id": "id", "name": "name"},
    "ObservedProperties": {"id": "id", "name": "name"},
    "Observations": {
        "id": "id",
        "phenomenonTime": "ts",
        "resultTime": "result_time",
        "result": "value",
        "Datastream/id": "datastream_id",
        "Datastream/Thing/id": "station_id",
        "Datastream/ObservedProperty/id": "quantity",
    },
}
PROPERTIES: dict[str, tuple[str, ...]] = {  # what $select may name
    "Things": ("id", "selfLink", "name", "description", "properties"),
    "Locations": ("id", "selfLink", "name", "description", "encodingType", "location"),
    "Datastreams": ("id", "selfLink", "name", "description", "observationType", "unitOfMeasurement", "properties"),
    "Sensors": ("id", "selfLink", "name", "description", "encodingType", "metadata"),
    "ObservedProperties": ("id", "selfLink", "name", "definition", "description"),
    "Observations": ("id", "selfLink", "phenomenonTime", "resultTime", "result", "parameters"),
}


def things(store: StoreReader) -> pl.DataFrame:
    return (
        store.stations()
        .select(
            id=pl.col("station_id"),
            name=pl.col("name").fill_null(pl.col("station_id")),
            source=pl.col("source"),
            theme=pl.col("theme"),
            district=pl.col("district"),
            lat=pl.col("lat"),
            lon=pl.col("lon"),
        )
        .sort("id")
    )


def locations(store: StoreReader) -> pl.DataFrame:
    return things(store).filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null()).select("id", "name", "lat", "lon")


def datastreams(store: StoreReader) -> pl.DataFrame:
    names = store.stations().select("station_id", "name", "source")
    return (
        store.latest()
        .select("station_id", "quantity", last_ts=pl.col("ts"))
        .join(names, on="station_id", how="left")
        .select(
            id=pl.col("station_id") + ":" + pl.col("quantity"),
            thing_id=pl.col("station_id"),
            sensor_id=pl.col("source").fill_null(pl.col("station_id").str.split(":").list.first()),
            property_id=pl.col("quantity"),
            name=pl.col("name").fill_null(pl.col("station_id")),
            last_ts=pl.col("last_ts"),
        )
        .sort("id")
    )


def sensors(store: StoreReader, city: CityConfig) -> pl.DataFrame:
    kinds = {src["key"]: src["kind"] for src in city.sources}
    seen = store.stations()["source"].drop_nulls().unique().to_list()
    keys = sorted(set(kinds) | set(seen))
    return pl.DataFrame(
        {"id": keys, "name": keys, "kind": [kinds.get(k) for k in keys]}, schema={"id": pl.String, "name": pl.String, "kind": pl.String}
    )


def observed_properties(store: StoreReader) -> pl.DataFrame:
    present = set(store.latest()["quantity"].unique().to_list())
    keys = [k for k in QUANTITIES if k in present]
    return pl.DataFrame({"id": keys, "name": [QUANTITIES[k].label_en for k in keys]}, schema={"id": pl.String, "name": pl.String})


def observations(frame: pl.DataFrame, every: str | None, tz: str) -> pl.DataFrame:
    """Readings (or ``every`` buckets) as Observation rows: datastream_id, station_id, quantity, ts, result_time, value …"""
    stream = pl.col("station_id") + ":" + pl.col("quantity")
    if every is None:
        return frame.select(
            datastream_id=stream,
            station_id="station_id",
            quantity="quantity",
            ts="ts",
            result_time="ts",
            value=pl.col("value").fill_nan(None),
        )
    local = pl.col("ts").dt.convert_time_zone(tz)
    return frame.rename({"bucket_start": "ts"}).select(
        datastream_id=stream,
        station_id="station_id",
        quantity="quantity",
        ts="ts",
        result_time=local.dt.offset_by(every).dt.convert_time_zone("UTC"),  # a local day may have 23 or 25 hours
        value=pl.col("value").fill_nan(None),
        n="n",
        min=pl.col("min").fill_nan(None),
        max=pl.col("max").fill_nan(None),
    )


def with_ids(frame: pl.DataFrame, every: str | None) -> pl.DataFrame:
    """Observation rows with their ``id`` (made only for what is filtered on or sent: a string per row costs)."""
    if "id" in frame.columns:
        return frame
    epoch = pl.col("ts").dt.epoch("us").cast(pl.String)
    return frame.with_columns(id=pl.col("datastream_id") + (f":{every}:" if every else ":") + epoch)


def split_datastream(text: str) -> tuple[str, str] | None:
    """(station_id, quantity) of a Datastream id, or None."""
    station, _, quantity = text.rpartition(":")
    return (station, quantity) if station and quantity in QUANTITIES else None


def split_observation(text: str) -> tuple[str, str, str | None, dt.datetime] | None:
    """(station_id, quantity, rollup or None, time) of an Observation id, or None."""
    head, _, epoch = text.rpartition(":")
    if not epoch.isdigit():
        return None
    every = next((e for e in ROLLUPS if head.endswith(f":{e}")), None)
    stream = split_datastream(head[: -len(every) - 1] if every else head)
    if stream is None:
        return None
    return (*stream, every, dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=int(epoch)))


def link(base: str, entity_set: str, entity_id: str) -> str:
    """``…/Things('demo:x')``: quotes doubled, the rest percent-encoded where a URL needs it."""
    return f"{base}/{entity_set}('{quote(entity_id.replace(chr(39), chr(39) * 2), safe=':@!$*+,;=-._~')}')"


def _stamp(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace(".000000Z", "Z")


def render(entity_set: str, row: dict, base: str, city: CityConfig, credit: dict[str, licences.Credit]) -> dict:
    """One entity as SensorThings JSON (without expansions): its properties and navigation links."""
    self_link = link(base, entity_set, row["id"])
    out: dict = {"@iot.id": row["id"], "@iot.selfLink": self_link}
    if entity_set == "Things":
        out |= {
            "name": row["name"],
            "description": f"{row['theme'] or 'other'} station of source {row['source']}",
            "properties": {"source": row["source"], "theme": row["theme"], "district": row["district"]},
        }
    elif entity_set == "Locations":
        out |= {
            "name": row["name"],
            "description": f"where station {row['id']} stands",
            "encodingType": "application/geo+json",
            "location": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
        }
    elif entity_set == "Datastreams":
        q = QUANTITIES[row["property_id"]]
        given = credit.get(row["sensor_id"])
        unit = (
            {"name": q.unit, "symbol": q.unit, "definition": UNCEFACT_URN + q.uncefact}
            if q.unit
            else {"name": None, "symbol": None, "definition": None}
        )
        out |= {
            "name": f"{row['name']} – {q.label_en}",
            "description": f"{q.label_en} at station {row['thing_id']}",
            "observationType": MEASUREMENT,
            "unitOfMeasurement": unit,
            "properties": {
                "quantity": q.key,
                "aggregation": q.aggregation,
                "resolutions": list(ROLLUPS),  # Observations?resolution=1h: the rollups (docs/open-data.md)
                "lastObservation": _stamp(row["last_ts"]),
                "license": given.licence.uri if given else None,
                "attribution": given.attribution if given else None,
            },
        }
    elif entity_set == "Sensors":
        out |= {
            "name": row["name"],
            "description": f"feed {row['name']} ({row['kind'] or 'not configured'}) of {city.name}",
            "encodingType": "text/plain",
            "metadata": f"source kind {row['kind'] or 'unknown'}",
        }
    elif entity_set == "ObservedProperties":
        q = QUANTITIES[row["id"]]
        out |= {"name": q.label_en, "definition": PROPERTY_URN + q.key, "description": q.label_de}
    else:  # Observations
        rollup = "n" in row
        start = _stamp(row["ts"])
        out |= {
            "phenomenonTime": f"{start}/{_stamp(row['result_time'])}" if rollup else start,
            "resultTime": _stamp(row["result_time"]),
            "result": row["value"],
        }
        if rollup:
            aggregation = QUANTITIES[row["quantity"]].aggregation if row["quantity"] in QUANTITIES else None
            out["parameters"] = {"aggregation": aggregation, "n": row["n"], "min": row["min"], "max": row["max"]}
    for nav in NAVS[entity_set]:
        out[f"{nav}@iot.navigationLink"] = f"{self_link}/{nav}"
    return out
