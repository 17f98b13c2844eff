"""Rows for the store tests: readings frames, station rows and random histories."""

from __future__ import annotations

import datetime as dt
import random

import polars as pl

from core.schema import READINGS_SCHEMA

UTC = dt.UTC
T0 = dt.datetime(2026, 3, 27, 18, 0, tzinfo=UTC)  # two days before the spring DST switch


def readings(rows: list[tuple[dt.datetime, str, str, float]], source: str = "t") -> pl.DataFrame:
    ts, sid, qty, val = zip(*rows) if rows else ((), (), (), ())
    return pl.DataFrame({"ts": ts, "station_id": sid, "quantity": qty, "value": val, "source": source}, schema=READINGS_SCHEMA)


def station(sid: str, name: str = "Station") -> dict:
    return {
        "station_id": sid,
        "source": sid.split(":")[0],
        "name": name,
        "lat": 51.4,
        "lon": 7.8,
        "theme": "microclimate",
        "district": None,
    }


def random_rows(
    rng: random.Random, n: int, *, series: int = 6, span_h: float = 80, quantities: tuple[str, ...] = ("temperature", "humidity")
) -> list:
    return [
        (
            T0 + dt.timedelta(seconds=rng.randrange(int(span_h * 3600))),
            f"t:s{rng.randrange(series)}",
            rng.choice(quantities),
            round(rng.uniform(0, 40), 2),
        )
        for _ in range(n)
    ]
