"""The demo city: a simulated Menden that registers and is polled exactly like a real feed.

``simulate`` is the demo's "wire" (columns of native ids, quantities and values), ``parse``
turns it into canonical rows, ``fetch`` asks the simulator for everything since the last
stored reading (14 days on first start). Values depend only on seed and instant.

Live polls send the classrooms, gauges and sound level meters the way Menden's real ones
arrive: as The Things Stack uplinks (Elsys ERS CO2, Decentlab DL-MBX, Milesight WS302 bytes)
through the real decoders and field mapping of ``data_sources.ttn``. The 14-day backfill takes
the direct path for speed; both paths give the same rows (a test holds them equal). Traffic
counters report each hour once it is over, stamped with its start (like Telraam); places
(theme ``poi``) are stations with a category and opening hours, and report nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import polars as pl

from core.schema import READINGS_SCHEMA, Batch
from data_sources import ttn
from data_sources.demo import buildings, physics, region, streets, trees
from data_sources.demo.stations import ALL, DemoStation
from data_sources.errors import FeedFormatError
from data_sources.lorawan.encoders import encode

BACKFILL_DAYS = 14
BUILDING_BACKFILL_DAYS = 400  # ``stations = "buildings"``: a year and a month, so the Energie page has last year's weekday
# a source's ``stations`` key (None: the city's; the region's neighbours: data_sources/demo/region.py)
STATION_SETS = {"city": None, "buildings": buildings.STATIONS, "weather": trees.STATIONS, **region.SETS}
LIVE_WINDOW = dt.timedelta(hours=2)  # polls up to this long go through the LoRaWAN path
LORAWAN_MODELS = {"classroom": "elsys/ers-co2", "gauge": "decentlab/dl-mbx", "noise": "milesight-iot/ws302"}
DEFAULT_SEED = 42
MODELS = {**physics.MODELS, **streets.MODELS, **trees.MODELS}


def _grid(st: DemoStation, start: float, end: float) -> np.ndarray:
    """Times of a station's readings reported in (start, end]: multiples of its interval.

    A counter reports at the end of each interval and stamps the reading with the interval's start;
    a station with ``offset_s`` reports that much after (or before) each multiple.
    """
    first = ((int(start) - st.offset_s) // st.every_s + 1) * st.every_s + st.offset_s
    instants = np.arange(first, int(end) + 1, st.every_s, dtype=np.int64)
    return instants - st.every_s if st.interval else instants


def simulate(
    start: dt.datetime, end: dt.datetime, *, seed: int = DEFAULT_SEED, tz: str = "Europe/Berlin", stations: tuple[DemoStation, ...] = ALL
) -> dict[str, Any]:
    """Everything the demo stations report in (start, end], as plain columns."""
    t0, t1 = start.timestamp(), end.timestamp()
    parts: dict[str, list] = {"t": [], "native_id": [], "quantity": [], "value": []}
    grids: dict[tuple[int, bool, int], tuple[np.ndarray, dict]] = {}
    for st in stations:
        if not st.every_s:  # a place: nothing to report
            continue
        key = (st.every_s, st.interval, st.offset_s)
        if key not in grids:
            t = _grid(st, t0, t1)
            grids[key] = (t, physics.local_time(t, tz) if len(t) else {})
        t, lt = grids[key]
        if not len(t):
            continue
        if st.kind == "classroom":
            values = physics.classroom(st, t, lt, seed, tz)
        elif st.kind == "meter":
            values = buildings.simulate_station(st, t, lt, seed, tz)
        else:
            values = MODELS[st.kind](st, t, lt, seed)
        for quantity, series in values.items():
            parts["t"].append(t)
            parts["native_id"].append(np.full(len(t), st.native_id, dtype=object))
            parts["quantity"].append(np.full(len(t), quantity, dtype=object))
            parts["value"].append(series.astype(np.float64))
    if not parts["t"]:
        return {"t": [], "native_id": [], "quantity": [], "value": []}
    return {k: np.concatenate(v) for k, v in parts.items()}


def station_rows(source: str, stations: Iterable[DemoStation] = ALL) -> list[dict[str, Any]]:
    """Canonical station rows of demo stations under the source key ``source``."""
    return [
        {
            "station_id": f"{source}:{st.native_id}",
            "source": source,
            "name": st.name,
            "lat": st.lat,
            "lon": st.lon,
            "theme": st.theme,
            "district": st.district,
            "category": st.category,
            "opening_hours": st.opening_hours,
        }
        for st in stations
    ]


def column_readings(
    payload: Mapping[str, Any], *, source: str, time_key: str = "t", time_unit: str = "s", what: str = "demo"
) -> pl.DataFrame:
    """Canonical readings from simulator-style columns (epoch time, native_id, quantity, value).

    Shared by the demo and the workshop scenarios, whose "wire" is the same shape of columns.
    """
    try:
        frame = pl.DataFrame(
            {
                "ts": pl.Series(payload[time_key], dtype=pl.Int64),
                "native_id": pl.Series(payload["native_id"], dtype=pl.String),
                "quantity": pl.Series(payload["quantity"], dtype=pl.String),
                "value": pl.Series(payload["value"], dtype=pl.Float64),
            }
        )
    except (KeyError, TypeError, OverflowError, pl.exceptions.PolarsError) as exc:  # 10**400 overflows polars' integers
        msg = f"{what} payload is not simulator columns: {exc}"
        raise FeedFormatError(msg) from exc
    return frame.select(
        ts=pl.from_epoch("ts", time_unit=time_unit).dt.replace_time_zone("UTC").cast(READINGS_SCHEMA["ts"]),
        station_id=pl.lit(f"{source}:") + pl.col("native_id"),
        quantity="quantity",
        value="value",
        source=pl.lit(source),
    )


def station_set(config: Mapping[str, Any] | None) -> tuple[DemoStation, ...] | None:
    """The stations a demo source simulates: None for the city (default), or the municipal buildings' meters (``stations = "buildings"``)."""
    name = (config or {}).get("stations", "city")
    if name not in STATION_SETS:
        msg = f"demo source: stations must be one of {', '.join(STATION_SETS)}, got {name!r}"
        raise FeedFormatError(msg)
    return STATION_SETS[name]


def parse(payload: Mapping[str, Any], *, source: str, config: Mapping[str, Any] | None = None) -> Batch:
    """Canonical rows from simulator columns (``t`` epoch seconds, native_id, quantity, value)."""
    chosen = station_set(config)
    rows = station_rows(source) if chosen is None else station_rows(source, chosen)
    return Batch(readings=column_readings(payload, source=source), stations=pl.DataFrame(rows))


def mount_height_cm(st: DemoStation) -> float:
    """Where the demo gauges' ultrasonic sensors hang: well above any flood the demo plays."""
    return float(round(st.params["base"] + 6 * st.params["wave"] + 100))


def lorawan_devices() -> dict[str, dict[str, Any]]:
    """The TTN device table a city would configure for these sensors (model, place, mount height)."""
    return {
        st.native_id: {
            "model": LORAWAN_MODELS[st.kind],
            "name": st.name,
            "lat": st.lat,
            "lon": st.lon,
            "theme": st.theme,
            "district": st.district,
            **({"mount_height_cm": mount_height_cm(st)} if st.kind == "gauge" else {}),
        }
        for st in ALL
        if st.kind in LORAWAN_MODELS
    }


def uplinks(payload: Mapping[str, Any]) -> tuple[list[dict], dict[str, np.ndarray]]:
    """TTN uplinks for the classroom, gauge and noise rows of a payload, and the payload's other rows."""
    devices = lorawan_devices()
    ids = np.asarray(payload["native_id"], dtype=object)
    radio = np.isin(ids, list(devices))
    rest = {k: np.asarray(v)[~radio] for k, v in payload.items()}
    messages: dict[tuple[str, int], dict[str, float]] = {}
    for native_id, t, quantity, value in zip(
        ids[radio], np.asarray(payload["t"])[radio], np.asarray(payload["quantity"])[radio], np.asarray(payload["value"])[radio]
    ):
        messages.setdefault((native_id, int(t)), {})[quantity] = float(value)
    out = []
    for (native_id, t), values in messages.items():
        device = devices[native_id]
        if "water_level" in values:  # the sensor measures the distance down to the water, in mm
            values = {"distance": (device["mount_height_cm"] - values["water_level"]) * 10}
        fport, data = encode(device["model"], values)
        when = dt.datetime.fromtimestamp(t, dt.UTC)
        out.append(ttn.uplink(native_id, device["model"], fport, data, when))
    return out, rest


def parse_live(payload: Mapping[str, Any], *, source: str) -> Batch:
    """Like :func:`parse`, but classrooms, gauges and sound level meters travel as TTN uplinks through the decoders."""
    messages, rest = uplinks(payload)
    radio = ttn.parse(messages, source=source, config={"key": source, "devices": lorawan_devices()}) if messages else Batch.empty()
    direct = parse(rest, source=source)
    # the demo's own station table comes last and wins (same names and places either way)
    return Batch.concat([Batch(readings=radio.readings, skipped=radio.skipped), direct])


def fetch(source_cfg: Mapping[str, Any], session: Any = None, since: dt.datetime | None = None, *, now: dt.datetime | None = None) -> Batch:
    """All readings after ``since`` up to now; the last 14 days when the store is empty."""
    now = now or dt.datetime.now(dt.UTC)
    chosen = station_set(source_cfg)
    if chosen is not None:  # the buildings' meters: a longer backfill, and they report directly (no LoRaWAN encoders)
        earliest = now - dt.timedelta(days=float(source_cfg.get("backfill_days", BUILDING_BACKFILL_DAYS)))
        start = max(since, earliest) if since else earliest
        seed, tz = int(source_cfg.get("seed", DEFAULT_SEED)), source_cfg.get("timezone", "Europe/Berlin")
        return parse(simulate(start, now, seed=seed, tz=tz, stations=chosen), source=source_cfg["key"], config=source_cfg)
    days = float(source_cfg.get("backfill_days", BACKFILL_DAYS))
    earliest = now - dt.timedelta(days=days)
    start = max(since, earliest) if since else earliest
    payload = simulate(start, now, seed=int(source_cfg.get("seed", DEFAULT_SEED)), tz=source_cfg.get("timezone", "Europe/Berlin"))
    if now - start <= LIVE_WINDOW:
        return parse_live(payload, source=source_cfg["key"])
    return parse(payload, source=source_cfg["key"], config=source_cfg)
