"""``/api/catalog``: the open data as a DCAT-AP.de catalogue in JSON-LD, one dataset per theme and source.

Each dataset names its publisher (the city), its spatial coverage (the stations' bounding box as
GeoJSON), its temporal coverage (first and newest reading), an EU data theme, the source's
licence as a URI of DCAT-AP.de's licence vocabulary with the attribution text, and two
distributions: the SensorThings API and a CSV download of the last 30 days, hourly.
"""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import quote, urlencode

import polars as pl

from core.config import CityConfig
from core.store import StoreReader
from data_sources import licences
from ui.i18n import t

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dcatde": "http://dcat-ap.de/def/dcatde/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "locn": "http://www.w3.org/ns/locn#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
EU = "http://publications.europa.eu/resource/authority/"
THEMES = {  # our theme -> EU data theme (DCAT-AP's controlled vocabulary)
    "microclimate": "ENVI",
    "water": "ENVI",
    "air_quality": "ENVI",
    "soil": "ENVI",
    "noise": "ENVI",
    "indoor_air": "HEAL",
    "parking": "TRAN",
    "traffic": "TRAN",
    "charging": "TRAN",
    "energy": "ENER",
    "poi": "REGI",
    "other": "TECH",
}
GEOJSON = "https://www.iana.org/assignments/media-types/application/vnd.geo+json"


def _typed(value: dt.datetime) -> dict:
    return {"@value": value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "@type": "xsd:dateTime"}


def _text(de: str, en: str) -> list[dict]:
    return [{"@value": de, "@language": "de"}, {"@value": en, "@language": "en"}]


MAX_FIRST_DAYS = 31  # distinct first days read for exact start times; beyond, a start is its day's start


def first_readings(store: StoreReader) -> pl.DataFrame:
    """station_id, first: the time of each station's first reading (its first day from the day rollups, then that day's readings)."""
    days = store.rollup("1d").group_by("station_id").agg(day=pl.col("bucket_start").min())
    starts = days["day"].unique().sort().to_list()
    if len(starts) > MAX_FIRST_DAYS:
        return days.select("station_id", first="day")
    exact = [
        store.readings(day, day + dt.timedelta(hours=25), days.filter(pl.col("day") == day)["station_id"].to_list())  # 25 h: a DST day
        .group_by("station_id")
        .agg(first=pl.col("ts").min())
        for day in starts
    ]
    return pl.concat(exact) if exact else days.select("station_id", first="day")


def coverage(store: StoreReader) -> pl.DataFrame:
    """Per source and theme: stations, their bounding box, the first and the newest reading."""
    first = first_readings(store)
    last = store.latest().group_by("station_id").agg(last=pl.col("ts").max(), quantities=pl.col("quantity").unique().sort())
    stations = store.stations().join(last, on="station_id", how="inner").join(first, on="station_id", how="left")
    return (
        stations.with_columns(theme=pl.col("theme").fill_null("other"))
        .group_by("source", "theme")
        .agg(
            stations=pl.col("station_id").sort(),
            quantities=pl.col("quantities").list.explode(keep_nulls=False, empty_as_null=False).unique().sort(),
            first=pl.col("first").min(),
            last=pl.col("last").max(),
            west=pl.col("lon").min(),
            east=pl.col("lon").max(),
            south=pl.col("lat").min(),
            north=pl.col("lat").max(),
        )
        .sort("source", "theme")
    )


def catalog(store: StoreReader, city: CityConfig, base: str) -> dict:
    """The JSON-LD document (``base`` is the server's URL, e.g. ``https://showroom.menden.de``)."""
    publisher = {"@id": f"{base}/api/catalog#publisher", "@type": "foaf:Agent", "foaf:name": city.name}
    credit = {c.source: c for c in licences.credits(city)}
    covered = coverage(store)
    datasets = [_dataset(row, city, base, publisher, credit.get(row["source"])) for row in covered.iter_rows(named=True)]
    newest = covered["last"].max() if covered.height else None
    return {
        "@context": CONTEXT,
        "@id": f"{base}/api/catalog",
        "@type": "dcat:Catalog",
        "dct:title": _text(f"Offene Sensordaten {city.name}", f"Open sensor data of {city.name}"),
        "dct:description": _text(
            f"Messwerte der Sensoren und offenen Datenquellen, die das Cockpit von {city.name} zeigt.",
            f"Readings of the sensors and open-data feeds the cockpit of {city.name} shows.",
        ),
        "dct:publisher": publisher,
        "dct:language": {"@id": f"{EU}language/DEU"},
        "foaf:homepage": {"@id": f"{base}/"},
        "dcat:themeTaxonomy": {"@id": f"{EU}data-theme"},
        **({"dct:modified": _typed(newest)} if newest is not None else {}),
        "dcat:dataset": datasets,
    }


def _dataset(row: dict, city: CityConfig, base: str, publisher: dict, credit: licences.Credit | None) -> dict:
    source, theme = row["source"], row["theme"]
    ident = f"{base}/api/catalog#dataset-{quote(source, safe='')}-{theme}"
    title_de, title_en = t(f"theme.{theme}", "de"), t(f"theme.{theme}", "en")
    quantities = row["quantities"]
    things = f"{base}/api/v1.1/Things?" + urlencode({"$filter": f"properties/source eq '{source}' and properties/theme eq '{theme}'"})
    csv = f"{base}/api/download?" + urlencode(
        {"stations": row["stations"], "quantities": quantities, "preset": "30d", "resolution": "1h", "format": "csv"}, doseq=True
    )
    rights: dict = {}
    if credit:
        rights = {"dct:license": {"@id": credit.licence.uri}, "dcatde:licenseAttributionByText": credit.attribution}
    out: dict = {
        "@id": ident,
        "@type": "dcat:Dataset",
        "dct:identifier": ident,
        "dct:title": _text(f"{title_de} – {city.name} (Quelle {source})", f"{title_en} – {city.name} (source {source})"),
        "dct:description": _text(
            f"{len(row['stations'])} Stationen der Quelle {source}: {', '.join(t(f'quantity.{q}', 'de') for q in quantities)}.",
            f"{len(row['stations'])} stations of source {source}: {', '.join(t(f'quantity.{q}', 'en') for q in quantities)}.",
        ),
        "dct:publisher": publisher,
        "dcat:theme": {"@id": f"{EU}data-theme/{THEMES.get(theme, 'TECH')}"},
        "dcat:keyword": [title_de, *quantities],
        "dct:accrualPeriodicity": {"@id": f"{EU}frequency/CONT"},
        "dcat:distribution": [
            {
                "@type": "dcat:Distribution",
                "dct:title": "OGC SensorThings API 1.1",
                "dcat:accessURL": {"@id": things},
                "dct:format": {"@id": f"{EU}file-type/JSON"},
                "dct:conformsTo": {"@id": "http://www.opengis.net/doc/is/sensorthings/1.1"},
                **rights,
            },
            {
                "@type": "dcat:Distribution",
                "dct:title": "CSV, Stundenwerte der letzten 30 Tage",
                "dcat:accessURL": {"@id": csv},
                "dcat:downloadURL": {"@id": csv},
                "dct:format": {"@id": f"{EU}file-type/CSV"},
                "dcat:mediaType": {"@id": "https://www.iana.org/assignments/media-types/text/csv"},
                **rights,
            },
        ],
    }
    if row["first"] is not None and row["last"] is not None:
        out["dct:temporal"] = {"@type": "dct:PeriodOfTime", "dcat:startDate": _typed(row["first"]), "dcat:endDate": _typed(row["last"])}
        out["dct:modified"] = _typed(row["last"])
    if row["west"] is not None:
        w, e, s, n = row["west"], row["east"], row["south"], row["north"]
        box = {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}
        out["dct:spatial"] = {"@type": "dct:Location", "locn:geometry": {"@value": json.dumps(box), "@type": GEOJSON}}
    return out
